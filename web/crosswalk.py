"""An institution's crosswalk: the vendors' exam codes in their result files, mapped to catalog codes.

Vendors send results under their own codes (ServSafe/NRA, CompTIA through
Pearson VUE, OSHA Outreach trainers, NCCER), not the catalog's. A registrar
keeps one mapping per (vendor, exam code) for the institution, and the award
import reads a row's `vendor` + `exam_code` through it (web.imports).

It lives in the web database (`web_crosswalk`), not in the signed record: it
is how one institution reads its files, like its accounts, and a mapping can
be corrected without touching any award. What is auditable is the award: it
signs the catalog code the row resolved to, and the vendor and exam code stay
in its evidence, so the record shows both what the file said and what was
recorded. Vendors are matched without regard to case or spacing ("ServSafe"
is "servsafe"), exam codes without regard to case.

Changes come from a CSV (`vendor,exam_code,credential`), checked row by row
first (`check`, the preview) and stored all or none (`commit`): a row for a
code already mapped replaces its credential. `remove` deletes one mapping.
The console, the API and the CLI call these and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timezone

from ledger.application import Ledger
from ledger.errors import NotFoundError
from ledger.readmodels import Projections
from web.db import WebTables
from web.csv_files import check_exact_columns, parse_csv, raise_for_errors

COLUMNS = ("vendor", "exam_code", "credential")
ALIASES = {"vendor_name": "vendor", "provider": "vendor", "exam": "exam_code", "exam_number": "exam_code",
           "exam_id": "exam_code", "test_code": "exam_code", "credential_code": "credential", "catalog_code": "credential"}
MAX_CODE = 64

# The format, as the crosswalk page documents it: (column, required, meaning).
FORMAT = [
    ("vendor", "yes", "who sends the result file, as you name it in the award file's vendor column (e.g. ServSafe)"),
    ("exam_code", "yes", "the vendor's code for the exam, as it appears in their result file (e.g. FPM-EN)"),
    ("credential", "yes", "the catalog code it is recorded as (e.g. servsafe-manager); the catalog is listed below"),
]


def vendor_key(text: str) -> str:
    """How a vendor is matched: case and inner spacing do not matter."""
    return " ".join(text.split()).casefold()


def code_key(text: str) -> str:
    """How an exam code is matched: case does not matter, nor spacing around it."""
    return text.strip().upper()


@dataclass(frozen=True)
class Mapping:
    vendor: str
    exam_code: str
    credential: str
    updated: str
    updated_by: str


@dataclass(frozen=True)
class CrosswalkRow:
    line: int
    vendor: str
    exam_code: str
    credential: str
    errors: list[str] = field(default_factory=list)
    replaces: str | None = None  # the credential the code mapped to until now, when it changes

    @property
    def unchanged(self) -> bool:
        return self.replaces == self.credential


def _check_columns(columns: list[str]) -> None:
    check_exact_columns(columns, COLUMNS, COLUMNS)


class Crosswalk:
    def __init__(self, ledger: Ledger, projections: Projections):
        self.ledger, self.projections = ledger, projections
        self.store = WebTables(ledger.store)

    def entries(self, slug: str) -> list[Mapping]:
        """The institution's mappings, by vendor and exam code."""
        rows = self.store.query("SELECT vendor, exam_code, credential, updated, updated_by FROM {t:web_crosswalk} "
                                "WHERE issuer = ? ORDER BY vendor, exam_code", [self.ledger.issuer(slug).slug])
        return [Mapping(*(str(v) for v in r)) for r in rows]

    def lookup(self, slug: str) -> dict[tuple[str, str], str]:
        """(vendor_key, code_key) -> catalog code: what the award import resolves rows through."""
        return {(m.vendor, m.exam_code): m.credential for m in self.entries(slug)}

    def resolver(self, slug: str) -> Callable[[str, str], str | None]:
        """The catalog code a (vendor, exam code) of a result file maps to, or None: as the award import asks."""
        index = self.lookup(slug)
        return lambda vendor, exam_code: index.get((vendor_key(vendor), code_key(exam_code)))

    def check(self, slug: str, data: bytes) -> list[CrosswalkRow]:
        """Every row of a crosswalk CSV, checked against the catalog and the file; nothing is stored."""
        records = parse_csv(data, aliases=ALIASES, check_columns=_check_columns)
        self.projections.catch_up()
        catalog = self.projections.credential_codes()
        current = self.lookup(slug)
        seen: dict[tuple[str, str], int] = {}
        rows = []
        for line, cells, problems in records:
            errors = list(problems)
            vendor, exam_code = vendor_key(cells.get("vendor", "")), code_key(cells.get("exam_code", ""))
            credential = cells.get("credential", "").strip().lower()
            for column, value in (("vendor", vendor), ("exam_code", exam_code), ("credential", credential)):
                if not value:
                    errors.append(f"{column}: required")
                elif len(value) > MAX_CODE:
                    errors.append(f"{column}: longer than {MAX_CODE} characters")
            if credential and len(credential) <= MAX_CODE and credential not in catalog:
                errors.append(f"credential: {credential!r} is not in the catalog")
            key = (vendor, exam_code)
            if vendor and exam_code and key in seen:
                errors.append(f"exam_code: {exam_code!r} of {vendor!r} is mapped on line {seen[key]} already")
            seen.setdefault(key, line)
            rows.append(CrosswalkRow(line, vendor, exam_code, credential, errors, current.get(key)))
        return rows

    def commit(self, slug: str, data: bytes, actor: str) -> list[CrosswalkRow]:
        """Check the file again and store every mapping in it in one transaction (a code mapped already
        gets the file's credential); InputError naming each bad row's fields, and nothing stored, if any is bad."""
        slug = self.ledger.issuer(slug).slug
        rows = self.check(slug, data)
        raise_for_errors(rows)
        now = self.ledger.clock().astimezone(timezone.utc).isoformat(timespec="seconds")
        self.store.execute_many([(
            "INSERT INTO {t:web_crosswalk} (issuer, vendor, exam_code, credential, updated, updated_by) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (issuer, vendor, exam_code) DO UPDATE SET "
            "credential = excluded.credential, updated = excluded.updated, updated_by = excluded.updated_by",
            [[slug, r.vendor, r.exam_code, r.credential, now, actor] for r in rows])])
        return rows

    def remove(self, slug: str, vendor: str, exam_code: str) -> None:
        """Delete one mapping; awards recorded through it stay as they are (they signed the catalog code)."""
        if not self.store.execute("DELETE FROM {t:web_crosswalk} WHERE issuer = ? AND vendor = ? AND exam_code = ?",
                                  [self.ledger.issuer(slug).slug, vendor_key(vendor), code_key(exam_code)]):
            raise NotFoundError("no such mapping: check the vendor and the exam code")


def template_csv() -> str:
    """The header and rows for the demo catalog. The exam codes are examples of the shape (CompTIA's
    220-1101 is A+ Core 1); use the codes printed in your vendors' own result files."""
    return ("vendor,exam_code,credential\r\n"
            "ServSafe,FH-EN,servsafe-handler\r\n"
            "ServSafe,FPM-EN,servsafe-manager\r\n"
            "CompTIA,220-1101,comptia-a-plus\r\n"
            "OSHA Outreach,OT10-GI,osha10-general\r\n")

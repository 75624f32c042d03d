"""The files a state collects, written from the read models in the state's layout (`build_state_file`).

Three record builders, each a list of records of named facts that a layout
(ledger.reports.layouts) turns into columns:

    ohio-fa          Ohio EMIS FA Student Assessment records: test type GW, one per active award of a
                     credential on Ohio's list in the school year earned (its assessment area: the listing's
                     `emisArea`), and test type WK, one per WorkKeys test in each sitting of the year
    state-list       one per district, year, student and credential on the layout's state list in the school
                     year earned (New Mexico's STARS "CTE Student Industry Credential"; another state copies it)
    colorado-claims  one per Career Development Incentive claim (ledger.reports.colorado.incentive_claims)

The facts every record may carry: `year` (2026), `school_year` ("2025-26"),
`year_end` (2026-06-30), `student.local_id`, `student.state_id`,
`student.building`, `district.<code>` (the district of record's codes in
issuer-codes.json, and `district.slug`, `district.name`), `issuer.<code>` (the
institution that recorded the award or sitting), `credential.code`,
`credential.name`, `credential.cip`, `listing.<term>` (the state's listing in
the year earned), `earned`; and each builder's own (docs/state-files.md).

The school year is the year earned (1 July – 30 June). Revoked and superseded
awards never appear. A student without a state id is never silently left out:
the file is refused, naming each by local id, unless the caller asks to leave
them out (`omit_missing`), and then they are listed with the file. Any other
hole (a district without its code, a credential without its code) refuses the
file, every problem named. May import ledger.statelists, ledger.pathways and
ledger.reports' modules.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ledger.errors import InputError
from ledger.pathways import StudentInputs
from ledger.reports.codes import ISSUER_CODES_FILE, load_issuer_codes
from ledger.reports.colorado import incentive_claims
from ledger.reports.data import ReportData, load_report_data
from ledger.reports.layouts import Layout, cells, load_layout, render
from ledger.reports.model import counted
from ledger.statelists import STATE_NAMES, last_day_of, school_year_from_text, school_year_of, school_year_to_text

YEAR_NEEDED = "the school year the file is for, by the year earned (2025-26, or 2026 = the year it ends)"
# How the file names a student who has no local id left (an erased identity): the opaque id, said so.
ERASED = "(erased identity) "


@dataclass(frozen=True)
class StateFile:
    layout: Layout
    year: int
    text: str
    records: list[dict[str, Any]]  # the facts of each record written, in file order
    omitted: list[str] = field(default_factory=list)  # students left out for want of a state id, by local id

    @property
    def filename(self) -> str:
        return f"{self.layout.name}-state-file-{school_year_to_text(self.year)}.{self.layout.extension}"

    @property
    def summary(self) -> str:
        left = f"; left out for want of a state student id: {', '.join(self.omitted)}" if self.omitted else ""
        return f"{self.layout.title}, {school_year_to_text(self.year)}: {counted(len(self.records), 'record')}{left}."


def build_state_file(
    name: str, view: Any, *, year: str | None, identities: Callable[[Iterable[str]], Mapping[str, Any]],
    data_dir: Path | None, district: str | None = None, served: set[str] | None = None,
    issuer_states: Mapping[str, str] | None = None, funds_cents: int | None = None, frl: set[str] | None = None,
    inputs: Mapping[str, StudentInputs] | None = None, omit_missing: bool = False,
) -> StateFile:
    """The state's file `name` (oh, nm, co, or an instance's own layout) for school year `year`.

    With `district` (a slug), only its own records: its students of record (a CTE center: what it attested
    itself), and of those only the students in `served` (ledger.access), given by the caller. `identities` (the vault: Ledger.identities) gives each student's local and state id.
    InputError names the field: `state`, `year`, `funds` (co), `state_id`, the codes file, a listing term.
    """
    layout = load_layout(name, data_dir)
    if not year:
        raise InputError.for_field("year", YEAR_NEEDED)
    try:
        school_year = school_year_from_text(year)
    except ValueError:
        raise InputError.for_field("year", YEAR_NEEDED) from None
    if layout.records == "colorado-claims" and funds_cents is None:
        raise InputError.for_field("funds", "the dollars available statewide (--funds): the claims' paid amounts")
    data = load_report_data(view, issuer_states=issuer_states)
    if district is not None:
        data.issuer_did(district)  # an unknown institution is named
    context = _Context(data, school_year, load_issuer_codes(data_dir), _buildings(view), _cips(view))
    if layout.records == "ohio-fa":
        records = _ohio_fa(context, layout, _sittings(view, school_year))
    elif layout.records == "state-list":
        records = _state_list(context, layout)
    else:
        records = _colorado_claims(context, incentive_claims(data, year=school_year, funds_cents=funds_cents or 0,
                                                             frl=frl, inputs=inputs), frl or set())
    if district is not None:
        # A district files its own students (district of record), a CTE center what it attested itself: never
        # another district's students it may merely see (a share, a student who moved away: the receiving
        # district files those, so the state gets each record once).
        center = data.issuers.get(data.issuer_did(district), ("", "", ""))[2] == "cte_center"
        records = [r for r in records
                   if r.get("district.slug") == district or (center and r.get("issuer.slug") == district)]
    if served is not None:
        records = [r for r in records if r["student"] in served]
    known = identities({r["student"] for r in records})
    for r in records:
        claims = getattr(known.get(r["student"]), "claims", {})
        r["student.local_id"] = claims.get("local_id", "")
        r["student.state_id"] = claims.get("state_id", "")
    missing = sorted({_label(r) for r in records if not r["student.state_id"]})
    if missing and not omit_missing:
        raise InputError(
            f"{len(missing)} student(s) in this file have no state student id, and the state keys its records by "
            f"it: {', '.join(missing)}. Record their state ids, or leave them out of the file (listed with it).",
            {"state_id": [f"{m}: no state student id" for m in missing]})
    records = [r for r in records if r["student.state_id"]]
    rows: list[tuple[list[str], dict[str, Any]]] = []
    problems: dict[str, list[str]] = {}
    for r in records:
        values, wrong = cells(layout, r)
        if wrong:
            problems.setdefault(_label(r), []).extend(wrong)
        rows.append((values, r))
    if problems:
        first, messages = next(iter(problems.items()))
        raise InputError(f"{len(problems)} record(s) cannot be written in the {layout.title} layout; nothing was "
                         f"written (first: {first}: {messages[0]}). {_hint(messages[0])}".strip(), problems)
    rows.sort(key=lambda vr: vr[0])
    return StateFile(layout, school_year, render(layout, [v for v, _ in rows]), [r for _, r in rows],
                     missing if omit_missing else [])


def _label(record: Mapping[str, Any]) -> str:
    """A student as the file's problems name them: by local id, never by the opaque id alone."""
    local = record.get("student.local_id")
    return f"local id {local}" if local else f"{ERASED}{record['student']}"


def _hint(message: str) -> str:
    if "district." in message or "issuer." in message:
        return f"Institutions' codes are configured in {ISSUER_CODES_FILE} in the instance's data directory."
    if "listing." in message:
        return "A listing term is set on the state's list (credledger listings import)."
    if "assessment_area" in message:
        return ("A credential's assessment area is its Ohio listing's emisArea (credledger listings import, "
                "column emis_area).")
    if "credential.cip" in message:
        return "A credential's CIP code is the catalog's (credledger catalog import, column cip)."
    return ""


@dataclass
class _Context:
    data: ReportData
    year: int
    codes: dict[str, dict[str, str]]
    buildings: dict[str, str]
    cips: dict[str, str]

    def base(self, student: str, issuer: str | None) -> dict[str, Any]:
        """The facts every record of this student carries (the ids are added from the vault later)."""
        district = self.data.students.get(student, ("", None))[0]
        facts: dict[str, Any] = {"student": student, "year": self.year, "school_year": school_year_to_text(self.year),
                                 "year_end": last_day_of(self.year), "student.building": self.buildings.get(student, "")}
        for role, did in (("district", district), ("issuer", issuer)):
            if not did:
                continue
            slug, name, _ = self.data.issuers.get(did, (did, did, ""))
            facts[f"{role}.slug"], facts[f"{role}.name"] = slug, name
            facts.update({f"{role}.{k}": v for k, v in self.codes.get(slug, {}).items()})
        return facts

    def credential(self, code: str) -> dict[str, Any]:
        return {"credential.code": code, "credential.name": self.data.credential_name(code),
                "credential.cip": self.cips.get(code, "")}


def _buildings(view: Any) -> dict[str, str]:
    return {s: b for s, b in view.query("SELECT student_id, building FROM rm_students WHERE building IS NOT NULL")}


def _cips(view: Any) -> dict[str, str]:
    """A credential's CIP code for a one-code field: the first the catalog lists (its primary program;
    the read model keeps several joined by ';', ledger.catalog_codes)."""
    return {c: cip.split(";")[0] for c, cip in view.query("SELECT code, cip FROM rm_credentials WHERE cip IS NOT NULL")
            if cip}


def _sittings(view: Any, year: int) -> list[tuple[str, str, date, dict[str, int]]]:
    """(student, issuer, taken, scores) of the WorkKeys sittings taken in the school year."""
    rows = view.query("SELECT student_id, issuer, taken, scores FROM rm_assessments WHERE test = 'workkeys' "
                      "ORDER BY position")
    sittings = [(s, i, date.fromisoformat(t), json.loads(scores)) for s, i, t, scores in rows]
    return [s for s in sittings if school_year_of(s[2]) == year]


def _listed_awards(context: _Context, state: str) -> list[tuple[Any, Mapping[str, Any]]]:
    """The active awards earned in the school year of credentials on `state`'s list that year, with the terms."""
    found = []
    for a in context.data.awards:
        if a.revoked is not None or school_year_of(a.earned) != context.year:
            continue
        terms = context.data.book.terms(state, a.credential, context.year)
        if terms is not None:
            found.append((a, terms))
    return found


def _ohio_fa(context: _Context, layout: Layout, sittings: list[tuple[str, str, date, dict[str, int]]]
             ) -> list[dict[str, Any]]:
    options = layout.options
    types = {"credential": "GW", "workkeys": "WK", **options.get("test_types", {})}
    areas = dict(options.get("workkeys_areas", {}))
    records = []
    for a, terms in _listed_awards(context, "OH"):
        records.append({**context.base(a.student, a.issuer), **context.credential(a.credential),
                        **{f"listing.{k}": v for k, v in terms.items()}, "earned": a.earned,
                        "test_type": types["credential"], "assessment_area": terms.get("emisArea", ""),
                        "test_date": a.earned, "score": str(options.get("credential_score", ""))})
    for student, issuer, taken, scores in sittings:
        for test, level in sorted(scores.items()):
            records.append({**context.base(student, issuer), "test_type": types["workkeys"],
                            "assessment_area": areas.get(test, ""), "test_date": taken, "score": str(level),
                            "workkeys.test": test})
    return records


def _state_list(context: _Context, layout: Layout) -> list[dict[str, Any]]:
    state = (layout.state_list or "").upper()
    if state not in STATE_NAMES:
        raise InputError.for_field("list", f"a state the ledger keeps a list of ({', '.join(STATE_NAMES)})")
    # One record per district, year, student and credential: a credential earned twice in the year is one record,
    # the first time it was earned.
    first: dict[tuple[str, str], tuple[Any, Mapping[str, Any]]] = {}
    for a, terms in _listed_awards(context, state):
        key = (a.student, a.credential)
        if key not in first or a.earned < first[key][0].earned:
            first[key] = (a, terms)
    return [{**context.base(a.student, a.issuer), **context.credential(a.credential),
             **{f"listing.{k}": v for k, v in terms.items()}, "earned": a.earned} for a, terms in first.values()]


def _cents(amount: int) -> str:
    """Dollars as a plain number for a file ("1000.00"), whole cents."""
    return f"{amount // 100}.{amount % 100:02d}"


def _colorado_claims(context: _Context, claims: Any, frl: set[str]) -> list[dict[str, Any]]:
    records = []
    for c in claims.claims:
        facts = {**context.base(c.student, None), "category": c.category, "what": c.what,
                 "frl": "Y" if c.student in frl else "N", "requested": _cents(c.amount),
                 "within_cap": "Y" if c in claims.within else "N", "paid": _cents(claims.paid.get(c, 0)),
                 "earned": c.earned}
        if c.credential:
            facts.update(context.credential(c.credential))
        records.append(facts)
    return records

"""CSV import of awards: parse, validate every row, preview, then commit all-or-nothing.

1. Upload: the file is parsed and every row validated against the ledger's
   state (student known to this institution, credential in the catalog, a real
   date not in the future, no duplicate in the file or already recorded). The
   result, every row with its errors, is kept in `web_imports`; nothing is
   signed or stored in the ledger. Vendors' files are read as they come: the
   student by our id, local id, state id, or name and birth date
   (web.student_match), the credential by catalog code or by `vendor` +
   `exam_code` through the institution's crosswalk (web.crosswalk).
2. Preview: the registrar sees each row's errors next to it. A file with any
   bad row cannot be committed: fix the sheet and upload it again. A row with
   several candidate students (or a name that matches only loosely) is for
   review: the registrar picks the student, or skips the row, and the commit
   carries those choices (`resolve_choices`); no row is ever matched by guess.
3. Commit: a background thread hands all rows to ONE `Ledger.issue()` call,
   which checks, signs and stores them in one transaction: every award or none.
   The page refreshes itself (a meta refresh, no JavaScript) until it is done.
   Measured here: 1,000 rows sign and store in ~0.4 s, 10,000 in ~4 s.

The table keeps the rows as the file gave them (local ids, credential codes,
evidence, candidates' opaque ids; never names, birth dates or state ids) so a registrar can look back at an import; once
committed, local ids are dropped from the stored rows and award ids added.
The rows are sealed at rest (AES-GCM under the key store's `web-imports`
data key, bound to the job id), and an import that was never committed
loses its rows when discarded and is deleted after a day (PURGE_AFTER).
"""

from __future__ import annotations

import base64
import csv
import io
import json
import logging
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from ledger.application import IssueRequest, Ledger
from cryptography.exceptions import InvalidTag

from ledger.errors import InputError, IntegrityError, LedgerError, NotFoundError, RejectedError
from ledger.readmodels import Projections
from ledger.rules import latest_day
from ledger.schemas import new_evidence_problems
from ledger.vault import seal_bytes, unseal_bytes
from web import schemas
from web.roster import Roster
from web.csv_files import check_named_once, parse_csv, parse_date
from web.db import WebTables
from web.student_match import IDENTITY_COLUMNS, StudentMatcher

if TYPE_CHECKING:
    from web.crosswalk import Crosswalk

log = logging.getLogger(__name__)

MAX_VALUE = 200  # characters in one evidence cell
EARLIEST = date(1950, 1, 1)
READY, INVALID, COMMITTING, DONE, FAILED, CANCELLED = "ready", "invalid", "committing", "done", "failed", "cancelled"
STALE_SECONDS = 600  # a commit still "committing" after this: the server restarted during it
PURGE_AFTER = timedelta(days=1)  # an import never committed is deleted after this: its rows hold local ids
SEALED = "aesgcm:"  # the prefix of sealed rows in web_imports.data

# Header spellings people use, mapped to the column names of the format.
ALIASES = {
    "student_id": "student", "opaque_id": "student", "local_student_id": "local_id", "student_number": "local_id",
    "credential_code": "credential", "code": "credential", "earned_date": "earned", "date_earned": "earned",
    "date": "earned", "certificate_number": "certificate", "license": "license_number",
    "ssid": "state_id", "mosis_id": "state_id", "mosis": "state_id", "sasid": "state_id",
    "state_student_id": "state_id", "full_name": "name", "student_name": "name", "dob": "birth_date",
    "date_of_birth": "birth_date", "birthdate": "birth_date", "exam": "exam_code", "exam_number": "exam_code",
    "exam_id": "exam_code", "test_code": "exam_code", "vendor_name": "vendor", "provider": "vendor",
}
# Not evidence: the student's identity (PII, never signed) and the award's own fields. The vendor and
# exam code are kept as evidence: the signed award shows what the result file said.
RESERVED = (*IDENTITY_COLUMNS, "credential", "earned")
SKIP = "skip"  # the choice that records nothing for a row in review
INTEGER_EVIDENCE = frozenset({"score"})  # digits in these columns are stored as integers

# The format, as the import page documents it: (column, required, meaning).
FORMAT = [
    ("local_id", "one way to name the student", "your student number, as registered (e.g. RB-100001)"),
    ("student", "one way to name the student", "or the student's credledger id (a UUID), shown on the student page"),
    ("state_id", "one way to name the student", "or the state student id (Ohio SSID, Missouri MOSIS id, Colorado "
                                               "SASID; also read from columns ssid, mosis_id, sasid)"),
    ("name, birth_date", "one way to name the student", "or both: the name as registered and the birth date "
                                                        "(YYYY-MM-DD or M/D/YYYY); a near match (case, accents, "
                                                        "spacing) or several students are for you to review"),
    ("credential", "this, or vendor and exam_code", "the catalog code (e.g. osha10-general); the catalog is listed "
                                                    "below"),
    ("vendor, exam_code", "or both instead of credential", "the vendor and its exam code, as in their result file, "
                                                           "read through your crosswalk (kept as evidence)"),
    ("earned", "yes", "the date earned: YYYY-MM-DD (or M/D/YYYY as spreadsheets write it); not in the future"),
    ("certificate", "no", "certificate number, kept as evidence"),
    ("score", "no", "score; whole numbers are kept as numbers, anything else as text"),
    ("license_number", "no", "state license number"),
    ("(any other column)", "no", "kept as one more evidence field under its column name; empty cells are skipped"),
]
# The sample rows are the demo district's (credledger demo): in the demo, the template imports as it is;
# elsewhere, replace them with your own students' rows. Students are named by local id; the `student`
# column takes the opaque id instead, when a system has it.
TEMPLATE_ROWS = [
    ["local_id", "student", "credential", "earned", "certificate", "score", "license_number"],
    ["RB-100001", "", "osha10-general", "2026-05-14", "OSHA-4471302", "", ""],
    ["RB-100002", "", "ncrc-workkeys", "2026-04-30", "NCRC-2209187", "5", ""],
    ["RB-100003", "", "stna", "2026-03-02", "", "", "STNA-0099812"],
]


def template_csv() -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(TEMPLATE_ROWS)
    return out.getvalue()


@dataclass(frozen=True)
class ImportRow:
    line: int
    local_id: str
    student: str | None
    credential: str
    earned: str
    evidence: dict[str, str | int]
    errors: list[str] = field(default_factory=list)
    award: str | None = None
    candidates: list[str] = field(default_factory=list)  # for review: the students the row may be (opaque ids)
    matched_by: str = ""  # student | local_id | state_id | name and birth date
    skipped: bool = False  # the registrar chose to record nothing for it

    @property
    def in_review(self) -> bool:
        return bool(self.candidates) and not self.errors


@dataclass(frozen=True)
class ImportJob:
    id: str
    issuer: str
    created_by: str
    created: str
    filename: str
    status: str
    total: int
    invalid: int
    rows: list[ImportRow]
    message: str | None
    started: str | None
    finished: str | None
    last_position: int | None
    read_at: datetime  # when it was read: `stale` is judged at that moment (the ledger's clock)

    @property
    def review(self) -> list[ImportRow]:
        """The rows waiting for the registrar's choice of student."""
        return [r for r in self.rows if r.in_review]

    @property
    def recorded(self) -> int:
        """Rows that are (or will be) awards: all but those skipped."""
        return sum(1 for r in self.rows if not r.skipped)

    @property
    def stale(self) -> bool:
        if self.status != COMMITTING or not self.started:
            return False
        return (self.read_at - datetime.fromisoformat(self.started)).total_seconds() > STALE_SECONDS


# Parsing -----------------------------------------------------------------------


def parse_award_csv(data: bytes) -> list[tuple[int, dict[str, str], list[str]]]:
    """The award format's rows (web.csv_files.parse_csv with its aliases and header rule)."""
    return parse_csv(data, aliases=ALIASES, check_columns=_check_columns)


def _check_columns(columns: list[str]) -> None:
    check_named_once(columns)
    named = [c for c in columns if c]
    missing = [] if "credential" in named or {"vendor", "exam_code"} <= set(named) else ["credential (or vendor and "
                                                                                        "exam_code)"]
    missing += [c for c in ("earned",) if c not in named]
    if not {"local_id", "student", "state_id"} & set(named) and not {"name", "birth_date"} <= set(named):
        missing.insert(0, "local_id (or student, state_id, or name and birth_date)")
    if missing:
        raise InputError.for_field("file", f"missing column(s): {', '.join(missing)}; see the format below")
    too_long = [c for c in named if len(c) > 64]
    if too_long:
        raise InputError.for_field("file", "a column name is longer than 64 characters")


# Validation --------------------------------------------------------------------


class Validator:
    """Checks rows for one institution against the ledger's state as of now."""

    def __init__(self, ledger: Ledger, projections: Projections, roster: Roster, slug: str, today: date,
                 exam_codes: Callable[[str, str], str | None] = lambda vendor, code: None):
        projections.catch_up()  # read-your-writes: a student registered a moment ago is known
        self.slug = slug
        self.did = ledger.issuer(slug).did
        self.today = today
        self.projections = projections
        # The only candidates there are: the students this institution may record for (ledger.access);
        # any other id, another institution's student included, is answered as unknown.
        self.matcher = StudentMatcher(roster.identities(ledger.access.students(self.did, today, recording=True))
                                      .values())
        self.catalog = projections.credential_codes()
        self.exam_codes = exam_codes  # the institution's crosswalk (web.crosswalk)

    def validate(self, records: list[tuple[int, dict[str, str], list[str]]]) -> list[ImportRow]:
        existing = self.projections.awards_in_force(self.did)
        seen: dict[tuple[str, str, str], int] = {}
        rows = []
        for line, cells, problems in records:
            row = self._row(line, cells, list(problems))
            if row.student and not row.errors:
                key = (row.student, row.credential, row.earned)
                if key in seen:
                    row.errors.append(f"duplicate of line {seen[key]}")
                elif key in existing:
                    row.errors.append(f"already recorded (award {existing[key]})")
                seen.setdefault(key, line)
            rows.append(row)
        return rows

    def _row(self, line: int, cells: dict[str, str], errors: list[str]) -> ImportRow:
        local_id, earned_text = cells.get("local_id", ""), cells.get("earned", "")
        match = self.matcher.match(cells, self._birth_date(cells.get("birth_date", ""), errors))
        errors.extend(match.errors)
        student = match.student
        credential = self._credential(cells, errors)
        earned = ""
        if not earned_text:
            errors.append("earned: required")
        else:
            # Only the parse may say "not a date": a ValueError past it would be a fault of ours.
            try:
                day = parse_date(earned_text)
            except ValueError:
                errors.append(f"earned: {earned_text!r} is not a date (YYYY-MM-DD)")
            else:
                earned = day.isoformat()
                if day > latest_day(self.today):
                    errors.append(f"earned: {earned} is in the future")
                elif day < EARLIEST:
                    errors.append(f"earned: {earned} is before {EARLIEST.year}")
        evidence: dict[str, str | int] = {}
        for column, value in cells.items():
            if column in RESERVED or not value:
                continue
            if len(value) > MAX_VALUE:
                errors.append(f"{column}: longer than {MAX_VALUE} characters")
            evidence[column] = evidence_value(column, value)
        # The ledger's own rule for a new issuance's evidence, at the preview rather than at the commit.
        errors.extend(f"{k}: {m}" for k, ms in new_evidence_problems(evidence).items() for m in ms
                      if k == "evidence")
        if not errors and student:
            # The same schema the API and the CLI use, as the last word on the shape.
            try:
                schemas.load(schemas.IssueInput, {"issuer": self.slug, "student": student, "credential": credential,
                                                  "earned": earned, "evidence": evidence})
            except InputError as e:
                errors.extend(f"{k}: {m}" for k, ms in e.errors.items() for m in ms)
        if not errors and match.candidates:
            # The shape is checked with a stand-in student: the registrar's choice is one of the candidates.
            try:
                schemas.load(schemas.IssueInput, {"issuer": self.slug, "student": match.candidates[0],
                                                  "credential": credential, "earned": earned, "evidence": evidence})
            except InputError as e:
                errors.extend(f"{k}: {m}" for k, ms in e.errors.items() for m in ms)
        return ImportRow(line, local_id, student, credential, earned, evidence, errors,
                         candidates=list(match.candidates) if not errors else [], matched_by=match.by)

    def _credential(self, cells: dict[str, str], errors: list[str]) -> str:
        """The catalog code: the `credential` cell, or the `vendor` + `exam_code` through the crosswalk
        (both given: they must agree)."""
        credential = cells.get("credential", "").lower()
        vendor, exam_code = cells.get("vendor", ""), cells.get("exam_code", "")
        if exam_code and not vendor:
            errors.append("vendor: required with exam_code")
            return credential
        if vendor and not exam_code and not credential:
            errors.append("exam_code: required with vendor (or give credential)")
            return credential
        if vendor and exam_code:
            mapped = self.exam_codes(vendor, exam_code)
            if mapped is None:
                errors.append(f"exam_code: {exam_code!r} of {vendor!r} is not in your crosswalk; add it on the "
                              "crosswalk page")
                return credential
            if mapped not in self.catalog:  # a mapping to a code the catalog no longer has
                errors.append(f"exam_code: your crosswalk maps {exam_code!r} to {mapped!r}, which is not in the "
                              "catalog")
            elif credential and credential != mapped:
                errors.append(f"credential: {credential!r}, but your crosswalk maps {exam_code!r} to {mapped!r}")
            return mapped
        if not credential:
            errors.append("credential: required (or vendor and exam_code)")
        elif credential not in self.catalog:
            errors.append(f"credential: {credential!r} is not in the catalog")
        return credential

    @staticmethod
    def _birth_date(text: str, errors: list[str]) -> str | None:
        """A birth date given to find the student by, as YYYY-MM-DD; None when none, or not a date (named)."""
        if not text:
            return None
        try:
            return parse_date(text).isoformat()
        except ValueError:
            errors.append("birth_date: not a date (YYYY-MM-DD)")  # the cell is not repeated: it is PII
            return None


def evidence_value(column: str, value: str) -> str | int:
    if column in INTEGER_EVIDENCE and value.isascii() and value.isdigit() and len(value) < 16:
        return int(value)
    return value


# Storage and commit ------------------------------------------------------------

COLUMNS = "id, issuer, created_by, created, filename, status, total, invalid, data, message, started, finished, " \
          "last_position"




def _job(row: tuple[Any, ...], rows: list[ImportRow], read_at: datetime) -> ImportJob:
    return ImportJob(str(row[0]), row[1], row[2], row[3], row[4], row[5], int(row[6]), int(row[7]), rows, row[9],
                     row[10], row[11], None if row[12] is None else int(row[12]), read_at)


class Imports:
    def __init__(self, ledger: Ledger, projections: Projections, roster: Roster, crosswalk: Crosswalk | None = None):
        self.ledger = ledger
        self.projections = projections
        self.roster = roster
        self.crosswalk = crosswalk
        self.store = WebTables(ledger.store)
        self._key = ledger.keystore.data_key("web-imports")
        self._threads: dict[str, threading.Thread] = {}

    def _now(self) -> str:
        return self.ledger.clock().astimezone(timezone.utc).isoformat(timespec="seconds")

    def _seal(self, job_id: str, rows: list[dict[str, Any]]) -> str:
        return SEALED + base64.b64encode(seal_bytes(json.dumps(rows).encode(), self._key, job_id.encode())).decode()

    def _unseal(self, job_id: str, data: str) -> list[ImportRow]:
        if not data.startswith(SEALED):
            return [ImportRow(**r) for r in json.loads(data)]  # stored before rows were sealed
        try:
            plaintext = unseal_bytes(base64.b64decode(data[len(SEALED):]), self._key, job_id.encode())
        except InvalidTag:
            raise IntegrityError(f"the rows of import {job_id} do not open") from None
        return [ImportRow(**r) for r in json.loads(plaintext)]

    def purge(self, now: datetime | None = None) -> int:
        """Delete the imports never committed that are older than PURGE_AFTER (run on every upload and list)."""
        cutoff = ((now or self.ledger.clock()) - PURGE_AFTER).isoformat(timespec="seconds")
        return self.store.execute("DELETE FROM {t:web_imports} WHERE status IN (?, ?, ?, ?) AND created < ?",
                                  [READY, INVALID, CANCELLED, FAILED, cutoff])

    def create(self, slug: str, created_by: str, filename: str, data: bytes, today: date) -> ImportJob:
        """Parse and validate an uploaded file and keep it for preview; nothing goes to the ledger."""
        records = parse_award_csv(data)
        exam_codes = self.crosswalk.resolver(slug) if self.crosswalk else (lambda vendor, code: None)
        rows = Validator(self.ledger, self.projections, self.roster, slug, today, exam_codes).validate(records)
        invalid = sum(1 for r in rows if r.errors)
        job_id = str(uuid.uuid4())
        self.purge()
        self.store.execute(
            f"INSERT INTO {{t:web_imports}} ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL)",
            [job_id, slug, created_by, self._now(), (filename or "upload.csv")[:200], INVALID if invalid else READY,
             len(rows), invalid, self._seal(job_id, [asdict(r) for r in rows])])
        return self.get(job_id)

    def get(self, job_id: str) -> ImportJob:
        rows = self.store.query(f"SELECT {COLUMNS} FROM {{t:web_imports}} WHERE id = ?", [job_id])
        if not rows:
            raise NotFoundError("no such import")
        return _job(rows[0], self._unseal(job_id, rows[0][8]), self.ledger.clock())

    def recent(self, slug: str, limit: int = 10) -> list[dict[str, Any]]:
        self.purge()
        rows = self.store.query("SELECT id, created, filename, status, total, invalid FROM {t:web_imports} "
                                "WHERE issuer = ? ORDER BY created DESC LIMIT ?", [slug, limit])
        return [{"id": r[0], "created": r[1], "filename": r[2], "status": r[3], "total": r[4], "invalid": r[5]}
                for r in rows]

    def cancel(self, job_id: str) -> None:
        # Discarded: its rows (local ids) go now; the line in the list of recent imports stays.
        if not self.store.execute("UPDATE {t:web_imports} SET status = ?, finished = ?, data = ? WHERE id = ? "
                                  "AND status IN (?, ?)", [CANCELLED, self._now(), self._seal(job_id, []), job_id,
                                                           READY, INVALID]):
            raise RejectedError("not_cancellable", "only an import that was not committed can be discarded")

    def resolve_choices(self, job: ImportJob, choices: Mapping[int, str]) -> list[ImportRow]:
        """The rows with the registrar's choices applied: each row in review gets the student chosen (one of
        its candidates) or is skipped (SKIP). InputError naming `line N.student` for a row with no choice or a
        choice that is no candidate, or a row that becomes a duplicate; nothing is changed."""
        review = {r.line: r for r in job.review}
        errors: dict[str, list[str]] = {}
        for line in sorted(set(choices) - set(review)):
            errors[f"line {line}.student"] = ["this line has no choice to make"]
        rows = []
        for row in job.rows:
            if row.line not in review:
                rows.append(row)
                continue
            choice = str(choices.get(row.line, "")).strip().lower()
            if choice == SKIP:
                rows.append(replace(row, candidates=[], skipped=True))
            elif choice in row.candidates:
                rows.append(replace(row, student=choice, candidates=[]))
            else:
                errors[f"line {row.line}.student"] = ["choose one of the candidates, or skip the row" if not choice
                                                      else "not one of the candidates for this line"]
                rows.append(row)
        seen: dict[tuple[str, str, str], int] = {}
        for row in rows:
            if row.student and not row.skipped:
                key = (row.student, row.credential, row.earned)
                if key in seen and row.line in review:
                    errors[f"line {row.line}.student"] = [f"the student chosen makes it a duplicate of line "
                                                          f"{seen[key]}"]
                seen.setdefault(key, row.line)
        if errors:
            first, messages = next(iter(errors.items()))
            raise InputError(f"{len(errors)} choice(s) to fix; nothing was stored. {first}: {messages[0]}", errors)
        if not any(not r.skipped for r in rows):
            raise RejectedError("nothing_to_record", "every row was skipped: nothing to record")
        return rows

    def start_commit(self, job_id: str, choices: Mapping[int, str] | None = None) -> None:
        """Claim the import (so a double click commits once) and commit it in a background thread, with the
        registrar's `choices` (line -> student id or SKIP) for the rows in review."""
        job = self.get(job_id)
        if job.status == INVALID:
            raise RejectedError("invalid_rows", f"{job.invalid} row(s) have errors: fix them in the file and "
                                                "upload it again; nothing was stored")
        if job.status != READY:
            raise RejectedError("not_ready", f"this import is {job.status}, not ready to commit")
        rows = self.resolve_choices(job, choices or {})
        # The choices are sealed with the rows in the same claim: the commit records what was chosen.
        if not self.store.execute("UPDATE {t:web_imports} SET status = ?, started = ?, data = ? WHERE id = ? "
                                  "AND status = ?", [COMMITTING, self._now(),
                                                     self._seal(job_id, [asdict(r) for r in rows]), job_id, READY]):
            raise RejectedError("not_ready", f"this import is {job.status}, not ready to commit")
        thread = threading.Thread(target=self._commit, args=(job_id,), name=f"import-{job_id[:8]}", daemon=True)
        self._threads[job_id] = thread
        thread.start()

    def wait(self, job_id: str, timeout: float = 30.0) -> None:
        """Block until a commit this process started has finished (for tests and the CLI)."""
        thread = self._threads.get(job_id)
        if thread is not None:
            thread.join(timeout)

    def _commit(self, job_id: str) -> None:
        try:
            job = self.get(job_id)
            self._check_still_new(job)
            recording = [r for r in job.rows if not r.skipped]
            requests = [IssueRequest(job.issuer, str(r.student), r.credential, date.fromisoformat(r.earned),
                                     dict(r.evidence)) for r in recording]
            award_ids = self.ledger.issue(requests)  # one transaction: all rows or none
            last = self.ledger.store.select_journal_of_stream(award_ids[-1])[0].position
            awards = iter(award_ids)
            rows = [asdict(r) | {"local_id": ""} | ({} if r.skipped else {"award": next(awards)}) for r in job.rows]
            self.store.execute("UPDATE {t:web_imports} SET status = ?, finished = ?, data = ?, last_position = ?, "
                               "message = NULL WHERE id = ?", [DONE, self._now(), self._seal(job_id, rows), last, job_id])
        except LedgerError as e:
            self._fail(job_id, f"The ledger refused the import; nothing was stored. {e}")
        except Exception as e:  # the thread is the last place to catch it: record it, never die silently
            log.error("import %s failed: %s", job_id, type(e).__name__)
            self._fail(job_id, "An internal error stopped the import; nothing was stored.")
        finally:
            self._threads.pop(job_id, None)

    def _check_still_new(self, job: ImportJob) -> None:
        """Two imports of the same rows, both previewed before either was committed, store once."""
        self.projections.catch_up()
        existing = self.projections.awards_in_force(self.ledger.issuer(job.issuer).did)
        for row in job.rows:
            if row.skipped:
                continue
            award = existing.get((str(row.student), row.credential, row.earned))
            if award:
                raise RejectedError("already_recorded", f"line {row.line} was recorded meanwhile (award {award}); "
                                                        "upload the file again to see which rows remain")

    def _fail(self, job_id: str, message: str) -> None:
        self.store.execute("UPDATE {t:web_imports} SET status = ?, finished = ?, message = ? WHERE id = ?",
                           [FAILED, self._now(), message, job_id])

    def in_log(self, job: ImportJob) -> bool:
        """Are the committed awards in a signed checkpoint of the transparency log yet?"""
        latest = self.ledger.store.latest_checkpoint()
        return job.last_position is not None and latest is not None and latest[0] > job.last_position

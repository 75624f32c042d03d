"""CSV import of students (the registrar's roster): check every row, preview, then register all or none.

The format: local id, state student id (Ohio SSID, Missouri MOSIS id,
Colorado SASID), name, birth date, graduating class and building, one student
a line. Every row is checked and each problem names its field; a file with
any bad row registers nobody. The console, the API and the CLI run the same
two steps: `check` (the preview) and `commit`, which checks the rows again
against the ledger as it is then and registers every new student in ONE
`Ledger.register_students` call: one transaction, all or none.

The match key is the local id within the institution (as the console's
single registration has it): a row whose local id is a student the
institution already relates to (ledger.access) is that student. If its
name, birth date, state id and class agree, the row is "already registered"
and skipped, so importing the same file twice registers each student once; if
one differs, the row is an error naming that field (a correction is a signed
event of its own: the class and the state id are corrected on the student
page, the API or the CLI, never silently by a file). One addition is made by
a file: a row that gives a state id to a student registered WITHOUT one adds
it (a `StateIdRecorded` of the district of record, with its own salted
commitment: ledger.enrollment), in the same transaction as the new students,
so the SIS export that now carries state ids can be imported again as it is.
The preview says so per row; only the district of record may add it, and not
a state id another of its students has. A student another institution
registered is invisible here: the same local id there is another school's numbering.

Unlike the award import, nothing is kept on the server between the two steps:
the rows hold names, birth dates and state ids, so the preview page carries
the file back in its form and the commit checks it from scratch. The state id
goes to the vault with its own salted commitment (ledger.vault), never into
an event, a log line or a URL. State-specific id formats are not enforced
(they could not be verified for all three states): letters and digits, at
most 20.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from ledger.application import Ledger
from ledger.enrollment import sign_state_id
from ledger.errors import InputError
from ledger.readmodels import Projections
from ledger.rules import check_birth_date
from ledger.statelists import FIRST_YEAR, LAST_YEAR
from web.csv_files import check_exact_columns, parse_csv, parse_date, raise_for_errors
from web.schemas import STATE_ID_PATTERN
from web.roster import Roster, StudentIdentity, folded

COLUMNS = ("local_id", "state_id", "name", "birth_date", "cohort", "building")
REQUIRED = ("local_id", "name", "birth_date")
ALIASES = {
    "student_number": "local_id", "local_student_id": "local_id", "student_id": "local_id",
    "ssid": "state_id", "mosis_id": "state_id", "mosis": "state_id", "sasid": "state_id",
    "state_student_id": "state_id", "full_name": "name", "student_name": "name", "dob": "birth_date",
    "date_of_birth": "birth_date", "birthdate": "birth_date", "graduating_class": "cohort", "class": "cohort",
    "class_of": "cohort", "graduation_year": "cohort", "building_code": "building", "school": "building",
}
STATE_ID = re.compile(STATE_ID_PATTERN)
MAX_NAME, MAX_CODE = 200, 64

# The format, as the import page documents it: (column, required, meaning).
FORMAT = [
    ("local_id", "yes", "your student number (e.g. RB-100001): how a row finds a student you already registered"),
    ("state_id", "no", "the state student id: Ohio SSID, Missouri MOSIS id or Colorado SASID (letters and digits)"),
    ("name", "yes", "the student's full name"),
    ("birth_date", "yes", "YYYY-MM-DD (or M/D/YYYY as spreadsheets write it)"),
    ("cohort", "no", "the graduating class: the year the student is expected to graduate, e.g. 2028"),
    ("building", "no", "your code of the school building the student attends"),
]


@dataclass(frozen=True)
class RosterRow:
    line: int
    local_id: str
    name: str
    birth_date: str
    state_id: str
    cohort: int | None
    building: str
    errors: list[str] = field(default_factory=list)
    student: str | None = None  # the student this row is, when already registered
    adds_state_id: bool = False  # a registered student without a state id, whom this row gives one

    @property
    def new(self) -> bool:
        return self.student is None


def _check_columns(columns: list[str]) -> None:
    check_exact_columns(columns, COLUMNS, REQUIRED)


class RosterImport:
    def __init__(self, ledger: Ledger, projections: Projections, roster: Roster):
        self.ledger, self.projections, self.roster = ledger, projections, roster

    def check(self, slug: str, data: bytes, today: date) -> list[RosterRow]:
        """Every row, checked against the file and the institution's students now; nothing is stored."""
        records = parse_csv(data, aliases=ALIASES, check_columns=_check_columns)
        self.projections.catch_up()
        did = self.ledger.issuer(slug).did
        people = self.roster.identities(self.ledger.access.students(did))
        by_local: dict[str, list[StudentIdentity]] = {}
        by_state: dict[str, StudentIdentity] = {}
        for person in people.values():
            by_local.setdefault(folded(person.local_id), []).append(person)
            if person.state_id:
                by_state[person.state_id] = person
        seen_local: dict[str, int] = {}
        seen_state: dict[str, int] = {}
        rows = []
        for line, cells, problems in records:
            row = _row(line, cells, list(problems), today)
            key = folded(row.local_id)
            if row.local_id and key in seen_local:
                row.errors.append(f"local_id: the same local id as line {seen_local[key]}")
            seen_local.setdefault(key, line)
            if row.state_id and row.state_id in seen_state:
                row.errors.append(f"state_id: the same state id as line {seen_state[row.state_id]}")
            if row.state_id:
                seen_state.setdefault(row.state_id, line)
            matches = by_local.get(key, []) if row.local_id else []
            if len(matches) > 1:
                row.errors.append(f"local_id: {len(matches)} of your students have this local id; register this "
                                  "one on the student page")
            elif matches:
                info = self.ledger.student(matches[0].student_id)
                row = _matched(row, matches[0], info.cohort, keeps_record=info.district == did)
                if row.adds_state_id and row.state_id in by_state:
                    row.errors.append(f"state_id: already the state id of your student with local id "
                                      f"{by_state[row.state_id].local_id}")
            elif row.state_id in by_state:
                row.errors.append(f"state_id: already the state id of your student with local id "
                                  f"{by_state[row.state_id].local_id}")
            rows.append(row)
        return rows

    def commit(self, slug: str, data: bytes, today: date) -> tuple[list[RosterRow], list[str]]:
        """Check the file again; register its new students and add the state ids it gives students
        registered without one, in one transaction; (rows, new student ids). InputError naming each bad
        row's fields (`line 3.birth_date`) when any row is bad: nothing is stored."""
        rows = self.check(slug, data, today)
        raise_for_errors(rows)
        new = [r for r in rows if r.new]
        adds = [r for r in rows if r.adds_state_id]
        if not new and not adds:
            return rows, []
        did = self.ledger.issuer(slug).did
        with self.ledger.batch() as batch:
            ids = self.ledger.register_into(batch, slug, [_claims(r) for r in new], cohorts=[r.cohort for r in new],
                                            buildings=[r.building or None for r in new]) if new else []
            for row in adds:
                assert row.student is not None
                sign_state_id(self.ledger, batch, did, row.student, row.state_id)
        return rows, ids


def _claims(row: RosterRow) -> dict[str, str]:
    claims = {"name": row.name, "birth_date": row.birth_date, "local_id": row.local_id}
    return claims | ({"state_id": row.state_id} if row.state_id else {})


def _row(line: int, cells: dict[str, str], errors: list[str], today: date) -> RosterRow:
    local_id, name = cells.get("local_id", ""), " ".join(cells.get("name", "").split())
    state_id, building = cells.get("state_id", "").upper(), cells.get("building", "")
    if not local_id:
        errors.append("local_id: required")
    elif len(local_id) > MAX_CODE:
        errors.append(f"local_id: longer than {MAX_CODE} characters")
    if not name:
        errors.append("name: required")
    elif len(name) > MAX_NAME:
        errors.append(f"name: longer than {MAX_NAME} characters")
    if state_id and not STATE_ID.match(state_id):
        errors.append("state_id: letters and digits only, at most 20 (e.g. an Ohio SSID like AB1234567)")
    if len(building) > MAX_CODE:
        errors.append(f"building: longer than {MAX_CODE} characters")
    birth_date = _birth_date(cells.get("birth_date", ""), today, errors)
    cohort = _cohort(cells.get("cohort", ""), errors)
    return RosterRow(line, local_id, name, birth_date, state_id, cohort, building, errors)


def _birth_date(text: str, today: date, errors: list[str]) -> str:
    if not text:
        errors.append("birth_date: required")
        return ""
    try:
        day = parse_date(text).isoformat()
    except ValueError:
        errors.append(f"birth_date: {text!r} is not a date (YYYY-MM-DD)")
        return ""
    try:
        check_birth_date(day, today)  # the ledger's own rule, as on every other door
    except InputError as e:
        errors.append(f"birth_date: {e.errors['birth_date'][0]}")
    return day


def _cohort(text: str, errors: list[str]) -> int | None:
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and FIRST_YEAR <= int(text) <= LAST_YEAR):
        errors.append(f"cohort: {text!r} is not a graduating class (a year from {FIRST_YEAR} to {LAST_YEAR})")
        return None
    return int(text)


def _matched(row: RosterRow, person: StudentIdentity, cohort: int | None, *, keeps_record: bool) -> RosterRow:
    """The row of a student already registered: the same student (giving them a state id they lack, when
    `keeps_record`: the institution is their district of record), or an error naming what differs."""
    errors = list(row.errors)
    adds = bool(row.state_id) and not person.state_id
    if adds and not keeps_record:
        errors.append("state_id: only the student's district of record records their state id")
    if row.name and folded(row.name) != folded(person.name):
        errors.append(f"name: your student with local id {person.local_id} is registered under another name; "
                      "check the local id")
    if row.birth_date and row.birth_date != person.birth_date:
        errors.append(f"birth_date: your student with local id {person.local_id} has another birth date")
    if row.state_id and person.state_id and row.state_id != person.state_id:
        errors.append("state_id: the student has another state id; to correct it, use the student's record page "
                      "(a signed correction), then import again")
    if row.cohort is not None and row.cohort != cohort:
        errors.append(f"cohort: registered as the class of {cohort or 'unknown'}; correct the class on the "
                      "student page (a signed correction), then import again")
    return RosterRow(row.line, row.local_id, row.name, row.birth_date, row.state_id, row.cohort, row.building,
                     errors, person.student_id, adds_state_id=adds and keeps_record)


def template_csv() -> str:
    """The header and two fictional rows."""
    return ("local_id,state_id,name,birth_date,cohort,building\r\n"
            "RB-200101,QA1000001,Tamsin Okoro-Vale,2010-03-14,2028,RB-HS\r\n"
            "RB-200102,QA1000002,Bram Castellanos-Ruiz,2009-11-02,2027,RB-HS\r\n")

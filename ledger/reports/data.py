"""What the reports read, loaded from the read models with a handful of queries.

`load_report_data` reads the projections' tables (`rm_issuers`,
`rm_credentials`, `rm_students`, `rm_awards`, `rm_listings`,
`rm_assessments`) through the view's `query`; nothing here writes. The
values are plain (named tuples, dicts), so the reports themselves are pure
functions of a `ReportData`. May import ledger.pathways and ledger.statelists.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any, NamedTuple

from ledger.catalog_codes import split_cell
from ledger.errors import NotFoundError
from ledger.pathways import EarnedCredential, ListingBook, WorkKeysSitting
from ledger.pathways.states import issuer_state
from ledger.statelists import Segment, apply_listing_event, school_year_from_text

# "Home school" means home-schooled in US reporting: the school a student attends when not at a CTE center is
# the home high school (the sending school, as a CTE center calls it).
HOME = "Home high school (not at a CTE center)"
NO_CLUSTER = "(no cluster)"


class AwardRow(NamedTuple):
    """One award as the reports read it (a named tuple: a district has hundreds of thousands)."""

    award: str
    student: str
    issuer: str
    credential: str
    earned: date
    expires: date | None
    revoked: str | None


@dataclass
class ReportData:
    """Everything the reports read. Its institutions, lists and catalog are not changed once loaded (what is
    derived from them is kept: the state of an institution, the catalog's names)."""

    issuers: dict[str, tuple[str, str, str]]  # did -> (slug, name, kind)
    credentials: dict[str, dict[str, Any]]  # code -> name, type, careerField, careerCluster, soc and cip (lists)
    # id -> (the district of record's DID, cohort): the registering institution until a move (ledger.enrollment)
    students: dict[str, tuple[str, int | None]]
    awards: list[AwardRow]
    book: ListingBook
    workkeys: dict[str, list[WorkKeysSitting]]
    # credential code -> DIDs of the students' schools that have recorded it (for anyone); loaded for one
    # student's pathways (what their schools have recorded before), empty in the district reports
    recorded_by: dict[str, set[str]] = field(default_factory=dict)
    issuer_states: dict[str, str] = field(default_factory=dict)  # configured: issuer slug -> state
    graduations: dict[str, date] = field(default_factory=dict)  # student -> graduation date, where recorded
    _states: dict[str, tuple[str | None, str]] = field(default_factory=dict, repr=False, compare=False)

    def state_of(self, did: str) -> tuple[str | None, str]:
        """The state of an institution (ledger.pathways.states), and how it was decided (asked once per
        student of a district report: kept per institution)."""
        if did not in self._states:
            self._states[did] = issuer_state(did, self.issuers.get(did, (None,))[0], self.book, self.issuer_states)
        return self._states[did]

    def in_state(self, did: str, state: str) -> bool:
        """Whether a state's report covers the students of this institution: it is in that state, or its state is
        not known (they are listed rather than hidden; ledger.pathways.states)."""
        return self.state_of(did)[0] in (None, state)

    def issuer_name(self, did: str) -> str:
        return self.issuers.get(did, (did, did, ""))[1]

    def issuer_did(self, slug: str) -> str:
        for did, (s, _, _) in self.issuers.items():
            if s == slug:
                return did
        raise NotFoundError(f"no issuer {slug!r}")

    def credential_name(self, code: str) -> str:
        return self.credentials.get(code, {}).get("name", code)

    def cluster(self, code: str) -> str:
        """The credential's career cluster (or, without one, its career field)."""
        entry = self.credentials.get(code, {})
        return entry.get("careerCluster") or entry.get("careerField") or NO_CLUSTER

    def is_assessment(self, code: str) -> bool:
        return self.credentials.get(code, {}).get("type") == "assessment"

    @cached_property
    def _names_and_types(self) -> dict[str, tuple[str, str]]:
        return {code: (entry.get("name", code), entry.get("type", "certification"))
                for code, entry in self.credentials.items()}

    def earned(self, award: AwardRow) -> EarnedCredential:
        """The award as the rules see it (made for each of a district's 100,000 awards)."""
        name, kind = self._names_and_types.get(award.credential) or (award.credential, "certification")
        return EarnedCredential(award.award, award.credential, name, award.earned, award.issuer, kind,
                                award.expires, award.revoked)


def by_student(awards: Iterable[AwardRow]) -> dict[str, list[AwardRow]]:
    """The awards grouped by student, each student's in the order given."""
    grouped: dict[str, list[AwardRow]] = defaultdict(list)
    for a in awards:
        grouped[a.student].append(a)
    return grouped


def load_listing_book(view: Any, names: Mapping[str, str] | None = None) -> ListingBook:
    rows = view.query("SELECT stream, sequence, listed, credential, state, district, effective_from, effective_to, "
                      "terms, note FROM rm_listings ORDER BY stream, sequence")
    segments: dict[tuple[str, str | None, str], list[Segment]] = {}
    for _, _, listed, credential, state, district, first, last, terms, note in rows:
        key = (state, district, credential)
        segments[key] = apply_listing_event(
            segments.get(key, []), bool(listed), school_year_from_text(first),
            None if last is None else school_year_from_text(last), json.loads(terms) if terms else None, note)
    return ListingBook(segments, names)


def load_report_data(view: Any, *, students: Sequence[str] | None = None,
                     issuer_states: Mapping[str, str] | None = None, state: str | None = None) -> ReportData:
    """Load the read models (all students, or only `students`: then also which institutions have recorded
    which credentials, for the counselor's view). `issuer_states`: the configured states (ledger.pathways.states).
    `state`: awards and sittings only of the students whose district of record is in that state or in no known
    state (the others are loaded without them: a state's report counts them and lists none)."""
    issuers = {r[0]: (r[1], r[2], r[3]) for r in view.query("SELECT did, slug, name, kind FROM rm_issuers ")}
    credentials = {
        r[0]: {"name": r[1], "type": r[2], "careerField": r[3], "careerCluster": r[4], "soc": split_cell(r[5]),
               "cip": split_cell(r[6])}
        for r in view.query("SELECT code, name, credential_type, career_field, career_cluster, soc, cip "
                            "FROM rm_credentials ")
    }
    book = load_listing_book(view, {k: v["name"] for k, v in credentials.items()})
    where, params = "", list(students or [])
    if students is not None:
        where = f" WHERE student_id IN ({', '.join('?' * len(params))})" if params else " WHERE 1 = 0"
    student_rows = view.query(f"SELECT student_id, COALESCE(district, registered_by), cohort, graduated "
                              f"FROM rm_students {where}", params)
    parse = date.fromisoformat
    data = ReportData(
        issuers=issuers, credentials=credentials,
        students={r[0]: (r[1], None if r[2] is None else int(r[2])) for r in student_rows},
        awards=[], book=book, workkeys={}, issuer_states=dict(issuer_states or {}),
        graduations={r[0]: parse(r[3]) for r in student_rows if r[3]},
    )
    # With `state`, the rows of the other states' students are read and dropped here: one scan of the table is
    # cheaper than asking the database for a district's students (an index probe each, then a sort).
    keep = None
    if state is not None:
        covered = {did: data.in_state(did, state) for did in {did for did, _ in data.students.values()}}
        keep = {s for s, (did, _) in data.students.items() if covered[did]}
    award_rows = view.query(
        f"SELECT award_id, student_id, issuer, credential, earned, expires, revoked_reason FROM rm_awards {where} "
        "ORDER BY position", params)
    awards = [AwardRow(a, s, i, c, parse(e), parse(x) if x else None, r) for a, s, i, c, e, x, r in award_rows
              if keep is None or s in keep]
    workkeys: dict[str, list[WorkKeysSitting]] = defaultdict(list)
    for student, taken, scores in view.query(
            f"SELECT student_id, taken, scores FROM rm_assessments {where} ORDER BY position", params):
        if keep is None or student in keep:
            workkeys[student].append(WorkKeysSitting(parse(taken), json.loads(scores)))
    recorded_by: dict[str, set[str]] = defaultdict(set)
    if students is not None:
        # Only the students' schools matter (the district of record, and where their awards were recorded):
        # for each, the catalog's codes it has an active award of, one index probe per code (the LIMIT keeps
        # PostgreSQL from turning the probes into a join over all of the school's awards).
        for issuer in sorted({r[1] for r in student_rows} | {a.issuer for a in awards}):
            for (credential,) in view.query(
                    "SELECT code FROM rm_credentials c WHERE EXISTS (SELECT 1 FROM rm_awards a WHERE a.issuer = ? "
                    "AND a.credential = c.code AND a.revoked_reason IS NULL LIMIT 1)", [issuer]):
                recorded_by[credential].add(issuer)
    data.awards, data.workkeys, data.recorded_by = awards, dict(workkeys), dict(recorded_by)
    return data

"""What a pathway rule reads (a student's facts, the state lists) and what it says (RuleResult).

Plain frozen values: the reports layer fills them from the read models, tests
build them by hand. Nothing here reads a clock or a database.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from operator import attrgetter
from types import MappingProxyType
from typing import Any, NamedTuple

from ledger.statelists import Segment, terms_in

WORKKEYS_TESTS = {
    "appliedMath": "Applied Math",
    "graphicLiteracy": "Graphic Literacy",
    "workplaceDocuments": "Workplace Documents",
}


class EarnedCredential(NamedTuple):
    """One of the student's awards, as the rules see it (a named tuple: a district report makes one for each
    of 100,000 awards)."""

    award: str
    credential: str  # catalog code
    name: str
    earned: date
    issuer: str = ""  # DID of the issuing institution
    credential_type: str = "certification"  # certification | license | certificate | assessment
    expires: date | None = None
    revoked: str | None = None  # revocation reason ("superseded" for an amended award); None when not revoked

    @property
    def active(self) -> bool:
        """Not revoked and not superseded. (Expiry is a separate question: see Rule.expired_counts.)"""
        return self.revoked is None

    def expired_by(self, day: date) -> bool:
        return self.expires is not None and self.expires < day


@dataclass(frozen=True)
class WorkKeysSitting:
    taken: date
    scores: Mapping[str, int]  # test -> level 3–7 (appliedMath, graphicLiteracy, workplaceDocuments)


@dataclass(frozen=True)
class CteProgress:
    """A student's progress in one CTE program of study (Missouri CTE Certificate): report input."""

    courses: int
    gpa: Decimal


@dataclass(frozen=True)
class StudentInputs:
    """What the rules need that the ledger does not record (the school's information system does).

    None means "not recorded": the explanation says so instead of guessing.
    """

    wbl_hours: int | None = None  # work-based learning hours
    webxams: Mapping[str, int] | None = None  # Ohio: pathway -> WebXams passed
    pre_apprenticeship: bool | None = None  # Ohio: completed a pre-apprenticeship
    omj_seal: bool | None = None  # Ohio: OhioMeansJobs Readiness Seal
    cte_programs: Mapping[str, CteProgress] | None = None  # Missouri: program of study -> progress
    # Ohio, class of 2023 on: remedial support given and at least one end-of-course retake taken without
    # reaching competency, which opens the career-focused demonstrations
    eoc_retake: bool | None = None
    # Missouri CTE Certificate criteria the school's information system knows
    graduation_requirements: bool | None = None  # all graduation requirements met
    attendance: Decimal | None = None  # percent, grades 9–12
    soft_skills: bool | None = None  # soft/business skills demonstrated
    ccr_measure: bool | None = None  # at or above the state standard on a DESE-approved CCR measure
    # Colorado Career Development Incentive Program, for the report's school year
    workplace_training: bool | None = None  # a qualified internship, residency or pre-apprenticeship completed
    cs_ap: bool | None = None  # qualified for college credit in a computer-science AP course


# The order the rules take a student's credentials in (and name them in): oldest first, then by award id.
OLDEST_FIRST = attrgetter("earned", "award")


NOTHING_RECORDED: Mapping[str, tuple[str, ...]] = MappingProxyType({})


class StudentFacts(NamedTuple):
    """One student as the rules see it (a named tuple: one for each student of a district report)."""

    student: str
    cohort: int | None  # graduating class
    credentials: tuple[EarnedCredential, ...] = ()
    workkeys: tuple[WorkKeysSitting, ...] = ()
    district: str | None = None  # DID of the district whose Menu of Options applies (Colorado)
    district_name: str | None = None
    inputs: StudentInputs = StudentInputs()
    state: str | None = None  # the state of the district of record (ledger.pathways.states)
    # credential code -> the names of the student's schools that have recorded it (for anyone): what a counselor
    # can arrange where the student already goes
    recorded_at: Mapping[str, tuple[str, ...]] = NOTHING_RECORDED


class ListingBook:
    """The state lists, year by year: (state, district DID or None, credential) -> segments."""

    def __init__(
        self,
        entries: Mapping[tuple[str, str | None, str], Iterable[Segment]] | None = None,
        names: Mapping[str, str] | None = None,
    ):
        self._entries: dict[tuple[str, str | None, str], tuple[Segment, ...]] = {
            key: tuple(segments) for key, segments in (entries or {}).items()
        }
        self._names = dict(names or {})
        # The book never changes once made: what every student's evaluation asks again is kept.
        self._sorted: list[tuple[tuple[str, str | None, str], tuple[Segment, ...]]] | None = None
        self._in_force: dict[tuple[str, int], list[tuple[str, Mapping[str, Any]]]] = {}
        self._terms: dict[tuple[str, str | None, str, int], Mapping[str, Any] | None] = {}

    def name(self, credential: str) -> str:
        """The catalog name of a credential code (the code itself when unknown)."""
        return self._names.get(credential, credential)

    def terms(self, state: str, credential: str, year: int, district: str | None = None) -> Mapping[str, Any] | None:
        key = (state, district, credential, year)
        try:
            return self._terms[key]
        except KeyError:  # asked for the first time
            segments = self._entries.get((state, district, credential))
            found = self._terms[key] = terms_in(segments, year) if segments else None
            return found

    def items(self) -> list[tuple[tuple[str, str | None, str], tuple[Segment, ...]]]:
        """Every entry, by state then credential."""
        if self._sorted is None:
            self._sorted = sorted(self._entries.items(), key=lambda kv: (kv[0][0], kv[0][2], kv[0][1] or ""))
        return list(self._sorted)

    def in_force(self, state: str, year: int) -> list[tuple[str, Mapping[str, Any]]]:
        """(credential, terms) of every entry on a state's own list (no district's) in force in a school
        year, by credential."""
        key = (state, year)
        if key not in self._in_force:
            found = []
            for (s, district, code), segments in self.items():
                terms = terms_in(segments, year) if s == state and district is None else None
                if terms is not None:
                    found.append((code, terms))
            self._in_force[key] = found
        return list(self._in_force[key])

    def listed(self, state: str, district: str | None = None) -> Iterator[tuple[str, tuple[Segment, ...]]]:
        """(credential, segments) of every entry on one list."""
        for (s, dist, credential), segments in sorted(self._entries.items(), key=lambda kv: kv[0][2]):
            if s == state and dist == district:
                yield credential, segments


class Counted(NamedTuple):
    """A credential that counted toward a rule, and how."""

    award: str
    credential: str
    name: str
    detail: str  # "6 points, Health"; "meets math"; "stackable, with OSHA 10"
    points: int | None = None  # Ohio points, where points apply
    group: str | None = None  # the career field or program area it counted in


class RuleResult(NamedTuple):
    """What one rule says of one student. (Named tuples, as Counted: a district report makes one per rule
    for each of tens of thousands of students.)"""

    rule: str  # stable id, e.g. "oh-credential-option"
    state: str  # OH | MO | CO
    title: str
    status: str  # "met" | "not met" | "unknown" (something it needs is not recorded) | "not applicable"
    summary: str  # one sentence in plain words ("" in a brief evaluation, as notes: evaluate_student)
    missing: tuple[str, ...] = ()  # what is still needed, in plain words ("3 more points in Health")
    counted: tuple[Counted, ...] = ()
    notes: tuple[str, ...] = ()  # why other credentials did not count, which inputs were not recorded
    version: str = ""  # which version of the rule applied ("classes of 2020–2024")
    # listed credentials that would close the gap in the student's best field, best first ("CPHT (12 points)")
    closes_gap: tuple[str, ...] = ()

    @property
    def met(self) -> bool | None:
        return {"met": True, "not met": False}.get(self.status)

    def as_json(self) -> dict[str, Any]:
        """Every field, what counted as objects, and `met`: what `credledger pathways --json` prints."""
        return {**self._asdict(), "counted": [c._asdict() for c in self.counted], "met": self.met}

"""The pathway rules as versioned data: which thresholds apply to which graduating class.

Every number a rule compares against lives here, with the range of cohorts
(graduating classes) it is in effect for and where it comes from. Code in
`ohio`, `missouri` and `colorado` only interprets these rows; a new state
decision is a new row (and a closed range on the old one), never an edit
to a code path.

Readings of the sources where they are terse, made explicit here (each row
names its source; docs/pathways-and-reports.md keeps the list):
- WorkKeys: classes of 2018–2019 need a total of 13 across the three tests
  AND at least level 3 on each (Ohio DEW, "Workforce Readiness Score"); the
  class of 2020 on needs 14 with each test at level 3 or more; "from 2024-25"
  (the Silver NCRC, level 4 on each test) is read as the class graduating in
  2024-25, i.e. 2025 on, which closes the 2020 rule at the class of 2024. All
  three tests must have been taken; a student's best level in each test
  across sittings counts (as ACT does for the NCRC). WorkKeys stays a
  supporting demonstration after the credential option ends, so the table
  runs on.
- Ohio's credential option (12 points in one field plus WorkKeys) is a diploma
  pathway for the classes of 2018–2022 ONLY. From the class of 2023 the
  framework is competency (Algebra I and English II end-of-course tests, or an
  alternative) plus readiness (two seals): the IRC Seal, and the career-focused
  demonstrations, which are open only after remedial support and at least one
  end-of-course retake (a report input, `eoc_retake`).
- Colorado's Graduation Guidelines (Menu of Options) apply from the class of 2021.
- Missouri's IRC list carries no cohort range: list membership is judged in
  the school year the credential was earned; two stackables in one program
  area count as one IRC from school year 2020-21 (a pair completed earlier does
  not count). The CTE Certificate is for students entering high school in
  2017-18 or later, read as the class of 2021 on.
- Expired credentials: every rule counts a credential earned in time (by
  graduation, 30 June of the class year) even if it has expired since;
  `expired_counts=False` on a row would count only credentials still valid
  at graduation. Revoked and superseded awards never count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Cohorts:
    """Graduating classes first..last (None: unbounded)."""

    first: int | None = None
    last: int | None = None

    def __contains__(self, cohort: object) -> bool:
        if not isinstance(cohort, int):
            return False
        return (self.first is None or cohort >= self.first) and (self.last is None or cohort <= self.last)

    @property
    def bounded(self) -> bool:
        return self.first is not None or self.last is not None

    def __str__(self) -> str:
        if self.first is None and self.last is None:
            return "every class"
        if self.last is None:
            return f"class of {self.first} on"
        if self.first is None:
            return f"classes through {self.last}"
        if self.first == self.last:
            return f"class of {self.first}"
        return f"classes of {self.first}–{self.last}"


@dataclass(frozen=True)
class WorkKeysThreshold:
    cohorts: Cohorts
    total: int | None  # minimum total of the three levels
    each: int | None  # minimum level on each test
    name: str
    source: str


OHIO_DEW_WORKKEYS = ("Ohio DEW, Workforce Readiness Score: \"Students in the Classes of 2018 and 2019 must earn a "
                     "total of 13 points ...; the Class of 2020 and beyond ... 14 points. Students must also earn at "
                     "least three points on each section of the test.\"")
WORKKEYS: tuple[WorkKeysThreshold, ...] = (
    WorkKeysThreshold(Cohorts(2018, 2019), total=13, each=3, name="WorkKeys total of 13, each test 3 or more",
                      source=OHIO_DEW_WORKKEYS),
    WorkKeysThreshold(Cohorts(2020, 2024), total=14, each=3, name="WorkKeys total of 14, each test 3 or more",
                      source=OHIO_DEW_WORKKEYS),
    WorkKeysThreshold(Cohorts(2025, None), total=None, each=4, name="Silver NCRC (level 4 on each test)",
                      source="Ohio DEW: the Silver NCRC (4 on each test), effective for the 2024-2025 school year"),
)


@dataclass(frozen=True)
class StackableRule:
    """Missouri: how many stackable credentials in one program area make one IRC, and from which school year."""

    per_irc: int
    from_year: int  # school year (by the year it ends) the pair must be completed in, or later
    source: str


MISSOURI_STACKABLES = StackableRule(
    per_irc=2, from_year=2021,
    source="Missouri DESE, Technical Skills Attainment & IRC: \"Beginning in school year 2020-2021, students earning "
           "two stackable credentials in a program area will have the same effect on a district's Perkins V "
           "reporting as earning an IRC.\" How three or more count is unverified (read: each full pair is one).")


@dataclass(frozen=True)
class Rule:
    id: str
    state: str
    title: str
    cohorts: Cohorts
    check: str  # the evaluator that interprets `params`
    params: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    expired_counts: bool = True
    version: str = field(init=False, repr=False, compare=False)  # the classes it covers, in words

    def __post_init__(self) -> None:
        # Every result of the rule names it (a district report makes tens of thousands): worded once.
        object.__setattr__(self, "version", str(self.cohorts))


OHIO_SEAL_SOURCE = ("Ohio DEW, Industry-Recognized Credential Seal (ORC 3313.6114(C)(1)): a 12-point credential, a "
                    "group of credentials totaling 12 points in a single career field, or \"a state-issued license "
                    "for a practice in a vocation that requires an examination\"")
RULES: tuple[Rule, ...] = (
    Rule("oh-credential-option", "OH", "Ohio credential option", Cohorts(2018, 2022), "ohio_credential_option",
         {"points": 12}, "Ohio DEW, Industry-Recognized Credentials and WorkKeys: 12 points in a single career field "
                         "and a WorkKeys workforce readiness score, a diploma pathway of the classes of 2018–2022"),
    Rule("oh-irc-seal", "OH", "Ohio Industry-Recognized Credential Seal", Cohorts(2023, None), "ohio_irc_seal",
         {"points": 12}, OHIO_SEAL_SOURCE),
    Rule("oh-demonstrations", "OH", "Ohio competency: career-focused demonstrations (one foundational)",
         Cohorts(2023, None), "ohio_demonstrations", {"points": 12, "webxams": 3, "wbl_hours": 250},
         "Ohio DEW, graduation requirements for the class of 2023 and beyond: after remedial support and at least "
         "one retake of the end-of-course test, two demonstrations, at least one foundational (a 12-point bundle, "
         "3+ WebXams in one pathway, a pre-apprenticeship); supporting: 250 hours of work-based learning, WorkKeys, "
         "the OhioMeansJobs Readiness Seal"),
    Rule("oh-report-card", "OH", "Ohio report card: 12-point bundle", Cohorts(), "ohio_bundle",
         {"points": 12}, "Ohio DEW: schools get credit on the report card for students who earn approved "
                         "credentials or groups of credentials (12 points in one field)"),
    Rule("mo-irc", "MO", "Missouri industry-recognized credential", Cohorts(), "missouri_irc",
         {}, "Missouri DESE: on the DESE list in the year earned; " + MISSOURI_STACKABLES.source),
    Rule("mo-cte-certificate", "MO", "Missouri CTE Certificate", Cohorts(2021, None), "missouri_cte_certificate",
         {"courses": 3, "gpa": Decimal("3.0"), "wbl_hours": 50, "attendance": Decimal("95")},
         "Missouri State Board of Education (June 2017), CTE Certificate for students entering high school in "
         "2017-18 or later: all eight criteria (graduation requirements; CTE concentrator; 3.0 GPA in the area of "
         "concentration; a TSA passed and/or an IRC; 50 hours of aligned work-based learning; 95% attendance in "
         "grades 9–12; soft/business skills; a DESE-approved college and career readiness measure). The "
         "concentrator reading (3 courses in one program of study) is a district handbook's, configurable here"),
    Rule("co-english", "CO", "Colorado industry certificate: English", Cohorts(2021, None), "colorado_menu",
         {"competency": "meetsEnglish", "label": "English"}, "Colorado Graduation Guidelines seed"),
    Rule("co-math", "CO", "Colorado industry certificate: math", Cohorts(2021, None), "colorado_menu",
         {"competency": "meetsMath", "label": "math"}, "Colorado Graduation Guidelines seed"),
)


def workkeys_threshold(cohort: int | None, table: tuple[WorkKeysThreshold, ...] = WORKKEYS) -> WorkKeysThreshold | None:
    return next((t for t in table if cohort in t.cohorts), None)

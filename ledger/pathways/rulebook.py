"""The pathway rules as versioned data: which thresholds apply to which graduating class.

Every number a rule compares against lives here, with the range of cohorts
(graduating classes) it is in effect for and where it comes from. Code in
`ohio`, `missouri` and `colorado` only interprets these rows; a new state
decision is a new row (and a closed range on the old one), never an edit
to a code path.

Readings of DOMAIN.md where it is terse, made explicit here:
- WorkKeys: classes of 2018–2019 need a total of 13 across the three tests
  (the CMSD seed's 13) with no per-test minimum; the class of 2020 on needs
  14 with each test at level 3 or more; "from 2024-25" (the Silver NCRC, level
  4 on each test) is read as the class graduating in 2024-25, i.e. 2025 on,
  which closes the 2020 rule at the class of 2024. All three tests must have
  been taken; a student's best level in each test across sittings counts (as
  ACT does for the NCRC).
- The Ohio IRC seal and the two-demonstration requirement belong to the seals
  framework of the class of 2023 on; the credential option itself (12 points
  in one field plus WorkKeys) is kept open-ended from the class of 2018.
- Colorado's Graduation Guidelines (Menu of Options) apply from the class of 2021.
- Missouri's IRC list and CTE Certificate carry no cohort range: list
  membership is judged in the school year the credential was earned.
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


WORKKEYS: tuple[WorkKeysThreshold, ...] = (
    WorkKeysThreshold(Cohorts(2018, 2019), total=13, each=None, name="WorkKeys total of 13",
                      source="DOMAIN.md Ohio; CMSD seed (\"a minimum score of 13 on WorkKeys\")"),
    WorkKeysThreshold(Cohorts(2020, 2024), total=14, each=3, name="WorkKeys total of 14, each test 3 or more",
                      source="DOMAIN.md Ohio (class of 2020 on)"),
    WorkKeysThreshold(Cohorts(2025, None), total=None, each=4, name="Silver NCRC (level 4 on each test)",
                      source="DOMAIN.md Ohio (from 2024-25)"),
)


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


RULES: tuple[Rule, ...] = (
    Rule("oh-credential-option", "OH", "Ohio credential option", Cohorts(2018, None), "ohio_credential_option",
         {"points": 12}, "DOMAIN.md Ohio; CMSD seed: 12 points within a single career field, and WorkKeys"),
    Rule("oh-irc-seal", "OH", "Ohio Industry-Recognized Credential Seal", Cohorts(2023, None), "ohio_irc_seal",
         {"points": 12}, "DOMAIN.md Ohio: a 12-point credential, a 12-point bundle in one field, or an exam-based "
                         "state license"),
    Rule("oh-demonstrations", "OH", "Ohio two demonstrations (one foundational)", Cohorts(2023, None),
         "ohio_demonstrations", {"points": 12, "webxams": 3, "wbl_hours": 250},
         "DOMAIN.md Ohio: class of 2023 on"),
    Rule("oh-report-card", "OH", "Ohio report card: 12-point bundle", Cohorts(), "ohio_bundle",
         {"points": 12}, "DOMAIN.md Ohio: a 12-point bundle counts toward college/career readiness"),
    Rule("mo-irc", "MO", "Missouri industry-recognized credential", Cohorts(), "missouri_irc",
         {"stackables_per_irc": 2}, "DOMAIN.md Missouri: on the DESE list in the year earned; two stackable "
                                    "credentials in one program area count as one IRC"),
    Rule("mo-cte-certificate", "MO", "Missouri CTE Certificate", Cohorts(), "missouri_cte_certificate",
         {"courses": 3, "gpa": Decimal("3.0"), "wbl_hours": 50, "stackables_per_irc": 2},
         "DOMAIN.md Missouri: 3+ courses in one program of study, 3.0 GPA in it, an approved TSA or IRC, "
         "50 hours of work-based learning"),
    Rule("co-english", "CO", "Colorado industry certificate: English", Cohorts(2021, None), "colorado_menu",
         {"competency": "meetsEnglish", "label": "English"}, "Colorado Graduation Guidelines seed"),
    Rule("co-math", "CO", "Colorado industry certificate: math", Cohorts(2021, None), "colorado_menu",
         {"competency": "meetsMath", "label": "math"}, "Colorado Graduation Guidelines seed"),
)


def workkeys_threshold(cohort: int | None, table: tuple[WorkKeysThreshold, ...] = WORKKEYS) -> WorkKeysThreshold | None:
    return next((t for t in table if cohort in t.cohorts), None)

"""State pathway rules: which graduation and reporting rules a student meets, and what is missing.

Pure: the student's facts, the state lists and `today` go in, plain-word
results come out; no clock, no database. The rules are versioned data
(`ledger.pathways.rulebook`): each row applies to a range of graduating
classes. `ledger.reports.student.student_pathways` loads the facts from the read
models and calls `evaluate_student`; the web calls that.

    results = evaluate_student(facts, book, today=date(2026, 5, 1))
    for r in results:
        print(r.title, r.status, r.summary, r.missing)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date

from ledger.pathways import colorado, missouri, ohio
from ledger.pathways.context import Context, cutoff_of
from ledger.pathways.facts import (
    WORKKEYS_TESTS,
    Counted,
    CteProgress,
    EarnedCredential,
    ListingBook,
    RuleResult,
    StudentFacts,
    StudentInputs,
    WorkKeysSitting,
)
from ledger.pathways.rulebook import (
    MISSOURI_STACKABLES,
    RULES,
    WORKKEYS,
    Cohorts,
    Rule,
    StackableRule,
    WorkKeysThreshold,
    workkeys_threshold,
)

__all__ = [
    "MISSOURI_STACKABLES", "RULES", "StackableRule", "WORKKEYS", "WORKKEYS_TESTS", "Cohorts", "Counted", "CteProgress", "EarnedCredential", "ListingBook",
    "Rule", "RuleResult", "StudentFacts", "StudentInputs", "WorkKeysSitting", "WorkKeysThreshold",
    "evaluate_rule", "evaluate_student", "workkeys_threshold",
]  # fmt: skip

CHECKS: dict[str, Callable[[Context], RuleResult]] = {
    "ohio_credential_option": ohio.credential_option,
    "ohio_irc_seal": ohio.irc_seal,
    "ohio_demonstrations": ohio.demonstrations,
    "ohio_bundle": ohio.bundle,
    "missouri_irc": missouri.irc,
    "missouri_cte_certificate": missouri.cte_certificate,
    "colorado_menu": colorado.menu_competency,
}


def evaluate_student(
    facts: StudentFacts,
    book: ListingBook,
    *,
    today: date,
    rules: Sequence[Rule] = RULES,
    states: Iterable[str] | None = None,
    applicable_only: bool = False,
    brief: bool = False,
) -> list[RuleResult]:
    """One result per rule id (in table order), using the version in effect for the student's class.

    With `applicable_only`, rules whose versions do not cover the student's (recorded) class are left out:
    a class-of-2026 Ohio student is not shown the credential option of the classes of 2018–2022 at all.
    `brief`: the caller reads status, missing and counted only (a district's list); the rules leave their
    summaries and notes unmade (empty). The statuses are the same either way.
    """
    plan = _plan(rules, None if states is None else frozenset(states), facts.cohort)
    if applicable_only and facts.cohort is not None:
        plan = [step for step in plan if isinstance(step, Rule)]
    memo: dict[object, object] = {}
    cutoff = cutoff_of(facts.cohort, today)
    return [CHECKS[step.check](Context(facts, book, today, step, cutoff, brief, memo)) if isinstance(step, Rule)
            else step for step in plan]


def evaluate_rule(versions: Sequence[Rule], facts: StudentFacts, book: ListingBook, *, today: date) -> RuleResult:
    """Apply the version of a rule (one id, several cohort ranges) that covers the student's class."""
    step = _step(versions, facts.cohort)
    if isinstance(step, RuleResult):
        return step
    return CHECKS[step.check](Context(facts, book, today, step, cutoff_of(facts.cohort, today), False, {}))


def _step(versions: Sequence[Rule], cohort: int | None) -> Rule | RuleResult:
    """The version that covers the class (else the unbounded one), or, when none does, the result saying so."""
    rule = next((r for r in versions if cohort in r.cohorts), None)
    if rule is None and any(not r.cohorts.bounded for r in versions):
        rule = next(r for r in versions if not r.cohorts.bounded)
    if rule is not None:
        return rule
    first = versions[0]
    ranges = ", ".join(str(r.cohorts) for r in versions)
    if cohort is None:
        return RuleResult(first.id, first.state, first.title, "unknown",
                          f"Cannot tell: the student's graduating class is not recorded (the rule applies to the "
                          f"{ranges}).", missing=("the student's graduating class",), version=ranges)
    return RuleResult(first.id, first.state, first.title, "not applicable",
                      f"Does not apply to the class of {cohort} (it applies to the {ranges}).", version=ranges)


# Per rule id, what to do for a class: the same for every student of that class in a district report, so
# kept for the built-in table (by the states wanted and the class).
_PLANS: dict[tuple[frozenset[str] | None, int | None], list[Rule | RuleResult]] = {}


def _plan(rules: Sequence[Rule], wanted: frozenset[str] | None, cohort: int | None) -> list[Rule | RuleResult]:
    """For each rule id (of the `wanted` states), in table order: `_step` of its versions for the class."""
    key = (wanted, cohort)
    if rules is RULES and key in _PLANS:
        return _PLANS[key]
    by_id: dict[str, list[Rule]] = {}
    for rule in rules:
        if wanted is None or rule.state in wanted:
            by_id.setdefault(rule.id, []).append(rule)
    plan = [_step(versions, cohort) for versions in by_id.values()]
    if rules is RULES:
        _PLANS[key] = plan
    return plan

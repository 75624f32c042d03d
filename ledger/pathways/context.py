"""One rule applied to one student: the facts it may use, and how it words its result."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, NamedTuple

from ledger.pathways.facts import (
    OLDEST_FIRST,
    Counted,
    EarnedCredential,
    ListingBook,
    RuleResult,
    StudentFacts,
    WorkKeysSitting,
)
from ledger.pathways.rulebook import Rule
from ledger.statelists import last_day_of, school_year_to_text


class Context(NamedTuple):
    """What one rule may read of one student, and the memo the student's rules share. (A named tuple: a
    district report makes one per rule for each of tens of thousands of students.)"""

    facts: StudentFacts
    book: ListingBook
    today: date
    rule: Rule
    cutoff: date  # what counts must be earned by: `cutoff_of` the student's class and today
    # The caller reads each result's status, what is missing and what counted, never its words (a district's
    # list of tens of thousands of students): the summary and notes are left unmade.
    brief: bool
    # Results several rules of one student share (Ohio points), computed once per evaluation: one memo per
    # student and `today` (so one cutoff), shared by the rules evaluated together.
    memo: dict[Any, Any]

    def shared(self, key: Any, compute: Callable[[], Any]) -> Any:
        full_key = (key, self.rule.expired_counts)
        found = self.memo.get(full_key, _MISSING)
        if found is _MISSING:
            found = self.memo[full_key] = compute()
        return found

    def credentials(self) -> list[EarnedCredential]:
        """Active awards earned in time, oldest first; expired ones only if the rule counts them. Computed once
        per evaluation (a district report asks for every student's several times); callers must not change it."""
        def compute() -> list[EarnedCredential]:
            cutoff, expired_counts = self.cutoff, self.rule.expired_counts
            return sorted(
                (c for c in self.facts.credentials
                 if c.revoked is None and c.earned <= cutoff and (expired_counts or not c.expired_by(cutoff))),
                key=OLDEST_FIRST,
            )
        return self.shared("credentials", compute)

    def not_counted_notes(self) -> list[str]:
        """Why some of the student's awards are left out, in plain words."""
        notes = []
        for c in self.facts.credentials:
            if not c.active:
                why = "was superseded by a corrected award" if c.revoked == "superseded" else f"was revoked ({c.revoked})"
                notes.append(f"{c.name} {why}; it does not count.")
            elif c.earned > self.cutoff:
                notes.append(f"{c.name} was earned {c.earned.isoformat()}, after {self.cutoff.isoformat()}; "
                             "it does not count.")
            elif not self.rule.expired_counts and c.expired_by(self.cutoff):
                notes.append(f"{c.name} expired {c.expires}; this rule counts only valid credentials.")
        return notes

    def sittings(self) -> list[WorkKeysSitting]:
        cutoff = self.cutoff
        return [s for s in self.facts.workkeys if s.taken <= cutoff]

    def result(
        self, status: str, summary: str | Callable[[], str], *, missing: Sequence[str] = (),
        counted: Sequence[Counted] = (), notes: Sequence[str] | Callable[[], Sequence[str]] = (),
        version: str | None = None, closes_gap: Sequence[str] = (),
    ) -> RuleResult:
        """The summary and notes may be given as functions making them: called only when not brief."""
        if self.brief:
            summary, notes = "", ()
        else:
            summary = summary() if callable(summary) else summary
            notes = notes() if callable(notes) else notes
        return RuleResult(
            rule=self.rule.id, state=self.rule.state, title=self.rule.title, status=status, summary=summary,
            missing=tuple(missing), counted=tuple(counted), notes=tuple(notes),
            version=self.rule.version if version is None else version, closes_gap=tuple(closes_gap),
        )


_MISSING = object()


def cutoff_of(cohort: int | None, today: date) -> date:
    """What counts must be earned by graduation (30 June of the class year) and by today."""
    return today if cohort is None else min(today, last_day_of(cohort))


def three_valued(parts: Sequence[bool | None]) -> str:
    """all True: met; any False: not met; otherwise unknown (something is not recorded)."""
    if all(p is True for p in parts):
        return "met"
    if any(p is False for p in parts):
        return "not met"
    return "unknown"


def year_text(day: date) -> str:
    from ledger.statelists import school_year_of

    return school_year_to_text(school_year_of(day))

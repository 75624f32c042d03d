"""One rule applied to one student: the facts it may use, and how it words its result."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from ledger.pathways.facts import Counted, EarnedCredential, ListingBook, RuleResult, StudentFacts, WorkKeysSitting
from ledger.pathways.rulebook import Rule
from ledger.statelists import last_day_of, school_year_to_text


@dataclass(frozen=True)
class Context:
    facts: StudentFacts
    book: ListingBook
    today: date
    rule: Rule
    # Results several rules of one student share (Ohio points), computed once per evaluation.
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def shared(self, key: Any, compute: Callable[[], Any]) -> Any:
        full_key = (key, self.cutoff, self.rule.expired_counts)
        if full_key not in self.memo:
            self.memo[full_key] = compute()
        return self.memo[full_key]

    @cached_property
    def cutoff(self) -> date:
        """What counts must be earned by graduation (30 June of the class year) and by today."""
        if self.facts.cohort is None:
            return self.today
        return min(self.today, last_day_of(self.facts.cohort))

    def credentials(self) -> list[EarnedCredential]:
        """Active awards earned in time, oldest first; expired ones only if the rule counts them. Computed once
        per evaluation (a district report asks for every student's several times); callers must not change it."""
        def compute() -> list[EarnedCredential]:
            cutoff = self.cutoff
            return sorted(
                (c for c in self.facts.credentials
                 if c.active and c.earned <= cutoff and (self.rule.expired_counts or not c.expired_by(cutoff))),
                key=lambda c: (c.earned, c.award),
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
        return [s for s in self.facts.workkeys if s.taken <= self.cutoff]

    def result(
        self, status: str, summary: str, *, missing: Sequence[str] = (), counted: Sequence[Counted] = (),
        notes: Sequence[str] = (), version: str | None = None, closes_gap: Sequence[str] = (),
    ) -> RuleResult:
        return RuleResult(
            rule=self.rule.id, state=self.rule.state, title=self.rule.title, status=status, summary=summary,
            missing=tuple(missing), counted=tuple(counted), notes=tuple(notes),
            version=str(self.rule.cohorts) if version is None else version, closes_gap=tuple(closes_gap),
        )


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

"""The National Career Readiness Certificate derived from WorkKeys sittings (ledger.pathways.ncrc): a table
of ACT's levels (Platinum 6+, Gold 5+, Silver 4+, Bronze 3+ on all three core tests, by the lowest), the
best level of each test across sittings, and "unknown" while a test is missing."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.pathways.facts import WorkKeysSitting
from ledger.pathways.ncrc import ncrc

AM, GL, WD = "appliedMath", "graphicLiteracy", "workplaceDocuments"


def sitting(day: int, **scores: int) -> WorkKeysSitting:
    return WorkKeysSitting(date(2026, 3, day), scores)


@pytest.mark.parametrize(("scores", "level"), [
    ((6, 7, 6), "Platinum"), ((5, 6, 7), "Gold"), ((4, 7, 7), "Silver"), ((3, 6, 6), "Bronze"), ((7, 7, 7), "Platinum"),
])
def test_the_lowest_test_sets_the_level(scores: tuple[int, int, int], level: str) -> None:
    result = ncrc([sitting(1, **dict(zip((AM, GL, WD), scores)))])
    assert result is not None and result.status == "met" and result.summary.startswith(f"{level}: ")


def test_the_best_level_of_each_test_counts_across_sittings() -> None:
    result = ncrc([sitting(1, **{AM: 3, GL: 5, WD: 5}), sitting(20, **{AM: 5})])
    assert result is not None and result.summary == (
        "Gold: the lowest of the best levels is 5 (Applied Math 5, Graphic Literacy 5, Workplace Documents 5).")


def test_a_missing_test_is_unknown_and_no_sitting_is_nothing() -> None:
    result = ncrc([sitting(1, **{AM: 6, GL: 6})])
    assert result is not None and result.status == "unknown" and result.missing == ("a Workplace Documents score",)
    assert ncrc([]) is None

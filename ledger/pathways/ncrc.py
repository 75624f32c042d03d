"""ACT's National Career Readiness Certificate, derived from a student's WorkKeys sittings rather than
typed in as an award: its level is set by the lowest of the three core tests (Applied Math, Graphic
Literacy, Workplace Documents), each at its best level across the sittings recorded:

    Platinum  every test at level 6 or above     Silver  4 or above
    Gold      5 or above                          Bronze  3 or above

Assumption, not verified against ACT's current rules (say so in docs/pathways-and-reports.md): that the
best level of each test counts whichever sitting it came from (ACT issues a new certificate when a
retest raises the lowest score). A missing test means no certificate yet ("unknown": it may not be
recorded here). Pure.
"""

from __future__ import annotations

from collections.abc import Iterable

from ledger.pathways.facts import RuleResult, WorkKeysSitting

CORE_TESTS = {"appliedMath": "Applied Math", "graphicLiteracy": "Graphic Literacy",
              "workplaceDocuments": "Workplace Documents"}
LEVELS = ((6, "Platinum"), (5, "Gold"), (4, "Silver"), (3, "Bronze"))


def ncrc(sittings: Iterable[WorkKeysSitting]) -> RuleResult | None:
    """The certificate the sittings earn, as a pathway result; None without any sitting."""
    sittings = list(sittings)
    if not sittings:
        return None
    best = {test: max((s.scores[test] for s in sittings if test in s.scores), default=None) for test in CORE_TESTS}
    shown = ", ".join(f"{name} {best[test]}" for test, name in CORE_TESTS.items() if best[test] is not None)
    missing = tuple(f"a {name} score" for test, name in CORE_TESTS.items() if best[test] is None)
    title = "National Career Readiness Certificate (ACT WorkKeys)"
    if missing:
        return RuleResult("ncrc", "", title, "unknown", f"Not all three tests are recorded (best: {shown}).",
                          missing=missing)
    lowest = min(v for v in best.values() if v is not None)
    level = next(name for floor, name in LEVELS if lowest >= floor)
    return RuleResult("ncrc", "", title, "met", f"{level}: the lowest of the best levels is {lowest} ({shown}).")

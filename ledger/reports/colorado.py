"""`colorado-incentive`: each district's Career Development Incentive Program claim.

One claim per student per year, at the student's best tier among the
credentials on Colorado's incentive list in the school year earned; paid tier
by tier until the funds run out (a short tier is prorated, rounding down to
the cent), and no district above 10% of the funds. The claiming district is
the institution that registered the student; free/reduced-lunch eligibility
(120%) comes from an input list, never the ledger. May import
ledger.statelists and ledger.reports' data and model.
"""

from __future__ import annotations

from collections import defaultdict

from ledger.errors import InputError
from ledger.reports.data import AwardRow, ReportData
from ledger.reports.model import Report, Table, counted, dollars
from ledger.statelists import school_year_of, school_year_to_text

PER_STUDENT_CENTS = 100_000  # $1,000
FRL_PERCENT = 120
DISTRICT_CAP_PERCENT = 10


def colorado_incentive(data: ReportData, *, year: int, funds_cents: int, frl: set[str] | None = None,
                       district: str | None = None) -> Report:
    """Each district's claim: one per student per year at the student's best tier; paid tier by tier
    until the funds run out (a short tier is prorated), no district above 10% of the funds."""
    if funds_cents < 0:
        raise InputError.for_field("funds", "not negative")
    frl = frl or set()
    best: dict[str, tuple[int, AwardRow]] = {}
    for a in data.awards:
        if a.revoked is not None or school_year_of(a.earned) != year:
            continue
        terms = data.book.terms("CO", a.credential, year)
        if terms is None:
            continue
        tier = terms["incentiveTier"]
        if a.student not in best or (tier, a.earned) < (best[a.student][0], best[a.student][1].earned):
            best[a.student] = (tier, a)
    claims: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    claimants: list[tuple[str, str, AwardRow, int, int]] = []  # student, district, award, tier, amount
    for student, (tier, a) in sorted(best.items()):
        owner = data.students.get(student, (a.issuer, None))[0]
        amount = PER_STUDENT_CENTS * (FRL_PERCENT if student in frl else 100) // 100
        claims[owner][tier] += amount
        claimants.append((student, owner, a, tier, amount))
    cap = funds_cents * DISTRICT_CAP_PERCENT // 100
    paid: dict[str, int] = defaultdict(int)
    remaining = funds_cents
    for tier in sorted({t for c in claims.values() for t in c}):
        asks = {d: min(c.get(tier, 0), cap - paid[d]) for d, c in claims.items()}
        asked = sum(asks.values())
        if asked <= remaining:
            share = asks
        else:  # funds run out in this tier: prorate, in whole cents, rounding down
            share = {d: ask * remaining // asked for d, ask in asks.items()}
        for d, amount in share.items():
            paid[d] += amount
        remaining -= sum(share.values())
        if asked > remaining + sum(share.values()):
            break  # the funds ran out in this tier: later tiers get nothing (rounding crumbs stay unpaid)
    district_did = data.issuer_did(district) if district else None
    rows = []
    for d in sorted(claims, key=data.issuer_name):
        if district_did and d != district_did:
            continue
        requested = sum(claims[d].values())
        students = [c[0] for c in claimants if c[1] == d]
        rows.append([data.issuer_name(d), len(students), sum(s in frl for s in students), dollars(requested),
                     dollars(min(requested, cap)), dollars(paid[d]),
                     "; ".join(f"tier {t}: {dollars(v)}" for t, v in sorted(claims[d].items()))])
    student_rows = [
        [student, data.issuer_name(owner), data.credential_name(a.credential), tier,
         "yes" if student in frl else "no", dollars(amount)]
        for student, owner, a, tier, amount in claimants if district_did is None or owner == district_did
    ]
    # The headline counts what the tables show: one district's claim when a district is asked for.
    shown = [d for d in claims if district_did is None or d == district_did]
    students_shown = len(student_rows)
    requested_total = sum(sum(claims[d].values()) for d in shown)
    paid_total = sum(paid[d] for d in shown)
    whose = f" of {data.issuer_name(district_did)}" if district_did else ""
    return Report(
        "colorado-incentive", "Colorado Career Development Incentive Program: district claims",
        {"year": school_year_to_text(year), "funds": dollars(funds_cents), "district": district},
        f"{counted(students_shown, 'student')}{whose} completed a qualified "
        f"credential in {school_year_to_text(year)}; requested {dollars(requested_total)}, paid "
        f"{dollars(paid_total)} of {dollars(funds_cents)} available statewide.",
        {"students": students_shown, "requested_cents": requested_total, "paid_cents": paid_total,
         "district_cap_cents": cap, "funds_cents": funds_cents},
        [Table("District claims", ["district", "students", "FRL students", "requested", "after 10% cap", "paid",
                                   "by tier"], rows),
         Table("Students", ["student", "district", "credential", "tier", "FRL", "requested"], student_rows)],
        [(f"Up to {dollars(PER_STUDENT_CENTS)} per student per year ({FRL_PERCENT}% for students eligible for free "
         "or reduced lunch, from the list given with the report, which is never written into the ledger)."),
         "Paid in tier order (tier 1 first); where the funds run out a tier is prorated, rounding down to the cent.",
         (f"No district receives more than {DISTRICT_CAP_PERCENT}% of the funds available (the statewide "
         "industry-credential total); amounts above the cap are not redistributed."),
         ("A qualified credential is on Colorado's incentive list in the school year earned; the claiming district "
         "is the institution that registered the student.")],
    )

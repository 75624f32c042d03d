"""`colorado-incentive`: each district's Career Development Incentive Program claim.

Claims, per student and school year: one for a qualified industry certificate
(at the student's best tier among the credentials on Colorado's incentive
list in the school year earned), one for a qualified internship / workplace
training, one for a computer-science AP course (both report inputs, never in
the ledger). Paid category by category in the program's order until the
funds run out. HB18-1266 limits one district's industry-certificate claims to
10% of the NUMBER of completed industry certificates reported statewide (a
count, not dollars). The tiers' order and the shortfall rule could not be
verified: `IncentiveProgram` holds them as data, with the statute's order
(industry certificates, then workplace training, then computer-science AP:
HB16-1289) as the default. The claiming district is the institution that
registered the student; free/reduced-lunch eligibility (120%) comes from an
input list. May import ledger.statelists, ledger.pathways and ledger.reports'
data and model.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from ledger.errors import InputError
from ledger.pathways import StudentInputs
from ledger.reports.data import ReportData
from ledger.reports.model import Report, Table, counted, dollars
from ledger.statelists import COLORADO_TIERS, school_year_of, school_year_to_text

WORKPLACE = "workplace training"
CS_AP = "computer science AP"


@dataclass(frozen=True)
class IncentiveProgram:
    """The program's numbers and order, as data (the tiers and the shortfall rule are unverified)."""

    per_student_cents: int = 100_000  # $1,000 per student per category
    frl_percent: int = 120  # for students eligible for free or reduced lunch
    cap_percent: int = 10  # of the number of completed industry certificates reported statewide
    # Paid in this order: industry certificates by tier, then the statute's other two categories.
    order: tuple[str, ...] = (*(f"tier {t}" for t in COLORADO_TIERS), WORKPLACE, CS_AP)
    # "prorate": the category where the funds run out is prorated (whole cents, rounded down) and later ones get
    # nothing; "stop": that category and later ones get nothing.
    shortfall: str = "prorate"


CDIP = IncentiveProgram()
PER_STUDENT_CENTS = CDIP.per_student_cents
FRL_PERCENT = CDIP.frl_percent
DISTRICT_CAP_PERCENT = CDIP.cap_percent


@dataclass(frozen=True)
class Claim:
    student: str
    district: str  # DID
    category: str  # "tier 1" | ... | WORKPLACE | CS_AP
    what: str  # the credential's name, or the category in words
    amount: int  # cents
    credential: str | None = None  # the catalog code of a certificate claim
    earned: date | None = None  # when that credential was earned


@dataclass(frozen=True)
class Claims:
    """Every claim statewide, those within the 10% cap, and what each is paid (the report and the state file)."""

    claims: list[Claim]
    within: set[Claim]
    paid: dict[Claim, int]
    certificates: int  # completed industry certificates reported statewide (one claim per student)
    cap_count: int  # at most this many certificate claims count per district


def incentive_claims(data: ReportData, *, year: int, funds_cents: int, frl: set[str] | None = None,
                     inputs: Mapping[str, StudentInputs] | None = None, program: IncentiveProgram = CDIP) -> Claims:
    """The claims of every district: certificates (one per student per year at the best tier, within the
    district's 10% count cap), workplace training and computer-science AP (inputs); paid in the program's order."""
    if funds_cents < 0:
        raise InputError.for_field("funds", "not negative")
    if program.shortfall not in ("prorate", "stop"):
        raise InputError.for_field("shortfall", "prorate or stop")
    frl = frl or set()
    inputs = inputs or {}

    def amount(student: str) -> int:
        return program.per_student_cents * (program.frl_percent if student in frl else 100) // 100

    best: dict[str, tuple[int, str]] = {}  # student -> (tier, credential)
    earned_on: dict[str, date] = {}
    for a in data.awards:
        if a.revoked is not None or school_year_of(a.earned) != year:
            continue
        terms = data.book.terms("CO", a.credential, year)
        if terms is None:
            continue
        tier = terms["incentiveTier"]
        if a.student not in best or (tier, a.earned) < (best[a.student][0], earned_on[a.student]):
            best[a.student] = (tier, a.credential)
            earned_on[a.student] = a.earned
    claims: list[Claim] = []
    for student, (tier, code) in sorted(best.items()):
        owner: str = data.students.get(student, ("", None))[0] or next(
            a.issuer for a in data.awards if a.student == student)
        claims.append(Claim(student, owner, f"tier {tier}", data.credential_name(code), amount(student), code,
                            earned_on[student]))
    for student, given in sorted(inputs.items()):
        if student not in data.students:
            continue
        owner = data.students[student][0]
        if given.workplace_training:
            claims.append(Claim(student, owner, WORKPLACE, "qualified internship / workplace training",
                                amount(student)))
        if given.cs_ap:
            claims.append(Claim(student, owner, CS_AP, "computer-science AP course", amount(student)))

    # HB18-1266: a district's certificate claims count up to 10% of the certificates reported statewide.
    certificates = [c for c in claims if c.category.startswith("tier ")]
    cap_count = len(certificates) * program.cap_percent // 100
    rank = {category: i for i, category in enumerate(program.order)}
    within: set[Claim] = set()
    per_district: dict[str, list[Claim]] = defaultdict(list)
    for c in certificates:
        per_district[c.district].append(c)
    for district_claims in per_district.values():
        # Best tier first, then FRL (the larger claim), then the certificate completed first (then by its code):
        # a rule a district can check; the opaque student id only breaks a tie of the same credential and day.
        district_claims.sort(key=lambda c: (rank.get(c.category, len(rank)), -c.amount, c.earned or date.max,
                                            c.credential or "", c.student))
        within.update(district_claims[:cap_count])
    within.update(c for c in claims if not c.category.startswith("tier "))

    paid: dict[Claim, int] = {}
    remaining = funds_cents
    for category in program.order:
        asks = [c for c in claims if c.category == category and c in within]
        asked = sum(c.amount for c in asks)
        if asked <= remaining:
            paid.update({c: c.amount for c in asks})
            remaining -= asked
            continue
        if program.shortfall == "prorate":  # funds run out in this category: prorate, whole cents, rounded down
            paid.update({c: c.amount * remaining // asked for c in asks})
        break  # later categories get nothing (rounding crumbs stay unpaid)
    return Claims(claims, within, paid, len(certificates), cap_count)


def colorado_incentive(data: ReportData, *, year: int, funds_cents: int, frl: set[str] | None = None,
                       district: str | None = None, inputs: Mapping[str, StudentInputs] | None = None,
                       program: IncentiveProgram = CDIP) -> Report:
    """Each district's claim (`incentive_claims`), as a report: by district, and claim by claim."""
    computed = incentive_claims(data, year=year, funds_cents=funds_cents, frl=frl, inputs=inputs, program=program)
    frl = frl or set()
    claims, within, paid, cap_count = computed.claims, computed.within, computed.paid, computed.cap_count
    rank = {category: i for i, category in enumerate(program.order)}
    district_did = data.issuer_did(district) if district else None
    shown = [c for c in claims if district_did is None or c.district == district_did]
    rows: list[list[Any]] = []
    for d in sorted({c.district for c in shown}, key=data.issuer_name):
        mine = [c for c in shown if c.district == d]
        students = {c.student for c in mine}
        by_category: dict[str, int] = defaultdict(int)
        for c in mine:
            by_category[c.category] += c.amount
        rows.append([data.issuer_name(d), len(students), len(students & frl), dollars(sum(c.amount for c in mine)),
                     dollars(sum(c.amount for c in mine if c in within)), dollars(sum(paid.get(c, 0) for c in mine)),
                     "; ".join(f"{k}: {dollars(v)}" for k, v in sorted(by_category.items(),
                                                                          key=lambda kv: rank.get(kv[0], 99)))])
    student_rows = [[c.student, data.issuer_name(c.district), c.what, c.category,
                     "yes" if c.student in frl else "no", dollars(c.amount),
                     "yes" if c in within else "no (over the 10% cap)", dollars(paid.get(c, 0))] for c in shown]
    students_shown = len({c.student for c in shown})
    requested_total = sum(c.amount for c in shown)
    paid_total = sum(paid.get(c, 0) for c in shown)
    whose = f" of {data.issuer_name(district_did)}" if district_did else ""
    return Report(
        "colorado-incentive", "Colorado Career Development Incentive Program: district claims",
        {"year": school_year_to_text(year), "funds": dollars(funds_cents), "district": district},
        f"{counted(students_shown, 'student')}{whose} completed a qualified "
        f"credential or program in {school_year_to_text(year)}; requested {dollars(requested_total)}, paid "
        f"{dollars(paid_total)} of {dollars(funds_cents)} available statewide.",
        {"students": students_shown, "requested_cents": requested_total, "paid_cents": paid_total,
         "certificates_reported": computed.certificates, "district_cap_certificates": cap_count,
         "funds_cents": funds_cents},
        [Table("District claims", ["district", "students", "FRL students", "requested", "after 10% cap", "paid",
                                   "by tier"], rows),
         Table("Claims", ["student", "district", "credential", "tier", "FRL", "requested", "within cap", "paid"],
               student_rows)],
        [(f"Up to {dollars(program.per_student_cents)} per student per category per year ({program.frl_percent}% "
          "for students eligible for free or reduced lunch, from the list given with the report, which is never "
          "written into the ledger)."),
         ("Paid in this order: " + ", ".join(program.order) + "; where the funds run out a category is "
          + ("prorated, rounding down to the cent, and later ones get nothing." if program.shortfall == "prorate"
             else "not paid, nor are later ones.")
          + " The tier definitions and the shortfall rule could not be verified: they are configurable data "
            "(the order is the statute's: industry certificates, then workplace training, then computer-science "
            "AP)."),
         (f"HB18-1266: no district's industry-certificate claims count beyond {program.cap_percent}% of the "
          f"number of completed industry certificates reported statewide ({computed.certificates} reported: at most "
          f"{counted(cap_count, 'certificate')} per district); claims above it are not paid."),
         ("A qualified credential is on Colorado's incentive list in the school year earned; internships / "
          "workplace training and computer-science AP courses come from the report's inputs; the claiming "
          "district is the institution that registered the student.")],
    )

"""A realistic, entirely fictional demo district: `load_demo`.

Riverbend Unified (a district, configured as an Ohio district in the instance's
`issuer-states.json`, with its CTE center and Lakeshore; their invented IRNs and district codes in
`issuer-codes.json`), the Riverbend Career &
Technical Center its students attend half days (the district shares its roster with the center, which
records most of their CTE credentials), and Lakeshore County Schools that one
student moves to (an offer Lakeshore accepts, and the move recorded: Lakeshore becomes the district of
record). Every student has a (fictional) state id; the students whose class has graduated have their
graduation recorded. The catalog and listings are
`credledger_tools.demo.catalog`'s. Students are invented names; the same seed
always gives the same district. The first student is of the class of 2026 (the
Ohio framework of 2023 on) and the eighth of the class of 2022 (the credential
option, with credentials and WorkKeys from before graduation). The Missouri and
Colorado listings and Riverbend's Menu of Options are there to exercise those
states' rules and reports (`--state`). May import ledger.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from ledger.application import IssueRequest, Ledger
from credledger_tools.demo.catalog import CATALOG, define_demo_catalog, load_listings
from ledger.assessments import AssessmentRequest, record_assessments
from ledger.enrollment import ENROLLED, GRADUATED, MOVED, EnrollmentFact, record_enrollment
from ledger.errors import InputError, NotFoundError
from ledger.pathways.states import write_issuer_states
from ledger.reports.codes import write_issuer_codes

# The state of each demo institution (ledger.pathways.states): written to the instance's issuer-states.json.
ISSUER_STATES = {"riverbend": "OH", "riverbend-ctc": "OH", "lakeshore": "OH"}
# The codes the state files name each institution by (ledger.reports.codes: issuer-codes.json): INVENTED, of
# the right shape (an Ohio IRN has six digits); the district and location codes and the delivery method are
# for the state files of New Mexico's layout and Colorado's claims, which the demo writes as well.
ISSUER_CODES = {
    "riverbend": {"irn": "099901", "district_code": "901", "location_code": "901-010", "delivery_method": "01"},
    "riverbend-ctc": {"irn": "099903", "district_code": "903", "location_code": "903-010", "delivery_method": "02"},
    "lakeshore": {"irn": "099902", "district_code": "902", "location_code": "902-010", "delivery_method": "01"},
}
# Student (by registration order) -> (birth date, graduating class): the first is of the class of 2026, the
# eighth of the class of 2022 (demos of eight students or more).
FIXED_CLASSES = {0: ("2007-11-14", 2026), 7: ("2003-12-02", 2022)}

ISSUERS = [
    ("riverbend", "Riverbend Unified School District", "district"),
    ("riverbend-ctc", "Riverbend Career & Technical Center", "cte_center"),
    ("lakeshore", "Lakeshore County Schools", "district"),
]

# Pathways a CTE student follows: credentials usually earned together.
PATHWAYS = [
    ["servsafe-handler", "servsafe-manager", "osha10-general"],
    ["comptia-a-plus", "comptia-network-plus", "comptia-security-plus", "cisco-ccna"],
    ["bls-provider", "stna", "ccma", "cpht"],
    ["osha10-construction", "nccer-core", "epa-608"],
    ["osha10-general", "aws-certified-welder", "mssc-clt"],
    ["ase-entry-level", "osha10-general"],
    ["mos-excel", "adobe-certified-professional"],
    ["bls-provider", "emt"],
]

FIRST = ["Avery", "Jordan", "Maya", "Elijah", "Sofia", "Mateo", "Harper", "Noah", "Amara", "Liam", "Zoe",
         "Kai", "Nora", "Ezra", "Lena", "Omar", "Priya", "Theo", "Ines", "Caleb", "Rosa", "Dmitri", "Hana", "Felix"]
LAST = ["Okafor", "Lindqvist", "Marchetti", "Nakamura", "Abernathy", "Quintero", "Valdivia", "Oyelaran",
        "Brightwater", "Castellanos", "Holloway", "Petrosyan", "Whitfield", "Delacroix", "Yamashiro", "Ferreira"]


def load_demo(ledger: Ledger, *, students: int = 50, seed: int = 7) -> dict[str, Any]:
    """Load the district into a ledger without it (InputError if it is there already); what was stored."""
    rng = random.Random(seed)
    try:
        ledger.issuer(ISSUERS[0][0])
        raise InputError.for_field("demo", "the demo data is already loaded")
    except NotFoundError:
        pass
    for slug, name, kind in ISSUERS:
        ledger.register_issuer(slug, name, kind)
    write_issuer_states(ledger.config.data_dir, ISSUER_STATES)
    write_issuer_codes(ledger.config.data_dir, ISSUER_CODES)
    define_demo_catalog(ledger)
    listings = load_listings(ledger)
    today = ledger.clock().date()
    claims = [
        {"name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
         "birth_date": (date(2007, 9, 1) + timedelta(days=rng.randrange(3 * 365))).isoformat(),
         "local_id": f"RB-{100000 + i}", "state_id": f"XZ{3100000 + i}"}  # an SSID's shape; XZ is no real prefix
        for i in range(students)
    ]
    for index, (birth, _) in FIXED_CLASSES.items():
        if index < len(claims):
            claims[index]["birth_date"] = birth
    student_ids = ledger.register_students("riverbend", claims,
                                           cohorts=[_cohort(date.fromisoformat(c["birth_date"])) for c in claims])
    # The district shares its CTE roster with the center its students attend half days,
    # so the center's registrar can find them and record what they earn there.
    share = ledger.share_roster("riverbend", "riverbend-ctc", student_ids, purpose="record",
                                until=today + timedelta(days=365), note="CTE roster, school year")

    graduated = {student_ids[i]: cohort for i, (_, cohort) in FIXED_CLASSES.items()
                 if i < len(student_ids) and cohort < today.year}
    requests = []
    for student_id in student_ids:
        codes: list[str] = []
        for pathway in rng.sample(PATHWAYS, k=rng.choice((1, 2, 2))):
            codes += [c for c in pathway[: rng.randint(2, len(pathway))] if c not in codes]
        for code in codes + ["ncrc-workkeys"] * rng.randint(0, 1):
            earned = today - timedelta(days=rng.randrange(30, 900))
            if student_id in graduated:  # a graduate's credentials were earned in high school
                earned = date(graduated[student_id], 5, 1) - timedelta(days=(today - earned).days % 700)
            # Most CTE credentials are attested by the center the student attends.
            issuer = "riverbend-ctc" if code != "ncrc-workkeys" and rng.random() < 0.75 else "riverbend"
            evidence: dict[str, str | int] = {"certificate": f"{code[:4].upper()}-{rng.randrange(10**6, 10**7)}"}
            if code in ("ncrc-workkeys", "comptia-a-plus", "servsafe-manager"):
                evidence["score"] = rng.randrange(70, 100)
            requests.append(IssueRequest(issuer, student_id, code, earned, evidence))
    half = len(requests) // 2
    awards = ledger.issue(requests[:half])
    # A key rotation half way: awards before it stay valid under the retired key.
    ledger.rotate_issuer_key("riverbend-ctc")
    awards += ledger.issue(requests[half:])

    by_award = dict(zip(awards, requests))
    revoked = rng.sample(awards, k=max(1, len(awards) // 60))
    for award_id in revoked:
        ledger.revoke(award_id, "issued_in_error", "Recorded for the wrong student; corrected by the registrar.")
    # One amendment: the wrong earned date is revoked as superseded and replaced.
    amended = next(a for a in awards if a not in revoked)
    ledger.revoke(amended, "superseded", "Earned date corrected from the score report.")
    old = by_award[amended]
    ledger.issue([IssueRequest(old.issuer, old.student, old.credential, old.earned - timedelta(days=7),
                               old.evidence, supersedes=amended)])

    # One student moves to Lakeshore: the district's records of them change custody.
    mover = next(s for i, s in reversed(list(enumerate(student_ids))) if i not in FIXED_CLASSES)  # not a graduate
    movable = [a for a, r in by_award.items() if r.student == mover and r.issuer == "riverbend" and a not in revoked]
    if not movable:
        movable = ledger.issue([IssueRequest("riverbend", mover, "ncrc-workkeys", today - timedelta(days=40),
                                             {"certificate": "NCRC-4410273", "score": 85})])
    # Riverbend offers the record; Lakeshore's registrar accepts it.
    offer = ledger.offer_transfer("riverbend", "lakeshore", mover, "Student enrolled at Lakeshore County Schools")
    ledger.accept_transfer(offer, "lakeshore")
    # The move itself: Lakeshore becomes the district of record (its reports count the student); Riverbend's
    # history of the student stays. Lakeshore then records the enrollment at its high school.
    record_enrollment(ledger, "riverbend", mover, EnrollmentFact(MOVED, today - timedelta(days=45), "lakeshore"))
    record_enrollment(ledger, "lakeshore", mover, EnrollmentFact(ENROLLED, today - timedelta(days=44), "LCS-HS"))
    # The students whose class has graduated by now: their graduation is recorded (Perkins V 5S1 reads it).
    graduates = []
    for index, (_, cohort) in FIXED_CLASSES.items():
        day = date(cohort, 5, 30)
        if index < len(student_ids) and day <= today:
            record_enrollment(ledger, "riverbend", student_ids[index], EnrollmentFact(GRADUATED, day, "regular"))
            graduates.append(student_ids[index])
    assessments = _load_workkeys(ledger, student_ids, by_award, today, random.Random(seed + 1), graduated)
    return {
        "issuers": len(ISSUERS),
        "credentials": len(CATALOG),
        "students": len(student_ids),
        "awards": len(awards) + 1,
        "revocations": len(revoked) + 1,
        "transfers": len(ledger.transfer_offer(offer).awards),
        "key_rotations": 1,
        "listings": listings,
        "assessments": assessments,
        "sample_student": student_ids[0],
        "transferred_student": mover,
        "moved_student": mover,
        "graduated": len(graduates),
        "graduates": graduates,
        "roster_share": share,
    }


def _cohort(birth: date) -> int:
    """The usual graduating class for a birth date (a school year starts on 1 September for age)."""
    return birth.year + (19 if birth.month >= 9 else 18)


def _load_workkeys(ledger: Ledger, students: list[str], by_award: dict[str, IssueRequest], today: date,
                   rng: random.Random, graduated: dict[str, int]) -> int:
    """WorkKeys sittings: every NCRC holder, a third of the other students, and the graduates (in school)."""
    holders = {r.student for r in by_award.values() if r.credential == "ncrc-workkeys"}
    requests = []
    for student in students:
        if student not in holders and rng.random() > 0.33 and student not in graduated:
            continue
        taken = today - timedelta(days=rng.randrange(60, 700))
        if student in graduated:
            taken = date(graduated[student], 2, 1) - timedelta(days=(today - taken).days % 300)
        scores = {test: rng.choice((3, 4, 4, 5, 5, 6, 7)) for test in
                  ("appliedMath", "graphicLiteracy", "workplaceDocuments")}
        requests.append(AssessmentRequest("riverbend", student, taken, scores,
                                          {"report": f"WK-{rng.randrange(10**6, 10**7)}"}))
        if rng.random() < 0.3:  # a retake of one test
            test = rng.choice(sorted(scores))
            requests.append(AssessmentRequest("riverbend", student, taken + timedelta(days=45),
                                              {test: min(7, scores[test] + 1)}))
    return len(record_assessments(ledger, requests))

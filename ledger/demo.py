"""A realistic, entirely fictional demo district.

Riverbend Unified (a district), the Riverbend Career & Technical Center its
students attend half days, and Lakeshore County Schools that one student moves
to. The catalog is the sample in DOMAIN.md. Students are invented names; the
same seed always gives the same district.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from ledger.application import IssueRequest, Ledger
from ledger.errors import InputError, NotFoundError

ISSUERS = [
    ("riverbend", "Riverbend Unified School District", "district"),
    ("riverbend-ctc", "Riverbend Career & Technical Center", "cte_center"),
    ("lakeshore", "Lakeshore County Schools", "district"),
]

# code, name, certifying body, type, validity in months (None: never expires), career field
CATALOG: list[tuple[str, str, str, str, int | None, str | None]] = [
    ("servsafe-manager", "ServSafe Food Protection Manager", "National Restaurant Association", "certification", 60, "Hospitality & Tourism"),
    ("servsafe-handler", "ServSafe Food Handler", "National Restaurant Association", "certificate", 36, "Hospitality & Tourism"),
    ("osha10-general", "OSHA 10-Hour General Industry", "OSHA Outreach Training Program", "certificate", None, "Manufacturing"),
    ("osha10-construction", "OSHA 10-Hour Construction", "OSHA Outreach Training Program", "certificate", None, "Construction"),
    ("comptia-a-plus", "CompTIA A+", "CompTIA", "certification", 36, "Information Technology"),
    ("comptia-network-plus", "CompTIA Network+", "CompTIA", "certification", 36, "Information Technology"),
    ("comptia-security-plus", "CompTIA Security+", "CompTIA", "certification", 36, "Information Technology"),
    ("cisco-ccna", "Cisco CCNA", "Cisco", "certification", 36, "Information Technology"),
    ("mos-excel", "Microsoft Office Specialist: Excel", "Microsoft / Certiport", "certification", None, "Business, Marketing & Finance"),
    ("adobe-certified-professional", "Adobe Certified Professional", "Adobe / Certiport", "certification", 36, "Arts & Communications"),
    ("stna", "State Tested Nursing Assistant", "Ohio Department of Health", "license", 24, "Health"),
    ("cpht", "Certified Pharmacy Technician", "PTCB", "certification", 24, "Health"),
    ("ccma", "Certified Clinical Medical Assistant", "NHA", "certification", 24, "Health"),
    ("bls-provider", "BLS Provider", "American Heart Association", "certificate", 24, "Health"),
    ("emt", "Emergency Medical Technician", "NREMT", "certification", 24, "Law & Public Safety"),
    ("epa-608", "EPA Section 608", "U.S. EPA", "certification", None, "Construction"),
    ("aws-certified-welder", "AWS Certified Welder", "American Welding Society", "certification", 6, "Manufacturing"),
    ("nccer-core", "NCCER Core Curriculum", "NCCER", "certificate", None, "Construction"),
    ("ase-entry-level", "ASE Entry-Level", "ASE Education Foundation", "certification", 24, "Transportation"),
    ("mssc-clt", "Certified Logistics Technician", "MSSC", "certification", None, "Transportation"),
    ("ncrc-workkeys", "National Career Readiness Certificate (WorkKeys)", "ACT", "assessment", None, None),
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
    rng = random.Random(seed)
    try:
        ledger.issuer(ISSUERS[0][0])
        raise InputError.for_field("demo", "the demo data is already loaded")
    except NotFoundError:
        pass
    for slug, name, kind in ISSUERS:
        ledger.register_issuer(slug, name, kind)
    for code, name, body, kind, months, field in CATALOG:
        ledger.define_credential(code, {"name": name, "certifyingBody": body, "credentialType": kind,
                                        "validityMonths": months, "careerField": field})
    today = ledger.clock().date()
    claims = [
        {"name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
         "birth_date": (date(2007, 9, 1) + timedelta(days=rng.randrange(3 * 365))).isoformat(),
         "local_id": f"RB-{100000 + i}"}
        for i in range(students)
    ]
    student_ids = ledger.register_students("riverbend", claims)

    requests = []
    for student_id in student_ids:
        codes: list[str] = []
        for pathway in rng.sample(PATHWAYS, k=rng.choice((1, 2, 2))):
            codes += [c for c in pathway[: rng.randint(2, len(pathway))] if c not in codes]
        for code in codes + ["ncrc-workkeys"] * rng.randint(0, 1):
            earned = today - timedelta(days=rng.randrange(30, 900))
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
    mover = student_ids[-1]
    movable = [a for a, r in by_award.items() if r.student == mover and r.issuer == "riverbend" and a not in revoked]
    if not movable:
        movable = ledger.issue([IssueRequest("riverbend", mover, "ncrc-workkeys", today - timedelta(days=40),
                                             {"certificate": "NCRC-4410273", "score": 85})])
    ledger.transfer(movable, "lakeshore", "Student enrolled at Lakeshore County Schools")
    return {
        "issuers": len(ISSUERS),
        "credentials": len(CATALOG),
        "students": len(student_ids),
        "awards": len(awards) + 1,
        "revocations": len(revoked) + 1,
        "transfers": len(movable),
        "key_rotations": 1,
        "sample_student": student_ids[0],
        "transferred_student": mover,
    }

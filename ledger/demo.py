"""A realistic, entirely fictional demo district.

Riverbend Unified (a district), the Riverbend Career & Technical Center its
students attend half days (the district shares its roster with the center, which
records most of their CTE credentials), and Lakeshore County Schools that one
student moves to (an offer Lakeshore accepts). The catalog is the sample in DOMAIN.md. Students are invented names; the
same seed always gives the same district.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from ledger.application import IssueRequest, Ledger
from ledger.catalog import (
    AssessmentRequest,
    ListingRequest,
    define_catalog,
    delist_credential,
    list_credentials,
    record_assessments,
)
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

# Codes carried where the mapping is plain (blank where it is not): the 16-cluster Career
# Clusters framework, 2018 SOC, NAICS, CIP 2020.
CODES: dict[str, dict[str, str]] = {
    "servsafe-manager": {"careerCluster": "Hospitality & Tourism", "soc": "11-9051", "naics": "722"},
    "servsafe-handler": {"careerCluster": "Hospitality & Tourism", "naics": "722"},
    "osha10-general": {"careerCluster": "Manufacturing"},
    "osha10-construction": {"careerCluster": "Architecture & Construction", "naics": "23"},
    "comptia-a-plus": {"careerCluster": "Information Technology", "soc": "15-1232", "cip": "11.1006"},
    "comptia-network-plus": {"careerCluster": "Information Technology", "soc": "15-1244", "cip": "11.0901"},
    "comptia-security-plus": {"careerCluster": "Information Technology", "soc": "15-1212", "cip": "11.1003"},
    "cisco-ccna": {"careerCluster": "Information Technology", "soc": "15-1244", "cip": "11.0901"},
    "mos-excel": {"careerCluster": "Business Management & Administration"},
    "adobe-certified-professional": {"careerCluster": "Arts, A/V Technology & Communications"},
    "stna": {"careerCluster": "Health Science", "soc": "31-1131", "cip": "51.3902", "naics": "623"},
    "cpht": {"careerCluster": "Health Science", "soc": "29-2052", "cip": "51.0805"},
    "ccma": {"careerCluster": "Health Science", "soc": "31-9092", "cip": "51.0801"},
    "bls-provider": {"careerCluster": "Health Science"},
    "emt": {"careerCluster": "Law, Public Safety, Corrections & Security", "soc": "29-2042"},
    "epa-608": {"careerCluster": "Architecture & Construction", "soc": "49-9021", "cip": "47.0201"},
    "aws-certified-welder": {"careerCluster": "Manufacturing", "soc": "51-4121", "cip": "48.0508"},
    "nccer-core": {"careerCluster": "Architecture & Construction", "cip": "46.0000", "naics": "23"},
    "ase-entry-level": {"careerCluster": "Transportation, Distribution & Logistics", "soc": "49-3023",
                        "cip": "47.0604", "naics": "8111"},
    "mssc-clt": {"careerCluster": "Transportation, Distribution & Logistics"},
}

# State listings for the demo. ILLUSTRATIVE: points, program areas, tiers and Menu of Options
# entries are invented to exercise the rules, not checked against any state's list.
ILLUSTRATIVE = "Illustrative demo listing: not checked against the state list."
OHIO_POINTS = {
    "servsafe-manager": 6, "servsafe-handler": 1, "osha10-general": 1, "osha10-construction": 1,
    "comptia-a-plus": 6, "comptia-network-plus": 6, "comptia-security-plus": 6, "cisco-ccna": 12, "mos-excel": 3,
    "adobe-certified-professional": 6, "stna": 12, "cpht": 12, "ccma": 12, "bls-provider": 1, "emt": 12,
    "epa-608": 3, "aws-certified-welder": 6, "nccer-core": 3, "ase-entry-level": 6, "mssc-clt": 6,
}
# code: (program area, stackable)
MISSOURI = {
    "servsafe-manager": ("Culinary Arts", False), "servsafe-handler": ("Culinary Arts", True),
    "osha10-general": ("Manufacturing", True), "osha10-construction": ("Construction", True),
    "comptia-a-plus": ("Information Technology", False), "comptia-network-plus": ("Information Technology", False),
    "comptia-security-plus": ("Information Technology", False), "cisco-ccna": ("Information Technology", False),
    "mos-excel": ("Business", False), "adobe-certified-professional": ("Graphic Design", False),
    "stna": ("Health Sciences", False), "cpht": ("Health Sciences", False), "ccma": ("Health Sciences", False),
    "bls-provider": ("Health Sciences", True), "emt": ("Law & Public Safety", False),
    "epa-608": ("Construction", True), "aws-certified-welder": ("Manufacturing", False),
    "nccer-core": ("Construction", True), "ase-entry-level": ("Automotive Technology", False),
    "mssc-clt": ("Manufacturing", False),
}
COLORADO_TIER_2 = {"servsafe-handler", "bls-provider", "osha10-general", "osha10-construction"}
# Riverbend's own Menu of Options, signed by the district: code -> (meets English, meets math)
RIVERBEND_MENU = {
    "comptia-a-plus": (True, False), "cisco-ccna": (False, True), "mos-excel": (False, True),
    "servsafe-manager": (True, False), "cpht": (True, True), "ase-entry-level": (False, True),
}

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
    define_catalog(ledger, [
        {"code": code, "name": name, "certifyingBody": body, "credentialType": kind, "validityMonths": months,
         "careerField": field, **CODES.get(code, {})}
        for code, name, body, kind, months, field in CATALOG
    ])
    listings = _load_listings(ledger)
    today = ledger.clock().date()
    claims = [
        {"name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
         "birth_date": (date(2007, 9, 1) + timedelta(days=rng.randrange(3 * 365))).isoformat(),
         "local_id": f"RB-{100000 + i}"}
        for i in range(students)
    ]
    student_ids = ledger.register_students("riverbend", claims,
                                           cohorts=[_cohort(date.fromisoformat(c["birth_date"])) for c in claims])
    # The district shares its CTE roster with the center its students attend half days,
    # so the center's registrar can find them and record what they earn there.
    share = ledger.share_roster("riverbend", "riverbend-ctc", student_ids, purpose="record",
                                until=today + timedelta(days=365), note="CTE roster, school year")

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
    # Riverbend offers the record; Lakeshore's registrar accepts it.
    offer = ledger.offer_transfer("riverbend", "lakeshore", mover, "Student enrolled at Lakeshore County Schools")
    ledger.accept_transfer(offer, "lakeshore")
    assessments = _load_workkeys(ledger, student_ids, by_award, today, random.Random(seed + 1))
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
        "roster_share": share,
    }


def _cohort(birth: date) -> int:
    """The usual graduating class for a birth date (a school year starts on 1 September for age)."""
    return birth.year + (19 if birth.month >= 9 else 18)


def _load_listings(ledger: Ledger) -> int:
    """Illustrative Ohio, Missouri and Colorado listings from 2019-20 on (see ILLUSTRATIVE)."""
    first = 2020  # school year 2019-20
    requests = [ListingRequest("OH", code, first, None, {"careerField": field, "points": OHIO_POINTS[code]},
                               note=ILLUSTRATIVE)
                for code, _, _, _, _, field in CATALOG if code in OHIO_POINTS and field]
    requests += [ListingRequest("MO", code, first, None, {"listKind": "irc", "programArea": area,
                                                          "stackable": stackable}, note=ILLUSTRATIVE)
                 for code, (area, stackable) in MISSOURI.items()]
    requests += [ListingRequest("CO", code, first, None, {"incentiveTier": 2 if code in COLORADO_TIER_2 else 1},
                                note=ILLUSTRATIVE) for code, *_ in CATALOG if code != "ncrc-workkeys"]
    stored = list_credentials(ledger, requests)["listed"]
    # The district signs its own Menu of Options.
    menu = [ListingRequest("CO", code, first, None, {"meetsEnglish": english, "meetsMath": math},
                           district="riverbend", note=ILLUSTRATIVE)
            for code, (english, math) in RIVERBEND_MENU.items()]
    stored += list_credentials(ledger, menu, as_district="riverbend")["listed"]
    # A revision: Ohio sunsets the food handler card from 2025-26 (earlier years keep it).
    delist_credential(ledger, "OH", "servsafe-handler", 2026, None, "Illustrative sunset of the demo listing.")
    return stored + 1


def _load_workkeys(ledger: Ledger, students: list[str], by_award: dict[str, IssueRequest], today: date,
                   rng: random.Random) -> int:
    """WorkKeys sittings: every NCRC holder, and a third of the other students."""
    holders = {r.student for r in by_award.values() if r.credential == "ncrc-workkeys"}
    requests = []
    for student in students:
        if student not in holders and rng.random() > 0.33:
            continue
        taken = today - timedelta(days=rng.randrange(60, 700))
        scores = {test: rng.choice((3, 4, 4, 5, 5, 6, 7)) for test in
                  ("appliedMath", "graphicLiteracy", "workplaceDocuments")}
        requests.append(AssessmentRequest("riverbend", student, taken, scores,
                                          {"report": f"WK-{rng.randrange(10**6, 10**7)}"}))
        if rng.random() < 0.3:  # a retake of one test
            test = rng.choice(sorted(scores))
            requests.append(AssessmentRequest("riverbend", student, taken + timedelta(days=45),
                                              {test: min(7, scores[test] + 1)}))
    return len(record_assessments(ledger, requests))

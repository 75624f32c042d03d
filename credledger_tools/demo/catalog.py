"""The demo catalog and its state listings: DOMAIN.md's sample credentials, with codes.

The catalog is real credentials with their certifying bodies; the Ohio,
Missouri, Colorado and New Mexico listings (with Ohio's EMIS assessment area
codes and New Mexico's state credential codes) (and Riverbend's Menu of Options) are
ILLUSTRATIVE: invented to exercise the rules, not checked against any
state's list. Used by the demo district and by the benchmarks that want a
realistic catalog. May import ledger.
"""

from __future__ import annotations

from typing import Any

from ledger.application import Ledger
from ledger.catalog import define_catalog
from ledger.listings import ListingRequest, delist_credential, list_credentials

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

# Certifying bodies' public pages for looking a certificate up (the same page for everyone: no
# student's data in it). Only where the body publishes one; the demo's numbers are invented, so a
# lookup finds nothing: the link shows where an employer checks a real one.
LOOKUP_URLS: dict[str, str] = {
    "emt": "https://www.nremt.org/verify-credentials",
    "stna": "https://nurseaideregistry.odh.ohio.gov/",
    **{code: "https://www.certmetrics.com/comptia/public/verification.aspx"
       for code in ("comptia-a-plus", "comptia-network-plus", "comptia-security-plus")},
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
# Not recognized postsecondary credentials under WIOA guidance (TEGL 10-16: OSHA 10, food handler, CPR, general
# computer skills); every other listed credential is marked `postsecondary` (Perkins V 5S1) on each state's list.
NOT_POSTSECONDARY = {"osha10-general", "osha10-construction", "servsafe-handler", "bls-provider", "mos-excel"}
# Ohio: "a state-issued license for a practice in a vocation that requires an examination" (the IRC Seal).
OHIO_EXAM_LICENSES = {"stna"}
COLORADO_TIER_2 = {"servsafe-handler", "bls-provider", "osha10-general", "osha10-construction"}
# Ohio's EMIS assessment area code of each listed credential (the FA record, test type GW): INVENTED codes of
# the right shape (DEW's code list is not reproduced here), one per credential.
OHIO_EMIS_AREAS = {code: f"D{101 + i}" for i, code in enumerate(sorted(OHIO_POINTS))}
# New Mexico's state credential codes (the STARS CTE credential file): INVENTED, for the credentials with a CIP
# code (the file needs one).
NEW_MEXICO_CODES = {code: f"NMX-{i + 1:03d}" for i, code in enumerate(sorted(c for c, v in CODES.items() if "cip" in v))}
# Riverbend's own Menu of Options, signed by the district: code -> (meets English, meets math)
RIVERBEND_MENU = {
    "comptia-a-plus": (True, False), "cisco-ccna": (False, True), "mos-excel": (False, True),
    "servsafe-manager": (True, False), "cpht": (True, True), "ase-entry-level": (False, True),
}


def catalog_entries() -> list[dict[str, Any]]:
    """The catalog as `define_catalog` takes it."""
    return [{"code": code, "name": name, "certifyingBody": body, "credentialType": kind, "validityMonths": months,
             "careerField": field, **CODES.get(code, {}),
             **({"lookupUrl": LOOKUP_URLS[code]} if code in LOOKUP_URLS else {})}
            for code, name, body, kind, months, field in CATALOG]


def define_demo_catalog(ledger: Ledger) -> None:
    define_catalog(ledger, catalog_entries())


def load_listings(ledger: Ledger) -> int:
    """Illustrative Ohio, Missouri, Colorado and New Mexico listings from 2019-20 on (see ILLUSTRATIVE)."""
    first = 2020  # school year 2019-20
    def marks(code: str) -> dict[str, bool]:
        return {"postsecondary": code not in NOT_POSTSECONDARY}

    requests = [ListingRequest("OH", code, first, None, {"careerField": field, "points": OHIO_POINTS[code],
                                                         **marks(code), "emisArea": OHIO_EMIS_AREAS[code],
                                                         **({"examLicense": True} if code in OHIO_EXAM_LICENSES
                                                            else {})}, note=ILLUSTRATIVE)
                for code, _, _, _, _, field in CATALOG if code in OHIO_POINTS and field]
    requests += [ListingRequest("MO", code, first, None, {"listKind": "irc", "programArea": area,
                                                          "stackable": stackable, **marks(code)}, note=ILLUSTRATIVE)
                 for code, (area, stackable) in MISSOURI.items()]
    requests += [ListingRequest("CO", code, first, None, {"incentiveTier": 2 if code in COLORADO_TIER_2 else 1,
                                                          **marks(code)},
                                note=ILLUSTRATIVE) for code, *_ in CATALOG if code != "ncrc-workkeys"]
    requests += [ListingRequest("NM", code, first, None, {"stateCode": state_code, **marks(code)}, note=ILLUSTRATIVE)
                 for code, state_code in NEW_MEXICO_CODES.items()]
    stored = list_credentials(ledger, requests)["listed"]
    # The district signs its own Menu of Options.
    menu = [ListingRequest("CO", code, first, None, {"meetsEnglish": english, "meetsMath": math},
                           district="riverbend", note=ILLUSTRATIVE)
            for code, (english, math) in RIVERBEND_MENU.items()]
    stored += list_credentials(ledger, menu, as_district="riverbend")["listed"]
    # A revision: Ohio sunsets the food handler card from 2025-26 (earlier years keep it).
    delist_credential(ledger, "OH", "servsafe-handler", 2026, None, "Illustrative sunset of the demo listing.")
    return stored + 1

"""Listings, assessments and cohorts as signed events; CSV import; reports against raw event counts.

Ledger tests run on both backends. Report totals are checked against counts
made independently from `Ledger.student_history` (the signed documents), never
from the read models the reports use. Schools and people are fictional; the
listings are illustrative.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from credledger_tools.demo.district import load_demo
from ledger.application import IssueRequest, Ledger, _Batch
from ledger.assessments import AssessmentRequest, record_assessments
from ledger.audit import audit
from ledger.catalog import define_catalog, parse_catalog_csv
from ledger.errors import InputError, RejectedError
from ledger.instance import init_instance, migrate_instance
from ledger.listings import ListingRequest, delist_credential, list_credentials, parse_listings_csv
from ledger.pathways import ListingBook
from ledger.readmodels import Projections
from ledger.reports import build_report
from ledger.reports.colorado import colorado_incentive
from ledger.reports.data import AwardRow, ReportData, load_report_data
from ledger.reports.irc_summary import irc_summary
from ledger.reports.perkins import perkins_5s1
from ledger.reports.student import student_pathways
from ledger.pathways.states import write_issuer_states
from ledger.statelists import Segment, school_year_of, school_year_to_text
from verifiers.protocol import documents as d

CATALOG = [
    {"code": "stna", "name": "State Tested Nursing Assistant", "certifyingBody": "Ohio Department of Health",
     "credentialType": "license", "validityMonths": 24, "careerField": "Health", "careerCluster": "Health Science",
     "soc": "31-1131", "cip": "51.3902"},
    {"code": "cpht", "name": "Certified Pharmacy Technician", "certifyingBody": "PTCB",
     "credentialType": "certification", "validityMonths": 24, "careerField": "Health"},
    {"code": "osha10-general", "name": "OSHA 10-Hour General Industry", "certifyingBody": "OSHA Outreach Training "
     "Program", "credentialType": "certificate", "validityMonths": None, "careerField": "Manufacturing"},
]
CLAIMS = {"name": "Ottoline Marsh-Abernethy", "birth_date": "2008-02-11", "local_id": "AV-30117"}


def world(ledger: Ledger) -> str:
    ledger.register_issuer("aspen-valley", "Aspen Valley School District", "district")
    ledger.register_issuer("aspen-tech", "Aspen Technical Center", "cte_center")
    ledger.register_issuer("pine-ridge", "Pine Ridge School District", "district")
    assert define_catalog(ledger, CATALOG) == {"defined": ["stna", "cpht", "osha10-general"], "updated": [],
                                               "unchanged": []}
    student = ledger.register_student("aspen-valley", CLAIMS, cohort=2027)
    ledger.share_roster("aspen-valley", "aspen-tech", [student], purpose="record",
                        until=ledger.clock().date() + timedelta(days=300))
    return student


def ohio(code: str, points: int, first: int = 2020, last: int | None = None) -> ListingRequest:
    return ListingRequest("OH", code, first, last, {"careerField": "Health", "points": points}, note="illustrative")


# Events ------------------------------------------------------------------------------


def test_listings_are_operator_events_and_a_district_signs_its_own_menu(ledger: Ledger) -> None:
    world(ledger)
    assert list_credentials(ledger, [ohio("stna", 6), ohio("cpht", 12)]) == {"listed": 2, "unchanged": 0}
    assert list_credentials(ledger, [ohio("stna", 6)]) == {"listed": 0, "unchanged": 1}  # a re-import
    assert list_credentials(ledger, [ohio("stna", 12, first=2026)])["listed"] == 1  # a revision: a second event
    menu = ListingRequest("CO", "cpht", 2021, None, {"meetsEnglish": False, "meetsMath": True}, district="aspen-valley")
    assert list_credentials(ledger, [menu], as_district="aspen-valley")["listed"] == 1
    delist_credential(ledger, "OH", "cpht", 2027, None, "Sunset in 2026-27.")

    stna = ledger.stream(d.listing_stream("OH", None, "stna"))
    assert [(s.first, s.last, s.terms["points"]) for s in stna.segments] == [(2020, 2025, 6), (2026, None, 12)]
    docs = [doc for _, doc, _ in ledger.documents_of(ledger.store.select_journal_of_type(d.CREDENTIAL_LISTED))]
    assert [doc["actor"] for doc in docs] == [ledger.operator_did] * 3 + [ledger.issuer("aspen-valley").did]
    assert docs[0]["effectiveFrom"] == "2019-20" and docs[0]["effectiveTo"] is None and docs[0]["note"] == "illustrative"
    assert audit(ledger).ok

    pine = ledger.issuer("pine-ridge").did
    aspen = ledger.issuer("aspen-valley").did
    cases = [  # (actor, state, district, code) -> refusal code
        (pine, "CO", aspen, "stna", "not_authorized"),  # another district's menu
        (aspen, "OH", None, "stna", "not_authorized"),  # a district cannot sign a state list
        (ledger.operator_did, "OH", None, "no-such-code", "not_found"),
    ]
    for actor, state, district, code, refusal in cases:
        terms = {"meetsEnglish": True, "meetsMath": True} if district else {"careerField": "Health", "points": 3}
        doc = _Batch(ledger).build(d.CREDENTIAL_LISTED, d.listing_stream(state, district, code), actor=actor,
                                   credential=code, state=state, district=district, effectiveFrom="2025-26",
                                   effectiveTo=None, terms=terms)
        with pytest.raises(RejectedError) as info:
            ledger.submit([doc])
        assert info.value.code == refusal
    bad = _Batch(ledger).build(d.CREDENTIAL_LISTED, d.listing_stream("OH", None, "cpht"), actor=ledger.operator_did,
                               credential="cpht", state="OH", district=None, effectiveFrom="2025-26",
                               effectiveTo="2024-25", terms={"careerField": "Cooking", "points": 30})
    with pytest.raises(InputError) as error:
        ledger.submit([bad])
    assert "events[0].terms" in error.value.errors or "events[0].effectiveTo" in error.value.errors
    with pytest.raises(InputError):
        list_credentials(ledger, [menu], as_district="pine-ridge")


def test_assessments_are_issuer_signed_events_and_cohorts_are_on_the_student(ledger: Ledger) -> None:
    student = world(ledger)
    assert ledger.student(student).cohort == 2027
    (sitting,) = record_assessments(ledger, [AssessmentRequest("aspen-valley", student, date(2026, 3, 2), {
        "appliedMath": 5, "graphicLiteracy": 4, "workplaceDocuments": 6}, {"report": "WK-5550123"})])
    history = [doc["type"] for _, doc, _ in ledger.student_history(student)]
    assert history == [d.STUDENT_REGISTERED, d.ASSESSMENT_RECORDED]
    assert ledger.stream(sitting).scores == {"appliedMath": 5, "graphicLiteracy": 4, "workplaceDocuments": 6}
    for scores in ({"appliedMath": 2}, {"appliedMath": 8}, {"reading": 5}, {}):
        with pytest.raises(InputError):
            record_assessments(ledger, [AssessmentRequest("aspen-valley", student, date(2026, 3, 2), scores)])
    with pytest.raises(RejectedError) as info:
        record_assessments(ledger, [AssessmentRequest("aspen-valley", student, date(2027, 3, 2), {"appliedMath": 5})])
    assert info.value.code == "future_date"
    with pytest.raises(InputError):
        ledger.register_student("aspen-valley", CLAIMS, cohort=27)
    assert audit(ledger).ok


def test_pathways_from_the_read_models_and_a_rebuild_reproduces_them(ledger: Ledger) -> None:
    student = world(ledger)
    list_credentials(ledger, [ohio("stna", 6), ohio("cpht", 12)])
    ledger.issue([IssueRequest("aspen-tech", student, "stna", date(2026, 2, 1), {"certificate": "ST-1"})])
    record_assessments(ledger, [AssessmentRequest("aspen-valley", student, date(2026, 3, 2), {
        "appliedMath": 4, "graphicLiteracy": 3, "workplaceDocuments": 4})])
    projections = Projections.of(ledger)
    # The ledger holds Ohio's list only: Aspen Valley is an Ohio district, and its class of 2027 sees the
    # framework of 2023 on (no credential option), with what would close the gap in Health.
    results = {r.rule: r for r in student_pathways(projections, student, today=date(2026, 9, 1))}
    assert set(results) == {"oh-irc-seal", "oh-demonstrations", "oh-report-card", "ncrc"}
    assert results["ncrc"].summary.startswith("Bronze: the lowest of the best levels is 3")  # ACT's, from the sitting
    seal = results["oh-irc-seal"]
    assert seal.status == "not met"  # STNA is a license, but not listed as exam-based: 6 points
    assert seal.missing[0] == ("a 12-point credential, 6 more points in Health, or a state-issued license for a "
                               "vocation that requires an examination")
    assert [c.name for c in seal.counted] == ["State Tested Nursing Assistant"]
    assert seal.closes_gap == ("Certified Pharmacy Technician (12 points)",)
    explicit = {r.rule: r for r in student_pathways(projections, student, today=date(2026, 9, 1), states=["OH"])}
    assert explicit["oh-credential-option"].status == "not applicable"
    # A second state's list: the state of record is no longer evident, and is not guessed ...
    list_credentials(ledger, [ListingRequest("MO", "stna", 2020, None, {"listKind": "irc", "programArea": "Health",
                                                                         "stackable": False})])
    unknown, certificate = student_pathways(projections, student, today=date(2026, 9, 1))
    assert certificate.rule == "ncrc" and unknown.status == "unknown" and "issuer-states.json" in unknown.summary
    # ... until it is configured.
    write_issuer_states(ledger.config.data_dir, {"aspen-valley": "MO"})
    assert {r.rule for r in student_pathways(projections, student, today=date(2026, 9, 1))} == {
        "mo-irc", "mo-cte-certificate", "ncrc"}
    assert {r.rule for r in student_pathways(projections, student, today=date(2026, 9, 1))}
    before = projections.dump()
    assert {"rm_listings", "rm_assessments"} <= set(before) and len(before["rm_listings"]) == 3
    projections.rebuild()
    assert projections.dump() == before


def test_an_older_sqlite_database_gains_the_new_columns_on_migrate(tmp_path: Path) -> None:
    # SQLite only: it has no ADD COLUMN IF NOT EXISTS, so that path is the special one.
    init_instance(tmp_path / "instance", "test-passphrase", scrypt_n=2**10).close()
    db = sqlite3.connect(tmp_path / "instance" / "ledger.sqlite")
    db.execute("ALTER TABLE rm_credentials DROP COLUMN career_cluster")
    db.execute("ALTER TABLE rm_students DROP COLUMN cohort")
    db.commit()
    migrate_instance(tmp_path / "instance", "test-passphrase")
    columns = [row[1] for row in db.execute("PRAGMA table_info(rm_credentials)")]
    assert "career_cluster" in columns and "cohort" in [r[1] for r in db.execute("PRAGMA table_info(rm_students)")]
    db.close()


# CSV import ------------------------------------------------------------------------


def test_catalog_csv_import_checks_every_row_and_stores_all_or_nothing(ledger: Ledger) -> None:
    world(ledger)
    bad = ("code,name,certifying_body,type,validity_months,career_field,soc,cip\n"
           "epa-608,EPA Section 608,U.S. EPA,certification,,Construction,49-9021,47.0201\n"
           "Bad Code,X,Y,certification,,,,\n"
           "aws,AWS Certified Welder,American Welding Society,badge,six,Manufacturing,51-412,48\n"
           "epa-608,again,U.S. EPA,certification,,,,\n")
    with pytest.raises(InputError) as error:
        parse_catalog_csv(bad)
    assert set(error.value.errors) == {"row 3.code", "row 4.type", "row 4.validity_months", "row 4.soc",
                                       "row 5.code"}
    assert str(error.value).startswith("3 of 4 rows are invalid; nothing was stored")
    good = ("code,name,certifying_body,type,validity_months,career_field,career_cluster,soc,naics,cip\n"
            "epa-608,EPA Section 608,U.S. EPA,certification,,Construction,Architecture & Construction,49-9021,,"
            "47.0201\n"
            "stna,State Tested Nursing Assistant,Ohio Department of Health,license,24,Health,Health Science,"
            "31-1131,623,51.3902\n")
    done = define_catalog(ledger, parse_catalog_csv(good))
    assert done == {"defined": ["epa-608"], "updated": ["stna"], "unchanged": []}  # stna gains its NAICS code
    assert ledger.credential("epa-608").fields["cip"] == ["47.0201"]
    assert ledger.credential("stna").fields["naics"] == "623"
    assert define_catalog(ledger, parse_catalog_csv(good))["unchanged"] == ["epa-608", "stna"]


def test_a_catalog_entry_names_its_public_lookup_page_only_as_an_https_address(ledger: Ledger) -> None:
    world(ledger)
    header = "code,name,certifying_body,lookup_url\n"
    with pytest.raises(InputError) as error:
        parse_catalog_csv(header + "emt,EMT,NREMT,http://www.nremt.org/verify\n"
                                   "cpht,CPhT,PTCB,javascript:alert(1)\n"
                                   "ccma,CCMA,NHA,https://lookup.example/a b\n")
    assert error.value.errors == {f"row {n}.lookup_url": ["an https:// address of a public lookup page"]
                                  for n in (2, 3, 4)}
    assert "emt" not in [c.code for c in ledger.credentials()]  # nothing stored
    define_catalog(ledger, parse_catalog_csv(header + "emt,Emergency Medical Technician,NREMT,"
                                                      "https://www.nremt.org/verify-credentials\n"))
    assert ledger.credential("emt").fields["lookupUrl"] == "https://www.nremt.org/verify-credentials"


def test_listings_csv_import_per_state_with_row_errors(ledger: Ledger) -> None:
    world(ledger)
    text = ("state,credential,effective_from,effective_to,district,career_field,points,list_kind,program_area,"
            "stackable,meets_english,meets_math,incentive_tier,note\n"
            "OH,stna,2019-20,,,Health,6,,,,,,,illustrative\n"
            "MO,osha10-general,2019-20,2024-25,,,,irc,Manufacturing,yes,,,,\n"
            "CO,cpht,2020-21,,aspen-valley,,,,,,no,yes,,\n"
            "CO,cpht,2020-21,,,,,,,,,,1,\n")
    requests = parse_listings_csv(ledger, text)
    assert [(r.state, r.district, r.effective_to) for r in requests] == [
        ("OH", None, None), ("MO", None, 2025), ("CO", "aspen-valley", None), ("CO", None, None)]
    assert requests[1].terms == {"listKind": "irc", "programArea": "Manufacturing", "stackable": True}
    bad = ("credential,effective_from,career_field,points,district,program_area\n"
           "stna,2019-20,Health,6,,\n"
           "stna,2019,Health,6,,\n"
           "nope,2019-20,Cooking,13,,\n"
           "cpht,2019-20,Health,,aspen-valley,Health\n")
    with pytest.raises(InputError) as error:
        parse_listings_csv(ledger, bad, state="OH")
    assert error.value.errors == {
        "row 3.effective_from": ["a school year like 2024-25"],
        "row 4.credential": ["no credential 'nope' in the catalog (import the catalog first)"],
        "row 4.career_field": [error.value.errors["row 4.career_field"][0]],
        "row 4.points": ["points is between 1 and 12"],
        "row 5.district": ["OH has no district lists; leave district empty"],
    }
    assert error.value.errors["row 4.career_field"][0].startswith("career_field is one of Ohio's 13 career fields")
    assert list_credentials(ledger, parse_listings_csv(ledger, "\n".join(bad.splitlines()[:2]), state="OH")) == {
        "listed": 1, "unchanged": 0}


# Reports against the raw events ---------------------------------------------------


def test_report_totals_equal_counts_from_the_raw_events(make_ledger: Callable[..., Ledger]) -> None:
    ledger = make_ledger()
    summary = load_demo(ledger, students=20, seed=3)
    today = ledger.clock().date()
    projections = Projections.of(ledger)
    projections.catch_up()
    data = load_report_data(projections.view)

    # Independently, from the signed documents of each student's history.
    issued: dict[str, dict[str, str]] = {}
    revoked: set[str] = set()
    cohorts: dict[str, int | None] = {}
    for student in data.students:
        for _, doc, _ in ledger.student_history(student):
            if doc["type"] == d.CREDENTIAL_ISSUED:
                issued[doc["award"]] = doc
            elif doc["type"] == d.CREDENTIAL_REVOKED:
                revoked.add(doc["award"])
            elif doc["type"] == d.STUDENT_REGISTERED:
                cohorts[doc["student"]] = doc.get("cohort")
    active = [doc for award, doc in issued.items() if award not in revoked]
    kinds = {i.did: (i.kind, i.name) for i in ledger.issuers()}
    assert len(issued) == summary["awards"] and len(revoked) == summary["revocations"]

    report = irc_summary(data)
    assert report.totals["earned"] == len(active)
    assert report.totals["students"] == len({doc["student"] for doc in active})
    tables = {t.title: {row[0]: row[1] for row in t.rows} for t in report.tables[1:]}
    assert tables["By issuing institution"] == dict(Counter(kinds[doc["issuer"]][1] for doc in active))
    centers = Counter(kinds[doc["issuer"]][1] if kinds[doc["issuer"]][0] == "cte_center" else
                      "Home high school (not at a CTE center)" for doc in active)
    assert tables["By attending center"] == dict(centers)
    by_year = Counter(school_year_to_text(school_year_of(date.fromisoformat(doc["earned"]))) for doc in active)
    assert tables["By school year"] == dict(by_year)
    for year, count in by_year.items():
        assert irc_summary(data, year=int(year[:4]) + 1).totals["earned"] == count
    assert sum(row[2] for row in report.tables[0].rows if row[0] == "credential") == len(active)

    # Missouri: listed in the year earned; stackables in one program area pair up (demo listings).
    from credledger_tools.demo.catalog import MISSOURI

    expected = 0
    for student in data.students:
        codes = {doc["credential"] for doc in active if doc["student"] == student and doc["credential"] in MISSOURI}
        expected += sum(1 for c in codes if not MISSOURI[c][1])
        areas = Counter(MISSOURI[c][0] for c in codes if MISSOURI[c][1])
        expected += sum(n // 2 for n in areas.values())
    assert irc_summary(data, state="MO").totals["earned"] == expected

    # Ohio status lists every student of the class (the demo's institutions are Ohio's, as configured, as the
    # CLI and the page read it); Perkins counts only concentrators.
    from ledger.pathways.states import load_issuer_states

    year = 2027
    ohio = build_report("ohio-status", projections.view, today=today, year=str(year),
                        issuer_states=load_issuer_states(ledger.config.data_dir))
    assert ohio.totals["students"] == sum(1 for c in cohorts.values() if c == year)
    from credledger_tools.demo.catalog import NOT_POSTSECONDARY, OHIO_POINTS

    of_class = {s for s, c in cohorts.items() if c == year}
    perkins = perkins_5s1(data, concentrators=of_class, graduated={s: None for s in of_class}, state="OH")
    attained = {doc["student"] for doc in active
                if doc["credential"] in OHIO_POINTS and doc["credential"] not in NOT_POSTSECONDARY
                and date.fromisoformat(doc["earned"]) <= date(year, 6, 30)}
    assert perkins.totals["concentrators"] == sum(1 for c in cohorts.values() if c == year)
    assert perkins.totals["numerator"] == len({s for s, c in cohorts.items() if c == year} & attained)
    assert report.to_csv().splitlines()[0] == "breakdown,group,earned,students,share %"


# Colorado incentive, hand-worked ---------------------------------------------------------


def _colorado_data(districts: dict[str, list[tuple[str, int]]], *, elsewhere: int = 0) -> ReportData:
    """districts: slug -> [(student, tier)]; every student earned one credential of that tier in 2025-26.
    `elsewhere`: that many more districts of one tier-1 student each (the rest of the state's certificates)."""
    districts = districts | {f"zz{i:03d}": [(f"z{i}", 1)] for i in range(elsewhere)}
    issuers = {f"did:web:x:issuers:{slug}": (slug, slug.title(), "district") for slug in districts}
    students, awards = {}, []
    tiers = {1: "cna", 2: "food-handler"}
    for slug, rows in districts.items():
        for student, tier in rows:
            students[student] = (f"did:web:x:issuers:{slug}", 2026)
            awards.append(AwardRow(f"a-{student}", student, f"did:web:x:issuers:{slug}", tiers[tier],
                                   date(2025, 10, 1), None, None))
    book = ListingBook({("CO", None, "cna"): [Segment(2020, None, {"incentiveTier": 1})],
                        ("CO", None, "food-handler"): [Segment(2020, None, {"incentiveTier": 2})]})
    credentials = {"cna": {"name": "CNA", "type": "certification"},
                   "food-handler": {"name": "Food Handler", "type": "certificate"}}
    return ReportData(issuers, credentials, students, awards, book, {})


def test_colorado_cap_is_10_percent_of_the_number_of_certificates_reported_not_of_the_dollars() -> None:
    """HB18-1266: one district's industry-certificate distribution is limited to 10% of the total NUMBER of
    completed industry certificates reported. 31 reported statewide: at most 3 per district."""
    data = _colorado_data({
        "alder": [("s1", 1), ("s2", 1), ("s3", 1), ("s3b", 1)],  # 4 > 3: one is over the cap
        "birch": [("s4", 1), ("s5", 1), ("s6", 2)],
        "cedar": [("s7", 2), ("s8", 2)],  # both FRL: 2,400
    }, elsewhere=22)
    report = colorado_incentive(data, year=2026, funds_cents=100_000_00, frl={"s3", "s7", "s8"})
    assert report.totals["certificates_reported"] == 31 and report.totals["district_cap_certificates"] == 3
    rows = {row[0]: row for row in report.tables[0].rows}
    # s3 (FRL, $1,200) is kept before s1, s2; s3b is the fourth: not paid. A dollar cap (10% of $100,000) would
    # not have bitten at all.
    assert rows["Alder"][1:6] == [4, 1, "$4,200.00", "$3,200.00", "$3,200.00"]
    over = [r for r in report.tables[1].rows if r[6] != "yes"]
    assert [r[0] for r in over] == ["s3b"]
    assert rows["Birch"][5] == "$3,000.00" and rows["Birch"][6] == "tier 1: $2,000.00; tier 2: $1,000.00"
    assert rows["Cedar"][5] == "$2,400.00"
    # A second credential the same year does not raise the per-student claim.
    data.awards.append(AwardRow("a-s1-again", "s1", "did:web:x:issuers:alder", "food-handler", date(2026, 1, 5),
                                None, None))
    assert colorado_incentive(data, year=2026, funds_cents=30_000_00, frl={"s3"}).totals["students"] == 31
    # Another year's awards are not this year's claim.
    assert colorado_incentive(data, year=2025, funds_cents=30_000_00).totals["students"] == 0


def test_colorado_workplace_training_and_cs_ap_are_paid_after_certificates_in_the_configured_order() -> None:
    from ledger.pathways import StudentInputs
    from ledger.reports.colorado import IncentiveProgram

    data = _colorado_data({"alder": [("s1", 1), ("s2", 2)]}, elsewhere=18)
    inputs = {"s1": StudentInputs(workplace_training=True), "s2": StudentInputs(cs_ap=True)}
    # 20 certificates ($20,000) + workplace training ($1,000) + CS AP ($1,000); $20,500 runs out in training.
    report = colorado_incentive(data, year=2026, funds_cents=20_500_00, inputs=inputs)
    claims = {(r[0], r[3]): r[7] for r in report.tables[1].rows}
    assert claims[("s1", "workplace training")] == "$500.00" and claims[("s2", "computer science AP")] == "$0.00"
    assert report.totals["paid_cents"] == 20_500_00
    # The order and the shortfall rule are data: "stop" pays nothing in the category where funds run out.
    stop = colorado_incentive(data, year=2026, funds_cents=20_500_00, inputs=inputs,
                              program=IncentiveProgram(shortfall="stop"))
    assert stop.totals["paid_cents"] == 20_000_00
    ap_first = IncentiveProgram(order=("computer science AP", "tier 1", "tier 2", "tier 3", "workplace training"))
    first = colorado_incentive(data, year=2026, funds_cents=1_000_00, inputs=inputs, program=ap_first)
    assert {(r[0], r[3]): r[7] for r in first.tables[1].rows}[("s2", "computer science AP")] == "$1,000.00"
    assert any("could not be verified" in n for n in report.notes)


def test_colorado_funds_running_out_prorate_the_tier_where_they_end() -> None:
    data = _colorado_data({f"d{i:02d}": [(f"s{i}", 1)] for i in range(12)} | {"late": [("s99", 2)]})
    report = colorado_incentive(data, year=2026, funds_cents=10_000_00)
    # 12 districts ask 1,000 each in tier 1 (under the 1,000 cap): 12,000 > 10,000, so each gets 10/12.
    paid = {row[0]: row[5] for row in report.tables[0].rows}
    assert paid["D00"] == "$833.33" and paid["Late"] == "$0.00"
    assert report.totals["paid_cents"] == 12 * 83_333


def test_perkins_refuses_without_concentrators_and_counts_listed_postsecondary_credentials_of_graduates() -> None:
    data = _colorado_data({"alder": [("s1", 1), ("s2", 2), ("s3", 1)]})
    data.book = ListingBook({("OH", None, "cna"): [Segment(2020, None, {"careerField": "Health", "points": 12,
                                                                         "postsecondary": True})],
                             ("OH", None, "food-handler"): [Segment(2020, None, {"careerField": "Hospitality & Tourism",
                                                                                  "points": 1})]})
    # Without the list, no guess: the old proxy (2+ credentials in one cluster) made it 100% by construction.
    with pytest.raises(InputError) as error:
        perkins_5s1(data, year=2026, concentrators=None, graduated={})
    assert "concentrators" in error.value.errors
    with pytest.raises(InputError) as error:
        perkins_5s1(data, year=2026, concentrators={"s1"}, graduated=None)
    assert "graduated" in error.value.errors
    # s1 CNA (recognized), s2 only a food handler card (not under WIOA guidance), s3 did not graduate.
    report = perkins_5s1(data, year=2026, concentrators={"s1", "s2", "s3", "s-unknown"},
                         graduated={"s1": None, "s2": None}, state="OH")
    assert report.totals == {"numerator": 1, "concentrators": 2, "rate": "50.0"}
    rows = {r[0]: r for r in report.tables[0].rows}
    assert rows["s2"][3:] == ["no", "", "Food Handler"]
    assert any("1 concentrator of the class not marked as graduated" in n for n in report.notes)
    # A graduation date: what was earned after it does not count.
    late = perkins_5s1(data, year=2026, concentrators={"s1"}, graduated={"s1": date(2025, 9, 1)}, state="OH")
    assert late.totals["numerator"] == 0
    # The state: asked for, or the state of record (here: not evident from a ledger of one state's list? yes: OH).
    assert perkins_5s1(data, year=2026, concentrators={"s1"}, graduated={"s1": None}).totals["numerator"] == 1
    with pytest.raises(InputError):
        build_report("perkins-5s1", None, today=date(2026, 5, 1))
    with pytest.raises(InputError):
        irc_summary(data, state="TX")


def test_concentrators_file_with_a_graduated_column() -> None:
    from ledger.reports.inputs import parse_concentrators

    a, b, c = ("00000000-0000-4000-8000-00000000000" + str(i) for i in range(3))
    plain = parse_concentrators(f"{a}\n{b}\n")
    assert plain.students == {a, b} and plain.graduated is None
    full = parse_concentrators(f"student,graduated\n{a},yes\n{b},2026-05-30\n{c},no\n")
    assert full.students == {a, b, c} and full.graduated == {a: None, b: date(2026, 5, 30)}
    with pytest.raises(InputError) as error:
        parse_concentrators(f"student,graduated\n{a},maybe\nnobody,yes\n")
    assert set(error.value.errors) == {"concentrators line 2", "concentrators line 3"}


def test_year_parameters_accept_both_spellings() -> None:
    from ledger.reports import parse_year

    assert parse_year("2025-26") == parse_year("2026") == 2026 and parse_year(None) is None
    with pytest.raises(InputError):
        parse_year("next year")


def test_colorado_headline_agrees_with_its_table_for_one_district() -> None:
    """Issue 13: "26 students, $26,000" above a table of 1 student and $1,000."""
    data = _colorado_data({"alder": [("s1", 1)], "birch": [("s4", 1), ("s5", 1), ("s6", 2)]}, elsewhere=26)
    whole = colorado_incentive(data, year=2026, funds_cents=30_000_00)
    assert whole.totals["students"] == 30 and whole.headline.startswith("30 students completed")
    one = colorado_incentive(data, year=2026, funds_cents=30_000_00, district="alder")
    (row,) = one.tables[0].rows
    assert one.totals["students"] == row[1] == 1 and one.totals["requested_cents"] == 1_000_00
    assert one.headline.startswith("1 student of Alder completed a qualified credential or program")
    assert "requested $1,000.00, paid $1,000.00 of $30,000.00 available statewide" in one.headline
    assert not any("--" in note for note in one.notes)  # no command-line flags in what pages show


def test_listings_csv_carries_several_career_fields_exam_licenses_and_the_postsecondary_mark(ledger: Ledger) -> None:
    world(ledger)
    text = ("state,credential,effective_from,career_field,points,exam_license,postsecondary\n"
            "OH,osha10-general,2022-23,all,1,,no\n"
            "OH,stna,2019-20,Health; Human Services,6,yes,yes\n")
    general, stna = parse_listings_csv(ledger, text)
    assert len(general.terms["careerFields"]) == 13 and general.terms["postsecondary"] is False
    assert stna.terms == {"careerFields": ["Health", "Human Services"], "points": 6, "examLicense": True,
                          "postsecondary": True}
    assert list_credentials(ledger, [general, stna])["listed"] == 2  # the signed event's schema accepts them
    with pytest.raises(InputError) as error:
        parse_listings_csv(ledger, "state,credential,effective_from,career_field,points\n"
                                   "OH,stna,2019-20,Health; Cooking,6\n")
    assert error.value.errors["row 2.career_field"][0].startswith("career_fields are Ohio career fields")

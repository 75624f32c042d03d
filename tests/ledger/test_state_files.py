"""The state files (`ledger.reports.state_files`): golden files from the demo, read back field by field.

The demo district (fictional people and schools, invented codes, illustrative listings) on a fixed clock,
so the golden files under tests/ledger/golden/state-files/ are the same on every run; set
CREDLEDGER_WRITE_GOLDEN=1 to write them again after a deliberate change (and read the diff). Each record is
also checked against what the signed documents say (`Ledger.student_history`), never against the read
models the files are written from: the student's state and local id (the vault), the district of record's
codes, the credential's listing terms, the date earned, the WorkKeys levels; revoked and superseded awards
never appear, and the year is the school year earned.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections import Counter
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from credledger_tools.demo.catalog import CODES, COLORADO_TIER_2, NEW_MEXICO_CODES, OHIO_EMIS_AREAS, OHIO_POINTS
from credledger_tools.demo.district import ISSUER_CODES, load_demo
from ledger.application import IssueRequest, Ledger
from ledger.errors import InputError
from ledger.instance import init_instance
from ledger.listings import parse_listings_csv
from ledger.readmodels import Projections
from ledger.reports import build_report
from ledger.reports.codes import ISSUER_CODES_FILE, load_issuer_codes, write_issuer_codes
from ledger.reports.layouts import COMMON_CTE_CREDENTIAL, LAYOUTS_DIR, load_layout, parse_layout
from ledger.reports.state_files import StateFile, build_state_file
from ledger.statelists import school_year_of, terms_problems
from verifiers.protocol import documents as d

GOLDEN = Path(__file__).parent / "golden" / "state-files"
YEAR = 2026  # school year 2025-26
FUNDS = 12_000  # dollars statewide: less than the claims ask, so the shortfall rule shows in the paid column
NOW = datetime(2027, 2, 1, 12, 0, tzinfo=timezone.utc)
PASSPHRASE = "state-files-Passphrase-7d2e"
# The Ohio FA layout's field widths, as docs/state-files.md lists them (read here without the layout code).
OHIO_WIDTHS = [("fiscal_year", 4), ("period", 1), ("irn", 6), ("ssid", 9), ("test_type", 2), ("area", 4),
               ("test_date", 8), ("score", 3), ("not_reported", 3)]
WORKKEYS_AREAS = {"appliedMath": "AM", "graphicLiteracy": "GL", "workplaceDocuments": "WD"}


class Facts:
    """What the signed documents say, student by student (independently of the read models)."""

    def __init__(self, ledger: Ledger) -> None:
        slug_of = {i.did: i.slug for i in ledger.issuers()}
        self.issued: dict[str, dict[str, Any]] = {}
        self.revoked: set[str] = set()
        self.sittings: list[dict[str, Any]] = []
        self.district: dict[str, str] = {}  # student -> slug of the district of record
        self.building: dict[str, str] = {}
        students = {s for i in ledger.issuers() for s in ledger.access.students(i.did)}
        for student in students:
            for _, doc, _ in ledger.student_history(student):
                kind = doc["type"]
                if kind == d.CREDENTIAL_ISSUED:
                    self.issued[doc["award"]] = doc
                elif kind == d.CREDENTIAL_REVOKED:
                    self.revoked.add(doc["award"])
                elif kind == d.ASSESSMENT_RECORDED:
                    self.sittings.append(doc)
                elif kind == d.STUDENT_REGISTERED:
                    self.district.setdefault(student, slug_of[doc["issuer"]])
                elif kind == d.STUDENT_MOVED:
                    self.district[student] = slug_of[doc["to"]]
                elif kind == d.STUDENT_ENROLLED and doc.get("building"):
                    self.building[student] = doc["building"]
        self.slug_of = slug_of
        self.ids = {s: i.claims for s, i in ledger.identities(students).items()}
        self.by_ssid = {claims["state_id"]: s for s, claims in self.ids.items()}

    def active_in(self, year: int) -> list[dict[str, Any]]:
        return [doc for award, doc in self.issued.items() if award not in self.revoked
                and school_year_of(date.fromisoformat(doc["earned"])) == year]

    def revoked_in(self, year: int) -> list[dict[str, Any]]:
        return [doc for award, doc in self.issued.items() if award in self.revoked
                and school_year_of(date.fromisoformat(doc["earned"])) == year]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    ledger = init_instance(tmp_path_factory.mktemp("state-files") / "instance", PASSPHRASE, scrypt_n=2**10,
                           clock=lambda: NOW)
    load_demo(ledger, students=30)
    projections = Projections.of(ledger)
    projections.catch_up()
    yield ledger, projections, Facts(ledger)
    ledger.close()


def build(ledger: Ledger, projections: Any, name: str, **options: Any) -> StateFile:
    return build_state_file(name, projections.view, year=options.pop("year", str(YEAR)),
                            identities=ledger.identities, data_dir=ledger.config.data_dir,
                            funds_cents=FUNDS * 100 if name == "co" else None, **options)


def golden(name: str, built: StateFile) -> str:
    path = GOLDEN / built.filename
    if os.environ.get("CREDLEDGER_WRITE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(built.text.encode("utf-8"))
    return path.read_bytes().decode("utf-8")


def test_the_demo_holds_what_the_files_need(demo: Any) -> None:
    _, _, facts = demo
    assert facts.revoked_in(YEAR), "a revoked or superseded award of the year, to show it is left out"
    assert all(claims.get("state_id") for claims in facts.ids.values())
    assert {s for s in facts.district.values()} == {"riverbend", "lakeshore"}  # the move is in the files
    assert [doc for doc in facts.sittings if school_year_of(date.fromisoformat(doc["taken"])) == YEAR]


def test_ohio_emis_fa_records_field_by_field(demo: Any) -> None:
    ledger, projections, facts = demo
    built = build(ledger, projections, "oh")
    assert built.text == golden("oh", built)
    lines = built.text.split("\r\n")
    assert lines.pop() == ""  # every record ends with CR LF, the last one too
    width = sum(w for _, w in OHIO_WIDTHS)
    records = []
    for line in lines:
        assert len(line) == width, line
        record, at = {}, 0
        for name, w in OHIO_WIDTHS:
            record[name] = line[at:at + w]
            at += w
        records.append(record)

    expected = Counter()
    for doc in facts.active_in(YEAR):
        code = doc["credential"]
        # On Ohio's (illustrative) list in the year earned: the food handler card is delisted from 2025-26.
        if code not in OHIO_POINTS or code == "servsafe-handler":
            continue
        student = doc["student"]
        expected[(str(YEAR), "A", ISSUER_CODES[facts.district[student]]["irn"], facts.ids[student]["state_id"],
                  "GW", OHIO_EMIS_AREAS[code].ljust(4), doc["earned"].replace("-", ""), "   ", "   ")] += 1
    for doc in facts.sittings:
        if school_year_of(date.fromisoformat(doc["taken"])) != YEAR:
            continue
        student = doc["student"]
        for test, level in doc["scores"].items():
            expected[(str(YEAR), "A", ISSUER_CODES[facts.district[student]]["irn"], facts.ids[student]["state_id"],
                      "WK", WORKKEYS_AREAS[test].ljust(4), doc["taken"].replace("-", ""), str(level).rjust(3),
                      "   ")] += 1
    found = Counter(tuple(r.values()) for r in records)
    assert found == expected
    assert {r["test_type"] for r in records} == {"GW", "WK"}
    # The mover is reported under Lakeshore's IRN, everyone else under Riverbend's.
    moved = {facts.ids[s]["state_id"] for s, slug in facts.district.items() if slug == "lakeshore"}
    assert all((r["irn"] == "099902") == (r["ssid"] in moved) for r in records)


def test_a_revoked_or_superseded_award_never_appears(demo: Any) -> None:
    ledger, projections, facts = demo
    text = build(ledger, projections, "oh").text
    active = Counter((facts.ids[doc["student"]]["state_id"], doc["earned"].replace("-", ""),
                      OHIO_EMIS_AREAS.get(doc["credential"], "")) for doc in facts.active_in(YEAR))
    for doc in facts.revoked_in(YEAR):
        key = (facts.ids[doc["student"]]["state_id"], doc["earned"].replace("-", ""),
               OHIO_EMIS_AREAS.get(doc["credential"], ""))
        if key[2] and key not in active:  # (the same credential on the same day, earned again, is another award)
            assert f"{key[0]}GW{key[2].ljust(4)}{key[1]}" not in text


def test_new_mexico_common_layout_field_by_field(demo: Any) -> None:
    ledger, projections, facts = demo
    built = build(ledger, projections, "nm")
    assert built.text == golden("nm", built)
    rows = list(csv.reader(io.StringIO(built.text, newline="")))
    assert rows[0] == ["District Code", "School Year", "Student ID", "Location Code", "CIP Code", "Delivery Method",
                       "State Credential Code", "Earned Date"]
    first: dict[tuple[str, str], dict[str, Any]] = {}
    for doc in facts.active_in(YEAR):
        key = (doc["student"], doc["credential"])
        if doc["credential"] in NEW_MEXICO_CODES and (key not in first or doc["earned"] < first[key]["earned"]):
            first[key] = doc
    expected = Counter()
    for (student, code), doc in first.items():
        district = ISSUER_CODES[facts.district[student]]
        expected[(district["district_code"], f"{YEAR}-06-30", facts.ids[student]["state_id"],
                  facts.building.get(student, district["location_code"]), CODES[code]["cip"],
                  ISSUER_CODES[facts.slug_of[doc["issuer"]]]["delivery_method"], NEW_MEXICO_CODES[code],
                  doc["earned"])] += 1
    assert Counter(tuple(r) for r in rows[1:]) == expected
    assert len(rows) - 1 == len(set(tuple(r[:3] + r[6:7]) for r in rows[1:]))  # one per district, year, student, code


def test_colorado_claims_field_by_field_and_as_the_incentive_report_says(demo: Any) -> None:
    ledger, projections, facts = demo
    built = build(ledger, projections, "co")
    assert built.text == golden("co", built)
    rows = list(csv.DictReader(io.StringIO(built.text, newline="")))
    tiers: dict[str, list[tuple[int, str, str]]] = {}
    for doc in facts.active_in(YEAR):
        if doc["credential"] != "ncrc-workkeys":  # on Colorado's (illustrative) list: every other credential
            tiers.setdefault(doc["student"], []).append(
                (2 if doc["credential"] in COLORADO_TIER_2 else 1, doc["earned"], doc["credential"]))
    assert {r["SASID"] for r in rows} == {facts.ids[s]["state_id"] for s in tiers}
    for r in rows:
        student = facts.by_ssid[r["SASID"]]
        best = min(tiers[student])
        assert r["Local Student ID"] == facts.ids[student]["local_id"]
        assert r["District Code"] == ISSUER_CODES[facts.district[student]]["district_code"]
        assert (r["School Year"], r["Claim Category"], r["Credential Code"], r["Earned Date"]) == (
            "2025-26", f"tier {best[0]}", best[2], best[1])
        assert (r["FRL"], r["Requested"]) == ("N", "1000.00")
    # The same claims, cap and payments as the corrected incentive report (ledger.reports.colorado).
    report = build_report("colorado-incentive", projections.view, today=NOW.date(), year=str(YEAR),
                          funds_cents=FUNDS * 100, identities=ledger.identities)
    claims = report.tables[1]
    by_local = {row[claims.columns.index("local id")]: row for row in claims.rows}
    for r in rows:
        row = by_local[r["Local Student ID"]]
        assert row[claims.columns.index("tier")] == r["Claim Category"]
        assert row[claims.columns.index("paid")] == f"${float(r['Paid']):,.2f}"
        assert row[claims.columns.index("within cap")].startswith("yes") == (r["Within Cap"] == "Y")
    assert sum(round(float(r["Paid"]) * 100) for r in rows) == report.totals["paid_cents"] <= FUNDS * 100


def test_a_student_without_a_state_id_is_named_and_never_silently_dropped(demo: Any) -> None:
    ledger, projections, _ = demo
    student = ledger.register_student("riverbend", {"name": "Wren Idlewild", "birth_date": "2008-04-02",
                                                    "local_id": "RB-NOSSID"}, cohort=2026)
    (award,) = ledger.issue([IssueRequest("riverbend", student, "cisco-ccna", date(2025, 10, 1),
                                          {"certificate": "C-1"})])
    projections.catch_up()
    try:
        with pytest.raises(InputError) as refused:
            build(ledger, projections, "nm")
        assert "local id RB-NOSSID" in str(refused.value) and student not in str(refused.value)
        assert refused.value.errors == {"state_id": ["local id RB-NOSSID: no state student id"]}
        left_out = build(ledger, projections, "nm", omit_missing=True)
        assert left_out.omitted == ["local id RB-NOSSID"] and "RB-NOSSID" in left_out.summary
        assert left_out.text == golden("nm", left_out)  # everyone else, as before
    finally:  # the module's demo as it was for the other tests: the award revoked never appears
        ledger.revoke(award, "issued_in_error", "Recorded to show a student without a state id.")
        projections.catch_up()
    assert build(ledger, projections, "nm").omitted == []


def test_every_hole_is_named_and_nothing_is_written(demo: Any, tmp_path: Path) -> None:
    ledger, projections, _ = demo
    data_dir = ledger.config.data_dir
    saved = (data_dir / ISSUER_CODES_FILE).read_text()
    try:
        write_issuer_codes(data_dir, {k: {n: c for n, c in v.items() if n != "irn" or k != "riverbend"}
                                      for k, v in ISSUER_CODES.items()})
        with pytest.raises(InputError) as no_irn:
            build(ledger, projections, "oh")
        assert "Reporting IRN: no value (district.irn)" in str(no_irn.value) and ISSUER_CODES_FILE in str(no_irn.value)
        assert all(k.startswith("local id RB-") for k in no_irn.value.errors)
    finally:
        (data_dir / ISSUER_CODES_FILE).write_text(saved)
    for name, year, field in [("tx", str(YEAR), "state"), ("oh", None, "year"), ("oh", "2025-2026", "year"),
                              ("co", str(YEAR), "funds")]:
        with pytest.raises(InputError) as wrong:
            build_state_file(name, projections.view, year=year, identities=ledger.identities, data_dir=data_dir)
        assert list(wrong.value.errors) == [field], name


def test_a_state_copies_the_common_layout_as_data(demo: Any) -> None:
    """An instance's own layout (state-files/NAME.json): the common layout with another date format, and a
    fixed-width value too long for its field refused by name."""
    ledger, projections, _ = demo
    layouts = ledger.config.data_dir / LAYOUTS_DIR
    layouts.mkdir(exist_ok=True)
    copy = json.loads(json.dumps(COMMON_CTE_CREDENTIAL))
    copy["title"] = "A copy with US dates"
    for column in copy["columns"]:
        if column["name"] == "Earned Date":
            column["date"] = "%m/%d/%Y"
    (layouts / "nm-us-dates.json").write_text(json.dumps(copy))
    try:
        ours = build(ledger, projections, "nm-us-dates")
        base = build(ledger, projections, "nm")
        assert len(ours.records) == len(base.records)
        assert [r.split(",")[:7] for r in ours.text.splitlines()] == [r.split(",")[:7] for r in base.text.splitlines()]
        first = next(csv.DictReader(io.StringIO(ours.text)))
        month, day, year = first["Earned Date"].split("/")
        assert len(year) == 4 and 1 <= int(month) <= 12
        narrow = {**copy, "format": "fixed", "columns": [{**c, "width": 2} for c in copy["columns"]]}
        (layouts / "narrow.json").write_text(json.dumps(narrow))
        with pytest.raises(InputError) as too_long:
            build(ledger, projections, "narrow")
        assert "the field holds 2" in str(too_long.value)
    finally:
        for path in layouts.glob("*.json"):
            path.unlink()
    with pytest.raises(InputError) as bad:
        parse_layout("x", {"records": "nope", "columns": []})
    assert "records is one of ohio-fa, state-list, colorado-claims" in str(bad.value)
    assert load_layout("OH", None).records == "ohio-fa"


@pytest.mark.parametrize("state, terms, problems", [
    ("OH", {"careerField": "Health", "points": 12, "emisArea": "D101"}, []),
    ("OH", {"careerField": "Health", "points": 12, "emisArea": "d1"},
     ["emisArea is 1 to 4 capital letters or digits (DEW's assessment area code)"]),
    ("OH", {"careerField": "Health", "points": 12, "emisArea": "TOOLONG"},
     ["emisArea is 1 to 4 capital letters or digits (DEW's assessment area code)"]),
    ("NM", {"stateCode": "NMX-001"}, []),
    ("NM", {}, ["stateCode is required"]),
    ("NM", {"stateCode": "has spaces"}, ["stateCode is a code of at most 20 letters, digits, '.', '_' or '-'"]),
    ("NM", {"stateCode": "X1", "points": 3}, ["unexpected term 'points'"]),
])
def test_listing_terms_of_the_state_files(state: str, terms: dict[str, Any], problems: list[str]) -> None:
    assert terms_problems(state, None, terms) == problems


def test_the_listings_csv_carries_emis_area_and_state_code(demo: Any) -> None:
    ledger, _, _ = demo
    requests = parse_listings_csv(ledger, "state,credential,effective_from,career_field,points,emis_area,state_code\n"
                                          "OH,stna,2025-26,Health,12,D777,\nNM,stna,2025-26,,,,NMX-900\n")
    assert [r.terms for r in requests] == [{"careerField": "Health", "points": 12, "emisArea": "D777"},
                                           {"stateCode": "NMX-900"}]
    with pytest.raises(InputError) as bad:
        parse_listings_csv(ledger, "state,credential,effective_from,state_code\nNM,stna,2025-26,\n")
    assert bad.value.errors == {"row 2.state_code": ["stateCode is required".replace("stateCode", "state_code")]}


@pytest.mark.parametrize("raw, problem", [
    ({"riverbend": {"irn": "099901"}}, None),
    ([], "a JSON object of issuer slug to an object of code name to code"),
    ({"riverbend": {"irn": 99901}}, "riverbend.irn: a code of at most 20 letters, digits, '.', '_' or '-' (as text)"),
    ({"riverbend": {"IRN!": "1"}}, "riverbend: code names are lower-case words like irn or district_code"),
])
def test_issuer_codes_file(tmp_path: Path, raw: Any, problem: str | None) -> None:
    (tmp_path / ISSUER_CODES_FILE).write_text(json.dumps(raw))
    if problem is None:
        assert load_issuer_codes(tmp_path) == raw
        return
    with pytest.raises(InputError) as wrong:
        load_issuer_codes(tmp_path)
    assert wrong.value.errors == {ISSUER_CODES_FILE: [problem]}


def test_an_ohio_credential_listed_without_its_assessment_area_is_named(demo: Any) -> None:
    ledger, projections, facts = demo
    from ledger.listings import ListingRequest, list_credentials

    doc = next(doc for doc in facts.active_in(YEAR) if doc["credential"] == "cisco-ccna")
    terms = {"careerField": "Information Technology", "points": OHIO_POINTS["cisco-ccna"], "postsecondary": True}
    list_credentials(ledger, [ListingRequest("OH", "cisco-ccna", YEAR, YEAR, terms, note="no emisArea, a test")])
    projections.catch_up()
    try:
        with pytest.raises(InputError) as refused:
            build(ledger, projections, "oh")
        assert f"local id {facts.ids[doc['student']]['local_id']}" in refused.value.errors
        assert "column emis_area" in str(refused.value)
    finally:
        list_credentials(ledger, [ListingRequest("OH", "cisco-ccna", YEAR, YEAR,
                                                 {**terms, "emisArea": OHIO_EMIS_AREAS["cisco-ccna"]})])
        projections.catch_up()


def test_a_district_files_its_students_of_record_and_a_center_what_it_attested(demo: Any) -> None:
    # Not another district's students it may merely see (a share, a student who moved away): each record once.
    ledger, projections, facts = demo
    everyone = build(ledger, projections, "oh").records
    by_district = {slug: build(ledger, projections, "oh", district=slug,
                               served=ledger.access.students(ledger.issuer_did(slug))).records
                   for slug in ("riverbend", "lakeshore", "riverbend-ctc")}
    assert {r["student"] for r in by_district["riverbend"]} == {
        r["student"] for r in everyone if facts.district[r["student"]] == "riverbend"}
    assert {r["student"] for r in by_district["lakeshore"]} == {
        r["student"] for r in everyone if facts.district[r["student"]] == "lakeshore"} != set()
    assert sorted(r["student.state_id"] for r in by_district["riverbend"] + by_district["lakeshore"]) == sorted(
        r["student.state_id"] for r in everyone)  # the two districts' files hold every record exactly once
    center = by_district["riverbend-ctc"]
    assert center and all(r["issuer.slug"] == "riverbend-ctc" for r in center)
    assert len(center) == sum(r.get("issuer.slug") == "riverbend-ctc" for r in everyone)


def test_an_unreadable_configuration_file_is_named_never_a_crash(tmp_path: Path) -> None:
    from ledger.pathways.states import load_issuer_states
    from ledger.reports.codes import load_issuer_codes

    for name, load in (("issuer-codes.json", load_issuer_codes), ("issuer-states.json", load_issuer_states)):
        (tmp_path / name).mkdir()  # a directory where the file belongs: reading it fails as permissions would
        with pytest.raises(InputError) as error:
            load(tmp_path)
        assert list(error.value.errors) == [name] and "cannot be read" in str(error.value)

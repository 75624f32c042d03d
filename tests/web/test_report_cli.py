"""`credledger catalog import`, `listings import`, `assessment record`, `pathways` and `report`, as a user runs them.

The installed console script in a subprocess, on real files, against the demo
district (loaded in-process with a cheap key-store KDF). Independent runs go
two at a time. People and schools are fictional; listings are illustrative.
"""

from __future__ import annotations

import csv
import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from credledger_tools.demo.district import load_demo
from ledger.instance import init_instance
from tests.support import CliResult, run_cli

PASSPHRASE = "report-cli-Passphrase-41c9"


Result = CliResult


def run(data: Path, *args: str, json_out: bool = False) -> Result:
    return run_cli(data, *args, passphrase=PASSPHRASE, json_out=json_out)


def ok(data: Path, *args: str, json_out: bool = False) -> Result:
    result = run(data, *args, json_out=json_out)
    assert result.code == 0, f"{args}: {result.err}"
    return result


def both(data: Path, *commands: tuple[list[str], bool]) -> list[Result]:
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(lambda c: run(data, *c[0], json_out=c[1]), commands))


@dataclass
class Demo:
    data: Path
    summary: dict[str, Any]
    tmp: Path


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    tmp = tmp_path_factory.mktemp("report-cli")
    ledger = init_instance(tmp / "instance", PASSPHRASE, scrypt_n=2**10)
    summary = load_demo(ledger, students=30)
    ledger.close()
    return Demo(tmp / "instance", summary, tmp)


def test_catalog_and_listings_import_all_or_nothing(demo: Demo) -> None:
    catalog = demo.tmp / "catalog.csv"
    catalog.write_text("code,name,certifying_body,type,validity_months,career_field,career_cluster,soc,naics,cip\n"
                       "taser-operator,TASER Operator Certification,Axon,certificate,12,Law & Public Safety,"
                       "\"Law, Public Safety, Corrections & Security\",33-3051,,43.0107\n"
                       "stna,State Tested Nursing Assistant,Ohio Department of Health,license,24,Health,"
                       "Health Science,31-1131,62,51.3902\n")
    bad_catalog = demo.tmp / "bad-catalog.csv"
    bad_catalog.write_text("code,name,certifying_body,validity_months\nok-one,Fine,Body,\nBAD,Name,Body,forever\n")
    bad_listings = demo.tmp / "bad-listings.csv"
    bad_listings.write_text("credential,effective_from,career_field,points\n"
                            "taser-operator,2024-25,Law & Public Safety,3\nstna,2024-25,Nursing,40\n")
    done, refused = both(demo.data, (["catalog", "import", str(catalog)], True),
                         (["catalog", "import", str(bad_catalog)], False))
    assert done.code == 0 and done.json() == {"defined": ["taser-operator"], "updated": ["stna"], "unchanged": []}
    assert refused.code == 2 and "nothing was stored" in refused.err
    assert "row 3.code" in refused.err and "row 3.validity_months" in refused.err and "ok-one" not in refused.err

    listings = demo.tmp / "listings.csv"
    listings.write_text("credential,effective_from,effective_to,career_field,points,note\n"
                        "taser-operator,2024-25,,Law & Public Safety,3,illustrative\n")
    stored, refused = both(demo.data, (["listings", "import", str(listings), "--state", "OH"], True),
                           (["listings", "import", str(bad_listings), "--state", "OH"], False))
    assert stored.code == 0 and stored.json() == {"listed": 1, "unchanged": 0}
    assert refused.code == 2 and "row 3.career_field" in refused.err and "row 3.points" in refused.err
    again, shown = both(demo.data, (["listings", "import", str(listings), "--state", "OH"], True),
                        (["listings", "show", "--state", "OH", "--year", "2025-26"], True))
    assert again.json() == {"listed": 0, "unchanged": 1}
    taser = next(r for r in shown.json() if r["credential"] == "taser-operator")
    assert taser["terms"] == {"careerField": "Law & Public Safety", "points": 3} and taser["from"] == "2024-25"
    # A district may not sign the state's list.
    refused = run(demo.data, "listings", "import", str(listings), "--state", "OH", "--as", "riverbend")
    assert refused.code == 2 and "Menu of Options" in refused.err


def test_reports_as_text_csv_and_json(demo: Demo) -> None:
    text, as_csv = both(demo.data, (["report", "irc-summary"], False), (["report", "irc-summary", "--csv"], False))
    assert text.code == 0 and "at Riverbend Career & Technical Center" in text.out.splitlines()[1]
    rows = list(csv.reader(io.StringIO(as_csv.out)))
    assert rows[0] == ["breakdown", "group", "earned", "students", "share %"]
    centers = [r for r in rows[1:] if r[0] == "attending center"]
    assert {r[1] for r in centers} == {"Riverbend Career & Technical Center", "Home high school (not at a CTE center)"}
    as_json, missouri = both(demo.data, (["report", "irc-summary"], True),
                             (["report", "irc-summary", "--state", "MO", "--csv"], False))
    report = as_json.json()
    assert report["totals"]["earned"] == sum(int(r[2]) for r in centers)
    # Every award is counted once: issued minus revoked (the amendment's replacement counts, the original does not).
    assert report["totals"]["earned"] == demo.summary["awards"] - demo.summary["revocations"]
    assert missouri.code == 0 and missouri.out.startswith("breakdown,group")

    frl = demo.tmp / "frl.txt"
    frl.write_text("student\n" + demo.summary["sample_student"] + "\n")
    year = date.today() - timedelta(days=200)
    school_year = f"{year.year}-{(year.year + 1) % 100:02d}" if year.month >= 7 else f"{year.year - 1}-{year.year % 100:02d}"
    no_funds, claim = both(demo.data, (["report", "colorado-incentive"], False),
                           (["report", "colorado-incentive", "--funds", "250000", "--frl", str(frl),
                             "--year", school_year], True))
    assert no_funds.code == 2 and "--funds" in no_funds.err
    totals = claim.json()["totals"]  # the cap is a number of certificates (HB18-1266), not dollars
    assert claim.code == 0 and totals["district_cap_certificates"] == totals["certificates_reported"] // 10
    assert "never written into the ledger" in " ".join(claim.json()["notes"])

    bad_frl = demo.tmp / "bad-frl.txt"
    bad_frl.write_text("not-a-student\n")
    refused, perkins = both(demo.data, (["report", "colorado-incentive", "--funds", "1", "--frl", str(bad_frl)], False),
                            (["report", "perkins-5s1", "--year", "2027"], True))
    assert refused.code == 2 and "frl line 1" in refused.err
    # Perkins 5S1 without a concentrator list refuses, naming the input (the old proxy gave ~100% by construction).
    assert perkins.code == 2 and "concentrators" in perkins.err
    listed = demo.tmp / "concentrators.csv"
    listed.write_text("student,graduated\n" + demo.summary["sample_student"] + ",yes\n")
    rate = ok(demo.data, "report", "perkins-5s1", "--concentrators", str(listed), json_out=True).json()
    assert rate["totals"]["concentrators"] == 1 and rate["tables"][0]["rows"][0]["state list"] == "Ohio"


def test_assessment_pathways_and_ohio_status(demo: Demo) -> None:
    student = ok(demo.data, "student", "add", "--issuer", "riverbend", "--name", "Isolde Vantongeren",
                 "--birth-date", "2008-05-02", "--local-id", "RB-777001", "--cohort", "2026").out.strip()
    taken = (date.today() - timedelta(days=400)).isoformat()
    earned = (date.today() - timedelta(days=300)).isoformat()
    until = (date.today() + timedelta(days=30)).isoformat()
    ok(demo.data, "share", "grant", "--from", "riverbend", "--to", "riverbend-ctc", "--student", student,
       "--until", until)
    ok(demo.data, "issue", "--issuer", "riverbend-ctc", "--student", student, "--credential", "cpht",
       "--earned", earned)
    sitting = ok(demo.data, "assessment", "record", "--issuer", "riverbend", "--student", student, "--taken", taken,
                 "--applied-math", "5", "--graphic-literacy", "3", "--workplace-documents", "4", "--evidence",
                 "report=WK-1234567")
    assert len(sitting.out.strip()) == 36
    inputs = demo.tmp / "inputs.csv"
    inputs.write_text(f"student,wbl_hours,omj_seal,webxams_pathway,webxams_passed,eoc_retake\n"
                      f"{student},300,no,Health,1,yes\n")
    shown, status = both(demo.data, (["pathways", student, "--state", "OH", "--inputs", str(inputs)], True),
                         (["report", "ohio-status", "--year", "2026", "--inputs", str(inputs), "--csv"], False))
    results = {r["rule"]: r for r in shown.json()}
    # The class of 2026 has no credential option (classes of 2018–2022): not applicable, never "not met".
    option = results["oh-credential-option"]
    assert option["status"] == "not applicable" and option["met"] is None
    seal = results["oh-irc-seal"]
    assert seal["status"] == "met" and seal["counted"][0]["name"] == "Certified Pharmacy Technician"
    assert results["oh-demonstrations"]["status"] == "met"  # a 12-point bundle + 250 hours, after the retake
    header, *rows = list(csv.reader(io.StringIO(status.out)))
    row = next(r for r in rows if r[0] == student)
    # Beside the opaque id, the ids a district files by and the name (from the vault), then the status.
    assert header[:5] == ["student", "local id", "state id", "name", "class"]
    assert row[1] == "RB-777001" and row[3]
    assert row[4:11] == ["2026", "Health", "12", "not applicable", "met", "met", "met"]
    # Without --state: the rules of the state of record (Riverbend: Ohio, configured by the demo), of the class.
    mine = {r["rule"] for r in ok(demo.data, "pathways", student, json_out=True).json()}
    # …and ACT's NCRC, derived from the WorkKeys sitting recorded above (the same in every state).
    assert mine == {"oh-irc-seal", "oh-demonstrations", "oh-report-card", "ncrc"}
    refused = run(demo.data, "assessment", "record", "--issuer", "riverbend", "--student", student,
                  "--taken", taken)
    assert refused.code == 2 and "--applied-math" in refused.err
    human = ok(demo.data, "pathways", student, "--state", "CO").out
    assert "✓ Colorado industry certificate: English" in human and "✓ Colorado industry certificate: math" in human


# The state's files (`report state-file`) ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def files_demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """A demo of its own: the other tests here register students without a state id, which a state file
    refuses (as it should)."""
    tmp = tmp_path_factory.mktemp("state-file-cli")
    ledger = init_instance(tmp / "instance", PASSPHRASE, scrypt_n=2**10)
    summary = load_demo(ledger, students=20)
    ledger.close()
    return Demo(tmp / "instance", summary, tmp)


def _school_year(day: date) -> str:
    start = day.year if day.month >= 7 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def test_state_files_written_whole_with_exact_formats(files_demo: Demo) -> None:
    demo = files_demo
    year = _school_year(date.today() - timedelta(days=200))
    ohio, new_mexico = demo.tmp / "fa.txt", demo.tmp / "nm.csv"
    wrote, listed = both(demo.data, (["report", "state-file", "--state", "oh", "--year", year, "--out", str(ohio)],
                                     False),
                         (["report", "state-file", "--state", "NM", "--year", year, "--out", str(new_mexico)], True))
    assert wrote.code == 0 and wrote.out.startswith(f"Wrote {ohio}: Ohio EMIS FA Student Assessment records")
    records = ohio.read_bytes().decode().split("\r\n")
    assert records.pop() == "" and records
    for record in records:  # fiscal year, period, IRN, SSID, test type, area, date, score, score not reported
        assert len(record) == 40 and record[:4] == str(int(year[:4]) + 1) and record[5:11] in ("099901", "099902")
        assert record[11:13] == "XZ" and record[13:20].isdigit() and record[20:22] in ("GW", "WK")
        assert date(int(record[26:30]), int(record[30:32]), int(record[32:34]))  # a real date, YYYYMMDD
    assert listed.code == 0 and listed.json()["records"] == len(new_mexico.read_text().splitlines()) - 1
    assert new_mexico.read_text().startswith("District Code,School Year,Student ID,Location Code,CIP Code,")
    claims = run(demo.data, "report", "state-file", "--state", "co", "--year", year, "--funds", "20000", "--out", "-")
    assert claims.code == 0 and claims.out.startswith("District Code,School Year,SASID,Local Student ID,")
    assert "Colorado Career Development Incentive Program claim data" in claims.err  # the summary beside the file
    assert not [p for p in demo.tmp.iterdir() if p.name.startswith(".")]  # no temporary file left behind


def test_state_file_refusals_name_the_field_and_change_nothing(files_demo: Demo) -> None:
    demo = files_demo
    year = _school_year(date.today())
    refusals = [(["--state", "tx", "--year", year], "state: one of co, nm, oh"),
                (["--state", "mo", "--year", year], "state: one of co, nm, oh"),
                (["--year", year], "state: one of co, nm, oh"),
                (["--state", "oh"], "year: the school year the file is for"),
                (["--state", "oh", "--year", "2026-2027"], "year: the school year the file is for"),
                (["--state", "co", "--year", year], "funds: the dollars available statewide"),
                (["--state", "oh", "--year", year, "--district", "nowhere"], "no issuer 'nowhere'")]
    for options, message in refusals:
        refused = run(demo.data, "report", "state-file", *options)
        assert refused.code in (2, 4) and message in refused.err and not refused.out, options
    assert run(demo.data, "report", "irc-summary", "--state", "XX").code == 2

    # A student without a state id: the file is refused, naming the student by local id, and the file
    # already there is left as it was; with --omit-missing it is written and the student is listed.
    student = ok(demo.data, "student", "add", "--issuer", "riverbend", "--name", "Linnea Oakhurst",
                 "--birth-date", "2008-03-09", "--local-id", "RB-CLI-NOID", "--cohort", "2027").out.strip()
    yesterday = date.today() - timedelta(days=1)
    ok(demo.data, "issue", "--issuer", "riverbend", "--student", student, "--credential", "cisco-ccna",
       "--earned", yesterday.isoformat())
    out = demo.tmp / "kept.csv"
    out.write_text("the file filed last week\n")
    refused = run(demo.data, "report", "state-file", "--state", "nm", "--year", _school_year(yesterday),
                  "--out", str(out))
    assert refused.code == 2 and "local id RB-CLI-NOID" in refused.err and "state_id:" in refused.err
    assert student not in refused.err and out.read_text() == "the file filed last week\n"
    written = ok(demo.data, "report", "state-file", "--state", "nm", "--year", _school_year(yesterday),
                 "--out", str(out), "--omit-missing")
    assert "left out for want of a state student id: local id RB-CLI-NOID" in written.out
    assert out.read_text().startswith("District Code,")

"""The report pages (`/reports`): who may see what, charts without inline styles, CSV, uploads never stored.

Flask's test client against a real SQLite instance with the demo district.
People and schools are fictional; listings are illustrative.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import escape

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ledger.application import Ledger
from tests.support import make_demo_world, signed_in_client

CSRF = "test-csrf-token"


@dataclass
class Env:
    ledger: Ledger
    app: Flask
    users: dict[str, str]
    demo: dict[str, Any]

    def client(self, who: str | None) -> FlaskClient:
        return signed_in_client(self.app, CSRF, self.users[who] if who else None)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("web.security.SCRYPT_N", 2**10)
        world = make_demo_world(tmp_path_factory.mktemp("reports") / "instance", students=12,
                                staff=["operator", "rb_viewer", "lk_viewer"])
        yield Env(world.ledger, world.app, world.users, world.demo)
    world.ledger.close()


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def no_inline_style_or_script(html: str) -> None:
    assert not re.search(r"\sstyle=", html) and "<script" not in html and not re.search(r"\son\w+=", html)


def test_reports_need_a_signed_in_staff_member(env: Env) -> None:
    client = env.client(None)
    for url in ["/reports/", "/reports/irc-summary", f"/reports/students/{env.demo['sample_student']}"]:
        response = client.get(url)
        assert response.status_code == 302 and response.location.startswith("/login"), url


def test_district_summary_page_with_bars_and_csv(env: Env) -> None:
    client = env.client("operator")
    index = client.get("/reports/")
    assert index.status_code == 200 and "District IRC summary" in text(index)
    no_inline_style_or_script(text(index))
    page = client.get("/reports/irc-summary?state=MO")
    html = text(page)
    assert page.status_code == 200 and "Missouri-recognized credentials" in html
    assert "at Riverbend Career &amp; Technical Center" in html and 'class="bar-fill" width="' in html
    assert "style-src 'self'" in page.headers["Content-Security-Policy"]
    no_inline_style_or_script(html)
    download = client.get("/reports/irc-summary?format=csv")
    assert download.mimetype == "text/csv" and "attachment" in download.headers["Content-Disposition"]
    assert text(download).splitlines()[0] == "breakdown,group,earned,students,share %"


def test_the_csv_link_carries_only_the_pages_own_parameters(env: Env) -> None:
    """A query parameter named like the route's own (`name`) gave a 500; url_for's keywords (`_external`,
    `_anchor`) changed the link. Found by the type check."""
    client = env.client("operator")
    page = client.get("/reports/irc-summary?state=MO&name=perkins&_external=1&_anchor=x")
    html = text(page)
    assert page.status_code == 200
    assert 'href="/reports/irc-summary?format=csv&amp;state=MO"' in html and "http://" not in html.split("format=csv")[0][-80:]


def test_staff_see_their_own_institution_and_the_operator_picks(env: Env) -> None:
    riverbend = text(env.client("rb_viewer").get("/reports/irc-summary?district=lakeshore"))
    lakeshore = text(env.client("lk_viewer").get("/reports/irc-summary"))
    assert "district: riverbend" in riverbend  # the district parameter is not theirs to choose
    # Lakeshore recorded nothing itself; the demo's student who moved there (Lakeshore is their district of
    # record since) brings their credentials into its summary, wherever they were recorded.
    assert re.search(r"\d+ credentials? earned by 1 student\b", lakeshore)
    picked = text(env.client("operator").get("/reports/irc-summary?district=lakeshore"))
    assert "district: lakeshore" in picked


def test_colorado_claim_with_an_uploaded_frl_list_and_errors_in_plain_words(env: Env) -> None:
    client = env.client("operator")
    missing = client.post("/reports/colorado-incentive", data={"csrf_token": CSRF, "year": "2025-26"})
    assert missing.status_code == 400 and "funds" in text(missing)
    frl = (io.BytesIO(f"{env.demo['sample_student']}\n".encode()), "frl.txt")
    claim = client.post("/reports/colorado-incentive", data={"csrf_token": CSRF, "year": "2025-26",
                                                            "funds": "250,000", "frl": frl},
                        content_type="multipart/form-data")
    html = text(claim)
    assert claim.status_code == 200 and "District claims" in html and "funds: $250,000.00" in html
    journal = env.ledger.store.journal_size()
    bad = client.post("/reports/colorado-incentive", data={"csrf_token": CSRF, "funds": "10",
                                                          "frl": (io.BytesIO(b"nobody\n"), "frl.txt")},
                      content_type="multipart/form-data")
    assert bad.status_code == 400 and "frl line 1" in text(bad)
    assert env.ledger.store.journal_size() == journal  # reports never write


def test_student_pathway_page_for_the_institutions_that_hold_the_record(env: Env, tmp_path: Path) -> None:
    student = env.demo["sample_student"]
    page = env.client("rb_viewer").get(f"/reports/students/{student}")
    html = text(page)
    # The state of record's rules only (Riverbend: Ohio), of the student's class (2026: the seal, not the
    # credential option of 2018–2022), never all three states at once.
    assert page.status_code == 200 and "Ohio Industry-Recognized Credential Seal" in html
    assert "Ohio credential option" not in html and "Colorado industry certificate" not in html
    assert "Missouri" not in html
    no_inline_style_or_script(html)
    assert env.client("operator").get(f"/reports/students/{student}").status_code == 200
    assert env.client("lk_viewer").get(f"/reports/students/{student}").status_code == 404
    assert env.client("operator").get("/reports/students/00000000-0000-4000-8000-000000000000").status_code == 404


def test_a_report_names_students_by_local_id_and_name_only_for_those_the_reader_may_see(env: Env) -> None:
    """The Ohio status table lists each student by opaque id, local id, state id and name: a district's
    staff see them for their own students, and no other institution's student is named to them."""
    riverbend = text(env.client("rb_viewer").get("/reports/ohio-status"))
    assert "<th>local id</th>" in riverbend or "local id" in riverbend
    ledger = env.ledger
    rb = ledger.access.students(ledger.issuer_did("riverbend"))
    identities = ledger.identities(sorted(rb))
    named = [i.claims["local_id"] for i in identities.values() if i.claims.get("local_id")]
    assert named and all(local_id in riverbend for local_id in named)
    lakeshore = text(env.client("lk_viewer").get("/reports/ohio-status"))
    others = ledger.identities(sorted(set(ledger.access.students(ledger.issuer_did("riverbend")))
                                      - ledger.access.students(ledger.issuer_did("lakeshore"))))
    assert others and not any(i.claims["name"] in lakeshore for i in others.values())


def _state_file(env: Env, who: str | None, **form: str) -> Any:
    return env.client(who).post("/reports/state-file", data={"csrf_token": CSRF, **form})


def test_state_file_download_holds_only_the_students_the_reader_may_see(env: Env) -> None:
    from datetime import timedelta

    from ledger.statelists import school_year_of, school_year_to_text

    year = school_year_to_text(school_year_of(env.ledger.clock().date() - timedelta(days=200)))
    index = text(env.client("rb_viewer").get("/reports/"))
    assert 'action="/reports/state-file"' in index and "Ohio EMIS FA Student Assessment records" in index
    no_inline_style_or_script(index)
    anonymous = _state_file(env, None, state="oh", year=year)
    assert anonymous.status_code == 302 and anonymous.location.startswith("/login") and "XZ" not in text(anonymous)

    def ssids(response: Any) -> list[str]:
        assert response.status_code == 200, text(response)[:400]
        return [line[11:20] for line in text(response).split("\r\n") if line]

    everyone = _state_file(env, "operator", state="oh", year=year)
    assert everyone.mimetype == "text/plain" and everyone.headers["Content-Disposition"] == (
        f'attachment; filename="oh-state-file-{year}.txt"')
    ssid_of = {s: i.claims["state_id"] for s, i in env.ledger.identities(
        env.ledger.access.students(env.ledger.issuer("riverbend").did)).items()}
    lakeshore = {ssid_of[s] for s in env.ledger.access.students(env.ledger.issuer("lakeshore").did)}
    riverbend = set(ssid_of.values())
    all_records = ssids(everyone)
    assert set(all_records) - lakeshore, "the file holds students Lakeshore may not see"
    # An institution's staff: only the students it may see (ledger.access), whatever district they ask for.
    mine = ssids(_state_file(env, "lk_viewer", state="oh", year=year, district="riverbend"))
    assert mine == [s for s in all_records if s in lakeshore]
    assert ssids(_state_file(env, "operator", state="oh", year=year, district="lakeshore")) == mine
    # A district files its students of record: not the one who moved to Lakeshore, whom Riverbend still sees.
    assert ssids(_state_file(env, "rb_viewer", state="oh", year=year)) == [
        s for s in all_records if s in riverbend and s not in lakeshore]

    csv_file = _state_file(env, "rb_viewer", state="nm", year=year)
    assert csv_file.mimetype == "text/csv" and text(csv_file).startswith("District Code,School Year,Student ID,")
    journal = env.ledger.store.journal_size()
    for form, field in [({"state": "tx", "year": year}, "state"), ({"state": "oh"}, "year"),
                        ({"state": "co", "year": year}, "funds")]:
        refused = _state_file(env, "rb_viewer", **form)
        assert refused.status_code == 400 and f"{field}:" in text(refused) and "XZ" not in text(refused), form
    assert env.ledger.store.journal_size() == journal  # a state file never writes


def test_state_file_names_students_without_a_state_id_and_leaves_them_out_only_when_asked(env: Env) -> None:
    from datetime import timedelta

    from ledger.application import IssueRequest
    from ledger.statelists import school_year_of, school_year_to_text

    yesterday = env.ledger.clock().date() - timedelta(days=1)
    student = env.ledger.register_student("riverbend", {"name": "Tamsin Greaves", "birth_date": "2008-06-21",
                                                        "local_id": "RB-WEB-NOID"}, cohort=2027)
    env.ledger.issue([IssueRequest("riverbend", student, "cisco-ccna", yesterday, {"certificate": "C-2"})])
    year = school_year_to_text(school_year_of(yesterday))
    refused = _state_file(env, "rb_viewer", state="nm", year=year)
    html = text(refused)
    assert refused.status_code == 400 and "local id RB-WEB-NOID" in html and student not in html
    assert 'role="alert"' in html
    # Lakeshore does not see the student: its file is not refused for them, nor names them.
    assert _state_file(env, "lk_viewer", state="nm", year=year).status_code == 200
    written = _state_file(env, "rb_viewer", state="nm", year=year, omit_missing="yes")
    assert written.status_code == 200 and written.headers["X-Omitted-Students"] == "1"
    assert "RB-WEB-NOID" not in text(written) and "RB-WEB-NOID" not in str(written.headers)


def test_every_report_that_reads_a_file_has_its_upload_on_the_form_labelled_and_described(env: Env) -> None:
    """The form offers what `credledger report` takes: colorado-incentive --frl and --inputs, perkins-5s1
    --concentrators, ohio-status --inputs; each file input labelled, with what the file holds linked."""
    html = text(env.client("operator").get("/reports/"))
    forms = dict(re.findall(r'action="/reports/([a-z0-9-]+)"(.*?)</form>', html, re.S))
    uploads = {name: re.findall(r'type="file" name="(\w+)"', form) for name, form in forms.items()}
    assert uploads == {"irc-summary": [], "perkins-5s1": ["concentrators"], "ohio-status": ["inputs"],
                       "colorado-incentive": ["frl", "inputs"], "state-file": ["frl", "inputs"]}
    colorado = forms["colorado-incentive"]
    assert re.search(r'<label>Workplace training and CS AP \(optional file\) <input type="file" name="inputs" '
                     r'id="colorado-incentive-inputs" aria-describedby="colorado-incentive-inputs-hint"', colorado)
    assert 'id="colorado-incentive-inputs-hint">CSV with the columns student, workplace_training, cs_ap' in colorado
    assert "aria-invalid" not in html  # nothing is in error before a run
    no_inline_style_or_script(html)


def test_colorado_workplace_training_and_cs_ap_from_an_uploaded_inputs_file_never_stored(env: Env) -> None:
    client = env.client("operator")
    student = env.demo["sample_student"]
    journal = env.ledger.store.journal_size()
    inputs = f"student,workplace_training,cs_ap\n{student},yes,yes\n".encode()
    claim = client.post("/reports/colorado-incentive", data={
        "csrf_token": CSRF, "year": "2025-26", "funds": "250000", "inputs": (io.BytesIO(inputs), "inputs.csv"),
        "frl": (io.BytesIO(f"{student}\n".encode()), "frl.txt")}, content_type="multipart/form-data")
    html = text(claim)
    assert claim.status_code == 200, html
    rows = [row for row in re.findall(r"<tr>(.*?)</tr>", html, re.S) if student in row]
    categories = {category for row in rows for category in ("workplace training", "computer-science AP")
                  if category in row}
    assert categories == {"workplace training", "computer-science AP"}
    assert all("$1,200" in row or "1200" in row for row in rows if "workplace training" in row)  # an FRL student
    without = text(client.post("/reports/colorado-incentive", data={"csrf_token": CSRF, "year": "2025-26",
                                                                  "funds": "250000"}))
    assert "qualified internship" not in without
    assert env.ledger.store.journal_size() == journal  # read for the run, never written


@pytest.mark.parametrize(("report", "field", "content", "key", "message"), [
    ("colorado-incentive", "inputs", b"student,cs_ap\nnobody,yes\n", "inputs row 2", "student: a student id (UUID)"),
    ("colorado-incentive", "inputs", b"student,workplace\n", "inputs header", "unknown column 'workplace'"),
    ("colorado-incentive", "frl", b"\xff\xfe", "frl", "not UTF-8 text (save it as CSV UTF-8)"),
    ("ohio-status", "inputs", b"student,wbl_hours\n00000000-0000-4000-8000-000000000000,lots\n", "inputs row 2",
     "wbl_hours: a whole number"),
    ("perkins-5s1", "concentrators", b"student,graduated\n00000000-0000-4000-8000-000000000000,maybe\n",
     "concentrators line 2", "graduated: yes, no or the graduation date (YYYY-MM-DD)"),
])
def test_a_bad_upload_is_a_400_naming_and_linking_its_field_and_changes_nothing(
        env: Env, report: str, field: str, content: bytes, key: str, message: str) -> None:
    journal = env.ledger.store.journal_size()
    response = env.client("operator").post(f"/reports/{report}", data={
        "csrf_token": CSRF, "year": "2025-26", "funds": "1000", field: (io.BytesIO(content), "file.csv")},
        content_type="multipart/form-data")
    html = text(response)
    assert response.status_code == 400
    message = escape(message)
    assert f'<a href="#{report}-{field}">{key}</a>: {message}' in html
    # The field itself is marked and points at its error; no other form's field is.
    assert re.search(rf'id="{report}-{field}" aria-describedby="{report}-{field}-hint {report}-{field}-error" '
                     r'aria-invalid="true"', html)
    assert f'<span class="errors" id="{report}-{field}-error">{key}: {message}' in html
    assert html.count('aria-invalid="true"') == 1
    assert env.ledger.store.journal_size() == journal


def test_perkins_without_its_concentrators_names_the_required_upload(env: Env) -> None:
    response = env.client("operator").post("/reports/perkins-5s1", data={"csrf_token": CSRF, "year": "2026"})
    html = text(response)
    assert response.status_code == 400 and '<a href="#perkins-5s1-concentrators">concentrators</a>' in html
    assert "CTE concentrators (required file)" in html

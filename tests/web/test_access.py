"""Every door asks the one access rule (ledger.access), and an unrelated student is answered
exactly like an unknown id: console, CSV import, claim codes, transfers, reports, API (single,
batch, reads, bundles, shares), CLI. Also the regression tests of the attack's findings 1–3 and
the CTE center's day end to end. People and schools are fictional.
"""

from __future__ import annotations

import io
import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from ledger.application import IssueRequest
from tests.support import DEMO_PASSPHRASE, CliResult, invoke_cli
from tests.web.test_console import CSRF, TODAY, Env, post, text
from web.accounts import Accounts

UNKNOWN = "3f0c9a52-6d2e-4b8e-9a40-5e1f7d2c8b11"  # no such student anywhere


@pytest.fixture(scope="module")
def tokens(env: Env) -> dict[str, str]:
    accounts = Accounts(env.ledger.store)
    return {f"{slug}/{role}": accounts.add_api_token(slug, role, f"{slug} {role} (access tests)")
            for slug in ("riverbend", "riverbend-ctc", "lakeshore") for role in ("viewer", "registrar")}


def api(env: Env, method: str, path: str, token: str, body: Any = None) -> Any:
    return env.app.test_client().open("/api/v1" + path, method=method, json=body,
                                      headers={"Authorization": f"Bearer {token}"})


def same_answer(a: Any, b: Any, a_id: str, b_id: str) -> None:
    """Two responses are the same but for the id they name: existence does not leak."""
    assert a.status_code == b.status_code
    assert text(a).replace(a_id, "ID") == text(b).replace(b_id, "ID")


def riverbend_student(env: Env, name: str = "Noor Faircloth-Abara") -> str:
    return env.student(name=name, local_id=f"RB-{uuid.uuid4().hex[:6]}")


def upload(client: FlaskClient, slug: str, data: bytes) -> Any:
    return client.post(f"/console/{slug}/import", data={"csrf_token": CSRF, "file": (io.BytesIO(data), "a.csv")},
                       content_type="multipart/form-data")


def _request(slug: str, student: str) -> IssueRequest:
    return IssueRequest(slug, student, "osha10-general", TODAY - timedelta(days=3), {"card": "OSHA-55"})


def until(days: int = 200) -> str:
    return (TODAY + timedelta(days=days)).isoformat()


# Findings 1–3 of the attack: each failed on the code before this change ---------------------------------


def test_a_csv_row_naming_another_institutions_student_is_refused_like_an_unknown_id(env: Env) -> None:
    """Finding 1: Lakeshore's registrar uploads a CSV naming Riverbend's student by UUID."""
    student = riverbend_student(env, "Calla Ivanova-Reyes")
    client = env.client("lk_registrar")
    before = env.journal()
    rows = {}
    for named in (student, UNKNOWN):
        response = upload(client, "lakeshore", f"student,credential,earned\r\n{named},osha10-general,"
                                               f"{TODAY.isoformat()}\r\n".encode())
        assert response.status_code == 303
        job_id = response.location.rsplit("/", 1)[1]
        rows[named] = env.app.extensions["imports"].get(job_id).rows[0].errors
        committed = client.post(f"/console/lakeshore/import/{job_id}/commit", data={"csrf_token": CSRF})
        assert committed.status_code == 409
    assert rows[student] == rows[UNKNOWN] == ["student: no student has this id"]
    assert env.journal() == before
    # And so the doors the award would have opened stay shut.
    same_answer(client.get(f"/console/lakeshore/students/{student}"),
                client.get(f"/console/lakeshore/students/{UNKNOWN}"), student, UNKNOWN)
    assert post(client, f"/console/lakeshore/students/{student}/claims").status_code == 404
    assert "Calla" not in text(post(client, "/console/lakeshore/students", q="Ivanova"))


def test_only_the_custodian_amends_an_award_and_only_once_through_every_door(env: Env,
                                                                            tokens: dict[str, str]) -> None:
    """Finding 2: an institution amends another's award, or re-points an award already amended."""
    # A demo student both the district and the center serve (the center recorded some of their awards).
    ctc = env.ledger.issuer_did("riverbend-ctc")
    student = next(s for s in env.ledger.access.students(ctc) if ctc in {
        env.ledger.award(r.originator_id).issuer for r in env.ledger.store.select_journal_for_student(s)
        if r.event_type == "CredentialIssued"})
    (old,) = env.ledger.issue([_request("riverbend", student)])
    env.ledger.revoke(old, "superseded", "Earned date corrected.")
    body = {"student": student, "credential": "osha10-general", "earned": TODAY.isoformat(), "supersedes": old}
    before = env.journal()
    refused = api(env, "POST", "/awards", tokens["riverbend-ctc/registrar"], body)
    assert refused.status_code == 409 and refused.get_json()["code"] == "not_authorized"
    batch = api(env, "POST", "/awards/batch", tokens["riverbend-ctc/registrar"], {"items": [body]})
    assert batch.status_code == 409 and batch.get_json()["code"] == "not_authorized"
    form = post(env.client("ctc_registrar"), f"/console/riverbend-ctc/students/{student}/awards/new",
                credential="osha10-general", earned=TODAY.isoformat(), supersedes=old)
    assert form.status_code == 409 and "current custodian may amend it" in text(form)
    assert env.journal() == before
    assert api(env, "POST", "/awards", tokens["riverbend/registrar"], body).status_code == 201
    again = api(env, "POST", "/awards", tokens["riverbend/registrar"], body)
    assert again.status_code == 409 and again.get_json()["code"] == "already_amended"


def test_the_api_never_signs_for_the_receiving_institution(env: Env, tokens: dict[str, str]) -> None:
    """Finding 3: POST /api/v1/transfers countersigned with the receiver's server-held key."""
    student = riverbend_student(env)
    (award,) = env.ledger.issue([_request("riverbend", student)])
    offered = api(env, "POST", "/transfers", tokens["riverbend/registrar"], {"student": student, "to": "lakeshore"})
    assert offered.status_code == 202 and offered.get_json()["status"] == "pending"
    assert env.ledger.award(award).custodian == env.ledger.issuer_did("riverbend")  # nothing moved
    transfer = offered.get_json()["transfer"]
    assert api(env, "POST", f"/transfers/{transfer}/accept", tokens["riverbend/registrar"]).status_code == 404
    assert api(env, "POST", f"/transfers/{transfer}/accept", tokens["riverbend-ctc/registrar"]).status_code == 404
    assert api(env, "POST", f"/transfers/{transfer}/accept", tokens["lakeshore/viewer"]).status_code == 403
    incoming = api(env, "GET", "/transfers", tokens["lakeshore/viewer"]).get_json()["incoming"]
    assert transfer in [t["transfer"] for t in incoming]
    accepted = api(env, "POST", f"/transfers/{transfer}/accept", tokens["lakeshore/registrar"])
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted"
    assert env.ledger.award(award).custodian == env.ledger.issuer_did("lakeshore")


# Each door: an unrelated student is an unknown one ------------------------------------------------------------


def test_console_doors(env: Env) -> None:
    student = riverbend_student(env, "Ottoline Braithwaite")
    client = env.client("lk_registrar")
    for path in ("", "/awards/new", "/transfer"):
        same_answer(client.get(f"/console/lakeshore/students/{student}{path}"),
                    client.get(f"/console/lakeshore/students/{UNKNOWN}{path}"), student, UNKNOWN)
    for path, data in [("/awards/new", {"credential": "osha10-general", "earned": TODAY.isoformat()}),
                       ("/claims", {}), ("/transfer", {"to": "riverbend", "reason": "x"})]:
        same_answer(post(client, f"/console/lakeshore/students/{student}{path}", **data),
                    post(client, f"/console/lakeshore/students/{UNKNOWN}{path}", **data), student, UNKNOWN)
    # Search by name, local id or id finds only the institution's own.
    assert "Ottoline" not in text(post(client, "/console/lakeshore/students", q="Braithwaite"))
    assert "Ottoline" in text(post(env.client("rb_viewer"), "/console/riverbend/students", q="Braithwaite"))
    same_answer(post(client, "/console/lakeshore/students", q=student),
                post(client, "/console/lakeshore/students", q=UNKNOWN), student, UNKNOWN)  # search by id
    # The reports' per-student page.
    reports = env.client("lk_registrar")
    assert reports.get(f"/reports/students/{student}").status_code == reports.get(
        f"/reports/students/{UNKNOWN}").status_code == 404


def test_api_doors(env: Env, tokens: dict[str, str]) -> None:
    student = riverbend_student(env)
    token = tokens["lakeshore/registrar"]
    for path in ("/students/{}", "/students/{}/bundle"):
        same_answer(api(env, "GET", path.format(student), token), api(env, "GET", path.format(UNKNOWN), token),
                    student, UNKNOWN)
    for path, body in [("/awards", {"student": "{}", "credential": "osha10-general", "earned": "2026-03-01"}),
                       ("/awards/batch", {"items": [{"student": "{}", "credential": "osha10-general",
                                                     "earned": "2026-03-01"}]}),
                       ("/transfers", {"student": "{}", "to": "riverbend"}),
                       ("/shares", {"grantee": "riverbend-ctc", "students": ["{}"], "purpose": "record",
                                    "until": until()})]:
        def send(named: str) -> Any:
            return api(env, "POST", path, token, json.loads(json.dumps(body).replace("{}", named)))
        same_answer(send(student), send(UNKNOWN), student, UNKNOWN)
    listed = api(env, "GET", "/students?limit=1000", tokens["lakeshore/viewer"]).get_json()["students"]
    assert student not in [s["student"] for s in listed]


def test_cli_doors(env: Env, tmp_path: Any) -> None:
    student = riverbend_student(env)
    data_dir = env.ledger.config.data_dir

    def run(*args: str) -> CliResult:
        return invoke_cli(data_dir, *args, passphrase=DEMO_PASSPHRASE, catch_exceptions=True)

    for args in (["issue", "--issuer", "lakeshore", "--student", "{}", "--credential", "osha10-general",
                  "--earned", "2026-03-01"],
                 ["student", "claim", "{}", "--issuer", "lakeshore"],
                 ["share", "grant", "--from", "lakeshore", "--to", "riverbend-ctc", "--student", "{}",
                  "--until", until()]):
        unrelated, unknown = (run(*[a.replace("{}", s) for a in args]) for s in (student, UNKNOWN))
        assert unrelated.code == unknown.code != 0, unrelated.output
        assert unrelated.output.replace(student, "ID") == unknown.output.replace(UNKNOWN, "ID")
    csv = tmp_path / "rows.csv"
    csv.write_text(f"student,credential,earned\n{student},osha10-general,2026-03-01\n")
    result = run("import", str(csv), "--issuer", "lakeshore", "--commit")
    assert result.code == 2 and "student: no student has this id" in result.output


# The CTE center's day ------------------------------------------------------------------------------------


def test_the_cte_centers_day(env: Env, tokens: dict[str, str]) -> None:
    ledger = env.ledger
    local_ids = [f"RB-CTE-{uuid.uuid4().hex[:5]}" for _ in range(4)]
    names = ["Ines Waterhouse", "Kofi Delacroix-Marsh", "Ruth Abernathy-Sato", "Silas Mbeki-Varga"]
    students = ledger.register_students("riverbend", [
        {"name": name, "birth_date": "2008-09-09", "local_id": local_id} for name, local_id in zip(names, local_ids)])
    center = env.client("ctc_registrar")
    assert "Ines Waterhouse" not in text(post(center, "/console/riverbend-ctc/students", q="Waterhouse"))

    # The district's administrator shares the CTE roster (three of the four): a CSV of local ids.
    district = env.client("rb_admin")
    form = text(district.get("/console/riverbend/shares/new"))
    assert "Riverbend Career &amp; Technical Center" in form
    roster_csv = ("local_id\r\n" + "\r\n".join(local_ids[:3]) + "\r\n").encode()
    bad = district.post("/console/riverbend/shares/new", data={
        "csrf_token": CSRF, "grantee": "riverbend-ctc", "purpose": "record", "until": until(),
        "local_ids": "NO-SUCH-ID"}, content_type="multipart/form-data")
    assert bad.status_code == 400 and "none of your students has this local id" in text(bad)
    granted = district.post("/console/riverbend/shares/new", data={
        "csrf_token": CSRF, "grantee": "riverbend-ctc", "purpose": "record", "until": until(),
        "note": "CTE roster", "file": (io.BytesIO(roster_csv), "roster.csv")}, content_type="multipart/form-data")
    assert granted.status_code == 303, text(granted)
    share_id = granted.location.rsplit("/", 1)[1]

    # The center's registrar finds them, as the district recorded them; not the fourth.
    found = text(post(center, "/console/riverbend-ctc/students", q="Waterhouse"))
    assert "Ines Waterhouse" in found and local_ids[0] in found
    assert "Silas" not in text(post(center, "/console/riverbend-ctc/students", q="Mbeki-Varga"))
    listing = text(center.get(f"/console/riverbend-ctc/shares/{share_id}"))
    assert all(name in listing for name in names[:3]) and "Silas" not in listing
    # It records one at a time in the console, by CSV, and by API with its own token.
    recorded = post(center, f"/console/riverbend-ctc/students/{students[0]}/awards/new",
                    credential="servsafe-handler", earned=TODAY.isoformat(), evidence_key_0="certificate",
                    evidence_value_0="SSH-4410")
    assert recorded.status_code == 303
    csv = f"local_id,credential,earned\r\n{local_ids[1]},osha10-general,{TODAY.isoformat()}\r\n".encode()
    job = upload(center, "riverbend-ctc", csv).location.rsplit("/", 1)[1]
    assert env.app.extensions["imports"].get(job).rows[0].errors == []
    assert center.post(f"/console/riverbend-ctc/import/{job}/commit", data={"csrf_token": CSRF}).status_code == 303
    env.app.extensions["imports"].wait(job, timeout=30)
    by_api = api(env, "POST", "/awards", tokens["riverbend-ctc/registrar"],
                 {"student": students[1], "credential": "bls-provider", "earned": TODAY.isoformat()})
    assert by_api.status_code == 201
    refused = api(env, "POST", "/awards", tokens["riverbend-ctc/registrar"],
                  {"student": students[3], "credential": "bls-provider", "earned": TODAY.isoformat()})
    assert refused.status_code == 400 and refused.get_json()["errors"] == {"student": ["no such student"]}

    # Reports: the center counts what it recorded, by sending district; the district counts its students'.
    assert "Riverbend Unified School District" in text(center.get("/reports/irc-summary"))
    assert "Riverbend Career &amp; Technical Center" in text(district.get("/reports/irc-summary"))

    # The students see the share in their record of disclosures.
    from tests.web.test_student_pages import signed_in

    page = signed_in(env.app, ledger, students[0]).get("/me/disclosures").text
    assert "Shared by your school" in page and "to record credentials (CTE roster)" in page

    # Only the district withdraws. Then the center keeps the students it recorded for, and no others.
    assert post(center, f"/console/riverbend-ctc/shares/{share_id}/withdraw").status_code == 403
    assert post(district, f"/console/riverbend/shares/{share_id}/withdraw").status_code == 303
    assert center.get(f"/console/riverbend-ctc/students/{students[0]}").status_code == 200
    assert center.get(f"/console/riverbend-ctc/students/{students[1]}").status_code == 200
    same_answer(center.get(f"/console/riverbend-ctc/students/{students[2]}"),
                center.get(f"/console/riverbend-ctc/students/{UNKNOWN}"), students[2], UNKNOWN)
    listing = text(center.get(f"/console/riverbend-ctc/shares/{share_id}"))
    assert "withdrawn" in listing and names[2] not in listing and names[0] in listing
    assert "Ruth" not in text(post(center, "/console/riverbend-ctc/students", q="Abernathy"))

    # A share for reporting only: the center sees the student and records nothing.
    ledger.share_roster("riverbend", "riverbend-ctc", [students[3]], purpose="report", until=TODAY)
    assert center.get(f"/console/riverbend-ctc/students/{students[3]}").status_code == 200
    refused_form = post(center, f"/console/riverbend-ctc/students/{students[3]}/awards/new",
                        credential="osha10-general", earned=TODAY.isoformat())
    assert refused_form.status_code == 403 and "reporting only" in text(refused_form)


def test_a_revocation_racing_a_transfer_is_refused_not_signed_as_the_new_custodian(
        env: Env, tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 10, finding 7: custody was checked on one read and the revocation signed as whoever was
    custodian on a later one. Here a real transfer (another writer) lands between the API's check
    and the revocation."""
    import web.api

    from tests.support import transfer

    student = riverbend_student(env)
    (award,) = env.ledger.issue([_request("riverbend", student)])
    checked = web.api._custodian_award

    def check_then_lose_custody(award_id: str, issuer: Any) -> Any:
        found = checked(award_id, issuer)
        transfer(env.ledger, [award_id], "lakeshore", "Student enrolled at Lakeshore")  # meanwhile
        return found
    monkeypatch.setattr(web.api, "_custodian_award", check_then_lose_custody)
    before = env.journal()
    response = api(env, "POST", f"/awards/{award}/revoke", tokens["riverbend/registrar"],
                   {"reason": "issued_in_error", "note": "Recorded for the wrong student."})
    assert response.status_code == 409 and response.get_json()["code"] == "conflict"
    assert env.journal() == before + 1  # only the transfer
    assert env.ledger.award(award).revocation is None
    assert env.ledger.award(award).custodian == env.ledger.issuer_did("lakeshore")


def test_a_write_that_cannot_get_the_database_is_a_503_with_retry_after(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 10, finding 8 (in part): under contention a writer that cannot get SQLite's write lock
    answered 500; it answers 503 with Retry-After, and nothing is stored."""
    import sqlite3

    from ledger.config import SQLITE_FILE
    from ledger.instance import init_instance
    from web import create_app
    from web.db import create_web_tables

    monkeypatch.setenv("CREDLEDGER_SQLITE_LOCK_TIMEOUT", "1")
    ledger = init_instance(tmp_path / "i", "pw", scrypt_n=2**10)
    try:
        create_web_tables(ledger.store)
        ledger.register_issuer("fernhill", "Fernhill School District", "district")
        token = Accounts(ledger.store).add_api_token("fernhill", "registrar", "t")
        app = create_app({"LEDGER": ledger, "TESTING": True})
        before = ledger.store.journal_size()
        other_writer = sqlite3.connect(tmp_path / "i" / SQLITE_FILE, isolation_level=None)
        other_writer.execute("BEGIN IMMEDIATE")  # another process holds the one write lock
        try:
            response = app.test_client().post(
                "/api/v1/students", headers={"Authorization": f"Bearer {token}"},
                json={"name": "Ada Ferrow", "birth_date": "2008-01-02", "local_id": "F-1"})
        finally:
            other_writer.execute("ROLLBACK")
            other_writer.close()
        assert response.status_code == 503 and response.headers["Retry-After"] == "2"
        assert response.get_json()["code"] == "unavailable"
        assert ledger.store.journal_size() == before
    finally:
        ledger.close()

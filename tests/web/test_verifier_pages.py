"""The public verifier (web.verifier): share links as HTML and JSON, the printable
view, bundle upload, error pages and rate limits, on a real SQLite ledger.

Bundles are tampered with the way a forger would: one field of a signed event
changed, the file kept well-formed.
"""

from __future__ import annotations

import copy
import io
import itertools
import json
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ledger.application import IssueRequest, Ledger
from ledger.export import export_bundle
from ledger.instance import init_instance
from tests.support import make_demo_world
from verifiers.bundle import STEPS
from web import MAX_UPLOAD_BYTES, create_app
from web.sharing import Sharing

_addresses = itertools.count(1)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    world = make_demo_world(Path(tmp_path_factory.mktemp("verifier")) / "i", students=10,
                            app_config={"VERIFY_RATE_LIMIT": (10_000, 60)})
    ledger, app = world.ledger, world.app
    projections = app.extensions["projections"]
    projections.catch_up()
    # Student ids are random: order them by how many active credentials they hold, most first,
    # so that every test finds what it needs whatever the ids came out as.
    today = ledger.clock().date()
    students = sorted((s["student"] for s in projections.students()), key=lambda student: -sum(
        a["status"] == "active" for a in projections.transcript(student, today)["awards"]))
    expired = ledger.issue([IssueRequest("riverbend-ctc", students[0], "aws-certified-welder",
                                         today - timedelta(days=400), {"certificate": "AWS-7654321"})])[0]
    ledger.transparency_log.integrate()
    projections.catch_up()
    yield {"ledger": ledger, "app": app, "students": students, "expired": expired}
    ledger.close()


def client(app: Flask) -> FlaskClient:
    c = app.test_client()
    c.environ_base["REMOTE_ADDR"] = f"10.2.0.{next(_addresses)}"
    return c


def active_awards(env: dict[str, Any], student: str) -> list[str]:
    awards = env["app"].extensions["projections"].transcript(student, env["ledger"].clock().date())["awards"]
    return [a["award"] for a in awards if a["status"] == "active"]


def link(env: dict[str, Any], student: str, awards: list[str] | None, label: str = "job") -> str:
    return Sharing(env["ledger"].store).create(student, label, awards=awards, days=30, now=datetime.now(timezone.utc))


def csrf(c: FlaskClient) -> str:
    c.get("/verify")
    with c.session_transaction() as session:
        return str(session["csrf"])


def upload(c: FlaskClient, content: bytes, **extra: Any) -> Any:
    headers = extra.pop("headers", {})
    return c.post("/verify", data={"csrf_token": csrf(c), "bundle": (io.BytesIO(content), "transcript.json"), **extra},
                  content_type="multipart/form-data", headers=headers)


def no_inline_code(html: str) -> None:
    assert "<script" not in html
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)


# Share links ----------------------------------------------------------------------------


def test_link_json_is_the_documented_shape(env: dict[str, Any]) -> None:
    ledger, student = env["ledger"], env["students"][1]
    awards = active_awards(env, student)[:2]
    token = link(env, student, awards)
    response = client(env["app"]).get(f"/v/{token}.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    data = response.get_json()
    assert set(data) == {"verified", "student", "checkpoint", "credentials"}
    assert data["verified"] is True
    assert data["student"] == {"name": ledger.identity(student).claims["name"]}
    assert data["checkpoint"] == {"origin": ledger.transparency_log.origin, "size": ledger.store.latest_checkpoint()[0]}
    assert [c["award"] for c in data["credentials"]] == awards
    for credential in data["credentials"]:
        assert set(credential) == {"award", "credential", "name", "issuer", "issuer_name", "earned", "expires",
                                   "status", "revoked_on", "evidence", "lookup_url", "verified", "steps"}
        award = ledger.award(credential["award"])
        assert credential["issuer"] == award.issuer and credential["credential"] == award.credential
        assert credential["status"] == "active" and credential["verified"] is True
        assert [s["step"] for s in credential["steps"]] == list(STEPS)
        assert all(set(s) == {"step", "ok", "detail"} and s["detail"] for s in credential["steps"])
        assert credential["steps"][1]["ok"] is None  # witnessed: the site pins no witnesses of its own
        assert all(s["ok"] is True for s in credential["steps"][:9] if s["step"] != "witnessed")
        assert all(s["ok"] is None for s in credential["steps"][9:])  # online steps: not needed here


def test_accept_header_chooses_json_or_html(env: dict[str, Any]) -> None:
    student = env["students"][1]
    token = link(env, student, active_awards(env, student)[:1])
    c = client(env["app"])
    as_json = c.get(f"/v/{token}", headers={"Accept": "application/json"})
    assert as_json.mimetype == "application/json" and as_json.headers["Vary"] == "Accept"
    assert as_json.get_json() == c.get(f"/v/{token}.json").get_json()
    page = c.get(f"/v/{token}", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.mimetype == "text/html"


def test_link_page_shows_each_step_in_plain_words(env: dict[str, Any]) -> None:
    ledger, student = env["ledger"], env["students"][1]
    token = link(env, student, active_awards(env, student)[:2])
    response = client(env["app"]).get(f"/v/{token}")
    assert response.status_code == 200
    page = response.text
    no_inline_code(page)
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert f"Credentials of {ledger.identity(student).claims['name']}" in page
    assert "✓ Verified" in page
    for title in ("Signature", "Issuer&#39;s key valid at the time", "Recorded in the public log", "Status"):
        assert title in page
    assert page.count('<li class="ok">') == 2 * 8
    assert f"a tree of {ledger.store.latest_checkpoint()[0]} entries" in page
    assert 'href="/log/checkpoint"' in page
    assert f'href="/v/{token}/print"' in page


def test_printable_view_has_a_qr_code_of_the_link(env: dict[str, Any]) -> None:
    student = env["students"][1]
    token = link(env, student, None)
    response = client(env["app"]).get(f"/v/{token}/print")
    assert response.status_code == 200
    no_inline_code(response.text)
    assert re.search(r'<svg viewBox="0 0 \d+ \d+" class="qr">', response.text)
    assert f"http://localhost/v/{token}" in response.text


def test_expired_credential_is_not_revoked(env: dict[str, Any]) -> None:
    student = env["students"][0]
    token = link(env, student, [env["expired"]])
    c = client(env["app"])
    (credential,) = c.get(f"/v/{token}.json").get_json()["credentials"]
    assert credential["status"] == "expired" and credential["verified"] is True
    status = next(s for s in credential["steps"] if s["step"] == "status")
    assert status["ok"] is True and "not revoked" in status["detail"]
    page = c.get(f"/v/{token}").text
    assert 'class="badge warn">⌛ expired' in page and "⌛ Expired (genuine): it was valid and was not revoked" in page
    assert "<title>1 expired (genuine) — credentials of" in page


def test_revoking_the_award_shows_revoked_on_the_link(env: dict[str, Any]) -> None:
    ledger, student = env["ledger"], env["students"][2]
    award = active_awards(env, student)[0]
    token = link(env, student, [award])
    c = client(env["app"])
    assert c.get(f"/v/{token}.json").get_json()["verified"] is True  # and now cached

    ledger.revoke(award, "misconduct", "Score report was forged.")
    data = c.get(f"/v/{token}.json").get_json()
    (credential,) = data["credentials"]
    assert data["verified"] is False
    assert credential["status"] == "revoked: misconduct" and credential["verified"] is False
    status = next(s for s in credential["steps"] if s["step"] == "status")
    assert status["ok"] is False and "Score report was forged." in status["detail"]
    assert credential["revoked_on"] == ledger.award(award).revocation["effective"]
    page = c.get(f"/v/{token}").text
    day = credential["revoked_on"][:10]
    assert f"✗ Revoked on {day}: obtained by cheating or fraud. Do not rely on it." in page
    assert 'class="verdict bad">✗ 1 revoked.' in page and "<title>1 revoked — credentials of" in page
    assert 'class="badge ok"' not in page


def test_whole_transcript_link_leaves_out_superseded_awards(env: dict[str, Any]) -> None:
    ledger = env["ledger"]
    projections = env["app"].extensions["projections"]
    today = ledger.clock().date()
    for student in env["students"]:
        awards = projections.transcript(student, today)["awards"]
        superseded = [a["award"] for a in awards if a["status"] == "superseded"]
        if superseded:
            break
    else:
        pytest.fail("the demo has an amended award")
    data = client(env["app"]).get(f"/v/{link(env, student, None)}.json").get_json()
    shared = [c["award"] for c in data["credentials"]]
    assert superseded[0] not in shared
    assert len(shared) == len(awards) - 1


def test_unknown_link_is_404(env: dict[str, Any]) -> None:
    c = client(env["app"])
    page = c.get("/v/" + "x" * 43)
    assert page.status_code == 404 and "No transcript is shared at this address" in page.text
    no_inline_code(page.text)
    response = c.get("/v/" + "x" * 43 + ".json")
    assert response.status_code == 404 and response.get_json()["code"] == "not_found"


def test_verify_endpoints_are_rate_limited_per_client(env: dict[str, Any]) -> None:
    app = create_app({"LEDGER": env["ledger"], "TESTING": True})  # the default limit: 120 a minute
    student = env["students"][1]
    token = link(env, student, active_awards(env, student)[:1])
    busy, other = client(app), client(app)
    statuses = [busy.get(f"/v/{token}.json").status_code for _ in range(121)]
    assert statuses[:120] == [200] * 120  # (a minute boundary in between would only allow more)
    if statuses[120] == 200:
        statuses.append(busy.get(f"/v/{token}.json").status_code)
    assert statuses[-1] == 429
    assert busy.get(f"/v/{token}").status_code == 429
    assert upload(busy, b"{}").status_code == 429
    assert other.get(f"/v/{token}.json").status_code == 200


# Upload ---------------------------------------------------------------------------------


def test_upload_form(env: dict[str, Any]) -> None:
    response = client(env["app"]).get("/verify")
    assert response.status_code == 200
    no_inline_code(response.text)
    assert 'enctype="multipart/form-data"' in response.text
    assert env["ledger"].transparency_log.verifier_key in response.text


def test_upload_a_good_bundle(env: dict[str, Any]) -> None:
    ledger, student = env["ledger"], env["students"][3]
    bundle = export_bundle(ledger, student, only=active_awards(env, student)[:2], disclose=["name"])
    response = upload(client(env["app"]), json.dumps(bundle).encode())
    assert response.status_code == 200
    no_inline_code(response.text)
    assert "✓ Verified" in response.text
    assert f"Credentials of {ledger.identity(student).claims['name']}" in response.text
    as_json = upload(client(env["app"]), json.dumps(bundle).encode(), headers={"Accept": "application/json"})
    data = as_json.get_json()
    assert data["verified"] is True and len(data["credentials"]) == 2
    # A file of this site's ledger is checked against its current state too (issue 13: it was offline only).
    online = [s for c in data["credentials"] for s in c["steps"] if s["step"] in ("consistency", "current_status")]
    assert len(online) == 4 and all(s["ok"] is True for s in online), online


def test_upload_without_a_name_shows_none(env: dict[str, Any]) -> None:
    ledger, student = env["ledger"], env["students"][3]
    bundle = export_bundle(ledger, student, only=active_awards(env, student)[:1])
    response = upload(client(env["app"]), json.dumps(bundle).encode())
    assert response.status_code == 200 and "does not disclose a name" in response.text
    assert ledger.identity(student).claims["name"] not in response.text


def _tampered(env: dict[str, Any]) -> tuple[dict[str, Any], str]:
    student = env["students"][3]
    award = active_awards(env, student)[0]
    bundle = copy.deepcopy(export_bundle(env["ledger"], student, only=[award]))
    bundle["streams"][award][0]["event"]["evidence"]["certificate"] = "FORGED-0000001"
    return bundle, award


def test_upload_a_tampered_bundle_shows_the_failing_step(env: dict[str, Any]) -> None:
    bundle, award = _tampered(env)
    response = upload(client(env["app"]), json.dumps(bundle).encode())
    assert response.status_code == 200
    assert "✗ 1 altered or not genuine." in response.text and "<title>1 altered or not genuine" in response.text
    assert "✗ Altered or not genuine: a check of its evidence failed." in response.text
    assert re.search(r'<li class="bad"><strong>Signature</strong>\s*\(failed\)', response.text)
    # A forged card shows no green and no forged data as fact.
    assert 'class="badge ok"' not in response.text and 'class="verdict ok"' not in response.text
    assert "What the file claims (not proven)" in response.text
    data = upload(client(env["app"]), json.dumps(bundle).encode(), headers={"Accept": "application/json"}).get_json()
    (credential,) = data["credentials"]
    failed = {s["step"] for s in credential["steps"] if s["ok"] is False}
    assert "signature" in failed and credential["verified"] is False and data["verified"] is False


@pytest.mark.parametrize(
    "content, message",
    [
        (b"Dear hiring manager, please find attached", "it is not JSON"),
        (b"\xff\xfe\x00garbage", "it is not JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "not"),
        (b'{"format": "something/else"}', "not a transcript bundle"),
        (b"[1, 2, 3]", "JSON object"),
    ],
)
def test_upload_of_something_else_is_400(env: dict[str, Any], content: bytes, message: str) -> None:
    response = upload(client(env["app"]), content)
    assert response.status_code == 400
    assert "This file is not a credledger transcript" in response.text and message in response.text
    no_inline_code(response.text)


def test_upload_without_a_file_is_400(env: dict[str, Any]) -> None:
    c = client(env["app"])
    response = c.post("/verify", data={"csrf_token": csrf(c)}, content_type="multipart/form-data")
    assert response.status_code == 400 and "Choose the transcript file" in response.text


def test_upload_too_large_is_413(env: dict[str, Any]) -> None:
    response = upload(client(env["app"]), b" " * (MAX_UPLOAD_BYTES + 1))
    assert response.status_code == 413
    assert "File too large" in response.text


def test_upload_needs_csrf(env: dict[str, Any]) -> None:
    c = client(env["app"])
    response = c.post("/verify", data={"bundle": (io.BytesIO(b"{}"), "t.json")}, content_type="multipart/form-data")
    assert response.status_code == 400


def _other_ledger(tmp_path: Path) -> tuple[Ledger, dict[str, Any]]:
    other = init_instance(tmp_path / "other", "pw", domain="records.example.org", scrypt_n=2**10)
    other.register_issuer("elm-tech", "Elm Technical Institute", "cte_center")
    other.define_credential("osha10-general", {"name": "OSHA 10-Hour General Industry",
                                               "certifyingBody": "OSHA Outreach Training Program",
                                               "credentialType": "certificate", "validityMonths": None,
                                               "careerField": "Manufacturing"})
    student = other.register_student("elm-tech", {"name": "Ada Quist", "birth_date": "2008-02-02",
                                                  "local_id": "E-1"})
    other.issue([IssueRequest("elm-tech", student, "osha10-general", date(2026, 5, 1), {"certificate": "O-1"})])
    return other, export_bundle(other, student, disclose=["name"])


def test_bundle_from_another_credledger_with_its_log_key(env: dict[str, Any], tmp_path: Path) -> None:
    other, bundle = _other_ledger(tmp_path)
    try:
        content = json.dumps(bundle).encode()
        against_ours = upload(client(env["app"]), content, headers={"Accept": "application/json"}).get_json()
        assert against_ours["verified"] is False
        assert against_ours["credentials"][0]["steps"][0]["ok"] is False  # checkpoint: not our log

        pasted = upload(client(env["app"]), content, log_key=other.transparency_log.verifier_key)
        assert pasted.status_code == 200
        # Genuine, but never "current" without having checked: another log's file is checked offline.
        assert "✓ Verified" not in pasted.text and "Credentials of Ada Quist" in pasted.text
        assert "? Genuine, but whether it is still current was not checked" in pasted.text
        assert "Checked offline only" in pasted.text
        assert "checked against the log key you pasted" in pasted.text
        main = pasted.text.split('<main id="main" tabindex="-1">')[1].split("</main>")[0]
        assert 'href="/log/checkpoint"' not in main  # not our log: no link to our checkpoint
    finally:
        other.close()


def test_pasted_key_that_is_not_a_key_is_400(env: dict[str, Any]) -> None:
    bundle = export_bundle(env["ledger"], env["students"][3])
    response = upload(client(env["app"]), json.dumps(bundle).encode(), log_key="not a key")
    assert response.status_code == 400 and "is not a log key" in response.text


@pytest.mark.parametrize("pasted", ["", "own"])
def test_a_fault_in_verifying_is_a_500_not_a_bad_log_key(env: dict[str, Any], pasted: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Only parsing the pasted key answers "not a log key": a ValueError from inside verification
    (the verifiers' word for misuse, so a bug of ours) is an internal error, whatever was pasted."""
    bundle = export_bundle(env["ledger"], env["students"][3])
    key = env["ledger"].transparency_log.verifier_key if pasted else ""

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("misuse inside verification")

    monkeypatch.setattr("web.verifier.verify_bundle", broken)
    response = upload(client(env["app"]), json.dumps(bundle).encode(), log_key=key)
    assert response.status_code == 500 and "is not a log key" not in response.text


def test_link_to_a_transcript_without_credentials(env: dict[str, Any]) -> None:
    ledger = env["ledger"]
    student = ledger.register_student("riverbend", {"name": "Nell Newcomer", "birth_date": "2009-01-01",
                                                    "local_id": "RB-999"})
    token = link(env, student, None)
    c = client(env["app"])
    data = c.get(f"/v/{token}.json").get_json()
    assert data["credentials"] == [] and data["student"] == {"name": "Nell Newcomer"}
    page = c.get(f"/v/{token}").text
    assert "holds no credentials" in page and "✓ Verified" not in page


def test_an_erased_identity_leaves_the_link_at_once(env: dict[str, Any]) -> None:
    ledger = env["ledger"]
    student = ledger.register_student("riverbend", {"name": "Ezra Erasable", "birth_date": "2008-09-09",
                                                    "local_id": "RB-990001"})
    (award,) = ledger.issue([IssueRequest("riverbend", student, "osha10-general", date(2026, 3, 1), {})])
    ledger.transparency_log.integrate()
    token = link(env, student, [award])
    c = client(env["app"])
    assert c.get(f"/v/{token}.json").get_json()["student"] == {"name": "Ezra Erasable"}
    assert ledger.erase_identity(student)
    # Erasure records no event: the cached result must not outlive the vault row.
    after = c.get(f"/v/{token}.json").get_json()
    assert after["student"] == {} and after["verified"] is True


# Open Badges 3.0 files --------------------------------------------------------------------------


def test_upload_an_open_badge_of_this_site(env: dict[str, Any]) -> None:
    from ledger.vc.openbadge import open_badge

    ledger, student = env["ledger"], env["students"][4]
    badge = open_badge(ledger, active_awards(env, student)[0])
    page = upload(client(env["app"]), json.dumps(badge).encode())
    assert page.status_code == 200
    no_inline_code(page.text)
    # The one vocabulary of verdicts (web.verdicts): its status list was read, so "genuine and current".
    assert "✓ Genuine and current: signed by" in page.text and f"<title>Genuine and current — {badge['name']}" in page.text
    data = upload(client(env["app"]), json.dumps(badge).encode(), headers={"Accept": "application/json"}).get_json()
    assert data["kind"] == "open_badge" and data["verified"] is True and data["status"] == "active"
    assert [s["step"] for s in data["steps"]] == ["format", "signature", "validity", "status"]
    # One changed letter: not verified, and the page says which step failed.
    forged = dict(badge, name=badge["name"] + "s")
    page = upload(client(env["app"]), json.dumps(forged).encode())
    assert "✗ Not verified: do not rely on this badge" in page.text and "<title>Altered or not genuine" in page.text
    data = upload(client(env["app"]), json.dumps(forged).encode(), headers={"Accept": "application/json"}).get_json()
    assert {s["step"]: s["ok"] for s in data["steps"]}["signature"] is False


def test_an_expired_badge_is_expired_not_forged(env: dict[str, Any]) -> None:
    from ledger.vc.openbadge import open_badge

    page = upload(client(env["app"]), json.dumps(open_badge(env["ledger"], env["expired"])).encode())
    assert "Expired (genuine)" in page.text and "✗" not in page.text.split("What was checked")[0]


def test_a_badge_from_another_site_is_not_checked_and_nothing_is_fetched(env: dict[str, Any]) -> None:
    from ledger.vc.openbadge import open_badge

    ledger, student = env["ledger"], env["students"][4]
    badge = open_badge(ledger, active_awards(env, student)[0])
    badge["issuer"] = dict(badge["issuer"], id="did:web:elsewhere.example:issuers:x")
    badge.pop("credentialStatus")  # another site's badge names another site's list
    data = upload(client(env["app"]), json.dumps(badge).encode(), headers={"Accept": "application/json"}).get_json()
    signature = next(s for s in data["steps"] if s["step"] == "signature")
    assert data["verified"] is False and signature["ok"] is False  # its proof names a key of another DID
    badge["proof"] = dict(badge["proof"], verificationMethod="did:web:elsewhere.example:issuers:x#z6Mkfake")
    data = upload(client(env["app"]), json.dumps(badge).encode(), headers={"Accept": "application/json"}).get_json()
    signature = next(s for s in data["steps"] if s["step"] == "signature")
    assert signature == {"step": "signature", "ok": None,
                         "detail": "not checked: no DID document of did:web:elsewhere.example:issuers:x"}
    assert "Not checked: this badge comes from another site" in upload(
        client(env["app"]), json.dumps(badge).encode()).text


def test_a_malformed_badge_is_not_verified_not_unchecked(env: dict[str, Any]) -> None:
    badge = {"type": ["VerifiableCredential", "OpenBadgeCredential"], "name": "Welding"}
    page = upload(client(env["app"]), json.dumps(badge).encode())
    assert page.status_code == 200 and "✗ Not verified" in page.text and "another site" not in page.text



# Uploads are checked against this site's ledger as it is now ---------------------------------------


def _upload_json(env: dict[str, Any], bundle: dict[str, Any]) -> dict[str, Any]:
    answer = upload(client(env["app"]), json.dumps(bundle).encode(), headers={"Accept": "application/json"})
    assert answer.status_code == 200, answer.text
    return answer.get_json()  # type: ignore[no-any-return]


def test_a_file_revoked_after_export_shows_revoked(env: dict[str, Any]) -> None:
    ledger, student = env["ledger"], env["students"][5]
    award = active_awards(env, student)[0]
    bundle = export_bundle(ledger, student, only=[award])
    ledger.revoke(award, "issued_in_error", "recorded for the wrong student")
    (credential,) = _upload_json(env, bundle)["credentials"]
    assert credential["status"] == "revoked: issued_in_error" and credential["verified"] is False
    step = next(s for s in credential["steps"] if s["step"] == "current_status")
    assert step["ok"] is False and "revoked after the export" in step["detail"]
    assert "✓" not in upload(client(env["app"]), json.dumps(bundle).encode()).text.split("</h1>")[1].split("</p>")[0]


def test_a_file_with_its_revocation_cut_out_is_caught(env: dict[str, Any]) -> None:
    ledger, student = env["ledger"], env["students"][6]
    award = active_awards(env, student)[0]
    ledger.revoke(award, "misconduct", "exam irregularity")
    ledger.transparency_log.integrate()
    bundle = export_bundle(ledger, student, only=[award])
    bundle["streams"][award] = bundle["streams"][award][:1]  # the CredentialRevoked entry removed
    data = _upload_json(env, bundle)
    (credential,) = data["credentials"]
    assert data["verified"] is False and credential["status"].startswith("revoked")
    step = next(s for s in credential["steps"] if s["step"] == "current_status")
    assert step["ok"] is False


def test_a_file_of_another_ledger_is_checked_offline_and_says_so(env: dict[str, Any],
                                                                 tmp_path: Path) -> None:
    other = make_demo_world(tmp_path / "other", students=2, web=False)
    try:
        student = other.ledger.store.select_journal_of_type("StudentRegistered")[0].originator_id
        bundle = export_bundle(other.ledger, str(student))
    finally:
        other.ledger.close()
    data = _upload_json(env, bundle)
    steps = [s for c in data["credentials"] for s in c["steps"] if s["step"] in ("consistency", "current_status")]
    assert steps and all(s["ok"] is None and s["detail"].startswith("not checked") for s in steps)


def test_the_page_says_which_checks_were_online(env: dict[str, Any]) -> None:
    ledger, student = env["ledger"], env["students"][3]
    bundle = export_bundle(ledger, student, only=active_awards(env, student)[:1])
    assert "Checked against this site's records as they are now" in upload(
        client(env["app"]), json.dumps(bundle).encode()).text
    bundle["awards"] = bundle["awards"] + ["00000000-0000-4000-8000-000000000000"]
    assert "Checked offline only" in upload(client(env["app"]), json.dumps(bundle).encode()).text


def test_upload_a_clr_of_this_site(env: dict[str, Any]) -> None:
    from ledger.vc.clr import clr_credential

    ledger, student = env["ledger"], env["students"][4]
    clr = clr_credential(ledger, student)
    page = upload(client(env["app"]), json.dumps(clr).encode())
    assert page.status_code == 200
    no_inline_code(page.text)
    assert "✓ Verified: the transcript and every credential in it are genuine" in page.text
    assert "<title>Verified —" in page.text
    data = upload(client(env["app"]), json.dumps(clr).encode(), headers={"Accept": "application/json"}).get_json()
    assert data["kind"] == "clr" and data["verified"] is True
    assert len(data["credentials"]) == len(clr["credentialSubject"]["verifiableCredential"])
    clr["credentialSubject"]["verifiableCredential"][0]["name"] = "Forged"
    page = upload(client(env["app"]), json.dumps(clr).encode())
    assert "✗ Not verified: 1 credential revoked, altered or not genuine" in page.text and "<title>Not verified" in page.text


def test_a_share_link_offers_its_clr(env: dict[str, Any]) -> None:
    from verifiers.clr import verify_clr
    from verifiers.didweb import did_document

    ledger, student = env["ledger"], env["students"][1]
    awards = active_awards(env, student)[:2]
    token = link(env, student, awards, label="clr")
    c = client(env["app"])
    assert f"/v/{token}.clr.json" in c.get(f"/v/{token}").text
    answer = c.get(f"/v/{token}.clr.json")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    clr = answer.get_json()
    held = [b["id"].rsplit("/", 1)[1] for b in clr["credentialSubject"]["verifiableCredential"]]
    assert held == awards
    identity = clr["credentialSubject"]["identifier"][0]
    assert identity["hashed"] is False and identity["identityHash"] == ledger.identity(student).claims["name"]
    documents = {i.did: did_document(i.did, i.keys.values(), ledger.clock()) for i in ledger.issuers()}
    assert verify_clr(clr, documents, ledger.clock()).ok
    channels = [d["channel"] for d in Sharing(ledger.store).disclosures(student)]
    assert "clr" in channels
    assert c.get("/v/no-such-token.clr.json").status_code == 404


def test_a_badge_revoked_after_export_shows_revoked_from_the_status_list(env: dict[str, Any]) -> None:
    from ledger.vc.openbadge import open_badge

    ledger, student = env["ledger"], env["students"][7]
    award = active_awards(env, student)[0]
    badge = open_badge(ledger, award)
    assert "credentialStatus" in badge
    before = upload(client(env["app"]), json.dumps(badge).encode(), headers={"Accept": "application/json"}).get_json()
    assert {s["step"]: s["ok"] for s in before["steps"]}["status"] is True and before["verified"]
    ledger.revoke(award, "misconduct", "exam irregularity")
    env["app"].extensions["projections"].catch_up()
    page = upload(client(env["app"]), json.dumps(badge).encode())
    assert "✗ Revoked:" in page.text and "<title>Revoked —" in page.text


def test_a_tampered_disclosed_name_is_called_altered(env: dict[str, Any]) -> None:
    """Issue 13: a changed name read "The file does not disclose a name."."""
    ledger, student = env["ledger"], env["students"][3]
    bundle = export_bundle(ledger, student, only=active_awards(env, student)[:1], disclose=["name"])
    bundle["disclosed"]["name"]["value"] = "Someone Else Entirely"
    page = upload(client(env["app"]), json.dumps(bundle).encode()).text
    assert "that name is not the one the schools signed: it was altered" in page
    assert "The file does not disclose a name." not in page and "Someone Else Entirely" not in page


def test_the_evidence_numbers_are_shown_with_the_certifying_bodys_lookup(env: dict[str, Any]) -> None:
    ledger, student = env["ledger"], env["students"][5]
    today = ledger.clock().date()
    award, osha = ledger.issue([
        IssueRequest("riverbend-ctc", student, "comptia-a-plus", today - timedelta(days=30),
                     {"certificate": "COMP-2468024", "score": 812}),
        IssueRequest("riverbend-ctc", student, "osha10-general", today - timedelta(days=20),
                     {"certificate": "OSHA-1357913"})])
    ledger.transparency_log.integrate()
    token = link(env, student, [award])
    data = client(env["app"]).get(f"/v/{token}.json").get_json()
    (credential,) = data["credentials"]
    assert credential["evidence"] == {"certificate": "COMP-2468024", "score": 812}
    assert credential["lookup_url"] == "https://www.certmetrics.com/comptia/public/verification.aspx"
    page = client(env["app"]).get(f"/v/{token}").text
    assert re.search(r"<dt>certificate number</dt><dd class=\"mono\">COMP-2468024</dd>", page)
    assert re.search(r"<dt>score</dt><dd class=\"mono\">812</dd>", page)
    # A plain link to the body's page: nothing of the student's in it.
    assert ('<a href="https://www.certmetrics.com/comptia/public/verification.aspx" rel="noopener noreferrer" '
            'target="_blank">check the number on its site</a>') in page
    # OSHA publishes no lookup: its card shows the number without a link.
    plain = link(env, student, [osha])
    assert client(env["app"]).get(f"/v/{plain}.json").get_json()["credentials"][0]["lookup_url"] is None
    page = client(env["app"]).get(f"/v/{plain}").text
    assert "OSHA-1357913" in page and "check the number on its site" not in page


def test_a_forged_card_shows_no_evidence_as_fact(env: dict[str, Any]) -> None:
    bundle, _ = _tampered(env)
    page = upload(client(env["app"]), json.dumps(bundle).encode()).text
    assert "1 altered or not genuine" in page
    assert "FORGED-0000001" not in page and "check the number on its site" not in page
    assert '<dl class="evidence">' not in page

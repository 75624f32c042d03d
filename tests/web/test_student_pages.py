"""Student pages (web.student) through the Flask test client, on a real SQLite ledger.

A student signs in with a claim code, sees the transcript with status badges,
shares it (whole or chosen credentials) by link, sees every view of every link
in the record of disclosures, revokes links, and downloads the portable file.
One student can never see or revoke another's links.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from ledger.application import IssueRequest, Ledger
from tests.support import make_demo_world
from verifiers.bundle import verify_bundle
from web.accounts import Accounts
from web.sharing import Sharing

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    world = make_demo_world(Path(tmp_path_factory.mktemp("student")) / "i", students=10,
                            app_config={"VERIFY_RATE_LIMIT": (10_000, 60)})
    ledger, app, info = world.ledger, world.app, world.demo
    projections = app.extensions["projections"]
    projections.catch_up()
    # Student ids are random: order them by how many active credentials they hold, most first,
    # so that every test finds what it needs whatever the ids came out as.
    today = ledger.clock().date()
    students = sorted((s["student"] for s in projections.students()), key=lambda student: -sum(
        a["status"] == "active" for a in projections.transcript(student, today)["awards"]))
    # One credential long expired (a 6-month welding certificate earned over a year ago).
    expired = ledger.issue([IssueRequest("riverbend-ctc", students[1], "aws-certified-welder",
                                         today - timedelta(days=400), {"certificate": "AWS-1234567"})])[0]
    ledger.transparency_log.integrate()
    yield {"ledger": ledger, "app": app, "info": info, "students": students, "expired": expired}
    ledger.close()


def transcript(env: dict[str, Any], student: str) -> list[dict[str, Any]]:
    ledger = env["ledger"]
    env["app"].extensions["projections"].catch_up()
    return env["app"].extensions["projections"].transcript(student, ledger.clock().date())["awards"]  # type: ignore[no-any-return]


def csrf(client: FlaskClient) -> str:
    with client.session_transaction() as session:
        if "csrf" not in session:
            client.get("/claim")
    with client.session_transaction() as session:
        return str(session["csrf"])


_addresses = itertools.count(1)


def signed_in(app: Flask, ledger: Ledger, student: str) -> FlaskClient:
    client = app.test_client()
    # Each sign-in from its own address: the claim rate limit is per client.
    client.environ_base["REMOTE_ADDR"] = f"10.1.0.{next(_addresses)}"
    code = Accounts(ledger.store).add_claim(student, "riverbend")
    client.get("/claim")
    response = client.post("/claim", data={"code": code, "csrf_token": csrf(client)})
    assert response.status_code == 302 and response.location.endswith("/me/")
    return client


def share(client: FlaskClient, **form: Any) -> tuple[str, Any]:
    """Create a link through the form; returns its path (/v/<token>) and the response."""
    response = client.post("/me/share", data={"csrf_token": csrf(client), **form})
    assert response.status_code == 201, response.text
    url = re.search(r'readonly value="([^"]+)"', response.text)
    assert url is not None
    return url.group(1).removeprefix("http://localhost"), response


def no_inline_code(html: str) -> None:
    """The CSP forbids inline script and style: the pages must not need them. The one script is a file,
    and empty (copy buttons, static/copy.js)."""
    assert html.count("<script") == len(re.findall(r'<script src="/static/copy\.js" defer></script>', html))
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)


# Signing in --------------------------------------------------------------------------------


def test_student_pages_need_a_claim(env: dict[str, Any]) -> None:
    client = env["app"].test_client()
    for path in ("/me/", "/me/share", "/me/links", "/me/disclosures", "/me/download", "/me/transcript.json",
                 "/me/transcript.clr.json", "/me/badges/x.json"):
        response = client.get(path)
        assert response.status_code == 302 and response.location.endswith("/claim"), path


def test_wrong_claim_code_is_refused(env: dict[str, Any]) -> None:
    client = env["app"].test_client()
    client.get("/claim")
    response = client.post("/claim", data={"code": "AAAA-BBBB-CCCC-DDDD", "csrf_token": csrf(client)})
    assert response.status_code == 401
    assert client.get("/me/").status_code == 302


def test_claim_opens_the_transcript_with_every_award(env: dict[str, Any]) -> None:
    ledger, student = env["ledger"], env["students"][0]
    client = signed_in(env["app"], ledger, student)
    response = client.get("/me/")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    no_inline_code(response.text)
    name = ledger.identity(student).claims["name"]
    assert name in response.text
    for award in transcript(env, student):
        assert str(escape(award["name"])) in response.text
        assert str(escape(award["issuer_name"])) in response.text
        assert award["earned"] in response.text


def test_transcript_badges_for_each_status(env: dict[str, Any]) -> None:
    seen: dict[str, str] = {}
    for student in env["students"]:
        for award in transcript(env, student):
            seen.setdefault(award["status"].partition(":")[0], student)
    assert {"active", "expired", "revoked", "superseded"} <= seen.keys()
    for kind, student in seen.items():
        page = signed_in(env["app"], env["ledger"], student).get("/me/").text
        assert f'class="badge {kind}"' in page, kind
    revoked_page = signed_in(env["app"], env["ledger"], seen["revoked"]).get("/me/").text
    assert "recorded by mistake" in revoked_page  # the reason in words (issued_in_error)
    assert "Recorded for the wrong student" in revoked_page
    expired_page = signed_in(env["app"], env["ledger"], env["students"][1]).get("/me/").text
    assert "AWS Certified Welder" in expired_page and "not revoked" in expired_page
    assert "AWS-1234567" in expired_page  # evidence


# Sharing ------------------------------------------------------------------------------------


def test_share_whole_transcript_shows_link_once_with_qr(env: dict[str, Any]) -> None:
    ledger, student = env["ledger"], env["students"][2]
    client = signed_in(env["app"], ledger, student)
    form = client.get("/me/share")
    assert form.status_code == 200 and "shows your name" in form.text
    no_inline_code(form.text)
    path, created = share(client, label="Lakeside Diner", days="30", scope="all")
    assert path.startswith("/v/") and len(path) > 40
    assert '<svg viewBox="0 0' in created.text and 'class="qr"' in created.text
    assert "Lakeside Diner" in created.text
    no_inline_code(created.text)
    links = client.get("/me/links").text
    assert "Lakeside Diner" in links and 'class="badge active"' in links
    assert path.removeprefix("/v/") not in links  # the token is never shown again

    data = env["app"].test_client().get(path + ".json").get_json()
    shared = [a for a in transcript(env, student) if a["status"] != "superseded"]
    assert sorted(c["award"] for c in data["credentials"]) == sorted(a["award"] for a in shared)
    assert data["student"] == {"name": ledger.identity(student).claims["name"]}


def test_share_chosen_credentials(env: dict[str, Any]) -> None:
    student = env["students"][3]
    client = signed_in(env["app"], env["ledger"], student)
    awards = [a["award"] for a in transcript(env, student) if a["status"] == "active"][:2]
    assert len(awards) == 2
    path, created = share(client, label="Two of them", days="7", scope="chosen", award=awards)
    assert "Shares:" in created.text
    data = env["app"].test_client().get(path + ".json").get_json()
    assert [c["award"] for c in data["credentials"]] == awards
    assert data["verified"] is True
    assert all(c["verified"] for c in data["credentials"])


@pytest.mark.parametrize(
    "form, problem",
    [
        ({"scope": "chosen", "days": "30"}, "choose at least one"),
        ({"scope": "all", "days": "0"}, "1 to 365"),
        ({"scope": "all", "days": "366"}, "1 to 365"),
        ({"scope": "all", "days": "ten"}, "1 to 365"),
    ],
)
def test_share_form_errors_create_nothing(env: dict[str, Any], form: dict[str, str], problem: str) -> None:
    student = env["students"][4]
    client = signed_in(env["app"], env["ledger"], student)
    before = len(Sharing(env["ledger"].store).links(student))
    response = client.post("/me/share", data={"csrf_token": csrf(client), "label": "x", **form})
    assert response.status_code == 400
    assert problem in response.text
    assert len(Sharing(env["ledger"].store).links(student)) == before


def test_cannot_share_another_students_credential(env: dict[str, Any]) -> None:
    mine, theirs = env["students"][4], env["students"][5]
    client = signed_in(env["app"], env["ledger"], mine)
    foreign = transcript(env, theirs)[0]["award"]
    before = len(Sharing(env["ledger"].store).links(mine))
    response = client.post("/me/share", data={"csrf_token": csrf(client), "scope": "chosen", "days": "30",
                                              "award": [foreign]})
    assert response.status_code == 400 and "your own credentials" in response.text
    assert len(Sharing(env["ledger"].store).links(mine)) == before


def test_share_needs_csrf(env: dict[str, Any]) -> None:
    student = env["students"][4]
    client = signed_in(env["app"], env["ledger"], student)
    before = len(Sharing(env["ledger"].store).links(student))
    assert client.post("/me/share", data={"scope": "all", "days": "30"}).status_code == 400
    assert client.post("/me/share", data={"scope": "all", "days": "30", "csrf_token": "forged"}).status_code == 400
    assert len(Sharing(env["ledger"].store).links(student)) == before


# The record of disclosures ----------------------------------------------------------------


def test_every_view_is_in_the_record_of_disclosures(env: dict[str, Any]) -> None:
    student = env["students"][6]
    client = signed_in(env["app"], env["ledger"], student)
    assert "Nobody has opened" in client.get("/me/disclosures").text
    path, _ = share(client, label="Hospital application", days="30", scope="all")
    employer = env["app"].test_client()
    headers = {"User-Agent": FIREFOX}
    assert employer.get(path, headers=headers).status_code == 200
    assert employer.get(path + ".json", headers=headers).status_code == 200
    assert employer.get(path, headers=headers | {"Accept": "application/json"}).status_code == 200
    assert employer.get(path + "/print", headers=headers).status_code == 200

    records = Sharing(env["ledger"].store).disclosures(student)
    assert sorted(r["channel"] for r in records) == ["html", "json", "json", "print"]
    assert {r["viewer"] for r in records} == {"Firefox"}
    page = client.get("/me/disclosures")
    no_inline_code(page.text)
    rows = re.findall(r"<tr><td[ >].*?</tr>", page.text, re.S)
    views, shares = rows[:4], rows[4:]
    assert all("Hospital application" in row and "Firefox" in row for row in views)
    # The demo district shared its CTE roster with the center: a school's disclosure, listed too.
    (roster,) = shares
    assert "Riverbend Unified School District" in roster and "Riverbend Career &amp; Technical Center" in roster
    assert "to record credentials" in roster and "in effect" in roster
    assert "web page" in page.text and "computer system (JSON)" in page.text and "printable page" in page.text
    assert re.search(r'<td data-label="Views">4</td>', client.get("/me/links").text)  # views per link


# Revoking and expiry ----------------------------------------------------------------------


def test_revoked_link_is_gone(env: dict[str, Any]) -> None:
    student = env["students"][7]
    client = signed_in(env["app"], env["ledger"], student)
    path, _ = share(client, label="Withdrawn soon", days="30", scope="all")
    employer = env["app"].test_client()
    assert employer.get(path).status_code == 200
    (link,) = [link for link in Sharing(env["ledger"].store).links(student) if link.label == "Withdrawn soon"]

    response = client.post(f"/me/links/{link.id}/revoke", data={"csrf_token": csrf(client)})
    assert response.status_code == 302
    assert 'class="badge revoked"' in client.get("/me/links").text

    page = employer.get(path)
    assert page.status_code == 410 and "withdrawn" in page.text
    assert "Credentials of" not in page.text
    gone = employer.get(path + ".json")
    assert gone.status_code == 410 and gone.get_json()["code"] == "gone"
    assert employer.get(path + "/print").status_code == 410
    # Revoking twice: nothing active left to revoke.
    again = client.post(f"/me/links/{link.id}/revoke", data={"csrf_token": csrf(client)})
    assert again.status_code == 404


def test_expired_link_is_gone(env: dict[str, Any]) -> None:
    student = env["students"][7]
    sharing = Sharing(env["ledger"].store)
    long_ago = datetime.now(timezone.utc) - timedelta(days=31)
    token = sharing.create(student, "Old application", awards=None, days=30, now=long_ago)
    employer = env["app"].test_client()
    page = employer.get(f"/v/{token}")
    assert page.status_code == 410 and "expired" in page.text
    assert employer.get(f"/v/{token}.json").status_code == 410
    links = signed_in(env["app"], env["ledger"], student).get("/me/links").text
    assert re.search(r"Old application.*?badge expired", links, re.S)
    assert not any(r["label"] == "Old application" for r in sharing.disclosures(student))  # nothing was shown


def test_student_cannot_see_or_revoke_another_students_links(env: dict[str, Any]) -> None:
    owner, other = env["students"][8], env["students"][9]
    owner_client = signed_in(env["app"], env["ledger"], owner)
    path, _ = share(owner_client, label="Owner's private link", days="30", scope="all")
    (link,) = [link for link in Sharing(env["ledger"].store).links(owner) if link.label == "Owner's private link"]
    env["app"].test_client().get(path)  # one view in the owner's record

    intruder = signed_in(env["app"], env["ledger"], other)
    assert "Owner&#39;s private link" not in intruder.get("/me/links").text
    assert "Owner&#39;s private link" not in intruder.get("/me/disclosures").text
    response = intruder.post(f"/me/links/{link.id}/revoke", data={"csrf_token": csrf(intruder)})
    assert response.status_code == 404
    assert env["app"].test_client().get(path).status_code == 200  # still live
    assert [link.revoked for link in Sharing(env["ledger"].store).links(owner)] == [None]


# The portable file -------------------------------------------------------------------------


def test_download_discloses_nothing_by_default(env: dict[str, Any]) -> None:
    ledger, student = env["ledger"], env["students"][1]
    client = signed_in(env["app"], ledger, student)
    form = client.get("/me/download")
    assert form.status_code == 200
    no_inline_code(form.text)
    response = client.get("/me/transcript.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    bundle = json.loads(response.data)
    assert bundle["disclosed"] == {}
    assert bundle["student"] == student
    assert sorted(bundle["awards"]) == sorted(a["award"] for a in transcript(env, student))
    result = verify_bundle(bundle, [ledger.transparency_log.verifier_key], today=ledger.clock().date())
    assert result.checkpoint.ok is True
    expired = next(c for c in result.credentials if c.award == env["expired"])
    assert expired.status == "expired" and expired.ok


def test_download_with_chosen_claims_and_credentials(env: dict[str, Any]) -> None:
    ledger, student = env["ledger"], env["students"][2]
    client = signed_in(env["app"], ledger, student)
    award = transcript(env, student)[0]["award"]
    response = client.get(f"/me/transcript.json?pick=1&disclose=name&disclose=birth_date&award={award}")
    bundle = json.loads(response.data)
    claims = ledger.identity(student).claims
    assert {k: v["value"] for k, v in bundle["disclosed"].items()} == {"name": claims["name"],
                                                                         "birth_date": claims["birth_date"]}
    assert bundle["awards"] == [award]
    result = verify_bundle(bundle, [ledger.transparency_log.verifier_key], today=ledger.clock().date())
    assert result.identity == {"birth_date": True, "name": True}


@pytest.mark.parametrize("query, problem", [("disclose=local_id", "disclose"), ("pick=1", "award")])
def test_download_refuses_what_it_does_not_offer(env: dict[str, Any], query: str, problem: str) -> None:
    client = signed_in(env["app"], env["ledger"], env["students"][2])
    response = client.get(f"/me/transcript.json?{query}")
    assert response.status_code == 400
    assert problem in response.get_json()["errors"]


def test_download_refuses_another_students_award(env: dict[str, Any]) -> None:
    client = signed_in(env["app"], env["ledger"], env["students"][2])
    foreign = transcript(env, env["students"][3])[0]["award"]
    assert client.get(f"/me/transcript.json?award={foreign}").status_code == 400



def test_download_carries_a_file_link_the_student_sees_and_can_revoke(env: dict[str, Any]) -> None:
    ledger, student = env["ledger"], env["students"][5]
    client = signed_in(env["app"], ledger, student)
    award = transcript(env, student)[0]["award"]
    bundle = json.loads(client.get(f"/me/transcript.json?pick=1&award={award}").data)
    assert bundle["online"]["url"] == "http://localhost/transcripts/evidence"
    token = bundle["online"]["link"]
    sharing = Sharing(ledger.store)
    (made,) = [link for link in sharing.links(student) if link.kind == "file"]
    assert made.awards == [award] and made.label == f"Downloaded file, {ledger.clock().date().isoformat()}"
    links = client.get("/me/links").text
    assert "Downloaded file" in links and "online checks of a file only" in links and token not in links
    # The file's link opens no page (the file kept the name back), but it answers online checks.
    employer = env["app"].test_client()
    assert employer.get(f"/v/{token}").status_code == 404
    since = verify_bundle(bundle, [ledger.transparency_log.verifier_key], today=ledger.clock().date()).checkpoint_size
    check = f"/transcripts/evidence?since={since}&award={award}"
    assert employer.get(check, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    page = client.get("/me/disclosures").text
    assert "online check of a file" in page and "Downloaded file" in page

    assert client.post(f"/me/links/{made.id}/revoke", data={"csrf_token": csrf(client)}).status_code == 302
    assert employer.get(check, headers={"Authorization": f"Bearer {token}"}).status_code == 404
    offline = json.loads(client.get(f"/me/transcript.json?pick=1&offline=1&award={award}").data)
    assert "online" not in offline
    assert len([link for link in sharing.links(student) if link.kind == "file"]) == 1


# Open Badges for a wallet, and LinkedIn --------------------------------------------------------


def test_a_student_downloads_each_credential_as_an_open_badge(env: dict[str, Any]) -> None:
    from urllib.parse import parse_qs, urlsplit

    from verifiers.didweb import did_document
    from verifiers.openbadge import verify_open_badge

    ledger, student = env["ledger"], env["students"][0]
    client = signed_in(env["app"], ledger, student)
    page = client.get("/me/download").text
    awards = [a for a in transcript(env, student) if a["status"] == "active"]
    assert awards and "Each credential on its own: for a wallet or LinkedIn" in page
    award = awards[0]
    response = client.get(f"/me/badges/{award['award']}.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    badge = response.get_json()
    assert badge["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert badge["credentialSubject"]["identifier"][0]["hashed"] is True
    documents = {i.did: did_document(i.did, i.keys.values(), ledger.clock()) for i in ledger.issuers()}
    assert verify_open_badge(badge, documents, ledger.clock()).ok
    named = client.get(f"/me/badges/{award['award']}.json?name=1").get_json()
    assert named["credentialSubject"]["identifier"][0]["hashed"] is False
    # Another student's award, an unknown one: not found, as for every student page.
    other = next(a for s in env["students"][1:] for a in transcript(env, s))
    assert client.get(f"/me/badges/{other['award']}.json").status_code == 404
    assert client.get("/me/badges/not-an-award.json").status_code == 404
    clr = client.get("/me/transcript.clr.json").get_json()
    assert clr["type"] == ["VerifiableCredential", "ClrCredential"] and "/me/transcript.clr.json" in page
    from verifiers.clr import verify_clr
    assert verify_clr(clr, documents, ledger.clock()).ok
    # Add to LinkedIn: a share link of that one credential, then LinkedIn's own form, prefilled.
    answer = client.post(f"/me/badges/{award['award']}/linkedin", data={"csrf_token": csrf(client)})
    assert answer.status_code == 303
    target = urlsplit(answer.location)
    assert (target.scheme, target.netloc, target.path) == ("https", "www.linkedin.com", "/profile/add")
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert query["startTask"] == "CERTIFICATION_NAME" and query["name"] == award["name"]
    assert query["organizationName"] == award["issuer_name"] and query["certId"] == award["award"]
    assert (query["issueYear"], query["issueMonth"]) == tuple(str(int(x)) for x in award["earned"].split("-")[:2])
    shared = client.get(urlsplit(query["certUrl"]).path + ".json").get_json()
    assert [c["award"] for c in shared["credentials"]] == [award["award"]] and shared["verified"]
    assert "LinkedIn: " in client.get("/me/links").text
    # Without the form's token nothing is made.
    assert client.post(f"/me/badges/{award['award']}/linkedin").status_code == 400


def test_a_revoked_credential_has_no_badge(env: dict[str, Any]) -> None:
    ledger, student = env["ledger"], env["students"][2]
    award = next(a for a in transcript(env, student) if a["status"] == "active")
    ledger.revoke(award["award"], "issued_in_error", "recorded for the wrong student")
    client = signed_in(env["app"], ledger, student)
    assert client.get(f"/me/badges/{award['award']}.json").status_code == 404  # the ledger's word, at once
    transcript(env, student)  # the page lists from the read models, once they have caught up
    assert f"/me/badges/{award['award']}.json" not in client.get("/me/download").text


# Honest defaults ---------------------------------------------------------------------------


def test_forms_default_to_current_credentials_and_a_replaced_one_verifies_as_what_it_is(
        env: dict[str, Any]) -> None:
    ledger, student = env["ledger"], env["students"][3]
    old = next(a for a in transcript(env, student) if a["status"] == "active")
    ledger.revoke(old["award"], "superseded", "earned date corrected from the roster")
    client = signed_in(env["app"], ledger, student)
    transcript(env, student)
    page = client.get("/me/download").text
    ticked = re.findall(r'name="award" value="([^"]+)" checked', page)
    assert old["award"] not in ticked and ticked  # the current ones are ticked, the replaced one is not
    # Included on purpose, it verifies as what it is, without turning the headline red.
    everything = [a["award"] for a in transcript(env, student)]
    bundle = client.get("/me/transcript.json?" + "&".join(f"award={a}" for a in everything)).get_json()
    data = verify_bundle(bundle, [ledger.transparency_log.verifier_key], today=ledger.clock().date())
    replaced = next(c for c in data.credentials if c.award == old["award"])
    assert replaced.status == "superseded"
    from web.verifier import page_view, result_json
    view = page_view(result_json(data))
    assert view["headline_class"] == "warn" and "replaced by a correction" in view["headline"]
    # A whole-transcript share link covers the current credentials only.
    path, _ = share(client, scope="all")
    shared = env["app"].test_client().get(path + ".json").get_json()
    assert old["award"] not in [c["award"] for c in shared["credentials"]] and shared["verified"]


def test_add_to_linkedin_right_after_an_award_is_recorded(env: dict[str, Any]) -> None:
    """The ledger has the award before the read models do: no 500 (it was a StopIteration)."""
    ledger, student = env["ledger"], env["students"][5]
    client = signed_in(env["app"], ledger, student)
    (award,) = ledger.issue([IssueRequest("riverbend-ctc", student, "aws-certified-welder",
                                          ledger.clock().date(), {"certificate": "AWS-2468013"})])
    answer = client.post(f"/me/badges/{award}/linkedin", data={"csrf_token": csrf(client)})
    assert answer.status_code == 303 and "certId=" + award in answer.location

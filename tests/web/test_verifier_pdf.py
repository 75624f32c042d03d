"""A share link's transcript as a PDF (`/v/<token>.pdf`, web.pdf), read back with pypdf: what a person
holding the paper reads, the link's access rules and the record of disclosures."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from ledger.application import IssueRequest
from tests.support import make_demo_world
from tests.web.test_student_pages import signed_in
from tests.web.test_verifier_pages import active_awards, client, link
from web.pdf import find_fonts, transcript_pdf
from web.sharing import Sharing
from web.verifier import page_view


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    world = make_demo_world(Path(tmp_path_factory.mktemp("pdf")) / "i", students=6,
                            app_config={"VERIFY_RATE_LIMIT": (10_000, 60)})
    ledger, app = world.ledger, world.app
    projections = app.extensions["projections"]
    projections.catch_up()
    today = ledger.clock().date()
    students = sorted((s["student"] for s in projections.students()), key=lambda student: -sum(
        a["status"] == "active" for a in projections.transcript(student, today)["awards"]))
    expired = ledger.issue([IssueRequest("riverbend-ctc", students[0], "aws-certified-welder",
                                         today - timedelta(days=400), {"certificate": "AWS-7654321"})])[0]
    ledger.transparency_log.integrate()
    projections.catch_up()
    yield {"ledger": ledger, "app": app, "students": students, "expired": expired}
    ledger.close()


def pages(data: bytes) -> list[str]:
    """Each page's text, its whitespace (line breaks of wrapped text) made single spaces."""
    reader = PdfReader(io.BytesIO(data))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def fetch(env: dict[str, Any], token: str) -> tuple[Any, list[str]]:
    response = client(env["app"]).get(f"/v/{token}.pdf")
    assert response.status_code == 200, response.text
    return response, pages(response.data)


def credential_names(env: dict[str, Any], awards: list[str]) -> list[str]:
    catalog = {c.code: c.name for c in env["app"].extensions["projections"].catalog()}
    return [catalog[env["ledger"].award(a).credential] for a in awards]


def test_the_pdf_of_a_link_says_what_the_page_says(env: dict[str, Any]) -> None:
    ledger, student = env["ledger"], env["students"][0]
    awards = active_awards(env, student)
    assert len(awards) >= 4  # enough for a second page
    token = link(env, student, awards)
    response, text = fetch(env, token)
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF-")
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    name = ledger.identity(student).claims["name"]
    assert re.fullmatch(r'inline; filename="verified-credentials-\d{4}-\d{2}-\d{2}\.pdf"', disposition)
    assert token not in disposition and name.split()[-1] not in disposition  # no PII, no secret
    whole = " ".join(text)
    assert f"Credentials of {name}" in text[0]
    assert f"✓ Verified: all {len(awards)} credentials are genuine and current." in text[0]
    for credential in credential_names(env, awards):
        assert credential in whole
    assert whole.count("✓ Genuine and current") == len(awards)  # a mark and words for each, never colour alone
    url = f"http://localhost/v/{token}"
    assert f"Check it at {url}" in text[0]
    assert "Recorded by Riverbend" in whole and "Earned " in whole
    checkpoint = ledger.store.latest_checkpoint()[0]
    assert f"Verified against the public log {ledger.transparency_log.origin}, a signed tree of {checkpoint}" \
        in text[0]
    assert re.search(r"on \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", text[0])  # when it was made
    # A few per page, none split across a break, and every page numbered.
    assert len(text) >= 2
    for number, page in enumerate(text, 1):
        assert f"Page {number} of {len(text)}" in page
    for credential in credential_names(env, awards):
        assert sum(credential in page for page in text) == 1


def test_the_pdf_has_a_qr_code_of_the_link(env: dict[str, Any]) -> None:
    student = env["students"][1]
    token = link(env, student, active_awards(env, student)[:1])
    response, _ = fetch(env, token)
    page = PdfReader(io.BytesIO(response.data)).pages[0]
    links = [a.get_object()["/A"]["/URI"] for a in page.get("/Annots", [])]
    assert links.count(f"http://localhost/v/{token}") >= 2  # the code and the printed address


def test_a_revoked_credential_says_revoked_with_the_reason(env: dict[str, Any]) -> None:
    ledger, student = env["ledger"], env["students"][2]
    award, other = active_awards(env, student)[:2]
    ledger.revoke(award, "misconduct", "Score report was forged.")
    token = link(env, student, [award, other])
    _, text = fetch(env, token)
    day = ledger.award(award).revocation["effective"][:10]
    whole = " ".join(text)
    assert "✗ 1 revoked, 1 genuine and current." in whole
    assert f"✗ Revoked Revoked on {day}: obtained by cheating or fraud. Do not rely on it." in whole
    assert "Verified: all" not in whole
    assert "✓ Genuine and current" in whole


def test_an_expired_credential_is_marked_expired_not_revoked(env: dict[str, Any]) -> None:
    token = link(env, env["students"][0], [env["expired"]])
    _, text = fetch(env, token)
    assert "◷ Expired (genuine) Expired (genuine): it was valid and was not revoked" in text[0]
    assert "revoked." not in text[0].replace("not revoked", "")


def test_gone_and_unknown_links_and_nothing_recorded(env: dict[str, Any]) -> None:
    ledger, student = env["ledger"], env["students"][3]
    sharing = Sharing(ledger.store)
    c = client(env["app"])
    expired = sharing.create(student, "Old", awards=None, days=30,
                             now=datetime.now(timezone.utc) - timedelta(days=31))
    response = c.get(f"/v/{expired}.pdf")
    assert response.status_code == 410 and "expired" in response.text
    withdrawn = sharing.create(student, "Withdrawn", awards=None, days=30, now=datetime.now(timezone.utc))
    (row,) = [row for row in sharing.links(student) if row.label == "Withdrawn"]
    sharing.revoke(student, row.id, datetime.now(timezone.utc))
    response = c.get(f"/v/{withdrawn}.pdf")
    assert response.status_code == 410 and "withdrawn" in response.text
    assert c.get("/v/" + "x" * 43 + ".pdf").status_code == 404
    assert sharing.disclosures(student) == []


def test_the_view_is_a_recorded_disclosure(env: dict[str, Any]) -> None:
    ledger, student = env["ledger"], env["students"][4]
    token = link(env, student, None, label="Hospital application")
    c = client(env["app"])
    assert c.get(f"/v/{token}.pdf", headers={"User-Agent": "Mozilla/5.0 Firefox/140.0"}).status_code == 200
    (record,) = Sharing(ledger.store).disclosures(student)
    assert record["channel"] == "pdf" and record["viewer"] == "Firefox" and record["label"] == "Hospital application"
    page = signed_in(env["app"], ledger, student).get("/me/disclosures").text
    assert re.search(r"<td[^>]*>PDF</td>", page)


def test_the_share_page_and_the_print_page_link_to_the_pdf(env: dict[str, Any]) -> None:
    student = env["students"][1]
    token = link(env, student, None)
    c = client(env["app"])
    assert f'href="/v/{token}.pdf"' in c.get(f"/v/{token}").text
    assert f'href="/v/{token}.pdf"' in c.get(f"/v/{token}/print").text


def test_without_its_fonts_the_server_makes_no_pdf_and_records_nothing(
        env: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    student = env["students"][5]
    token = link(env, student, None)
    monkeypatch.setenv("CREDLEDGER_PDF_FONTS", str(tmp_path))
    response = client(env["app"]).get(f"/v/{token}.pdf")
    assert response.status_code == 503 and "printable view" in response.text
    assert Sharing(env["ledger"].store).disclosures(student) == []


def test_a_transcript_of_no_credentials_and_no_name() -> None:
    result = page_view({"verified": False, "student": {}, "checkpoint": {"origin": "example/log", "size": 3},
                        "credentials": []})
    url = "https://credentials.riverbend-unified.k12.example.org/v/" + "MwQ0-Gd8_KzWmNbH4xVq7RtYpLs2UcEaJo9fXi3kBnO"  # a long one
    data = transcript_pdf(result, link_url=url, link_expires="2030-01-01T00:00:00+00:00",
                          made=datetime(2029, 12, 1, 9, 30, tzinfo=timezone.utc), fonts=find_fonts())
    (text,) = pages(data)
    assert f"Check it at {url}" in text  # on one line: smaller type, no break inside the address
    assert "Credentials The link discloses no name." in text
    assert "✗ Nothing to rely on: no credentials." in text and "holds no credentials" in text
    assert "works until 2030-01-01 00:00 UTC" in text and "made by credledger on 2029-12-01 09:30 UTC" in text

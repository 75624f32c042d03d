"""`GET /transcripts/evidence` (web.transcripts_api): online evidence bound to a live link.

Evidence for a file's awards is answered only to the holder of a live link that covers
them (the share link's token in `Authorization: Bearer …` or `X-Credledger-Link`, never
in the URL), and every answer is a disclosure in the student's record (34 CFR 99.32).
A missing, unknown, withdrawn or expired link and an award outside the link all get one
and the same 404. Real Flask test client, real SQLite ledger; people are fictional.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ledger.application import IssueRequest, Ledger
from ledger.instance import init_instance
from tests.support import Clock
from web import create_app
from web.db import create_web_tables
from web.sharing import ONLINE_CHANNEL, Sharing


@dataclass
class World:
    ledger: Ledger
    clock: Clock
    app: Flask
    sharing: Sharing
    student: str
    awards: list[str]  # two awards of the student's
    other_award: str  # another student's


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    clock = Clock()
    ledger = init_instance(Path(tmp_path_factory.mktemp("evidence")) / "i", "pw", scrypt_n=2**10)
    ledger.clock = clock
    create_web_tables(ledger.store)
    ledger.register_issuer("cedarview", "Cedarview Unified School District", "district")
    ledger.define_credential("osha-10", {"name": "OSHA 10-Hour General Industry", "certifyingBody": "OSHA",
                                         "credentialType": "certification", "validityMonths": None,
                                         "careerField": "Manufacturing"})
    student = ledger.register_student("cedarview", {"name": "Ilse Marrowby", "birth_date": "2008-03-09",
                                                    "local_id": "CV-7781"})
    other = ledger.register_student("cedarview", {"name": "Tobin Ashgrove", "birth_date": "2008-01-21",
                                                  "local_id": "CV-7782"})
    clock.advance(minutes=5)
    awards = ledger.issue([IssueRequest("cedarview", student, "osha-10", date(2026, 8, 20), {"card": "OS-1"}),
                           IssueRequest("cedarview", student, "osha-10", date(2026, 8, 21), {"card": "OS-2"}),
                           IssueRequest("cedarview", other, "osha-10", date(2026, 8, 21), {"card": "OS-3"})])
    ledger.transparency_log.integrate()
    app = create_app({"LEDGER": ledger, "TESTING": True})
    yield World(ledger, clock, app, app.extensions["sharing"], student, awards[:2], awards[2])
    ledger.close()


def ask(client: FlaskClient, awards: list[str], token: str | None, header: str = "Authorization") -> Any:
    headers = {} if token is None else {header: f"Bearer {token}" if header == "Authorization" else token}
    query = "&".join(["since=1", *(f"award={a}" for a in awards)])
    return client.get(f"/transcripts/evidence?{query}", headers=headers)


def online_records(world: World) -> list[dict[str, str]]:
    return [r for r in world.sharing.disclosures(world.student) if r["channel"] == ONLINE_CHANNEL]


def link(world: World, awards: list[str] | None, label: str, **kind: Any) -> str:
    return world.sharing.create(world.student, label, awards=awards, days=30, now=world.clock(), **kind)


def test_a_live_link_answers_and_the_answer_is_a_recorded_disclosure(world: World) -> None:
    token = link(world, None, "Harbor Freight application")
    before = len(online_records(world))
    response = ask(world.app.test_client(), world.awards, token)
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    answer = response.get_json()
    assert set(answer) == {"checkpoint", "consistency", "streams"}
    assert set(world.awards) <= set(answer["streams"])
    records = online_records(world)
    assert len(records) == before + 1
    (link_id,) = [x.id for x in world.sharing.links(world.student) if x.label == "Harbor Freight application"]
    assert records[0]["link"] == link_id and records[0]["label"] == "Harbor Freight application"
    # The other header works too, and each answer is one more disclosure.
    assert ask(world.app.test_client(), world.awards[:1], token, header="X-Credledger-Link").status_code == 200
    assert len(online_records(world)) == before + 2


def test_a_withdrawn_link_gets_404_and_records_nothing(world: World) -> None:
    token = link(world, None, "Withdrawn later")
    client = world.app.test_client()
    assert ask(client, world.awards, token).status_code == 200
    (withdrawn,) = [x for x in world.sharing.links(world.student) if x.label == "Withdrawn later"]
    world.sharing.revoke(world.student, withdrawn.id, world.clock())
    before = world.sharing.disclosures(world.student)
    response = ask(client, world.awards, token)
    assert response.status_code == 404
    assert response.get_json()["code"] == "not_found"
    assert "OS-1" not in response.text and world.student not in response.text
    assert world.sharing.disclosures(world.student) == before


def test_an_expired_link_gets_404_and_records_nothing(world: World) -> None:
    token = world.sharing.create(world.student, "Old", awards=None, days=30, now=world.clock() - timedelta(days=31))
    before = world.sharing.disclosures(world.student)
    response = ask(world.app.test_client(), world.awards, token)
    assert response.status_code == 404 and response.get_json()["code"] == "not_found"
    assert world.sharing.disclosures(world.student) == before


def test_every_refusal_is_the_same_404(world: World) -> None:
    """No link, an unknown link, an award outside the link, an unknown award: indistinguishable."""
    chosen = link(world, world.awards[:1], "Only the first")
    whole = link(world, None, "Whole transcript")
    client = world.app.test_client()
    before = world.sharing.disclosures(world.student)
    refusals = [
        ask(client, world.awards[:1], None),                       # no link at all
        ask(client, world.awards[:1], "x" * 43),                   # a link nobody made
        ask(client, world.awards[1:], chosen),                     # the student's award, outside the link
        ask(client, [str(uuid.uuid4())], chosen),                  # an award id nobody issued
        ask(client, world.awards, chosen),                         # one inside, one outside
        ask(client, [world.other_award], whole),                   # another student's award
    ]
    assert {r.status_code for r in refusals} == {404}
    assert len({r.data for r in refusals}) == 1, [r.text for r in refusals]
    assert refusals[0].get_json()["code"] == "not_found"
    assert world.sharing.disclosures(world.student) == before
    assert ask(client, world.awards[:1], chosen).status_code == 200


def test_the_link_is_refused_in_the_url(world: World) -> None:
    token = link(world, None, "In the URL")
    before = world.sharing.disclosures(world.student)
    response = world.app.test_client().get(f"/transcripts/evidence?since=1&award={world.awards[0]}&link={token}")
    assert response.status_code == 400 and "header" in response.get_json()["message"]
    assert token not in response.text
    assert world.sharing.disclosures(world.student) == before


def test_a_file_link_answers_evidence_but_shows_no_transcript(world: World) -> None:
    """A link made for a downloaded file serves online checks only: its token opens no page."""
    token = link(world, world.awards, "Downloaded file", kind="file")
    client = world.app.test_client()
    assert ask(client, world.awards, token).status_code == 200
    unknown = client.get(f"/v/{'y' * 43}.json")
    page = client.get(f"/v/{token}.json")
    assert page.status_code == unknown.status_code == 404 and page.data == unknown.data
    assert client.get(f"/v/{token}").status_code == 404


def test_migrate_adds_the_link_kind_to_an_older_database(make_ledger: Any) -> None:
    """Links made before file links existed are share links (`credledger migrate` adds the column)."""
    ledger = make_ledger()
    ledger.store.execute("CREATE TABLE {t:web_share_links} (id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, "
                         "student_id TEXT NOT NULL, awards TEXT, label TEXT NOT NULL, created TEXT NOT NULL, "
                         "expires TEXT NOT NULL, revoked TEXT)")
    ledger.store.execute("INSERT INTO {t:web_share_links} (id, token_hash, student_id, label, created, expires) "
                         "VALUES ('l1', 'h1', 's1', 'Before', '2026-09-01T12:00:00', '2099-01-01T00:00:00')")
    create_web_tables(ledger.store)
    create_web_tables(ledger.store)  # twice: nothing to add the second time
    (old,) = Sharing(ledger.store).links("s1")
    assert (old.label, old.kind) == ("Before", "share")

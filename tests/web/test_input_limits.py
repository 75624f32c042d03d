"""Input that used to answer 500 answers 400 naming the field, and changes nothing (issue 9, finding 9)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import pytest

from ledger.application import IssueRequest
from ledger.errors import InputError
from tests.web.test_api import World, call, error, new_student
from tests.web.test_api import world as api_world  # noqa: F401  (the module fixture)
from web import schemas

DEEP = 1000


@pytest.fixture(scope="module")
def world(api_world: World) -> Iterator[World]:  # noqa: F811
    yield api_world


def deep_body(depth: int = DEEP) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("offset", ["9223372036854775808", "-1", "1" + "0" * 40])
def test_huge_offset_is_a_400_naming_offset(world: World, offset: str) -> None:
    response = call(world.client, "GET", f"/students?offset={offset}", world.tokens["riverbend/viewer"])
    assert "offset" in error(world, response, 400, "invalid_input")["errors"]


def test_huge_limit_is_a_400_naming_limit(world: World) -> None:
    response = call(world.client, "GET", "/students?limit=9223372036854775808", world.tokens["riverbend/viewer"])
    assert "limit" in error(world, response, 400, "invalid_input")["errors"]


def api_post_routes(world: World) -> list[str]:
    """Every POST route of the API, from the URL map: a new route is covered without a change here."""
    paths = []
    for rule in world.app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and "POST" in (rule.methods or ()):
            paths.append(re.sub(r"<[^>]+>", "00000000-0000-4000-8000-000000000000", rule.rule))
    return paths


def test_every_api_post_refuses_a_body_nested_1000_deep(world: World) -> None:
    paths = api_post_routes(world)
    assert len(paths) >= 5
    before = world.ledger.store.journal_size()
    for path in paths:
        for body in (deep_body(), '{"a":' * DEEP + "1" + "}" * DEEP):
            response = world.client.post(path, data=body, content_type="application/json",
                                         headers={"Authorization": f"Bearer {world.tokens['riverbend/admin']}"})
            assert response.status_code == 400, path
            assert response.get_json()["errors"] == {"body": ["nested too deeply"]}, path
    assert world.ledger.store.journal_size() == before


def test_lone_surrogate_in_evidence_is_a_400_naming_the_key(world: World) -> None:
    student = new_student(world)
    before = world.ledger.store.journal_size()
    body = ('{"student": "%s", "credential": "osha10-general", "earned": "2026-05-01", '
            '"evidence": {"certificate": "OSHA-\\ud800"}}' % student)
    response = world.client.post("/api/v1/awards", data=body, content_type="application/json",
                                 headers={"Authorization": f"Bearer {world.tokens['riverbend/registrar']}"})
    assert error(world, response, 400, "invalid_input")["errors"] == {
        "evidence.certificate": ["text that is valid Unicode (no lone surrogate)"]}
    assert world.ledger.store.journal_size() == before


def test_lone_surrogate_in_a_student_name_is_a_400_naming_it(world: World) -> None:
    before = world.ledger.store.journal_size()
    body = '{"name": "Wren \\udfff", "birth_date": "2008-03-14", "local_id": "S-1"}'
    response = world.client.post("/api/v1/students", data=body, content_type="application/json",
                                 headers={"Authorization": f"Bearer {world.tokens['riverbend/registrar']}"})
    assert error(world, response, 400, "invalid_input")["errors"] == {
        "name": ["text that is valid Unicode (no lone surrogate)"]}
    assert world.ledger.store.journal_size() == before


def test_console_and_csv_import_schema_name_the_evidence_key() -> None:
    # The console form and each CSV row are checked by this schema before anything is signed.
    with pytest.raises(InputError) as caught:
        schemas.load(schemas.IssueInput, {"issuer": "riverbend", "student": "00000000-0000-4000-8000-000000000000",
                                          "credential": "osha10-general", "earned": date(2026, 5, 1).isoformat(),
                                          "evidence": {"certificate": "OSHA-\ud800"}})
    assert caught.value.errors == {"evidence.certificate": ["text that is valid Unicode (no lone surrogate)"]}


def test_the_ledger_refuses_a_lone_surrogate_in_evidence_naming_the_key(world: World) -> None:
    # The deepest check, for every path that records an award (console, CSV import, API, CLI).
    student = new_student(world)
    before = world.ledger.store.journal_size()
    with pytest.raises(InputError) as caught:
        world.ledger.issue([IssueRequest("riverbend", student, "osha10-general", date(2026, 5, 1),
                                         {"certificate": "OSHA-\udfff"})])
    assert caught.value.errors == {"evidence.certificate": ["text that is valid Unicode (no lone surrogate)"]}
    assert world.ledger.store.journal_size() == before

"""The JSON API (web.api) through the Flask test client.

One demo district per module (Riverbend, its CTC, Lakeshore) plus Oakridge, an
issuer that keeps its key on its own machine. Tests create the records they
change. Every happy path's body is checked against the OpenAPI document's
schema for that operation; every error against the Error schema, with its
exact status and code. Cross-issuer attempts check that nothing was stored.
"""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from werkzeug.test import TestResponse

from keys.signer import Signer
from ledger.application import IssueRequest, Ledger
from tests.support import make_demo_world
from verifiers.bundle import verify_bundle
from verifiers.protocol import documents as d
from verifiers.timestamps import format_timestamp
from web import create_app
from web.accounts import Accounts
from web.openapi import openapi_document
from web.security import RateLimiter

TEST_SCRYPT_N = 2**10
PREFIX = "/api/v1"


@dataclass
class World:
    ledger: Ledger
    app: Flask
    client: FlaskClient
    tokens: dict[str, str]  # "slug/role" -> token
    demo: dict[str, Any]
    oakridge: Signer  # Oakridge's own key, never on the server

    def did(self, slug: str) -> str:
        return self.ledger.issuer_did(slug)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    built = make_demo_world(tmp_path_factory.mktemp("api") / "i", students=10)
    ledger, demo, app = built.ledger, built.demo, built.app
    oakridge = Signer.generate()
    ledger.register_issuer("oakridge", "Oakridge Academy", "school", public_key_id=oakridge.key_id)
    accounts = Accounts(ledger.store)
    tokens = {
        f"{slug}/{role}": accounts.add_api_token(slug, role, f"{slug} {role}")
        for slug, role in [("riverbend", "viewer"), ("riverbend", "registrar"), ("riverbend", "admin"),
                           ("riverbend-ctc", "registrar"), ("lakeshore", "viewer"), ("lakeshore", "registrar"),
                           ("oakridge", "registrar"), ("oakridge", "admin")]
    }
    yield World(ledger, app, app.test_client(), tokens, demo, oakridge)
    ledger.close()


# Helpers ------------------------------------------------------------------------


def call(client: FlaskClient, method: str, path: str, token: str | None = None, json: Any = None,
         **kwargs: Any) -> TestResponse:
    headers = kwargs.pop("headers", {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.open(PREFIX + path, method=method, headers=headers, json=json, **kwargs)


def _inline(node: Any, document: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = document
            for part in node["$ref"][2:].split("/"):
                target = target[part]
            return _inline(target, document)
        return {k: _inline(v, document) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, document) for v in node]
    return node


def check_schema(app: Flask, schema: dict[str, Any], body: Any) -> None:
    """Validate `body` against an OpenAPI 3.0 schema of the app's document."""
    document = openapi_document(app)
    OAS30Validator(_inline(schema, document), format_checker=oas30_format_checker).validate(body)


def ok(world: World, response: TestResponse, status: int, path: str, method: str) -> Any:
    """The body of a successful response, after checking it matches the documented schema."""
    assert response.status_code == status, response.get_data(as_text=True)[:1000]
    body = response.get_json()
    document = openapi_document(world.app)
    content = document["paths"][PREFIX + path][method]["responses"][str(status)]["content"]
    check_schema(world.app, content["application/json"]["schema"], body)
    return body


def error(world: World, response: TestResponse, status: int, code: str) -> dict[str, Any]:
    """The body of an error response: exact status and code, the Error shape, no internals."""
    text = response.get_data(as_text=True)
    assert response.status_code == status, text[:1000]
    assert response.mimetype == "application/json"
    body: dict[str, Any] = response.get_json()
    assert set(body) == {"code", "status", "message", "errors"}
    assert (body["code"], body["status"]) == (code, status), body
    check_schema(world.app, {"$ref": "#/components/schemas/Error"}, body)
    assert "Traceback" not in text and 'File "' not in text
    return body


def new_student(world: World, slug: str = "riverbend", **claims: str) -> str:
    body = {"name": "Test Student", "birth_date": "2008-05-06", "local_id": f"T-{uuid.uuid4().hex[:8]}", **claims}
    response = call(world.client, "POST", "/students", world.tokens[f"{slug}/registrar"], body)
    assert response.status_code == 201, response.get_data(as_text=True)
    return str(response.get_json()["student"])


def share(world: World, student: str, grantee: str = "riverbend-ctc", *, granter: str = "riverbend",
          purpose: str = "record") -> str:
    """The home district shares the student with another institution, through the API."""
    body = {"grantee": grantee, "students": [student], "purpose": purpose, "until": "2027-06-30"}
    response = call(world.client, "POST", "/shares", world.tokens[f"{granter}/registrar"], body)
    assert response.status_code == 201, response.get_data(as_text=True)
    return str(response.get_json()["share"])


def seed_award(world: World, student: str, slug: str) -> str:
    """An award by another institution the district shares the student with (a roster share)."""
    share(world, student, slug)
    return new_award(world, student, slug)


def offer_and_accept(world: World, body: dict[str, Any], receiver: str) -> dict[str, Any]:
    """A transfer offered by Riverbend and accepted by the receiver with its own token."""
    offer = ok(world, call(world.client, "POST", "/transfers", world.tokens["riverbend/registrar"], body), 202,
               "/transfers", "post")
    assert offer["status"] == "pending"
    return ok(world, call(world.client, "POST", f"/transfers/{offer['transfer']}/accept",
                          world.tokens[f"{receiver}/registrar"]), 200, "/transfers/{transfer_id}/accept", "post")


def new_award(world: World, student: str, slug: str = "riverbend", credential: str = "osha10-general",
              **fields: Any) -> str:
    body = {"student": student, "credential": credential, "earned": "2026-03-01", **fields}
    response = call(world.client, "POST", "/awards", world.tokens[f"{slug}/registrar"], body)
    assert response.status_code == 201, response.get_data(as_text=True)
    return str(response.get_json()["award"])


def journal_position(ledger: Ledger, stream: str, sequence: int = 1) -> int:
    (row,) = [r for r in ledger.store.select_journal_of_stream(stream) if r.originator_version == sequence]
    return row.position


# Public document ------------------------------------------------------------------


def test_openapi_is_public(world: World) -> None:
    response = call(world.client, "GET", "/openapi.json")
    assert response.status_code == 200
    assert response.get_json()["openapi"].startswith("3.0")


# Authentication and roles ------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer  ", "Basic dXNlcjpwYXNz", "Token abc"])
def test_missing_token_is_401_with_challenge(world: World, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    response = call(world.client, "GET", "/issuer", headers=headers)
    error(world, response, 401, "missing_token")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="credledger"'


def test_unknown_and_revoked_tokens_are_401(world: World) -> None:
    response = call(world.client, "GET", "/issuer", "clt_not-a-real-token")
    error(world, response, 401, "invalid_token")
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="credledger", error="invalid_token"')

    accounts = Accounts(world.ledger.store)
    token = accounts.add_api_token("riverbend", "viewer", "soon revoked")
    assert call(world.client, "GET", "/issuer", token).status_code == 200
    (row,) = [t for t in accounts.api_tokens("riverbend") if t["label"] == "soon revoked"]
    accounts.revoke_api_token("riverbend", row["id"])
    error(world, call(world.client, "GET", "/issuer", token), 401, "invalid_token")


def test_every_protected_route_refuses_without_token(world: World) -> None:
    some = str(uuid.uuid4())
    checked = []
    for rule in world.app.url_map.iter_rules():
        if not rule.endpoint.startswith("api.") or rule.rule.endswith("openapi.json"):
            continue
        path = re.sub(r"<uuid:\w+>", some, rule.rule)[len(PREFIX):]
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            error(world, call(world.client, method, path, json={}), 401, "missing_token")
            checked.append((method, path))
    assert len(checked) >= 13  # the loop cannot pass by finding no route


@pytest.mark.parametrize(("token", "method", "path", "body"), [
    ("riverbend/viewer", "POST", "/students", {"name": "X", "birth_date": "2008-01-01", "local_id": "1"}),
    ("riverbend/viewer", "POST", "/awards/batch", {"items": []}),
    ("riverbend/viewer", "POST", "/transfers", {"student": str(uuid.uuid4()), "to": "lakeshore"}),
    ("riverbend/viewer", "POST", "/events", {"events": []}),
    ("riverbend/viewer", "GET", "/students/00000000-0000-4000-8000-000000000000/bundle", None),
    ("riverbend/registrar", "POST", "/keys/rotate", None),
])
def test_role_too_low_is_403(world: World, token: str, method: str, path: str, body: Any) -> None:
    before = world.ledger.store.journal_size()
    response = call(world.client, method, path, world.tokens[token], body)
    message = error(world, response, 403, "insufficient_role")["message"]
    assert token.split("/")[1] in message
    assert world.ledger.store.journal_size() == before


# Reads ------------------------------------------------------------------------------------


def test_issuer_with_key_history(world: World) -> None:
    body = ok(world, call(world.client, "GET", "/issuer", world.tokens["riverbend-ctc/registrar"]), 200,
              "/issuer", "get")
    assert (body["slug"], body["did"]) == ("riverbend-ctc", world.did("riverbend-ctc"))
    # The demo rotated the CTC's key half way: one retired key, one active, both listed.
    assert [k["state"] for k in body["keys"]] == ["retired", "active"]
    assert body["keys"][0]["retired_at"] and body["keys"][1]["held_by_server"] is True

    oak = ok(world, call(world.client, "GET", "/issuer", world.tokens["oakridge/registrar"]), 200, "/issuer", "get")
    assert oak["keys"] == [{**oak["keys"][0], "key_id": world.oakridge.key_id, "held_by_server": False,
                            "state": "active"}]


def test_catalog(world: World) -> None:
    body = ok(world, call(world.client, "GET", "/catalog", world.tokens["lakeshore/viewer"]), 200, "/catalog", "get")
    codes = {c["code"]: c for c in body["credentials"]}
    assert len(codes) == world.demo["credentials"]
    assert codes["servsafe-manager"]["validityMonths"] == 60 and codes["osha10-general"]["validityMonths"] is None
    # SOC and CIP are lists (several may apply), also for the demo's entries that name one code.
    assert (codes["stna"]["soc"], codes["stna"]["cip"]) == (["31-1131"], ["51.3902"])
    assert codes["servsafe-manager"]["soc"] == ["11-9051"] and "cip" not in codes["servsafe-manager"]


def test_students_are_only_this_issuers(world: World) -> None:
    lakeshore = ok(world, call(world.client, "GET", "/students", world.tokens["lakeshore/viewer"]), 200,
                   "/students", "get")
    # Lakeshore only holds the transferred student's records.
    assert [s["student"] for s in lakeshore["students"]] == [world.demo["transferred_student"]]
    assert lakeshore["students"][0]["registered_here"] is False and lakeshore["students"][0]["awards"] >= 1
    assert lakeshore["next_offset"] is None

    ctc = call(world.client, "GET", "/students?limit=1000", world.tokens["riverbend-ctc/registrar"]).get_json()
    assert ctc["students"] and all(not s["registered_here"] and s["awards"] > 0 for s in ctc["students"])
    assert ok(world, call(world.client, "GET", "/students", world.tokens["oakridge/registrar"]), 200,
              "/students", "get")["students"] == []


def test_students_paging(world: World) -> None:
    token = world.tokens["riverbend/viewer"]
    first = call(world.client, "GET", "/students?limit=4", token).get_json()
    assert len(first["students"]) == 4 and first["next_offset"] == 4
    seen = [s["student"] for s in first["students"]]
    offset = first["next_offset"]
    while offset is not None:
        page = call(world.client, "GET", f"/students?limit=4&offset={offset}", token).get_json()
        seen += [s["student"] for s in page["students"]]
        offset = page["next_offset"]
    everything = call(world.client, "GET", "/students?limit=1000", token).get_json()["students"]
    assert seen == [s["student"] for s in everything] and len(set(seen)) == len(seen) >= 10
    for query, field in [("limit=0", "limit"), ("limit=1001", "limit"), ("offset=-1", "offset"),
                         ("limit=x", "limit"), ("page=2", "page")]:
        body = error(world, call(world.client, "GET", f"/students?{query}", token), 400, "invalid_input")
        assert field in body["errors"], query


def test_transcript_for_related_issuers_only(world: World) -> None:
    student = new_student(world, name="Sam Related", local_id="RB-7001")
    district = new_award(world, student)
    center = seed_award(world, student, "riverbend-ctc")  # the district shares the student with its CTE center
    body = ok(world, call(world.client, "GET", f"/students/{student}", world.tokens["riverbend/viewer"]), 200,
              "/students/{student_id}", "get")
    assert body["student"] == student and body["registered_by"] == world.did("riverbend")
    # Each institution sees the awards it issued or holds; the others are only counted.
    assert ([a["award"] for a in body["awards"]], body["other_awards"]) == ([district], 1)
    assert (body["identity"]["name"], body["identity"]["local_id"]) == ("Sam Related", "RB-7001")
    ctc = ok(world, call(world.client, "GET", f"/students/{student}", world.tokens["riverbend-ctc/registrar"]), 200,
             "/students/{student_id}", "get")
    assert ([a["award"] for a in ctc["awards"]], ctc["other_awards"]) == ([center], 1)
    assert ctc["identity"]["name"] == "Sam Related"  # a relationship: it holds the student's credential

    unrelated = error(world, call(world.client, "GET", f"/students/{student}", world.tokens["lakeshore/viewer"]),
                      404, "not_found")
    missing = error(world, call(world.client, "GET", f"/students/{uuid.uuid4()}", world.tokens["lakeshore/viewer"]),
                    404, "not_found")
    assert unrelated["message"] == missing["message"]  # existence is not confirmed
    assert "Sam" not in str(unrelated)
    error(world, call(world.client, "GET", "/students/not-a-uuid", world.tokens["riverbend/viewer"]), 404,
          "not_found")


def test_issuing_cannot_create_a_relationship_with_a_student_the_issuer_does_not_serve(world: World) -> None:
    # Otherwise any issuer that learns a student id (every bundle carries it) could issue a
    # credential and so gain the student's identity and the right to make claim codes.
    student = new_student(world, name="Nia Unserved", local_id="RB-7002")
    journal = world.ledger.store.journal_size()
    body = {"student": student, "credential": "osha10-general", "earned": "2026-03-01"}
    refused = error(world, call(world.client, "POST", "/awards", world.tokens["lakeshore/registrar"], body),
                    400, "invalid_input")
    assert refused["errors"] == {"student": ["no such student"]}  # the same words as for an unknown id
    assert world.ledger.store.journal_size() == journal
    error(world, call(world.client, "GET", f"/students/{student}", world.tokens["lakeshore/viewer"]), 404,
          "not_found")


def test_personal_data_as_evidence_is_refused_naming_evidence(world: World) -> None:
    # Evidence is signed for good: the API refuses what looks like the student's own data, as the import does.
    student = new_student(world, name="Nia Evidence", local_id="RB-7003")
    journal = world.ledger.store.journal_size()
    body = {"student": student, "credential": "osha10-general", "earned": "2026-03-01",
            "evidence": {"certificate": "OSHA-1", "candidate_email": "nia@example.org"}}
    refused = error(world, call(world.client, "POST", "/awards", world.tokens["riverbend/registrar"], body),
                    400, "invalid_input")
    assert list(refused["errors"]) == ["evidence"] and "looks like personal data" in refused["errors"]["evidence"][0]
    assert "nia@example.org" not in str(refused)
    assert world.ledger.store.journal_size() == journal
    # The batch: one such item refuses them all.
    items = [{"student": student, "credential": "osha10-general", "earned": "2026-03-01"},
             {"student": student, "credential": "nccer-core", "earned": "2026-03-02", "evidence": {"dob": "2009-01-01"}}]
    batch = error(world, call(world.client, "POST", "/awards/batch", world.tokens["riverbend/registrar"],
                              {"items": items}), 400, "invalid_input")
    assert "looks like personal data" in str(batch) and "2009-01-01" not in str(batch)
    assert world.ledger.store.journal_size() == journal


# Students and awards ---------------------------------------------------------------------


def test_register_student(world: World) -> None:
    body = {"name": "Rowan Example", "birth_date": "2009-02-03", "local_id": "RB-900001"}
    created = ok(world, call(world.client, "POST", "/students", world.tokens["riverbend/registrar"], body), 201,
                 "/students", "post")
    assert created["identity"] == body and created["issuer"] == world.did("riverbend")
    assert created["log_index"] == journal_position(world.ledger, created["student"])
    # No PII in the ledger's event: only commitments.
    (event,) = world.ledger.events.get(uuid.UUID(created["student"]))
    assert "Rowan" not in str(event.document)  # type: ignore[attr-defined]
    transcript = call(world.client, "GET", f"/students/{created['student']}", world.tokens["riverbend/viewer"])
    assert transcript.get_json()["identity"] == body and transcript.get_json()["awards"] == []


@pytest.mark.parametrize(("body", "field"), [
    ({"birth_date": "2008-01-01", "local_id": "1"}, "name"),
    ({"name": "", "birth_date": "2008-01-01", "local_id": "1"}, "name"),
    ({"name": "Zelda Quibblesworth", "birth_date": "1800-01-01", "local_id": "1"}, "birth_date"),
    ({"name": "Zelda Quibblesworth", "birth_date": "08/01/2008", "local_id": "1"}, "birth_date"),
    ({"name": "Zelda Quibblesworth", "birth_date": "2008-01-01", "local_id": "1", "issuer": "lakeshore"}, "issuer"),
    ([1, 2], "body"),
])
def test_register_student_invalid(world: World, body: Any, field: str) -> None:
    before = world.ledger.store.journal_size()
    response = call(world.client, "POST", "/students", world.tokens["riverbend/registrar"], body)
    problem = error(world, response, 400, "invalid_input")
    assert field in problem["errors"] and problem["message"].startswith(f"{field}: ")
    assert "Zelda" not in response.get_data(as_text=True)  # no PII echoed in errors
    assert world.ledger.store.journal_size() == before


def test_body_must_be_json(world: World) -> None:
    response = call(world.client, "POST", "/students", world.tokens["riverbend/registrar"],
                    data="name=x", content_type="application/x-www-form-urlencoded")
    assert error(world, response, 400, "invalid_input")["errors"] == {
        "body": ["a JSON document (Content-Type: application/json)"]}


def test_issue_award_and_read_status(world: World) -> None:
    student = new_student(world)
    body = {"student": student, "credential": "servsafe-manager", "earned": "2026-02-10",
            "evidence": {"certificate": "SSM-1234567", "score": 91}}
    award = ok(world, call(world.client, "POST", "/awards", world.tokens["riverbend/registrar"], body), 201,
               "/awards", "post")
    assert (award["issuer"], award["custodian"]) == (world.did("riverbend"),) * 2
    assert (award["status"], award["expires"], award["revocation"]) == ("active", "2031-02-10", None)
    assert award["log_index"] == journal_position(world.ledger, award["award"])

    status = ok(world, call(world.client, "GET", f"/awards/{award['award']}", world.tokens["riverbend/viewer"]), 200,
                "/awards/{award_id}", "get")
    assert status == award
    transcript = call(world.client, "GET", f"/students/{student}", world.tokens["riverbend/viewer"]).get_json()
    assert [a["award"] for a in transcript["awards"]] == [award["award"]]
    assert transcript["awards"][0]["evidence"] == body["evidence"]


@pytest.mark.parametrize(("change", "field"), [
    ({"student": None}, "student"),
    ({"student": "not-a-uuid"}, "student"),
    ({"credential": "Not A Slug"}, "credential"),
    ({"credential": "no-such-credential"}, "credential"),
    ({"earned": "2026-13-01"}, "earned"),
    ({"earned": "2999-01-01"}, "earned"),
    ({"evidence": {"score": 1.5}}, "evidence"),
    ({"evidence": {"x" * 65: "too long a key"}}, "evidence"),
    ({"issuer": "riverbend-ctc"}, "issuer"),  # the issuer comes from the token, never the body
    ({"unexpected": 1}, "unexpected"),
])
def test_issue_award_invalid(world: World, change: dict[str, Any], field: str) -> None:
    student = world.demo["sample_student"]
    body = {k: v for k, v in {"student": student, "credential": "osha10-general", "earned": "2026-03-01",
                              **change}.items() if v is not None}
    before = world.ledger.store.journal_size()
    problem = error(world, call(world.client, "POST", "/awards", world.tokens["riverbend/registrar"], body), 400,
                    "invalid_input")
    assert field in problem["errors"], problem
    assert world.ledger.store.journal_size() == before


def test_issue_for_unknown_student_names_the_field(world: World) -> None:
    body = {"student": str(uuid.uuid4()), "credential": "osha10-general", "earned": "2026-03-01"}
    problem = error(world, call(world.client, "POST", "/awards", world.tokens["riverbend/registrar"], body), 400,
                    "invalid_input")
    assert problem["errors"] == {"student": ["no such student"]}


def test_batch_all_or_nothing(world: World) -> None:
    student = new_student(world)
    items = [{"student": student, "credential": code, "earned": "2026-01-1" + str(i)}
             for i, code in enumerate(["osha10-general", "nccer-core", "epa-608"])]
    body = ok(world, call(world.client, "POST", "/awards/batch", world.tokens["riverbend/registrar"],
                          {"items": items}), 201, "/awards/batch", "post")
    assert body["count"] == 3
    assert [a["log_index"] for a in body["awards"]] == [journal_position(world.ledger, a["award"])
                                                        for a in body["awards"]]
    transcript = call(world.client, "GET", f"/students/{student}", world.tokens["riverbend/viewer"]).get_json()
    assert [a["credential"] for a in transcript["awards"]] == ["osha10-general", "nccer-core", "epa-608"]


def test_batch_errors_name_the_item(world: World) -> None:
    student = world.demo["sample_student"]
    good = {"student": student, "credential": "osha10-general", "earned": "2026-01-10"}
    token = world.tokens["riverbend/registrar"]
    before = world.ledger.store.journal_size()

    items = [good, good, good, {**good, "earned": "last tuesday"}, {**good, "evidence": {"score": True}}]
    problem = error(world, call(world.client, "POST", "/awards/batch", token, {"items": items}), 400,
                    "invalid_input")
    assert problem["errors"] == {"items[3].earned": ["Not a valid date."],
                                 "items[4].evidence": ["evidence 'score' must be a string or an integer"]}
    assert problem["message"] == "items[3].earned: Not a valid date."

    items = [good, {**good, "student": str(uuid.uuid4())}, {**good, "credential": "nope"},
             {**good, "earned": (date.today() + timedelta(days=30)).isoformat()}]
    problem = error(world, call(world.client, "POST", "/awards/batch", token, {"items": items}), 400,
                    "invalid_input")
    assert problem["errors"] == {"items[1].student": ["no such student"],
                                 "items[2].credential": ["not in the catalog"],
                                 "items[3].earned": ["cannot be in the future"]}

    for body, field in [({"items": []}, "items"), ({"items": [good] * 1001}, "items"), ({}, "items"),
                        ({"items": [good, "x"]}, "items[1]"), ({"items": good}, "items")]:
        assert field in error(world, call(world.client, "POST", "/awards/batch", token, body), 400,
                              "invalid_input")["errors"]
    assert world.ledger.store.journal_size() == before


def test_batch_of_1000(world: World) -> None:
    student = new_student(world)
    items = [{"student": student, "credential": "ncrc-workkeys", "earned": "2026-01-05",
              "evidence": {"certificate": f"NCRC-{i:07d}", "score": i % 100}} for i in range(1000)]
    body = ok(world, call(world.client, "POST", "/awards/batch", world.tokens["riverbend/registrar"],
                          {"items": items}), 201, "/awards/batch", "post")
    indices = [a["log_index"] for a in body["awards"]]
    assert body["count"] == 1000 and indices == list(range(indices[0], indices[0] + 1000))
    assert indices[-1] == journal_position(world.ledger, body["awards"][-1]["award"])


# Revocation and amendment -------------------------------------------------------------


def test_revoke_then_already_revoked(world: World) -> None:
    award = new_award(world, new_student(world))
    body = {"reason": "issued_in_error", "note": "Recorded for the wrong student."}
    revoked = ok(world, call(world.client, "POST", f"/awards/{award}/revoke", world.tokens["riverbend/registrar"],
                             body), 200, "/awards/{award_id}/revoke", "post")
    assert revoked["status"] == "revoked: issued_in_error"
    assert revoked["revocation"]["note"] == body["note"]
    before = world.ledger.store.journal_size()
    error(world, call(world.client, "POST", f"/awards/{award}/revoke", world.tokens["riverbend/registrar"], body),
          409, "already_revoked")
    assert world.ledger.store.journal_size() == before


def test_revoke_invalid(world: World) -> None:
    award = new_award(world, new_student(world))
    token = world.tokens["riverbend/registrar"]
    for body, field in [({"note": "x"}, "reason"), ({"reason": "bored", "note": "x"}, "reason"),
                        ({"reason": "other"}, "note"), ({"reason": "other", "note": "x", "effective": "soon"},
                                                        "effective"),
                        ({"reason": "other", "note": "x", "award": award}, "award")]:
        assert field in error(world, call(world.client, "POST", f"/awards/{award}/revoke", token, body), 400,
                              "invalid_input")["errors"]
    error(world, call(world.client, "POST", f"/awards/{uuid.uuid4()}/revoke", token,
                      {"reason": "other", "note": "x"}), 404, "not_found")
    assert world.ledger.award(award).revocation is None


def test_amendment_supersedes(world: World) -> None:
    student = new_student(world)
    old = new_award(world, student)
    token = world.tokens["riverbend/registrar"]
    body = {"student": student, "credential": "osha10-general", "earned": "2026-02-20", "supersedes": old}
    error(world, call(world.client, "POST", "/awards", token, body), 409, "not_superseded")
    call(world.client, "POST", f"/awards/{old}/revoke", token, {"reason": "superseded", "note": "Date corrected."})
    new = ok(world, call(world.client, "POST", "/awards", token, body), 201, "/awards", "post")
    assert new["supersedes"] == old
    status = call(world.client, "GET", f"/awards/{old}", world.tokens["riverbend/viewer"]).get_json()
    assert (status["status"], status["superseded_by"]) == ("superseded", new["award"])


# One issuer never acts for another ----------------------------------------------------------


def test_other_issuers_award_cannot_be_revoked(world: World) -> None:
    student = new_student(world)  # registered by Riverbend
    award = seed_award(world, student, "riverbend-ctc")  # issued and held by the CTC
    body = {"reason": "misconduct", "note": "An attempt from the wrong issuer."}
    before = world.ledger.store.journal_size()
    # Neither Lakeshore (no relationship) nor Riverbend (registered the student, but neither issued nor holds
    # the award) may touch it, and for both it does not exist.
    for token in ("lakeshore/registrar", "riverbend/admin"):
        error(world, call(world.client, "POST", f"/awards/{award}/revoke", world.tokens[token], body), 404,
              "not_found")
        error(world, call(world.client, "GET", f"/awards/{award}", world.tokens[token]), 404, "not_found")
    assert world.ledger.store.journal_size() == before
    assert world.ledger.award(award).revocation is None
    # An award Riverbend issued but handed to Lakeshore: Riverbend sees it and may not change it.
    moved = new_award(world, student)
    offer_and_accept(world, {"awards": [moved], "to": "lakeshore"}, "lakeshore")
    assert call(world.client, "GET", f"/awards/{moved}", world.tokens["riverbend/viewer"]).status_code == 200
    before = world.ledger.store.journal_size()
    error(world, call(world.client, "POST", f"/awards/{moved}/revoke", world.tokens["riverbend/admin"], body),
          403, "not_custodian")
    assert world.ledger.store.journal_size() == before
    assert world.ledger.award(moved).revocation is None


def test_other_issuers_awards_cannot_be_transferred(world: World) -> None:
    student = new_student(world)
    award = seed_award(world, student, "riverbend-ctc")
    moved = new_award(world, student)
    offer_and_accept(world, {"awards": [moved], "to": "lakeshore"}, "lakeshore")
    before = world.ledger.store.journal_size()
    error(world, call(world.client, "POST", "/transfers", world.tokens["lakeshore/registrar"],
                      {"awards": [award], "to": "riverbend"}), 404, "not_found")
    error(world, call(world.client, "POST", "/transfers", world.tokens["riverbend/registrar"],
                      {"awards": [award], "to": "lakeshore"}), 404, "not_found")
    error(world, call(world.client, "POST", "/transfers", world.tokens["riverbend/registrar"],
                      {"awards": [moved], "to": "riverbend-ctc"}), 403, "not_custodian")
    error(world, call(world.client, "POST", "/transfers", world.tokens["oakridge/registrar"],
                      {"student": student, "to": "riverbend"}), 404, "not_found")
    assert world.ledger.store.journal_size() == before
    assert world.ledger.award(award).custodian == world.did("riverbend-ctc")
    assert world.ledger.award(moved).custodian == world.did("lakeshore")


def test_issuer_field_cannot_be_spoofed(world: World) -> None:
    student = new_student(world)
    before = world.ledger.store.journal_size()
    token = world.tokens["lakeshore/registrar"]
    for path, body in [
        ("/awards", {"issuer": "riverbend", "student": student, "credential": "osha10-general",
                     "earned": "2026-01-01"}),
        ("/awards/batch", {"items": [{"issuer": "riverbend", "student": student, "credential": "osha10-general",
                                      "earned": "2026-01-01"}]}),
        ("/students", {"issuer": "riverbend", "name": "X Y", "birth_date": "2008-01-01", "local_id": "9"}),
    ]:
        problem = error(world, call(world.client, "POST", path, token, body), 400, "invalid_input")
        assert any(key.endswith("issuer") for key in problem["errors"]), problem
    assert world.ledger.store.journal_size() == before
    # Whatever the body says, an award is signed as the token's issuer.
    award = seed_award(world, student, "lakeshore")
    assert world.ledger.award(award).issuer == world.did("lakeshore")


# Transfers ------------------------------------------------------------------------------------


def test_transfer_student_record(world: World) -> None:
    student = new_student(world)
    first, second = new_award(world, student), new_award(world, student, credential="nccer-core")
    ctc_award = seed_award(world, student, "riverbend-ctc")
    error(world, call(world.client, "GET", f"/students/{student}", world.tokens["lakeshore/viewer"]), 404,
          "not_found")
    body = offer_and_accept(world, {"student": student, "to": "lakeshore", "reason": "Enrolled at Lakeshore"},
                            "lakeshore")
    assert body["to"] == "lakeshore" and body["status"] == "accepted"
    assert body["awards"] == sorted([first, second])  # not the CTC's
    assert [r["type"] for r in body["receipts"]] == ["CredentialTransferred"] * 2 + ["TransferOfferClosed"]
    assert [r["log_index"] for r in body["receipts"][:2]] == [journal_position(world.ledger, a, 2)
                                                              for a in sorted([first, second])]
    assert world.ledger.award(ctc_award).custodian == world.did("riverbend-ctc")
    # Lakeshore now holds the record: it sees the student and may revoke; Riverbend may not any more.
    transcript = ok(world, call(world.client, "GET", f"/students/{student}", world.tokens["lakeshore/viewer"]), 200,
                    "/students/{student_id}", "get")
    assert {a["award"] for a in transcript["awards"]} == {first, second} and transcript["other_awards"] == 1
    assert transcript["identity"]["name"] == "Test Student"
    assert transcript["awards"][0]["custody"][0]["to"] == world.did("lakeshore")
    revoke = {"reason": "other", "note": "Checked against the certifying body."}
    error(world, call(world.client, "POST", f"/awards/{first}/revoke", world.tokens["riverbend/registrar"], revoke),
          403, "not_custodian")
    assert call(world.client, "POST", f"/awards/{first}/revoke", world.tokens["lakeshore/registrar"],
                revoke).status_code == 200
    error(world, call(world.client, "POST", "/transfers", world.tokens["riverbend/registrar"],
                      {"student": student, "to": "lakeshore"}), 400, "invalid_input")


def test_transfer_chosen_awards(world: World) -> None:
    student = new_student(world)
    keep, move = new_award(world, student), new_award(world, student, credential="epa-608")
    body = offer_and_accept(world, {"awards": [move, move], "to": "riverbend-ctc"}, "riverbend-ctc")
    assert body["awards"] == [move]
    assert world.ledger.award(move).custodian == world.did("riverbend-ctc")
    assert world.ledger.award(keep).custodian == world.did("riverbend")


@pytest.mark.parametrize(("body", "field"), [
    ({"to": "lakeshore"}, "student"),
    ({"student": "00000000-0000-4000-8000-000000000000", "awards": ["00000000-0000-4000-8000-000000000000"],
      "to": "lakeshore"}, "student"),
    ({"awards": [], "to": "lakeshore"}, "awards"),
    ({"student": "00000000-0000-4000-8000-000000000000"}, "to"),
    ({"student": "00000000-0000-4000-8000-000000000000", "to": "no-such-school"}, "to"),
    ({"student": "00000000-0000-4000-8000-000000000000", "to": "riverbend"}, "to"),
])
def test_transfer_invalid(world: World, body: dict[str, Any], field: str) -> None:
    problem = error(world, call(world.client, "POST", "/transfers", world.tokens["riverbend/registrar"], body), 400,
                    "invalid_input")
    assert field in problem["errors"]


def test_transfer_to_an_issuer_that_signs_itself_needs_its_countersignature(world: World) -> None:
    student = new_student(world)
    award = new_award(world, student)
    offer = ok(world, call(world.client, "POST", "/transfers", world.tokens["riverbend/registrar"],
                           {"awards": [award], "to": "oakridge"}), 202, "/transfers", "post")
    before = world.ledger.store.journal_size()
    problem = error(world, call(world.client, "POST", f"/transfers/{offer['transfer']}/accept",
                                world.tokens["oakridge/registrar"]), 409, "countersignature_required")
    assert "Oakridge Academy" in problem["message"] and "/api/v1/events" in problem["message"]
    assert world.ledger.store.journal_size() == before
    assert world.ledger.award(award).custodian == world.did("riverbend")

    # The way through: Riverbend's signed half, countersigned by Oakridge on its machine, submitted by Oakridge.
    half = world.ledger.prepare_transfer(award, "oakridge", "Enrolled at Oakridge")
    both = world.oakridge.countersign(half, format_timestamp(world.ledger.clock()))
    receipts = ok(world, call(world.client, "POST", "/events", world.tokens["oakridge/registrar"],
                              {"events": [both]}), 201, "/events", "post")["receipts"]
    assert receipts[0]["type"] == "CredentialTransferred"
    assert world.ledger.award(award).custodian == world.did("oakridge")


# Externally signed events -------------------------------------------------------------------


def oakridge_award(world: World, student: str) -> dict[str, Any]:
    if not world.ledger.access.may_record(world.did("oakridge"), student):
        share(world, student, "oakridge")
    (document,) = world.ledger.prepare_issue([IssueRequest("oakridge", student, "bls-provider", date(2026, 4, 2),
                                                           {"certificate": "BLS-7700112"})])
    return world.oakridge.sign(document, format_timestamp(world.ledger.clock()))


def test_server_cannot_sign_for_an_issuer_that_keeps_its_key(world: World) -> None:
    before = world.ledger.store.journal_size()
    error(world, call(world.client, "POST", "/students", world.tokens["oakridge/registrar"],
                      {"name": "X Y", "birth_date": "2008-01-01", "local_id": "OA-1"}), 409, "no_signing_key")
    error(world, call(world.client, "POST", "/keys/rotate", world.tokens["oakridge/admin"]), 409, "no_signing_key")
    assert world.ledger.store.journal_size() == before
    assert not world.ledger.issuer("oakridge").keys.keys() - {world.oakridge.key_id}


def test_submit_signed_events(world: World) -> None:
    student = new_student(world)
    signed = oakridge_award(world, student)
    receipts = ok(world, call(world.client, "POST", "/events", world.tokens["oakridge/registrar"],
                              {"events": [signed]}), 201, "/events", "post")["receipts"]
    assert receipts == [{"type": "CredentialIssued", "stream": signed["stream"], "sequence": 1,
                         "hash": d.document_hash(signed), "log_index": journal_position(world.ledger, signed["stream"])}]
    status = call(world.client, "GET", f"/awards/{signed['stream']}", world.tokens["oakridge/registrar"]).get_json()
    assert (status["issuer"], status["status"]) == (world.did("oakridge"), "active")
    # The same event again is refused by the ledger: its stream exists.
    error(world, call(world.client, "POST", "/events", world.tokens["oakridge/registrar"], {"events": [signed]}),
          409, "stream_exists")


def test_submitted_events_are_verified(world: World) -> None:
    student = new_student(world)
    token = world.tokens["oakridge/registrar"]
    share(world, student, "oakridge")
    before = world.ledger.store.journal_size()
    tampered = oakridge_award(world, student)
    tampered["evidence"] = {"certificate": "BLS-0000000"}
    error(world, call(world.client, "POST", "/events", token, {"events": [tampered]}), 409, "bad_signature")
    # All or nothing: a good event beside a bad one is not stored either.
    good, bad = oakridge_award(world, student), copy.deepcopy(tampered)
    error(world, call(world.client, "POST", "/events", token, {"events": [good, bad]}), 409, "bad_signature")
    malformed = dict(oakridge_award(world, student), earned="2026-02-30")
    assert error(world, call(world.client, "POST", "/events", token, {"events": [good, malformed]}), 400,
                 "invalid_input")["errors"] == {"events[1].earned": ["a date as YYYY-MM-DD"]}
    for body, field in [({"events": []}, "events"), ({"events": ["x"]}, "events[0]"), ({}, "events")]:
        assert field in error(world, call(world.client, "POST", "/events", token, body), 400,
                              "invalid_input")["errors"]
    assert world.ledger.store.journal_size() == before


def test_events_signed_as_another_issuer_are_refused(world: World) -> None:
    student = new_student(world)
    signed = oakridge_award(world, student)
    before = world.ledger.store.journal_size()
    problem = error(world, call(world.client, "POST", "/events", world.tokens["riverbend/admin"],
                                {"events": [signed]}), 403, "not_your_event")
    assert problem["errors"] == {"events[0].actor": [f"must be {world.did('riverbend')}"]}
    assert world.ledger.store.journal_size() == before


def test_key_events_need_admin(world: World) -> None:
    issuer = world.ledger.issuer("oakridge")
    new_key = Signer.generate()
    now = format_timestamp(world.ledger.clock())
    document = world.oakridge.sign(d.unsigned_document(
        d.ISSUER_KEY_ADDED, ledger=world.ledger.config.ledger_id, stream=str(issuer.id), sequence=issuer.version + 1,
        previous=issuer.last_hash, actor=issuer.did, time=now, issuer=issuer.did, key=new_key.key_id, validFrom=now,
    ), now)
    error(world, call(world.client, "POST", "/events", world.tokens["oakridge/registrar"], {"events": [document]}),
          403, "insufficient_role")
    receipts = ok(world, call(world.client, "POST", "/events", world.tokens["oakridge/admin"],
                              {"events": [document]}), 201, "/events", "post")["receipts"]
    assert receipts[0]["type"] == "IssuerKeyAdded"
    assert new_key.key_id in world.ledger.issuer("oakridge").keys


# Keys and bundles ----------------------------------------------------------------------------------


def test_rotate_key(world: World) -> None:
    before = world.ledger.issuer("lakeshore").keys
    token = Accounts(world.ledger.store).add_api_token("lakeshore", "admin", "lakeshore admin")
    body = ok(world, call(world.client, "POST", "/keys/rotate", token), 201, "/keys/rotate", "post")
    assert body["key_id"] not in before
    states = {k["key_id"]: (k["state"], k["held_by_server"]) for k in body["issuer"]["keys"]}
    assert states[body["key_id"]] == ("active", True)
    assert all(states[k] == ("retired", False) for k in before)
    # The new key signs from now on.
    student = world.demo["transferred_student"]
    award = seed_award(world, student, "lakeshore")
    (event,) = world.ledger.events.get(uuid.UUID(award))
    assert event.document["proof"]["verificationMethod"] == body["key_id"]  # type: ignore[attr-defined]


def test_bundle_verifies_offline(world: World) -> None:
    student = new_student(world)
    district = new_award(world, student)
    center = seed_award(world, student, "riverbend-ctc")
    bundle = ok(world, call(world.client, "GET", f"/students/{student}/bundle", world.tokens["riverbend/registrar"]),
                200, "/students/{student_id}/bundle", "get")
    assert bundle["format"] == "credledger.transcript/v1" and bundle["disclosed"] == {}
    assert bundle["awards"] == [district] and center not in bundle["streams"]  # only this issuer's awards
    result = verify_bundle(bundle, [world.ledger.transparency_log.verifier_key], today=world.ledger.clock().date())
    assert result.ok and [c.award for c in result.credentials] == [district]

    registered_only = new_student(world)
    problem = error(world, call(world.client, "GET", f"/students/{registered_only}/bundle",
                                world.tokens["riverbend/registrar"]), 400, "invalid_input")
    assert "student_id" in problem["errors"]
    error(world, call(world.client, "GET", f"/students/{student}/bundle", world.tokens["lakeshore/registrar"]), 404,
          "not_found")


# Limits and failures ------------------------------------------------------------------------------


def limited_app(world: World, **config: Any) -> Flask:
    app = create_app({"LEDGER": world.ledger, "TESTING": True, **config})
    # A fixed clock: the counting window cannot roll over in the middle of a test.
    app.extensions["rate_limiter"] = RateLimiter(world.ledger.store, clock=lambda: 1_800_000_000)
    return app


def test_writes_are_rate_limited_per_token(world: World) -> None:
    app = limited_app(world, API_WRITE_LIMIT=(2, 60))
    client = app.test_client()
    accounts = Accounts(world.ledger.store)
    token, other = (accounts.add_api_token("riverbend", "registrar", f"limited {i}") for i in range(2))
    body = {"name": "Rate Limit", "birth_date": "2008-01-01", "local_id": "RL-1"}
    assert [call(client, "POST", "/students", token, body).status_code for _ in range(2)] == [201, 201]
    before = world.ledger.store.journal_size()
    response = call(client, "POST", "/students", token, body)
    error(world, response, 429, "rate_limited")
    assert response.headers["Retry-After"] == "60"
    assert world.ledger.store.journal_size() == before
    assert call(client, "GET", "/issuer", token).status_code == 200  # reads are not writes
    assert call(client, "POST", "/students", other, body).status_code == 201  # per token


def test_failed_tokens_are_rate_limited_per_client(world: World) -> None:
    client = limited_app(world, API_AUTH_FAILURE_LIMIT=(2, 60)).test_client()
    env = {"REMOTE_ADDR": "192.0.2.77"}
    for _ in range(2):
        error(world, call(client, "GET", "/issuer", "clt_guess", environ_base=env), 401, "invalid_token")
    error(world, call(client, "GET", "/issuer", "clt_guess", environ_base=env), 429, "rate_limited")
    assert call(client, "GET", "/issuer", world.tokens["riverbend/viewer"], environ_base=env).status_code == 200


def test_body_too_large(world: World) -> None:
    token = world.tokens["riverbend/registrar"]
    huge = {"items": [{"student": str(uuid.uuid4()), "credential": "x" * 60, "earned": "2026-01-01",
                       "evidence": {"note": "y" * 2000}}] * 1100}
    error(world, call(world.client, "POST", "/awards/batch", token, huge), 413, "too_large")
    small = limited_app(world, API_MAX_BODY=200).test_client()
    error(world, call(small, "POST", "/students", token,
                      {"name": "N" * 300, "birth_date": "2008-01-01", "local_id": "1"}), 413, "too_large")


def test_method_not_allowed_and_unknown_route(world: World) -> None:
    error(world, call(world.client, "DELETE", "/transfers", world.tokens["riverbend/viewer"]), 405,
          "method_not_allowed")
    error(world, call(world.client, "GET", "/nothing-here", world.tokens["riverbend/viewer"]), 404, "not_found")


def test_unexpected_failure_is_a_bare_500(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> None:
        raise RuntimeError("database password hunter2 near student Zelda Quibblesworth")

    monkeypatch.setattr(world.ledger, "credentials", broken)
    response = call(world.client, "GET", "/catalog", world.tokens["riverbend/viewer"])
    assert error(world, response, 500, "internal")["message"] == "Internal error. Nothing was changed."
    text = response.get_data(as_text=True)
    assert "hunter2" not in text and "Zelda" not in text and "RuntimeError" not in text


def test_responses_are_not_cached(world: World) -> None:
    response = call(world.client, "GET", "/issuer", world.tokens["riverbend/viewer"])
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_student_registered_with_a_graduating_class(world: World) -> None:
    body = {"name": "Ilse Marchand-Oyelaran", "birth_date": "2010-03-03", "local_id": f"T-{uuid.uuid4().hex[:8]}",
            "cohort": 2028}
    created = ok(world, call(world.client, "POST", "/students", world.tokens["riverbend/registrar"], body), 201,
                 "/students", "post")
    assert created["cohort"] == 2028 and world.ledger.student(created["student"]).cohort == 2028
    bad = call(world.client, "POST", "/students", world.tokens["riverbend/registrar"], body | {"cohort": 1066})
    assert error(world, bad, 400, "invalid_input")["errors"] == {"cohort": ["Must be greater than or equal to 1990 "
                                                                            "and less than or equal to 2200."]}


def test_exports_for_the_ecosystem(world: World) -> None:
    """GET /students/<id>/badges and /clr: this issuer's awards, signed, verifiable with its did:web."""
    from verifiers.clr import verify_clr
    from verifiers.didweb import did_document
    from verifiers.openbadge import verify_open_badge

    ledger = world.ledger
    student = new_student(world)
    award = ok(world, call(world.client, "POST", "/awards", world.tokens["riverbend/registrar"],
                           {"student": student, "credential": "osha10-general", "earned": "2026-05-01",
                            "evidence": {"card": "OSHA-1"}}), 201, "/awards", "post")["award"]
    documents = {i.did: did_document(i.did, i.keys.values(), ledger.clock()) for i in ledger.issuers()}
    badges = ok(world, call(world.client, "GET", f"/students/{student}/badges", world.tokens["riverbend/registrar"]),
                200, "/students/{student_id}/badges", "get")
    (badge,) = badges["badges"]
    assert badge["id"].endswith(award) and badges["withdrawn"] == []
    assert verify_open_badge(badge, documents, ledger.clock()).ok
    clr = ok(world, call(world.client, "GET", f"/students/{student}/clr", world.tokens["riverbend/registrar"]), 200,
             "/students/{student_id}/clr", "get")
    assert clr["issuer"]["id"] == ledger.issuer("riverbend").did and verify_clr(clr, documents, ledger.clock()).ok
    # Another institution that neither issued nor holds anything of the student's: refused as for the bundle.
    for path in ("badges", "clr"):
        refused = call(world.client, "GET", f"/students/{student}/{path}", world.tokens["lakeshore/registrar"])
        assert refused.status_code in (403, 404), refused.get_data(as_text=True)


def test_a_future_birth_date_is_refused_through_the_api(world: World) -> None:
    """The ledger's rule (ledger.rules.check_birth_date) at this door too; nothing is stored."""
    before = world.ledger.store.journal_size()
    body = {"name": "Tal Ostrowski-Ibe", "birth_date": "2999-01-01", "local_id": f"T-{uuid.uuid4().hex[:8]}"}
    refused = error(world, call(world.client, "POST", "/students", world.tokens["riverbend/registrar"], body), 400,
                    "invalid_input")
    assert refused["errors"] == {"birth_date": ["not a plausible birth date"]}
    assert world.ledger.store.journal_size() == before

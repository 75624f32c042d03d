"""Issuer pages and did:web DID documents (web.issuers).

The DID document is checked against W3C DID Core 1.0 and the did:web method
specification (https://w3c-ccg.github.io/did-method-web/): resolution decodes
the percent-encoded port, replaces the remaining colons by slashes and appends
`/did.json`, done here independently of the code under test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from tests.support import make_demo_world
from verifiers.didkey import public_key_from_verification_method
from verifiers.multibase import multibase_decode
from verifiers.didweb import did_web_url


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    world = make_demo_world(Path(tmp_path_factory.mktemp("issuers")) / "i", students=2)  # rotates riverbend-ctc's key once
    ledger = world.ledger
    # Lakeshore: a key compromised an hour ago, then a new one signed by the operator.
    lakeshore = ledger.issuer("lakeshore")
    (compromised,) = lakeshore.keys
    ledger.declare_key_compromised("lakeshore", compromised, ledger.clock() - timedelta(hours=1))
    ledger.rotate_issuer_key("lakeshore")
    yield {"ledger": ledger, "app": world.app, "compromised": compromised}
    ledger.close()


def resolve_did_web(did: str) -> tuple[str, str]:
    """(host, path) of a did:web identifier, per the did:web method's read operation."""
    method_specific = did.removeprefix("did:web:")
    host, *path = method_specific.split(":")
    return unquote(host), "/" + "/".join(unquote(p) for p in path) + "/did.json"


def test_did_web_identifier_resolves_to_the_route(env: dict[str, Any]) -> None:
    did = env["ledger"].issuer_did("riverbend-ctc")
    assert did == "did:web:localhost%3A5000:issuers:riverbend-ctc"
    host, path = resolve_did_web(did)
    assert (host, path) == ("localhost:5000", "/issuers/riverbend-ctc/did.json")
    assert did_web_url(did) == f"https://localhost:5000{path}"
    response = env["app"].test_client().get(path)
    assert response.status_code == 200 and response.get_json()["id"] == did


def test_did_document_lists_every_key_and_asserts_with_all_but_compromised_ones(env: dict[str, Any]) -> None:
    ledger = env["ledger"]
    issuer = ledger.issuer("riverbend-ctc")
    response = env["app"].test_client().get("/issuers/riverbend-ctc/did.json")
    assert response.status_code == 200
    assert response.mimetype == "application/did+json"
    document = response.get_json()
    assert document["@context"][0] == "https://www.w3.org/ns/did/v1"
    assert "https://w3id.org/security/multikey/v1" in document["@context"]
    assert document["id"] == issuer.did
    methods = document["verificationMethod"]
    assert len(methods) == len(issuer.keys) == 2  # the retired key stays: the past must verify
    for method in methods:
        assert method["type"] == "Multikey" and method["controller"] == issuer.did
        assert method["id"].startswith(issuer.did + "#")
        multikey = method["publicKeyMultibase"]
        assert multikey.startswith("z6Mk") and method["id"].endswith("#" + multikey)
        (key_id,) = [k for k in issuer.keys if multikey in k]
        raw = multibase_decode(multikey)
        assert raw[:2] == b"\xed\x01" and raw[2:] == public_key_from_verification_method(key_id)
    retired = [m for m in methods if "expires" in m]
    current = [m for m in methods if "expires" not in m]
    assert len(retired) == len(current) == 1
    # Badges exported before the rotation keep verifying: a retired key still asserts (verifiers.didweb).
    assert document["assertionMethod"] == [retired[0]["id"], current[0]["id"]]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", retired[0]["expires"])


def test_compromised_key_is_revoked_and_not_asserted(env: dict[str, Any]) -> None:
    document = env["app"].test_client().get("/issuers/lakeshore/did.json").get_json()
    compromised = env["compromised"].partition("#")[2]
    (old,) = [m for m in document["verificationMethod"] if m["publicKeyMultibase"] == compromised]
    assert "revoked" in old
    assert old["id"] not in document["assertionMethod"]
    assert len(document["assertionMethod"]) == len(document["verificationMethod"]) - 1


def test_unknown_issuer_did_document_is_404_json(env: dict[str, Any]) -> None:
    response = env["app"].test_client().get("/issuers/nowhere/did.json")
    assert response.status_code == 404 and response.get_json()["code"] == "not_found"


def test_issuer_page_shows_name_kind_and_key_history(env: dict[str, Any]) -> None:
    ledger = env["ledger"]
    response = env["app"].test_client().get("/issuers/riverbend-ctc")
    assert response.status_code == 200
    page = response.text
    assert "<script" not in page and not re.search(r"\sstyle=", page)
    assert "Riverbend Career &amp; Technical Center" in page and "Career and technical center" in page
    assert ledger.issuer_did("riverbend-ctc") in page
    for key_id in ledger.issuer("riverbend-ctc").keys:
        assert key_id.partition("#")[2] in page
    assert page.count('class="badge active">current') == 1
    assert page.count('class="badge expired">retired') == 1
    assert 'href="/issuers/riverbend-ctc/did.json"' in page
    lakeshore = env["app"].test_client().get("/issuers/lakeshore").text
    assert 'class="badge revoked">compromised' in lakeshore


def test_issuer_directory_and_unknown_page(env: dict[str, Any]) -> None:
    client = env["app"].test_client()
    directory = client.get("/issuers/")
    assert directory.status_code == 200
    for slug in ("riverbend", "riverbend-ctc", "lakeshore"):
        assert f'href="/issuers/{slug}"' in directory.text
    missing = client.get("/issuers/nowhere")
    assert missing.status_code == 404 and "Not found" in missing.text


def test_the_status_list_is_published_signed_under_the_issuer_path(env: dict[str, Any]) -> None:
    """GET /issuers/<slug>/status/<n>: the signed BitstringStatusListCredential a badge's entry names;
    a revocation shows after a worker tick; the list verifies against the issuer's did.json."""
    import json as _json

    from ledger.vc.openbadge import open_badge
    from ledger.worker import Worker
    from verifiers.openbadge import verify_open_badge
    from verifiers.statuslist import bit, decode_list

    ledger, client = env["ledger"], env["app"].test_client()
    awards = [ledger.award(r.originator_id) for r in ledger.store.select_journal_of_type("CredentialIssued")]
    award = next(a for a in awards if a.revocation is None and a.status_entry is not None)
    slug = award.issuer.rsplit(":", 1)[1]
    badge = open_badge(ledger, award.id)
    number, index = award.status_entry
    path = f"/issuers/{slug}/status/{number}"
    assert badge["credentialStatus"]["statusListCredential"] == f"https://localhost:5000{path}"
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.mimetype == "application/vc"
    status_list = _json.loads(response.get_data(as_text=True))
    did_json = client.get(f"/issuers/{slug}/did.json").get_json()
    assert verify_open_badge(badge, {award.issuer: did_json}, ledger.clock(), status_list).status == "active"
    ledger.revoke(award.id, "issued_in_error", "Wrong student")
    Worker(ledger).tick()
    status_list = _json.loads(client.get(path).get_data(as_text=True))
    assert bit(decode_list(status_list["credentialSubject"]["encodedList"]), index)
    assert verify_open_badge(badge, {award.issuer: did_json}, ledger.clock(), status_list).status == "revoked"
    assert client.get(f"/issuers/{slug}/status/{number + 50}").status_code == 404

"""The log over HTTP (web.log_api): checkpoint, proofs and C2SP tlog-tiles.

Expected tile contents follow the C2SP tlog-tiles definition
(https://c2sp.org/tlog-tiles): hash i of tile n at level l is
MTH(D[(n*256 + i) * 256**l : (n*256 + i + 1) * 256**l]), computed here with a
naive recursive tree hash over the journal's leaves, never with the code under
test. Runs on SQLite and PostgreSQL (one read-only ledger per backend).
"""

from __future__ import annotations

import base64
import gzip
import re
import uuid
from datetime import date
from typing import Any
from urllib.parse import quote, urlencode

import psycopg
import pytest
from flask.testing import FlaskClient

from ledger.application import IssueRequest, Ledger
from ledger.instance import init_instance
from tests.support import naive_root
from verifiers.checkpoint import verify_checkpoint
from verifiers.errors import ProofError
from verifiers.merkle import hash_leaf, verify_consistency, verify_inclusion
from verifiers.note import Verifier
from web import create_app

SCHOOL = "birch-hollow"
SIZE = 300  # one full level-0 tile (256) and a partial one of 44
CPR = {
    "name": "BLS Provider",
    "certifyingBody": "American Heart Association",
    "credentialType": "certificate",
    "validityMonths": 24,
    "careerField": "Health",
}


def fill(ledger: Ledger, events: int) -> None:
    ledger.register_issuer(SCHOOL, "Birch Hollow Test Academy", "school")
    ledger.define_credential("bls-provider", CPR)
    student = ledger.register_student(
        SCHOOL, {"name": "Quinn Placeholder", "birth_date": "2008-06-30", "local_id": "BH-3003"}
    )
    ledger.issue([
        IssueRequest(SCHOOL, student, "bls-provider", date(2026, 3, 9), {"certificate": f"BLS-{i:05d}"})
        for i in range(events - 3)
    ])


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def logged(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Ledger:
    """A ledger of SIZE events, integrated once at size 44 and once at SIZE.

    Built once per backend for the module: every test here only reads it.
    """
    database_url = None
    if request.param == "postgres":
        server = request.getfixturevalue("postgres_server")
        schema = f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")

        def drop() -> None:
            with psycopg.connect(server, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")

        request.addfinalizer(drop)
        database_url = f"{server}?schema={schema}"
    ledger = init_instance(tmp_path_factory.mktemp("log-http") / "instance", "test-passphrase",
                           database_url=database_url, scrypt_n=2**10)
    request.addfinalizer(ledger.close)
    fill(ledger, SIZE)
    ledger.transparency_log.integrate(limit=44)
    assert ledger.transparency_log.integrate() == SIZE
    return ledger


@pytest.fixture(scope="module")
def client(logged: Ledger) -> FlaskClient:
    return create_app({"LEDGER": logged}).test_client()


@pytest.fixture(scope="module")
def leaves(logged: Ledger) -> list[bytes]:
    return logged.store.select_journal_leaves(0, SIZE)


def max_age(response: Any) -> int:
    match = re.search(r"max-age=(\d+)", response.headers["Cache-Control"])
    assert match, response.headers["Cache-Control"]
    return int(match.group(1))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def assert_error(response: Any, status: int, code: str, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"code", "status", "message", "errors"}
    assert (body["code"], body["status"]) == (code, status)
    assert isinstance(body["message"], str) and body["message"]
    if field is not None:
        assert list(body["errors"]) == [field], body
        assert all(isinstance(m, str) for m in body["errors"][field])
    return body  # type: ignore[no-any-return]


# The checkpoint and the key ---------------------------------------------------


def test_checkpoint_is_signed_text_with_a_short_cache(client: FlaskClient, logged: Ledger,
                                                      leaves: list[bytes]) -> None:
    response = client.get("/log/checkpoint")
    assert response.status_code == 200
    assert response.content_type == "text/plain; charset=utf-8"
    assert max_age(response) <= 5 and "immutable" not in response.headers["Cache-Control"]
    key = client.get("/log/key").get_data(as_text=True).strip()
    assert key == logged.transparency_log.verifier_key
    checkpoint = verify_checkpoint(response.get_data(), Verifier.from_key_string(key))
    assert checkpoint.size == SIZE
    assert checkpoint.root_hash == naive_root(leaves)


# Tiles -------------------------------------------------------------------------


def test_full_level0_tile_is_the_leaf_hashes(client: FlaskClient, leaves: list[bytes]) -> None:
    response = client.get("/log/tile/0/000")
    assert response.status_code == 200
    assert response.content_type == "application/octet-stream"
    assert "immutable" in response.headers["Cache-Control"] and max_age(response) >= 86400
    assert len(response.data) == 8192
    assert response.data == b"".join(hash_leaf(leaf) for leaf in leaves[:256])


def test_partial_level0_tiles(client: FlaskClient, leaves: list[bytes]) -> None:
    response = client.get("/log/tile/0/001.p/44")
    assert response.status_code == 200
    assert response.data == b"".join(hash_leaf(leaf) for leaf in leaves[256:300])
    # The partial tile of an earlier checkpoint (size 44) stays served.
    earlier = client.get("/log/tile/0/000.p/44")
    assert earlier.status_code == 200
    assert earlier.data == b"".join(hash_leaf(leaf) for leaf in leaves[:44])


@pytest.mark.parametrize("partial", ["/log/tile/0/001.p/44", "/log/tile/1/000.p/1", "/log/tile/entries/001.p/44"])
def test_partial_tiles_are_as_immutable_as_full_ones(client: FlaskClient, partial: str) -> None:
    # A partial tile's path names its width: a growing log serves a wider tile under another path,
    # so what was served under this one never changes (C2SP tlog-tiles: "This endpoint is immutable").
    full = client.get("/log/tile/0/000")
    response = client.get(partial)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == full.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_level1_tile(client: FlaskClient, leaves: list[bytes]) -> None:
    # At level 1 each hash is the MTH of a full level-0 tile: 300 leaves make one.
    response = client.get("/log/tile/1/000.p/1")
    assert response.status_code == 200
    assert response.data == naive_root(leaves[:256])
    # A full level-1 tile needs 65,536 leaves, a second level-1 hash 512.
    for path in ("/log/tile/1/000", "/log/tile/1/000.p/2", "/log/tile/1/001.p/1", "/log/tile/2/000.p/1"):
        assert_error(client.get(path), 404, "not_found")


@pytest.mark.parametrize(
    "path",
    ["/log/tile/0/001", "/log/tile/0/001.p/45", "/log/tile/0/002.p/1", "/log/tile/0/x001/000",
     "/log/tile/0/x018/x446/x744/x073/x709/x551/615", "/log/tile/63/000.p/1",
     "/log/tile/entries/001", "/log/tile/entries/001.p/45", "/log/tile/entries/x001/x000/000"],
)
def test_tiles_beyond_the_log_are_404(client: FlaskClient, path: str) -> None:
    assert_error(client.get(path), 404, "not_found")


@pytest.mark.parametrize(
    "path",
    ["/log/tile/0/0000", "/log/tile/0/00", "/log/tile/0/x000/001", "/log/tile/0/001/000", "/log/tile/0/000.p/0",
     "/log/tile/0/000.p/256", "/log/tile/0/000.p/01", "/log/tile/0/000.p/", "/log/tile/0/abc",
     "/log/tile/0/" + quote("\u0660\u0660\u0661"), "/log/tile/0/000.p/" + quote("\uff11"),
     "/log/tile/0/" + "x001/" * 3000 + "000",
     "/log/tile/entries/000.p/01", "/log/tile/entries/0", "/log/tile/entries/x000/000",
     "/log/tile/0/000/", "/log/tile/0/./000", "/log/tile/0/000.p/44/", "/log/tile/0/000.P/44",
     "/log/tile/entries/000.p/256", "/log/tile/entries/000/"],
)
def test_malformed_tile_paths_are_400(client: FlaskClient, path: str) -> None:
    assert_error(client.get(path), 400, "invalid_input", "tile")


@pytest.mark.parametrize(
    "level", ["64", "00", "01", "001", "+1", "-0", " 1", "1 ", "0x1", quote("\u0661"), quote("\uff11"), "1" * 30],
)
def test_non_canonical_tile_levels_are_400(client: FlaskClient, level: str) -> None:
    # Each of these once named level 0 or 1 (`tile/01/000.p/1` served level 1's tile): C2SP
    # tlog-tiles allows 0 to 63 in ASCII decimal "with no additional leading zeroes", nothing else.
    assert_error(client.get(f"/log/tile/{level}/000.p/1"), 400, "invalid_input", "level")


@pytest.mark.parametrize(
    "path",
    ["/log/tile/0//000", "/log/tile//0/000", "/log/tile/0//x001/000", "/log/tile/entries//000",
     "/log/tile/entries//000.p/44"],
)
def test_doubled_slashes_are_refused_not_redirected(client: FlaskClient, path: str) -> None:
    # Werkzeug merges slashes by redirecting to the canonical path by default: a second spelling
    # of a tile that a client following redirects would be served.
    assert_error(client.get(path), 404, "not_found")


def test_each_tile_has_one_path(client: FlaskClient) -> None:
    # The canonical path serves; every other spelling of the same tile is refused, never served.
    spellings = {
        "/log/tile/0/000": ["/log/tile/00/000", "/log/tile/0/0000", "/log/tile/0/x000/000", "/log/tile/0/000.p/256",
                            "/log/tile/0//000"],
        "/log/tile/0/001.p/44": ["/log/tile/0/001.p/044", "/log/tile/0/x000/001.p/44", "/log/tile/00/001.p/44"],
        "/log/tile/1/000.p/1": ["/log/tile/01/000.p/1", "/log/tile/1/000.p/01", "/log/tile/1/00.p/1"],
        "/log/tile/entries/000": ["/log/tile/entries/x000/000", "/log/tile/entries/000.p/256",
                                  "/log/tile/entries//000"],
    }
    for canonical, others in spellings.items():
        assert client.get(canonical).status_code == 200, canonical
        for other in others:
            assert client.get(other).status_code in (400, 404), other


def parse_bundle(bundle: bytes) -> list[bytes]:
    entries, offset = [], 0
    while offset < len(bundle):
        length = int.from_bytes(bundle[offset:offset + 2], "big")
        entries.append(bundle[offset + 2:offset + 2 + length])
        offset += 2 + length
    assert offset == len(bundle)
    return entries


def test_entry_bundles_parse_into_the_journal_leaves(client: FlaskClient, leaves: list[bytes]) -> None:
    full = client.get("/log/tile/entries/000")
    assert full.status_code == 200 and "immutable" in full.headers["Cache-Control"]
    assert full.content_type == "application/octet-stream"
    assert parse_bundle(full.data) == leaves[:256]
    partial = client.get("/log/tile/entries/001.p/44")
    assert partial.status_code == 200
    assert parse_bundle(partial.data) == leaves[256:]
    # Each entry hashes to the corresponding hash of the level-0 tile.
    tile = client.get("/log/tile/0/001.p/44").data
    assert [hash_leaf(e) for e in parse_bundle(partial.data)] == [tile[i:i + 32] for i in range(0, len(tile), 32)]
    assert parse_bundle(client.get("/log/tile/entries/000.p/7").data) == leaves[:7]


@pytest.mark.parametrize("path", ["/log/tile/entries/000", "/log/tile/entries/001.p/44"])
def test_entry_bundles_are_gzipped_for_a_client_that_accepts_it(client: FlaskClient, path: str) -> None:
    identity = client.get(path)
    compressed = client.get(path, headers={"Accept-Encoding": "gzip, identity"})
    assert compressed.status_code == 200 and compressed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(compressed.data) == identity.data
    assert len(compressed.data) < len(identity.data)
    assert compressed.content_type == "application/octet-stream"
    assert compressed.headers["Cache-Control"] == identity.headers["Cache-Control"]
    # The same bundle compresses to the same bytes every time: caches and mirrors agree.
    assert client.get(path, headers={"Accept-Encoding": "gzip"}).data == compressed.data
    # Either answer tells a cache that it depends on Accept-Encoding.
    for response in (identity, compressed):
        assert "Accept-Encoding" in response.headers["Vary"]


@pytest.mark.parametrize("accept", [None, "identity", "br", "gzip;q=0", "gzip;q=0, identity"])
def test_entry_bundles_are_identity_unless_gzip_is_accepted(client: FlaskClient, leaves: list[bytes],
                                                            accept: str | None) -> None:
    response = client.get("/log/tile/entries/000", headers={"Accept-Encoding": accept} if accept else {})
    assert response.status_code == 200 and "Content-Encoding" not in response.headers
    assert parse_bundle(response.data) == leaves[:256]


def test_tiles_of_hashes_are_never_gzipped(client: FlaskClient, leaves: list[bytes]) -> None:
    # SHA-256 hashes do not compress: gzip would only add bytes and work.
    response = client.get("/log/tile/0/000", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in response.headers
    assert response.data == b"".join(hash_leaf(leaf) for leaf in leaves[:256])


# Proofs -----------------------------------------------------------------------


def test_inclusion_proofs_by_index_and_by_leaf_hash(client: FlaskClient, leaves: list[bytes]) -> None:
    roots = {44: naive_root(leaves[:44]), SIZE: naive_root(leaves)}
    for index, size in [(0, 44), (43, 44), (0, SIZE), (255, SIZE), (256, SIZE), (299, SIZE)]:
        response = client.get(f"/log/proof/inclusion?index={index}&size={size}")
        assert response.status_code == 200
        body = response.get_json()
        assert (body["index"], body["size"], body["root"]) == (index, size, b64(roots[size]))
        proof = [base64.b64decode(h) for h in body["proof"]]
        verify_inclusion(index, size, hash_leaf(leaves[index]), proof, roots[size])
        if index + 1 < size:
            with pytest.raises(ProofError):
                verify_inclusion(index, size, hash_leaf(leaves[index + 1]), proof, roots[size])
    by_hash = client.get("/log/proof/inclusion?" + urlencode({"leaf_hash": b64(hash_leaf(leaves[123]))}))
    assert by_hash.status_code == 200
    body = by_hash.get_json()
    assert (body["index"], body["size"]) == (123, SIZE)  # the latest checkpoint by default
    verify_inclusion(123, SIZE, hash_leaf(leaves[123]), [base64.b64decode(h) for h in body["proof"]],
                     roots[SIZE])


def test_consistency_proofs(client: FlaskClient, leaves: list[bytes]) -> None:
    for size1, size2 in [(0, SIZE), (1, SIZE), (44, SIZE), (256, SIZE), (44, 44), (SIZE, SIZE), (7, 44)]:
        response = client.get(f"/log/proof/consistency?from={size1}&to={size2}")
        assert response.status_code == 200
        body = response.get_json()
        assert (body["from"], body["to"]) == (size1, size2)
        proof = [base64.b64decode(h) for h in body["proof"]]
        verify_consistency(size1, size2, proof, naive_root(leaves[:size1]), naive_root(leaves[:size2]))
    proof = [base64.b64decode(h) for h in client.get("/log/proof/consistency?from=44&to=300").get_json()["proof"]]
    with pytest.raises(ProofError):
        verify_consistency(44, SIZE, proof, naive_root(leaves[:43]), naive_root(leaves))


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("", "index"),                       # neither index nor leaf_hash
        ("index=", "index"), ("index=-1", "index"), ("index=abc", "index"), ("index=1.0", "index"),
        ("index=%C2%B2", "index"),           # a superscript two: str.isdigit, yet not a number
        ("index=%D9%A1", "index"),           # an Arabic-Indic one
        ("index=1&size=%EF%BC%91", "size"),  # a fullwidth one
        ("index=" + "9" * 20, "index"),
        ("index=300", "index"), ("index=0&size=301", "size"), ("index=0&size=x", "size"),
        ("leaf_hash=***", "leaf_hash"), ("leaf_hash=" + quote(b64(b"\x01" * 31)), "leaf_hash"),
        ("leaf_hash=" + quote(b64(b"\x01" * 33)), "leaf_hash"),
    ],
)
def test_bad_inclusion_parameters_are_400(client: FlaskClient, query: str, field: str) -> None:
    assert_error(client.get("/log/proof/inclusion?" + query), 400, "invalid_input", field)


def test_unknown_leaf_hash_is_404(client: FlaskClient) -> None:
    query = urlencode({"leaf_hash": b64(hash_leaf(b"never logged"))})
    assert_error(client.get("/log/proof/inclusion?" + query), 404, "not_found")


@pytest.mark.parametrize(
    ("query", "field"),
    [("to=300", "from"), ("from=1", "to"), ("from=-1&to=3", "from"), ("from=1&to=x", "to"),
     ("from=44&to=43", "from"), ("from=1&to=301", "to"), ("from=%D9%A1&to=3", "from")],
)
def test_bad_consistency_parameters_are_400(client: FlaskClient, query: str, field: str) -> None:
    assert_error(client.get("/log/proof/consistency?" + query), 400, "invalid_input", field)


def test_unknown_log_route_is_a_json_404(client: FlaskClient) -> None:
    assert_error(client.get("/log/nothing-here"), 404, "not_found")

"""eddsa-jcs-2022 Data Integrity proofs against the published W3C test vectors.

Vectors: tests/vectors/w3c-vc-di-eddsa/ (see SOURCE.md there), from
w3c/vc-di-eddsa @ abb673eb9df673e24a8eaf939337de74759b5f8d, TestVectors/.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st

from verifiers import dataintegrity
from verifiers.dataintegrity import (
    hash_data,
    proof_options,
    proofs_of,
    secured_document,
    verify_proof,
)
from verifiers.didkey import (
    public_key_from_verification_method,
    verification_method_from_public_key,
)
from verifiers.errors import MalformedError, SignatureError, VerificationError
from verifiers.jcs import canonicalize
from verifiers.multibase import multibase_decode, multibase_encode

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "w3c-vc-di-eddsa"
JCS = VECTORS / "eddsa-jcs-2022"
ED25519_PRIV_MULTICODEC = b"\x80\x26"  # varint of 0x1300, ed25519-priv


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8").strip()


@pytest.fixture(scope="module")
def unsigned() -> dict[str, Any]:
    document: dict[str, Any] = _json(VECTORS / "unsigned.json")
    return document


@pytest.fixture(scope="module")
def proof_config() -> dict[str, Any]:
    document: dict[str, Any] = _json(JCS / "proofConfigJCS.json")
    return document


@pytest.fixture(scope="module")
def signed() -> dict[str, Any]:
    document: dict[str, Any] = _json(JCS / "signedJCS.json")
    return document


@pytest.fixture(scope="module")
def private_key() -> Ed25519PrivateKey:
    decoded = multibase_decode(_json(VECTORS / "keyPair.json")["privateKeyMultibase"])
    assert decoded[:2] == ED25519_PRIV_MULTICODEC
    return Ed25519PrivateKey.from_private_bytes(decoded[2:])


@pytest.fixture(scope="module")
def public_key() -> bytes:
    decoded = multibase_decode(_json(VECTORS / "keyPair.json")["publicKeyMultibase"])
    assert decoded[:2] == b"\xed\x01"
    return decoded[2:]


def _raw_public_key(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _sign(
    document: dict[str, Any], key: Ed25519PrivateKey, created: str = "2025-05-01T14:03:22.000000Z"
) -> dict[str, Any]:
    """What keys/ does: options, hash_data, Ed25519, secured_document."""
    options = proof_options(
        verification_method_from_public_key(_raw_public_key(key)),
        created,
        context=document.get("@context"),
    )
    return secured_document(document, options, key.sign(hash_data(document, options)))


# --- The published vectors ---------------------------------------------------


def test_keypair_matches(private_key: Ed25519PrivateKey, public_key: bytes) -> None:
    assert _raw_public_key(private_key) == public_key


def test_proof_options_build_the_published_proof_config(
    unsigned: dict[str, Any], proof_config: dict[str, Any]
) -> None:
    options = proof_options(
        proof_config["verificationMethod"], proof_config["created"], context=unsigned["@context"]
    )
    assert options == proof_config


def test_canonical_forms_match(unsigned: dict[str, Any], proof_config: dict[str, Any]) -> None:
    assert canonicalize(unsigned) == _text(JCS / "canonDocJCS.txt").encode("utf-8")
    assert canonicalize(proof_config) == _text(JCS / "proofCanonJCS.txt").encode("utf-8")


def test_hash_data_reproduces_the_published_combined_hash(
    unsigned: dict[str, Any], proof_config: dict[str, Any]
) -> None:
    data = hash_data(unsigned, proof_config)
    assert data.hex() == _text(JCS / "combinedHashJCS.txt")
    assert data[:32].hex() == _text(JCS / "proofHashJCS.txt")
    assert data[32:].hex() == _text(JCS / "docHashJCS.txt")


def test_hash_data_ignores_an_existing_proof(
    signed: dict[str, Any], proof_config: dict[str, Any]
) -> None:
    assert hash_data(signed, proof_config).hex() == _text(JCS / "combinedHashJCS.txt")


def test_signing_reproduces_the_published_signature_and_document(
    unsigned: dict[str, Any],
    proof_config: dict[str, Any],
    signed: dict[str, Any],
    private_key: Ed25519PrivateKey,
) -> None:
    signature = private_key.sign(hash_data(unsigned, proof_config))
    assert signature.hex() == _text(JCS / "sigHexJCS.txt")
    assert multibase_encode(signature) == _text(JCS / "sigBTC58JCS.txt")
    assert secured_document(unsigned, proof_config, signature) == signed


def test_published_document_verifies(signed: dict[str, Any], public_key: bytes) -> None:
    verify_proof(signed, signed["proof"], public_key)


def test_published_document_verifies_with_the_key_its_proof_names(signed: dict[str, Any]) -> None:
    key = public_key_from_verification_method(signed["proof"]["verificationMethod"])
    verify_proof(signed, signed["proof"], key)


# --- One flipped bit anywhere fails --------------------------------------------


def test_every_bit_flip_of_the_canonical_document_fails(
    signed: dict[str, Any], public_key: bytes
) -> None:
    canonical = canonicalize({k: v for k, v in signed.items() if k != "proof"})
    tried = 0
    for bit in range(len(canonical) * 8):
        flipped = bytearray(canonical)
        flipped[bit // 8] ^= 1 << (bit % 8)
        try:
            document = json.loads(flipped.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue  # no longer a JSON document at all
        if not isinstance(document, dict) or "proof" in document:
            continue
        tried += 1
        document["proof"] = signed["proof"]
        context_changed = document.get("@context") != signed["@context"]
        # A changed @context no longer starts with the proof's: malformed, per §3.3.2.
        expected = MalformedError if context_changed else SignatureError
        with pytest.raises(expected):
            verify_proof(document, document["proof"], public_key)
    assert tried > 1000


def test_every_bit_flip_of_the_signature_fails(signed: dict[str, Any], public_key: bytes) -> None:
    signature = multibase_decode(signed["proof"]["proofValue"])
    for bit in range(len(signature) * 8):
        flipped = bytearray(signature)
        flipped[bit // 8] ^= 1 << (bit % 8)
        proof = dict(signed["proof"], proofValue=multibase_encode(bytes(flipped)))
        with pytest.raises(SignatureError, match="Signature is invalid for input"):
            verify_proof(signed, proof, public_key)


def test_every_bit_flip_of_the_public_key_fails(signed: dict[str, Any], public_key: bytes) -> None:
    for bit in range(len(public_key) * 8):
        flipped = bytearray(public_key)
        flipped[bit // 8] ^= 1 << (bit % 8)
        with pytest.raises(SignatureError):
            verify_proof(signed, signed["proof"], bytes(flipped))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("created", "2023-02-24T23:36:39Z"),
        ("proofPurpose", "authentication"),
        ("verificationMethod", "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"),
        ("challenge", "added after signing"),
    ],
)
def test_changing_the_proof_options_fails(
    signed: dict[str, Any], public_key: bytes, name: str, value: str
) -> None:
    proof = dict(signed["proof"], **{name: value})
    with pytest.raises(SignatureError):
        verify_proof(signed, proof, public_key)


def test_the_input_document_is_not_changed(signed: dict[str, Any], public_key: bytes) -> None:
    before = copy.deepcopy(signed)
    verify_proof(signed, signed["proof"], public_key)
    assert signed == before


# --- Malformed proofs are malformed, not bad signatures -----------------------


def _malformed_proofs() -> list[tuple[str, Any]]:
    proof = _json(JCS / "signedJCS.json")["proof"]
    without_value = {k: v for k, v in proof.items() if k != "proofValue"}
    signature = multibase_decode(proof["proofValue"])
    return [
        ("not an object", [proof]),
        ("wrong type", dict(proof, type="Ed25519Signature2020")),
        ("no type", {k: v for k, v in proof.items() if k != "type"}),
        ("wrong cryptosuite", dict(proof, cryptosuite="eddsa-rdfc-2022")),
        ("no cryptosuite", {k: v for k, v in proof.items() if k != "cryptosuite"}),
        ("no proofValue", without_value),
        ("proofValue not a string", dict(proof, proofValue=list(signature))),
        ("proofValue base64url", dict(proof, proofValue="u" + "A" * 86)),
        ("proofValue without multibase prefix", dict(proof, proofValue=proof["proofValue"][1:])),
        ("proofValue not base58", dict(proof, proofValue=proof["proofValue"][:-1] + "0")),
        ("signature too short", dict(proof, proofValue=multibase_encode(signature[:-1]))),
        ("signature too long", dict(proof, proofValue=multibase_encode(signature + b"\x00"))),
        ("proofValue absurdly long", dict(proof, proofValue="z" + "2" * 10_000)),
        ("created not a dateTimeStamp", dict(proof, created="24 Feb 2023")),
        ("created without timezone", dict(proof, created="2023-02-24T23:36:38")),
        ("created not a string", dict(proof, created=1677281798)),
        (
            "proof @context not a prefix",
            dict(proof, **{"@context": ["https://example.org/other/v1"]}),
        ),
        ("proof @context empty", dict(proof, **{"@context": []})),
        ("proof @context null", dict(proof, **{"@context": None})),
        ("float in proof options", dict(proof, nonce=1.5)),
    ]


@pytest.mark.parametrize(
    ("why", "proof"), _malformed_proofs(), ids=[why for why, _ in _malformed_proofs()]
)
def test_malformed_proof(signed: dict[str, Any], public_key: bytes, why: str, proof: Any) -> None:
    with pytest.raises(MalformedError):
        verify_proof(signed, proof, public_key)


def test_created_may_use_an_offset(
    unsigned: dict[str, Any], private_key: Ed25519PrivateKey
) -> None:
    # XML Schema dateTimeStamp allows offsets; others' proofs may use them.
    document = _sign(unsigned, private_key, created="2023-02-24T18:36:38-05:00")
    verify_proof(document, document["proof"], _raw_public_key(private_key))


@pytest.mark.parametrize("document", [None, [], "text", 42])
def test_document_must_be_an_object(
    signed: dict[str, Any], public_key: bytes, document: Any
) -> None:
    with pytest.raises(MalformedError):
        verify_proof(document, signed["proof"], public_key)


def test_document_with_a_float_is_malformed(signed: dict[str, Any], public_key: bytes) -> None:
    with pytest.raises(MalformedError):
        verify_proof(dict(signed, score=0.5), signed["proof"], public_key)


def test_document_without_context_when_the_proof_has_one(
    signed: dict[str, Any], public_key: bytes
) -> None:
    document = {k: v for k, v in signed.items() if k != "@context"}
    with pytest.raises(MalformedError):
        verify_proof(document, signed["proof"], public_key)


@pytest.mark.parametrize("key", [b"", bytes(31), bytes(33)])
def test_wrong_length_key_is_malformed(signed: dict[str, Any], key: bytes) -> None:
    with pytest.raises(MalformedError):
        verify_proof(signed, signed["proof"], key)


def test_misuse_is_a_programming_error(
    unsigned: dict[str, Any], proof_config: dict[str, Any]
) -> None:
    with pytest.raises(ValueError):
        hash_data(unsigned, dict(proof_config, proofValue="z1"))
    with pytest.raises(ValueError):
        secured_document(unsigned, proof_config, bytes(63))
    with pytest.raises(ValueError):
        secured_document(unsigned, dict(proof_config, proofValue="z1"), bytes(64))


# --- proofs_of and proof sets ------------------------------------------------


def test_proofs_of_a_single_proof(signed: dict[str, Any]) -> None:
    assert proofs_of(signed) == [signed["proof"]]


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"proof": None},
        {"proof": []},
        {"proof": "z..."},
        {"proof": [{"type": "x"}, "y"]},
        [],
        None,
    ],
    ids=repr,
)
def test_proofs_of_malformed(document: Any) -> None:
    with pytest.raises(MalformedError):
        proofs_of(document)


@pytest.fixture(scope="module")
def issuer_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


@pytest.fixture(scope="module")
def receiver_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64)))


EVENT: dict[str, Any] = {
    "type": "CredentialTransferred",
    "award": "award_01HZX3Q4K9M2",
    "from": "did:web:springfield.example",
    "to": "did:web:shelbyville.example",
    "why": "student moved district",
    "sequence": 7,
}


def test_proof_set_each_proof_verifies_independently(
    issuer_key: Ed25519PrivateKey, receiver_key: Ed25519PrivateKey
) -> None:
    once = _sign(EVENT, issuer_key)
    twice = _sign(once, receiver_key)
    assert "proof" not in EVENT and isinstance(once["proof"], dict)  # inputs untouched
    first, second = proofs_of(twice)
    assert first == once["proof"]
    verify_proof(twice, first, _raw_public_key(issuer_key))
    verify_proof(twice, second, _raw_public_key(receiver_key))
    with pytest.raises(SignatureError):
        verify_proof(twice, first, _raw_public_key(receiver_key))
    with pytest.raises(SignatureError):
        verify_proof(twice, second, _raw_public_key(issuer_key))


def test_proof_set_order_of_signing_does_not_matter(
    issuer_key: Ed25519PrivateKey, receiver_key: Ed25519PrivateKey
) -> None:
    # A proof set, not a proof chain: each proof signs the document without any proof.
    countersigned = _sign(_sign(EVENT, issuer_key), receiver_key)
    alone = _sign(EVENT, receiver_key)
    assert proofs_of(countersigned)[1] == alone["proof"]


def test_proof_set_grows_and_a_tampered_member_fails(
    issuer_key: Ed25519PrivateKey, receiver_key: Ed25519PrivateKey
) -> None:
    three = _sign(
        _sign(_sign(EVENT, issuer_key), receiver_key),
        issuer_key,
        created="2025-05-02T00:00:00.000000Z",
    )
    proofs = proofs_of(three)
    assert len(proofs) == 3
    for proof, key in zip(proofs, (issuer_key, receiver_key, issuer_key), strict=True):
        verify_proof(three, proof, _raw_public_key(key))
    tampered = dict(three, sequence=8)
    for proof, key in zip(proofs, (issuer_key, receiver_key, issuer_key), strict=True):
        with pytest.raises(SignatureError):
            verify_proof(tampered, proof, _raw_public_key(key))


def test_public_keys_are_cached(signed: dict[str, Any], public_key: bytes) -> None:
    verify_proof(signed, signed["proof"], public_key)
    hits = dataintegrity._ed25519_public_key.cache_info().hits
    verify_proof(signed, signed["proof"], public_key)
    assert dataintegrity._ed25519_public_key.cache_info().hits == hits + 1


# --- Properties --------------------------------------------------------------

_text_values = st.text(st.characters(codec="utf-8"), max_size=20)
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | _text_values,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(_text_values, children, max_size=4)
    ),
    max_leaves=20,
)
_documents = st.dictionaries(
    _text_values.filter(lambda key: key != "proof"), _json_values, min_size=1, max_size=6
)


@settings(max_examples=60, deadline=None)
@given(_documents, st.data())
def test_every_signed_document_verifies_and_any_change_fails(
    issuer_key: Ed25519PrivateKey, document: dict[str, Any], data: st.DataObject
) -> None:
    secured = _sign(document, issuer_key)
    key = _raw_public_key(issuer_key)
    verify_proof(secured, secured["proof"], key)
    name = data.draw(st.sampled_from(sorted(document)))
    replacement = data.draw(_json_values.filter(lambda value: value != document[name]))
    with pytest.raises(VerificationError):
        verify_proof(dict(secured, **{name: replacement}), secured["proof"], key)


# --- The cryptosuite seam ------------------------------------------------------


def test_each_part_of_eddsa_jcs_2022_reproduces_its_published_vector(
    unsigned: dict[str, Any], proof_config: dict[str, Any], private_key: Ed25519PrivateKey, public_key: bytes
) -> None:
    suite = dataintegrity.EDDSA_JCS_2022
    assert dataintegrity.CRYPTOSUITES["eddsa-jcs-2022"] is suite
    assert dataintegrity.cryptosuite_of(proof_config) is suite
    configuration = suite.proof_configuration(proof_config, unsigned)
    assert configuration == _text(JCS / "proofCanonJCS.txt").encode("utf-8")
    transformed = suite.transform(unsigned, proof_config)
    assert transformed == _text(JCS / "canonDocJCS.txt").encode("utf-8")
    data = suite.hash(transformed, configuration)
    assert data.hex() == _text(JCS / "combinedHashJCS.txt")
    proof_bytes = suite.serialize(data, private_key.sign)
    assert proof_bytes.hex() == _text(JCS / "sigHexJCS.txt")
    suite.verify(data, proof_bytes, public_key)
    with pytest.raises(SignatureError):
        suite.verify(data[::-1], proof_bytes, public_key)
    with pytest.raises(ValueError):
        suite.serialize(data, lambda message: b"short")


class _OtherSuite(dataintegrity.EddsaJcs2022):
    """A stand-in for a suite not in CRYPTOSUITES: another name, another transformation."""

    name = "test-other-2099"

    def proof_configuration(self, options: dict[str, Any], unsecured_document: dict[str, Any]) -> bytes:
        if options.get("cryptosuite") != self.name:
            raise MalformedError("not this suite's options")
        return canonicalize(options)

    def transform(self, unsecured_document: dict[str, Any], options: dict[str, Any]) -> bytes:
        return b"other:" + canonicalize(unsecured_document)


def test_verification_picks_the_suite_the_proof_names(
    unsigned: dict[str, Any], private_key: Ed25519PrivateKey, public_key: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = _OtherSuite()
    method = verification_method_from_public_key(public_key)
    options = proof_options(method, "2025-05-01T14:03:22.000000Z", context=unsigned["@context"], suite=other)
    assert options["cryptosuite"] == "test-other-2099"
    signed = secured_document(unsigned, options, other.serialize(hash_data(unsigned, options, other), private_key.sign))
    with pytest.raises(MalformedError, match="cryptosuite must be 'eddsa-jcs-2022' or 'eddsa-rdfc-2022'"):
        verify_proof(signed, signed["proof"], public_key)  # an unknown suite is refused
    monkeypatch.setattr(dataintegrity, "CRYPTOSUITES", {**dataintegrity.CRYPTOSUITES, other.name: other})
    verify_proof(signed, signed["proof"], public_key)
    # The same proof bytes do not pass for the default suite: the transformation differs.
    relabelled = dict(signed["proof"], cryptosuite="eddsa-jcs-2022")
    with pytest.raises(SignatureError):
        verify_proof(signed, relabelled, public_key)

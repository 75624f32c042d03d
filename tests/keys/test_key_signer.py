"""Signer: the one signing routine (W3C Data Integrity eddsa-jcs-2022 over pure Ed25519)."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from keys.signer import Signer
from verifiers import dataintegrity
from verifiers.dataintegrity import verify_proof
from verifiers.didkey import verification_method_from_public_key
from verifiers.errors import SignatureError, VerificationError
from verifiers.jcs import canonicalize

CREATED = "2025-03-01T12:00:00Z"

# --- RFC 8032 §7.1, "Test Vectors for Ed25519", TEST 1 and TEST 2 -----------------
# https://www.rfc-editor.org/rfc/rfc8032#section-7.1 (typed in from the RFC; never regenerated).
RFC8032_VECTORS = [
    pytest.param(
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
        id="rfc8032-test1-empty-message",
    ),
    pytest.param(
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
        id="rfc8032-test2-one-byte-message",
    ),
]


@pytest.mark.parametrize(("secret_hex", "public_hex", "message_hex", "signature_hex"), RFC8032_VECTORS)
def test_rfc8032_vectors_pin_pure_ed25519(secret_hex, public_hex, message_hex, signature_hex):
    secret = bytes.fromhex(secret_hex)
    signer = Signer.from_private_bytes(secret)
    assert signer.public_key == bytes.fromhex(public_hex)
    assert signer.key_id == verification_method_from_public_key(bytes.fromhex(public_hex))
    # Our signer's primitive is pure Ed25519 (Ed25519ph would give another signature).
    signature = signer.sign_bytes(bytes.fromhex(message_hex))
    assert signature == bytes.fromhex(signature_hex)
    Ed25519PublicKey.from_public_bytes(signer.public_key).verify(signature, bytes.fromhex(message_hex))


# --- W3C vc-di-eddsa test vector for eddsa-jcs-2022 ----------------------------------
# https://github.com/w3c/vc-di-eddsa @ abb673eb9df673e24a8eaf939337de74759b5f8d, TestVectors/
# keyPair.json, unsigned.json, eddsa-jcs-2022/{combinedHashJCS.txt, sigHexJCS.txt,
# signedJCS.json} (also under tests/vectors/w3c-vc-di-eddsa/). Ed25519 is deterministic,
# so our signer must reproduce the published proof byte for byte.
W3C_PRIVATE_KEY_MULTIBASE = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
W3C_PUBLIC_KEY_MULTIBASE = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
W3C_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://www.w3.org/ns/credentials/examples/v2",
]
W3C_UNSIGNED = {
    "@context": W3C_CONTEXT,
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "name": "Alumni Credential",
    "description": "A minimum viable example of an Alumni Credential.",
    "issuer": "https://vc.example/issuers/5678",
    "validFrom": "2023-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
}
W3C_CREATED = "2023-02-24T23:36:38Z"
W3C_COMBINED_HASH = (
    "66ab154f5c2890a140cb8388a22a160454f80575f6eae09e5a097cabe539a1db"
    "59b7cb6251b8991add1ce0bc83107e3db9dbbab5bd2c28f687db1a03abc92f19"
)
W3C_SIGNATURE_HEX = (
    "407cd12654b33d718ecbb99179a1506daaa849450bf3fc523cce3e1c96f8b803"
    "51da3f253d725c6f00b07c9e5448d50b3ef78012b9ab54255116d069c6dd2808"
)
W3C_PROOF = {
    "type": "DataIntegrityProof",
    "cryptosuite": "eddsa-jcs-2022",
    "created": W3C_CREATED,
    "verificationMethod": f"did:key:{W3C_PUBLIC_KEY_MULTIBASE}#{W3C_PUBLIC_KEY_MULTIBASE}",
    "proofPurpose": "assertionMethod",
    "@context": W3C_CONTEXT,
    "proofValue": "z2HnFSSPPBzR36zdDgK8PbEHeXbR56YF24jwMpt3R1eHXQzJDMWS93FCzpvJpwTWd3GAVFuUfjoJdcnTMuVor51aX",
}

BASE58BTC = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def base58btc_decode(text: str) -> bytes:
    """Slow reference decoder (tests only) for multibase 'z' strings without the prefix."""
    number = 0
    for char in text:
        number = number * 58 + BASE58BTC.index(char)
    zeros = len(text) - len(text.lstrip("1"))
    return b"\x00" * zeros + number.to_bytes((number.bit_length() + 7) // 8, "big")


def w3c_signer() -> Signer:
    decoded = base58btc_decode(W3C_PRIVATE_KEY_MULTIBASE[1:])
    assert decoded[:2] == b"\x80\x26"  # multicodec ed25519-priv (0x1300), varint
    return Signer.from_private_bytes(decoded[2:])


def proof_signature(proof: dict) -> bytes:
    assert proof["proofValue"].startswith("z")
    return base58btc_decode(proof["proofValue"][1:])


def test_w3c_eddsa_jcs_2022_vector_is_reproduced_exactly():
    signer = w3c_signer()
    assert signer.key_id == W3C_PROOF["verificationMethod"]
    signed = signer.sign(copy.deepcopy(W3C_UNSIGNED), W3C_CREATED)
    assert signed == {**W3C_UNSIGNED, "proof": W3C_PROOF}
    verify_proof(signed, signed["proof"], signer.public_key)


def test_w3c_signature_is_pure_ed25519_over_the_hash_data():
    signature = proof_signature(W3C_PROOF)
    assert signature.hex() == W3C_SIGNATURE_HEX
    assert w3c_signer().sign_bytes(bytes.fromhex(W3C_COMBINED_HASH)) == signature
    Ed25519PublicKey.from_public_bytes(w3c_signer().public_key).verify(
        signature, bytes.fromhex(W3C_COMBINED_HASH)
    )


# --- behaviour -------------------------------------------------------------------------


def event(**extra) -> dict:
    return {
        "type": "CredentialIssued",
        "award": "award-0001",
        "student": "student-42",
        "credential": "servsafe-manager",
        "earned": "2025-02-14",
        **extra,
    }


def test_sign_then_verify_round_trip():
    signer = Signer.generate()
    signed = signer.sign(event(), CREATED)
    assert signed["proof"]["verificationMethod"] == signer.key_id
    assert signed["proof"]["created"] == CREATED
    assert signed["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    verify_proof(signed, signed["proof"], signer.public_key)


def test_sign_does_not_mutate_its_input():
    document = event()
    before = copy.deepcopy(document)
    Signer.generate().sign(document, CREATED)
    assert document == before


def test_context_is_copied_into_the_proof_options():
    signed = Signer.generate().sign(event(**{"@context": W3C_CONTEXT}), CREATED)
    assert signed["proof"]["@context"] == W3C_CONTEXT


def test_altered_document_fails_with_signature_error():
    signer = Signer.generate()
    signed = signer.sign(event(), CREATED)
    altered = {**signed, "student": "student-43"}
    with pytest.raises(SignatureError):
        verify_proof(altered, altered["proof"], signer.public_key)


def test_another_key_does_not_verify():
    signed = Signer.generate().sign(event(), CREATED)
    with pytest.raises(VerificationError):
        verify_proof(signed, signed["proof"], Signer.generate().public_key)


def test_countersign_makes_a_two_proof_set_each_verifying():
    releasing, receiving = Signer.generate(), Signer.generate()
    once = releasing.sign(event(type="CredentialTransferred"), CREATED)
    twice = receiving.countersign(once, "2025-03-02T08:30:00Z")
    proofs = twice["proof"]
    assert isinstance(proofs, list) and len(proofs) == 2
    assert [p["verificationMethod"] for p in proofs] == [releasing.key_id, receiving.key_id]
    verify_proof(twice, proofs[0], releasing.public_key)
    verify_proof(twice, proofs[1], receiving.public_key)
    assert once["proof"] == proofs[0]  # the first proof is unchanged and the input too
    with pytest.raises(VerificationError):
        verify_proof(twice, proofs[1], releasing.public_key)


def test_signatures_are_deterministic():
    signer = Signer.generate()
    assert signer.sign(event(), CREATED) == signer.sign(event(), CREATED)


def test_signer_is_immutable_and_keeps_its_key_private():
    signer = Signer.generate()
    with pytest.raises(AttributeError):
        signer.key_id = "did:key:other"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        signer._private_key = None  # type: ignore[misc]
    assert repr(signer) == f"Signer(key_id={signer.key_id!r})"
    with pytest.raises(TypeError):
        pickle.dumps(signer)
    with pytest.raises(TypeError):
        copy.copy(signer)


def test_equality_follows_the_key():
    secret = bytes(range(32))
    assert Signer.from_private_bytes(secret) == Signer.from_private_bytes(secret)
    assert Signer.from_private_bytes(secret) != Signer.generate()


@pytest.mark.parametrize("raw", [b"", bytes(31), bytes(33)])
def test_private_key_of_wrong_size_is_a_value_error(raw):
    with pytest.raises(ValueError, match="32 bytes"):
        Signer.from_private_bytes(raw)


def test_misuse_is_a_type_error():
    signer = Signer.generate()
    with pytest.raises(TypeError):
        signer.sign([("not", "a dict")], CREATED)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        signer.sign(event(), 1_740_830_400)  # type: ignore[arg-type]


# --- properties ------------------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
documents = st.dictionaries(
    st.text(max_size=10).filter(lambda key: key not in ("proof", "@context")), json_values, max_size=6
)
SIGNER = Signer.generate()


@settings(max_examples=150, deadline=None)
@given(documents)
def test_every_signed_document_verifies(document):
    signed = SIGNER.sign(document, CREATED)
    verify_proof(signed, signed["proof"], SIGNER.public_key)


@settings(max_examples=100, deadline=None)
@given(documents, st.data())
def test_any_flipped_signature_bit_fails(document, data):
    signed = SIGNER.sign(document, CREATED)
    proof = signed["proof"]
    signature = bytearray(proof_signature(proof))
    bit = data.draw(st.integers(min_value=0, max_value=len(signature) * 8 - 1))
    signature[bit // 8] ^= 1 << (bit % 8)
    tampered_proof = {**proof, "proofValue": "z" + base58btc_encode(bytes(signature))}
    tampered = {**signed, "proof": tampered_proof}
    with pytest.raises(VerificationError):
        verify_proof(tampered, tampered_proof, SIGNER.public_key)


def base58btc_encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    chars = []
    while number:
        number, digit = divmod(number, 58)
        chars.append(BASE58BTC[digit])
    zeros = len(data) - len(data.lstrip(b"\x00"))
    return "1" * zeros + "".join(reversed(chars))


@pytest.mark.parametrize(
    "created",
    ["2025-03-01T12:00:00+00:00", "2025-03-01 12:00:00Z", "2025-13-01T12:00:00Z", "yesterday", ""],
)
def test_created_must_be_our_utc_timestamp(created):
    with pytest.raises(ValueError):
        Signer.generate().sign(event(), created)


def test_created_with_microseconds_is_accepted():
    signer = Signer.generate()
    signed = signer.sign(event(), "2025-03-01T12:00:00.123456Z")
    verify_proof(signed, signed["proof"], signer.public_key)


def test_a_float_cannot_be_signed():
    with pytest.raises(ValueError, match="cannot sign"):
        Signer.generate().sign(event(score=87.5), CREATED)


def test_countersign_needs_a_signed_document():
    with pytest.raises(ValueError, match="signed document"):
        Signer.generate().countersign(event(), CREATED)


def test_a_signer_signs_with_the_suite_it_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    """eddsa-jcs-2022 unless told; another suite's name, transformation and serialization otherwise."""

    class Other(dataintegrity.EddsaJcs2022):
        name = "test-other-2099"

        def proof_configuration(self, options: dict[str, Any], unsecured_document: dict[str, Any]) -> bytes:
            return canonicalize(options)

        def transform(self, unsecured_document: dict[str, Any], options: dict[str, Any]) -> bytes:
            return b"other:" + canonicalize(unsecured_document)

    signer, other = Signer.generate(), Other()
    default = signer.sign({"a": 1}, CREATED)
    assert default["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    signed = signer.countersign(signer.sign({"a": 1}, CREATED, suite=other), CREATED, suite=other)
    assert [p["cryptosuite"] for p in signed["proof"]] == ["test-other-2099"] * 2
    monkeypatch.setattr(dataintegrity, "CRYPTOSUITES", {**dataintegrity.CRYPTOSUITES, other.name: other})
    for proof in signed["proof"]:
        verify_proof(signed, proof, signer.public_key)


"""Ed25519 did:key: published examples, round trips, malformed identifiers."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verifiers.didkey import (
    did_key_from_public_key,
    public_key_from_verification_method,
    verification_method_from_public_key,
)
from verifiers.errors import MalformedError
from verifiers.multibase import multibase_encode

# The did:key Method v0.7 (W3C CCG, https://w3c-ccg.github.io/did-method-key/),
# "Test Vectors", "Ed25519 / X25519", JWK Example: this DID's Ed25519 key has
# JWK "x" = "O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik".
SPEC_DID = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
SPEC_JWK_X = "O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik"

# The same spec's other Ed25519 examples: "The did:key Format" and "Test Vectors".
SPEC_ED25519_DIDS = [
    "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
    "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
    "did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG",
    "did:key:z6MknGc3ocHs3zdPiJbnaaqDi58NGb4pk1Sp9WxWufuXSdxf",
    # W3C vc-di-eddsa TestVectors/keyPair.json publicKeyMultibase.
    "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
]


def _jwk_bytes(x: str) -> bytes:
    return base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))


def test_spec_jwk_example_names_the_same_key() -> None:
    raw = _jwk_bytes(SPEC_JWK_X)
    assert public_key_from_verification_method(SPEC_DID) == raw
    assert did_key_from_public_key(raw) == SPEC_DID
    multikey = SPEC_DID.removeprefix("did:key:")
    assert verification_method_from_public_key(raw) == f"{SPEC_DID}#{multikey}"


@pytest.mark.parametrize("did", SPEC_ED25519_DIDS)
def test_spec_examples_round_trip(did: str) -> None:
    raw = public_key_from_verification_method(did)
    assert len(raw) == 32
    assert did_key_from_public_key(raw) == did
    vm = verification_method_from_public_key(raw)
    assert vm == did + "#" + did.removeprefix("did:key:")
    assert public_key_from_verification_method(vm) == raw


@given(st.binary(min_size=32, max_size=32))
def test_round_trip(raw: bytes) -> None:
    did = did_key_from_public_key(raw)
    assert did.startswith("did:key:z6Mk")
    assert public_key_from_verification_method(did) == raw
    assert public_key_from_verification_method(verification_method_from_public_key(raw)) == raw


OTHER = "z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",  # bare multikey, no DID
        "did:web:example.com",
        "did:key:",
        "did:key:z",
        "DID:KEY:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
        "did:key:6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",  # no multibase prefix
        "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooW0",  # "0" is not base58
        "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp#",  # empty fragment
        # Another key's fragment.
        f"did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp#{OTHER}",
        "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp#key-1",
        "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp#z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp#x",
        # did:key Method v0.7 "Test Vectors": X25519 and Secp256k1 keys are not Ed25519.
        "did:key:z6LSeu9HkTHSfLLeUs2nnzUSNedgDUevfNQgQjQC23ZCit6F",
        "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme",
        # Right multicodec, wrong length.
        "did:key:" + multibase_encode(b"\xed\x01" + bytes(31)),
        "did:key:" + multibase_encode(b"\xed\x01" + bytes(33)),
        "did:key:z" + "2" * 5000,  # absurdly long
    ],
)
def test_malformed_identifiers(value: str) -> None:
    with pytest.raises(MalformedError):
        public_key_from_verification_method(value)


@pytest.mark.parametrize("value", [None, 42, b"did:key:z6Mk"])
def test_non_strings_are_malformed(value: object) -> None:
    with pytest.raises(MalformedError):
        public_key_from_verification_method(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("raw", [b"", bytes(31), bytes(33)])
def test_encoding_a_wrong_length_key_is_a_value_error(raw: bytes) -> None:
    with pytest.raises(ValueError):
        did_key_from_public_key(raw)
    with pytest.raises(ValueError):
        verification_method_from_public_key(raw)


def test_encoding_text_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        did_key_from_public_key("z6Mk" * 8)  # type: ignore[arg-type]

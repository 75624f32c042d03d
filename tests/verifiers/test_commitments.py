"""Salted commitments to identity claims: round trips, and malformed openings named as such."""

from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verifiers.commitments import (
    SALT_BYTES,
    commitment_from_claim,
    salt_from_text,
    salt_to_text,
    verify_commitment,
)
from verifiers.errors import CommitmentError, MalformedError


@given(st.binary(min_size=SALT_BYTES, max_size=64))
def test_salt_text_round_trips(salt: bytes) -> None:
    assert salt_from_text(salt_to_text(salt)) == salt


@given(st.text(max_size=40), st.binary(min_size=SALT_BYTES, max_size=32))
def test_a_claim_opens_its_commitment_and_nothing_else(value: str, salt: bytes) -> None:
    commitment = commitment_from_claim("name", value, salt)
    verify_commitment("name", value, salt, commitment)
    with pytest.raises(CommitmentError):
        verify_commitment("name", value + "x", salt, commitment)
    with pytest.raises(CommitmentError):
        verify_commitment("birth_date", value, salt, commitment)  # the claim's name is committed too
    with pytest.raises(CommitmentError):
        verify_commitment("name", value, bytes([salt[0] ^ 1]) + salt[1:], commitment)


def test_a_short_salt_is_malformed_evidence() -> None:
    salt = os.urandom(SALT_BYTES)
    commitment = commitment_from_claim("name", "Rowan Tally", salt)
    with pytest.raises(MalformedError, match="shorter than 16 bytes"):
        verify_commitment("name", "Rowan Tally", salt[:8], commitment)


@pytest.mark.parametrize("text", ["not base64!", "AAAAAAAAAAAAAAAAAAAAAA==", "AAAAAAAAAAAAAAAAAAAAAB", "+/+/+/+/+/+/+/+/+/+/+w"])
def test_a_salt_has_one_spelling(text: str) -> None:
    # Padding, non-zero trailing bits and the standard alphabet are all refused: unpadded base64url only.
    with pytest.raises(MalformedError):
        salt_from_text(text)


def test_a_salt_that_is_not_text_is_malformed() -> None:
    with pytest.raises(MalformedError, match="base64url text"):
        salt_from_text(b"AAAA")  # type: ignore[arg-type]

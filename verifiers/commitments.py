"""Salted commitments to a student's identity claims (as SD-JWT disclosures do).

Each claim gets its own random salt, so a student can disclose the name and keep
the birth date back, and nobody can confirm a guessed birth date from the
commitment alone. commitment = SHA-256(salt || JCS([claim name, value])), hex.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from verifiers.errors import CommitmentError, MalformedError
from verifiers.jcs import canonicalize

SALT_BYTES = 16


def commitment_from_claim(name: str, value: str, salt: bytes) -> str:
    if len(salt) < SALT_BYTES:
        raise ValueError(f"salt must be at least {SALT_BYTES} bytes")
    return hashlib.sha256(salt + canonicalize([name, value])).hexdigest()


def salt_to_text(salt: bytes) -> str:
    return base64.urlsafe_b64encode(salt).rstrip(b"=").decode("ascii")


def salt_from_text(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise MalformedError("salt is not base64url") from None


def verify_commitment(name: str, value: str, salt: bytes, commitment: str) -> None:
    """Raise CommitmentError unless (name, value, salt) opens `commitment`."""
    if not hmac.compare_digest(commitment_from_claim(name, value, salt), commitment):
        raise CommitmentError(f"disclosed {name} does not match its commitment")

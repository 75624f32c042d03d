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
    """The salt of its unpadded base64url text; MalformedError for anything else (one spelling per salt)."""
    if not isinstance(text, str):
        raise MalformedError("a salt is base64url text")
    try:
        salt = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise MalformedError("salt is not base64url") from None
    if salt_to_text(salt) != text:
        raise MalformedError("salt is not in canonical unpadded base64url")
    return salt


def verify_commitment(name: str, value: str, salt: bytes, commitment: str) -> None:
    """Raise CommitmentError unless (name, value, salt) opens `commitment`; MalformedError for a short salt."""
    if len(salt) < SALT_BYTES:
        raise MalformedError(f"the salt of {name} is shorter than {SALT_BYTES} bytes")
    if not hmac.compare_digest(commitment_from_claim(name, value, salt), commitment):
        raise CommitmentError(f"disclosed {name} does not match its commitment")

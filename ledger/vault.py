"""The PII vault: a student's identity claims and their salts, sealed at rest.

Events never carry PII; they carry salted commitments (verifiers.commitments).
The claims and salts live here, each row sealed with AES-GCM under the vault
key (a secret held in the key store) with the student id as associated data,
so a row cannot be moved to another student. Erasing a student deletes the
row: the commitments in the events stay, every signature stays valid, and
nobody can open them any more.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ledger.errors import IntegrityError
from verifiers.commitments import SALT_BYTES, commitment_from_claim, salt_from_text, salt_to_text

# The identity claims a student may have; the state student id (Ohio SSID, Missouri MOSIS id, Colorado
# SASID) only when the district gave it.
CLAIMS = ("name", "birth_date", "local_id", "state_id")
NONCE_BYTES = 12


@dataclass(frozen=True)
class Identity:
    """A student's identity claims with the salts that open their commitments."""

    # Never in a repr: a stray log line must not carry PII or salts.
    claims: dict[str, str] = field(repr=False)
    salts: dict[str, bytes] = field(repr=False)

    @classmethod
    def new(cls, claims: dict[str, str]) -> Identity:
        return cls(claims=dict(claims), salts={name: os.urandom(SALT_BYTES) for name in claims})

    def with_claim(self, name: str, value: str) -> Identity:
        """These claims with `name` given or replaced, under a fresh salt of its own (a state id recorded
        after the registration: the old value's commitment stays in the registration, unopenable by this row)."""
        return Identity(claims={**self.claims, name: value}, salts={**self.salts, name: os.urandom(SALT_BYTES)})

    def commitments(self) -> dict[str, str]:
        return {
            name: commitment_from_claim(name, value, self.salts[name])
            for name, value in sorted(self.claims.items())
        }

    def disclosure(self, names: list[str] | tuple[str, ...]) -> dict[str, dict[str, str]]:
        """The chosen claims with their salts, as a student hands them out."""
        return {
            name: {"value": self.claims[name], "salt": salt_to_text(self.salts[name])}
            for name in names
            if name in self.claims
        }


def seal(identity: Identity, key: bytes, student_id: str) -> bytes:
    plaintext = json.dumps(
        {
            "claims": identity.claims,
            "salts": {name: salt_to_text(salt) for name, salt in identity.salts.items()},
        }
    ).encode()
    return seal_bytes(plaintext, key, student_id.encode())


def unseal(sealed: bytes, key: bytes, student_id: str, *, aead: AESGCM | None = None) -> Identity:
    """`aead`: the key's AESGCM, made once by a caller opening many rows (`unsealer`)."""
    try:
        plaintext = (aead or AESGCM(key)).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], student_id.encode())
    except InvalidTag:
        raise IntegrityError(f"the vault row of student {student_id} does not open") from None
    data = json.loads(plaintext)
    return Identity(
        claims=data["claims"],
        salts={name: salt_from_text(text) for name, text in data["salts"].items()},
    )


def claims_unsealer(key: bytes) -> Callable[[bytes, str], dict[str, str]]:
    """Only the claims of vault rows under one key (what a report names a student by), without decoding
    the salts; IntegrityError for a row that does not open."""
    aead = AESGCM(key)
    return lambda sealed, student_id: _claims(sealed, aead, student_id)


def _claims(sealed: bytes, aead: AESGCM, student_id: str) -> dict[str, str]:
    try:
        plaintext = aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], student_id.encode())
    except InvalidTag:
        raise IntegrityError(f"the vault row of student {student_id} does not open") from None
    claims: dict[str, str] = json.loads(plaintext)["claims"]
    return claims


def unsealer(key: bytes) -> Callable[[bytes, str], Identity]:
    """`unseal` for many rows under one key (a report naming 30,000 students): the cipher made once."""
    aead = AESGCM(key)
    return lambda sealed, student_id: unseal(sealed, key, student_id, aead=aead)


def seal_bytes(plaintext: bytes, key: bytes, associated: bytes) -> bytes:
    """AES-GCM with a fresh nonce in front; `associated` binds the sealed bytes to their row."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, associated)


def unseal_bytes(sealed: bytes, key: bytes, associated: bytes) -> bytes:
    """The plaintext of `seal_bytes`; InvalidTag if the key, the row or a byte is wrong."""
    return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], associated)

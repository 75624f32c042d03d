"""C2SP tlog-cosignature/v1 (https://c2sp.org/tlog-cosignature), Ed25519: a witness's cosignature.

A cosignature is a signed-note signature line on a checkpoint::

    — <witness name> base64(key ID || u64 big-endian timestamp || Ed25519 signature)

with key ID = SHA-256(name || "\\n" || 0x04 || public key)[:4], over the message::

    cosignature/v1
    time <timestamp>
    <the checkpoint's note text, its final newline included>

It states that, as of the timestamp (POSIX seconds), the checkpoint is the largest consistent one
the witness has seen for the origin. `CosignatureVerifier` is a `verifiers.note.NoteVerifier` of
signature type 0x04, pinned as the vkey ``<name>+<8 hex digits of key ID>+base64(0x04 || key)``;
`cosignatures` reads which pinned witnesses cosigned a checkpoint, and when. Signing needs the
witness's private key and lives with the witness (`cosigned_message` gives what it signs).
Pure: no clock (a timestamp in the future is the caller's to judge), no I/O.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from verifiers.errors import MalformedError
from verifiers.note import is_valid_key_name, note_from_text

__all__ = ["COSIGNATURE_TYPE", "Cosignature", "CosignatureVerifier", "cosignatures", "cosigned_message"]

COSIGNATURE_TYPE = 0x04
MAX_TIMESTAMP = (1 << 63) - 1
_HEADER = b"cosignature/v1\n"
_HEX_KEY_ID = re.compile(r"[0-9a-f]{8}")


def _key_id(name: str, public_key: bytes) -> int:
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([COSIGNATURE_TYPE]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def cosigned_message(note_text: str, timestamp: int) -> bytes:
    """What a witness signs: the cosignature/v1 header, the time line, the checkpoint's note text."""
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise ValueError("a cosignature timestamp is 0 … 2^63 − 1")
    if not note_text.endswith("\n"):
        raise ValueError("the note text ends in a newline")
    return _HEADER + f"time {timestamp}\n".encode("ascii") + note_text.encode("utf-8")


@dataclass(frozen=True)
class CosignatureVerifier:
    """A pinned witness: its name, key ID and raw 32-byte Ed25519 public key (signature type 0x04)."""

    name: str
    key_id: int
    public_key: bytes

    def __post_init__(self) -> None:
        if not is_valid_key_name(self.name):
            raise ValueError(f"invalid key name {self.name!r}")
        if len(self.public_key) != 32:
            raise ValueError("an Ed25519 public key is 32 bytes")
        if self.key_id != _key_id(self.name, self.public_key):
            raise ValueError("key ID does not match the name and public key")

    @classmethod
    def from_public_key(cls, name: str, public_key: bytes) -> CosignatureVerifier:
        return cls(name, _key_id(name, bytes(public_key)), bytes(public_key))

    @classmethod
    def from_key_string(cls, key: str) -> CosignatureVerifier:
        """Parse a witness vkey ``<name>+<hex key ID>+base64(0x04 || public key)``; MalformedError
        for anything else (a log's type 0x01 key included: it is not a witness key)."""
        if not isinstance(key, str):
            raise MalformedError("a witness key must be a str")
        name, hex_id, encoded = (key.split("+", 2) + ["", ""])[:3]
        if not is_valid_key_name(name) or not _HEX_KEY_ID.fullmatch(hex_id):
            raise MalformedError("a witness key is name+keyid+key (8 lowercase hex digits of key ID)")
        try:
            material = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise MalformedError("a witness key's key material is not base64") from None
        if len(material) != 33 or material[0] != COSIGNATURE_TYPE:
            raise MalformedError("not a cosignature/v1 (type 0x04) Ed25519 witness key")
        if int(hex_id, 16) != _key_id(name, material[1:]):
            raise MalformedError("the witness key's ID does not match its name and key")
        return cls(name, int(hex_id, 16), material[1:])

    def to_key_string(self) -> str:
        encoded = base64.b64encode(bytes([COSIGNATURE_TYPE]) + self.public_key).decode("ascii")
        return f"{self.name}+{self.key_id:08x}+{encoded}"

    def timestamp_of(self, signature: bytes) -> int | None:
        """The time a valid cosignature (the bytes after the key ID) states, None if it does not verify."""
        if len(signature) != 8 + 64:
            return None
        timestamp = int.from_bytes(signature[:8], "big")
        return timestamp if timestamp <= MAX_TIMESTAMP else None

    def signature_valid(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is this witness's cosignature of the note text ``message``."""
        timestamp = self.timestamp_of(signature)
        if timestamp is None:
            return False
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(
                signature[8:], _HEADER + f"time {timestamp}\n".encode("ascii") + message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class Cosignature:
    witness: str  # the witness's name
    timestamp: int  # POSIX seconds: when it saw this checkpoint as the log's largest


def cosignatures(signed_note: str | bytes, witnesses: Iterable[CosignatureVerifier]) -> list[Cosignature]:
    """The pinned witnesses whose cosignature of the note verifies, each once, in pinning order.
    Lines of other keys are ignored (tlog-witness: "MUST ignore cosignatures from unknown keys"),
    and so is a pinned witness's line that does not verify: it is not counted. MalformedError for
    a text that is not a signed note."""
    note = note_from_text(signed_note)
    message = note.text.encode("utf-8")
    found: list[Cosignature] = []
    for witness in witnesses:
        for line in note.signatures:
            if (line.name, line.key_id) == (witness.name, witness.key_id) and witness.signature_valid(message, line.signature):
                found.append(Cosignature(witness.name, int.from_bytes(line.signature[:8], "big")))
                break
    return found

"""C2SP signed-note (https://c2sp.org/signed-note), with its Ed25519 note keys.

A signed note is a UTF-8 text ending in a newline, a blank line, then one or
more signature lines::

    <text, ending in "\\n">
    <blank line>
    — <key name> base64(4-byte big-endian key ID || signature)

A note is verified against pinned note verifiers (``NoteVerifier``): each knows
its key name and key ID and checks its own signature lines. ``Verifier`` is the one
implementation, signature type 0x01 (Ed25519 over the note text, RFC 8032),
pinned as a verifier key string ``<name>+<8 hex digits of key ID>+base64(0x01 ||
32-byte public key)``, the form golang.org/x/mod/sumdb/note uses. A witness's
C2SP tlog-cosignature/v1 key (type 0x04: Ed25519 over ``cosignature/v1``, a
``time`` line and the checkpoint text, the signature prefixed by its 8-byte
timestamp) would be a second ``NoteVerifier``, checking that form in its
``signature_valid``; it is not implemented, and a type 0x04 key string is refused.

Parsing errors are :class:`MalformedError`; a note whose signatures do not
verify is a :class:`CheckpointError`. Signing needs a private key and lives
elsewhere: a signer computes ``Ed25519.sign(signed_message(text))`` and
passes the result to :func:`signature_line` and :func:`note_with_signatures`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from verifiers.errors import CheckpointError, MalformedError

__all__ = [
    "ED25519_SIGNATURE_TYPE",
    "MAX_SIGNATURES",
    "Note",
    "NoteSignature",
    "NoteVerifier",
    "SIGNATURE_PREFIX",
    "Verifier",
    "is_valid_key_name",
    "key_id_for",
    "key_string_from_public_key",
    "note_from_text",
    "note_with_signatures",
    "signature_line",
    "signed_message",
    "verify_note",
]

#: Signature type identifier byte for Ed25519 (signed-note, "Signature types").
ED25519_SIGNATURE_TYPE = 0x01
#: Every signature line starts with an em dash (U+2014) and a space.
SIGNATURE_PREFIX = "\u2014 "
#: Upper bound on signature lines; the spec requires accepting at least 16.
MAX_SIGNATURES = 100

_KEY_ID_SIZE = 4
_ED25519_PUBLIC_KEY_SIZE = 32
_ED25519_SIGNATURE_SIZE = 64
_HEX_KEY_ID = re.compile(r"[0-9a-f]{8}")
_BLANK_LINE = "\n\n"


def is_valid_key_name(name: str) -> bool:
    """Key names are non-empty and contain no Unicode spaces and no '+'."""
    return (
        isinstance(name, str)
        and name != ""
        and "+" not in name
        and not any(c.isspace() or ord(c) < 0x20 for c in name)
    )


def _decode_base64(value: str) -> bytes:
    """Strict, canonical standard base64 (RFC 4648 §4); ValueError otherwise."""
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error) as exc:
        raise ValueError("not standard base64") from exc
    if base64.b64encode(raw).decode("ascii") != value:
        raise ValueError("not canonical base64")
    return raw


def _text_problem(text: str) -> str | None:
    """Why ``text`` cannot be a note text (or a whole note), or None."""
    if not isinstance(text, str):
        return "note text must be a str"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "note is not valid UTF-8"
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        return "note contains an ASCII control character other than newline"
    if not text.endswith("\n"):
        return "note text does not end in a newline"
    return None


def key_id_for(name: str, public_key: bytes) -> int:
    """Key ID = SHA-256(name || 0x0A || 0x01 || public key)[:4], big-endian."""
    digest = hashlib.sha256(
        name.encode("utf-8") + b"\n" + bytes([ED25519_SIGNATURE_TYPE]) + public_key
    ).digest()
    return int.from_bytes(digest[:_KEY_ID_SIZE], "big")


def _raw_public_key(public_key: bytes | Ed25519PublicKey) -> bytes:
    if isinstance(public_key, Ed25519PublicKey):
        return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    if not isinstance(public_key, (bytes, bytearray)) or len(public_key) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return bytes(public_key)


@runtime_checkable
class NoteVerifier(Protocol):
    """A pinned key of a signed note: the lines it signs are those with its name and key ID."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> int: ...

    def signature_valid(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` (a signature line's bytes after the key ID) is this key's of ``message``
        (the note text as UTF-8)."""
        ...


@dataclass(frozen=True)
class Verifier:
    """A pinned Ed25519 note key (signature type 0x01): name, key ID and raw 32-byte public key."""

    name: str
    key_id: int
    public_key: bytes

    def __post_init__(self) -> None:
        if not is_valid_key_name(self.name):
            raise ValueError(f"invalid key name {self.name!r}")
        if len(self.public_key) != _ED25519_PUBLIC_KEY_SIZE:
            raise ValueError("an Ed25519 public key is 32 bytes")
        if self.key_id != key_id_for(self.name, self.public_key):
            raise ValueError("key ID does not match the name and public key")

    @classmethod
    def from_public_key(cls, name: str, public_key: bytes | Ed25519PublicKey) -> Verifier:
        """The verifier for ``name`` and an Ed25519 public key."""
        raw = _raw_public_key(public_key)
        if not is_valid_key_name(name):
            raise ValueError(f"invalid key name {name!r}")
        return cls(name, key_id_for(name, raw), raw)

    @classmethod
    def from_key_string(cls, key: str) -> Verifier:
        """Parse ``<name>+<hex key ID>+<base64(0x01 || public key)>``.

        Raises :class:`MalformedError` for anything but a well-formed Ed25519
        verifier key whose key ID matches its name and key.
        """
        if not isinstance(key, str):
            raise MalformedError("verifier key must be a str")
        # The name and the hex key ID contain no '+'; the base64 key may.
        parts = key.split("+", 2)
        if len(parts) != 3:
            raise MalformedError("verifier key is not name+keyid+key")
        name, hex_id, encoded = parts
        if not is_valid_key_name(name):
            raise MalformedError("verifier key has an invalid name")
        if not _HEX_KEY_ID.fullmatch(hex_id):
            raise MalformedError("verifier key ID is not 8 lowercase hex digits")
        try:
            material = _decode_base64(encoded)
        except ValueError as exc:
            raise MalformedError(f"verifier key material: {exc}") from None
        if len(material) != 1 + _ED25519_PUBLIC_KEY_SIZE:
            raise MalformedError("verifier key material has the wrong length")
        if material[0] != ED25519_SIGNATURE_TYPE:
            raise MalformedError("verifier key is not an Ed25519 (type 0x01) key")
        public_key = material[1:]
        if int(hex_id, 16) != key_id_for(name, public_key):
            raise MalformedError("verifier key ID does not match the name and key")
        return cls(name, int(hex_id, 16), public_key)

    def to_key_string(self) -> str:
        """The ``<name>+<hex key ID>+<base64>`` form :meth:`from_key_string` reads."""
        material = bytes([ED25519_SIGNATURE_TYPE]) + self.public_key
        encoded = base64.b64encode(material).decode("ascii")
        return f"{self.name}+{self.key_id:08x}+{encoded}"

    def signature_valid(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is this key's Ed25519 signature of ``message``."""
        if len(signature) != _ED25519_SIGNATURE_SIZE:
            return False
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True


def key_string_from_public_key(name: str, public_key: bytes | Ed25519PublicKey) -> str:
    """The verifier key string for ``name`` and an Ed25519 public key."""
    return Verifier.from_public_key(name, public_key).to_key_string()


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: key name, key ID and the signature bytes."""

    name: str
    key_id: int
    signature: bytes

    def __post_init__(self) -> None:
        if not is_valid_key_name(self.name):
            raise ValueError(f"invalid key name {self.name!r}")
        if not 0 <= self.key_id < 1 << 32:
            raise ValueError("key ID is a 32-bit unsigned integer")
        if len(self.signature) == 0:
            raise ValueError("signature is empty")

    def to_line(self) -> str:
        """``— <name> base64(key ID || signature)`` and a newline."""
        blob = self.key_id.to_bytes(_KEY_ID_SIZE, "big") + self.signature
        return f"{SIGNATURE_PREFIX}{self.name} {base64.b64encode(blob).decode('ascii')}\n"


@dataclass(frozen=True)
class Note:
    """A note text (ending in a newline) and its signatures."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def __post_init__(self) -> None:
        problem = _text_problem(self.text)
        if problem:
            raise ValueError(problem)
        if not self.signatures:
            raise ValueError("a signed note has at least one signature")

    def to_text(self) -> str:
        """The signed note: text, blank line, one line per signature."""
        return self.text + "\n" + "".join(s.to_line() for s in self.signatures)


def _parse_signature_line(line: str) -> NoteSignature:
    if not line.startswith(SIGNATURE_PREFIX):
        raise MalformedError("signature line does not start with an em dash and a space")
    name, space, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
    if not space or not is_valid_key_name(name):
        raise MalformedError("signature line has an invalid key name")
    try:
        blob = _decode_base64(encoded)
    except ValueError as exc:
        raise MalformedError(f"signature line: {exc}") from None
    if len(blob) <= _KEY_ID_SIZE:
        raise MalformedError("signature line is too short")
    key_id = int.from_bytes(blob[:_KEY_ID_SIZE], "big")
    return NoteSignature(name, key_id, blob[_KEY_ID_SIZE:])


def note_from_text(text: str | bytes) -> Note:
    """Parse a signed note without verifying it. Raises :class:`MalformedError`."""
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedError("note is not valid UTF-8") from None
    if not isinstance(text, str):
        raise MalformedError("note must be text")
    problem = _text_problem(text)
    if problem:
        raise MalformedError(problem)
    # The text is separated from the signatures by the last empty line; the
    # text keeps its final newline, the blank line belongs to neither.
    split = text.rfind(_BLANK_LINE)
    if split < 0:
        raise MalformedError("note has no blank line before its signatures")
    body, block = text[: split + 1], text[split + 2 :]
    if not block:
        raise MalformedError("note has no signature lines")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise MalformedError(f"note has more than {MAX_SIGNATURES} signatures")
    return Note(body, tuple(_parse_signature_line(line) for line in lines))


def _index_verifiers(verifiers: Iterable[NoteVerifier]) -> dict[tuple[str, int], NoteVerifier]:
    known: dict[tuple[str, int], NoteVerifier] = {}
    for verifier in verifiers:
        if not isinstance(verifier, NoteVerifier):
            raise TypeError("verifiers must be NoteVerifier instances")
        previous = known.setdefault((verifier.name, verifier.key_id), verifier)
        if previous != verifier:
            raise ValueError(f"ambiguous verifier {verifier.name}+{verifier.key_id:08x}")
    return known


def verify_note(text: str | bytes, verifiers: Iterable[NoteVerifier]) -> Note:
    """Parse a signed note and check it against the pinned ``verifiers``.

    Returns the note with only the signatures that verified. Following the
    signed-note spec, "Signatures" section:

    1. the note must parse (:class:`MalformedError` otherwise);
    2. signatures whose (name, key ID) pair matches no known key are ignored,
       even if the name or the ID alone matches one;
    3. a signature from a known key must verify, else the whole note is
       rejected (:class:`CheckpointError`); repeats by one key are dropped;
    4. at least one signature from a known key must have verified
       (:class:`CheckpointError` otherwise).
    """
    known = _index_verifiers(verifiers)
    # 1. Parse.
    note = note_from_text(text)
    message = note.text.encode("utf-8")
    verified: list[NoteSignature] = []
    seen: set[tuple[str, int]] = set()
    for signature in note.signatures:
        key = (signature.name, signature.key_id)
        verifier = known.get(key)
        # 2. Ignore unknown keys.
        if verifier is None:
            continue
        if key in seen:
            continue
        seen.add(key)
        # 3. A known key's signature must verify.
        if not verifier.signature_valid(message, signature.signature):
            raise CheckpointError(
                f"invalid signature for key {signature.name}+{signature.key_id:08x}"
            )
        verified.append(signature)
    # 4. At least one known signature.
    if not verified:
        raise CheckpointError("note has no signature from a known key")
    return Note(note.text, tuple(verified))


def signed_message(text: str) -> bytes:
    """The bytes an Ed25519 signer signs for note ``text`` (its UTF-8)."""
    problem = _text_problem(text)
    if problem:
        raise ValueError(problem)
    return text.encode("utf-8")


def signature_line(name: str, key_id: int, signature: bytes) -> str:
    """The signature line (with its newline) for a signature by ``name``/``key_id``."""
    return NoteSignature(name, key_id, bytes(signature)).to_line()


def note_with_signatures(text: str, lines: Iterable[str]) -> str:
    """The signed note made of ``text`` and signature ``lines`` (each ending "\\n").

    Raises ValueError if the result would not parse as a signed note.
    """
    problem = _text_problem(text)
    if problem:
        raise ValueError(problem)
    result = text + "\n" + "".join(lines)
    try:
        parsed = note_from_text(result)
    except MalformedError as exc:
        raise ValueError(f"not a valid signed note: {exc}") from None
    if parsed.text != text:
        raise ValueError("signature lines must not contain blank lines")
    return result

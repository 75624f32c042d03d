"""C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint): a signed tree head.

The note text of a checkpoint is at least three non-empty lines::

    <origin>                 the log's identity, e.g. example.com/log42
    <tree size>              ASCII decimal, no leading zeros ("0" when empty)
    <base64 root hash>       RFC 6962 Merkle tree root at that size
    [<extension line>...]    opaque, optional, non-empty

It is signed as a C2SP signed note (:mod:`verifiers.note`); here the log's
signature must come from the pinned log key, whose name equals the origin.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from verifiers.errors import CheckpointError, MalformedError
from verifiers.merkle import HASH_SIZE
from verifiers.note import NoteVerifier, verify_note

__all__ = ["MAX_TREE_SIZE", "Checkpoint", "checkpoint_from_text", "verify_checkpoint"]

#: Tree sizes are unsigned 64-bit integers in every tlog implementation.
MAX_TREE_SIZE = (1 << 64) - 1

_DECIMAL = re.compile(r"0|[1-9][0-9]*")


def _line_problem(line: str, what: str) -> str | None:
    if not isinstance(line, str) or line == "":
        return f"{what} must be a non-empty line"
    if any(ord(c) < 0x20 for c in line):
        return f"{what} contains a newline or control character"
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        return f"{what} is not valid UTF-8"
    return None


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head: origin, tree size, root hash, extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        problems = [_line_problem(self.origin, "origin")]
        problems += [_line_problem(e, "extension line") for e in self.extensions]
        for problem in problems:
            if problem:
                raise ValueError(problem)
        if isinstance(self.size, bool) or not isinstance(self.size, int):
            raise TypeError("tree size must be an int")
        if not 0 <= self.size <= MAX_TREE_SIZE:
            raise ValueError("tree size must be an unsigned 64-bit integer")
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != HASH_SIZE:
            raise ValueError(f"root hash must be {HASH_SIZE} bytes")

    def to_text(self) -> str:
        """The checkpoint note text (unsigned), ending in a newline."""
        lines = [
            self.origin,
            str(self.size),
            base64.b64encode(self.root_hash).decode("ascii"),
            *self.extensions,
        ]
        return "".join(line + "\n" for line in lines)


def checkpoint_from_text(text: str) -> Checkpoint:
    """Parse a checkpoint note text (without signatures).

    Raises :class:`MalformedError` unless the text is exactly: origin, tree
    size, root hash and optional non-empty extension lines, each ending in
    a newline.
    """
    if not isinstance(text, str):
        raise MalformedError("checkpoint must be text")
    if not text.endswith("\n"):
        raise MalformedError("checkpoint does not end in a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise MalformedError("checkpoint has fewer than three lines")
    origin, size_line, root_line, *extensions = lines
    for line, what in [(origin, "origin"), *((e, "extension line") for e in extensions)]:
        problem = _line_problem(line, what)
        if problem:
            raise MalformedError(problem)
    # Tree size: ASCII decimal, no leading zeros (str.isdigit and int() would
    # also accept other Unicode digits, "+", "_" and spaces).
    if not _DECIMAL.fullmatch(size_line):
        raise MalformedError("tree size is not a decimal number without leading zeros")
    size = int(size_line)
    if size > MAX_TREE_SIZE:
        raise MalformedError("tree size does not fit in 64 bits")
    try:
        root_hash = base64.b64decode(root_line.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        raise MalformedError("root hash is not standard base64") from None
    if base64.b64encode(root_hash).decode("ascii") != root_line:
        raise MalformedError("root hash is not canonical base64")
    if len(root_hash) != HASH_SIZE:
        raise MalformedError(f"root hash is not {HASH_SIZE} bytes")
    return Checkpoint(origin, size, root_hash, tuple(extensions))


def verify_checkpoint(signed_text: str | bytes, verifier: NoteVerifier) -> Checkpoint:
    """Verify a signed checkpoint against the pinned log key; return its content.

    1. The signed note must carry a valid signature by ``verifier``
       (other signatures, e.g. witness cosignatures, are ignored).
    2. The note text must parse as a checkpoint.
    3. The origin must equal the log key's name, so a key cannot vouch for
       another log's tree heads.

    Raises :class:`MalformedError` or :class:`CheckpointError`.
    """
    if not isinstance(verifier, NoteVerifier):
        raise TypeError("verifier must be a NoteVerifier")
    # 1. Signature by the pinned log key.
    note = verify_note(signed_text, [verifier])
    # 2. Checkpoint body.
    checkpoint = checkpoint_from_text(note.text)
    # 3. Origin names the log whose key signed it.
    if checkpoint.origin != verifier.name:
        raise CheckpointError(
            f"checkpoint origin {checkpoint.origin!r} is not the log key name {verifier.name!r}"
        )
    return checkpoint

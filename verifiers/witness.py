"""C2SP tlog-witness (https://c2sp.org/tlog-witness): the `add-checkpoint` request and a witness's
judgement of it, for any log whose checkpoints are C2SP signed notes with Ed25519 keys.

Request body::

    old <size>              the size of the checkpoint the log believes the witness last cosigned
    <base64 hash>           0 … 63 lines: an RFC 6962 consistency proof from <size> to the checkpoint
    <empty line>
    <signed checkpoint>     (it may carry several signatures)

`judge` decides, against the log's trusted keys and the witness's latest cosigned (size, root) for
the origin, in the order the specification gives: 400 malformed, 404 unknown origin, 403 no trusted
signature, 400 old size above the checkpoint's, 409 old size not the latest (the body is the latest
size and a newline, Content-Type `text/x.tlog.size`), 409 same size but another root, 422 the
consistency proof does not verify; else accepted. Taking the latest state, judging and storing the
accepted checkpoint atomically, then cosigning, is the witness's own duty (web.witness).
Pure: no clock, no I/O.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from verifiers.checkpoint import Checkpoint, checkpoint_from_text
from verifiers.errors import CheckpointError, MalformedError, ProofError
from verifiers.merkle import EMPTY_ROOT, verify_consistency
from verifiers.note import NoteVerifier, note_from_text, verify_note

__all__ = ["AddCheckpoint", "Accepted", "MAX_PROOF_LINES", "Refused", "SIZE_CONTENT_TYPE", "add_checkpoint_body",
           "judge", "parse_add_checkpoint"]

MAX_PROOF_LINES = 63
MAX_BODY_BYTES = 64 * 1024  # a checkpoint with a hundred signatures and a full proof is ~15 kB
SIZE_CONTENT_TYPE = "text/x.tlog.size"
_OLD = re.compile(r"old (0|[1-9][0-9]*)")


@dataclass(frozen=True)
class AddCheckpoint:
    old_size: int
    proof: tuple[bytes, ...]
    signed_checkpoint: str  # the signed note as sent
    checkpoint: Checkpoint  # its text, parsed (its signatures are judge's to check)
    note_text: str  # the note's text without signatures: what a cosignature signs


@dataclass(frozen=True)
class Refused:
    status: int
    reason: str  # for the witness's own log and the response body (plain text)
    latest_size: int | None = None  # 409: the size of the latest cosigned checkpoint (the response body)
    evidence: bool = False  # a validly signed checkpoint that conflicts: worth keeping (possible misbehaviour)

    def body(self) -> tuple[bytes, str]:
        """The response body and its Content-Type."""
        if self.latest_size is not None:
            return f"{self.latest_size}\n".encode("ascii"), SIZE_CONTENT_TYPE
        return (self.reason + "\n").encode("utf-8"), "text/plain; charset=utf-8"


@dataclass(frozen=True)
class Accepted:
    checkpoint: Checkpoint  # what to store as the latest for its origin
    note_text: str  # the checkpoint's note text, what a cosignature signs


def add_checkpoint_body(old_size: int, proof: Sequence[bytes], signed_checkpoint: str) -> bytes:
    """The request body a log sends."""
    if len(proof) > MAX_PROOF_LINES:
        raise ValueError(f"a consistency proof of more than {MAX_PROOF_LINES} hashes")
    lines = [f"old {old_size}", *(base64.b64encode(h).decode("ascii") for h in proof), ""]
    return ("\n".join(lines) + "\n" + signed_checkpoint).encode("utf-8")


def parse_add_checkpoint(body: bytes) -> AddCheckpoint:
    """MalformedError (400) for a body that is not an add-checkpoint request."""
    if len(body) > MAX_BODY_BYTES:
        raise MalformedError(f"the request is larger than {MAX_BODY_BYTES} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedError("the request is not UTF-8") from None
    head, blank, signed = text.partition("\n\n")
    if not blank:
        raise MalformedError("the request has no empty line before the checkpoint")
    first, *proof_lines = head.split("\n")
    old = _OLD.fullmatch(first)
    if old is None:
        raise MalformedError("the first line is not 'old <size>' (decimal, no leading zeros)")
    if len(proof_lines) > MAX_PROOF_LINES:
        raise MalformedError(f"more than {MAX_PROOF_LINES} consistency proof lines")
    proof = []
    for line in proof_lines:
        try:
            digest = base64.b64decode(line, validate=True)
        except (binascii.Error, ValueError):
            raise MalformedError("a consistency proof line is not base64") from None
        if len(digest) != 32 or base64.b64encode(digest).decode("ascii") != line:
            raise MalformedError("a consistency proof line is not one SHA-256 hash in canonical base64")
        proof.append(digest)
    note = note_from_text(signed)
    try:
        checkpoint = checkpoint_from_text(note.text)
    except MalformedError as e:
        raise MalformedError(f"not a checkpoint: {e}") from None
    return AddCheckpoint(int(old.group(1)), tuple(proof), signed, checkpoint, note.text)


def judge(request: AddCheckpoint, log_keys: Mapping[str, Iterable[NoteVerifier]],
          latest: Mapping[str, tuple[int, bytes]]) -> Accepted | Refused:
    """The witness's answer. `log_keys`: the trusted keys of each known origin; `latest`: the (size,
    root) the witness last cosigned for an origin (absent: never)."""
    checkpoint = request.checkpoint
    keys = list(log_keys.get(checkpoint.origin, ()))
    if not keys:
        return Refused(404, f"unknown log origin {checkpoint.origin!r}")
    try:
        verify_note(request.signed_checkpoint, keys)
    except CheckpointError as e:
        return Refused(403, f"no trusted signature: {e}")
    if request.old_size > checkpoint.size:
        return Refused(400, f"old size {request.old_size} is above the checkpoint's size {checkpoint.size}")
    size, root = latest.get(checkpoint.origin, (0, EMPTY_ROOT))
    if request.old_size != size:
        return Refused(409, f"the latest cosigned size is {size}, not {request.old_size}", latest_size=size)
    if request.old_size == 0 and request.proof:
        return Refused(400, "a consistency proof from size 0 must be empty")
    if checkpoint.size == size and checkpoint.root_hash != root:
        return Refused(409, f"another root hash for size {size}: a fork", latest_size=size, evidence=True)
    try:
        verify_consistency(size, checkpoint.size, list(request.proof), root, checkpoint.root_hash)
    except ProofError as e:
        return Refused(422, f"the consistency proof does not verify: {e}", evidence=True)
    return Accepted(checkpoint, request.note_text)

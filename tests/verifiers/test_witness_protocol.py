"""C2SP tlog-witness `add-checkpoint` (verifiers.witness) and tlog-cosignature/v1 (verifiers.cosignature),
against the specifications' text (c2sp.org/tlog-witness, c2sp.org/tlog-cosignature, as of 2026-12):
every request shape and every answer the witness spec defines. The log is a TinyLog (tests.support),
not credledger's: the witness serves any C2SP log with Ed25519 signed notes."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.support import TinyLog, naive_consistency_proof
from verifiers.cosignature import CosignatureVerifier, cosignatures, cosigned_message
from verifiers.errors import MalformedError
from verifiers.merkle import verify_consistency
from verifiers.note import note_with_signatures, signature_line
from verifiers.witness import SIZE_CONTENT_TYPE, Accepted, Refused, add_checkpoint_body, judge, parse_add_checkpoint

ORIGIN = "tiny.example/log"


@pytest.fixture
def log() -> TinyLog:
    tiny = TinyLog.new(ORIGIN, seed=bytes(range(32)))
    tiny.leaves.extend(f"leaf {i}".encode() for i in range(11))
    return tiny


def answer(log: TinyLog, body: bytes, latest: dict[str, tuple[int, bytes]] | None = None) -> Accepted | Refused:
    return judge(parse_add_checkpoint(body), {ORIGIN: [log.verifier]}, latest or {})


def test_the_naive_proofs_are_rfc_consistency_proofs(log: TinyLog) -> None:
    """The test log's proofs verify with the verifiers' own check (and so does every split)."""
    import tests.support as s

    for m in range(1, 11):
        verify_consistency(m, 11, naive_consistency_proof(log.leaves, m), s.naive_root(log.leaves[:m]),
                           s.naive_root(log.leaves))


def test_the_request_shape_round_trips(log: TinyLog) -> None:
    body = log.add_checkpoint(4)
    text = body.decode()
    lines = text.split("\n")
    assert lines[0] == "old 4" and all(len(base64.b64decode(x)) == 32 for x in lines[1:lines.index("")])
    parsed = parse_add_checkpoint(body)
    assert (parsed.old_size, parsed.checkpoint.size, parsed.checkpoint.origin) == (4, 11, ORIGIN)
    assert parsed.signed_checkpoint == log.checkpoint()


@pytest.mark.parametrize(("body", "error"), [
    (b"old 1\n", "the request has no empty line before the checkpoint"),
    (b"old 01\n\nx", "the first line is not 'old <size>' (decimal, no leading zeros)"),
    (b"old -1\n\nx", "the first line is not 'old <size>'"),
    (b"new 1\n\nx", "the first line is not 'old <size>'"),
    (b"old 3\nnot*base64\n\nx", "a consistency proof line is not base64"),
    (b"old 3\n" + base64.b64encode(b"short") + b"\n\nx", "not one SHA-256 hash in canonical base64"),
    (b"old 3\n" + b"".join(base64.b64encode(bytes(32)) + b"\n" for _ in range(64)) + b"\nx",
     "more than 63 consistency proof lines"),
    (b"\xff\xfe", "the request is not UTF-8"),
    (b"old 0\n\n" + b"a" * 70_000, "the request is larger than 65536 bytes"),
])
def test_malformed_requests_are_refused_naming_why(body: bytes, error: str) -> None:
    with pytest.raises(MalformedError, match=re.escape(error)):
        parse_add_checkpoint(body)


def test_a_note_that_is_not_a_checkpoint_is_malformed(log: TinyLog) -> None:
    text = "tiny.example/log\nnot a size\nroot\n"
    note = note_with_signatures(text, [signature_line(ORIGIN, log.verifier.key_id, log.private_key.sign(text.encode()))])
    with pytest.raises(MalformedError, match="not a checkpoint: tree size is not a decimal number"):
        parse_add_checkpoint(b"old 0\n\n" + note.encode())


def test_the_first_checkpoint_is_accepted_from_size_zero(log: TinyLog) -> None:
    accepted = answer(log, log.add_checkpoint(0))
    assert isinstance(accepted, Accepted)
    assert accepted.checkpoint.size == 11 and accepted.note_text == log.checkpoint().split("\n\n")[0] + "\n"


def test_an_extension_with_a_valid_proof_is_accepted_and_the_same_checkpoint_again(log: TinyLog) -> None:
    import tests.support as s

    latest = {ORIGIN: (5, s.naive_root(log.leaves[:5]))}
    assert isinstance(answer(log, log.add_checkpoint(5), latest), Accepted)
    same = {ORIGIN: (11, s.naive_root(log.leaves))}
    assert isinstance(answer(log, log.add_checkpoint(11), same), Accepted)  # asked again after a lost answer


def test_every_refusal_the_spec_defines(log: TinyLog) -> None:
    import tests.support as s

    stranger = TinyLog.new("other.example/log")
    stranger.leaves.append(b"x")
    assert _status(judge(parse_add_checkpoint(stranger.add_checkpoint(0)), {ORIGIN: [log.verifier]}, {})) == (
        404, "unknown log origin 'other.example/log'")
    impostor = TinyLog.new(ORIGIN)  # the origin, another key
    impostor.leaves.extend(log.leaves)
    assert _status(answer(log, impostor.add_checkpoint(0)))[0] == 403
    assert _status(answer(log, log.add_checkpoint(0, 5).replace(b"old 0", b"old 9"))) == (
        400, "old size 9 is above the checkpoint's size 5")
    behind = answer(log, log.add_checkpoint(3), {ORIGIN: (5, s.naive_root(log.leaves[:5]))})
    assert isinstance(behind, Refused) and behind.status == 409
    assert behind.body() == (b"5\n", SIZE_CONTENT_TYPE)  # "the tree size of the latest cosigned checkpoint"
    never = answer(log, log.add_checkpoint(3))
    assert isinstance(never, Refused) and never.body() == (b"0\n", SIZE_CONTENT_TYPE)
    proof_from_zero = add_checkpoint_body(0, [bytes(32)], log.checkpoint())
    assert _status(answer(log, proof_from_zero)) == (400, "a consistency proof from size 0 must be empty")
    bad_proof = add_checkpoint_body(5, [bytes(32)] * 3, log.checkpoint())
    refused = answer(log, bad_proof, {ORIGIN: (5, s.naive_root(log.leaves[:5]))})
    assert isinstance(refused, Refused) and refused.status == 422 and refused.evidence


def test_a_fork_at_the_same_size_is_a_conflict_kept_as_evidence(log: TinyLog) -> None:
    import tests.support as s

    fork = log.fork()
    fork.leaves[-1] = b"another last leaf"
    refused = answer(log, fork.add_checkpoint(11), {ORIGIN: (11, s.naive_root(log.leaves))})
    assert isinstance(refused, Refused) and refused.status == 409 and refused.evidence
    assert refused.body() == (b"11\n", SIZE_CONTENT_TYPE)
    # And a fork that grew: its proof from the witness's size does not lead to the witness's root.
    fork.leaves.append(b"more")
    grown = answer(log, fork.add_checkpoint(11), {ORIGIN: (11, s.naive_root(log.leaves))})
    assert isinstance(grown, Refused) and grown.status == 422 and grown.evidence


def _status(result: Accepted | Refused) -> tuple[int, str]:
    assert isinstance(result, Refused), result
    return result.status, result.reason


# Cosignatures -----------------------------------------------------------------------------------

WITNESS = "witness.example/w1"


def _witness() -> tuple[Ed25519PrivateKey, CosignatureVerifier]:
    key = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"test witness").digest())
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return key, CosignatureVerifier.from_public_key(WITNESS, raw)


def _cosign(key: Ed25519PrivateKey, verifier: CosignatureVerifier, note_text: str, timestamp: int) -> str:
    # Built from the spec's words, not from the module: "cosignature/v1", "time <T>", the note text.
    message = b"cosignature/v1\n" + f"time {timestamp}\n".encode() + note_text.encode()
    return signature_line(verifier.name, verifier.key_id, timestamp.to_bytes(8, "big") + key.sign(message))


def test_the_key_id_and_message_are_the_specs(log: TinyLog) -> None:
    key, verifier = _witness()
    raw = verifier.public_key
    assert verifier.key_id == int.from_bytes(hashlib.sha256(WITNESS.encode() + b"\n\x04" + raw).digest()[:4], "big")
    text = log.checkpoint().split("\n\n")[0] + "\n"
    assert cosigned_message(text, 1679315147) == b"cosignature/v1\ntime 1679315147\n" + text.encode()
    key_string = verifier.to_key_string()
    assert key_string.startswith(f"{WITNESS}+{verifier.key_id:08x}+")
    assert base64.b64decode(key_string.split("+", 2)[2])[0] == 0x04
    assert CosignatureVerifier.from_key_string(key_string) == verifier


def test_cosignatures_are_counted_once_per_pinned_witness(log: TinyLog) -> None:
    key, verifier = _witness()
    other_key = Ed25519PrivateKey.generate()
    other = CosignatureVerifier.from_public_key("witness.example/w2",
                                                other_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
    signed = log.checkpoint()
    text = signed.split("\n\n")[0] + "\n"
    line = _cosign(key, verifier, text, 1_764_000_000)
    cosigned = signed + line + _cosign(other_key, other, text, 1_764_000_001)
    assert [(c.witness, c.timestamp) for c in cosignatures(cosigned, [verifier])] == [(WITNESS, 1_764_000_000)]
    assert len(cosignatures(cosigned, [verifier, other])) == 2
    assert len(cosignatures(signed + line + line, [verifier])) == 1  # a repeated line counts once
    # A changed timestamp, or a cosignature of another checkpoint, does not count.
    blob = bytearray(base64.b64decode(line.split(" ")[2]))
    blob[4 + 7] ^= 1
    altered = line.split(" ")[0] + " " + line.split(" ")[1] + " " + base64.b64encode(bytes(blob)).decode() + "\n"
    assert cosignatures(signed + altered, [verifier]) == []
    other_checkpoint = log.checkpoint(5)
    assert cosignatures(other_checkpoint + line, [verifier]) == []


@pytest.mark.parametrize(("key", "error"), [
    ("witness.example/w1+00000000+" + base64.b64encode(b"\x01" + bytes(32)).decode(), "not a cosignature/v1"),
    ("no-plus-signs", "a witness key is name+keyid+key"),
    ("witness.example/w1+zzzzzzzz+AAAA", "a witness key is name+keyid+key"),
])
def test_a_witness_key_string_that_is_not_one_is_refused(key: str, error: str) -> None:
    with pytest.raises(MalformedError, match=re.escape(error)):
        CosignatureVerifier.from_key_string(key)

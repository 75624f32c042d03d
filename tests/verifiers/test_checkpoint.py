"""verifiers.checkpoint: C2SP tlog-checkpoint text and its signature.

The example checkpoint is typed in from the C2SP spec
(https://github.com/C2SP/C2SP/blob/main/tlog-checkpoint.md, commit
2793893976c835db049c194d8f2c4f946dcb70ba); its log key is not published, so
it serves for parsing, and signed checkpoints are made here with fixed keys.
"""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from verifiers.checkpoint import (
    MAX_TREE_SIZE,
    Checkpoint,
    checkpoint_from_text,
    verify_checkpoint,
)
from verifiers.errors import CheckpointError, MalformedError
from verifiers.merkle import EMPTY_ROOT, hash_leaf
from verifiers.note import (
    Verifier,
    note_with_signatures,
    signature_line,
    signed_message,
)

SPEC_BODY = (
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
)
SPEC_CHECKPOINT = (
    SPEC_BODY
    + "\n"
    + "— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
)

LOG_NAME = "credledger.example/log"
LOG_PRIVATE = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
LOG = Verifier.from_public_key(LOG_NAME, LOG_PRIVATE.public_key())
WITNESS_PRIVATE = Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64)))
WITNESS = Verifier.from_public_key("witness.example/w1", WITNESS_PRIVATE.public_key())
ROOT = hash_leaf(b"root")


def _sign(text: str, *keys: tuple[Ed25519PrivateKey, Verifier]) -> str:
    lines = [
        signature_line(v.name, v.key_id, k.sign(signed_message(text))) for k, v in keys
    ]
    return note_with_signatures(text, lines)


def test_spec_example_parses_and_round_trips() -> None:
    checkpoint = checkpoint_from_text(SPEC_BODY)
    assert checkpoint.origin == "example.com/behind-the-sofa"
    assert checkpoint.size == 20852163
    assert checkpoint.root_hash == base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    assert checkpoint.extensions == ()
    assert checkpoint.to_text() == SPEC_BODY


def test_spec_example_is_not_signed_by_our_log_key() -> None:
    with pytest.raises(CheckpointError):
        verify_checkpoint(SPEC_CHECKPOINT, LOG)


def test_signed_checkpoint_verifies() -> None:
    checkpoint = Checkpoint(LOG_NAME, 42, ROOT)
    assert verify_checkpoint(_sign(checkpoint.to_text(), (LOG_PRIVATE, LOG)), LOG) == checkpoint


def test_empty_log_checkpoint() -> None:
    checkpoint = Checkpoint(LOG_NAME, 0, EMPTY_ROOT)
    assert checkpoint.to_text().split("\n")[1] == "0"
    assert verify_checkpoint(_sign(checkpoint.to_text(), (LOG_PRIVATE, LOG)), LOG) == checkpoint


def test_extensions_and_cosignatures() -> None:
    checkpoint = Checkpoint(LOG_NAME, 7, ROOT, ("ext one", "— ext two"))
    signed = _sign(checkpoint.to_text(), (WITNESS_PRIVATE, WITNESS), (LOG_PRIVATE, LOG))
    # The witness cosignature is from a key we did not pin: ignored.
    assert verify_checkpoint(signed, LOG) == checkpoint
    assert verify_checkpoint(signed.encode("utf-8"), LOG) == checkpoint


def test_only_a_witness_signature_fails() -> None:
    signed = _sign(Checkpoint(LOG_NAME, 7, ROOT).to_text(), (WITNESS_PRIVATE, WITNESS))
    with pytest.raises(CheckpointError):
        verify_checkpoint(signed, LOG)


def test_origin_must_be_the_log_key_name() -> None:
    signed = _sign(Checkpoint("other.example/log", 7, ROOT).to_text(), (LOG_PRIVATE, LOG))
    with pytest.raises(CheckpointError):
        verify_checkpoint(signed, LOG)


def test_tampered_checkpoint_fails() -> None:
    signed = _sign(Checkpoint(LOG_NAME, 7, ROOT).to_text(), (LOG_PRIVATE, LOG))
    with pytest.raises(CheckpointError):
        verify_checkpoint(signed.replace("\n7\n", "\n8\n"), LOG)


def test_signed_but_malformed_body_fails() -> None:
    signed = _sign(f"{LOG_NAME}\n007\n{base64.b64encode(ROOT).decode()}\n", (LOG_PRIVATE, LOG))
    with pytest.raises(MalformedError):
        verify_checkpoint(signed, LOG)


ROOT_B64 = base64.b64encode(ROOT).decode()
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
# Same bytes, but the unused low bits of the last character set: not canonical.
NON_CANONICAL_B64 = ROOT_B64[:-2] + _ALPHABET[_ALPHABET.index(ROOT_B64[-2]) | 1] + "="
URL_SAFE_B64 = base64.urlsafe_b64encode(bytes([0xFF]) * 32).decode()


@pytest.mark.parametrize(
    "text",
    [
        "",
        f"{LOG_NAME}\n7\n{ROOT_B64}",  # no final newline
        f"{LOG_NAME}\n7\n",  # two lines
        f"\n7\n{ROOT_B64}\n",  # empty origin
        f"{LOG_NAME}\n07\n{ROOT_B64}\n",  # leading zero
        f"{LOG_NAME}\n00\n{ROOT_B64}\n",
        f"{LOG_NAME}\n+7\n{ROOT_B64}\n",
        f"{LOG_NAME}\n-7\n{ROOT_B64}\n",
        f"{LOG_NAME}\n 7\n{ROOT_B64}\n",
        f"{LOG_NAME}\n7 \n{ROOT_B64}\n",
        f"{LOG_NAME}\n1_000\n{ROOT_B64}\n",
        f"{LOG_NAME}\n\u0667\n{ROOT_B64}\n",  # ARABIC-INDIC DIGIT SEVEN
        f"{LOG_NAME}\n0x7\n{ROOT_B64}\n",
        f"{LOG_NAME}\n\n{ROOT_B64}\n",
        f"{LOG_NAME}\n{MAX_TREE_SIZE + 1}\n{ROOT_B64}\n",
        f"{LOG_NAME}\n7\n{ROOT_B64.rstrip('=')}\n",  # unpadded
        f"{LOG_NAME}\n7\n{NON_CANONICAL_B64}\n",  # non-canonical trailing bits
        f"{LOG_NAME}\n7\n{base64.b64encode(ROOT[:-1]).decode()}\n",  # 31 bytes
        f"{LOG_NAME}\n7\n{base64.b64encode(ROOT + b'x').decode()}\n",  # 33 bytes
        f"{LOG_NAME}\n7\n{URL_SAFE_B64}\n",  # URL alphabet
        f"{LOG_NAME}\n7\n\n",
        f"{LOG_NAME}\n7\n{ROOT_B64}\n\n",  # empty extension line
        f"{LOG_NAME}\n7\n{ROOT_B64}\next\n\n",
        f"{LOG_NAME}\n7\n{ROOT_B64}\next\x01\n",
        f"{LOG_NAME}\r\n7\n{ROOT_B64}\n",
    ],
)
def test_malformed_checkpoint_text(text: str) -> None:
    with pytest.raises(MalformedError):
        checkpoint_from_text(text)


def test_largest_tree_size() -> None:
    text = f"{LOG_NAME}\n{MAX_TREE_SIZE}\n{ROOT_B64}\n"
    assert checkpoint_from_text(text).size == MAX_TREE_SIZE


@pytest.mark.parametrize(
    "args",
    [
        ("", 1, ROOT),
        ("a\nb", 1, ROOT),
        (LOG_NAME, -1, ROOT),
        (LOG_NAME, MAX_TREE_SIZE + 1, ROOT),
        (LOG_NAME, 1, ROOT[:-1]),
        (LOG_NAME, 1, ROOT, ("",)),
        (LOG_NAME, 1, ROOT, ("two\nlines",)),
    ],
)
def test_invalid_checkpoint_values_are_programmer_errors(args: tuple[object, ...]) -> None:
    with pytest.raises(ValueError):
        Checkpoint(*args)  # type: ignore[arg-type]


# --- round trips -------------------------------------------------------------

_LINE = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters=[chr(c) for c in range(0x20)]),
    min_size=1,
    max_size=30,
)
checkpoints = st.builds(
    Checkpoint,
    _LINE,
    st.integers(0, MAX_TREE_SIZE),
    st.binary(min_size=32, max_size=32),
    st.lists(_LINE, max_size=3).map(tuple),
)


@given(checkpoints)
def test_checkpoint_text_round_trip(checkpoint: Checkpoint) -> None:
    assert checkpoint_from_text(checkpoint.to_text()) == checkpoint


@given(st.integers(0, MAX_TREE_SIZE), st.binary(min_size=32, max_size=32), st.lists(_LINE, max_size=3))
def test_signed_checkpoint_round_trip(size: int, root: bytes, extensions: list[str]) -> None:
    checkpoint = Checkpoint(LOG_NAME, size, root, tuple(extensions))
    signed = _sign(checkpoint.to_text(), (LOG_PRIVATE, LOG))
    assert verify_checkpoint(signed, LOG) == checkpoint

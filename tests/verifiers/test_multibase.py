"""base58btc and multibase ``z``: known values, round trips, malformed input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verifiers.errors import MalformedError
from verifiers.multibase import (
    base58btc_decode,
    base58btc_encode,
    multibase_decode,
    multibase_encode,
)

# Examples from draft-msporny-base58-03 §5 ("Hello World!", the long sentence,
# and leading zero bytes, which become leading "1"s).
KNOWN = [
    (b"", ""),
    (b"Hello World!", "2NEpo7TZRRrLZSi2U"),
    (
        b"The quick brown fox jumps over the lazy dog.",
        "USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z",
    ),
    (bytes.fromhex("0000287fb4cd"), "11233QC4"),
    (b"\x00", "1"),
    (b"\x00\x00\x00", "111"),
]


@pytest.mark.parametrize(("data", "text"), KNOWN)
def test_known_values(data: bytes, text: str) -> None:
    assert base58btc_encode(data) == text
    assert base58btc_decode(text) == data


def test_multibase_prefix_is_z() -> None:
    assert multibase_encode(b"Hello World!") == "z2NEpo7TZRRrLZSi2U"
    assert multibase_decode("z2NEpo7TZRRrLZSi2U") == b"Hello World!"


@given(st.binary(max_size=100))
def test_round_trip(data: bytes) -> None:
    assert base58btc_decode(base58btc_encode(data)) == data
    assert multibase_decode(multibase_encode(data)) == data


@given(st.text(alphabet="123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz", max_size=60))
def test_encoding_is_canonical(text: str) -> None:
    # Every base58btc string is the one encoding of its bytes, so decoding
    # cannot be fooled by an alternative spelling.
    assert base58btc_encode(base58btc_decode(text)) == text


@pytest.mark.parametrize("text", ["0", "O", "I", "l", "abc+", " 2NE", "2NE\n", "é"])
def test_characters_outside_the_alphabet_are_malformed(text: str) -> None:
    with pytest.raises(MalformedError):
        base58btc_decode(text)


@pytest.mark.parametrize("text", ["", "2NEpo7TZRRrLZSi2U", "uSGVsbG8", "Z2NE", "z0"])
def test_multibase_needs_z_and_base58(text: str) -> None:
    with pytest.raises(MalformedError):
        multibase_decode(text)


@pytest.mark.parametrize("value", [None, b"z2NE", 42])
def test_non_strings_are_malformed(value: object) -> None:
    with pytest.raises(MalformedError):
        multibase_decode(value)  # type: ignore[arg-type]
    with pytest.raises(MalformedError):
        base58btc_decode(value)  # type: ignore[arg-type]


def test_encoding_non_bytes_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        base58btc_encode("text")  # type: ignore[arg-type]

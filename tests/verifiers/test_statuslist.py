"""The Bitstring Status List encoding (W3C Bitstring Status List v1.0 §3.1, §4), by hand."""

from __future__ import annotations

import base64
import gzip
import zlib

import pytest

from verifiers.errors import MalformedError
from verifiers.statuslist import LIST_SIZE, MAX_LIST_BYTES, bit, decode_list, encode_list


def _raw(encoded: str) -> bytes:
    """The specification's decoding, done independently: strip 'u', base64url, GZIP."""
    assert encoded.startswith("u")
    text = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


def _u(data: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(data).decode().rstrip("=")


def test_bit_0_is_the_most_significant_bit_of_byte_0() -> None:
    assert _raw(encode_list([0]))[:2] == bytes([0x80, 0x00])
    assert _raw(encode_list([9]))[:2] == bytes([0x00, 0x40])
    assert _raw(encode_list([7, 8, LIST_SIZE - 1]))[:2] == bytes([0x01, 0x80])
    assert _raw(encode_list([LIST_SIZE - 1]))[-1] == 0x01


def test_the_encoding_is_gzip_then_base64url_without_padding_with_prefix_u() -> None:
    encoded = encode_list([3, 4096])
    assert encoded[0] == "u" and "=" not in encoded and "+" not in encoded and "/" not in encoded
    compressed = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
    assert compressed[:2] == b"\x1f\x8b"  # a GZIP member (RFC 1952)
    assert len(gzip.decompress(compressed)) == LIST_SIZE // 8 == 16384
    assert encode_list([3, 4096]) == encoded  # no timestamp in the header: the same bits, the same text
    bits = decode_list(encoded)
    assert [i for i in range(LIST_SIZE) if bit(bits, i)] == [3, 4096]


def test_a_list_another_tool_made_decodes() -> None:
    bits = bytearray(LIST_SIZE // 8)
    bits[1] = 0x40
    assert bit(decode_list(_u(gzip.compress(bytes(bits)))), 9)


def test_a_gzip_bomb_is_refused_without_inflating_it() -> None:
    bomb = zlib.compress(bytes(64 * 1024 * 1024), 9, wbits=31)  # 64 MiB of zeros in ~65 KB
    with pytest.raises(MalformedError, match=f"the status list inflates to more than {MAX_LIST_BYTES} bytes: "
                                             r"refused \(a gzip bomb\?\)"):
        decode_list(_u(bomb))


@pytest.mark.parametrize(("encoded", "message"), [
    (_u(gzip.compress(bytes(1024))), "the status list has 8192 entries, fewer than the 131072 the specification "
                                     "requires"),
    ("z" + _u(gzip.compress(bytes(16384)))[1:], r"not multibase base64url \(it must start with 'u'\)"),
    (_u(bytes(100)), "the status list's encodedList is not GZIP-compressed data"),
    (_u(gzip.compress(bytes(16384))[:-20]), "the status list's GZIP data is truncated"),
    (_u(gzip.compress(bytes(16384))) + "==", "not base64url without padding"),
    (42, "not multibase base64url"),
])
def test_malformed_lists_are_refused_in_words(encoded: object, message: str) -> None:
    with pytest.raises(MalformedError, match=message):
        decode_list(encoded)


def test_an_index_outside_the_list_is_refused() -> None:
    bits = decode_list(encode_list([]))
    with pytest.raises(MalformedError, match=f"status index {LIST_SIZE} is outside the list of {LIST_SIZE} entries"):
        bit(bits, LIST_SIZE)
    with pytest.raises(ValueError, match="outside a list"):
        encode_list([LIST_SIZE])

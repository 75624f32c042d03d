"""base58btc and its multibase form (prefix ``z``).

base58btc uses the Bitcoin alphabet; each leading zero byte is written as a
leading ``1``, and the rest is the big-endian number in base 58. Multibase
(draft-multiformats-multibase) marks the encoding with a one-character prefix,
``z`` for base58btc, the only base we read or write.
"""

from __future__ import annotations

from verifiers.errors import MalformedError

__all__ = [
    "BASE58BTC_ALPHABET",
    "BASE58BTC_PREFIX",
    "base58btc_decode",
    "base58btc_encode",
    "multibase_decode",
    "multibase_encode",
]

BASE58BTC_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
BASE58BTC_PREFIX = "z"

_DIGIT_OF = {char: digit for digit, char in enumerate(BASE58BTC_ALPHABET)}
_CHUNK_DIGITS = 10
_CHUNK = 58**_CHUNK_DIGITS


def base58btc_encode(data: bytes) -> str:
    """Return the base58btc text of ``data``."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    zeros = len(data) - len(data.lstrip(b"\x00"))
    number = int.from_bytes(data, "big")
    digits: list[str] = []
    # Peel off ten base-58 digits per big-integer division (58**10 < 2**64),
    # then split each chunk with cheap small-integer arithmetic.
    while number:
        number, chunk = divmod(number, _CHUNK)
        for _ in range(_CHUNK_DIGITS):
            chunk, digit = divmod(chunk, 58)
            digits.append(BASE58BTC_ALPHABET[digit])
    text = "".join(reversed(digits)).lstrip("1")
    return "1" * zeros + text


def base58btc_decode(text: str) -> bytes:
    """Return the bytes of base58btc ``text``; ``MalformedError`` if it is not base58btc."""
    if not isinstance(text, str):
        raise MalformedError(f"base58btc value must be a string, not {type(text).__name__}")
    number = 0
    # Ten digits at a time: one big-integer multiply per chunk, not per digit.
    for start in range(0, len(text), _CHUNK_DIGITS):
        chunk = text[start : start + _CHUNK_DIGITS]
        value = 0
        for char in chunk:
            digit = _DIGIT_OF.get(char)
            if digit is None:
                raise MalformedError(f"{char!r} is not a base58btc character")
            value = value * 58 + digit
        number = number * 58 ** len(chunk) + value
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\x00" * zeros + body


def multibase_encode(data: bytes) -> str:
    """Return ``data`` as multibase base58btc text: ``z`` followed by base58btc."""
    return BASE58BTC_PREFIX + base58btc_encode(data)


def multibase_decode(text: str) -> bytes:
    """Return the bytes of multibase base58btc ``text``; ``MalformedError`` otherwise."""
    if not isinstance(text, str):
        raise MalformedError(f"multibase value must be a string, not {type(text).__name__}")
    if not text.startswith(BASE58BTC_PREFIX):
        # Other multibase bases exist (u = base64url, ...); we accept only base58btc.
        raise MalformedError("multibase value must start with 'z' (base58btc)")
    return base58btc_decode(text[1:])

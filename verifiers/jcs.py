"""RFC 8785 JSON Canonicalization Scheme (JCS), restricted to what we sign.

Accepted values: ``dict`` (``str`` keys), ``list``, ``tuple``, ``str``, ``int``,
``bool`` and ``None`` -- exactly those types, not subclasses, so that an enum or
a custom mapping cannot change the bytes behind our back.

Refused with ``CanonicalizationError``:

- ``float``: our signed payloads carry no floats, and ECMAScript number
  formatting (RFC 8785 §3.2.2.3) is the one part of JCS that is easy to get
  subtly wrong;
- integers outside ±(2**53 - 1): I-JSON (RFC 7493 §2.2), which JCS requires,
  cannot represent them exactly;
- strings or keys holding a lone surrogate: not valid Unicode (RFC 8785 §3.2.2.2);
- any other type, and non-``str`` keys.

Speed: with those restrictions, ``json.dumps(sort_keys=True,
separators=(",", ":"), ensure_ascii=False)`` produces exactly the JCS bytes,
because Python escapes strings the way RFC 8785 §3.2.2.2 asks (``\\b \\f \\n \\r
\\t`` short forms, ``\\"`` and ``\\\\``, other controls as lowercase ``\\u00xx``,
everything else including DEL and U+2028 literal), and integers print the same
in both. The one difference is key order: RFC 8785 §3.2.3 sorts by UTF-16 code
units and Python by code points, which disagree only when a key holds a
character outside the Basic Multilingual Plane. So one cheap walk checks types
and ranges and notices such keys; only then do we take the slow exact path.
"""

from __future__ import annotations

import json
from typing import Any

from verifiers.errors import CanonicalizationError

__all__ = ["canonicalize"]

MAX_SAFE_INTEGER = 2**53 - 1

# One encoder reused: json.dumps with non-default options builds a new one per call.
# check_circular is off because the validation walk already refuses cycles
# (they end in RecursionError, translated below).
_encode = json.JSONEncoder(
    ensure_ascii=False,
    check_circular=False,
    allow_nan=False,
    sort_keys=True,
    separators=(",", ":"),
).encode


def canonicalize(value: object) -> bytes:
    """Return the RFC 8785 canonical UTF-8 bytes of ``value``."""
    try:
        text = _exact(value) if _has_non_bmp_key(value) else _encode(value)
        # Strict UTF-8 refuses lone surrogates, wherever they are.
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise CanonicalizationError("string contains a lone surrogate") from None
    except RecursionError:
        raise CanonicalizationError("value is nested too deeply (or is cyclic)") from None


def _has_non_bmp_key(value: Any) -> bool:
    """Validate types and integer ranges; report whether any key leaves the BMP.

    Hot path: string children are skipped inline to save a call per leaf.
    """
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return False
    if kind is int:
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return False
        raise CanonicalizationError(f"integer {value} is outside ±(2**53 - 1)")
    found = False
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                raise CanonicalizationError(f"object key {key!r} is not a string")
            if not key.isascii() and max(key) > "\uffff":
                found = True
            if type(item) is not str and _has_non_bmp_key(item):
                found = True
        return found
    if kind is list or kind is tuple:
        for item in value:
            if type(item) is not str and _has_non_bmp_key(item):
                found = True
        return found
    if kind is float:
        raise CanonicalizationError("floats are not allowed in canonical payloads")
    raise CanonicalizationError(f"cannot canonicalize a value of type {kind.__name__}")


def _exact(value: Any) -> str:
    """Serialize an already validated value, sorting keys by UTF-16 code units."""
    if type(value) is dict:
        members = sorted(value.items(), key=_utf16_order)
        return "{" + ",".join(_encode(k) + ":" + _exact(v) for k, v in members) + "}"
    if type(value) is list or type(value) is tuple:
        return "[" + ",".join(_exact(item) for item in value) + "]"
    return _encode(value)


def _utf16_order(member: tuple[str, object]) -> bytes:
    # Big-endian UTF-16 bytes compare exactly as the code unit sequence does.
    return member[0].encode("utf-16-be")

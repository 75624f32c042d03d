"""Ed25519 ``did:key`` identifiers (W3C CCG did:key Method v0.7).

An Ed25519 did:key is ``did:key:`` followed by the multibase base58btc encoding
of the multicodec header for ed25519-pub (0xed, as the varint ``ed 01``) and
the 32 raw public key bytes; such values always start ``did:key:z6Mk``. Its
verification method is the DID, ``#``, and the same multibase value again.
"""

from __future__ import annotations

from verifiers.errors import MalformedError
from verifiers.multibase import multibase_decode, multibase_encode

__all__ = [
    "DID_KEY_PREFIX",
    "ED25519_MULTICODEC",
    "ED25519_PUBLIC_KEY_LENGTH",
    "did_key_from_public_key",
    "public_key_from_verification_method",
    "verification_method_from_public_key",
]

DID_KEY_PREFIX = "did:key:"
ED25519_MULTICODEC = b"\xed\x01"  # varint of 0xed, ed25519-pub in the multicodec table
ED25519_PUBLIC_KEY_LENGTH = 32

# 34 bytes are 47 base58 characters at most; anything much longer is not a key,
# and refusing it early keeps base58 decoding (quadratic) cheap on hostile input.
_MAX_MULTIBASE_LENGTH = 64


def did_key_from_public_key(raw: bytes) -> str:
    """Return ``did:key:z6Mk…`` for a raw 32-byte Ed25519 public key."""
    return DID_KEY_PREFIX + _multikey_from_public_key(raw)


def verification_method_from_public_key(raw: bytes) -> str:
    """Return ``did:key:z6Mk…#z6Mk…`` for a raw 32-byte Ed25519 public key."""
    multikey = _multikey_from_public_key(raw)
    return f"{DID_KEY_PREFIX}{multikey}#{multikey}"


def public_key_from_verification_method(vm_or_did: str) -> bytes:
    """Return the raw Ed25519 public key named by a did:key DID or its verification method.

    Raises ``MalformedError`` for anything else, including a fragment that is
    not the DID's own multibase value (did:key defines no other fragment).
    """
    if not isinstance(vm_or_did, str):
        raise MalformedError(
            f"verification method must be a string, not {type(vm_or_did).__name__}"
        )
    if not vm_or_did.startswith(DID_KEY_PREFIX):
        raise MalformedError("not a did:key identifier")
    multikey, hash_sign, fragment = vm_or_did[len(DID_KEY_PREFIX) :].partition("#")
    if hash_sign and fragment != multikey:
        raise MalformedError("did:key fragment does not match the DID")
    if len(multikey) > _MAX_MULTIBASE_LENGTH:
        raise MalformedError("did:key value is too long for an Ed25519 key")
    decoded = multibase_decode(multikey)
    if not decoded.startswith(ED25519_MULTICODEC):
        raise MalformedError("did:key is not an Ed25519 key (multicodec 0xed)")
    raw = decoded[len(ED25519_MULTICODEC) :]
    if len(raw) != ED25519_PUBLIC_KEY_LENGTH:
        raise MalformedError(
            f"Ed25519 did:key holds {len(raw)} bytes, not {ED25519_PUBLIC_KEY_LENGTH}"
        )
    return raw


def _multikey_from_public_key(raw: bytes) -> str:
    if not isinstance(raw, (bytes, bytearray)):
        raise TypeError(f"expected bytes, got {type(raw).__name__}")
    if len(raw) != ED25519_PUBLIC_KEY_LENGTH:
        raise ValueError(
            f"an Ed25519 public key is {ED25519_PUBLIC_KEY_LENGTH} bytes, not {len(raw)}"
        )
    return multibase_encode(ED25519_MULTICODEC + bytes(raw))

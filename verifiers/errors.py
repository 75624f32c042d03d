"""Errors raised by ``verifiers``.

Every failure to verify is a ``VerificationError``; the subclasses say which
check failed, so a caller can report each step separately::

    VerificationError
    ├── MalformedError            the evidence cannot even be read
    │   ├── CanonicalizationError
    │   └── BundleFormatError     the input is not a transcript bundle at all
    ├── SignatureError            read fine, but the signature does not verify
    ├── KeyValidityError          the key was not valid at the time
    ├── AuthorityError            the signer may not perform this act
    ├── ChainError                a per-stream hash chain is broken
    ├── ProofError                a Merkle proof does not lead to the root
    ├── CheckpointError           a checkpoint or its signed note is invalid
    └── CommitmentError           a disclosed claim does not match its commitment

Programmer misuse (passing a naive datetime, a 31-byte key to an encoder) is a
``TypeError`` or ``ValueError``, never one of these: these describe evidence.
"""

from __future__ import annotations

__all__ = [
    "AuthorityError",
    "BundleFormatError",
    "CanonicalizationError",
    "ChainError",
    "CheckpointError",
    "CommitmentError",
    "KeyValidityError",
    "MalformedError",
    "ProofError",
    "SignatureError",
    "VerificationError",
]


class VerificationError(Exception):
    """Raised when evidence does not verify, for whatever reason."""


class MalformedError(VerificationError):
    """Raised when evidence is not well-formed: wrong type, missing field, bad encoding."""


class CanonicalizationError(MalformedError):
    """Raised when a value cannot be canonicalized under RFC 8785 as we restrict it."""


class BundleFormatError(MalformedError):
    """Raised when the input is not a transcript bundle at all (refused as a whole)."""


class SignatureError(VerificationError):
    """Raised when a signature does not verify over its input with the given key."""


class KeyValidityError(VerificationError):
    """Raised when a key was not valid (not yet added, retired or compromised) at the time."""


class AuthorityError(VerificationError):
    """Raised when the signer has no authority for this act.

    ``reason`` names the rule of ``verifiers.protocol.authority`` that refused it (empty
    when the refusal is worded by its caller), so each caller can word it for its reader.
    """

    def __init__(self, message: str = "", *, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason


class ChainError(VerificationError):
    """Raised when a per-stream hash chain is broken."""


class ProofError(VerificationError):
    """Raised when a Merkle inclusion or consistency proof fails."""


class CheckpointError(VerificationError):
    """Raised when a checkpoint or its signed note is invalid."""


class CommitmentError(VerificationError):
    """Raised when a disclosed identity claim does not match its commitment."""

"""The one signing routine of credledger: W3C Data Integrity proofs, ``eddsa-jcs-2022`` by default.

Every signed thing in the project (events, countersignatures, exported
documents signed with the JCS suite) goes through :meth:`Signer.sign`:

1. proof options = ``proof_options(key_id, created, context=document["@context"], suite=suite)``;
2. hash data = ``hash_data(document, options, suite)`` (for eddsa-jcs-2022: SHA-256 of
   the JCS proof options followed by SHA-256 of the JCS document, computed by :mod:`verifiers`);
3. proof bytes = ``suite.serialize(hash data, <this key's Ed25519 signing>)``: pure
   Ed25519 (RFC 8032, not Ed25519ph) over the hash data;
4. ``secured_document(document, options, proof bytes)`` attaches the proof, or
   appends it to the proof set when the document already carries one.

Canonicalisation, the suites and the proof layout live in :mod:`verifiers.dataintegrity`
so the bytes signed here are by construction the bytes a verifier checks. The
private key never leaves this module: a suite is handed only its signing function.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from verifiers.dataintegrity import EDDSA_JCS_2022, Cryptosuite, hash_data, proof_options, secured_document
from verifiers.didkey import verification_method_from_public_key
from verifiers.errors import MalformedError
from verifiers.timestamps import parse_timestamp

__all__ = ["Signer"]

PRIVATE_KEY_SIZE = 32


class Signer:
    """An Ed25519 private key able to sign documents, named by its did:key verification method.

    Immutable. ``repr`` shows the key id only; the private key cannot be read
    back, copied or pickled (the key store keeps the encrypted raw bytes).
    """

    __slots__ = ("_private_key", "_public_key", "_key_id")
    _private_key: Ed25519PrivateKey
    _public_key: bytes
    _key_id: str

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        if not isinstance(private_key, Ed25519PrivateKey):
            raise TypeError("Signer needs an Ed25519PrivateKey")
        public_key = private_key.public_key().public_bytes_raw()
        object.__setattr__(self, "_private_key", private_key)
        object.__setattr__(self, "_public_key", public_key)
        object.__setattr__(self, "_key_id", verification_method_from_public_key(public_key))

    @classmethod
    def generate(cls) -> Signer:
        """A fresh in-memory key (tests, benchmarks, ephemeral use)."""
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_private_bytes(cls, raw: bytes) -> Signer:
        """The signer for a raw 32-byte Ed25519 secret key (RFC 8032 §5.1.5 seed)."""
        if not isinstance(raw, (bytes, bytearray)) or len(raw) != PRIVATE_KEY_SIZE:
            # Length only: the value itself must never reach a message.
            raise ValueError(f"an Ed25519 private key is {PRIVATE_KEY_SIZE} bytes")
        return cls(Ed25519PrivateKey.from_private_bytes(bytes(raw)))

    @property
    def key_id(self) -> str:
        """The did:key verification method, ``did:key:z6Mk…#z6Mk…``."""
        return self._key_id

    @property
    def public_key(self) -> bytes:
        """The raw 32-byte Ed25519 public key."""
        return self._public_key

    def sign(self, document: dict[str, Any], created: str, suite: Cryptosuite = EDDSA_JCS_2022, *,
             verification_method: str | None = None) -> dict[str, Any]:
        """Return a copy of ``document`` secured with a ``suite`` proof (``eddsa-jcs-2022``) made at ``created``.

        The proof names this key's did:key verification method unless told another that denotes
        the same key (an issuer's ``did:web:…#…`` method, for the exports the ecosystem reads).

        ``created`` is an RFC 3339 UTC timestamp ending in ``Z``, as
        :func:`verifiers.timestamps.format_timestamp` writes it; time is a
        parameter, never read here. If ``document`` already has a ``proof``,
        the new proof joins it in a proof set (see :meth:`countersign`).

        Signing what cannot be signed is the caller's mistake, so it raises
        ``TypeError``/``ValueError`` (a float in the document, a timestamp with
        an offset), not a verification error.
        """
        if not isinstance(document, dict):
            raise TypeError("document must be a JSON object (dict)")
        if not isinstance(created, str):
            raise TypeError("created must be an RFC 3339 string; use format_timestamp(dt)")
        try:
            parse_timestamp(created)
            options = proof_options(verification_method or self._key_id, created, context=suite.proof_context(document),
                                    suite=suite)
            data = hash_data(document, options, suite)
        except MalformedError as error:
            raise ValueError(f"cannot sign this document: {error}") from error
        return secured_document(document, options, suite.serialize(data, self._private_key.sign))

    def sign_bytes(self, message: bytes) -> bytes:
        """A bare Ed25519 signature, for formats that are not JSON documents.

        Only C2SP signed notes (log checkpoints) use it; every event goes
        through :meth:`sign`.
        """
        if not isinstance(message, bytes):
            raise TypeError("message must be bytes")
        return self._private_key.sign(message)

    def countersign(self, document: dict[str, Any], created: str, suite: Cryptosuite = EDDSA_JCS_2022) -> dict[str, Any]:
        """Add this key's proof to an already signed document (a proof set).

        Exactly :meth:`sign`, after checking there is a proof to join: the
        separate name says what the caller means.
        """
        if not isinstance(document, dict) or "proof" not in document:
            raise ValueError("countersign needs a signed document; use sign() for the first proof")
        return self.sign(document, created, suite)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Signer is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Signer is immutable")

    def __repr__(self) -> str:
        return f"Signer(key_id={self._key_id!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Signer):
            return NotImplemented
        return self._key_id == other._key_id

    def __hash__(self) -> int:
        return hash(self._key_id)

    def __reduce__(self) -> Any:
        # Refuse pickling and copying: a pickle would carry the private key in clear.
        raise TypeError("a Signer cannot be pickled (it holds a private key)")

"""W3C Data Integrity proofs with the ``eddsa-jcs-2022`` cryptosuite.

Follows "Data Integrity EdDSA Cryptosuites v1.0" (https://www.w3.org/TR/vc-di-eddsa/)
§3.3: the document without its ``proof`` and the proof options are each
canonicalized with JCS (RFC 8785) and hashed with SHA-256; Ed25519 signs the
64-byte ``proofConfigHash || documentHash``; the signature is written as
multibase base58btc in ``proofValue``.

Signing lives in ``keys/``: it calls ``hash_data``, signs the result with its
private key and calls ``secured_document``. This module never sees a private key.

Several proofs on one document form a *proof set* (VC Data Integrity §2.1.2):
each one signs the document without the whole ``proof`` member, so each
verifies independently of the others. We do not implement proof chains
(``previousProof``).
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from verifiers.errors import MalformedError, SignatureError
from verifiers.jcs import canonicalize
from verifiers.multibase import multibase_decode, multibase_encode

__all__ = [
    "CRYPTOSUITE",
    "PROOF_TYPE",
    "SIGNATURE_LENGTH",
    "hash_data",
    "proof_options",
    "proofs_of",
    "secured_document",
    "verify_proof",
]

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-jcs-2022"
SIGNATURE_LENGTH = 64
PUBLIC_KEY_LENGTH = 32

# 64 bytes are at most 88 base58 characters; refusing longer text early keeps
# base58 decoding (quadratic in the length) cheap on hostile input.
_MAX_PROOF_VALUE_LENGTH = 100

# XML Schema 1.1 dateTimeStamp, as §3.3.5 step 3 requires for "created": a
# date-time with a mandatory timezone. Deliberately looser than our own
# timestamps (which always end in Z) so that others' proofs verify.
_DATE_TIME_STAMP = re.compile(
    r"-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})",
    re.ASCII,
)


def proof_options(
    verification_method: str,
    created: str,
    proof_purpose: str = "assertionMethod",
    context: Any = None,
) -> dict[str, Any]:
    """Return the options of a new eddsa-jcs-2022 proof.

    Pass the document's ``@context`` as ``context`` when it has one: the
    spec's Create Proof (§3.3.1) copies it into the proof, and verification
    then checks that the document still starts with it.
    """
    options: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    if context is not None:
        options["@context"] = context
    return options


def hash_data(document: dict[str, Any], options: dict[str, Any]) -> bytes:
    """Return the 64 bytes an eddsa-jcs-2022 proof signs over ``document``.

    ``options`` are the proof without its ``proofValue``.
    """
    if not isinstance(options, dict):
        raise MalformedError("proof options must be a JSON object")
    if "proofValue" in options:
        raise ValueError("hash_data takes proof options, without proofValue")
    # §3.3.5 Proof Configuration: check the options, canonicalize them.
    _check_options(options)
    canonical_proof_config = canonicalize(options)
    # §3.3.3 Transformation: canonicalize the unsecured document.
    canonical_document = canonicalize(_unsecured_document(document, options))
    # §3.3.4 Hashing: proofConfigHash first, then transformedDocumentHash.
    return (
        hashlib.sha256(canonical_proof_config).digest()
        + hashlib.sha256(canonical_document).digest()
    )


def secured_document(
    document: dict[str, Any], options: dict[str, Any], signature: bytes
) -> dict[str, Any]:
    """Return a new dict: ``document`` with a proof made of ``options`` and ``signature``.

    If ``document`` already has a proof (a countersignature), the new proof
    joins it in a proof set: ``proof`` becomes a list of all of them. The copy
    is shallow; nested values are shared with ``document``.
    """
    if not isinstance(signature, (bytes, bytearray)) or len(signature) != SIGNATURE_LENGTH:
        raise ValueError(f"an Ed25519 signature is {SIGNATURE_LENGTH} bytes")
    if "proofValue" in options:
        raise ValueError("options already carry a proofValue")
    proof = dict(options)
    proof["proofValue"] = multibase_encode(bytes(signature))
    secured = dict(document)
    if "proof" in document:
        secured["proof"] = [*proofs_of(document), proof]
    else:
        secured["proof"] = proof
    return secured


def proofs_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the document's proofs as a list, whether it holds one proof or a set."""
    if not isinstance(document, dict):
        raise MalformedError("secured document must be a JSON object")
    if "proof" not in document:
        raise MalformedError("document has no proof")
    proof = document["proof"]
    proofs = proof if isinstance(proof, list) else [proof]
    if not proofs:
        raise MalformedError("document has an empty proof set")
    for each in proofs:
        if not isinstance(each, dict):
            raise MalformedError("each proof must be a JSON object")
    return list(proofs)


def verify_proof(document: dict[str, Any], proof: dict[str, Any], public_key: bytes) -> None:
    """Verify one eddsa-jcs-2022 ``proof`` over ``document`` with a raw Ed25519 key.

    ``proof`` is ``document["proof"]`` or one member of that proof set. Which
    key the proof's ``verificationMethod`` names, and whether its
    ``proofPurpose`` suits the act, are the caller's to check.
    """
    # §3.3.2 Verify Proof, step by step.
    if not isinstance(proof, dict):
        raise MalformedError("proof must be a JSON object")
    _check_options(proof)
    # 1. proofBytes: the multibase base58btc value of proofValue.
    proof_value = proof.get("proofValue")
    if not isinstance(proof_value, str):
        raise MalformedError("proof has no proofValue string")
    if len(proof_value) > _MAX_PROOF_VALUE_LENGTH:
        raise MalformedError("proofValue is too long for an Ed25519 signature")
    signature = multibase_decode(proof_value)
    if len(signature) != SIGNATURE_LENGTH:
        raise MalformedError(f"proofValue holds {len(signature)} bytes, not {SIGNATURE_LENGTH}")
    # 2. proofOptions: the proof without proofValue.
    options = {name: value for name, value in proof.items() if name != "proofValue"}
    # 3-6. unsecuredDocument (@context rule included), transformation,
    # proof configuration and hashing.
    data = hash_data(document, options)
    # 7. Verify the signature over hashData.
    try:
        _ed25519_public_key(bytes(public_key)).verify(signature, data)
    except InvalidSignature:
        raise SignatureError("Signature is invalid for input") from None


def _check_options(options: dict[str, Any]) -> None:
    """The checks §3.3.3 and §3.3.5 make on the proof options."""
    if options.get("type") != PROOF_TYPE:
        raise MalformedError(f"proof type must be {PROOF_TYPE!r}")
    if options.get("cryptosuite") != CRYPTOSUITE:
        raise MalformedError(f"proof cryptosuite must be {CRYPTOSUITE!r}")
    created = options.get("created")
    if created is not None and not (
        isinstance(created, str) and _DATE_TIME_STAMP.fullmatch(created)
    ):
        raise MalformedError("proof created is not an XML Schema dateTimeStamp")


def _unsecured_document(document: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    """The document without its proof, with the spec's @context rule applied.

    §3.3.2 step 4: when the proof carries an @context, the document's
    @context must start with it, and the proof's @context is the one hashed.
    At signing time the two are the same, so this changes nothing there.
    """
    if not isinstance(document, dict):
        raise MalformedError("document must be a JSON object")
    unsecured = {name: value for name, value in document.items() if name != "proof"}
    if "@context" in options:
        proof_context = _as_list(options["@context"])
        if not proof_context:
            # An empty context would let the document's @context be replaced freely.
            raise MalformedError("proof @context is empty")
        document_context = _as_list(document.get("@context"))
        if document_context[: len(proof_context)] != proof_context:
            raise MalformedError("document @context does not start with the proof's @context")
        unsecured["@context"] = options["@context"]
    return unsecured


def _as_list(context: Any) -> list[Any]:
    if context is None:
        return []
    return list(context) if isinstance(context, list) else [context]


@lru_cache(maxsize=256)
def _ed25519_public_key(raw: bytes) -> Ed25519PublicKey:
    # Cached: the ledger checks thousands of events signed by a handful of keys.
    if len(raw) != PUBLIC_KEY_LENGTH:
        raise MalformedError(f"an Ed25519 public key is {PUBLIC_KEY_LENGTH} bytes, not {len(raw)}")
    try:
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise MalformedError("not an Ed25519 public key") from None

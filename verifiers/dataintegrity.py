"""W3C Data Integrity proofs, with the cryptosuites we know (``eddsa-jcs-2022``, ``eddsa-rdfc-2022``).

Follows "Data Integrity EdDSA Cryptosuites v1.0" (https://www.w3.org/TR/vc-di-eddsa/).
A cryptosuite is given there in four parts, and ``Cryptosuite`` has one method for
each: proof configuration (the proof options, checked and canonicalized), transformation
(the unsecured document, canonicalized), hashing (``proofConfigHash || documentHash``)
and proof serialization (signing the hash data), with verification its inverse.
``eddsa-jcs-2022`` (§3.3: JCS, RFC 8785; SHA-256; Ed25519) is ``EDDSA_JCS_2022``, what
credledger's own events use; ``eddsa-rdfc-2022`` (§3.2: RDFC-1.0 of the JSON-LD, see
``verifiers.rdfc``; SHA-256; Ed25519) is ``EDDSA_RDFC_2022``, what its Open Badges 3.0 and
CLR 2.0 exports use, because the ecosystem's verifiers read only that. What every suite shares
stays here: the proof layout, the ``@context`` rule, ``proofValue`` as multibase base58btc.

Verification picks the suite the proof names (``cryptosuite``) and refuses one not in
``CRYPTOSUITES`` as malformed. Signing lives in ``keys/``: it calls ``hash_data``, has
the suite serialize the result with its private key's signing function, and calls
``secured_document``. This module never holds a private key.

Several proofs on one document form a *proof set* (VC Data Integrity §2.1.2):
each one signs the document without the whole ``proof`` member, so each
verifies independently of the others. We do not implement proof chains
(``previousProof``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from verifiers.errors import MalformedError, SignatureError
from verifiers.jcs import canonicalize
from verifiers.multibase import multibase_decode, multibase_encode

if TYPE_CHECKING:
    from verifiers.rdfc import Limits

__all__ = [
    "CRYPTOSUITES",
    "EDDSA_JCS_2022",
    "EDDSA_RDFC_2022",
    "PROOF_TYPE",
    "SIGNATURE_LENGTH",
    "Cryptosuite",
    "EddsaJcs2022",
    "EddsaRdfc2022",
    "cryptosuite_of",
    "hash_data",
    "proof_options",
    "proofs_of",
    "secured_document",
    "verify_proof",
]

PROOF_TYPE = "DataIntegrityProof"
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


class Cryptosuite(Protocol):
    """One Data Integrity cryptosuite, in the parts vc-di-eddsa gives each (§3.3.3-§3.3.6)."""

    @property
    def name(self) -> str:
        """The proof's ``cryptosuite`` value."""
        ...

    def proof_context(self, document: dict[str, Any]) -> Any:
        """The ``@context`` a new proof carries (None: none), by the suite's Create Proof step."""
        ...

    def proof_configuration(self, options: dict[str, Any], unsecured_document: dict[str, Any]) -> bytes:
        """Check the proof options (without ``proofValue``) for this suite; their canonical form
        (an RDF suite gives them the document's ``@context``).

        Raises ``MalformedError`` for options this suite cannot use.
        """
        ...

    def transform(self, unsecured_document: dict[str, Any], options: dict[str, Any]) -> bytes:
        """The canonical form of the document without its proof (the ``@context`` rule applied)."""
        ...

    def hash(self, transformed_document: bytes, proof_configuration: bytes) -> bytes:
        """The hash data a proof signs."""
        ...

    def serialize(self, hash_data: bytes, sign: Callable[[bytes], bytes]) -> bytes:
        """The proof bytes: ``hash_data`` signed by the caller's ``sign`` (its private key's signing)."""
        ...

    def verify(self, hash_data: bytes, proof_bytes: bytes, public_key: bytes) -> None:
        """Raise ``SignatureError`` unless ``proof_bytes`` are ``public_key``'s proof of ``hash_data``."""
        ...


class EddsaJcs2022:
    """``eddsa-jcs-2022`` (vc-di-eddsa §3.3): JCS, SHA-256, pure Ed25519 (RFC 8032)."""

    name = "eddsa-jcs-2022"

    def proof_context(self, document: dict[str, Any]) -> Any:
        # §3.3.1 Create Proof, step 2: the document's @context, since JCS does not read it.
        return document.get("@context")

    def proof_configuration(self, options: dict[str, Any], unsecured_document: dict[str, Any]) -> bytes:
        # §3.3.5 Proof Configuration: the options are this suite's and well formed; JCS.
        if _cryptosuite_named(options).name != self.name:
            raise MalformedError(f"proof cryptosuite must be {self.name!r}")
        return canonicalize(options)

    def transform(self, unsecured_document: dict[str, Any], options: dict[str, Any]) -> bytes:
        # §3.3.3 Transformation: JCS of the unsecured document.
        return canonicalize(unsecured_document)

    def hash(self, transformed_document: bytes, proof_configuration: bytes) -> bytes:
        # §3.3.4 Hashing: proofConfigHash first, then transformedDocumentHash.
        return hashlib.sha256(proof_configuration).digest() + hashlib.sha256(transformed_document).digest()

    def serialize(self, hash_data: bytes, sign: Callable[[bytes], bytes]) -> bytes:
        # §3.3.6 Proof Serialization: proofBytes = Ed25519 signature of hashData.
        signature = sign(hash_data)
        if len(signature) != SIGNATURE_LENGTH:
            raise ValueError(f"an Ed25519 signature is {SIGNATURE_LENGTH} bytes")
        return signature

    def verify(self, hash_data: bytes, proof_bytes: bytes, public_key: bytes) -> None:
        # §3.3.7 Proof Verification: Ed25519 over hashData.
        if len(proof_bytes) != SIGNATURE_LENGTH:
            raise MalformedError(f"proofValue holds {len(proof_bytes)} bytes, not {SIGNATURE_LENGTH}")
        try:
            _ed25519_public_key(bytes(public_key)).verify(proof_bytes, hash_data)
        except InvalidSignature:
            raise SignatureError("Signature is invalid for input") from None


class EddsaRdfc2022(EddsaJcs2022):
    """``eddsa-rdfc-2022`` (vc-di-eddsa §3.2): RDFC-1.0, SHA-256, pure Ed25519 (RFC 8032).

    Hashing, serialization and verification are eddsa-jcs-2022's; only the canonical forms differ.
    """

    name = "eddsa-rdfc-2022"

    def __init__(self, contexts: Mapping[str, Any] | None = None, limits: Limits | None = None) -> None:
        # None: the bundled contexts and the default limits (verifiers.rdfc), loaded on first use, so
        # that importing this module (every CLI call, every event check) does not load PyLD.
        self.contexts = contexts
        self.limits = limits

    def _canonical(self, document: dict[str, Any]) -> bytes:
        from verifiers.contexts import BUNDLED
        from verifiers.rdfc import LIMITS, canonical_nquads

        return canonical_nquads(document, self.contexts or BUNDLED, self.limits or LIMITS).encode("utf-8")

    def proof_context(self, document: dict[str, Any]) -> Any:
        # §3.2.1 Create Proof copies no @context: the proof is read in the document's.
        return None

    def proof_configuration(self, options: dict[str, Any], unsecured_document: dict[str, Any]) -> bytes:
        # §3.2.5 Proof Configuration: the options are this suite's; they take the document's
        # @context (step 4); RDFC-1.0 of the result.
        if _cryptosuite_named(options).name != self.name:
            raise MalformedError(f"proof cryptosuite must be {self.name!r}")
        if "@context" not in unsecured_document:
            raise MalformedError("an eddsa-rdfc-2022 document is JSON-LD: it needs an @context")
        return self._canonical({**options, "@context": unsecured_document["@context"]})

    def transform(self, unsecured_document: dict[str, Any], options: dict[str, Any]) -> bytes:
        # §3.2.3 Transformation: RDFC-1.0 of the unsecured document, in safe mode.
        return self._canonical(unsecured_document)


EDDSA_JCS_2022 = EddsaJcs2022()
EDDSA_RDFC_2022 = EddsaRdfc2022()
#: The suites a proof may name: verification refuses any other.
CRYPTOSUITES: Mapping[str, Cryptosuite] = MappingProxyType(
    {suite.name: suite for suite in (EDDSA_JCS_2022, EDDSA_RDFC_2022)})


def cryptosuite_of(options: dict[str, Any]) -> Cryptosuite:
    """The suite a proof (or its options) names, after the checks every suite makes; MalformedError otherwise."""
    if not isinstance(options, dict):
        raise MalformedError("proof options must be a JSON object")
    return _cryptosuite_named(options)


def proof_options(
    verification_method: str,
    created: str,
    proof_purpose: str = "assertionMethod",
    context: Any = None,
    *,
    suite: Cryptosuite = EDDSA_JCS_2022,
) -> dict[str, Any]:
    """Return the options of a new proof with ``suite`` (eddsa-jcs-2022 unless told).

    Pass the document's ``@context`` as ``context`` when it has one: the
    spec's Create Proof (§3.3.1) copies it into the proof, and verification
    then checks that the document still starts with it.
    """
    options: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": suite.name,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    if context is not None:
        options["@context"] = context
    return options


def hash_data(
    document: dict[str, Any], options: dict[str, Any], suite: Cryptosuite | None = None
) -> bytes:
    """Return the bytes a proof with ``options`` signs over ``document`` (64 for eddsa-jcs-2022).

    ``options`` are the proof without its ``proofValue``; ``suite`` is the one they
    name, looked up in ``CRYPTOSUITES`` unless given (a signer passes the suite it signs with).
    """
    if not isinstance(options, dict):
        raise MalformedError("proof options must be a JSON object")
    if "proofValue" in options:
        raise ValueError("hash_data takes proof options, without proofValue")
    suite = suite or cryptosuite_of(options)
    # Proof configuration, transformation (of the unsecured document), hashing.
    unsecured = _unsecured_document(document, options)
    proof_configuration = suite.proof_configuration(options, unsecured)
    transformed = suite.transform(unsecured, options)
    return suite.hash(transformed, proof_configuration)


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


def proofs_of(document: Mapping[str, Any]) -> list[dict[str, Any]]:
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
    """Verify one ``proof`` over ``document`` with a raw public key, by the suite the proof names.

    ``proof`` is ``document["proof"]`` or one member of that proof set. Which
    key the proof's ``verificationMethod`` names, and whether its
    ``proofPurpose`` suits the act, are the caller's to check.
    """
    # §3.3.2 Verify Proof, step by step.
    if not isinstance(proof, dict):
        raise MalformedError("proof must be a JSON object")
    suite = cryptosuite_of(proof)
    # 1. proofBytes: the multibase base58btc value of proofValue.
    proof_value = proof.get("proofValue")
    if not isinstance(proof_value, str):
        raise MalformedError("proof has no proofValue string")
    if len(proof_value) > _MAX_PROOF_VALUE_LENGTH:
        raise MalformedError("proofValue is too long for an Ed25519 signature")
    proof_bytes = multibase_decode(proof_value)
    # 2. proofOptions: the proof without proofValue.
    options = {name: value for name, value in proof.items() if name != "proofValue"}
    # 3-6. unsecuredDocument (@context rule included), transformation,
    # proof configuration and hashing.
    data = hash_data(document, options, suite)
    # 7. The suite verifies the proof bytes over hashData.
    suite.verify(data, proof_bytes, public_key)


def _cryptosuite_named(options: dict[str, Any]) -> Cryptosuite:
    """The checks §3.3.3 and §3.3.5 make on the proof options, and the known suite they name."""
    if options.get("type") != PROOF_TYPE:
        raise MalformedError(f"proof type must be {PROOF_TYPE!r}")
    suite = CRYPTOSUITES.get(options.get("cryptosuite"))  # type: ignore[arg-type]
    if suite is None:
        raise MalformedError(f"proof cryptosuite must be {' or '.join(map(repr, CRYPTOSUITES))}")
    created = options.get("created")
    if created is not None and not (
        isinstance(created, str) and _DATE_TIME_STAMP.fullmatch(created)
    ):
        raise MalformedError("proof created is not an XML Schema dateTimeStamp")
    return suite


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

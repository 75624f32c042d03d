"""Event documents: the signed JSON that is the truth of the ledger, and what is derived from it.

Every event is one JSON document (strings, integers, booleans, null; never a
float) signed with W3C Data Integrity `eddsa-jcs-2022`. Common members:

    type      past-tense event name, e.g. "CredentialIssued"
    ledger    this ledger's id: a document signed for one ledger is refused by another
    stream    the aggregate's UUID
    sequence  1, 2, 3 … within the stream
    previous  SHA-256 (hex) of the stream's previous signed document, null for the first
    actor     the DID acting (operator or issuer); its key signs the first proof
    time      when the actor signed (RFC 3339, Z)
    proof     one proof, or a proof set (transfers are countersigned)

A document's hash is SHA-256 over its RFC 8785 canonical form, proof included;
that hash chains the stream and is what the transparency log commits to (in the
leaf record, with who signed and when the ledger recorded it).

Here are the names and derivations both sides need: the ledger writes with them,
`verifiers.bundle` and any monitor read with them. Functions that read a document
from outside raise `MalformedError` for a member of the wrong shape, never a
KeyError. Pure; imports only `verifiers`.
"""

from __future__ import annotations

import hashlib
import uuid
from functools import lru_cache
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from verifiers.dataintegrity import proofs_of
from verifiers.errors import MalformedError
from verifiers.jcs import canonicalize
from verifiers.timestamps import format_timestamp

ISSUER_REGISTERED = "IssuerRegistered"
ISSUER_KEY_ADDED = "IssuerKeyAdded"
ISSUER_KEY_RETIRED = "IssuerKeyRetired"
ISSUER_KEY_COMPROMISED = "IssuerKeyCompromised"
CREDENTIAL_DEFINED = "CredentialDefined"
CREDENTIAL_UPDATED = "CredentialUpdated"
STUDENT_REGISTERED = "StudentRegistered"
CREDENTIAL_ISSUED = "CredentialIssued"
CREDENTIAL_REVOKED = "CredentialRevoked"
CREDENTIAL_TRANSFERRED = "CredentialTransferred"
CREDENTIAL_LISTED = "CredentialListed"
CREDENTIAL_DELISTED = "CredentialDelisted"
ASSESSMENT_RECORDED = "AssessmentRecorded"
ROSTER_SHARED = "RosterShared"
ROSTER_SHARE_WITHDRAWN = "RosterShareWithdrawn"
TRANSFER_OFFERED = "TransferOffered"
TRANSFER_OFFER_CLOSED = "TransferOfferClosed"
IDENTITY_ERASED = "IdentityErased"
# A student's record as the district of record keeps it (ledger.enrollment): the graduating class corrected,
# enrollment facts, and a move to another district, which becomes the district of record.
COHORT_CORRECTED = "CohortCorrected"
STUDENT_ENROLLED = "StudentEnrolled"
STUDENT_EXITED = "StudentExited"
STUDENT_GRADUATED = "StudentGraduated"
STUDENT_MOVED = "StudentMoved"
# The state student id (SSID / MOSIS id / SASID) given or corrected after the registration: a new salted
# commitment to `state_id`, the value in the vault. The registration's commitments (which awards carry) stay.
STATE_ID_RECORDED = "StateIdRecorded"

# Which event opens which kind of stream, and which events may follow it.
OPENING_EVENTS = {
    ISSUER_REGISTERED: "Issuer",
    CREDENTIAL_DEFINED: "Credential",
    STUDENT_REGISTERED: "Student",
    CREDENTIAL_ISSUED: "Award",
    # A state's listing of one credential (ledger.statelists): the first listing
    # opens the stream, later ones revise it, so CredentialListed is in both maps.
    CREDENTIAL_LISTED: "Listing",
    ASSESSMENT_RECORDED: "Assessment",
    # Who may see a student (ledger.relations): a home district's roster shared with
    # another institution, and a transfer offered to a receiver who has not acted yet.
    ROSTER_SHARED: "RosterShare",
    TRANSFER_OFFERED: "TransferOffer",
    # A student's PII erased from the vault: a fact of its own (no PII), so a missing vault row is
    # either a recorded erasure or damage (ledger.audit).
    IDENTITY_ERASED: "Erasure",
}
FOLLOWING_EVENTS = {
    ISSUER_KEY_ADDED: "Issuer",
    ISSUER_KEY_RETIRED: "Issuer",
    ISSUER_KEY_COMPROMISED: "Issuer",
    CREDENTIAL_UPDATED: "Credential",
    CREDENTIAL_REVOKED: "Award",
    CREDENTIAL_TRANSFERRED: "Award",
    CREDENTIAL_LISTED: "Listing",
    CREDENTIAL_DELISTED: "Listing",
    ROSTER_SHARE_WITHDRAWN: "RosterShare",
    TRANSFER_OFFER_CLOSED: "TransferOffer",
    COHORT_CORRECTED: "Student",
    STUDENT_ENROLLED: "Student",
    STUDENT_EXITED: "Student",
    STUDENT_GRADUATED: "Student",
    STUDENT_MOVED: "Student",
    STATE_ID_RECORDED: "Student",
}
# The facts of a student's record that follow the registration (ledger.enrollment).
STUDENT_RECORD_EVENTS = frozenset({COHORT_CORRECTED, STUDENT_ENROLLED, STUDENT_EXITED, STUDENT_GRADUATED,
                                   STUDENT_MOVED, STATE_ID_RECORDED})
EVENT_TYPES = frozenset(OPENING_EVENTS) | frozenset(FOLLOWING_EVENTS)
# An issuer's key history after its registration (which names its first key).
KEY_EVENTS = frozenset({ISSUER_KEY_ADDED, ISSUER_KEY_RETIRED, ISSUER_KEY_COMPROMISED})

# Stable ids for named streams, so an issuer or catalog entry is found by name
# without an index: uuid5 over this namespace.
NAMESPACE = uuid.UUID("6f1c2b0e-3d4a-5b6c-8d7e-9f0a1b2c3d4e")


@lru_cache(maxsize=4096)
def issuer_stream(slug: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "issuer:" + slug))


@lru_cache(maxsize=4096)
def credential_stream(code: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "credential:" + code))


def issuer_slug_from_did(did: str) -> str:
    """The slug an issuer's DID ends in: `did:web:<domain>:issuers:<slug>`."""
    return did.rsplit(":", 1)[-1]


def issuer_stream_of(did: object) -> str | None:
    """The stream of a `did:web:…:issuers:<slug>` issuer; None for any other DID (the operator's did:key)."""
    if not isinstance(did, str) or not did.startswith("did:web:") or ":issuers:" not in did:
        return None
    return issuer_stream(issuer_slug_from_did(did))


def erasure_stream(student_id: str) -> str:
    """One erasure per student: a second one would open the same stream."""
    return str(uuid.uuid5(NAMESPACE, "erasure:" + student_id))


@lru_cache(maxsize=4096)
def listing_stream(state: str, district: str | None, code: str) -> str:
    """One stream per state list entry: (state, district DID or statewide, credential code)."""
    return str(uuid.uuid5(NAMESPACE, f"listing:{state}:{district or ''}:{code}"))


def document_hash(document: dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical signed document."""
    return hashlib.sha256(canonicalize(document)).hexdigest()


def unsigned_document(
    event_type: str,
    *,
    ledger: str,
    stream: uuid.UUID | str,
    sequence: int,
    previous: str | None,
    actor: str,
    time: datetime | str,
    **fields: Any,
) -> dict[str, Any]:
    return {
        "type": event_type,
        "ledger": ledger,
        "stream": str(stream),
        "sequence": sequence,
        "previous": previous,
        "actor": actor,
        "time": time if isinstance(time, str) else format_timestamp(time),
        **fields,
    }



def text_of(document: Mapping[str, Any], name: str) -> str:
    """A member that must be text; MalformedError otherwise."""
    value = document.get(name)
    if not isinstance(value, str):
        raise MalformedError(f"the {document.get('type', 'event')} event has no {name!r} text")
    return value


def verification_method_of(proof: dict[str, Any]) -> str:
    """The key a proof names; MalformedError when it names none."""
    method = proof.get("verificationMethod")
    if not isinstance(method, str):
        raise MalformedError("a proof names no verificationMethod")
    return method


def required_signers(document: Mapping[str, Any]) -> list[str]:
    """Who must sign, in proof order: the actor, and for a transfer the receiving custodian too."""
    if document.get("type") == CREDENTIAL_TRANSFERRED:
        return [text_of(document, "actor"), text_of(document, "to")]
    return [text_of(document, "actor")]


def leaf_record(document: dict[str, Any], event_hash: str, recorded: datetime) -> bytes:
    """The public record the transparency log commits to for one event: no PII.

    `signers` lists every proof's signer and key, countersigners included, so
    a monitor sees every use of an issuer's key.
    """
    signers = [{"did": did, "key": verification_method_of(proof)}
               for did, proof in zip(required_signers(document), proofs_of(document))]
    return canonicalize(
        {
            "event": event_hash,
            "type": text_of(document, "type"),
            "signers": signers,
            "recorded": format_timestamp(recorded),
        }
    )

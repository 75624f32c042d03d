"""Typed event documents: one TypedDict per event type, the signed JSON as its readers see it.

Each type is a whole document, the common members (`EventDocument`) and the event's own,
named and typed as they are signed (a JSON string is `str`, an integer `int`, null `None`);
a member that may be left out is `NotRequired`. They describe, and do not check: a document
from outside has this shape once checked (`ledger.schemas` at ingest, whose marshmallow
schemas tests/ledger/test_payload_types.py holds these types to), and the protocol's rules
still read what they cannot trust defensively (`documents.text_of`).

`PAYLOAD_TYPES` maps each event type to its TypedDict. A document known only as JSON is
narrowed to one of them by a table keyed by its type (the rules' checks, the read-model rows,
an aggregate's `when_<Type>`), or, where a reader has tested the type itself, by `payload_as`,
the one cast. Pure; imports only `verifiers`.
"""

# No `from __future__ import annotations` here: Python 3.11's TypedDict does not see a
# NotRequired in a string annotation, and __optional_keys__ (which the schema test reads)
# would then be wrong.

from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict, TypeVar, cast

from verifiers.protocol import documents as d

Proof = dict[str, Any]  # a Data Integrity proof, checked by verifiers.dataintegrity


class EventDocument(TypedDict):
    """The members every event has (verifiers.protocol.documents)."""

    type: str
    ledger: str
    stream: str
    sequence: int
    previous: str | None
    actor: str
    time: str
    proof: Proof | list[Proof]  # one proof, or a proof set


class IssuerRegistered(EventDocument):
    issuer: str
    slug: str
    name: str
    kind: str
    key: str
    validFrom: str


class IssuerKeyAdded(EventDocument):
    issuer: str
    key: str
    validFrom: str


class IssuerKeyRetired(EventDocument):
    issuer: str
    key: str
    at: str


class IssuerKeyCompromised(EventDocument):
    issuer: str
    key: str
    at: str


class CredentialDefined(EventDocument):
    credential: str
    name: str
    certifyingBody: str
    credentialType: str
    validityMonths: int | None
    careerField: str | None
    careerCluster: NotRequired[str | None]
    soc: NotRequired[list[str] | str | None]  # a list; one code as a string in events signed before lists
    naics: NotRequired[str | None]
    cip: NotRequired[list[str] | str | None]  # as soc
    ctid: NotRequired[str | None]
    lookupUrl: NotRequired[str | None]  # the certifying body's public lookup page (https)


class CredentialUpdated(EventDocument):
    """Only the credential is named always; each other member is there when it changes."""

    credential: str
    name: NotRequired[str]
    certifyingBody: NotRequired[str]
    credentialType: NotRequired[str]
    validityMonths: NotRequired[int | None]
    careerField: NotRequired[str | None]
    careerCluster: NotRequired[str | None]
    soc: NotRequired[list[str] | str | None]  # a list; one code as a string in events signed before lists
    naics: NotRequired[str | None]
    cip: NotRequired[list[str] | str | None]  # as soc
    ctid: NotRequired[str | None]
    lookupUrl: NotRequired[str | None]  # the certifying body's public lookup page (https)


class StudentRegistered(EventDocument):
    student: str
    issuer: str
    subject: dict[str, str]  # claim -> salted commitment (hex)
    cohort: NotRequired[int]
    building: NotRequired[str]  # the district's code of the school building the student attends


class CredentialIssued(EventDocument):
    award: str
    issuer: str
    student: str
    credential: str
    earned: str
    expires: str | None
    evidence: dict[str, str | int]
    subject: dict[str, str]
    supersedes: str | None
    # The award's entry in the recording issuer's status lists (both or neither; older awards have none).
    statusList: NotRequired[int]
    statusIndex: NotRequired[int]


class CredentialRevoked(EventDocument):
    award: str
    reason: str
    note: str
    effective: str


# "from" is a Python keyword, so that member is declared the functional way and inherited.
_From = TypedDict("_From", {"from": str})


class CredentialTransferred(EventDocument, _From):
    award: str
    to: str
    reason: str


class CredentialListed(EventDocument):
    credential: str
    state: str
    district: str | None
    effectiveFrom: str
    effectiveTo: str | None
    terms: dict[str, Any]  # the state's own terms (ledger.statelists)
    note: NotRequired[str | None]


class CredentialDelisted(EventDocument):
    credential: str
    state: str
    district: str | None
    effectiveFrom: str
    effectiveTo: str | None
    note: str


class AssessmentRecorded(EventDocument):
    assessment: str
    issuer: str
    student: str
    subject: dict[str, str]
    test: str
    taken: str
    scores: dict[str, int]  # WorkKeys test -> level
    evidence: dict[str, str | int]


class RosterShared(EventDocument):
    share: str
    grantee: str
    students: list[str]
    purpose: str
    until: str
    note: str


class RosterShareWithdrawn(EventDocument):
    share: str
    reason: str


class TransferOffered(EventDocument):
    offer: str
    to: str
    student: str
    awards: list[str]
    reason: str


class TransferOfferClosed(EventDocument):
    offer: str
    outcome: str


class IdentityErased(EventDocument):
    student: str


class CohortCorrected(EventDocument):
    student: str
    cohort: int  # the graduating class as corrected


class StateIdRecorded(EventDocument):
    student: str
    subject: dict[str, str]  # {"state_id": salted commitment (hex)}: the value is in the vault, never here


class StudentEnrolled(EventDocument):
    student: str
    date: str
    building: str | None  # the district's own code of the school building, when it keeps one


class StudentExited(EventDocument):
    student: str
    date: str
    reason: str  # one of ledger.rules.EXIT_REASONS


class StudentGraduated(EventDocument):
    student: str
    date: str
    diploma: str  # one of ledger.rules.DIPLOMA_TYPES


class StudentMoved(EventDocument):
    student: str
    date: str
    to: str  # the receiving district, from now on the district of record


PAYLOAD_TYPES: dict[str, type[EventDocument]] = {
    d.ISSUER_REGISTERED: IssuerRegistered,
    d.ISSUER_KEY_ADDED: IssuerKeyAdded,
    d.ISSUER_KEY_RETIRED: IssuerKeyRetired,
    d.ISSUER_KEY_COMPROMISED: IssuerKeyCompromised,
    d.CREDENTIAL_DEFINED: CredentialDefined,
    d.CREDENTIAL_UPDATED: CredentialUpdated,
    d.STUDENT_REGISTERED: StudentRegistered,
    d.CREDENTIAL_ISSUED: CredentialIssued,
    d.CREDENTIAL_REVOKED: CredentialRevoked,
    d.CREDENTIAL_TRANSFERRED: CredentialTransferred,
    d.CREDENTIAL_LISTED: CredentialListed,
    d.CREDENTIAL_DELISTED: CredentialDelisted,
    d.ASSESSMENT_RECORDED: AssessmentRecorded,
    d.ROSTER_SHARED: RosterShared,
    d.ROSTER_SHARE_WITHDRAWN: RosterShareWithdrawn,
    d.TRANSFER_OFFERED: TransferOffered,
    d.TRANSFER_OFFER_CLOSED: TransferOfferClosed,
    d.IDENTITY_ERASED: IdentityErased,
    d.COHORT_CORRECTED: CohortCorrected,
    d.STUDENT_ENROLLED: StudentEnrolled,
    d.STUDENT_EXITED: StudentExited,
    d.STUDENT_GRADUATED: StudentGraduated,
    d.STUDENT_MOVED: StudentMoved,
    d.STATE_ID_RECORDED: StateIdRecorded,
}
_EVENT_TYPE_OF = {kind: event_type for event_type, kind in PAYLOAD_TYPES.items()}

Document = TypeVar("Document", bound=EventDocument)


def payload_as(kind: type[Document], document: Mapping[str, Any]) -> Document:
    """`document`, whose type its reader has established, as that type's TypedDict.

    The one cast from JSON to a typed document; it refuses (ValueError) a document of
    another type, so a wrong narrowing fails here rather than as a missing member later.
    """
    if document.get("type") != _EVENT_TYPE_OF[kind]:
        raise ValueError(f"a {document.get('type')} event is no {_EVENT_TYPE_OF[kind]}")
    return cast(Document, document)

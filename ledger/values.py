"""Plain values of ledger state: what the ledger hands to the web, the CLI and the reports.

Frozen snapshots of one stream, read at one moment: nothing outside `ledger` sees an aggregate (an
aggregate is the ledger's working state, changed as events apply; a value is a copy, so nothing a
reader does with it reaches the ledger). Each value is made by `of(aggregate)` in the one place that reads aggregates for others,
`ledger.application.Ledger`.

May import ledger.aggregates and verifiers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ledger import aggregates as a
from verifiers.keyhistory import KeyRecord
from verifiers.protocol.status import award_status


@dataclass(frozen=True)
class IssuerInfo:
    id: str
    version: int
    last_hash: str  # of the stream's newest signed document: the `previous` of the next one
    did: str
    slug: str
    name: str
    kind: str
    keys: Mapping[str, KeyRecord]  # by key id, in the order they were added

    @classmethod
    def of(cls, issuer: a.Issuer) -> IssuerInfo:
        return cls(str(issuer.id), issuer.version, issuer.last_hash, issuer.did, issuer.slug, issuer.name, issuer.kind,
                   dict(issuer.keys))

    def valid_keys(self, at: datetime) -> list[KeyRecord]:
        return [k for k in self.keys.values() if k.is_valid_at(at)]

    def key_states(self, at: datetime) -> dict[str, str]:
        """Each key's state (KeyRecord.state_at: pending, active, retired, compromised)."""
        return {key_id: record.state_at(at) for key_id, record in self.keys.items()}


@dataclass(frozen=True)
class AwardInfo:
    id: str
    version: int
    last_hash: str  # of the stream's newest signed document: the `previous` of the next one
    student: str
    credential: str
    issuer: str  # the DID that recorded it
    custodian: str  # the DID that holds it now
    earned: str
    expires: str | None
    evidence: Mapping[str, str | int]  # certificate or license number, score, … as recorded
    supersedes: str | None
    revocation: Mapping[str, Any] | None  # reason, note, effective
    status: str  # the one status rule (award_status), on the day it was read
    # (list number, index) in the recording issuer's Bitstring Status Lists; None: recorded before them
    status_entry: tuple[int, int] | None = None

    @classmethod
    def of(cls, award: a.Award, today: date) -> AwardInfo:
        revocation = dict(award.revocation) if award.revocation else None
        return cls(str(award.id), award.version, award.last_hash, award.student, award.credential, award.issuer, award.custodian,
                   award.earned, award.expires, dict(award.evidence), award.supersedes, revocation,
                   award_status(award.revocation["reason"] if award.revocation else None, award.expires, today),
                   getattr(award, "status_entry", None))


@dataclass(frozen=True)
class StudentInfo:
    id: str
    version: int
    last_hash: str  # of the stream's newest signed document: the `previous` of the next one
    registered_by: str  # the DID of the registering institution
    cohort: int | None  # graduating class, when recorded
    subject: Mapping[str, str]  # salted commitments to the identity claims (no PII)
    district: str  # the DID of the district of record: the registering one until a move (ledger.enrollment)
    enrollment: str | None  # the latest enrollment fact (enrolled, exited, graduated, moved), if any
    graduated: str | None  # the graduation date, once recorded

    @classmethod
    def of(cls, student: a.Student) -> StudentInfo:
        return cls(str(student.id), student.version, student.last_hash, student.registered_by, student.cohort,
                   dict(student.subject), student.district, student.enrollment, student.graduated)


@dataclass(frozen=True)
class CredentialInfo:
    id: str
    version: int
    code: str
    owner: str  # the DID that defined it
    fields: Mapping[str, Any]  # the catalog fields (name, certifyingBody, …)

    @classmethod
    def of(cls, credential: a.Credential) -> CredentialInfo:
        return cls(str(credential.id), credential.version, credential.code, credential.owner, dict(credential.fields))


@dataclass(frozen=True)
class RosterShareInfo:
    id: str
    granter: str
    grantee: str
    students: tuple[str, ...]
    purpose: str  # record | report
    granted: str
    until: str
    note: str
    withdrawn: str | None

    @classmethod
    def of(cls, share: a.RosterShare) -> RosterShareInfo:
        return cls(str(share.id), share.granter, share.grantee, tuple(share.students), share.purpose, share.granted,
                   share.until, share.note, share.withdrawn)


@dataclass(frozen=True)
class TransferOfferInfo:
    id: str
    sender: str
    receiver: str
    student: str
    awards: tuple[str, ...]
    reason: str
    offered: str
    outcome: str | None  # accepted, declined, withdrawn; None while pending
    closed_by: str | None
    closed: str | None

    @classmethod
    def of(cls, offer: a.TransferOffer) -> TransferOfferInfo:
        return cls(str(offer.id), offer.sender, offer.receiver, offer.student, tuple(offer.awards), offer.reason,
                   offer.offered, offer.outcome, offer.closed_by, offer.closed)

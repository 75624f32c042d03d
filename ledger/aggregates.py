"""Aggregates rebuilt from signed event documents.

Each aggregate is a stream of signed documents. The eventsourcing events carry
the document verbatim (`document`) and their timestamp is the time the ledger
recorded it; state is what the documents say, applied by `when_<Type>` methods, each taking
its event type's typed document (`verifiers.protocol.payloads`).
Rules about what may be recorded live in `ledger.rules`, not here: an aggregate
only remembers.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate

from ledger.catalog_codes import normalized
from ledger.statelists import Segment, apply_listing_event, school_year_from_text
from verifiers.didkey import public_key_from_verification_method
from verifiers.keyhistory import KeyRecord
from verifiers.protocol import documents as d
from verifiers.protocol import payloads as p
from verifiers.protocol.authority import custodian_after
from verifiers.timestamps import parse_timestamp


class SignedAggregate(Aggregate):
    """A stream of signed documents; remembers the hash that chains the next one."""

    class Opened(Aggregate.Created):
        document: dict[str, Any]

    class Recorded(Aggregate.Event):
        document: dict[str, Any]

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, SignedAggregate)
            aggregate.apply_document(self.document)

    def __init__(self, document: dict[str, Any]):
        self.last_hash = ""
        self.apply_document(document)

    def apply_document(self, document: dict[str, Any]) -> None:
        # Dispatch by the type's name narrows the document to what when_<Type> takes.
        getattr(self, "when_" + document["type"])(document)
        self.last_hash = d.document_hash(document)

    def record(self, document: dict[str, Any], recorded: datetime) -> None:
        self.trigger_event(self.Recorded, document=document, timestamp=recorded)

    @classmethod
    def open(cls, document: dict[str, Any], recorded: datetime) -> SignedAggregate:
        from uuid import UUID

        return cls._create(
            cls.Opened, id=UUID(document["stream"]), document=document, timestamp=recorded
        )


def _key_record(key_id: str, valid_from: str) -> KeyRecord:
    return KeyRecord(
        key_id=key_id,
        public_key=public_key_from_verification_method(key_id),
        valid_from=parse_timestamp(valid_from),
    )


class Issuer(SignedAggregate):
    """A school, district, CTE center or agency registered to attest credentials."""

    def when_IssuerRegistered(self, doc: p.IssuerRegistered) -> None:  # noqa: N802
        self.did: str = doc["issuer"]
        self.slug: str = doc["slug"]
        self.name: str = doc["name"]
        self.kind: str = doc["kind"]
        self.keys: dict[str, KeyRecord] = {doc["key"]: _key_record(doc["key"], doc["validFrom"])}

    def when_IssuerKeyAdded(self, doc: p.IssuerKeyAdded) -> None:  # noqa: N802
        self.keys[doc["key"]] = _key_record(doc["key"], doc["validFrom"])

    def when_IssuerKeyRetired(self, doc: p.IssuerKeyRetired) -> None:  # noqa: N802
        self.keys[doc["key"]] = self.keys[doc["key"]].retired(parse_timestamp(doc["at"]))

    def when_IssuerKeyCompromised(self, doc: p.IssuerKeyCompromised) -> None:  # noqa: N802
        self.keys[doc["key"]] = self.keys[doc["key"]].compromised(parse_timestamp(doc["at"]))

    def valid_keys(self, at: datetime) -> list[KeyRecord]:
        return [k for k in self.keys.values() if k.is_valid_at(at)]


class Credential(SignedAggregate):
    """A catalog entry: a credential a certifying body grants (ServSafe, OSHA-10 …)."""

    FIELDS = ("name", "certifyingBody", "credentialType", "validityMonths", "careerField",
              "careerCluster", "soc", "naics", "cip", "ctid", "lookupUrl")

    def when_CredentialDefined(self, doc: p.CredentialDefined) -> None:  # noqa: N802
        self.code: str = doc["credential"]
        self.owner: str = doc["actor"]
        # The codes (careerCluster, soc, naics, cip) and lookupUrl are optional: present only when given;
        # soc and cip are lists (one string in events signed before lists: ledger.catalog_codes).
        self.fields: dict[str, Any] = self._fields_of(doc)

    def when_CredentialUpdated(self, doc: p.CredentialUpdated) -> None:  # noqa: N802
        self.fields.update(self._fields_of(doc))

    @classmethod
    def _fields_of(cls, doc: Mapping[str, Any]) -> dict[str, Any]:
        """The catalog fields `doc` carries, in FIELDS order (read by names from FIELDS, not literals:
        so as a Mapping, not its TypedDict); `soc` and `cip` as lists whatever shape the event has."""
        return normalized({f: doc[f] for f in cls.FIELDS if f in doc})


class Student(SignedAggregate):
    """An opaque student id; the person's identity lives in the vault, never here."""

    def when_StudentRegistered(self, doc: p.StudentRegistered) -> None:  # noqa: N802
        self.registered_by: str = doc["issuer"]
        self.subject: dict[str, str] = doc["subject"]  # the registration's commitments: what awards carry
        # The commitments the vault row opens now: the registration's, with a state id recorded later.
        self.commitments: dict[str, str] = dict(doc["subject"])
        self.cohort: int | None = doc.get("cohort")
        # The district of record (reports, state rules): the registering institution until a move.
        self.district: str = doc["issuer"]
        self.enrollment: str | None = None  # the latest enrollment fact: enrolled, exited, graduated or moved
        self.graduated: str | None = None  # the graduation date, once recorded

    def when_CohortCorrected(self, doc: p.CohortCorrected) -> None:  # noqa: N802
        self.cohort = doc["cohort"]

    def when_StateIdRecorded(self, doc: p.StateIdRecorded) -> None:  # noqa: N802
        self.commitments.update(doc["subject"])

    def when_StudentEnrolled(self, doc: p.StudentEnrolled) -> None:  # noqa: N802
        self.enrollment = "enrolled"

    def when_StudentExited(self, doc: p.StudentExited) -> None:  # noqa: N802
        self.enrollment = "exited"

    def when_StudentGraduated(self, doc: p.StudentGraduated) -> None:  # noqa: N802
        self.enrollment = "graduated"
        self.graduated = doc["date"]

    def when_StudentMoved(self, doc: p.StudentMoved) -> None:  # noqa: N802
        self.enrollment = "moved"
        self.district = doc["to"]


class Award(SignedAggregate):
    """One student's earned credential, attested by the issuing institution."""

    def when_CredentialIssued(self, doc: p.CredentialIssued) -> None:  # noqa: N802
        self.issuer: str = doc["issuer"]
        # Custody as the protocol defines it, so the ledger and a bundle's verifier follow one rule.
        self.custodian: str = custodian_after(None, doc)
        self.student: str = doc["student"]
        self.credential: str = doc["credential"]
        self.earned: str = doc["earned"]
        self.expires: str | None = doc["expires"]
        self.evidence: dict[str, str | int] = doc["evidence"]
        self.supersedes: str | None = doc.get("supersedes")
        self.revocation: dict[str, Any] | None = None
        # (list number, index) in the recording issuer's status lists; None for awards recorded before them.
        self.status_entry: tuple[int, int] | None = (
            (doc["statusList"], doc["statusIndex"]) if "statusList" in doc and "statusIndex" in doc else None)

    def when_CredentialRevoked(self, doc: p.CredentialRevoked) -> None:  # noqa: N802
        self.revocation = {"reason": doc["reason"], "note": doc["note"], "effective": doc["effective"]}

    def when_CredentialTransferred(self, doc: p.CredentialTransferred) -> None:  # noqa: N802
        self.custodian = custodian_after(self.custodian, doc)


class Listing(SignedAggregate):
    """One credential on one state's list (or a Colorado district's Menu of Options),
    year by year: `segments` say which terms were in force in which school years."""

    def when_CredentialListed(self, doc: p.CredentialListed) -> None:  # noqa: N802
        self._apply_listing(doc, listed=True, terms=doc.get("terms"))

    def when_CredentialDelisted(self, doc: p.CredentialDelisted) -> None:  # noqa: N802
        self._apply_listing(doc, listed=False, terms=None)

    def _apply_listing(self, doc: p.CredentialListed | p.CredentialDelisted, *, listed: bool,
                       terms: dict[str, Any] | None) -> None:
        if self.__dict__.get("segments") is None:  # the opening event
            self.credential: str = doc["credential"]
            self.state: str = doc["state"]
            self.district: str | None = doc["district"]
            self.segments: list[Segment] = []
        last = doc["effectiveTo"]
        self.segments = apply_listing_event(
            self.segments, listed, school_year_from_text(doc["effectiveFrom"]),
            None if last is None else school_year_from_text(last), terms, doc.get("note"),
        )


class Assessment(SignedAggregate):
    """One sitting of an assessment (WorkKeys) by one student, attested by the issuer."""

    def when_AssessmentRecorded(self, doc: p.AssessmentRecorded) -> None:  # noqa: N802
        self.issuer: str = doc["issuer"]
        self.student: str = doc["student"]
        self.test: str = doc["test"]
        self.taken: str = doc["taken"]
        self.scores: dict[str, int] = dict(doc["scores"])


class RosterShare(SignedAggregate):
    """Named students shared by the institution that serves them with another one
    (a home district with the area CTE center they attend), for a purpose, until a day."""

    def when_RosterShared(self, doc: p.RosterShared) -> None:  # noqa: N802
        self.granter: str = doc["actor"]
        self.grantee: str = doc["grantee"]
        self.students: list[str] = list(doc["students"])
        self.purpose: str = doc["purpose"]
        self.granted: str = doc["time"]
        self.until: str = doc["until"]
        self.note: str = doc["note"]
        self.withdrawn: str | None = None

    def when_RosterShareWithdrawn(self, doc: p.RosterShareWithdrawn) -> None:  # noqa: N802
        self.withdrawn = doc["time"]


class TransferOffer(SignedAggregate):
    """A custodian's offer of a student's awards to another institution, open until
    the receiver accepts or declines it or the custodian withdraws it."""

    def when_TransferOffered(self, doc: p.TransferOffered) -> None:  # noqa: N802
        self.sender: str = doc["actor"]
        self.receiver: str = doc["to"]
        self.student: str = doc["student"]
        self.awards: list[str] = list(doc["awards"])
        self.reason: str = doc["reason"]
        self.offered: str = doc["time"]
        self.outcome: str | None = None
        self.closed_by: str | None = None
        self.closed: str | None = None

    def when_TransferOfferClosed(self, doc: p.TransferOfferClosed) -> None:  # noqa: N802
        self.outcome = doc["outcome"]
        self.closed_by = doc["actor"]
        self.closed = doc["time"]


class Erasure(SignedAggregate):
    """The record that a student's identity was erased from the vault (the signatures stay valid)."""

    def when_IdentityErased(self, doc: p.IdentityErased) -> None:  # noqa: N802
        self.student: str = doc["student"]


AGGREGATE_CLASSES: dict[str, type[SignedAggregate]] = {
    "Issuer": Issuer,
    "Credential": Credential,
    "Student": Student,
    "Award": Award,
    "Listing": Listing,
    "Assessment": Assessment,
    "RosterShare": RosterShare,
    "TransferOffer": TransferOffer,
    "Erasure": Erasure,
}

"""What may be recorded: the checks every event passes before it is stored.

`check_document` is pure: it reads the ledger's state through a `LedgerView`
and the recording time is a parameter. The application runs it on the way in;
`credledger audit` runs the very same function while replaying the store, so
ingest and audit can never disagree about the rules.

Order of the checks (each failure is a RejectedError with a stable code):
 1. the document belongs to this ledger;
 2. it continues its stream: right sequence number and previous hash;
 3. each proof is by a key of the required signer, valid when recorded and
    when signed, and (unless the ledger itself just signed it) verifies;
 4. the signer has authority for the act, and the act respects the state,
    the access rule of `ledger.relations` included: an institution records
    only for students it relates to, and an unrelated student gets the very
    answer an unknown one gets.

Who may sign which act and who holds an award are the protocol's rules
(`verifiers.protocol.authority`), the very functions an offline verifier of a
transcript bundle runs; here they are worded as refusals, and what needs the
ledger's state (relations, amendments, offers, the catalog) is checked beside them.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from ledger.aggregates import AGGREGATE_CLASSES, Award, Credential, Issuer, SignedAggregate, Student
from ledger.errors import InputError, RejectedError
from ledger.relations import ALL_BASES, OWN_BASES, RECORDING_BASES
from ledger.statelists import school_year_from_text
from verifiers.dataintegrity import proofs_of, verify_proof
from verifiers.didkey import public_key_from_verification_method
from verifiers.errors import AuthorityError, KeyValidityError, SignatureError, VerificationError
from verifiers.keyhistory import KeyRecord, verify_key_valid_at
from verifiers.protocol import authority as a
from verifiers.protocol import documents as d
from verifiers.protocol import payloads as p
from verifiers.protocol import status
from verifiers.timestamps import parse_timestamp

# A roster share is for a school year at most (with its summer): then it is granted anew.
MAX_SHARE_DAYS = 400
OFFER_OUTCOMES = ("accepted", "declined", "withdrawn")

# A signer's clock may run a little ahead of ours; beyond this it is refused,
# so nobody can sign "in the future" to outlive a key's retirement.
MAX_CLOCK_SKEW = timedelta(minutes=5)

REVOCATION_REASONS = status.REVOCATION_REASONS  # the protocol's vocabulary, here for the schemas and pages
ISSUER_KINDS = ("district", "school", "cte_center", "agency", "college")
CREDENTIAL_TYPES = ("certification", "license", "certificate", "assessment")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
# Why a student left the district without graduating (the exit codes state collections share, in words).
EXIT_REASONS = {
    "transferred": "transferred to another school or district in the state",
    "moved-out-of-state": "moved out of the state",
    "private-school": "transferred to a private school",
    "home-schooled": "withdrew to be home-schooled",
    "dropped-out": "dropped out",
    "completed-no-diploma": "completed school without a diploma (certificate of attendance)",
    "aged-out": "reached the maximum age for services",
    "deceased": "deceased",
    "other": "another reason",
}
# The diploma a graduate received (ESSA counts the regular and the state-defined alternate diploma).
DIPLOMA_TYPES = {
    "regular": "regular high school diploma",
    "honors": "regular diploma with honors or a state seal",
    "alternate": "state-defined alternate diploma",
    "other": "another diploma the state recognizes",
}
EARLIEST_RECORD_DATE = date(1950, 1, 1)


class LedgerView(Protocol):
    """Read access to the state an event is checked against."""

    ledger_id: str
    operator_did: str
    operator_key: KeyRecord

    def stream(self, stream_id: str) -> SignedAggregate | None: ...

    def relates(self, student_id: str, institution: str, on: date, bases: frozenset[str]) -> bool:
        """Whether `institution` relates to the student on that day on one of `bases` (ledger.relations)."""
        ...

    def amended(self, award_id: str) -> bool:
        """Whether an award amending this one is recorded."""
        ...

    def offered(self, award_id: str) -> bool:
        """Whether a transfer offer of this award is pending."""
        ...


# Dates earned or taken are calendar days where the student is; the ledger's clock is UTC, which is
# already tomorrow for a school west of Greenwich for several hours of its afternoon.
DATE_SLACK = timedelta(days=1)


def latest_day(today: date) -> date:
    """The latest day a credential may be earned, or an assessment taken, when recorded on `today` (UTC)."""
    return today + DATE_SLACK


EARLIEST_BIRTH_DATE = date(1900, 1, 1)


def check_birth_date(text: str, today: date) -> None:
    """A student's birth date (ISO) is a real day between 1900 and `today`: a typo, never a person."""
    try:
        born = date.fromisoformat(text)
    except ValueError:
        raise InputError.for_field("birth_date", "not a date (YYYY-MM-DD)") from None
    if not EARLIEST_BIRTH_DATE <= born <= today:
        raise InputError.for_field("birth_date", "not a plausible birth date")


def find_issuer(view: LedgerView, did: str) -> Issuer | None:
    issuer = view.stream(d.issuer_stream(d.issuer_slug_from_did(did)))
    if isinstance(issuer, Issuer) and issuer.did == did:
        return issuer
    return None


class _Authority:
    """The protocol's AuthorityView at ingest: the operator, and the issuers the ledger registered."""

    __slots__ = ("_view",)

    def __init__(self, view: LedgerView):
        self._view = view

    @property
    def operator(self) -> str:
        return self._view.operator_did

    def check_issuer(self, did: str) -> None:
        if find_issuer(self._view, did) is None:
            raise AuthorityError(f"{did} is not a registered issuer", reason=a.NOT_ISSUER)


# The RejectedError code of each of the protocol's refusals; the message is the rule's own.
_CODES = {
    a.NOT_OPERATOR: "not_authorized",
    a.NOT_OPERATOR_OR_ISSUER: "not_authorized",
    a.NOT_OPERATOR_OR_OWNER: "not_authorized",
    a.NOT_ISSUER: "not_authorized",
    a.NOT_CUSTODIAN: "not_authorized",
    a.NOT_FROM_CUSTODIAN: "not_authorized",
    a.ALREADY_REVOKED: "already_revoked",
    a.NO_COUNTERSIGNATURE: "missing_countersignature",
    a.MISMATCH: "malformed",
    a.TO_ITSELF: "malformed",
    a.OUT_OF_PLACE: "malformed",  # never at ingest: each event type has its own check
}


def _authorized(rule: Callable[..., None], doc: p.EventDocument, view: LedgerView, *facts: Any) -> None:
    """Run one of the protocol's authority rules on `doc` (after `facts` of its stream); refuse as ingest does."""
    try:
        rule(_Authority(view), *facts, doc)
    except AuthorityError as e:
        raise _refusal(e) from None


def _refusal(error: AuthorityError) -> RejectedError:
    return RejectedError(_CODES.get(error.reason, "not_authorized"), str(error))


def check_document(
    doc: dict[str, Any], view: LedgerView, recorded: datetime, *, verify_signatures: bool = True
) -> None:
    """Raise RejectedError unless `doc` may be recorded at `recorded`."""
    # 1. Bound to this ledger.
    if doc["ledger"] != view.ledger_id:
        raise RejectedError("wrong_ledger", "the event was signed for another ledger")
    # 2. Continues its stream.
    existing = _check_stream(doc, view)
    # 3. Signatures by keys valid at the time.
    _check_proofs(doc, view, recorded, verify_signatures=verify_signatures)
    # 4. Authority and state.
    CHECKS[doc["type"]](doc, view, existing, recorded)


def _check_stream(doc: dict[str, Any], view: LedgerView) -> SignedAggregate | None:
    event_type = doc["type"]
    existing = view.stream(doc["stream"])
    # An event in both maps (CredentialListed) opens its stream or continues it.
    if event_type in d.OPENING_EVENTS and (existing is None or event_type not in d.FOLLOWING_EVENTS):
        if existing is not None:
            raise RejectedError("stream_exists", f"{doc['stream']} already exists")
        if doc["sequence"] != 1 or doc["previous"] is not None:
            raise RejectedError("broken_chain", "a new stream starts at sequence 1 with no previous")
        return None
    kind = d.FOLLOWING_EVENTS[event_type]
    if not isinstance(existing, AGGREGATE_CLASSES[kind]):
        raise RejectedError("not_found", f"no {kind.lower()} {doc['stream']}")
    if doc["sequence"] <= existing.version:
        # Built on a state another event has since moved on from: the race was lost, not the chain.
        raise RejectedError(
            "conflict",
            f"{doc['stream']} moved on to sequence {existing.version} since this event (sequence "
            f"{doc['sequence']}) was built; nothing was stored: read it again and retry",
        )
    if doc["sequence"] != existing.version + 1:
        raise RejectedError(
            "broken_chain",
            f"{doc['stream']} is at sequence {existing.version}; got {doc['sequence']}",
        )
    if doc["previous"] != existing.last_hash:
        raise RejectedError("broken_chain", f"previous hash does not match {doc['stream']}")
    return existing


def _key_of(view: LedgerView, did: str, key_id: str) -> KeyRecord:
    if did == view.operator_did:
        if key_id == view.operator_key.key_id:
            return view.operator_key
    else:
        issuer = find_issuer(view, did)
        if issuer is not None and key_id in issuer.keys:
            return issuer.keys[key_id]
    raise RejectedError("unknown_key", f"{key_id} is not a key of {did}")


def _check_proofs(
    doc: dict[str, Any], view: LedgerView, recorded: datetime, *, verify_signatures: bool
) -> None:
    try:
        proofs = proofs_of(doc)
    except VerificationError:
        raise RejectedError("unsigned", "the event is not signed") from None
    signers = d.required_signers(doc)
    if len(proofs) < len(signers):
        try:
            a.check_countersigned(doc)
        except AuthorityError as e:
            raise _refusal(e) from None
        raise RejectedError("unsigned", "the event is not signed")
    if len(proofs) > len(signers):
        raise RejectedError("unexpected_proof", "the event carries more proofs than signers")
    for proof, signer in zip(proofs, signers):
        record = _key_of(view, signer, proof.get("verificationMethod", ""))
        try:
            created = parse_timestamp(proof.get("created", ""))
            if created > recorded + MAX_CLOCK_SKEW:
                raise RejectedError("clock_skew", "the proof is dated in the future")
            verify_key_valid_at(record, recorded)
            verify_key_valid_at(record, created)
            if verify_signatures:
                verify_proof(doc, proof, record.public_key)
        except SignatureError as e:
            raise RejectedError("bad_signature", str(e)) from None
        except KeyValidityError as e:
            raise RejectedError("key_not_valid", str(e)) from None
        except VerificationError as e:
            raise RejectedError("malformed", str(e)) from None


def _require_registered_issuer(view: LedgerView, did: str) -> Issuer:
    issuer = find_issuer(view, did)
    if issuer is None:
        raise RejectedError("not_authorized", f"{did} is not a registered issuer")
    return issuer


def _check_issuer_registered(doc: p.IssuerRegistered, view: LedgerView, _: Any, recorded: datetime) -> None:
    _authorized(a.check_issuer_registration, doc, view)
    _check_new_key(doc)
    _check_valid_from(doc, recorded)


def _check_valid_from(doc: p.IssuerRegistered | p.IssuerKeyAdded, recorded: datetime) -> None:
    if parse_timestamp(doc["validFrom"]) < recorded - MAX_CLOCK_SKEW:
        raise RejectedError("backdated", "a key's validity cannot start in the past")


def _check_new_key(doc: p.IssuerRegistered | p.IssuerKeyAdded) -> None:
    # A key that is no Ed25519 did:key verification method could never verify
    # a proof, and would break every replay of the issuer's stream.
    try:
        if "#" not in doc["key"]:
            raise VerificationError("no verification method fragment")
        public_key_from_verification_method(doc["key"])
    except VerificationError:
        raise RejectedError("malformed", "the key is not an Ed25519 did:key verification method") from None


def _check_key_added(doc: p.IssuerKeyAdded, view: LedgerView, issuer: Any, recorded: datetime) -> None:
    _authorized(a.check_key_event, doc, view, issuer.did)
    if doc["key"] in issuer.keys:
        raise RejectedError("duplicate_key", "the issuer already has that key")
    _check_new_key(doc)
    _check_valid_from(doc, recorded)


def _existing_key(doc: p.IssuerKeyRetired | p.IssuerKeyCompromised, view: LedgerView, issuer: Any) -> KeyRecord:
    _authorized(a.check_key_event, doc, view, issuer.did)
    if doc["key"] not in issuer.keys:
        raise RejectedError("unknown_key", f"{doc['key']} is not a key of {issuer.did}")
    return issuer.keys[doc["key"]]


def _check_key_retired(doc: p.IssuerKeyRetired, view: LedgerView, issuer: Any, recorded: datetime) -> None:
    key = _existing_key(doc, view, issuer)
    if key.retired_at is not None:
        raise RejectedError("already_retired", "that key is already retired")
    if parse_timestamp(doc["at"]) < recorded - MAX_CLOCK_SKEW:
        raise RejectedError("backdated", "retirement cannot be backdated; declare a compromise instead")


def _check_key_compromised(doc: p.IssuerKeyCompromised, view: LedgerView, issuer: Any, recorded: datetime) -> None:
    key = _existing_key(doc, view, issuer)
    at = parse_timestamp(doc["at"])
    if at > recorded + MAX_CLOCK_SKEW:
        raise RejectedError("future_compromise", "a compromise cannot be declared for the future")
    if key.compromised_at is not None and at >= key.compromised_at:
        raise RejectedError("already_compromised", "that key is already compromised from an earlier time")


def _check_credential_defined(doc: p.CredentialDefined, view: LedgerView, _: Any, __: datetime) -> None:
    _authorized(a.check_catalog_entry, doc, view)


def _check_credential_updated(doc: p.CredentialUpdated, view: LedgerView, credential: Any, __: datetime) -> None:
    _authorized(a.check_catalog_update, doc, view, credential.owner)


def _check_student_registered(doc: p.StudentRegistered, view: LedgerView, _: Any, __: datetime) -> None:
    _authorized(a.check_student_registration, doc, view)


def may_record(view: LedgerView, student_id: str, institution: str, recorded: datetime) -> bool:
    """Whether `institution` may record for the student then (ledger.relations)."""
    return view.relates(student_id, institution, recorded.date(), RECORDING_BASES)


def _require_related_student(view: LedgerView, student_id: str, institution: str, recorded: datetime,
                             bases: frozenset[str]) -> Student:
    """The student exists and `institution` relates to them on one of `bases`; an unrelated
    student is refused exactly like an unknown one, so existence does not leak."""
    student = view.stream(student_id)
    if not isinstance(student, Student) or not view.relates(student_id, institution, recorded.date(), bases):
        raise RejectedError("not_found", f"no student {student_id}")
    return student


def _require_student_subject(doc: p.CredentialIssued | p.AssessmentRecorded, view: LedgerView, recorded: datetime) -> None:
    """The actor may record for the student, and the event commits to the same identity
    claims as the registration."""
    student = _require_related_student(view, doc["student"], doc["actor"], recorded, RECORDING_BASES)
    if doc["subject"] != student.subject:
        raise RejectedError("malformed", "subject commitments differ from the student's")


def _check_credential_issued(doc: p.CredentialIssued, view: LedgerView, _: Any, recorded: datetime) -> None:
    _authorized(a.check_issuance, doc, view)
    _require_student_subject(doc, view, recorded)
    if not isinstance(view.stream(d.credential_stream(doc["credential"])), Credential):
        raise RejectedError("not_found", f"no credential {doc['credential']} in the catalog")
    earned = date.fromisoformat(doc["earned"])
    if earned > latest_day(recorded.date()):
        raise RejectedError("future_date", "a credential cannot be earned in the future")
    if doc["expires"] is not None and date.fromisoformat(doc["expires"]) < earned:
        raise RejectedError("malformed", "expires is before earned")
    supersedes = doc.get("supersedes")
    if supersedes is not None:
        old = view.stream(supersedes)
        if not isinstance(old, Award) or old.student != doc["student"]:
            raise RejectedError("not_found", "the superseded award is not this student's")
        if old.custodian != doc["actor"]:
            raise RejectedError("not_authorized", "only the award's current custodian may amend it")
        if view.amended(supersedes):
            raise RejectedError("already_amended", "that award was already amended; amend the newer award instead")
        if old.revocation is None or old.revocation["reason"] != "superseded":
            raise RejectedError(
                "not_superseded", "revoke the old award with reason 'superseded' before replacing it"
            )


def _check_credential_revoked(doc: p.CredentialRevoked, view: LedgerView, award: Any, __: datetime) -> None:
    _authorized(a.check_award_act, doc, view, award.custodian, award.revocation is not None)
    if doc["reason"] not in REVOCATION_REASONS:
        raise RejectedError("malformed", f"unknown revocation reason {doc['reason']!r}")


def _check_credential_transferred(doc: p.CredentialTransferred, view: LedgerView, award: Any, __: datetime) -> None:
    _authorized(a.check_award_act, doc, view, award.custodian, award.revocation is not None)


def _check_listing(doc: p.CredentialListed | p.CredentialDelisted, view: LedgerView, _: Any, __: datetime) -> None:
    """State lists are the operator's (the state agency or consortium); a Colorado district
    keeps its own Menu of Options, so a district-scoped entry may also be signed by that district."""
    district = doc["district"]
    if doc["actor"] != view.operator_did and not (district is not None and doc["actor"] == district):
        raise RejectedError("not_authorized", "only the operator, or the district for its own Menu of Options, "
                                              "may list credentials")
    if district is not None:
        if doc["state"] != "CO":
            raise RejectedError("malformed", "only Colorado lists are kept per district")
        _require_registered_issuer(view, district)
    if doc["stream"] != d.listing_stream(doc["state"], district, doc["credential"]):
        raise RejectedError("malformed", "listing stream, state, district and credential do not agree")
    if not isinstance(view.stream(d.credential_stream(doc["credential"])), Credential):
        raise RejectedError("not_found", f"no credential {doc['credential']} in the catalog")
    last = doc["effectiveTo"]
    if last is not None and school_year_from_text(last) < school_year_from_text(doc["effectiveFrom"]):
        raise RejectedError("malformed", "effectiveTo is before effectiveFrom")


def _check_assessment_recorded(doc: p.AssessmentRecorded, view: LedgerView, _: Any, recorded: datetime) -> None:
    _require_registered_issuer(view, doc["actor"])
    if doc["issuer"] != doc["actor"] or doc["assessment"] != doc["stream"]:
        raise RejectedError("malformed", "assessment, stream and issuer do not agree")
    _require_student_subject(doc, view, recorded)
    if date.fromisoformat(doc["taken"]) > latest_day(recorded.date()):
        raise RejectedError("future_date", "an assessment cannot be taken in the future")


def _check_roster_shared(doc: p.RosterShared, view: LedgerView, _: Any, recorded: datetime) -> None:
    _require_registered_issuer(view, doc["actor"])
    if doc["share"] != doc["stream"]:
        raise RejectedError("malformed", "share and stream do not agree")
    if doc["grantee"] == doc["actor"]:
        raise RejectedError("malformed", "an institution cannot share a roster with itself")
    _require_registered_issuer(view, doc["grantee"])
    until = date.fromisoformat(doc["until"])
    if until < recorded.date():
        raise RejectedError("malformed", "a roster share cannot end in the past")
    if until > recorded.date() + timedelta(days=MAX_SHARE_DAYS):
        raise RejectedError("share_too_long", f"a roster share lasts at most {MAX_SHARE_DAYS} days; grant it anew")
    if len(set(doc["students"])) != len(doc["students"]):
        raise RejectedError("malformed", "a student is named twice")
    # Only what the granter has itself may be passed on: no redisclosure (34 CFR 99.33).
    for student_id in doc["students"]:
        _require_related_student(view, student_id, doc["actor"], recorded, OWN_BASES)


def _check_roster_share_withdrawn(doc: p.RosterShareWithdrawn, view: LedgerView, share: Any, __: datetime) -> None:
    if doc["actor"] != share.granter or doc["share"] != doc["stream"]:
        raise RejectedError("not_authorized", "only the institution that granted a roster share may withdraw it")
    if share.withdrawn is not None:
        raise RejectedError("already_withdrawn", "the roster share is already withdrawn")


def _check_transfer_offered(doc: p.TransferOffered, view: LedgerView, _: Any, __: datetime) -> None:
    _require_registered_issuer(view, doc["actor"])
    if doc["offer"] != doc["stream"]:
        raise RejectedError("malformed", "offer and stream do not agree")
    if doc["to"] == doc["actor"]:
        raise RejectedError("malformed", "an award cannot be transferred to its own custodian")
    _require_registered_issuer(view, doc["to"])
    if len(set(doc["awards"])) != len(doc["awards"]):
        raise RejectedError("malformed", "an award is named twice")
    for award_id in doc["awards"]:
        award = view.stream(award_id)
        if not isinstance(award, Award) or award.student != doc["student"]:
            raise RejectedError("not_found", f"no award {award_id} of this student")
        if award.custodian != doc["actor"]:
            raise RejectedError("not_authorized", "only the award's current custodian may transfer it")
        if view.offered(award_id):
            raise RejectedError("transfer_pending", "a transfer of this award is already waiting for its "
                                                    "receiver; withdraw it first")


def _check_transfer_offer_closed(doc: p.TransferOfferClosed, view: LedgerView, offer: Any, __: datetime) -> None:
    if doc["offer"] != doc["stream"]:
        raise RejectedError("malformed", "offer and stream do not agree")
    if offer.outcome is not None:
        raise RejectedError("not_pending", f"this transfer was already {offer.outcome}")
    # The receiver decides; the sender may only take its offer back.
    side = offer.sender if doc["outcome"] == "withdrawn" else offer.receiver
    if doc["actor"] != side:
        raise RejectedError("not_authorized", "only the receiving institution accepts or declines a transfer, "
                                              "and only the sending one withdraws it")


def _check_identity_erased(doc: p.IdentityErased, view: LedgerView, _: Any, __: datetime) -> None:
    student = view.stream(doc["student"])
    if not isinstance(student, Student):
        raise RejectedError("not_found", f"no student {doc['student']}")
    if doc["stream"] != d.erasure_stream(doc["student"]):
        raise RejectedError("malformed", "erasure stream and student do not agree")
    if doc["actor"] not in (view.operator_did, student.registered_by):
        raise RejectedError("not_authorized", "only the operator or the registering institution erases a student's "
                                              "identity")


def _check_student_record(doc: Mapping[str, Any], view: LedgerView, student: Any, recorded: datetime) -> None:
    """A fact of a student's record (ledger.enrollment) is the district of record's to sign; an institution
    that does not relate to the student is answered as for an unknown one."""
    if doc["student"] != doc["stream"]:
        raise RejectedError("malformed", "student and stream do not agree")
    if doc["actor"] != student.district:
        if view.relates(doc["student"], doc["actor"], recorded.date(), ALL_BASES):
            raise RejectedError("not_district_of_record", "only the student's district of record records their "
                                                          "class, enrollment and state id")
        raise RejectedError("not_found", f"no student {doc['student']}")
    if doc["type"] == d.COHORT_CORRECTED:
        if doc["cohort"] == student.cohort:
            raise RejectedError("unchanged", f"the graduating class is already {student.cohort}")
        return
    if doc["type"] == d.STATE_ID_RECORDED:
        # A salted commitment never repeats, so a same-value record is the command's to refuse (it reads
        # the vault); here: a commitment the student already has would be a replayed or copied document.
        if doc["subject"]["state_id"] == student.commitments.get("state_id"):
            raise RejectedError("unchanged", "the student's state id commitment is already this one")
        return
    day = date.fromisoformat(doc["date"])
    if day > latest_day(recorded.date()):
        raise RejectedError("future_date", "an enrollment fact cannot be dated in the future")
    if day < EARLIEST_RECORD_DATE:
        raise RejectedError("malformed", f"an enrollment fact cannot be dated before {EARLIEST_RECORD_DATE.year}")
    if doc["type"] == d.STUDENT_GRADUATED and student.graduated is not None:
        raise RejectedError("already_graduated", f"the student's graduation is recorded ({student.graduated})")
    if doc["type"] == d.STUDENT_MOVED:
        if doc["to"] == doc["actor"]:
            raise RejectedError("malformed", "a student cannot move to the district of record itself")
        _require_registered_issuer(view, doc["to"])


# Each check takes its own event type's typed document (verifiers.protocol.payloads), so the
# document is Any here: the table, keyed by that type, is where check_document's JSON is narrowed.
CHECKS: dict[str, Callable[[Any, LedgerView, Any, datetime], None]] = {
    d.ISSUER_REGISTERED: _check_issuer_registered,
    d.ISSUER_KEY_ADDED: _check_key_added,
    d.ISSUER_KEY_RETIRED: _check_key_retired,
    d.ISSUER_KEY_COMPROMISED: _check_key_compromised,
    d.CREDENTIAL_DEFINED: _check_credential_defined,
    d.CREDENTIAL_UPDATED: _check_credential_updated,
    d.STUDENT_REGISTERED: _check_student_registered,
    d.CREDENTIAL_ISSUED: _check_credential_issued,
    d.CREDENTIAL_REVOKED: _check_credential_revoked,
    d.CREDENTIAL_TRANSFERRED: _check_credential_transferred,
    d.CREDENTIAL_LISTED: _check_listing,
    d.CREDENTIAL_DELISTED: _check_listing,
    d.ASSESSMENT_RECORDED: _check_assessment_recorded,
    d.ROSTER_SHARED: _check_roster_shared,
    d.ROSTER_SHARE_WITHDRAWN: _check_roster_share_withdrawn,
    d.TRANSFER_OFFERED: _check_transfer_offered,
    d.TRANSFER_OFFER_CLOSED: _check_transfer_offer_closed,
    d.IDENTITY_ERASED: _check_identity_erased,
    **{event_type: _check_student_record for event_type in d.STUDENT_RECORD_EVENTS},
}

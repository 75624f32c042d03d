"""The ledger service: commands in, signed and verified events stored.

Every write goes through one path, `_Batch`: build the next document of a
stream (sequence, previous hash), sign it (server-held key) or take it as
submitted (signed elsewhere), check it with `ledger.rules`, apply it, and at
the end store every event of the batch in one transaction, with its journal
row and any vault rows. A rejected document raises before anything is stored.

The interface is plain values (dicts, strings); the web and CLI layers never
touch aggregates or eventsourcing.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from datetime import date, datetime, timezone
from typing import Any

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.persistence import IntegrityError as StoreIntegrityError

from keys.errors import UnknownKeyError
from keys.signer import Signer
from keys.store import KeyStore
from ledger import rules
from ledger.access import Access
from ledger.aggregates import (AGGREGATE_CLASSES, Award, Credential, Issuer, RosterShare, SignedAggregate, Student,
                               TransferOffer)
from ledger.catalog_codes import normalized
from ledger.config import LedgerConfig
from ledger.anchor import LogAnchor
from ledger.log import MerkleLog
from ledger.relations import AMENDED, OFFERED, Change, Drop, Relation, RelationSet, changes_of
from ledger.errors import InputError, IntegrityError, NotFoundError, RejectedError
from ledger.schemas import new_evidence_problems, validate_document
from ledger.store import JournalEntry, JournalRow, LedgerRecorderMixin, Requirement, StatusEntry
from ledger.values import AwardInfo, CredentialInfo, IssuerInfo, RosterShareInfo, StudentInfo, TransferOfferInfo
from ledger.vault import Identity, claims_unsealer, seal, unseal, unsealer
from ledger.witnessing import Witness, Witnessing
from verifiers.dataintegrity import Cryptosuite
from verifiers.didkey import did_key_from_public_key
from verifiers.didweb import method_of
from verifiers.keyhistory import KeyRecord
from verifiers.protocol import documents as d
from verifiers.statuslist import LIST_SIZE
from verifiers.timestamps import format_timestamp

log = logging.getLogger(__name__)
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# A status list takes new awards until this many of its entries are held; then the next list opens.
# Entries are drawn at random among the free ones, and the last tenth is left free, so a draw takes a
# few tries at most and a list never fills in an order that tells when each award was recorded.
STATUS_LIST_FILL = LIST_SIZE * 9 // 10
STATUS_DRAWS = 64  # candidate entries probed in one query


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Receipt:
    """What the ledger tells a caller about an event it stored."""

    type: str
    stream: str
    sequence: int
    hash: str


@dataclass(frozen=True)
class IssueRequest:
    issuer: str  # slug
    student: str
    credential: str  # catalog code
    earned: date
    evidence: dict[str, str | int]
    supersedes: str | None = None


class Ledger(Application):
    """The event-sourced ledger of issuers, catalog, students and awards."""

    name = "Ledger"

    def __init__(
        self,
        config: LedgerConfig,
        keystore: KeyStore,
        *,
        clock: Callable[[], datetime] = utcnow,
        create_tables: bool = False,
    ):
        self.config = config
        self.keystore = keystore
        self.clock = clock
        self.vault_key = keystore.data_key("vault")
        cipher_key = None
        if config.encrypt_events:
            import base64

            cipher_key = base64.b64encode(keystore.data_key("events")).decode()
        super().__init__(env=config.eventsourcing_env(create_tables=create_tables, cipher_key=cipher_key))
        # Opening a key decrypts a file; keep the few signers a process uses.
        self._signers: dict[str, Signer] = {}
        operator_public = keystore.public_key(config.operator_key_id)
        self.operator_did = did_key_from_public_key(operator_public)
        self.operator_key = KeyRecord(config.operator_key_id, operator_public, EPOCH)

    @cached_property
    def transparency_log(self) -> MerkleLog:
        """The transparency log over this ledger's events (ledger.log)."""
        return MerkleLog(self.store, self.signer(self.config.log_key_id), self.config.origin, lambda: self.clock(),
                         LogAnchor(self.config.keys_dir))

    @cached_property
    def witnessing(self) -> Witnessing:
        """The witnesses the log asks to cosign its checkpoints (ledger.witnessing; none unless configured)."""
        return Witnessing(self.transparency_log, [Witness.from_setting(k, u) for k, u in self.config.witnesses],
                          self.config.witness_quorum)

    @property
    def store(self) -> LedgerRecorderMixin:
        recorder = self.recorder
        assert isinstance(recorder, LedgerRecorderMixin)
        return recorder

    def holds_key(self, key_id: str) -> bool:
        return key_id in self._signers or key_id in self.keystore

    def signer(self, key_id: str) -> Signer:
        if key_id not in self._signers:
            try:
                self._signers[key_id] = self.keystore.signer(key_id)
            except UnknownKeyError:
                raise RejectedError("no_signing_key", f"this server does not hold key {key_id}") from None
        return self._signers[key_id]

    # Reading streams -------------------------------------------------------

    def stream(self, stream_id: str) -> SignedAggregate | None:
        """The aggregate of a stream, or None (also the LedgerView that rules read)."""
        try:
            return self.repository.get(uuid.UUID(stream_id))
        except (AggregateNotFoundError, ValueError):
            return None

    # What others read: plain values (ledger.values), never the aggregates themselves.

    def issuer(self, slug: str) -> IssuerInfo:
        issuer = self.stream(d.issuer_stream(slug))
        if not isinstance(issuer, Issuer):
            raise NotFoundError(f"no issuer {slug!r}")
        return IssuerInfo.of(issuer)

    def issuer_by_did(self, did: str) -> IssuerInfo | None:
        # rules.find_issuer reads a whole LedgerView (relations, offers), which the Ledger is not;
        # the same lookup by slug, and the same check that the DID is the issuer's own.
        try:
            issuer = self.issuer(d.issuer_slug_from_did(did))
        except NotFoundError:
            return None
        return issuer if issuer.did == did else None

    def credential(self, code: str) -> CredentialInfo:
        credential = self.stream(d.credential_stream(code))
        if not isinstance(credential, Credential):
            raise NotFoundError(f"no credential {code!r} in the catalog")
        return CredentialInfo.of(credential)

    def student(self, student_id: str) -> StudentInfo:
        student = self.stream(student_id)
        if not isinstance(student, Student):
            raise NotFoundError(f"no student {student_id!r}")
        return StudentInfo.of(student)

    def award(self, award_id: str) -> AwardInfo:
        award = self.stream(award_id)
        if not isinstance(award, Award):
            raise NotFoundError(f"no award {award_id!r}")
        return AwardInfo.of(award, self.clock().date())

    def find_award(self, award_id: str) -> AwardInfo | None:
        """The award, or None when there is none (or the id is not one)."""
        award = self.stream(award_id)
        return AwardInfo.of(award, self.clock().date()) if isinstance(award, Award) else None

    def kind_of(self, stream_id: str) -> str | None:
        """What a stream is ("Issuer", "Student", "Award", …; ledger.aggregates), or None if there is none."""
        aggregate = self.stream(stream_id)
        return type(aggregate).__name__ if aggregate is not None else None

    def issuer_did(self, slug: str) -> str:
        return f"did:web:{self.config.domain.replace(':', '%3A')}:issuers:{slug}"

    def issuers(self) -> list[IssuerInfo]:
        rows = self.store.select_journal_of_type(d.ISSUER_REGISTERED)
        return [IssuerInfo.of(self._load_existing(row.originator_id, Issuer)) for row in rows]

    def credentials(self) -> list[CredentialInfo]:
        rows = self.store.select_journal_of_type(d.CREDENTIAL_DEFINED)
        return [CredentialInfo.of(self._load_existing(row.originator_id, Credential)) for row in rows]

    def _load_existing(self, stream_id: str, kind: type[SignedAggregate]) -> Any:
        aggregate = self.stream(stream_id)
        assert isinstance(aggregate, kind)
        return aggregate

    def documents_of(self, rows: Iterable[JournalRow]) -> Iterator[tuple[JournalRow, dict[str, Any], datetime]]:
        """The signed document and recording time of each journal row."""
        for row in rows:
            (event,) = self.events.get(
                uuid.UUID(row.originator_id), gt=row.originator_version - 1, lte=row.originator_version
            )
            yield row, event.document, event.timestamp  # type: ignore[attr-defined]

    def student_history(self, student_id: str) -> list[tuple[JournalRow, dict[str, Any], datetime]]:
        self.student(student_id)
        return list(self.documents_of(self.store.select_journal_for_student(student_id)))

    def identity(self, student_id: str) -> Identity | None:
        sealed = self.store.select_identity(student_id)
        return None if sealed is None else unseal(sealed, self.vault_key, student_id)

    def identities(self, student_ids: Iterable[str]) -> dict[str, Identity]:
        """The identities of these students (erased ones are absent). A row that does not open is left
        out and logged (by id only): one damaged row must not take an institution's pages down, and
        `credledger audit` names it."""
        result: dict[str, Identity] = {}
        open_row = unsealer(self.vault_key)
        for student_id, sealed in self.store.select_identities(sorted(set(student_ids))):
            try:
                result[student_id] = open_row(sealed, student_id)
            except IntegrityError:
                log.error("the vault row of student %s does not open; run `credledger audit`", student_id)
        return result

    def identity_claims(self, student_ids: Iterable[str]) -> dict[str, dict[str, str]]:
        """The identity claims (name, local id, state id …) of these students, without their salts: what a
        report names 30,000 students by. Erased ones are absent; a row that does not open is left out and
        logged, as by `identities`."""
        open_row = claims_unsealer(self.vault_key)
        result: dict[str, dict[str, str]] = {}
        for student_id, sealed in self.store.select_identities(sorted(set(student_ids))):
            try:
                result[student_id] = open_row(sealed, student_id)
            except IntegrityError:
                log.error("the vault row of student %s does not open; run `credledger audit`", student_id)
        return result

    def erase_identity(self, student_id: str) -> bool:
        """Delete a student's PII and salts; their events and signatures stay valid. The erasure is a
        signed, logged event (no PII) stored in the transaction that deletes the vault row, so the
        audit tells an erased identity from a lost one. False when it was erased before."""
        self.student(student_id)
        if self.stream(d.erasure_stream(student_id)) is not None:
            return False
        with self.batch() as batch:
            batch.sign(d.IDENTITY_ERASED, d.erasure_stream(student_id), actor=self.operator_did, student=student_id)
            batch.erased.append(student_id)
        return True

    # Commands --------------------------------------------------------------

    @contextmanager
    def batch(self) -> Iterator[_Batch]:
        """All-or-nothing: every event added in the block is stored together or not at all."""
        batch = _Batch(self)
        yield batch
        batch.commit()

    def register_issuer(self, slug: str, name: str, kind: str, *, public_key_id: str | None = None) -> str:
        """Register an issuer; the server makes and holds its key unless one is given."""
        key_id = public_key_id or self.keystore.generate(f"issuer:{slug}")
        try:
            with self.batch() as batch:
                batch.sign(
                    d.ISSUER_REGISTERED,
                    d.issuer_stream(slug),
                    actor=self.operator_did,
                    issuer=self.issuer_did(slug),
                    slug=slug,
                    name=name,
                    kind=kind,
                    key=key_id,
                    validFrom=format_timestamp(batch.recorded),
                )
        except Exception:
            if public_key_id is None:
                self._discard_unrecorded_key(slug, key_id)
            raise
        return self.issuer_did(slug)

    def _discard_unrecorded_key(self, slug: str, key_id: str) -> None:
        """After a failed write (refused, or the database failed): keep no key that no event names.
        When the store cannot even be read to tell, the key is kept: an orphan key file is untidy,
        a lost private key of a recorded key is not recoverable."""
        try:
            issuer = self.stream(d.issuer_stream(slug))
        except Exception:
            return
        if not (isinstance(issuer, Issuer) and key_id in issuer.keys):
            self.keystore.destroy(key_id)

    def rotate_issuer_key(self, slug: str) -> str:
        """Add a new server-held key and retire the issuer's current ones, signed by the issuer.

        When the issuer has no valid key left (all compromised or retired), the
        operator signs the new key: the way back after a compromise.
        """
        issuer = self.issuer(slug)
        new_key = self.keystore.generate(f"issuer:{slug}")
        try:
            with self.batch() as batch:
                stream = str(issuer.id)
                old_keys = [k.key_id for k in issuer.valid_keys(batch.recorded)]
                actor = issuer.did if old_keys else self.operator_did
                batch.sign(d.ISSUER_KEY_ADDED, stream, actor=actor, issuer=issuer.did, key=new_key,
                           validFrom=format_timestamp(batch.recorded))
                for key_id in old_keys:
                    batch.sign(d.ISSUER_KEY_RETIRED, stream, actor=issuer.did, issuer=issuer.did,
                               key=key_id, at=format_timestamp(batch.recorded))
        except Exception:
            self._discard_unrecorded_key(slug, new_key)
            raise
        for key_id in old_keys:
            self._signers.pop(key_id, None)
            if key_id in self.keystore:
                self.keystore.destroy(key_id)
        return new_key

    def add_issuer_key(self, slug: str, key_id: str) -> None:
        """Register a public key the issuer holds itself (signed by the operator)."""
        issuer = self.issuer(slug)
        with self.batch() as batch:
            batch.sign(d.ISSUER_KEY_ADDED, str(issuer.id), actor=self.operator_did, issuer=issuer.did,
                       key=key_id, validFrom=format_timestamp(batch.recorded))

    def retire_issuer_key(self, slug: str, key_id: str, at: datetime) -> None:
        issuer = self.issuer(slug)
        with self.batch() as batch:
            batch.sign(d.ISSUER_KEY_RETIRED, str(issuer.id), actor=self.operator_did,
                       issuer=issuer.did, key=key_id, at=format_timestamp(at))

    def declare_key_compromised(self, slug: str, key_id: str, at: datetime) -> None:
        issuer = self.issuer(slug)
        with self.batch() as batch:
            batch.sign(d.ISSUER_KEY_COMPROMISED, str(issuer.id), actor=self.operator_did,
                       issuer=issuer.did, key=key_id, at=format_timestamp(at))

    def define_credential(self, code: str, fields: dict[str, Any], *, owner: str | None = None) -> None:
        """Add a catalog entry, as the operator or (owner=slug) as an issuer."""
        actor = self.issuer(owner).did if owner else self.operator_did
        with self.batch() as batch:
            batch.sign(d.CREDENTIAL_DEFINED, d.credential_stream(code), actor=actor,
                       credential=code, **normalized(fields))  # soc and cip signed as lists

    def update_credential(self, code: str, fields: dict[str, Any]) -> None:
        credential = self.credential(code)
        actor = credential.owner  # the operator, or the issuer that defined the entry
        with self.batch() as batch:
            batch.sign(d.CREDENTIAL_UPDATED, str(credential.id), actor=actor, credential=code, **normalized(fields))

    def register_student(self, issuer_slug: str, claims: dict[str, str], *, cohort: int | None = None) -> str:
        """Register a student: an opaque id in the ledger, the claims sealed in the vault."""
        return self.register_students(issuer_slug, [claims], cohorts=[cohort])[0]

    def register_students(
        self, issuer_slug: str, claims_list: Sequence[dict[str, str]], *, cohorts: Sequence[int | None] | None = None,
        buildings: Sequence[str | None] | None = None,
    ) -> list[str]:
        """`cohorts`: each student's graduating class (the year it graduates in), when known; `buildings`:
        the district's code of the building each attends, when it keeps one. The claims (name, birth_date,
        local_id, and state_id when known) each get their own salted commitment (ledger.vault)."""
        with self.batch() as batch:
            return self.register_into(batch, issuer_slug, claims_list, cohorts=cohorts, buildings=buildings)

    def register_into(
        self, batch: _Batch, issuer_slug: str, claims_list: Sequence[dict[str, str]], *,
        cohorts: Sequence[int | None] | None = None, buildings: Sequence[str | None] | None = None,
    ) -> list[str]:
        """`register_students` within a batch the caller holds (a roster import that also records state
        ids of students already registered: one transaction)."""
        issuer = self.issuer(issuer_slug)
        for claims in claims_list:
            if "birth_date" in claims:
                rules.check_birth_date(claims["birth_date"], self.clock().date())
        ids = []
        for i, claims in enumerate(claims_list):
            student_id = batch.new_stream()
            identity = Identity.new(claims)
            batch.identities[student_id] = seal(identity, self.vault_key, student_id)
            cohort = cohorts[i] if cohorts else None
            building = buildings[i] if buildings else None
            batch.sign(d.STUDENT_REGISTERED, student_id, actor=issuer.did, student=student_id,
                       issuer=issuer.did, subject=identity.commitments(),
                       **({"cohort": cohort} if cohort is not None else {}),
                       **({"building": building} if building else {}))
            ids.append(student_id)
        return ids

    def issue(self, requests: Sequence[IssueRequest]) -> list[str]:
        """Record earned credentials, each signed by its issuer; returns the award ids."""
        award_ids = []
        with self.batch() as batch:
            for request in requests:
                award_id = batch.new_stream()
                batch.sign(d.CREDENTIAL_ISSUED, award_id, **self._issued_fields(batch, request, award_id))
                award_ids.append(award_id)
        return award_ids

    def _issued_fields(self, batch: _Batch, request: IssueRequest, award_id: str) -> dict[str, Any]:
        issuer = batch.existing(d.issuer_stream(request.issuer), Issuer, f"no issuer {request.issuer!r}")
        credential = batch.existing(
            d.credential_stream(request.credential), Credential,
            f"no credential {request.credential!r} in the catalog",
        )
        student = batch.existing(request.student, Student, f"no student {request.student!r}")
        if not rules.may_record(batch, request.student, issuer.did, batch.recorded):
            raise NotFoundError(f"no student {request.student!r}")  # the very answer an unknown id gets
        months = credential.fields.get("validityMonths")
        problems = new_evidence_problems(dict(request.evidence))
        if problems:
            raise InputError(f"{next(iter(problems))}: {next(iter(problems.values()))[0]}", problems)
        return {
            "actor": issuer.did,
            "award": award_id,
            "issuer": issuer.did,
            "student": request.student,
            "credential": request.credential,
            "earned": request.earned.isoformat(),
            "expires": _add_months(request.earned, months).isoformat() if months else None,
            "evidence": dict(request.evidence),
            "subject": student.subject,
            "supersedes": request.supersedes,
            **dict(zip(("statusList", "statusIndex"), batch.allocate_status_entry(issuer.did))),
        }

    def prepare_issue(self, requests: Sequence[IssueRequest]) -> list[dict[str, Any]]:
        """Unsigned CredentialIssued documents, for an issuer that signs on its own machine."""
        batch = _Batch(self)
        documents = []
        for request in requests:
            award_id = batch.new_stream()
            documents.append(batch.unsigned(d.CREDENTIAL_ISSUED, award_id, **self._issued_fields(batch, request, award_id)))
        return documents

    def revoke(self, award_id: str, reason: str, note: str, *, effective: datetime | None = None,
               by: str | None = None, seen: int | None = None) -> None:
        """Revoke as `by` (the slug of the institution acting; default: whoever is custodian).

        The award is read once, in the batch: the custody rule, the signed document and the store's
        version check all see that one state, so a transfer committed meanwhile makes this a
        conflict, never a revocation signed as the new custodian. `seen` is the award's version a
        caller's own check read (a page, the API): a change since then is a conflict too.
        """
        with self.batch() as batch:
            award = batch.existing(award_id, Award, f"no award {award_id!r}", seen=seen)
            actor = self.issuer(by).did if by else award.custodian
            batch.sign(d.CREDENTIAL_REVOKED, award_id, actor=actor, award=award_id, reason=reason,
                       note=note, effective=format_timestamp(effective or batch.recorded))

    def prepare_transfer(self, award_id: str, to_slug: str, reason: str) -> dict[str, Any]:
        """The releasing custodian's half of a transfer: signed, not yet stored."""
        award = self.award(award_id)
        receiver = self.issuer(to_slug)
        batch = _Batch(self)
        return batch.build(d.CREDENTIAL_TRANSFERRED, award_id, actor=award.custodian, award=award_id,
                           **{"from": award.custodian, "to": receiver.did, "reason": reason})

    def sign_export(self, did: str, document: dict[str, Any], suite: Cryptosuite) -> dict[str, Any]:
        """A document derived from the ledger (an Open Badge, a CLR), signed now with `suite` by the
        newest valid key of `did` this server holds, named under the DID (`<did>#<multikey>`, which
        its did:web document lists). Exports are not events: nothing is stored."""
        key_id = _Batch(self).signing_key(did)
        return self.signer(key_id).sign(document, format_timestamp(self.clock()), suite,
                                        verification_method=method_of(did, key_id))

    def countersign(self, document: dict[str, Any], as_slug: str) -> dict[str, Any]:
        """The receiving issuer's countersignature, with a key the server holds."""
        issuer = self.issuer(as_slug)
        key_id = _Batch(self).signing_key(issuer.did)
        return self.signer(key_id).countersign(document, format_timestamp(self.clock()))

    # Who may see a student (ledger.relations, ledger.access) -------------------

    @cached_property
    def access(self) -> Access:
        """The one answer to "may institution X see / record for student S?"."""
        return Access(self.store, self.stream, lambda: self.clock())

    def rebuild_relations(self) -> int:
        """Derive the access facts again from every stored event, in log order (`credledger migrate`:
        a store made before they were kept, or one whose facts the audit found differ); returns how many."""
        facts = RelationSet()
        for start in range(0, self.store.journal_size(), 1000):
            for row, document, _ in self.documents_of(self.store.select_journal(start, 1000)):
                # The stream's final state serves: what changes_of reads of it (an award's student,
                # an offer's awards and receiver) never changes.
                for change in changes_of(document, self.stream(row.originator_id)):
                    facts.apply(change)
        relations = list(facts)
        self.store.replace_relations(relations)
        return len(relations)

    def rebuild_status_entries(self) -> int:
        """Derive the held status list entries again from the signed `CredentialIssued` events
        (`credledger migrate`); returns how many."""
        entries = [(doc["issuer"], doc["statusList"], doc["statusIndex"], doc["award"])
                   for row, doc, _ in self.documents_of(self.store.select_journal_of_type(d.CREDENTIAL_ISSUED))
                   if "statusList" in doc and "statusIndex" in doc]
        self.store.replace_status_entries(entries)
        return len(entries)

    def share_roster(self, granter: str, grantee: str, students: Sequence[str], *, purpose: str, until: date,
                     note: str = "") -> str:
        """Share named students with another institution (slugs), for a purpose, until a day."""
        giver, receiver = self.issuer(granter), self.issuer(grantee)
        with self.batch() as batch:
            share_id = batch.new_stream()
            batch.sign(d.ROSTER_SHARED, share_id, actor=giver.did, share=share_id, grantee=receiver.did,
                       students=list(students), purpose=purpose, until=until.isoformat(), note=note)
        return share_id

    def withdraw_roster_share(self, share_id: str, as_slug: str, reason: str = "") -> None:
        share = self.roster_share(share_id)
        issuer = self.issuer(as_slug)
        if share.granter != issuer.did:
            raise NotFoundError("no such roster share")
        with self.batch() as batch:
            batch.sign(d.ROSTER_SHARE_WITHDRAWN, share_id, actor=issuer.did, share=share_id, reason=reason)

    def roster_share(self, share_id: str) -> RosterShareInfo:
        share = self.stream(share_id)
        if not isinstance(share, RosterShare):
            raise NotFoundError("no such roster share")
        return RosterShareInfo.of(share)

    def held_awards(self, did: str, student_id: str) -> list[str]:
        """The student's awards whose custodian is `did` now."""
        streams = {row.originator_id for row in self.store.select_journal_for_student(student_id)
                   if row.event_type == d.CREDENTIAL_ISSUED}
        return sorted(a for a in streams if self.award(a).custodian == did)

    def offer_transfer(self, from_slug: str, to_slug: str, student_id: str, reason: str,
                       *, awards: Sequence[str] | None = None, seen: Mapping[str, int] | None = None) -> str:
        """Offer `awards` (default: every award `from_slug` holds for the student) to `to_slug`;
        custody moves only when the receiver accepts (`accept_transfer`) or countersigns off-server.
        `seen`: the award versions a caller's own check read; a change the batch sees is a conflict. The
        batch writes only the offer, so a change committed after its read is not re-checked: a transfer
        then overtakes the offer (shown `overtaken`), and acceptance re-reads every award."""
        sender, receiver = self.issuer(from_slug), self.issuer(to_slug)
        awards = list(awards) if awards is not None else self.held_awards(sender.did, student_id)
        if not awards:
            raise RejectedError("nothing_to_transfer", "your institution holds no credentials of this student")
        with self.batch() as batch:
            for award_id, version in (seen or {}).items():
                batch.existing(award_id, Award, f"no award {award_id!r}", seen=version)
            offer_id = batch.new_stream()
            batch.sign(d.TRANSFER_OFFERED, offer_id, actor=sender.did, offer=offer_id, to=receiver.did,
                       student=student_id, awards=awards, reason=reason)
        return offer_id

    def transfer_offer(self, offer_id: str) -> TransferOfferInfo:
        offer = self.stream(offer_id)
        if not isinstance(offer, TransferOffer):
            raise NotFoundError("no such transfer")
        return TransferOfferInfo.of(offer)

    def accept_transfer(self, offer_id: str, as_slug: str) -> list[Receipt]:
        """The receiver accepts: each award's transfer, signed by the sender's server-held key
        (its signed offer is its consent) and countersigned by the receiver's, and the offer
        closed, in one transaction."""
        receiver = self.issuer(as_slug)
        with self.batch() as batch:
            # Read in the batch: a decision or transfer racing this one makes it a conflict at commit,
            # or (read after it) a refusal that says what happened.
            offer = batch.existing(offer_id, TransferOffer, "no such transfer")
            if offer.receiver != receiver.did:
                raise NotFoundError("no such transfer")
            if offer.outcome is not None:
                raise RejectedError("not_pending", f"this transfer was already {offer.outcome}")
            if any(batch.existing(a, Award, f"no award {a!r}").custodian != offer.sender for a in offer.awards):
                raise RejectedError("not_pending", "an award of this transfer moved by another path since it was "
                                                   "offered (the offer is overtaken): nothing to accept")
            try:
                receiver_key = batch.signing_key(receiver.did)
            except RejectedError:
                raise RejectedError(
                    "countersignature_required",
                    f"{receiver.name} signs its own events: it countersigns each transfer on its own machine "
                    "(credledger countersign) and submits them to POST /api/v1/events") from None
            for award_id in offer.awards:
                half = batch.build(d.CREDENTIAL_TRANSFERRED, award_id, actor=offer.sender, award=award_id,
                                   **{"from": offer.sender, "to": offer.receiver, "reason": offer.reason})
                whole = self.signer(receiver_key).countersign(half, batch.recorded_text)
                validate_document(whole)
                batch.add(whole, verify_signatures=False)
            batch.sign(d.TRANSFER_OFFER_CLOSED, offer_id, actor=receiver.did, offer=offer_id, outcome="accepted")
        return batch.receipts

    def close_transfer_offer(self, offer_id: str, as_slug: str, outcome: str) -> None:
        """The receiver declines, or the sender withdraws, a pending offer."""
        offer = self.transfer_offer(offer_id)
        issuer = self.issuer(as_slug)
        if issuer.did not in (offer.sender, offer.receiver):
            raise NotFoundError("no such transfer")
        with self.batch() as batch:
            batch.sign(d.TRANSFER_OFFER_CLOSED, offer_id, actor=issuer.did, offer=offer_id, outcome=outcome)

    def submit(self, documents: Sequence[dict[str, Any]]) -> list[Receipt]:
        """Store events signed elsewhere, after verifying every one of them."""
        with self.batch() as batch:
            for index, document in enumerate(documents):
                validate_document(document, index=index)
                personal = (new_evidence_problems(document.get("evidence", {}))
                            if document.get("type") == d.CREDENTIAL_ISSUED else {})
                if personal:
                    raise InputError(f"events[{index}].evidence: {personal['evidence'][0]}",
                                     {f"events[{index}].evidence": personal["evidence"]})
                batch.add(document, verify_signatures=True)
        return batch.receipts


class _Batch:
    """Events checked and applied in memory, then stored in one transaction."""

    def __init__(self, ledger: Ledger):
        self.ledger = ledger
        self.recorded = ledger.clock()
        self.recorded_text = format_timestamp(self.recorded)
        self.pending: dict[str, SignedAggregate] = {}
        # Streams known not to exist yet (fresh UUIDs, or looked up and missing),
        # so a new award costs no read; the store's primary key still guards it.
        self.absent: set[str] = set()
        self.events: list[Any] = []
        self.journal: dict[tuple[uuid.UUID, int], JournalEntry] = {}
        self.identities: dict[str, bytes] = {}
        self.erased: list[str] = []  # vault rows deleted in the same transaction
        self.resealed: dict[str, bytes] = {}  # existing vault rows sealed anew (ledger.enrollment.sign_state_id)
        self.receipts: list[Receipt] = []
        # Relation facts (ledger.relations): what this batch adds or ends (stored with its events,
        # and kept in `_overlay`), and what it read of the stored ones.
        self.relation_changes: list[Change] = []
        self._overlay = RelationSet()
        self._drops: list[Drop] = []
        self._rows: dict[tuple[str, str], list[Relation]] = {}
        self._stored: dict[Requirement, bool] = {}
        self.required: dict[Requirement, None] = {}  # in order, once each
        # Status list entries (issuer, list, index, award) this batch stores, and the state of each
        # issuer's open list: its number, how many entries are held, free candidates drawn.
        self.statuses: list[StatusEntry] = []
        self._status_held: set[tuple[str, int, int]] = set()  # drawn or stored by this batch
        self._status_stored: set[tuple[str, int, int]] = set()
        self._status_open: dict[str, tuple[int, int]] = {}
        self._status_free: dict[str, list[int]] = {}
        self._related: set[Requirement] = set()  # questions answered yes in this batch
        # The LedgerView that rules.check_document reads.
        self.ledger_id = ledger.config.ledger_id
        self.operator_did = ledger.operator_did
        self.operator_key = ledger.operator_key

    def stream(self, stream_id: str) -> SignedAggregate | None:
        if stream_id in self.pending:
            return self.pending[stream_id]
        if stream_id in self.absent:
            return None
        aggregate = self.ledger.stream(stream_id)
        if aggregate is None:
            self.absent.add(stream_id)
            return None
        self.pending[stream_id] = aggregate
        return aggregate

    def relates(self, student_id: str, institution: str, on: date, bases: frozenset[str]) -> bool:
        """The batch's own facts first; then the stored ones, less any this batch has ended so far. A
        stored fact relied on is read again in the commit's transaction (`required`)."""
        key = (student_id, institution, on.isoformat(), bases)
        if key in self._related or self._overlay.relates(student_id, institution, on, bases):
            self._related.add(key)  # stays true until the batch ends a fact (see add)
            return True
        if not self._drops:  # one indexed probe per pair and question
            if key not in self._stored:
                self._stored[key] = self.ledger.store.has_relation(*key)
            found = self._stored[key]
        else:  # the batch ended facts (a transfer, a withdrawal: rare, and small): look at each stored one
            pair = (student_id, institution)
            if pair not in self._rows:
                self._rows[pair] = self.ledger.store.select_relations(student_id, institution)
            found = any(r.basis in bases and r.active(on) and not any(d.matches(r) for d in self._drops)
                        for r in self._rows[pair])
        if found:
            self.required[key] = None
            self._related.add(key)
        return found

    def amended(self, award_id: str) -> bool:
        return self._fact(award_id, AMENDED)

    def offered(self, award_id: str) -> bool:
        return self._fact(award_id, OFFERED)

    def _fact(self, ref: str, basis: str) -> bool:
        # Facts of these kinds are never ended by a batch that also asks (a transfer ends an offer,
        # but no batch both transfers and offers one award); the store's unique index guards races.
        return self._overlay.exists(ref, basis) or self.ledger.store.relation_exists(ref, basis)

    def allocate_status_entry(self, issuer: str) -> tuple[int, int]:
        """A free entry (list number, index) of `issuer`'s open status list, drawn at random (`secrets`)
        among the free ones; the next list once the open one holds STATUS_LIST_FILL. Only a draw:
        the entry is held when the event is stored (`add`), and the store's key refuses a taken one."""
        number, held = self._open_list(issuer)
        if held >= STATUS_LIST_FILL:
            number, held = number + 1, 0
            self._status_open[issuer] = (number, held)
            self._status_free[issuer] = []
        free = self._status_free.setdefault(issuer, [])
        while not free:
            drawn = list(dict.fromkeys(secrets.randbelow(LIST_SIZE) for _ in range(STATUS_DRAWS)))
            taken = self.ledger.store.status_entries_taken(issuer, number, drawn)
            free.extend(i for i in drawn if i not in taken and (issuer, number, i) not in self._status_held)
        index = free.pop()
        # Held from now on for this batch, stored or not (prepare_issue returns documents unstored).
        self._status_held.add((issuer, number, index))
        return number, index

    def _open_list(self, issuer: str) -> tuple[int, int]:
        """The issuer's open status list (the newest one; 0 before any) and how many entries it holds."""
        if issuer not in self._status_open:
            sizes = self.ledger.store.status_list_sizes(issuer)
            number = max(sizes, default=0)
            self._status_open[issuer] = (number, sizes.get(number, 0))
        return self._status_open[issuer]

    def _hold_status_entry(self, document: Mapping[str, Any], submitted: bool) -> None:
        if document["type"] != d.CREDENTIAL_ISSUED or "statusList" not in document:
            return
        issuer, number, index = document["issuer"], document["statusList"], document["statusIndex"]
        # An issuance signed off the server names the entry it was prepared with (prepare_issue draws
        # it from the open list): a list past the open one is not one it could have been given.
        if submitted and number > self._open_list(issuer)[0]:
            raise RejectedError("status_list_not_open", f"status list {number} of {issuer} is not open "
                                                        f"(the open one is {self._open_list(issuer)[0]}); "
                                                        "prepare the issuance again")
        key = (issuer, number, index)
        if key in self._status_stored or (submitted and (key in self._status_held or
                                                         self.ledger.store.status_entries_taken(issuer, number, [index]))):
            raise RejectedError("status_entry_taken", f"entry {index} of status list {number} of {issuer} is "
                                                      "another award's; prepare the issuance again")
        self._status_held.add(key)
        self._status_stored.add(key)
        self.statuses.append((issuer, number, index, document["award"]))
        if self._status_open.get(issuer, (None, 0))[0] == number:
            self._status_open[issuer] = (number, self._status_open[issuer][1] + 1)

    def new_stream(self) -> str:
        stream_id = str(uuid.uuid4())
        self.absent.add(stream_id)
        return stream_id

    def existing(self, stream_id: str, kind: type[SignedAggregate], message: str, *,
                 seen: int | None = None) -> Any:
        """The stream, which must be a `kind`; at version `seen` if the caller decided on that one."""
        aggregate = self.stream(stream_id)
        if not isinstance(aggregate, kind):
            raise NotFoundError(message)
        if seen is not None and aggregate.version != seen:
            raise RejectedError("conflict", f"{stream_id} changed (version {seen} → {aggregate.version}) "
                                            "since it was read; nothing was stored: read it again and retry")
        return aggregate

    def signing_key(self, did: str) -> str:
        """The newest valid key of `did` whose private part this server holds."""
        if did == self.operator_did:
            return self.operator_key.key_id
        issuer = rules.find_issuer(self, did)
        if issuer is None:
            raise NotFoundError(f"no issuer {did}")
        for record in sorted(issuer.valid_keys(self.recorded), key=lambda k: k.valid_from, reverse=True):
            if self.ledger.holds_key(record.key_id):
                return record.key_id
        raise RejectedError(
            "no_signing_key",
            f"this server holds no valid key of {did}; that issuer signs its events and submits them",
        )

    def build(self, event_type: str, stream_id: str, *, actor: str, **fields: Any) -> dict[str, Any]:
        document = self.unsigned(event_type, stream_id, actor=actor, **fields)
        return self.ledger.signer(self.signing_key(actor)).sign(document, document["time"])

    def unsigned(self, event_type: str, stream_id: str, *, actor: str, **fields: Any) -> dict[str, Any]:
        """The next document of a stream, ready for its signer."""
        existing = self.stream(stream_id)
        return d.unsigned_document(
            event_type,
            ledger=self.ledger_id,
            stream=stream_id,
            sequence=existing.version + 1 if existing else 1,
            previous=existing.last_hash if existing else None,
            actor=actor,
            time=self.recorded_text,
            **fields,
        )

    def sign(self, event_type: str, stream_id: str, *, actor: str, **fields: Any) -> Receipt:
        """Build, sign with a server-held key, check and apply the next event of a stream."""
        document = self.build(event_type, stream_id, actor=actor, **fields)
        # The same shape check as for submitted events, so the ledger never stores what
        # its audit would refuse. Issuance is the hot path (about 170 µs a document
        # here): its fields are built from typed values, and its one free-form part,
        # the evidence, is checked in `_issued_fields` by the schema's own rule.
        if event_type != d.CREDENTIAL_ISSUED:
            validate_document(document)
        # The signature was made a moment ago by our own routine with a key the
        # ledger holds; re-verifying it would only measure Ed25519 twice. Every
        # other check (key validity, authority, chain, state) still runs, and
        # `credledger audit` re-verifies every stored signature.
        self.add(document, verify_signatures=False)
        return self.receipts[-1]

    def add(self, document: dict[str, Any], *, verify_signatures: bool) -> None:
        rules.check_document(document, self, self.recorded, verify_signatures=verify_signatures)
        self._hold_status_entry(document, submitted=verify_signatures)
        stream_id = document["stream"]
        aggregate = self.pending.get(stream_id)
        if aggregate is None:
            kind = AGGREGATE_CLASSES[d.OPENING_EVENTS[document["type"]]]
            aggregate = kind.open(document, self.recorded)
            self.pending[stream_id] = aggregate
            self.absent.discard(stream_id)
        else:
            aggregate.record(document, self.recorded)
        # Keep the batch's order: events are stored in the order they were checked.
        self.events.extend(aggregate.collect_events())
        student_id = document.get("student") or getattr(aggregate, "student", None)
        self.journal[(aggregate.id, aggregate.version)] = JournalEntry(
            event_type=document["type"],
            student_id=student_id,
            leaf=d.leaf_record(document, aggregate.last_hash, self.recorded),
        )
        for change in changes_of(document, aggregate):
            self.relation_changes.append(change)
            self._overlay.apply(change)
            if isinstance(change, Drop):
                self._drops.append(change)
                self._related.clear()
        self.receipts.append(Receipt(document["type"], stream_id, document["sequence"], aggregate.last_hash))

    def commit(self) -> None:
        if not self.events:
            return
        # Application.save() would collect the same events from the aggregates,
        # but in per-aggregate order; we keep the order they were checked in,
        # which is the order audit replays them in.
        processing: ProcessingEvent[uuid.UUID] = ProcessingEvent()
        processing.events.extend(self.events)
        processing.saved_kwargs.update(journal=self.journal, identities=self.identities, erased=self.erased,
                                       relations=self.relation_changes, required=list(self.required),
                                       statuses=self.statuses, resealed=self.resealed)
        try:
            self.ledger._record(processing)
        except StoreIntegrityError:
            raise RejectedError(
                "conflict", "another writer changed one of these records at the same time; retry"
            ) from None


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):  # 31 Jan + 1 month = 28/29 Feb
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def parse_date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError.for_field(field, "expected a date as YYYY-MM-DD") from None

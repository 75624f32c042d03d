"""A hypothesis state machine: random issue / revoke / transfer / rotate / compromise sequences.

A plain-Python model predicts whether each step is legal. Legal steps must
succeed and change the model; illegal ones must raise RejectedError with the
predicted code and store nothing. After every step a NEW ledger opened on the
same files must replay to the model's state (custody, revocations, every
issuer's keys), and at teardown the audit must pass.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
)

from ledger.application import IssueRequest
from ledger.audit import audit
from ledger.errors import RejectedError
from ledger.instance import init_instance, open_ledger
from tests.support import Clock, transfer
from verifiers.protocol import documents as d
from verifiers.timestamps import format_timestamp

PASSPHRASE = "state-machine-passphrase"
SLUGS = ("elm-street", "quarry-ctc", "tidewater")
REASONS = ("issued_in_error", "evidence_withdrawn", "misconduct", "other")
EARNED = date(2026, 4, 15)


@dataclass
class ModelKey:
    valid_from: datetime
    retired_at: datetime | None = None
    compromised_at: datetime | None = None


@dataclass
class ModelIssuer:
    keys: dict[str, ModelKey] = field(default_factory=dict)
    current: str | None = None  # the one valid server-held key, None when all are compromised


@dataclass
class ModelAward:
    custodian: str
    revoked: str | None = None


class LedgerMachine(RuleBasedStateMachine):
    awards = Bundle("awards")

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="credledger-sm-"))
        self.clock = Clock(datetime(2026, 9, 1, 8, 0, tzinfo=timezone.utc))
        self.ledger = init_instance(self.dir, PASSPHRASE, scrypt_n=2**10)
        self.ledger.clock = self.clock
        self.issuers: dict[str, ModelIssuer] = {}
        for slug in SLUGS:
            self.ledger.register_issuer(slug, f"{slug.replace('-', ' ').title()} Schools", "school")
            (key,) = self.ledger.issuer(slug).keys
            self.issuers[slug] = ModelIssuer({key: ModelKey(self.clock())}, key)
        self.ledger.define_credential("epa-608", {
            "name": "EPA Section 608", "certifyingBody": "U.S. EPA", "credentialType": "certification",
            "validityMonths": None, "careerField": "Construction"})
        self.students = self.ledger.register_students("elm-street", [
            {"name": "Corwin Ashgrove", "birth_date": "2008-01-09", "local_id": "ES-11"},
            {"name": "Linnea Strand", "birth_date": "2007-08-23", "local_id": "ES-12"},
        ])
        for slug in SLUGS[1:]:  # the other schools record for Elm Street's students by a roster share
            self.ledger.share_roster("elm-street", slug, self.students, purpose="record",
                                     until=date(2027, 6, 30))
        self.model: dict[str, ModelAward] = {}

    def teardown(self) -> None:
        try:
            report = audit(self.ledger)
            assert report.ok, report.finding
            assert report.events == self.ledger.store.journal_size()
        finally:
            self.ledger.close()
            shutil.rmtree(self.dir, ignore_errors=True)

    # Helpers -----------------------------------------------------------------

    def tick(self) -> None:
        self.clock.now += timedelta(seconds=2)

    def alive(self, slug: str) -> bool:
        return self.issuers[slug].current is not None

    def did(self, slug: str) -> str:
        return self.ledger.issuer_did(slug)

    def refused(self, code: str, action: object) -> None:
        before = (self.ledger.store.journal_size(), self.ledger.recorder.max_notification_id())
        try:
            action()  # type: ignore[operator]
        except RejectedError as e:
            assert e.code == code, f"expected {code}, got {e.code}: {e}"
        else:
            raise AssertionError(f"expected refusal {code}")
        assert (self.ledger.store.journal_size(), self.ledger.recorder.max_notification_id()) == before

    # Rules -------------------------------------------------------------------

    @initialize(target=awards, issuer=st.sampled_from(SLUGS))
    def first_award(self, issuer: str):  # type: ignore[no-untyped-def]
        return self.issue(issuer, 0)

    @rule(target=awards, issuer=st.sampled_from(SLUGS), student=st.integers(0, 1))
    def issue(self, issuer: str, student: int):  # type: ignore[no-untyped-def]
        self.tick()
        request = IssueRequest(issuer, self.students[student], "epa-608", EARNED, {"certificate": "EPA-4471"})
        if not self.alive(issuer):
            self.refused("no_signing_key", lambda: self.ledger.issue([request]))
            return multiple()
        (award,) = self.ledger.issue([request])
        self.model[award] = ModelAward(issuer)
        return award

    @rule(award=awards, reason=st.sampled_from(REASONS))
    def revoke(self, award: str, reason: str) -> None:
        self.tick()
        custodian = self.model[award].custodian
        action = lambda: self.ledger.revoke(award, reason, "Revoked in a generated scenario.")  # noqa: E731
        if not self.alive(custodian):
            self.refused("no_signing_key", action)
        elif self.model[award].revoked is not None:
            self.refused("already_revoked", action)
        else:
            action()
            self.model[award].revoked = reason

    @rule(award=awards, other=st.sampled_from(SLUGS))
    def revoke_by_a_non_custodian(self, award: str, other: str) -> None:
        self.tick()
        if other == self.model[award].custodian or not self.alive(other):
            return
        current = self.ledger.award(award)
        document = d.unsigned_document(
            d.CREDENTIAL_REVOKED, ledger=self.ledger.config.ledger_id, stream=award,
            sequence=current.version + 1, previous=current.last_hash, actor=self.did(other), time=self.clock(),
            award=award, reason="other", note="Not ours.", effective=format_timestamp(self.clock()))
        signer = self.ledger.signer(self.issuers[other].current)  # type: ignore[arg-type]
        self.refused("not_authorized", lambda: self.ledger.submit([signer.sign(document, document["time"])]))

    @rule(award=awards, to=st.sampled_from(SLUGS))
    def transfer(self, award: str, to: str) -> None:
        self.tick()
        custodian = self.model[award].custodian
        action = lambda: transfer(self.ledger, [award], to, "Student changed school")  # noqa: E731
        if not self.alive(custodian) or not self.alive(to):
            self.refused("no_signing_key", action)
        elif to == custodian:
            self.refused("malformed", action)
        else:
            action()
            self.model[award].custodian = to

    @rule(award=awards, to=st.sampled_from(SLUGS))
    def transfer_without_countersignature(self, award: str, to: str) -> None:
        self.tick()
        if not self.alive(self.model[award].custodian):
            return
        half = self.ledger.prepare_transfer(award, to, "Student changed school")
        self.refused("missing_countersignature", lambda: self.ledger.submit([half]))

    @rule(issuer=st.sampled_from(SLUGS))
    def rotate(self, issuer: str) -> None:
        self.tick()
        model = self.issuers[issuer]
        new_key = self.ledger.rotate_issuer_key(issuer)
        if model.current is not None:
            model.keys[model.current].retired_at = self.clock()
        model.keys[new_key] = ModelKey(self.clock())
        model.current = new_key

    @rule(issuer=st.sampled_from(SLUGS), student=st.integers(0, 1))
    def compromise_then_try_to_sign(self, issuer: str, student: int) -> None:
        self.tick()
        model = self.issuers[issuer]
        if model.current is None:
            return
        key = model.current
        at = self.clock() - timedelta(seconds=1)
        self.ledger.declare_key_compromised(issuer, key, at)
        model.keys[key].compromised_at = at
        model.current = None
        # Whoever holds the stolen key now signs an award with it: refused.
        award = str(uuid.uuid4())
        document = d.unsigned_document(
            d.CREDENTIAL_ISSUED, ledger=self.ledger.config.ledger_id, stream=award, sequence=1, previous=None,
            actor=self.did(issuer), time=self.clock(), award=award, issuer=self.did(issuer),
            student=self.students[student], credential="epa-608", earned=EARNED.isoformat(), expires=None,
            evidence={"certificate": "EPA-STOLEN"}, subject=self.ledger.student(self.students[student]).subject,
            supersedes=None)
        signed = self.ledger.signer(key).sign(document, document["time"])
        self.refused("key_not_valid", lambda: self.ledger.submit([signed]))

    # Invariants ----------------------------------------------------------------

    @invariant()
    def replay_reproduces_the_model(self) -> None:
        replayed = open_ledger(self.dir, PASSPHRASE)
        try:
            for ledger in (self.ledger, replayed):
                for award_id, expected in self.model.items():
                    award = ledger.award(award_id)
                    assert award.custodian == self.did(expected.custodian)
                    assert (award.revocation or {}).get("reason") == expected.revoked
                for slug, model in self.issuers.items():
                    keys = ledger.issuer(slug).keys
                    assert {k: (r.valid_from, r.retired_at, r.compromised_at) for k, r in keys.items()} == {
                        k: (m.valid_from, m.retired_at, m.compromised_at) for k, m in model.keys.items()}
            assert replayed.store.journal_size() == self.ledger.store.journal_size()
        finally:
            replayed.close()


LedgerMachine.TestCase.settings = settings(
    max_examples=25, stateful_step_count=20, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestLedgerStateMachine = LedgerMachine.TestCase

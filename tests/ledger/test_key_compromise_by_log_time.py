"""Key compromise uses the log as a clock (issue 3, requirement 6).

An issuer key K signs events at t1; at t3 the operator declares K compromised
as of t2 (t1 < t2 < t3). The time an event was recorded is read from its log
leaf, which a signed checkpoint commits to: events logged before t2 keep
verifying, events logged after t2 do not, and the ledger refuses anything new
signed with K, whatever time the signer claims. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from ledger.application import IssueRequest, Ledger
from ledger.audit import audit
from ledger.errors import RejectedError
from verifiers.checkpoint import verify_checkpoint
from verifiers.errors import KeyValidityError
from verifiers.keyhistory import verify_key_valid_at
from verifiers.merkle import hash_leaf, verify_inclusion
from verifiers.note import Verifier
from verifiers.protocol import documents as d
from verifiers.timestamps import format_timestamp, parse_timestamp

SCHOOL = "elm-street-test-school"
ASE = {"name": "ASE Entry-Level", "certifyingBody": "ASE Education Foundation", "credentialType": "certification",
       "validityMonths": 24, "careerField": "Transportation"}


def issue_one(ledger: Ledger, student: str, certificate: str) -> str:
    (award,) = ledger.issue([IssueRequest(SCHOOL, student, "ase-entry-level", date(2026, 8, 20),
                                          {"certificate": certificate})])
    return award


def logged_time(ledger: Ledger, award: str) -> datetime:
    """When the award's issuance was recorded, according to the log; checked against a signed checkpoint."""
    (row,) = [r for r in ledger.store.select_journal_of_stream(award) if r.originator_version == 1]
    checkpoint = verify_checkpoint(ledger.transparency_log.checkpoint(), Verifier.from_key_string(ledger.transparency_log.verifier_key))
    verify_inclusion(row.position, checkpoint.size, hash_leaf(row.leaf),
                     ledger.transparency_log.inclusion_proof(row.position, checkpoint.size), checkpoint.root_hash)
    return parse_timestamp(json.loads(row.leaf)["recorded"])


def revocation_signed_with(ledger: Ledger, key_id: str, award_id: str, claimed: datetime) -> dict[str, Any]:
    """A revocation signed off-server with `key_id`, dated (by its signer) `claimed`."""
    award = ledger.award(award_id)
    document = d.unsigned_document(
        d.CREDENTIAL_REVOKED, ledger=ledger.config.ledger_id, stream=award_id, sequence=award.version + 1,
        previous=award.last_hash, actor=award.custodian, time=claimed, award=award_id,
        reason="misconduct", note="Fictional revocation by whoever holds the stolen key.",
        effective=format_timestamp(claimed),
    )
    return ledger.signer(key_id).sign(document, document["time"])


def test_compromise_cuts_at_the_logged_time(ledger: Ledger, clock: Any) -> None:
    ledger.register_issuer(SCHOOL, "Elm Street Test School", "school")
    ledger.define_credential("ase-entry-level", ASE)
    student = ledger.register_student(
        SCHOOL, {"name": "Riley Invented", "birth_date": "2008-12-01", "local_id": "ES-7007"})
    (key_id,) = ledger.issuer(SCHOOL).keys

    t1 = clock.advance(hours=1)
    early = [issue_one(ledger, student, "ASE-0001"), issue_one(ledger, student, "ASE-0002")]
    t2 = t1 + timedelta(hours=2)  # the moment K was stolen, learned of later
    clock.advance(hours=3)  # t2 + 1h: signed with K after the theft, before anyone knew
    late = issue_one(ledger, student, "ASE-0003")
    t3 = clock.advance(hours=2)
    ledger.declare_key_compromised(SCHOOL, key_id, t2)
    ledger.transparency_log.integrate()

    record = ledger.issuer(SCHOOL).keys[key_id]
    assert record.compromised_at == t2
    for award in early:
        recorded = logged_time(ledger, award)
        assert recorded == t1 < t2
        verify_key_valid_at(record, recorded)  # still valid: logged before the compromise
    recorded_late = logged_time(ledger, late)
    assert t2 < recorded_late < t3
    with pytest.raises(KeyValidityError):
        verify_key_valid_at(record, recorded_late)

    # Anything new signed with K is refused, even dated before the compromise by its signer.
    before = ledger.store.journal_size()
    for claimed in (t3, t1):
        document = revocation_signed_with(ledger, key_id, early[0], claimed)
        with pytest.raises(RejectedError) as refused:
            ledger.submit([document])
        assert refused.value.code == "key_not_valid"
    # The server will not sign with it either: the issuer has no valid key left.
    with pytest.raises(RejectedError) as refused:
        issue_one(ledger, student, "ASE-0004")
    assert refused.value.code == "no_signing_key"
    assert ledger.store.journal_size() == before

    ledger.transparency_log.integrate()
    report = audit(ledger)
    assert report.ok, report.finding
    assert report.log_size == before


def test_a_key_compromised_from_the_start_invalidates_everything_it_logged(ledger: Ledger, clock: Any) -> None:
    ledger.register_issuer(SCHOOL, "Elm Street Test School", "school")
    ledger.define_credential("ase-entry-level", ASE)
    student = ledger.register_student(
        SCHOOL, {"name": "Riley Invented", "birth_date": "2008-12-01", "local_id": "ES-7007"})
    (key_id,) = ledger.issuer(SCHOOL).keys
    valid_from = ledger.issuer(SCHOOL).keys[key_id].valid_from
    clock.advance(minutes=10)
    award = issue_one(ledger, student, "ASE-0100")
    clock.advance(minutes=10)
    ledger.declare_key_compromised(SCHOOL, key_id, valid_from)
    ledger.transparency_log.integrate()
    with pytest.raises(KeyValidityError):
        verify_key_valid_at(ledger.issuer(SCHOOL).keys[key_id], logged_time(ledger, award))
    assert audit(ledger).ok

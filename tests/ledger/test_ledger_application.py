"""The ledger service on both backends: what it records, and everything it refuses.

Every refusal is checked twice: the exact `RejectedError.code`, and that
nothing at all was stored (journal size and the last notification id are
unchanged). People and schools are fictional.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from keys.signer import Signer
from ledger.application import IssueRequest, Ledger
from ledger.audit import audit
from ledger.errors import InputError, NotFoundError, RejectedError
from verifiers.dataintegrity import proofs_of, verify_proof
from verifiers.didkey import public_key_from_verification_method
from verifiers.protocol import documents as d
from verifiers.timestamps import format_timestamp
from tests.support import transfer

CLAIMS = {"name": "Wren Talbot-Okonkwo", "birth_date": "2008-03-14", "local_id": "MG-204417"}
OSHA = {
    "name": "OSHA 10-Hour General Industry", "certifyingBody": "OSHA Outreach Training Program",
    "credentialType": "certificate", "validityMonths": None, "careerField": "Manufacturing",
}
SERVSAFE = {
    "name": "ServSafe Food Protection Manager", "certifyingBody": "National Restaurant Association",
    "credentialType": "certification", "validityMonths": 60, "careerField": "Hospitality & Tourism",
}
EARNED = date(2026, 5, 20)
EVIDENCE = {"certificate": "SS-9977331", "score": 91}


# Helpers ---------------------------------------------------------------------


def setup_world(ledger: Ledger) -> str:
    """Two server-keyed issuers, a two-entry catalog and one student; returns the student id."""
    ledger.register_issuer("maple-grove", "Maple Grove Unified School District", "district")
    ledger.register_issuer("cedar-ctc", "Cedar Valley Career Center", "cte_center")
    ledger.define_credential("osha10-general", OSHA)
    ledger.define_credential("servsafe-manager", SERVSAFE)
    student = ledger.register_student("maple-grove", CLAIMS)
    # Maple Grove's students attend Cedar Valley half days: the district shares them.
    ledger.share_roster("maple-grove", "cedar-ctc", [student], purpose="record",
                        until=ledger.clock().date() + timedelta(days=300))
    return student


def issue_one(ledger: Ledger, student: str, issuer: str = "maple-grove", **kw: Any) -> str:
    request = IssueRequest(issuer, student, kw.pop("credential", "osha10-general"), kw.pop("earned", EARNED),
                           kw.pop("evidence", EVIDENCE), **kw)
    (award,) = ledger.issue([request])
    return award


def stored(ledger: Ledger) -> tuple[int, int | None]:
    return ledger.store.journal_size(), ledger.recorder.max_notification_id()


@contextmanager
def refused(ledger: Ledger, code: str) -> Iterator[None]:
    """The block raises RejectedError with `code`, and nothing is stored."""
    before = stored(ledger)
    with pytest.raises(RejectedError) as info:
        yield
    assert info.value.code == code, f"{info.value.code}: {info.value}"
    assert stored(ledger) == before


@contextmanager
def nothing_stored(ledger: Ledger) -> Iterator[None]:
    before = stored(ledger)
    yield
    assert stored(ledger) == before


def next_document(ledger: Ledger, event_type: str, stream: str, *, actor: str,
                  time: datetime | None = None, **fields: Any) -> dict[str, Any]:
    """The unsigned next document of `stream`, from the ledger's current state."""
    aggregate = ledger.stream(str(stream))
    return d.unsigned_document(
        event_type, ledger=ledger.config.ledger_id, stream=stream,
        sequence=aggregate.version + 1 if aggregate else 1,
        previous=aggregate.last_hash if aggregate else None,
        actor=actor, time=time or ledger.clock(), **fields,
    )


def signed(signer: Signer, document: dict[str, Any], created: datetime | None = None) -> dict[str, Any]:
    return signer.sign(document, format_timestamp(created) if created else document["time"])


def issued_document(ledger: Ledger, issuer: str, student: str, *, award: str | None = None,
                    earned: date = EARNED, supersedes: str | None = None, actor: str | None = None,
                    **fields: Any) -> dict[str, Any]:
    did = ledger.issuer(issuer).did
    award = award or str(uuid.uuid4())
    body = {"award": award, "issuer": did, "student": student, "credential": "osha10-general",
            "earned": earned.isoformat(), "expires": None, "evidence": dict(EVIDENCE),
            "subject": ledger.student(student).subject, "supersedes": supersedes} | fields
    return next_document(ledger, d.CREDENTIAL_ISSUED, award, actor=actor or did, **body)


def revoked_document(ledger: Ledger, award: str, actor: str, reason: str = "issued_in_error") -> dict[str, Any]:
    return next_document(ledger, d.CREDENTIAL_REVOKED, award, actor=actor, award=award, reason=reason,
                         note="Entered for the wrong student.", effective=format_timestamp(ledger.clock()))


def server_signer(ledger: Ledger, slug: str) -> Signer:
    """The issuer's current server-held key."""
    issuer = ledger.issuer(slug)
    (key,) = [k.key_id for k in issuer.valid_keys(ledger.clock()) if k.key_id in ledger.keystore]
    return ledger.signer(key)


def operator_signer(ledger: Ledger) -> Signer:
    return ledger.signer(ledger.config.operator_key_id)


def external_issuer(ledger: Ledger, slug: str = "birch-academy") -> Signer:
    """Register an issuer whose private key never reaches the server."""
    signer = Signer.generate()
    ledger.register_issuer(slug, "Birch Hollow Academy", "school", public_key_id=signer.key_id)
    assert signer.key_id not in ledger.keystore
    # The students of the world are shared with it, so it may record for them.
    district = ledger.issuer_did("maple-grove")
    students = sorted(ledger.access.registered_by(district)) if _exists(ledger, "maple-grove") else []
    if students:
        ledger.share_roster("maple-grove", slug, students, purpose="record",
                            until=ledger.clock().date() + timedelta(days=300))
    return signer


def _exists(ledger: Ledger, slug: str) -> bool:
    try:
        ledger.issuer(slug)
    except NotFoundError:
        return False
    return True


# Happy paths -----------------------------------------------------------------


def test_register_issuer_records_name_kind_and_a_server_held_key(ledger: Ledger) -> None:
    did = ledger.register_issuer("maple-grove", "Maple Grove Unified School District", "district")
    issuer = ledger.issuer("maple-grove")
    assert did == issuer.did == ledger.issuer_did("maple-grove")
    assert did.startswith("did:web:") and did.endswith(":issuers:maple-grove")
    assert (issuer.name, issuer.kind, issuer.slug) == ("Maple Grove Unified School District", "district", "maple-grove")
    (key,) = issuer.keys.values()
    assert key.key_id in ledger.keystore
    assert key.valid_from == ledger.clock() and key.retired_at is None and key.compromised_at is None
    assert [i.slug for i in ledger.issuers()] == ["maple-grove"]


def test_registration_is_signed_by_the_operator(ledger: Ledger) -> None:
    ledger.register_issuer("maple-grove", "Maple Grove Unified School District", "district")
    ((_, document, recorded),) = ledger.documents_of(ledger.store.select_journal_of_type(d.ISSUER_REGISTERED))
    assert document["actor"] == ledger.operator_did
    (proof,) = proofs_of(document)
    assert proof["verificationMethod"] == ledger.config.operator_key_id
    verify_proof(document, proof, public_key_from_verification_method(ledger.config.operator_key_id))
    assert recorded == ledger.clock()


def test_catalog_entries_are_defined_listed_and_updated(ledger: Ledger) -> None:
    setup_world(ledger)
    assert [c.code for c in ledger.credentials()] == ["osha10-general", "servsafe-manager"]
    assert ledger.credential("servsafe-manager").fields == SERVSAFE
    ledger.update_credential("servsafe-manager", {"name": "ServSafe Manager (7th ed.)"})
    assert ledger.credential("servsafe-manager").fields["name"] == "ServSafe Manager (7th ed.)"
    with pytest.raises(NotFoundError):
        ledger.credential("no-such-entry")


def test_an_issuer_may_define_its_own_catalog_entry(ledger: Ledger) -> None:
    setup_world(ledger)
    ledger.define_credential("cedar-welding-1", OSHA | {"name": "Cedar Welding Level 1"}, owner="cedar-ctc")
    entry = ledger.credential("cedar-welding-1")
    assert entry.owner == ledger.issuer("cedar-ctc").did
    ledger.update_credential("cedar-welding-1", {"careerField": "Manufacturing"})
    assert entry.owner == ledger.credential("cedar-welding-1").owner


def test_student_is_an_opaque_id_with_one_commitment_per_claim(ledger: Ledger) -> None:
    student_id = setup_world(ledger)
    assert str(uuid.UUID(student_id)) == student_id
    student = ledger.student(student_id)
    assert student.registered_by == ledger.issuer("maple-grove").did
    assert sorted(student.subject) == ["birth_date", "local_id", "name"]
    assert all(len(c) == 64 for c in student.subject.values())


def test_a_birth_date_is_plausible_on_the_ledgers_clock(ledger: Ledger) -> None:
    """On the ledger's clock (2026-09-01 here), not the machine's: a day after it is a typo."""
    setup_world(ledger)
    tomorrow = (ledger.clock().date() + timedelta(days=1)).isoformat()
    for birth_date, problem in ((tomorrow, "birth_date: not a plausible birth date"),
                                ("1899-12-31", "birth_date: not a plausible birth date"),
                                ("2008-02-30", "birth_date: not a date (YYYY-MM-DD)")):
        with nothing_stored(ledger), pytest.raises(InputError) as refused_input:
            ledger.register_student("maple-grove", CLAIMS | {"birth_date": birth_date})
        assert str(refused_input.value) == problem
    assert ledger.student(ledger.register_student("maple-grove", CLAIMS | {"birth_date": "1900-01-01"}))


def test_issue_records_the_award_with_its_expiry(ledger: Ledger) -> None:
    student = setup_world(ledger)
    (osha, servsafe) = ledger.issue([
        IssueRequest("maple-grove", student, "osha10-general", EARNED, EVIDENCE),
        IssueRequest("cedar-ctc", student, "servsafe-manager", date(2024, 1, 31), {"certificate": "NRA-551"}),
    ])
    award = ledger.award(osha)
    assert (award.issuer, award.custodian) == (ledger.issuer("maple-grove").did,) * 2
    assert (award.student, award.credential, award.earned, award.expires) == (student, "osha10-general", "2026-05-20", None)
    assert award.revocation is None and award.supersedes is None
    assert ledger.award(servsafe).expires == "2029-01-31"  # 60 months
    assert ledger.award(servsafe).custodian == ledger.issuer("cedar-ctc").did
    history = [doc["type"] for _, doc, _ in ledger.student_history(student)]
    assert history == [d.STUDENT_REGISTERED, d.CREDENTIAL_ISSUED, d.CREDENTIAL_ISSUED]
    assert audit(ledger).ok


def test_journal_positions_are_dense_and_follow_storage_order(ledger: Ledger) -> None:
    student = setup_world(ledger)
    issue_one(ledger, student)
    rows = ledger.store.select_journal(0, 100)
    assert [r.position for r in rows] == list(range(len(rows))) == list(range(ledger.store.journal_size()))
    ids = [r.notification_id for r in rows]
    assert ids == sorted(ids)


def test_revoke_records_reason_note_and_effective_time(ledger: Ledger) -> None:
    student = setup_world(ledger)
    award = issue_one(ledger, student)
    ledger.revoke(award, "evidence_withdrawn", "The testing body voided the session.")
    revocation = ledger.award(award).revocation
    assert revocation == {"reason": "evidence_withdrawn", "note": "The testing body voided the session.",
                          "effective": format_timestamp(ledger.clock())}
    assert audit(ledger).ok


def test_transfer_with_both_keys_on_the_server_completes(ledger: Ledger) -> None:
    student = setup_world(ledger)
    awards = ledger.issue([IssueRequest("maple-grove", student, c, EARNED, EVIDENCE)
                           for c in ("osha10-general", "servsafe-manager")])
    receipts = transfer(ledger, awards, "cedar-ctc", "Student enrolled at Cedar Valley")
    assert [(r.type, r.stream, r.sequence) for r in receipts] == [(d.CREDENTIAL_TRANSFERRED, a, 2) for a in awards]
    assert {ledger.award(a).custodian for a in awards} == {ledger.issuer("cedar-ctc").did}
    assert {ledger.award(a).issuer for a in awards} == {ledger.issuer("maple-grove").did}
    assert audit(ledger).ok


def test_externally_signed_events_are_verified_and_stored(ledger: Ledger) -> None:
    student = setup_world(ledger)
    signer = external_issuer(ledger)
    document = signed(signer, issued_document(ledger, "birch-academy", student))
    (receipt,) = ledger.submit([document])
    assert (receipt.type, receipt.stream, receipt.sequence) == (d.CREDENTIAL_ISSUED, document["stream"], 1)
    assert receipt.hash == d.document_hash(document)
    award = ledger.award(document["stream"])
    assert award.custodian == ledger.issuer("birch-academy").did
    ledger.submit([signed(signer, revoked_document(ledger, award.id.__str__(), award.custodian))])
    assert ledger.award(document["stream"]).revocation is not None
    assert audit(ledger).ok


def test_personal_data_as_evidence_is_refused_by_every_command_that_makes_an_issuance(ledger: Ledger) -> None:
    # The rule lives in the ledger (ledger.schemas.new_evidence_problems): console, CSV import, API single and
    # batch and the CLI all issue through `issue`; institutions holding their keys submit signed events.
    student = setup_world(ledger)
    signer = external_issuer(ledger)
    journal = ledger.store.journal_size()
    with pytest.raises(InputError) as made:
        ledger.issue([IssueRequest("maple-grove", student, "osha10-general", EARNED,
                                   {"certificate": "OSHA-1", "Candidate Email": "rowan@example.org"})])
    assert list(made.value.errors) == ["evidence"] and "looks like personal data" in made.value.errors["evidence"][0]
    document = issued_document(ledger, "birch-academy", student, evidence={"phone": "555-0100"})
    with pytest.raises(InputError) as submitted:
        ledger.submit([signed(signer, document)])
    assert list(submitted.value.errors) == ["events[0].evidence"]
    assert "555-0100" not in str(submitted.value) and "rowan@example.org" not in str(made.value)
    assert ledger.store.journal_size() == journal


# Refusals: every code a caller can trigger -------------------------------------


def test_wrong_ledger(ledger: Ledger) -> None:
    student = setup_world(ledger)
    signer = external_issuer(ledger)
    document = issued_document(ledger, "birch-academy", student) | {"ledger": str(uuid.uuid4())}
    with refused(ledger, "wrong_ledger"):
        ledger.submit([signed(signer, document)])


def test_stream_exists(ledger: Ledger) -> None:
    setup_world(ledger)
    keys_before = ledger.keystore.key_ids()
    with refused(ledger, "stream_exists"):
        ledger.register_issuer("maple-grove", "Maple Grove Again", "district")
    assert ledger.keystore.key_ids() == keys_before  # the key made for it was not kept
    with refused(ledger, "stream_exists"):
        ledger.define_credential("osha10-general", OSHA)


@pytest.mark.parametrize("change", ["sequence_ahead", "previous", "opening_sequence"])
def test_broken_chain(ledger: Ledger, change: str) -> None:
    student = setup_world(ledger)
    signer = external_issuer(ledger)
    (award,) = ledger.submit([signed(signer, issued_document(ledger, "birch-academy", student))])
    if change == "opening_sequence":
        document = issued_document(ledger, "birch-academy", student) | {"sequence": 2}
    else:
        document = revoked_document(ledger, award.stream, ledger.issuer("birch-academy").did)
        document |= {"sequence_ahead": {"sequence": 3}, "previous": {"previous": "0" * 64}}[change]
    with refused(ledger, "broken_chain"):
        ledger.submit([signed(signer, document)])


def test_an_event_built_on_a_state_that_moved_on_is_a_conflict(ledger: Ledger) -> None:
    """Issue 10, finding 8: a race loser (its stream moved on after it was built) was told
    `broken_chain`; the truth is `conflict`."""
    student = setup_world(ledger)
    signer = external_issuer(ledger)
    (award,) = ledger.submit([signed(signer, issued_document(ledger, "birch-academy", student))])
    late = revoked_document(ledger, award.stream, ledger.issuer("birch-academy").did)
    ledger.submit([signed(signer, revoked_document(ledger, award.stream, ledger.issuer("birch-academy").did))])
    with refused(ledger, "conflict"):
        ledger.submit([signed(signer, late)])


def test_unsigned(ledger: Ledger) -> None:
    student = setup_world(ledger)
    document = issued_document(ledger, "maple-grove", student)
    with refused(ledger, "unsigned"):
        with ledger.batch() as batch:
            batch.add(document, verify_signatures=True)


def test_unsigned_is_an_input_error_at_submit(ledger: Ledger) -> None:
    student = setup_world(ledger)
    with nothing_stored(ledger), pytest.raises(InputError) as info:
        ledger.submit([issued_document(ledger, "maple-grove", student)])
    assert "events[0].proof" in info.value.errors


def test_unexpected_proof(ledger: Ledger) -> None:
    student = setup_world(ledger)
    signer = external_issuer(ledger)
    document = signed(signer, issued_document(ledger, "birch-academy", student))
    twice = signer.countersign(document, document["time"])
    with refused(ledger, "unexpected_proof"):
        ledger.submit([twice])


def test_unknown_key(ledger: Ledger) -> None:
    student = setup_world(ledger)
    external_issuer(ledger)
    stranger = Signer.generate()
    with refused(ledger, "unknown_key"):
        ledger.submit([signed(stranger, issued_document(ledger, "birch-academy", student))])


def test_an_unregistered_issuer_cannot_issue(ledger: Ledger) -> None:
    student = setup_world(ledger)
    outsider = Signer.generate()
    nowhere = "did:web:localhost%3A5000:issuers:nowhere-high"
    document = issued_document(ledger, "maple-grove", student) | {"actor": nowhere, "issuer": nowhere}
    with refused(ledger, "unknown_key"):
        ledger.submit([signed(outsider, document)])


@pytest.mark.parametrize("tamper", ["evidence", "earned", "proof_created", "verification_method", "proof_value"])
def test_bad_signature(ledger: Ledger, tamper: str) -> None:
    student = setup_world(ledger)
    signer = external_issuer(ledger)
    document = signed(signer, issued_document(ledger, "birch-academy", student))
    other = signed(signer, issued_document(ledger, "birch-academy", student))
    proof = dict(document["proof"])
    if tamper == "evidence":
        document["evidence"] = {"certificate": "SS-9977332", "score": 91}
    elif tamper == "earned":
        document["earned"] = "2026-05-19"
    elif tamper == "proof_created":
        proof["created"] = format_timestamp(ledger.clock() + timedelta(seconds=1))
    elif tamper == "verification_method":
        # A forgery: someone else's signature presented under the issuer's key id.
        proof = dict(signed(Signer.generate(), issued_document(ledger, "birch-academy", student))["proof"])
        proof["verificationMethod"] = signer.key_id
    else:
        proof["proofValue"] = other["proof"]["proofValue"]
    if tamper in ("proof_created", "verification_method", "proof_value"):
        document["proof"] = proof
    with refused(ledger, "bad_signature"):
        ledger.submit([document])


def test_key_not_valid_after_retirement(ledger: Ledger, clock: Any) -> None:
    student = setup_world(ledger)
    old = external_issuer(ledger)
    new = Signer.generate()
    ledger.add_issuer_key("birch-academy", new.key_id)
    ledger.retire_issuer_key("birch-academy", old.key_id, clock())
    clock.advance(minutes=1)
    with refused(ledger, "key_not_valid"):
        ledger.submit([signed(old, issued_document(ledger, "birch-academy", student))])
    ledger.submit([signed(new, issued_document(ledger, "birch-academy", student))])
    assert audit(ledger).ok


def test_key_not_valid_before_it_was_added(ledger: Ledger, clock: Any) -> None:
    student = setup_world(ledger)
    external_issuer(ledger)
    late = Signer.generate()
    ledger.add_issuer_key("birch-academy", late.key_id)
    clock.advance(minutes=10)
    early = clock() - timedelta(minutes=20)
    with refused(ledger, "key_not_valid"):
        ledger.submit([signed(late, issued_document(ledger, "birch-academy", student), created=early)])


def test_clock_skew(ledger: Ledger, clock: Any) -> None:
    student = setup_world(ledger)
    signer = external_issuer(ledger)
    ahead = clock() + timedelta(minutes=6)
    with refused(ledger, "clock_skew"):
        ledger.submit([signed(signer, issued_document(ledger, "birch-academy", student), created=ahead)])
    # Within the tolerated skew it is accepted.
    ledger.submit([signed(signer, issued_document(ledger, "birch-academy", student),
                          created=clock() + timedelta(minutes=4))])


def test_not_authorized_non_operator_registers_an_issuer(ledger: Ledger) -> None:
    setup_world(ledger)
    signer = external_issuer(ledger)
    slug = "rogue-school"
    document = next_document(
        ledger, d.ISSUER_REGISTERED, str(d.issuer_stream(slug)), actor=ledger.issuer("birch-academy").did,
        issuer=ledger.issuer_did(slug), slug=slug, name="Rogue School", kind="school",
        key=Signer.generate().key_id, validFrom=format_timestamp(ledger.clock()),
    )
    with refused(ledger, "not_authorized"):
        ledger.submit([signed(signer, document)])


def test_not_authorized_operator_issues_or_registers_a_student(ledger: Ledger) -> None:
    student = setup_world(ledger)
    operator = operator_signer(ledger)
    document = issued_document(ledger, "maple-grove", student, actor=ledger.operator_did)
    with refused(ledger, "not_authorized"):
        ledger.submit([signed(operator, document)])
    student_id = str(uuid.uuid4())
    registration = next_document(ledger, d.STUDENT_REGISTERED, student_id, actor=ledger.operator_did,
                                 student=student_id, issuer=ledger.issuer("maple-grove").did,
                                 subject=ledger.student(student).subject)
    with refused(ledger, "not_authorized"):
        ledger.submit([signed(operator, registration)])


def test_not_authorized_issuer_revokes_another_custodians_award(ledger: Ledger) -> None:
    student = setup_world(ledger)
    award = issue_one(ledger, student, "maple-grove")
    cedar = ledger.issuer("cedar-ctc").did
    with refused(ledger, "not_authorized"):
        ledger.submit([signed(server_signer(ledger, "cedar-ctc"), revoked_document(ledger, award, cedar))])
    assert ledger.award(award).revocation is None


def test_not_authorized_transfer_by_a_non_custodian_even_countersigned(ledger: Ledger) -> None:
    student = setup_world(ledger)
    receiver = external_issuer(ledger)
    award = issue_one(ledger, student, "maple-grove")
    cedar = ledger.issuer("cedar-ctc").did
    document = next_document(ledger, d.CREDENTIAL_TRANSFERRED, award, actor=cedar, award=award,
                             **{"from": cedar, "to": ledger.issuer("birch-academy").did, "reason": "grab"})
    document = signed(server_signer(ledger, "cedar-ctc"), document)
    document = receiver.countersign(document, document["time"])
    with refused(ledger, "not_authorized"):
        ledger.submit([document])


def test_not_authorized_issuer_adds_a_key_to_another_issuer(ledger: Ledger) -> None:
    setup_world(ledger)
    maple = ledger.issuer("maple-grove")
    document = next_document(ledger, d.ISSUER_KEY_ADDED, str(maple.id), actor=ledger.issuer("cedar-ctc").did,
                             issuer=maple.did, key=Signer.generate().key_id,
                             validFrom=format_timestamp(ledger.clock()))
    with refused(ledger, "not_authorized"):
        ledger.submit([signed(server_signer(ledger, "cedar-ctc"), document)])


def test_not_authorized_issuer_updates_the_operators_catalog_entry(ledger: Ledger) -> None:
    setup_world(ledger)
    document = next_document(ledger, d.CREDENTIAL_UPDATED, str(d.credential_stream("osha10-general")),
                             actor=ledger.issuer("cedar-ctc").did, credential="osha10-general", name="Renamed")
    with refused(ledger, "not_authorized"):
        ledger.submit([signed(server_signer(ledger, "cedar-ctc"), document)])


def test_already_revoked(ledger: Ledger) -> None:
    student = setup_world(ledger)
    award = issue_one(ledger, student)
    ledger.revoke(award, "issued_in_error", "Wrong student.")
    with refused(ledger, "already_revoked"):
        ledger.revoke(award, "misconduct", "Again.")


def test_not_superseded(ledger: Ledger) -> None:
    student = setup_world(ledger)
    active = issue_one(ledger, student)
    with refused(ledger, "not_superseded"):
        issue_one(ledger, student, supersedes=active)
    ledger.revoke(active, "issued_in_error", "Wrong student.")
    with refused(ledger, "not_superseded"):
        issue_one(ledger, student, supersedes=active)


def test_amendment_revokes_as_superseded_then_issues_the_correction(ledger: Ledger) -> None:
    student = setup_world(ledger)
    old = issue_one(ledger, student, earned=date(2026, 5, 27))
    ledger.revoke(old, "superseded", "Earned date corrected from the score report.")
    new = issue_one(ledger, student, earned=date(2026, 5, 20), supersedes=old)
    assert ledger.award(new).supersedes == old
    assert ledger.award(old).revocation["reason"] == "superseded"
    assert audit(ledger).ok


def test_supersedes_must_be_the_same_students_award(ledger: Ledger) -> None:
    student = setup_world(ledger)
    other = ledger.register_student("maple-grove", {"name": "Juno Achterberg", "birth_date": "2007-11-02",
                                                    "local_id": "MG-204418"})
    theirs = issue_one(ledger, other)
    ledger.revoke(theirs, "superseded", "Corrected.")
    with refused(ledger, "not_found"):
        issue_one(ledger, student, supersedes=theirs)


def test_future_date(ledger: Ledger, clock: Any) -> None:
    student = setup_world(ledger)
    with refused(ledger, "future_date"):
        issue_one(ledger, student, earned=clock().date() + timedelta(days=2))
    issue_one(ledger, student, earned=clock().date() + timedelta(days=1))  # time zones: a day's grace


def test_no_signing_key(ledger: Ledger) -> None:
    student = setup_world(ledger)
    external_issuer(ledger)
    with refused(ledger, "no_signing_key"):
        issue_one(ledger, student, "birch-academy")
    award = issue_one(ledger, student, "maple-grove")
    with refused(ledger, "no_signing_key"):
        transfer(ledger, [award], "birch-academy", "moved")  # the receiver's key is not here


def test_other_state_rules(ledger: Ledger, clock: Any) -> None:
    student = setup_world(ledger)
    signer = external_issuer(ledger)
    award = issue_one(ledger, student)
    key = signer.key_id
    with refused(ledger, "malformed"):  # to its own custodian
        transfer(ledger, [award], "maple-grove", "nowhere")
    with refused(ledger, "malformed"):
        ledger.submit([signed(signer, issued_document(ledger, "birch-academy", student, expires="2026-01-01"))])
    with refused(ledger, "not_found"):  # a revocation of an award that does not exist
        ghost = str(uuid.uuid4())
        ledger.submit([signed(signer, next_document(
            ledger, d.CREDENTIAL_REVOKED, ghost, actor=ledger.issuer("birch-academy").did, award=ghost,
            reason="other", note="?", effective=format_timestamp(clock())))])
    with refused(ledger, "backdated"):
        ledger.retire_issuer_key("birch-academy", key, clock() - timedelta(hours=1))
    with refused(ledger, "duplicate_key"):
        ledger.add_issuer_key("birch-academy", key)
    with refused(ledger, "future_compromise"):
        ledger.declare_key_compromised("birch-academy", key, clock() + timedelta(hours=1))
    with refused(ledger, "unknown_key"):
        ledger.declare_key_compromised("birch-academy", Signer.generate().key_id, clock())
    ledger.retire_issuer_key("birch-academy", key, clock() + timedelta(days=30))
    with refused(ledger, "already_retired"):
        ledger.retire_issuer_key("birch-academy", key, clock() + timedelta(days=40))
    ledger.declare_key_compromised("birch-academy", key, clock())
    with refused(ledger, "already_compromised"):
        ledger.declare_key_compromised("birch-academy", key, clock())
    # A malformed key is bad input, caught by the document's shape check before any rule runs.
    with nothing_stored(ledger), pytest.raises(InputError, match=r"events\[0\]\.key"):
        ledger.register_issuer("oak-ridge", "Oak Ridge High", "school", public_key_id="did:key:z6Mkabc#z6Mkabc")
    assert audit(ledger).ok


def test_unknown_references_are_not_found_and_store_nothing(ledger: Ledger) -> None:
    student = setup_world(ledger)
    ghost = str(uuid.uuid4())
    for request in (IssueRequest("maple-grove", ghost, "osha10-general", EARNED, {}),
                    IssueRequest("maple-grove", student, "no-such-entry", EARNED, {}),
                    IssueRequest("nowhere-high", student, "osha10-general", EARNED, {})):
        with nothing_stored(ledger), pytest.raises(NotFoundError):
            ledger.issue([request])
    for call in (lambda: ledger.revoke(ghost, "other", "?"), lambda: ledger.issuer("nowhere-high"),
                 lambda: ledger.student(ghost), lambda: ledger.award(student),
                 lambda: ledger.prepare_transfer(ghost, "cedar-ctc", "?")):
        with nothing_stored(ledger), pytest.raises(NotFoundError):
            call()


def test_malformed_submission_is_an_input_error_naming_the_member(ledger: Ledger) -> None:
    student = setup_world(ledger)
    signer = external_issuer(ledger)
    good = signed(signer, issued_document(ledger, "birch-academy", student))
    bad = signed(signer, issued_document(ledger, "birch-academy", student)) | {"evidence": {"score": 9.5}}
    with nothing_stored(ledger), pytest.raises(InputError) as info:
        ledger.submit([good, bad])
    assert list(info.value.errors) == ["events[1].evidence.score"]


# Batches are all or nothing ----------------------------------------------------


def test_a_batch_whose_last_request_is_refused_stores_none(ledger: Ledger, clock: Any) -> None:
    student = setup_world(ledger)
    requests = [IssueRequest("maple-grove", student, "osha10-general", EARNED, {"certificate": f"OSHA-{i}"})
                for i in range(5)]
    requests.append(IssueRequest("maple-grove", student, "osha10-general", clock().date() + timedelta(days=9), {}))
    with refused(ledger, "future_date"):
        ledger.issue(requests)
    assert [doc["type"] for _, doc, _ in ledger.student_history(student)] == [d.STUDENT_REGISTERED]
    with nothing_stored(ledger), pytest.raises(NotFoundError):
        ledger.issue(requests[:5] + [IssueRequest("maple-grove", str(uuid.uuid4()), "osha10-general", EARNED, {})])
    assert len(ledger.issue(requests[:5])) == 5


def test_a_submitted_batch_with_one_forgery_stores_none(ledger: Ledger) -> None:
    student = setup_world(ledger)
    signer = external_issuer(ledger)
    documents = [signed(signer, issued_document(ledger, "birch-academy", student)) for _ in range(3)]
    documents[-1] = documents[-1] | {"evidence": {"certificate": "FORGED-1"}}
    with refused(ledger, "bad_signature"):
        ledger.submit(documents)
    assert len(ledger.submit(documents[:2])) == 2


def test_a_batch_may_chain_events_of_one_stream(ledger: Ledger) -> None:
    student = setup_world(ledger)
    signer = external_issuer(ledger)
    issued = signed(signer, issued_document(ledger, "birch-academy", student))
    did = ledger.issuer("birch-academy").did
    revocation = signed(signer, d.unsigned_document(
        d.CREDENTIAL_REVOKED, ledger=ledger.config.ledger_id, stream=issued["stream"], sequence=2,
        previous=d.document_hash(issued), actor=did, time=ledger.clock(), award=issued["stream"],
        reason="other", note="Same batch.", effective=format_timestamp(ledger.clock())))
    receipts = ledger.submit([issued, revocation])
    assert [r.sequence for r in receipts] == [1, 2]
    assert ledger.award(issued["stream"]).revocation["reason"] == "other"


# Keys: rotation and compromise ---------------------------------------------------


def test_rotation_keeps_earlier_awards_valid(ledger: Ledger, clock: Any) -> None:
    student = setup_world(ledger)
    before = issue_one(ledger, student, "cedar-ctc")
    (old_key,) = ledger.issuer("cedar-ctc").keys
    clock.advance(minutes=5)
    new_key = ledger.rotate_issuer_key("cedar-ctc")
    keys = ledger.issuer("cedar-ctc").keys
    assert keys[old_key].retired_at == clock() and keys[new_key].valid_from == clock()
    assert old_key not in ledger.keystore and new_key in ledger.keystore
    clock.advance(minutes=5)
    after = issue_one(ledger, student, "cedar-ctc")
    history = {doc["stream"]: doc for _, doc, _ in ledger.student_history(student)}
    assert history[before]["proof"]["verificationMethod"] == old_key
    assert history[after]["proof"]["verificationMethod"] == new_key
    report = audit(ledger)
    assert report.ok and report.events == ledger.store.journal_size()


def test_compromise_invalidates_only_what_comes_after(ledger: Ledger, clock: Any) -> None:
    student = setup_world(ledger)
    signer = external_issuer(ledger)
    early = ledger.submit([signed(signer, issued_document(ledger, "birch-academy", student))])[0].stream
    signed_at = clock() + timedelta(minutes=10)
    clock.advance(hours=1)
    compromised_at = clock() - timedelta(minutes=30)  # declared now, effective in the past
    ledger.declare_key_compromised("birch-academy", signer.key_id, compromised_at)
    assert ledger.issuer("birch-academy").keys[signer.key_id].compromised_at == compromised_at
    assert audit(ledger).ok  # the award recorded before the compromise stays valid
    with refused(ledger, "key_not_valid"):
        ledger.submit([signed(signer, issued_document(ledger, "birch-academy", student))])
    with refused(ledger, "key_not_valid"):  # backdating the proof does not help: it is recorded now
        ledger.submit([signed(signer, issued_document(ledger, "birch-academy", student), created=signed_at)])
    with refused(ledger, "key_not_valid"):  # nor can the thief revoke
        ledger.submit([signed(signer, revoked_document(ledger, early, ledger.issuer("birch-academy").did))])
    replacement = Signer.generate()
    ledger.add_issuer_key("birch-academy", replacement.key_id)
    ledger.submit([signed(replacement, issued_document(ledger, "birch-academy", student))])
    assert audit(ledger).ok


def test_a_compromised_server_held_issuer_recovers_by_rotation(ledger: Ledger, clock: Any) -> None:
    student = setup_world(ledger)
    issue_one(ledger, student, "cedar-ctc")
    (key,) = ledger.issuer("cedar-ctc").keys
    clock.advance(hours=1)
    ledger.declare_key_compromised("cedar-ctc", key, clock() - timedelta(minutes=10))
    with refused(ledger, "no_signing_key"):
        issue_one(ledger, student, "cedar-ctc")
    with refused(ledger, "key_not_valid"):
        ledger.submit([signed(ledger.signer(key), issued_document(ledger, "cedar-ctc", student))])
    new_key = ledger.rotate_issuer_key("cedar-ctc")  # signed by the operator: no valid issuer key is left
    award = issue_one(ledger, student, "cedar-ctc")
    assert ledger.award(award).custodian == ledger.issuer("cedar-ctc").did
    assert ledger.issuer("cedar-ctc").keys[new_key].compromised_at is None
    assert audit(ledger).ok


# Transfers -------------------------------------------------------------------


def test_transfer_needs_the_receivers_countersignature(ledger: Ledger) -> None:
    student = setup_world(ledger)
    award = issue_one(ledger, student, "maple-grove")
    half = ledger.prepare_transfer(award, "cedar-ctc", "Student enrolled at Cedar Valley")
    assert len(proofs_of(half)) == 1
    with refused(ledger, "missing_countersignature"):
        ledger.submit([half])
    outsider = external_issuer(ledger)
    with refused(ledger, "unknown_key"):  # countersigned by someone who is not the receiver
        ledger.submit([outsider.countersign(half, half["time"])])
    whole = ledger.countersign(half, "cedar-ctc")
    (receipt,) = ledger.submit([whole])
    assert receipt.type == d.CREDENTIAL_TRANSFERRED
    award_now = ledger.award(award)
    assert award_now.custodian == ledger.issuer("cedar-ctc").did
    # The old custodian can no longer revoke; the new one can.
    maple = ledger.issuer("maple-grove").did
    with refused(ledger, "not_authorized"):
        ledger.submit([signed(server_signer(ledger, "maple-grove"), revoked_document(ledger, award, maple))])
    ledger.revoke(award, "evidence_withdrawn", "Voided by the testing body.")
    ((_, revocation, _),) = [e for e in ledger.student_history(student) if e[1]["type"] == d.CREDENTIAL_REVOKED]
    assert revocation["actor"] == ledger.issuer("cedar-ctc").did
    assert audit(ledger).ok


def test_an_externally_keyed_receiver_countersigns_on_its_own_machine(ledger: Ledger) -> None:
    student = setup_world(ledger)
    receiver = external_issuer(ledger)
    award = issue_one(ledger, student, "maple-grove")
    half = ledger.prepare_transfer(award, "birch-academy", "Student moved to Birch Hollow")
    ledger.submit([receiver.countersign(half, half["time"])])
    assert ledger.award(award).custodian == ledger.issuer("birch-academy").did
    with refused(ledger, "no_signing_key"):  # the server cannot act for the new custodian
        ledger.revoke(award, "other", "Not ours to revoke.")


def test_transfer_to_an_unknown_issuer_is_not_found(ledger: Ledger) -> None:
    student = setup_world(ledger)
    award = issue_one(ledger, student)
    with nothing_stored(ledger), pytest.raises(NotFoundError):
        transfer(ledger, [award], "nowhere-high", "?")


# Persistence -------------------------------------------------------------------


def _state(ledger: Ledger, student: str, awards: list[str]) -> dict[str, Any]:
    return {
        "issuers": [(i.slug, i.name, sorted((k.key_id, k.retired_at, k.compromised_at) for k in i.keys.values()))
                    for i in ledger.issuers()],
        "catalog": [(c.code, c.fields) for c in ledger.credentials()],
        "awards": [(a.custodian, a.revocation, a.expires, a.version, a.last_hash) for a in map(ledger.award, awards)],
        "history": [(row.position, doc, recorded) for row, doc, recorded in ledger.student_history(student)],
        "identity": ledger.identity(student).claims,
        "journal": ledger.store.select_journal(0, 1000),
    }


def test_reopened_ledger_has_the_same_state(make_ledger: Callable[..., Ledger], clock: Any) -> None:
    ledger = make_ledger()
    student = setup_world(ledger)
    awards = ledger.issue([IssueRequest("maple-grove", student, c, EARNED, EVIDENCE)
                           for c in ("osha10-general", "servsafe-manager")])
    ledger.revoke(awards[0], "issued_in_error", "Wrong student.")
    transfer(ledger, [awards[1]], "cedar-ctc", "moved")
    clock.advance(minutes=1)
    ledger.rotate_issuer_key("maple-grove")
    before = _state(ledger, student, awards)
    ledger.close()
    reopened = make_ledger(reopen=True)
    assert _state(reopened, student, awards) == before
    assert reopened.config.ledger_id == ledger.config.ledger_id
    issue_one(reopened, student)  # and it keeps working
    assert audit(reopened).ok


def _states(ledger: Ledger) -> list[bytes]:
    return [bytes(n.state) for n in ledger.recorder.select_notifications(start=1, limit=1000)]


def test_plain_events_store_readable_json(ledger: Ledger) -> None:
    issue_one(ledger, setup_world(ledger))
    assert any(EVIDENCE["certificate"].encode() in s for s in _states(ledger))  # so the next test can fail


def test_encrypted_events_store_ciphertext_and_still_audit(make_ledger: Callable[..., Ledger]) -> None:
    ledger = make_ledger(encrypt_events=True)
    student = setup_world(ledger)
    issue_one(ledger, student)
    states = _states(ledger)
    assert len(states) == ledger.store.journal_size()
    for marker in (EVIDENCE["certificate"], "maple-grove", "CredentialIssued", ledger.config.ledger_id):
        assert not any(marker.encode() in s for s in states)
    assert audit(ledger).ok
    ledger.close()
    reopened = make_ledger(reopen=True)
    assert reopened.config.encrypt_events
    (award,) = [doc for _, doc, _ in reopened.student_history(student) if doc["type"] == d.CREDENTIAL_ISSUED]
    assert award["evidence"] == EVIDENCE
    assert audit(reopened).ok


def test_documents_the_ledger_builds_get_the_same_shape_check_as_submitted_ones(ledger: Ledger) -> None:
    # Otherwise the ledger could store an event its own audit refuses, forever.
    student = setup_world(ledger)
    with nothing_stored(ledger), pytest.raises(InputError, match=r"events\[0\]\.kind"):
        ledger.register_issuer("acme-academy", "Acme Academy", "bogus-kind")
    with nothing_stored(ledger), pytest.raises(InputError, match=r"evidence\.score: a string or an integer"):
        ledger.issue([IssueRequest("maple-grove", student, "osha10-general", EARNED, {"score": 91.5})])
    assert audit(ledger).ok

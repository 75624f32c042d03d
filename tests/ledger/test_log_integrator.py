"""ledger.log: integration of the journal into the Merkle log, on SQLite and PostgreSQL.

Every kept checkpoint is checked with the independent verifiers only
(`verifiers.checkpoint`, `verifiers.merkle`), pinning the log's published key
string, and against a naive recursive tree hash written from RFC 9162 §2.1.1.
All names and numbers are fictional.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date

import pytest

from ledger.application import IssueRequest, Ledger
from ledger.audit import audit
from ledger.errors import InputError, NotFoundError, RejectedError
from ledger.worker import Worker
from tests.support import naive_root
from verifiers.checkpoint import verify_checkpoint
from verifiers.errors import ProofError
from verifiers.merkle import EMPTY_ROOT, hash_leaf, verify_consistency, verify_inclusion
from verifiers.note import Verifier
from verifiers.protocol import documents as d
from verifiers.timestamps import format_timestamp

SCHOOL = "maple-grove"
OSHA = {
    "name": "OSHA 10-Hour General Industry",
    "certifyingBody": "OSHA Outreach Training Program",
    "credentialType": "certificate",
    "validityMonths": None,
    "careerField": "Manufacturing",
}


def setup_school(ledger: Ledger) -> str:
    """An issuer, a catalog entry and a student (3 events); returns the student id."""
    ledger.register_issuer(SCHOOL, "Maple Grove Test High School", "school")
    ledger.define_credential("osha10-general", OSHA)
    return ledger.register_student(
        SCHOOL, {"name": "Rowan Testcase", "birth_date": "2008-03-14", "local_id": "MG-1001"}
    )


def issue(ledger: Ledger, student: str, count: int, tag: str) -> list[str]:
    return ledger.issue(
        [IssueRequest(SCHOOL, student, "osha10-general", date(2026, 5, 1), {"certificate": f"OSHA-{tag}-{i}"})
         for i in range(count)]
    )


def test_the_empty_log_has_a_signed_checkpoint(ledger: Ledger) -> None:
    verifier = Verifier.from_key_string(ledger.transparency_log.verifier_key)
    checkpoint = verify_checkpoint(ledger.transparency_log.checkpoint(), verifier)
    assert (checkpoint.origin, checkpoint.size, checkpoint.root_hash) == (ledger.transparency_log.origin, 0, EMPTY_ROOT)
    assert [(size, root) for size, root, _ in ledger.store.select_checkpoints()] == [(0, EMPTY_ROOT)]


def test_every_kept_checkpoint_verifies_and_every_proof_against_it(ledger: Ledger) -> None:
    log, store = ledger.transparency_log, ledger.store
    verifier = Verifier.from_key_string(log.verifier_key)
    student = setup_school(ledger)
    assert log.integrate() == 3
    for round_, count in enumerate((1, 4, 9, 17)):  # sizes 4, 8, 17, 34: powers of two and not
        issue(ledger, student, count, f"r{round_}")
        log.integrate()

    kept = store.select_checkpoints()
    sizes = [size for size, _, _ in kept]
    assert sizes == [0, 3, 4, 8, 17, 34]  # every signed checkpoint is kept, sizes strictly increase
    assert sizes[-1] == store.journal_size() == log.size()
    leaves = store.select_journal_leaves(0, sizes[-1])
    assert len(leaves) == sizes[-1]

    for size, root, note in kept:
        checkpoint = verify_checkpoint(note, verifier)
        assert (checkpoint.origin, checkpoint.size, checkpoint.root_hash) == (log.origin, size, root)
        assert root == naive_root(leaves[:size]) == log.root(size)
        for index in range(size):
            verify_inclusion(index, size, hash_leaf(leaves[index]), log.inclusion_proof(index, size), root)
    assert verify_checkpoint(log.checkpoint(), verifier).size == 34

    final_root = kept[-1][1]
    for index, leaf in enumerate(leaves):
        found = log.leaf_index(hash_leaf(leaf))
        assert found == index
        verify_inclusion(found, 34, hash_leaf(leaf), log.inclusion_proof(found, 34), final_root)

    for size1, root1, _ in kept:
        for size2, root2, _ in kept:
            if size1 <= size2:
                verify_consistency(size1, size2, log.consistency_proof(size1, size2), root1, root2)

    # The proofs are not vacuous: the wrong leaf, index or root fails.
    proof = log.inclusion_proof(5, 34)
    with pytest.raises(ProofError):
        verify_inclusion(5, 34, hash_leaf(leaves[6]), proof, final_root)
    with pytest.raises(ProofError):
        verify_inclusion(6, 34, hash_leaf(leaves[5]), proof, final_root)
    with pytest.raises(ProofError):
        verify_consistency(8, 34, log.consistency_proof(8, 34), kept[2][1], final_root)


def test_integrating_again_signs_nothing_new(ledger: Ledger) -> None:
    student = setup_school(ledger)
    issue(ledger, student, 5, "a")
    size = ledger.transparency_log.integrate()
    before = ledger.store.select_checkpoints()
    assert ledger.transparency_log.integrate() == size == 8
    assert ledger.transparency_log.integrate() == size
    assert ledger.store.select_checkpoints() == before


def test_integration_in_small_batches_keeps_one_consistent_history(ledger: Ledger) -> None:
    student = setup_school(ledger)
    issue(ledger, student, 20, "batch")
    sizes = []
    while (size := ledger.transparency_log.integrate(limit=6)) not in sizes:
        sizes.append(size)
    assert sizes == [6, 12, 18, 23]
    kept = ledger.store.select_checkpoints()
    assert [s for s, _, _ in kept] == [0, *sizes]
    leaves = ledger.store.select_journal_leaves(0, 23)
    for size1, root1, _ in kept:
        assert root1 == naive_root(leaves[:size1])
        for size2, root2, _ in kept:
            if size1 <= size2:
                verify_consistency(size1, size2, ledger.transparency_log.consistency_proof(size1, size2), root1, root2)


def test_proof_requests_outside_the_log_are_refused(ledger: Ledger) -> None:
    student = setup_school(ledger)
    issue(ledger, student, 2, "p")
    size = ledger.transparency_log.integrate()
    issue(ledger, student, 1, "pending")  # stored, not yet in a checkpoint
    with pytest.raises(InputError):
        ledger.transparency_log.inclusion_proof(size, size)
    with pytest.raises(InputError):
        ledger.transparency_log.inclusion_proof(0, size + 1)  # beyond the latest checkpoint
    with pytest.raises(InputError):
        ledger.transparency_log.consistency_proof(size, size - 1)
    with pytest.raises(InputError):
        ledger.transparency_log.consistency_proof(1, size + 1)
    with pytest.raises(InputError):
        ledger.transparency_log.root(size + 1)
    with pytest.raises(NotFoundError):
        ledger.transparency_log.leaf_index(hash_leaf(b"not a leaf of this log"))
    with pytest.raises(NotFoundError):
        ledger.transparency_log.tile(0, 0, None)  # a full tile needs 256 leaves
    with pytest.raises(NotFoundError):
        ledger.transparency_log.entries(0, size + 1)  # the pending leaf is not published yet


def _conflicting_revocation(writer: Ledger, other: Ledger, award_id: str) -> None:
    """`writer` prepares a revocation; `other` stores one first; the writer's save is refused."""
    award = writer.award(award_id)
    with pytest.raises(RejectedError) as refused:
        with writer.batch() as batch:
            batch.sign(d.CREDENTIAL_REVOKED, award_id, actor=award.custodian, award=award_id,
                       reason="issued_in_error", note="Entered twice by the test registrar.",
                       effective=format_timestamp(batch.recorded))
            other.revoke(award_id, "issued_in_error", "Entered for the wrong test student.")
    assert refused.value.code == "conflict"


def test_leaf_indices_are_dense_although_notification_ids_skip(
    make_ledger: Callable[..., Ledger], backend: str | None
) -> None:
    writer = make_ledger()
    other = make_ledger(reopen=True)  # a second worker on the same database
    student = setup_school(writer)
    awards = issue(writer, student, 3, "gap")
    for i in range(2):
        _conflicting_revocation(writer, other, awards[i])
        issue(writer, student, 1, f"after-{i}")
    size = writer.transparency_log.integrate()

    ids = [n.id for n in writer.recorder.select_notifications(start=1, limit=100)]
    journal = writer.store.select_journal(0, 100)
    assert size == len(ids) == len(journal) == 3 + 3 + 2 * 2
    if backend is not None:
        # PostgreSQL: each refused save consumed a sequence value.
        assert ids[-1] - ids[0] + 1 > len(ids), ids
    assert [row.position for row in journal] == list(range(size))
    assert [row.notification_id for row in journal] == ids
    assert writer.store.select_level(0, 0, size) == [hash_leaf(row.leaf) for row in journal]
    for row in journal:
        assert writer.transparency_log.leaf_index(hash_leaf(row.leaf)) == row.position
    assert writer.store.select_checkpoints()[-1][1] == naive_root([row.leaf for row in journal])
    report = audit(writer)
    assert report.ok, report.finding
    assert (report.events, report.log_size) == (size, size)


def test_the_integrator_thread_makes_new_events_provable_within_a_second(ledger: Ledger) -> None:
    student = setup_school(ledger)
    errors: list[Exception] = []
    integrator = Worker(ledger, interval=0.05, on_error=errors.append).start()
    try:
        issue(ledger, student, 2, "bg")
        stored_at = time.monotonic()
        expected = ledger.store.journal_size()
        while ledger.store.latest_checkpoint()[0] < expected and time.monotonic() - stored_at < 1.0:
            time.sleep(0.01)
        latency = time.monotonic() - stored_at
    finally:
        integrator.stop()
    assert errors == []
    assert ledger.store.latest_checkpoint()[0] == expected, f"not checkpointed after {latency:.2f}s"
    assert latency < 1.0
    leaf = ledger.store.select_journal_leaves(expected - 1, expected)[0]
    checkpoint = verify_checkpoint(ledger.transparency_log.checkpoint(), Verifier.from_key_string(ledger.transparency_log.verifier_key))
    verify_inclusion(expected - 1, checkpoint.size, hash_leaf(leaf),
                     ledger.transparency_log.inclusion_proof(expected - 1, checkpoint.size), checkpoint.root_hash)

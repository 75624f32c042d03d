"""The read models: rebuilt equals incremental, idempotent, catch up after restart, read-your-writes."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date

import pytest
from eventsourcing.persistence import Tracking

from credledger_tools.demo.district import load_demo
from ledger.application import IssueRequest, Ledger
from ledger.readmodels import Projections


def test_rebuild_equals_the_incrementally_maintained_views(ledger: Ledger) -> None:
    projections = Projections.of(ledger)
    summary = load_demo(ledger, students=8)
    # Incrementally: in several small steps, interleaved with more writes.
    projections.catch_up(limit=50)
    ledger.revoke(ledger.issue([IssueRequest("riverbend", summary["sample_student"], "bls-provider",
                                             date(2026, 3, 1), {"card": "AHA-1"})])[0], "other", "test")
    ledger.rotate_issuer_key("lakeshore")
    projections.catch_up()
    incremental = projections.dump()
    assert projections.rebuild() == ledger.recorder.max_notification_id()
    assert projections.dump() == incremental
    assert len(incremental["rm_custody"]) == summary["transfers"]


def test_processing_is_idempotent_a_stale_batch_is_refused(ledger: Ledger) -> None:
    projections = Projections.of(ledger)
    load_demo(ledger, students=3)
    projections.catch_up()
    before = projections.dump()
    position = projections.position()
    # Replaying a batch that was already applied (a second processor that read the same position).
    changes = [("INSERT INTO rm_students (student_id, registered_by, registered_at) VALUES (?, ?, ?)",
                ("00000000-0000-4000-8000-000000000000", "did:web:x", "2026-01-01T00:00:00Z"))]
    assert projections.view.apply(changes, Tracking("Ledger", position), expected=position - 1) is False
    assert projections.dump() == before
    assert projections.catch_up() == 0


def test_a_restarted_processor_continues_where_the_last_commit_left_off(
    make_ledger: Callable[..., Ledger],
) -> None:
    ledger = make_ledger()
    load_demo(ledger, students=4)
    first = Projections.of(ledger)
    first.catch_up(limit=100)
    done = first.position()
    assert 0 < done < ledger.recorder.max_notification_id()
    reopened = make_ledger(reopen=True)
    second = Projections.of(reopened)
    assert second.position() == done
    processed = second.catch_up()
    assert second.position() == reopened.recorder.max_notification_id()
    assert processed == len(reopened.recorder.select_notifications(start=done, limit=10_000,
                                                                   inclusive_of_start=False))


def test_read_your_writes_waits_for_the_views_instead_of_sleeping(ledger: Ledger) -> None:
    projections = Projections.of(ledger)
    load_demo(ledger, students=2)
    target = ledger.recorder.max_notification_id()
    with pytest.raises(TimeoutError):
        projections.wait(target, timeout=0.2)
    worker = threading.Thread(target=projections.catch_up)
    worker.start()
    projections.wait(target, timeout=10)
    worker.join()
    assert projections.position() >= target


def test_two_processors_racing_apply_every_event_once(ledger: Ledger) -> None:
    load_demo(ledger, students=6)
    racers = [Projections.of(ledger), Projections.of(ledger)]
    threads = [threading.Thread(target=p.catch_up) for p in racers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    raced = racers[0].dump()
    racers[0].rebuild()
    assert racers[0].dump() == raced

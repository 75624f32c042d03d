"""ledger.log never signs two inconsistent checkpoints, and racing integrators cannot fork it.

Tampering is done the way an intruder with database access would: a separate
connection (sqlite3 / psycopg) rewriting rows behind the application's back.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Callable
from datetime import date
from typing import Any

import psycopg
import pytest

from ledger.application import IssueRequest, Ledger
from ledger.audit import audit
from ledger.log import MerkleLog
from ledger.worker import Worker
from verifiers import compact_range
from verifiers.checkpoint import verify_checkpoint
from verifiers.errors import ProofError
from verifiers.merkle import verify_consistency
from verifiers.note import Verifier

SCHOOL = "cedar-ridge"
NCCER = {
    "name": "NCCER Core Curriculum",
    "certifyingBody": "NCCER",
    "credentialType": "certificate",
    "validityMonths": None,
    "careerField": "Construction",
}


def setup_school(ledger: Ledger) -> str:
    ledger.register_issuer(SCHOOL, "Cedar Ridge Test CTE Center", "cte_center")
    ledger.define_credential("nccer-core", NCCER)
    return ledger.register_student(
        SCHOOL, {"name": "Jesse Fictional", "birth_date": "2007-11-02", "local_id": "CR-2002"}
    )


def issue(ledger: Ledger, student: str, count: int, tag: str) -> list[str]:
    return ledger.issue(
        [IssueRequest(SCHOOL, student, "nccer-core", date(2026, 4, 20), {"certificate": f"NCCER-{tag}-{i}"})
         for i in range(count)]
    )


def tamper(ledger: Ledger, statement: str, params: list[Any]) -> int:
    """Run one statement on a separate connection; `{nodes}`, `{checkpoints}`, `{journal}` name the tables."""
    prefix = ledger.store.table_prefix
    sql = statement.format(nodes=prefix + "log_nodes", checkpoints=prefix + "log_checkpoints",
                           journal=prefix + "ledger_journal")
    if ledger.config.database_url is None:
        conn = sqlite3.connect(ledger.config.data_dir / "ledger.sqlite")
        try:
            with conn:
                return conn.execute(sql, params).rowcount
        finally:
            conn.close()
    with psycopg.connect(ledger.config.database_url.split("?")[0], autocommit=True) as pg:
        return pg.execute(sql.replace("?", "%s"), params).rowcount


def flip(value: bytes) -> bytes:
    return bytes([value[0] ^ 0x01]) + value[1:]


@pytest.mark.parametrize("target", ["edge node 0", "edge node 1", "edge node 2", "checkpoint root"])
def test_a_tampered_right_edge_stops_the_log_from_signing(ledger: Ledger, target: str) -> None:
    student = setup_school(ledger)
    issue(ledger, student, 10, "before")
    size = ledger.transparency_log.integrate()
    assert size == 13
    edge = compact_range.root_path(size)
    assert edge == [(3, 0), (2, 2), (0, 12)]  # the nodes every later tree is built on
    if target.startswith("edge node"):
        level, index = edge[int(target[-1])]
        (stored,) = ledger.store.select_level(level, index, index + 1)
        assert tamper(ledger, "UPDATE {nodes} SET hash = ? WHERE level = ? AND idx = ?",
                      [flip(stored), level, index]) == 1
    else:
        root = ledger.store.latest_checkpoint()[1]
        assert tamper(ledger, "UPDATE {checkpoints} SET root = ? WHERE size = ?", [flip(root), size]) == 1
    before = ledger.store.select_checkpoints()
    issue(ledger, student, 6, "after")  # 19 leaves: crosses 16, so every edge node is hashed in

    with pytest.raises(ProofError):
        ledger.transparency_log.integrate()
    assert ledger.store.select_checkpoints() == before  # nothing new signed or kept
    assert ledger.transparency_log.size() == size  # and no node of the refused tree stored
    with pytest.raises(ProofError):
        ledger.transparency_log.integrate()  # it keeps refusing


def _check_one_history(ledger: Ledger) -> list[int]:
    verifier = Verifier.from_key_string(ledger.transparency_log.verifier_key)
    kept = ledger.store.select_checkpoints()
    sizes = [size for size, _, _ in kept]
    assert sizes == sorted(set(sizes))
    for size, root, note in kept:
        checkpoint = verify_checkpoint(note, verifier)
        assert (checkpoint.size, checkpoint.root_hash) == (size, root)
    for size1, root1, _ in kept:
        for size2, root2, _ in kept:
            if size1 <= size2:
                verify_consistency(size1, size2, ledger.transparency_log.consistency_proof(size1, size2), root1, root2)
    report = audit(ledger)
    assert report.ok, report.finding
    assert report.log_size == sizes[-1] == ledger.store.journal_size()
    return sizes


def test_racing_integrators_keep_one_history(make_ledger: Callable[..., Ledger]) -> None:
    writer = make_ledger()
    integrators = [make_ledger(reopen=True) for _ in range(2)]  # two more workers, same database
    student = setup_school(writer)
    stop = threading.Event()
    errors: list[BaseException] = []
    results: list[int] = []

    def integrate_until_stopped(worker: Ledger) -> None:
        while not stop.is_set():
            try:
                results.append(worker.transparency_log.integrate(limit=7))
            except BaseException as e:  # noqa: BLE001 (reported below)
                errors.append(e)
                return

    threads = [threading.Thread(target=integrate_until_stopped, args=(w,)) for w in integrators]
    for thread in threads:
        thread.start()
    try:
        for round_ in range(25):
            issue(writer, student, 1 + round_ % 5, f"race{round_}")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert errors == []
    assert results, "the integrators never ran"
    while writer.transparency_log.integrate() < writer.store.journal_size():
        pass
    sizes = _check_one_history(writer)
    assert sizes[-1] == 3 + sum(1 + r % 5 for r in range(25))


class _Interleaved:
    """A store through which another integrator runs after the journal was read."""

    def __init__(self, store: Any, meanwhile: Callable[[], None]):
        self._store = store
        self._meanwhile: Callable[[], None] | None = meanwhile

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def select_journal_leaves(self, start: int, stop: int) -> list[bytes]:
        leaves: list[bytes] = self._store.select_journal_leaves(start, stop)
        if self._meanwhile is not None:
            run, self._meanwhile = self._meanwhile, None
            run()
        return leaves


@pytest.mark.parametrize("winner_goes_further", [False, True], ids=["same-size", "larger"])
def test_the_integrator_that_loses_a_race_signs_nothing(ledger: Ledger, winner_goes_further: bool) -> None:
    student = setup_school(ledger)
    issue(ledger, student, 5, "first")

    def meanwhile() -> None:
        if winner_goes_further:
            issue(ledger, student, 4, "late")
        ledger.transparency_log.integrate()

    log = ledger.transparency_log
    slow = MerkleLog(_Interleaved(ledger.store, meanwhile), log.signer, log.origin, ledger.clock, log.anchor)
    assert slow.integrate() == ledger.transparency_log.size() == (12 if winner_goes_further else 8)
    assert [size for size, _, _ in ledger.store.select_checkpoints()] == [0, log.size()]
    _check_one_history(ledger)


def test_a_log_signed_over_a_different_history_is_refused(ledger: Ledger) -> None:
    """A journal leaf rewritten after integration: the next head would not extend the signed one."""
    student = setup_school(ledger)
    issue(ledger, student, 4, "x")
    size = ledger.transparency_log.integrate()
    # Rewrite the whole stored tree from a journal where leaf 2 differs (as an
    # intruder would who also recomputed the nodes), keeping the signed checkpoints.
    forged = ledger.store.select_journal_leaves(0, size)
    forged[2] = forged[2].replace(b'"recorded":"2', b'"recorded":"1')
    tamper(ledger, "DELETE FROM {nodes}", [])
    nodes = compact_range.append_leaves(0, [hashlib.sha256(b"\x00" + leaf).digest() for leaf in forged],
                                   lambda level, index: b"")
    for (level, index), value in nodes:
        tamper(ledger, "INSERT INTO {nodes} (level, idx, hash) VALUES (?, ?, ?)", [level, index, value])
    issue(ledger, student, 1, "y")
    before = ledger.store.select_checkpoints()
    with pytest.raises(ProofError):
        ledger.transparency_log.integrate()
    assert ledger.store.select_checkpoints() == before


def test_the_integrator_thread_reports_a_refusal_and_keeps_running(ledger: Ledger) -> None:
    student = setup_school(ledger)
    size = ledger.transparency_log.integrate()
    level, index = compact_range.root_path(size)[0]
    (stored,) = ledger.store.select_level(level, index, index + 1)
    tamper(ledger, "UPDATE {nodes} SET hash = ? WHERE level = ? AND idx = ?", [flip(stored), level, index])
    issue(ledger, student, 2, "bg")
    errors: list[Exception] = []
    reported = threading.Event()

    def on_error(e: Exception) -> None:
        errors.append(e)
        if len(errors) >= 2:
            reported.set()

    integrator = Worker(ledger, interval=0.02, on_error=on_error).start()
    try:
        assert reported.wait(timeout=5), "the integrator did not report twice"
    finally:
        integrator.stop()
    assert all(isinstance(e, ProofError) for e in errors), errors
    assert [s for s, _, _ in ledger.store.select_checkpoints()] == [0, size]

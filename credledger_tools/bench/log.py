"""`credledger bench log`: the log's cost against issuance, and proofs in a large log (SQLite).

Three measurements in one run: (1) integrating freshly issued events into the
log against issuing them; (2) integrating a large log, with the process's
peak memory after every 100,000 leaves (it should stay flat); (3) inclusion
proofs in that log, in-process. May import ledger.
"""

from __future__ import annotations

import os
import random
import resource
import sqlite3
import time
from pathlib import Path
from typing import Any

from credledger_tools.bench.measure import percentile_ms, rate, samples
from credledger_tools.bench.scratch import issue_request, scratch_dir, scratch_instance, setup_district
from ledger.application import Ledger

ISSUED = 5000
CHUNK = 100_000


def run_log_benchmark(*, leaves: int, proofs: int = 1000) -> dict[str, Any]:
    """Log append cost against issuance (same run), then proof latency in a large log.

    The large log's leaves are synthetic journal rows written straight into the
    table: the log integrates journal rows, whoever wrote them, and writing a
    million signed events first would take the benchmark's time elsewhere.
    """
    with scratch_dir("credledger-bench-log-") as scratch:
        ledger = scratch_instance(scratch / "instance")
        student = setup_district(ledger)
        ledger.transparency_log.integrate()
        # 1. Appending to the log against issuing, on the same events.
        request = issue_request(student)
        issue_seconds = ISSUED / rate(ISSUED, 100, lambda n: ledger.issue([request] * n))
        started = time.perf_counter()
        ledger.transparency_log.integrate()
        log_seconds = time.perf_counter() - started
        # 2. A large log: synthetic journal rows, integrated in batches.
        integrate_seconds, rss = _grow_log(ledger, scratch / "instance" / "ledger.sqlite", leaves)
        size = ledger.transparency_log.size()
        # 3. Inclusion proofs in the large log, in-process.
        rng = random.Random(1)
        indices = iter([rng.randrange(size) for _ in range(proofs)])
        timings = samples(lambda: ledger.transparency_log.inclusion_proof(next(indices), size), proofs)
        ledger.close()
    return {
        "issuance_us_per_event": round(issue_seconds / ISSUED * 1e6, 1),
        "log_append_us_per_event": round(log_seconds / ISSUED * 1e6, 1),
        "log_append_share_of_issuance": f"{log_seconds / issue_seconds:.1%}",
        "large_log_leaves": size,
        "large_log_append_leaves_per_s": round(leaves / integrate_seconds),
        "inclusion_proof_p50_ms": percentile_ms(timings, 0.5, 3),
        "inclusion_proof_p99_ms": percentile_ms(timings, 0.99, 3),
        "peak_rss_mib_per_100k_leaves": rss,
    }


def _grow_log(ledger: Ledger, database: Path, leaves: int) -> tuple[float, list[int]]:
    """Write `leaves` synthetic journal rows and integrate them, a chunk at a time: the seconds spent
    integrating, and the peak memory (MiB) after each chunk."""
    base = ledger.store.journal_size()
    db = sqlite3.connect(database)
    rss: list[int] = []
    integrate_seconds = 0.0
    try:
        for start in range(0, leaves, CHUNK):
            n = min(CHUNK, leaves - start)
            with db:
                db.executemany(
                    "INSERT INTO ledger_journal (position, notification_id, originator_id, originator_version,"
                    " event_type, student_id, leaf) VALUES (?, ?, 'bench', ?, 'Synthetic', NULL, ?)",
                    [(base + start + i, 10**12 + start + i, start + i, os.urandom(120)) for i in range(n)],
                )
            started = time.perf_counter()
            while ledger.transparency_log.size() < base + start + n:
                ledger.transparency_log.integrate()
            integrate_seconds += time.perf_counter() - started
            rss.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
    finally:
        db.close()
    return integrate_seconds, rss

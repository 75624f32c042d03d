"""`credledger bench projections`: a full rebuild of the read models.

A scratch instance gets `events` stored events (issuance to 1,000 students,
with a revocation and an accepted transfer every batch), then the read models
are rebuilt from nothing and timed. May import ledger.
"""

from __future__ import annotations

import time
from typing import Any

from credledger_tools.bench.scratch import DISTRICT, issue_request, scratch_dir, scratch_instance, setup_district
from ledger.readmodels import Projections

RECEIVER = "bench-receiver"


def run_projections_benchmark(*, events: int) -> dict[str, Any]:
    """Rebuild the read models from `events` stored events (issuance, revocations, transfers)."""
    with scratch_dir("credledger-bench-projections-") as scratch:
        ledger = scratch_instance(scratch / "instance")
        setup_district(ledger)
        ledger.register_issuer(RECEIVER, "Benchmark Receiving District", "district")
        students = ledger.register_students(DISTRICT, [
            {"name": f"Bench Student {i}", "birth_date": "2008-01-01", "local_id": f"B-{i}"} for i in range(1000)])
        written = ledger.store.journal_size()
        i = 0
        while written < events:
            batch = [issue_request(students[(i + k) % len(students)]) for k in range(min(500, events - written))]
            awards = ledger.issue(batch)
            i += len(batch)
            written += len(batch)
            if written + 4 <= events:  # some history besides issuance: a revocation, a transfer offered and accepted
                ledger.revoke(awards[0], "issued_in_error", "benchmark")
                offer = ledger.offer_transfer(DISTRICT, RECEIVER, ledger.award(awards[1]).student, "benchmark",
                                              awards=awards[1:2])
                ledger.accept_transfer(offer, RECEIVER)
                written += 4
        projections = Projections.of(ledger)
        started = time.perf_counter()
        processed = projections.rebuild()
        seconds = time.perf_counter() - started
        ledger.close()
    return {"events": processed, "rebuild_seconds": round(seconds, 2), "events_per_s": round(processed / seconds)}

"""`credledger bench witness`: from an event being stored to a checkpoint that covers it carrying a
quorum of 2 witness cosignatures, on loopback (issue 15: ≤ 1.5 s p50; the log alone: ≤ 1 s).

A scratch instance on SQLite, two of our witnesses (web.witness) served over HTTP from threads, and
the deployment's worker (ledger.worker, its default interval) running as in production. Each run
records one award and waits until the latest checkpoint covers it and holds both cosignatures; the
baseline, measured in the same run and interleaved, waits for the log alone (the checkpoint covering
it, no witness asked: a second instance without witnesses). Reported: p50 and p90 of each, and
their ratio.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import threading
import time
from typing import Any

from werkzeug.serving import make_server

from credledger_tools.bench.measure import percentile_ms
from credledger_tools.bench.scratch import PASSPHRASE, issue_request, scratch_dir, scratch_instance, setup_district
from ledger.application import Ledger
from ledger.worker import Worker
from web.witness import add_log, create_witness_app, init_witness

TARGET_WITNESSED_S = 1.5
TARGET_ALONE_S = 1.0
TIMEOUT_S = 30.0


def run_witness_benchmark(*, runs: int = 20) -> dict[str, Any]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with scratch_dir("credledger-bench-witness-") as scratch:
        witnessed, alone = scratch_instance(scratch / "witnessed"), scratch_instance(scratch / "alone")
        servers = []
        try:
            settings = []
            for n in (1, 2):
                directory = scratch / f"witness{n}"
                verifier = init_witness(directory, f"bench.example/w{n}", PASSPHRASE, scrypt_n=2**10)
                add_log(directory, witnessed.transparency_log.verifier_key)
                server = make_server("127.0.0.1", 0, create_witness_app(directory, PASSPHRASE), threaded=True)
                threading.Thread(target=server.serve_forever, daemon=True).start()
                servers.append(server)
                settings.append((verifier.to_key_string(), f"http://127.0.0.1:{server.server_port}"))
            object.__setattr__(witnessed, "config", dataclasses.replace(witnessed.config, witnesses=tuple(settings)))
            return _measure(witnessed, alone, runs)
        finally:
            for server in servers:
                server.shutdown()
            witnessed.close()
            alone.close()


def _measure(witnessed: Ledger, alone: Ledger, runs: int) -> dict[str, Any]:
    students = {id(witnessed): setup_district(witnessed), id(alone): setup_district(alone)}
    workers = [Worker(witnessed).start(), Worker(alone).start()]
    try:
        timings: dict[str, list[float]] = {"witnessed": [], "alone": []}
        rng = random.Random(12)
        for _ in range(runs):
            # A random moment within the worker's interval, so that neither instance is always lucky
            # in where its event falls between two ticks.
            time.sleep(rng.uniform(0, workers[0].interval))
            timings["witnessed"].append(_until_covered(witnessed, students[id(witnessed)], quorum=2))
            time.sleep(rng.uniform(0, workers[0].interval))
            timings["alone"].append(_until_covered(alone, students[id(alone)], quorum=0))
    finally:
        for worker in workers:
            worker.stop()
    result: dict[str, Any] = {"runs": runs, "worker_interval_s": workers[0].interval}
    for name, values in timings.items():
        values.sort()
        result[f"{name}_p50_ms"] = percentile_ms(values, 0.5, 1)
        result[f"{name}_p90_ms"] = percentile_ms(values, 0.9, 1)
    result["witnessed_over_alone"] = round(result["witnessed_p50_ms"] / result["alone_p50_ms"], 2)
    result["target"] = f"witnessed p50 <= {TARGET_WITNESSED_S} s, the log alone <= {TARGET_ALONE_S} s"
    result["target_met"] = (result["witnessed_p50_ms"] <= TARGET_WITNESSED_S * 1e3
                            and result["alone_p50_ms"] <= TARGET_ALONE_S * 1e3)
    return result


def _until_covered(ledger: Ledger, student: str, quorum: int) -> float:
    """Seconds from storing one award until the latest checkpoint covers it with `quorum` cosignatures."""
    start = time.perf_counter()
    ledger.issue([issue_request(student)])
    needed = ledger.store.journal_size()
    while time.perf_counter() - start < TIMEOUT_S:
        latest = ledger.store.latest_checkpoint()
        if latest is not None and latest[0] >= needed and len(ledger.store.cosignature_lines(latest[0])) >= quorum:
            return time.perf_counter() - start
        time.sleep(0.005)
    raise AssertionError(f"no checkpoint covering the event with {quorum} cosignatures within {TIMEOUT_S} s")


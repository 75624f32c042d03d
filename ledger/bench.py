"""`credledger bench ingest`: how fast the ledger signs and stores events.

Measured in one run, on a scratch instance, against a bare baseline: the same
documents signed by the same signing routine and written with a plain
`executemany` into one table of the same database, in the same batch sizes.
The ratio is what our layers cost (rules, aggregates, eventsourcing, journal),
and ratios survive this machine's noise better than absolute rates.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate

from keys.signer import Signer
from ledger.application import IssueRequest, Ledger
from ledger.config import postgres_env
from ledger.instance import init_instance
from verifiers.timestamps import format_timestamp

EVIDENCE = {"certificate": "SS-1234567", "score": 88}


def run_ingest_benchmark(*, events: int, batch: int, database_url: str | None) -> dict[str, Any]:
    scratch = Path(tempfile.mkdtemp(prefix="credledger-bench-"))
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    url = f"{database_url}?schema={schema}" if database_url else None
    try:
        if database_url:
            _run_sql(database_url, f"CREATE SCHEMA {schema}")
        ledger = init_instance(scratch / "instance", "bench", database_url=url, scrypt_n=2**10)
        student = _setup(ledger)
        batched = _ledger_rate(ledger, student, events, batch)
        single = _ledger_rate(ledger, student, min(events, 2000), 1)
        baseline = _baseline_rate(scratch, url, events, batch)
        eventsourcing_baseline = _eventsourcing_baseline_rate(scratch, url, events, batch)
        ledger.close()
    finally:
        if database_url:
            _run_sql(database_url, f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        shutil.rmtree(scratch, ignore_errors=True)
    return {
        "backend": "postgres" if database_url else "sqlite",
        "events": events,
        "batch": batch,
        "ledger_batched_events_per_s": round(batched),
        "ledger_one_at_a_time_events_per_s": round(single),
        "bare_eventsourcing_events_per_s": round(eventsourcing_baseline),
        "eventsourcing_over_ledger_ratio": round(eventsourcing_baseline / batched, 2),
        "raw_table_events_per_s": round(baseline),
        "raw_table_over_ledger_ratio": round(baseline / batched, 2),
    }


def _setup(ledger: Ledger) -> str:
    ledger.register_issuer("bench-district", "Benchmark District", "district")
    ledger.define_credential("servsafe-manager", {
        "name": "ServSafe Food Protection Manager", "certifyingBody": "National Restaurant Association",
        "credentialType": "certification", "validityMonths": 60, "careerField": "Hospitality & Tourism"})
    return ledger.register_student("bench-district", {"name": "Bench Student", "birth_date": "2008-01-01",
                                                      "local_id": "B-1"})


def _ledger_rate(ledger: Ledger, student: str, events: int, batch: int) -> float:
    request = IssueRequest("bench-district", student, "servsafe-manager", date(2026, 5, 1), EVIDENCE)
    return _rate(events, batch, lambda n: ledger.issue([request] * n))


def _baseline_document(stream: str, now: str) -> dict[str, Any]:
    return {
        "type": "CredentialIssued", "ledger": "bench", "stream": stream, "sequence": 1, "previous": None,
        "actor": "did:web:localhost:issuers:bench", "time": now, "award": stream,
        "issuer": "did:web:localhost:issuers:bench", "student": stream, "credential": "servsafe-manager",
        "earned": "2026-05-01", "expires": "2031-05-01", "evidence": EVIDENCE,
        "subject": {"name": "0" * 64, "birth_date": "1" * 64, "local_id": "2" * 64}, "supersedes": None,
    }


class _Payload(Aggregate):
    """The bare eventsourcing baseline: one aggregate event carrying a signed document."""

    def __init__(self, document: dict[str, Any]):
        self.document = document


def _eventsourcing_baseline_rate(scratch: Path, url: str | None, events: int, batch: int) -> float:
    env = {"PERSISTENCE_MODULE": "eventsourcing.postgres" if url else "eventsourcing.sqlite"}
    if url:
        env |= postgres_env(url) | {"POSTGRES_SCHEMA": postgres_env(url)["POSTGRES_SCHEMA"]}
    else:
        env["SQLITE_DBNAME"] = str(scratch / "baseline-eventsourcing.sqlite")
    app = Application(env=env | {"CREATE_TABLE": "y"})
    app.recorder.events_table_name  # noqa: B018 (created above)
    signer = Signer.generate()

    def sign_and_save(n: int) -> None:
        now = format_timestamp(datetime.now(timezone.utc))
        payloads = []
        for _ in range(n):
            stream = uuid.uuid4()
            payloads.append(_Payload(signer.sign(_baseline_document(str(stream), now), now)))
        app.save(*payloads)

    try:
        return _rate(events, batch, sign_and_save)
    finally:
        app.close()


def _baseline_rate(scratch: Path, url: str | None, events: int, batch: int) -> float:
    signer = Signer.generate()
    store = _PostgresTable(url) if url else _SQLiteTable(scratch / "baseline.sqlite")

    def sign_and_store(n: int) -> None:
        now = format_timestamp(datetime.now(timezone.utc))
        rows = []
        for _ in range(n):
            stream = str(uuid.uuid4())
            rows.append((stream, json.dumps(signer.sign(_baseline_document(stream, now), now))))
        store.insert(rows)

    try:
        return _rate(events, batch, sign_and_store)
    finally:
        store.close()


def _rate(events: int, batch: int, write: Callable[[int], Any]) -> float:
    done = 0
    started = time.perf_counter()
    while done < events:
        n = min(batch, events - done)
        write(n)
        done += n
    return events / (time.perf_counter() - started)


class _SQLiteTable:
    def __init__(self, path: Path):
        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("CREATE TABLE events (id TEXT PRIMARY KEY, body BLOB)")

    def insert(self, rows: list[tuple[str, str]]) -> None:
        with self.db:
            self.db.executemany("INSERT INTO events VALUES (?, ?)", rows)

    def close(self) -> None:
        self.db.close()


class _PostgresTable:
    def __init__(self, url: str):
        import psycopg

        env = postgres_env(url)
        self.db = psycopg.connect(host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"], user=env["POSTGRES_USER"],
                                  password=env["POSTGRES_PASSWORD"] or None, dbname=env["POSTGRES_DBNAME"])
        self.table = f'"{env["POSTGRES_SCHEMA"]}".baseline_events'
        with self.db.transaction():
            self.db.execute(f"CREATE TABLE {self.table} (id TEXT PRIMARY KEY, body BYTEA)")

    def insert(self, rows: list[tuple[str, str]]) -> None:
        with self.db.transaction(), self.db.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {self.table} VALUES (%s, %s)", [(i, b.encode()) for i, b in rows])

    def close(self) -> None:
        self.db.close()


def _run_sql(database_url: str, statement: str) -> None:
    import psycopg

    env = postgres_env(database_url)
    with psycopg.connect(host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"], user=env["POSTGRES_USER"],
                         password=env["POSTGRES_PASSWORD"] or None, dbname=env["POSTGRES_DBNAME"],
                         autocommit=True) as conn:
        conn.execute(statement)


def run_log_benchmark(*, leaves: int, proofs: int = 1000) -> dict[str, Any]:
    """Log append cost against issuance (same run), then proof latency in a large log.

    The large log's leaves are synthetic journal rows written straight into the
    table: the log integrates journal rows, whoever wrote them, and writing a
    million signed events first would take the benchmark's time elsewhere.
    """
    import os
    import random
    import resource

    scratch = Path(tempfile.mkdtemp(prefix="credledger-bench-log-"))
    try:
        ledger = init_instance(scratch / "instance", "bench", scrypt_n=2**10)
        student = _setup(ledger)
        ledger.log.integrate()
        # 1. Appending to the log against issuing, on the same events.
        issued = 5000
        request = IssueRequest("bench-district", student, "servsafe-manager", date(2026, 5, 1), EVIDENCE)
        issue_seconds = issued / _rate(issued, 100, lambda n: ledger.issue([request] * n))
        started = time.perf_counter()
        ledger.log.integrate()
        log_seconds = time.perf_counter() - started
        # 2. A large log: synthetic journal rows, integrated in batches.
        base = ledger.store.journal_size()
        db = sqlite3.connect(scratch / "instance" / "ledger.sqlite")
        rss: list[int] = []
        integrate_seconds = 0.0
        chunk = 100_000
        for start in range(0, leaves, chunk):
            n = min(chunk, leaves - start)
            with db:
                db.executemany(
                    "INSERT INTO ledger_journal (position, notification_id, originator_id, originator_version,"
                    " event_type, student_id, leaf) VALUES (?, ?, 'bench', ?, 'Synthetic', NULL, ?)",
                    [(base + start + i, 10**12 + start + i, start + i, os.urandom(120)) for i in range(n)],
                )
            started = time.perf_counter()
            while ledger.log.size() < base + start + n:
                ledger.log.integrate()
            integrate_seconds += time.perf_counter() - started
            rss.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
        db.close()
        size = ledger.log.size()
        # 3. Inclusion proofs in the large log, in-process.
        rng = random.Random(1)
        timings = []
        for _ in range(proofs):
            index = rng.randrange(size)
            started = time.perf_counter()
            ledger.log.inclusion_proof(index, size)
            timings.append(time.perf_counter() - started)
        timings.sort()
        ledger.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return {
        "issuance_us_per_event": round(issue_seconds / issued * 1e6, 1),
        "log_append_us_per_event": round(log_seconds / issued * 1e6, 1),
        "log_append_share_of_issuance": f"{log_seconds / issue_seconds:.1%}",
        "large_log_leaves": size,
        "large_log_append_leaves_per_s": round(leaves / integrate_seconds),
        "inclusion_proof_p50_ms": round(timings[len(timings) // 2] * 1e3, 3),
        "inclusion_proof_p99_ms": round(timings[int(len(timings) * 0.99)] * 1e3, 3),
        "peak_rss_mib_per_100k_leaves": rss,
    }


def run_projections_benchmark(*, events: int) -> dict[str, Any]:
    """Rebuild the read models from `events` stored events (issuance, revocations, transfers)."""
    from ledger.readmodels import Projections

    scratch = Path(tempfile.mkdtemp(prefix="credledger-bench-projections-"))
    try:
        ledger = init_instance(scratch / "instance", "bench", scrypt_n=2**10)
        _setup(ledger)
        ledger.register_issuer("bench-receiver", "Benchmark Receiving District", "district")
        students = ledger.register_students("bench-district", [
            {"name": f"Bench Student {i}", "birth_date": "2008-01-01", "local_id": f"B-{i}"} for i in range(1000)])
        written = ledger.store.journal_size()
        i = 0
        while written < events:
            batch = [IssueRequest("bench-district", students[(i + k) % len(students)], "servsafe-manager",
                                  date(2026, 5, 1), EVIDENCE) for k in range(min(500, events - written))]
            awards = ledger.issue(batch)
            i += len(batch)
            written += len(batch)
            if written + 4 <= events:  # some history besides issuance: a revocation, a transfer offered and accepted
                ledger.revoke(awards[0], "issued_in_error", "benchmark")
                offer = ledger.offer_transfer("bench-district", "bench-receiver", ledger.award(awards[1]).student,
                                              "benchmark", awards=awards[1:2])
                ledger.accept_transfer(offer, "bench-receiver")
                written += 4
        projections = Projections.of(ledger)
        started = time.perf_counter()
        processed = projections.rebuild()
        seconds = time.perf_counter() - started
        ledger.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return {"events": processed, "rebuild_seconds": round(seconds, 2), "events_per_s": round(processed / seconds)}


def run_verify_benchmark(*, credentials: int = 20, runs: int = 300) -> dict[str, Any]:
    """Verify a 20-credential bundle in-process; the bare floor is measured in the same run."""
    import base64 as b64
    import statistics

    from ledger.export import export_bundle
    from verifiers.bundle import leaf_from_entry, verify_bundle
    from verifiers.dataintegrity import verify_proof
    from verifiers.checkpoint import checkpoint_from_text
    from verifiers.jcs import canonicalize
    from verifiers.merkle import hash_leaf, verify_inclusion

    scratch = Path(tempfile.mkdtemp(prefix="credledger-bench-verify-"))
    try:
        ledger = init_instance(scratch / "instance", "bench", scrypt_n=2**10)
        student = _setup(ledger)
        request = IssueRequest("bench-district", student, "servsafe-manager", date(2026, 5, 1), EVIDENCE)
        ledger.issue([request] * credentials)
        bundle = export_bundle(ledger, student, disclose=["name"])
        key = ledger.log.verifier_key
        public_key = ledger.issuer("bench-district").keys
        ledger.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    today = date(2026, 11, 1)
    checkpoint = checkpoint_from_text(bundle["checkpoint"].split("\n\n")[0] + "\n")
    entries = [bundle["streams"][award][0] for award in bundle["awards"]]
    raw_key = next(iter(public_key.values())).public_key

    def floor() -> None:
        # The issue's bare floor: per credential, canonicalize + Ed25519 verify + inclusion proof.
        for entry in entries:
            document = entry["event"]
            canonicalize(document)
            verify_proof(document, document["proof"], raw_key)
            verify_inclusion(entry["index"], checkpoint.size, hash_leaf(leaf_from_entry(entry)),
                             [b64.b64decode(h) for h in entry["inclusion"]], checkpoint.root_hash)

    def timed(fn: Any) -> list[float]:
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - started)
        samples.sort()
        return samples

    result = verify_bundle(bundle, [key], today=today)
    if not result.ok:
        raise AssertionError("the benchmark bundle does not verify")
    ours = timed(lambda: verify_bundle(bundle, [key], today=today))
    bare = timed(floor)
    return {
        "credentials": len(bundle["awards"]),
        "verify_p50_ms": round(statistics.median(ours) * 1e3, 2),
        "verify_p99_ms": round(ours[int(len(ours) * 0.99)] * 1e3, 2),
        "bare_floor_p50_ms": round(statistics.median(bare) * 1e3, 2),
        "ours_over_floor": round(statistics.median(ours) / statistics.median(bare), 2),
    }

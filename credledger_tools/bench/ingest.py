"""`credledger bench ingest`: how fast the ledger signs and stores events.

Measured in one run, on a scratch instance, against two bare baselines: the
same documents signed by the same signing routine and saved as eventsourcing
aggregates, and written with a plain `executemany` into one table of the same
database, in the same batch sizes. The ratio is what our layers cost (rules,
aggregates, journal), and ratios survive this machine's noise better than
absolute rates. May import ledger, keys and verifiers.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate

from credledger_tools.bench.measure import rate
from credledger_tools.bench.scratch import (
    CREDENTIAL,
    EVIDENCE,
    connect,
    issue_request,
    scratch_dir,
    scratch_instance,
    scratch_schema,
    setup_district,
)
from keys.signer import Signer
from ledger.application import Ledger
from ledger.config import postgres_env
from verifiers.timestamps import format_timestamp


def run_ingest_benchmark(*, events: int, batch: int, database_url: str | None) -> dict[str, Any]:
    with scratch_dir("credledger-bench-") as scratch, scratch_schema(database_url) as url:
        ledger = scratch_instance(scratch / "instance", database_url=url)
        student = setup_district(ledger)
        batched = _ledger_rate(ledger, student, events, batch)
        single = _ledger_rate(ledger, student, min(events, 2000), 1)
        baseline = _baseline_rate(scratch, url, events, batch)
        eventsourcing_baseline = _eventsourcing_baseline_rate(scratch, url, events, batch)
        ledger.close()
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


def _ledger_rate(ledger: Ledger, student: str, events: int, batch: int) -> float:
    request = issue_request(student)
    return rate(events, batch, lambda n: ledger.issue([request] * n))


def _baseline_document(stream: str, now: str) -> dict[str, Any]:
    return {
        "type": "CredentialIssued", "ledger": "bench", "stream": stream, "sequence": 1, "previous": None,
        "actor": "did:web:localhost:issuers:bench", "time": now, "award": stream,
        "issuer": "did:web:localhost:issuers:bench", "student": stream, "credential": CREDENTIAL,
        "earned": "2026-05-01", "expires": "2031-05-01", "evidence": EVIDENCE,
        "subject": {"name": "0" * 64, "birth_date": "1" * 64, "local_id": "2" * 64}, "supersedes": None,
    }


def _signed_documents(signer: Signer, n: int) -> list[tuple[str, dict[str, Any]]]:
    """`n` baseline documents, each for a new stream, signed now: (stream, signed document)."""
    now = format_timestamp(datetime.now(timezone.utc))
    streams = [str(uuid.uuid4()) for _ in range(n)]
    return [(stream, signer.sign(_baseline_document(stream, now), now)) for stream in streams]


class _Payload(Aggregate):
    """The bare eventsourcing baseline: one aggregate event carrying a signed document."""

    def __init__(self, document: dict[str, Any]):
        self.document = document


def _eventsourcing_baseline_rate(scratch: Path, url: str | None, events: int, batch: int) -> float:
    env = {"PERSISTENCE_MODULE": "eventsourcing.postgres" if url else "eventsourcing.sqlite"}
    if url:
        env |= postgres_env(url)
    else:
        env["SQLITE_DBNAME"] = str(scratch / "baseline-eventsourcing.sqlite")
    app: Application[Any] = Application(env=env | {"CREATE_TABLE": "y"})
    signer = Signer.generate()

    def sign_and_save(n: int) -> None:
        app.save(*(_Payload(document) for _, document in _signed_documents(signer, n)))

    try:
        return rate(events, batch, sign_and_save)
    finally:
        app.close()


def _baseline_rate(scratch: Path, url: str | None, events: int, batch: int) -> float:
    signer = Signer.generate()
    store: _SQLiteTable | _PostgresTable = _PostgresTable(url) if url else _SQLiteTable(scratch / "baseline.sqlite")

    def sign_and_store(n: int) -> None:
        store.insert([(stream, json.dumps(document)) for stream, document in _signed_documents(signer, n)])

    try:
        return rate(events, batch, sign_and_store)
    finally:
        store.close()


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
        self.db = connect(url)
        self.table = f'"{postgres_env(url)["POSTGRES_SCHEMA"]}".baseline_events'
        with self.db.transaction():
            self.db.execute(f"CREATE TABLE {self.table} (id TEXT PRIMARY KEY, body BYTEA)")

    def insert(self, rows: list[tuple[str, str]]) -> None:
        with self.db.transaction(), self.db.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {self.table} VALUES (%s, %s)", [(i, b.encode()) for i, b in rows])

    def close(self) -> None:
        self.db.close()

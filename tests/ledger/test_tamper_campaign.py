"""A seeded, bounded tamper campaign: on SQLite one flipped bit in one value of one row of every
ledger-data table (events, journal, vault, log nodes and checkpoints, access facts, status list entries); on PostgreSQL a
targeted UPDATE of every column of those tables (a changed uuid, integer, text or bytea) and a DELETE
of one row of each. Every change that stores a different value must be caught by `audit`, in
process, with a finding and never an exception. `TAMPER_SEEDS=1000` runs the wider campaign whose
figures the session note reports; the suite runs a slice. Data are the fictional district of
tests/ledger/test_ledger_audit.py.
"""

from __future__ import annotations

import os
import random
import shutil
import uuid
from collections.abc import Iterator
import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import pytest

from ledger.audit import audit
from ledger.config import SQLITE_FILE
from ledger.instance import open_ledger
from tests.ledger.test_ledger_audit import PASSPHRASE, build

COLUMNS = {
    "stored_events": ["originator_id", "originator_version", "topic", "state"],
    "ledger_journal": ["position", "notification_id", "originator_id", "originator_version", "event_type",
                       "student_id", "leaf"],
    "student_identities": ["student_id", "sealed"],
    "log_nodes": ["level", "idx", "hash"],
    "log_checkpoints": ["size", "root", "note"],
    "ledger_relations": ["student_id", "institution", "basis", "ref", "until"],
    "ledger_status_entries": ["issuer", "list", "idx", "award"],
}
SEEDS = range(int(os.environ.get("TAMPER_SEEDS", "60")))
# The same tables on PostgreSQL (eventsourcing's table there is ledger_events, notification id a column).
PG_COLUMNS = {
    "ledger_events": ["originator_id", "originator_version", "topic", "state", "notification_id"],
    **{table: columns for table, columns in COLUMNS.items() if table != "stored_events"},
}
PG_SEEDS = range(int(os.environ.get("TAMPER_SEEDS", "2")))


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("campaign") / "instance"
    build(data)
    return data


def flipped(value: Any, kind: str, rng: random.Random) -> Any:
    """One bit of the value as stored: an integer's low byte, or a byte of its text or blob (text that
    no longer decodes is stored as the bytes a flipped file would hold)."""
    if kind == "integer":
        return value ^ (1 << rng.randrange(8))
    data = bytearray(value if isinstance(value, bytes) else str(value).encode())
    data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    if kind == "blob":
        return bytes(data)
    try:
        return bytes(data).decode()
    except UnicodeDecodeError:
        return bytes(data)


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_one_flipped_bit_anywhere_is_caught_and_named(base: Path, tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    data = tmp_path / "instance"
    shutil.copytree(base, data)
    table = rng.choice(sorted(COLUMNS))
    column = rng.choice(COLUMNS[table])
    with sqlite3.connect(data / SQLITE_FILE) as conn:
        rowid, value, kind = rng.choice(conn.execute(
            f"SELECT rowid, {column}, typeof({column}) FROM {table} WHERE {column} IS NOT NULL").fetchall())
        try:
            conn.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = ?", (flipped(value, kind, rng), rowid))
        except sqlite3.IntegrityError:
            pytest.skip("the flip collides with a key: the database itself refuses it, nothing is stored")
    ledger = open_ledger(data, PASSPHRASE)
    try:
        report = audit(ledger)  # raises nothing: every damage is a finding
    finally:
        ledger.close()
    assert not report.ok, f"{table}.{column} of row {rowid} changed and the audit passed"
    assert report.finding is not None and report.finding.problem


# PostgreSQL: targeted changes ------------------------------------------------------------------


@pytest.fixture(scope="module")
def pg_base(tmp_path_factory: pytest.TempPathFactory, postgres_server: str) -> Iterator[tuple[Path, str, str]]:
    """One built instance in a scratch schema, and a pristine copy of its tables to restore from."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(f"CREATE SCHEMA {schema}_orig")
    data = tmp_path_factory.mktemp("pg-campaign") / "instance"
    build(data, database_url=f"{postgres_server}?schema={schema}")
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        for table in PG_COLUMNS:
            conn.execute(f"CREATE TABLE {schema}_orig.{table} AS SELECT * FROM {schema}.{table}")
    yield data, postgres_server, schema
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.execute(f"DROP SCHEMA IF EXISTS {schema}_orig CASCADE")


def changed(value: Any, rng: random.Random) -> Any:
    """One bit of a PostgreSQL value, kept in its column's type (a uuid stays a uuid; text stays
    valid UTF-8 without NUL, as PostgreSQL requires)."""
    if isinstance(value, uuid.UUID):
        return uuid.UUID(int=value.int ^ (1 << rng.randrange(128)))
    if isinstance(value, int):
        return value ^ (1 << rng.randrange(8))
    if isinstance(value, bytes):
        data = bytearray(value)
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        return bytes(data)
    text = list(str(value))
    at = rng.randrange(len(text))
    flipped = chr(ord(text[at]) ^ (1 << rng.randrange(5)))
    text[at] = flipped if flipped != "\0" else "_"
    return "".join(text)


PG_CASES = [(table, column, seed) for table, columns in PG_COLUMNS.items() for column in [*columns, "DELETE"]
            for seed in PG_SEEDS]


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.parametrize(("table", "column", "seed"), PG_CASES)
def test_one_changed_value_or_deleted_row_in_postgres_is_caught_and_named(
        pg_base: tuple[Path, str, str], table: str, column: str, seed: int) -> None:
    data, server, schema = pg_base
    rng = random.Random(f"{table}.{column}.{seed}")
    with psycopg.connect(server, autocommit=True) as conn:
        rows = conn.execute(f"SELECT ctid, * FROM {schema}.{table} ORDER BY ctid").fetchall()
        names = [c.name for c in conn.execute(f"SELECT * FROM {schema}.{table} LIMIT 0").description or []]
        ctid, *row = rng.choice(rows)
        # An older checkpoint is a historical copy nothing reads (pages, tiles and proofs use the newest,
        # which the anchor outside the database guards): deleting one changes no meaning.
        harmless = table == "log_checkpoints" and column == "DELETE" and \
            row[names.index("size")] < max(r[1 + names.index("size")] for r in rows)
        try:
            if column == "DELETE":
                conn.execute(f"DELETE FROM {schema}.{table} WHERE ctid = %s", (ctid,))
            else:
                value = row[names.index(column)]
                if value is None:
                    pytest.skip(f"{table}.{column} is NULL in the chosen row")
                conn.execute(f"UPDATE {schema}.{table} SET {column} = %s WHERE ctid = %s", (changed(value, rng), ctid))
        except psycopg.errors.IntegrityError:
            pytest.skip("the change collides with a key: the database itself refuses it, nothing is stored")
        try:
            ledger = open_ledger(data, PASSPHRASE)
            try:
                report = audit(ledger)  # raises nothing: every damage is a finding
            finally:
                ledger.close()
        finally:
            conn.execute(f"DELETE FROM {schema}.{table}")
            conn.execute(f"INSERT INTO {schema}.{table} SELECT * FROM {schema}_orig.{table}")
    if harmless:
        assert report.ok
        return
    assert not report.ok, f"{table}.{column} of row {ctid} changed in PostgreSQL and the audit passed"
    assert report.finding is not None and report.finding.problem


@pytest.mark.postgres
def test_the_pristine_postgres_instance_audits_clean(pg_base: tuple[Path, str, str]) -> None:
    ledger = open_ledger(pg_base[0], PASSPHRASE)
    try:
        assert audit(ledger).ok
    finally:
        ledger.close()

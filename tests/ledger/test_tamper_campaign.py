"""A seeded, bounded tamper campaign on SQLite: one flipped bit in one value of one row of every
ledger-data table (events, journal, vault, log nodes and checkpoints, access facts). Every flip
that stores a changed value must be caught by `audit`, in process, with a finding and never an
exception. The campaign's wider run (1,000 seeds) is reported in the session note; the suite runs
a slice of it. Data are the fictional district of tests/ledger/test_ledger_audit.py.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
from pathlib import Path
from typing import Any

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
}
SEEDS = range(60)


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
            return  # the flip collides with a key: the database itself refuses it, nothing is stored
    ledger = open_ledger(data, PASSPHRASE)
    try:
        report = audit(ledger)  # raises nothing: every damage is a finding
    finally:
        ledger.close()
    assert not report.ok, f"{table}.{column} of row {rowid} changed and the audit passed"
    assert report.finding is not None and report.finding.problem

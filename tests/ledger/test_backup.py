"""Backup and restore (issue 10): a consistent online copy with the key store and the log's anchor,
restored as a new instance that audits clean and extends every checkpoint up to the backup, on
SQLite and PostgreSQL. People and schools are fictional."""

from __future__ import annotations

import uuid
from pathlib import Path

import psycopg
import pytest

from tests.ledger.test_ledger_audit import PASSPHRASE, build
from tests.support import run_cli


def cli(*args: str) -> tuple[int, str]:
    done = run_cli(None, *args, passphrase=PASSPHRASE)  # the harness's guards: no passphrase, no traceback
    return done.code, done.output


def test_a_sqlite_backup_restores_as_a_new_instance_that_audits_clean(tmp_path: Path) -> None:
    instance = build(tmp_path / "live")
    code, out = cli("--data", str(instance.data), "backup", str(tmp_path / "backup"))
    assert code == 0, out
    # The live instance goes on; the backup stays what it was.
    assert cli("--data", str(instance.data), "issuer", "add", "oakhollow", "--name", "Oak Hollow School")[0] == 0
    code, out = cli("--data", str(tmp_path / "restored"), "--json", "restore", str(tmp_path / "backup"))
    assert code == 0 and '"ok": true' in out, out
    assert '"events": 17' in out  # the backup's, not the live instance's 18
    # The restored instance is a working ledger: it records and audits.
    assert cli("--data", str(tmp_path / "restored"), "issuer", "add", "pinegate", "--name", "Pinegate School")[0] == 0
    assert cli("--data", str(tmp_path / "restored"), "audit")[0] == 0
    # Neither command writes into a directory that holds anything.
    code, out = cli("--data", str(instance.data), "backup", str(tmp_path / "backup"))
    assert code == 2 and "is not empty" in out
    code, out = cli("--data", str(tmp_path / "restored"), "restore", str(tmp_path / "backup"))
    assert code == 2 and "is not empty" in out
    code, out = cli("--data", str(tmp_path / "x"), "restore", str(tmp_path / "live"))
    assert code == 2 and "is not a credledger backup" in out


@pytest.mark.postgres
def test_a_postgres_backup_restores_into_a_fresh_database(tmp_path: Path, postgres_url: str) -> None:
    instance = build(tmp_path / "live", database_url=postgres_url)
    code, out = cli("--data", str(instance.data), "backup", str(tmp_path / "backup"))
    assert code == 0, out
    server, schema = postgres_url.split("?schema=")
    fresh = f"r_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {fresh}")
    try:
        target = f"{server.rsplit('/', 1)[0]}/{fresh}?schema={schema}"
        code, out = cli("--data", str(tmp_path / "restored"), "--json", "restore", str(tmp_path / "backup"),
                        "--postgres", target)
        assert code == 0 and '"ok": true' in out, out
        assert cli("--data", str(tmp_path / "restored"), "audit")[0] == 0
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {fresh} WITH (FORCE)")

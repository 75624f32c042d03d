"""What every benchmark stands on: a scratch instance and schema, the benchmark district.

A scratch directory (and, on PostgreSQL, a scratch schema) is made for one
run and removed after it, whatever happens; the instance in it uses a cheap
scrypt setting, since the key store's cost is not what is measured. May
import ledger.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from ledger.application import IssueRequest, Ledger
from ledger.config import postgres_env
from ledger.instance import init_instance

DISTRICT = "bench-district"
CREDENTIAL = "servsafe-manager"
EVIDENCE: dict[str, str | int] = {"certificate": "SS-1234567", "score": 88}
PASSPHRASE = "bench"


@contextmanager
def scratch_dir(prefix: str) -> Iterator[Path]:
    """A new temporary directory, removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextmanager
def scratch_schema(database_url: str | None, prefix: str = "bench") -> Iterator[str | None]:
    """`database_url` with a new schema of its own (dropped afterwards); None (SQLite) stays None."""
    if not database_url:
        yield None
        return
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    run_sql(database_url, f"CREATE SCHEMA {schema}")
    try:
        yield f"{database_url}?schema={schema}"
    finally:
        run_sql(database_url, f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def scratch_instance(data_dir: Path, *, database_url: str | None = None, passphrase: str = PASSPHRASE) -> Ledger:
    return init_instance(data_dir, passphrase, database_url=database_url, scrypt_n=2**10)


def setup_district(ledger: Ledger) -> str:
    """The benchmark district, one catalog entry and one student (returned)."""
    ledger.register_issuer(DISTRICT, "Benchmark District", "district")
    ledger.define_credential(CREDENTIAL, {
        "name": "ServSafe Food Protection Manager", "certifyingBody": "National Restaurant Association",
        "credentialType": "certification", "validityMonths": 60, "careerField": "Hospitality & Tourism"})
    return ledger.register_student(DISTRICT, {"name": "Bench Student", "birth_date": "2008-01-01",
                                              "local_id": "B-1"})


def issue_request(student: str) -> IssueRequest:
    """The award every benchmark issues: the district's one credential, to `student`."""
    return IssueRequest(DISTRICT, student, CREDENTIAL, date(2026, 5, 1), EVIDENCE)


def connect(database_url: str, *, autocommit: bool = False) -> Any:
    """A psycopg connection to the server and database of `database_url`."""
    import psycopg

    env = postgres_env(database_url)
    return psycopg.connect(host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"], user=env["POSTGRES_USER"],
                           password=env["POSTGRES_PASSWORD"] or None, dbname=env["POSTGRES_DBNAME"],
                           autocommit=autocommit)


def run_sql(database_url: str, statement: str) -> None:
    with connect(database_url, autocommit=True) as conn:
        conn.execute(statement)

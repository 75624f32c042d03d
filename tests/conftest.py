"""Fixtures shared by the whole suite: real SQLite files and a real PostgreSQL.

PostgreSQL tests use a scratch schema per test in the `test` database on
127.0.0.1:5432 (override with CREDLEDGER_TEST_POSTGRES). When CI=true a
missing server is a failure, never a skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from ledger.application import Ledger
from ledger.instance import init_instance, open_ledger
from tests.support import Clock

POSTGRES_URL = os.environ.get("CREDLEDGER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
PASSPHRASE = "test-passphrase"
TEST_SCRYPT_N = 2**10  # fast for tests; production uses keys.store.DEFAULT_SCRYPT_N


def _postgres_available() -> str | None:
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            return None
    except psycopg.OperationalError as e:
        return str(e).splitlines()[0]


@pytest.fixture(scope="session")
def postgres_server() -> str:
    problem = _postgres_available()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI and is not reachable at {POSTGRES_URL}: {problem}")
        pytest.skip(f"PostgreSQL not reachable ({problem})")
    return POSTGRES_URL


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A database URL pointing at a fresh schema, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield f"{postgres_server}?schema={schema}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str | None:
    """None for SQLite, a scratch-schema URL for PostgreSQL."""
    if request.param == "sqlite":
        return None
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def make_ledger(tmp_path: Path, backend: str | None, clock: Clock) -> Iterator[Callable[..., Ledger]]:
    """Create a ledger on the parametrized backend; reopen it with reopen=True."""
    opened: list[Ledger] = []

    def make(*, reopen: bool = False, encrypt_events: bool = False, name: str = "instance") -> Ledger:
        data_dir = tmp_path / name
        if reopen:
            ledger = open_ledger(data_dir, PASSPHRASE, clock=clock)
        else:
            ledger = init_instance(data_dir, PASSPHRASE, database_url=backend, encrypt_events=encrypt_events,
                                   scrypt_n=TEST_SCRYPT_N, clock=clock)
        opened.append(ledger)
        return ledger

    yield make
    for ledger in opened:
        ledger.close()


@pytest.fixture
def ledger(make_ledger: Callable[..., Ledger]) -> Ledger:
    return make_ledger()

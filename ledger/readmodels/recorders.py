"""The read models' recorder: SQL with `?` placeholders and bare table names, adapted per backend
(`ledger.readmodels.postgres` for PostgreSQL), one transaction per batch with its tracking record."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import Tracking
from eventsourcing.sqlite import SQLiteTrackingRecorder

from ledger.readmodels.schema import ADDED_COLUMNS, INDEXES, TABLES, Change
from ledger.store import sqlite_rows


class ReadModelMixin:
    """SQL with `?` placeholders, translated for psycopg; one transaction per batch."""

    placeholder = "?"
    table_prefix = ""

    if TYPE_CHECKING:  # from the eventsourcing TrackingRecorder that each read model mixes this into

        def max_tracking_id(self, application_name: str) -> int | None: ...

    def _sql(self, statement: str) -> str:
        for table in TABLES:
            statement = statement.replace(f" {table} ", f" {self.table_prefix}{table} ")
            statement = statement.replace(f" {table}(", f" {self.table_prefix}{table}(")
        return statement.replace("?", self.placeholder)

    def read_model_statements(self) -> list[str]:
        statements = [self._sql(f"CREATE TABLE IF NOT EXISTS {name} ({columns})") for name, columns in TABLES.items()]
        return statements + [self._sql(s) for s in INDEXES]

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def apply(self, changes: Sequence[Change], tracking: Tracking, expected: int | None) -> bool:
        """Write changes and tracking atomically; False if another processor got there first."""
        with self.datastore.transaction(commit=True) as c:  # type: ignore[attr-defined]
            self._one_processor_at_a_time(c, tracking)
            if self._max_tracking_id(tracking.application_name, c) != expected:  # type: ignore[attr-defined]
                return False
            for statement, params in changes:
                c.execute(self._sql(statement), params)
            self._insert_tracking(c, tracking)  # type: ignore[attr-defined]
        return True

    def write(self, changes: Sequence[Change]) -> None:
        """Statements outside the event projection (the signed status lists, which are not rows of
        events), in one transaction."""
        with self.datastore.transaction(commit=True) as c:  # type: ignore[attr-defined]
            for statement, params in changes:
                c.execute(self._sql(statement), params)

    def _one_processor_at_a_time(self, cursor: Any, tracking: Tracking) -> None:
        """Serialize processors before the tracking check, so the check and the changes are not
        interleaved with another processor's (each backend's own lock)."""
        raise NotImplementedError

    def clear(self, application_name: str) -> None:
        raise NotImplementedError


class SQLiteReadModel(ReadModelMixin, SQLiteTrackingRecorder):
    def construct_create_table_statements(self) -> list[str]:
        return super().construct_create_table_statements() + self.read_model_statements()

    def create_table(self) -> None:
        super().create_table()
        with self.datastore.transaction(commit=True) as c:
            for table, column, kind in ADDED_COLUMNS:
                c.execute(f"PRAGMA table_info({table})")
                if column not in [row[1] for row in c.fetchall()]:
                    c.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.datastore.transaction(commit=False) as c:
            return sqlite_rows(c, self._sql(statement), params)

    def _one_processor_at_a_time(self, cursor: Any, tracking: Tracking) -> None:
        # A write first takes SQLite's write lock.
        cursor.execute("UPDATE tracking SET notification_id = notification_id WHERE application_name = ?",
                       [tracking.application_name])

    def clear(self, application_name: str) -> None:
        with self.datastore.transaction(commit=True) as c:
            for table in TABLES:
                c.execute(f"DELETE FROM {table}")
            c.execute("DELETE FROM tracking WHERE application_name = ?", [application_name])

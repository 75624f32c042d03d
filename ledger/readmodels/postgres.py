"""The read models on PostgreSQL (imported only when PostgreSQL is configured): psycopg
placeholders, the schema prefix, tuple rows, and an advisory lock per projection."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Composed, Identifier

from ledger.readmodels.recorders import ReadModelMixin
from ledger.readmodels.schema import ADDED_COLUMNS, TABLES


class PostgresReadModel(ReadModelMixin, PostgresTrackingRecorder):
    placeholder = "%s"

    def __init__(self, datastore: Any, **kwargs: Any):
        super().__init__(datastore, **kwargs)
        self.table_prefix = f'"{datastore.schema}".' if datastore.schema else ""
        # eventsourcing keeps Composed statements (it calls .as_string() on each); one SQL part each.
        self.sql_create_statements.extend(Composed([SQL(s)]) for s in self.read_model_statements())
        self.sql_create_statements.extend(
            Composed([SQL(self._sql(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {kind}"))])
            for table, column, kind in ADDED_COLUMNS)

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        # Tuple rows: a dict row would merge same-named columns of a join.
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(self._sql(statement), params)
            return curs.fetchall()

    def _one_processor_at_a_time(self, cursor: Any, tracking: Tracking) -> None:
        # A transaction-scoped advisory lock per projection.
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [self.table_prefix + "rm"])

    def clear(self, application_name: str) -> None:
        with self.datastore.transaction(commit=True) as curs:
            for table in TABLES:
                curs.execute(f"DELETE FROM {self.table_prefix}{table}")
            curs.execute(SQL("DELETE FROM {0}.{1} WHERE application_name = %s").format(
                Identifier(self.datastore.schema), Identifier(self.tracking_table_name)), [application_name])

"""The PostgreSQL side of the ledger's storage, imported only when PostgreSQL is configured.

The SQL itself is shared with SQLite (ledger.store); this module supplies what
differs: psycopg placeholders, the schema prefix, tuple rows, and the locking
that serializes writers (the events table lock held by eventsourcing during an
insert). The read models' PostgreSQL side is ledger.readmodels.postgres.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from eventsourcing.persistence import IntegrityError as StoreIntegrityError
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Composed

from ledger.store import LedgerRecorderMixin

Change = tuple[str, Sequence[Any]]


class PostgresLedgerRecorder(LedgerRecorderMixin, PostgresApplicationRecorder):
    placeholder = "%s"
    blob_type = "BYTEA"

    def __init__(self, datastore: Any, **kwargs: Any):
        super().__init__(datastore, **kwargs)
        self.table_prefix = f'"{datastore.schema}".' if datastore.schema else ""
        # eventsourcing keeps Composed statements (it calls .as_string() on each); one SQL part each.
        self.sql_create_statements.extend(Composed([SQL(s)]) for s in self.ledger_table_statements())

    def _insert_events(self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        # eventsourcing runs this first in the insert's transaction, outside the part whose errors it
        # holds back until after the commit: an error raised here rolls everything back. Take the
        # table lock the insert takes anyway, then read the relations the batch relied on again.
        required = kwargs.get("required", ())
        if required:
            self._lock_table(curs)
            self._check_required(curs, required)

    def _fetch_ids_after_insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        notification_ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        assert notification_ids is not None
        try:
            self._write_ledger_rows(
                curs, stored_events, notification_ids, kwargs["journal"], kwargs.get("identities", {}),
                kwargs.get("relations", ()), kwargs.get("erased", ()), kwargs.get("statuses", ()),
                kwargs.get("resealed"),
            )
        except Exception:
            # eventsourcing holds an exception raised here back until its transaction block has ended,
            # and ends it with COMMIT: a fault of ours (not a database error, which aborts the
            # transaction itself) would store the events without their journal rows. Abort the
            # transaction on the server first, so that COMMIT stores nothing.
            try:
                curs.execute("DO $$ BEGIN RAISE EXCEPTION 'credledger: an internal fault "
                             "while writing the ledger rows; nothing was stored'; END $$")
            except psycopg.Error:
                pass  # the abort we asked for (in pipeline mode it surfaces at the block's end instead)
            raise
        return notification_ids

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        # Tuple rows: a dict row would merge same-named columns of a join.
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(self._sql(statement), params)
            return curs.fetchall()

    def execute(self, statement: str, params: Sequence[Any] = ()) -> int:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._sql(statement), params)
            return int(curs.rowcount)

    def execute_many(self, statements: Sequence[tuple[str, Sequence[Sequence[Any]]]]) -> bool:
        try:
            with self.datastore.transaction(commit=True) as curs:
                for statement, rows in statements:
                    curs.executemany(self._sql(statement), rows)
        except (StoreIntegrityError, psycopg.errors.UniqueViolation):
            return False
        return True

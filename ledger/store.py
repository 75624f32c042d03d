"""Persistence: eventsourcing's recorders, extended with the tables written in the same
transaction as the events (journal, vault, access facts), so a crash can never separate them.

- `ledger_journal`: one row per stored event in the ledger's global order, with a
  DENSE `position` (0, 1, 2 …: the transparency log's leaf index; eventsourcing's
  notification ids have gaps on PostgreSQL), the leaf bytes the log commits to,
  and the student the event concerns (to list a student's events without a scan).
- `student_identities`: the PII vault, one AES-GCM sealed row per student (deleted
  in the transaction that stores the student's signed `IdentityErased`).
- `ledger_relations`: who relates to which student (ledger.relations), the facts
  the access rule reads, derived from the events of the same transaction.
- `ledger_status_entries`: which entry of which of its Bitstring Status Lists each award
  holds (the `statusList`/`statusIndex` of its signed `CredentialIssued`), keyed by issuer,
  list and index, so two awards can never hold one entry: racing writers collide here.

Positions are taken inside the insert transaction while the events table is
locked (PostgreSQL takes an EXCLUSIVE table lock per insert; SQLite has one
writer), so positions follow commit order with no gap and no duplicate.
Tables are created only when CREATE_TABLE is on (`credledger init`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError as StoreIntegrityError
from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

from ledger.relations import ALL_BASES, ONCE_PER_REF, Change, Drop, Relation

# (student, institution, day YYYY-MM-DD, bases): a relation a batch was allowed on.
Requirement = tuple[str, str, str, frozenset[str]]
# (issuer DID, list number, index, award id): an award's entry in its issuer's status lists.
StatusEntry = tuple[str, int, int, str]


@dataclass(frozen=True)
class JournalEntry:
    """What the journal keeps for one event, beside the event itself."""

    event_type: str
    student_id: str | None
    leaf: bytes


@dataclass(frozen=True)
class JournalRow:
    position: int
    notification_id: int
    originator_id: str
    originator_version: int
    event_type: str
    student_id: str | None
    leaf: bytes


JOURNAL = "ledger_journal"
VAULT = "student_identities"
RELATIONS = "ledger_relations"
STATUS_ENTRIES = "ledger_status_entries"
NODES = "log_nodes"
CHECKPOINTS = "log_checkpoints"
COSIGNATURES = "log_cosignatures"


class LedgerRecorderMixin:
    """SQL shared by both backends; `?` placeholders, translated for psycopg."""

    placeholder = "?"
    blob_type = "BLOB"
    table_prefix = ""

    def _sql(self, statement: str) -> str:
        # {t:name} names a table of another layer (the web's), in this store's schema.
        statement = re.sub(r"\{t:(\w+)\}", lambda m: self.table_prefix + m.group(1), statement)
        statement = statement.replace("{journal}", self.table_prefix + JOURNAL)
        statement = statement.replace("{vault}", self.table_prefix + VAULT)
        statement = statement.replace("{relations}", self.table_prefix + RELATIONS)
        statement = statement.replace("{status_entries}", self.table_prefix + STATUS_ENTRIES)
        statement = statement.replace("{nodes}", self.table_prefix + NODES)
        statement = statement.replace("{checkpoints}", self.table_prefix + CHECKPOINTS)
        statement = statement.replace("{cosignatures}", self.table_prefix + COSIGNATURES)
        return statement.replace("?", self.placeholder)

    def ledger_table_statements(self) -> list[str]:
        return [
            self._sql(
                "CREATE TABLE IF NOT EXISTS {journal} ("
                "position BIGINT PRIMARY KEY, notification_id BIGINT NOT NULL UNIQUE, "
                "originator_id TEXT NOT NULL, originator_version BIGINT NOT NULL, "
                f"event_type TEXT NOT NULL, student_id TEXT, leaf {self.blob_type} NOT NULL)"
            ),
            self._sql("CREATE INDEX IF NOT EXISTS ledger_journal_student ON {journal} (student_id)"),
            self._sql("CREATE INDEX IF NOT EXISTS ledger_journal_stream ON {journal} (originator_id, originator_version)"),
            self._sql("CREATE INDEX IF NOT EXISTS ledger_journal_type ON {journal} (event_type)"),
            self._sql(
                "CREATE TABLE IF NOT EXISTS {vault} ("
                f"student_id TEXT PRIMARY KEY, sealed {self.blob_type} NOT NULL)"
            ),
            self._sql(
                "CREATE TABLE IF NOT EXISTS {relations} ("
                "student_id TEXT NOT NULL, institution TEXT NOT NULL, basis TEXT NOT NULL, ref TEXT NOT NULL, "
                "until TEXT, PRIMARY KEY (student_id, institution, basis, ref))"
            ),
            self._sql("CREATE INDEX IF NOT EXISTS ledger_relations_institution ON {relations} (institution)"),
            self._sql("CREATE INDEX IF NOT EXISTS ledger_relations_ref ON {relations} (ref)"),
            # An award is amended once and offered to one receiver at a time: racing writers collide here.
            self._sql("CREATE UNIQUE INDEX IF NOT EXISTS ledger_relations_once ON {relations} (ref, basis) "
                      f"WHERE basis IN ({', '.join(repr(b) for b in ONCE_PER_REF)})"),
            self._sql(
                "CREATE TABLE IF NOT EXISTS {status_entries} ("
                "issuer TEXT NOT NULL, list INTEGER NOT NULL, idx INTEGER NOT NULL, award TEXT NOT NULL UNIQUE, "
                "PRIMARY KEY (issuer, list, idx))"
            ),
            # The Merkle log: every perfect subtree hash, written once (ledger.log).
            self._sql(
                "CREATE TABLE IF NOT EXISTS {nodes} ("
                f"level INTEGER NOT NULL, idx BIGINT NOT NULL, hash {self.blob_type} NOT NULL, "
                "PRIMARY KEY (level, idx))"
            ),
            self._sql("CREATE INDEX IF NOT EXISTS log_leaf_hash ON {nodes} (hash) WHERE level = 0"),
            self._sql(
                "CREATE TABLE IF NOT EXISTS {checkpoints} ("
                f"size BIGINT PRIMARY KEY, root {self.blob_type} NOT NULL, note TEXT NOT NULL, "
                "signed_at TEXT NOT NULL)"
            ),
            # Witnesses' cosignature lines of kept checkpoints (ledger.witnessing), each verified before
            # it is kept: evidence that cannot be forged here, so not ledger data the audit compares.
            self._sql(
                "CREATE TABLE IF NOT EXISTS {cosignatures} ("
                "size BIGINT NOT NULL, witness TEXT NOT NULL, line TEXT NOT NULL, cosigned_at BIGINT NOT NULL, "
                "PRIMARY KEY (size, witness))"
            ),
        ]

    def _write_ledger_rows(
        self,
        cursor: Any,
        stored_events: Sequence[StoredEvent],
        notification_ids: Sequence[int],
        journal: Mapping[tuple[UUID, int], JournalEntry],
        identities: Mapping[str, bytes],
        relations: Sequence[Change],
        erased: Sequence[str] = (),
        statuses: Sequence[StatusEntry] = (),
        resealed: Mapping[str, bytes] | None = None,
    ) -> None:
        rows = []
        for stored, notification_id in zip(stored_events, notification_ids):
            entry = journal[(UUID(str(stored.originator_id)), stored.originator_version)]
            rows.append(
                (
                    notification_id,
                    str(stored.originator_id),
                    stored.originator_version,
                    entry.event_type,
                    entry.student_id,
                    entry.leaf,
                )
            )
        # The position subquery sees the rows inserted before it in this
        # transaction, and the events-table lock keeps other writers out.
        cursor.executemany(
            self._sql(
                "INSERT INTO {journal} (position, notification_id, originator_id, "
                "originator_version, event_type, student_id, leaf) VALUES ("
                "(SELECT COALESCE(MAX(position) + 1, 0) FROM {journal}), ?, ?, ?, ?, ?, ?)"
            ),
            rows,
        )
        if identities:
            cursor.executemany(
                self._sql("INSERT INTO {vault} (student_id, sealed) VALUES (?, ?)"),
                list(identities.items()),
            )
        if resealed:
            # A vault row sealed anew (a state id recorded later: ledger.enrollment), with the event whose
            # commitment it opens. UPDATE, never insert: an erased student's row is not brought back.
            cursor.executemany(self._sql("UPDATE {vault} SET sealed = ? WHERE student_id = ?"),
                               [(sealed, student_id) for student_id, sealed in resealed.items()])
        self._write_relations(cursor, relations)
        if statuses:  # a duplicate entry is a uniqueness conflict: the batch is refused, nothing stored
            cursor.executemany(self._sql("INSERT INTO {status_entries} (issuer, list, idx, award) VALUES (?, ?, ?, ?)"),
                               [list(entry) for entry in statuses])
        for student_id in erased:
            cursor.execute(self._sql("DELETE FROM {vault} WHERE student_id = ?"), [student_id])

    def _check_required(self, cursor: Any, required: Sequence[Requirement]) -> None:
        """The relations a batch was allowed on, read again inside its own transaction while it holds
        the write lock, so a share withdrawn a moment ago by another writer cannot be relied on. Raises
        before anything of the transaction can commit (see each backend's caller)."""
        for requirement in required:
            cursor.execute(*self._relation_probe(*requirement))
            if cursor.fetchone() is None:
                raise StoreIntegrityError("a relation the batch relied on ended meanwhile")

    def _write_relations(self, cursor: Any, changes: Sequence[Change]) -> None:
        """Apply relation facts in order (an ending fact may follow the one it ends); runs of new
        facts go in one executemany."""
        columns = "INSERT INTO {relations} (student_id, institution, basis, ref, until) VALUES (?, ?, ?, ?, ?)"
        # A fact that exists once per ref is inserted plainly: a second one is a conflict, not a no-op.
        inserts = {False: self._sql(columns + " ON CONFLICT DO NOTHING"), True: self._sql(columns)}
        delete = self._sql("DELETE FROM {relations} WHERE ref = ? AND (CAST(? AS TEXT) IS NULL OR basis = ?) "
                           "AND (CAST(? AS TEXT) IS NULL OR institution = ?)")
        run: list[list[Any]] = []
        once = False
        for change in [*changes, None]:
            if isinstance(change, Relation) and (not run or (change.basis in ONCE_PER_REF) == once):
                once = change.basis in ONCE_PER_REF
                run.append([change.student, change.institution, change.basis, change.ref, change.until])
                continue
            if run:
                cursor.executemany(inserts[once], run)
                run = []
            if isinstance(change, Relation):
                once = change.basis in ONCE_PER_REF
                run.append([change.student, change.institution, change.basis, change.ref, change.until])
                continue
            if isinstance(change, Drop):
                cursor.execute(delete, [change.ref, change.basis, change.basis, change.institution,
                                        change.institution])

    # Reads -----------------------------------------------------------------

    # SQL access for this module and for the web layer's own tables. Statements use
    # `?` placeholders and {table} names; `_sql` adapts them (it is idempotent).

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        raise NotImplementedError

    def execute(self, statement: str, params: Sequence[Any] = ()) -> int:
        raise NotImplementedError

    def journal_size(self) -> int:
        rows = self.query(self._sql("SELECT COUNT(*) AS n FROM {journal}"), [])
        return int(rows[0][0])

    def select_journal(self, start: int, limit: int) -> list[JournalRow]:
        return self._journal_rows(
            "WHERE position >= ? ORDER BY position LIMIT ?", [start, limit]
        )

    def select_journal_for_student(self, student_id: str) -> list[JournalRow]:
        return self._journal_rows("WHERE student_id = ? ORDER BY position", [student_id])

    def select_journal_of_stream(self, stream_id: str) -> list[JournalRow]:
        return self._journal_rows("WHERE originator_id = ? ORDER BY position", [stream_id])

    def select_journal_of_type(self, event_type: str) -> list[JournalRow]:
        return self._journal_rows("WHERE event_type = ? ORDER BY position", [event_type])

    def _journal_rows(self, where: str, params: Sequence[Any]) -> list[JournalRow]:
        rows = self.query(
            self._sql(
                "SELECT position, notification_id, originator_id, originator_version, "
                f"event_type, student_id, leaf FROM {{journal}} {where}"
            ),
            params,
        )
        return [
            JournalRow(int(r[0]), int(r[1]), str(r[2]), int(r[3]), r[4], r[5], bytes(r[6]))
            for r in rows
        ]

    def positions_of(self, first_notification: int, last_notification: int) -> dict[int, int]:
        """notification id -> log position, for a range of notifications."""
        rows = self.query(
            self._sql("SELECT notification_id, position FROM {journal} WHERE notification_id >= ? "
                      "AND notification_id <= ?"),
            [first_notification, last_notification],
        )
        return {int(r[0]): int(r[1]) for r in rows}

    def select_journal_leaves(self, start: int, stop: int) -> list[bytes]:
        rows = self.query(
            self._sql("SELECT leaf FROM {journal} WHERE position >= ? AND position < ? ORDER BY position"),
            [start, stop],
        )
        return [bytes(r[0]) for r in rows]

    # The Merkle log --------------------------------------------------------

    def log_size(self) -> int:
        rows = self.query(self._sql("SELECT COALESCE(MAX(idx) + 1, 0) FROM {nodes} WHERE level = 0"), [])
        return int(rows[0][0])

    def select_nodes(self, ids: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        ids = list(ids)
        if not ids:
            return {}
        where = " OR ".join(["(level = ? AND idx = ?)"] * len(ids))
        params = [v for node in ids for v in node]
        rows = self.query(self._sql(f"SELECT level, idx, hash FROM {{nodes}} WHERE {where}"), params)
        return {(int(r[0]), int(r[1])): bytes(r[2]) for r in rows}

    def select_level(self, level: int, start: int, stop: int) -> list[bytes]:
        """Stored hashes of one tree level, indices [start, stop), in order."""
        rows = self.query(
            self._sql("SELECT hash FROM {nodes} WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx"),
            [level, start, stop],
        )
        return [bytes(r[0]) for r in rows]

    def leaf_position(self, leaf_hash: bytes) -> int | None:
        rows = self.query(self._sql("SELECT MIN(idx) FROM {nodes} WHERE level = 0 AND hash = ?"), [leaf_hash])
        return None if not rows or rows[0][0] is None else int(rows[0][0])

    def insert_log(self, nodes: Sequence[tuple[tuple[int, int], bytes]], checkpoint: tuple[int, bytes, str, str]) -> bool:
        """Store new nodes and their signed checkpoint together; False if another integrator won."""
        return self.execute_many(
            [
                (self._sql("INSERT INTO {nodes} (level, idx, hash) VALUES (?, ?, ?)"),
                 [(level, idx, value) for (level, idx), value in nodes]),
                (self._sql("INSERT INTO {checkpoints} (size, root, note, signed_at) VALUES (?, ?, ?, ?)"),
                 [checkpoint]),
            ]
        )

    def latest_checkpoint(self) -> tuple[int, bytes, str] | None:
        rows = self.query(self._sql("SELECT size, root, note FROM {checkpoints} ORDER BY size DESC LIMIT 1"), [])
        return (int(rows[0][0]), bytes(rows[0][1]), str(rows[0][2])) if rows else None

    def insert_cosignature(self, size: int, witness: str, line: str, cosigned_at: int) -> bool:
        """Keep a witness's verified cosignature line of the checkpoint of `size` (False: kept already)."""
        return self.execute_many([(self._sql("INSERT INTO {cosignatures} (size, witness, line, cosigned_at) "
                                             "VALUES (?, ?, ?, ?)"), [(size, witness, line, cosigned_at)])])

    def cosignature_lines(self, size: int) -> dict[str, str]:
        rows = self.query(self._sql("SELECT witness, line FROM {cosignatures} WHERE size = ? ORDER BY witness"), [size])
        return {str(r[0]): str(r[1]) for r in rows}

    def select_cosignatures(self) -> list[tuple[int, str, str, int]]:
        """Every kept cosignature: (size, witness, line, cosigned_at), for the audit."""
        rows = self.query(self._sql("SELECT size, witness, line, cosigned_at FROM {cosignatures} ORDER BY size, witness"),
                          [])
        return [(int(r[0]), str(r[1]), str(r[2]), int(r[3])) for r in rows]

    def latest_checkpoint_cosigned_by(self, quorum: int) -> tuple[int, bytes, str] | None:
        """The newest checkpoint holding at least `quorum` cosignatures (its note without them)."""
        rows = self.query(self._sql(
            "SELECT c.size, c.root, c.note FROM {checkpoints} c WHERE (SELECT COUNT(*) FROM {cosignatures} s "
            "WHERE s.size = c.size) >= ? ORDER BY c.size DESC LIMIT 1"), [quorum])
        return (int(rows[0][0]), bytes(rows[0][1]), str(rows[0][2])) if rows else None

    def latest_cosigned_size(self, witness: str) -> int | None:
        """The largest checkpoint this witness cosigned for us (what it should hold as our latest)."""
        rows = self.query(self._sql("SELECT MAX(size) FROM {cosignatures} WHERE witness = ?"), [witness])
        return None if not rows or rows[0][0] is None else int(rows[0][0])

    def select_checkpoints(self) -> list[tuple[int, bytes, str]]:
        rows = self.query(self._sql("SELECT size, root, note FROM {checkpoints} ORDER BY size"), [])
        return [(int(r[0]), bytes(r[1]), str(r[2])) for r in rows]

    def execute_many(self, statements: Sequence[tuple[str, Sequence[Sequence[Any]]]]) -> bool:
        """Run each statement over its rows, all in one transaction; False on a uniqueness conflict."""
        raise NotImplementedError

    # Relations (ledger.relations) ---------------------------------------------

    def select_relations(self, student_id: str, institution: str) -> list[Relation]:
        rows = self.query(self._sql("SELECT student_id, institution, basis, ref, until FROM {relations} "
                                    "WHERE student_id = ? AND institution = ?"), [student_id, institution])
        return [Relation(*(None if v is None else str(v) for v in r)) for r in rows]  # type: ignore[arg-type]

    def select_bases(self, student_id: str, institution: str, on: str) -> frozenset[str]:
        """The bases on which the institution relates to the student on that day (YYYY-MM-DD)."""
        # One indexed probe per basis (the primary key's prefix), not a scan of the pair's facts:
        # a student's record may hold many awards of one institution, each a fact.
        probe = ("SELECT CAST(? AS TEXT) WHERE EXISTS (SELECT 1 FROM {relations} WHERE student_id = ? AND "
                 "institution = ? AND basis = ? AND (until IS NULL OR until >= ?))")
        rows = self.query(self._sql(" UNION ALL ".join([probe] * len(ALL_BASES))),
                          [v for basis in sorted(ALL_BASES) for v in (basis, student_id, institution, basis, on)])
        return frozenset(str(r[0]) for r in rows)

    def has_relation(self, student_id: str, institution: str, on: str, bases: frozenset[str]) -> bool:
        """Whether the institution relates to the student on that day on one of `bases` (one probe)."""
        return bool(self.query(*self._relation_probe(student_id, institution, on, bases)))

    def _relation_probe(self, student_id: str, institution: str, on: str,
                        bases: frozenset[str]) -> tuple[str, list[Any]]:
        """The one statement asking whether a relation holds: before a batch and inside its commit."""
        marks = ", ".join("?" * len(bases))
        return (self._sql(f"SELECT 1 FROM {{relations}} WHERE student_id = ? AND institution = ? AND basis IN "
                          f"({marks}) AND (until IS NULL OR until >= ?) LIMIT 1"),
                [student_id, institution, *sorted(bases), on])

    def select_all_relations(self) -> list[Relation]:
        rows = self.query(self._sql("SELECT student_id, institution, basis, ref, until FROM {relations}"), [])
        return [Relation(*(None if v is None else str(v) for v in r)) for r in rows]  # type: ignore[arg-type]

    def select_related_students(self, institution: str, on: str | None, bases: Sequence[str]) -> set[str]:
        """Students the institution relates to on one of `bases`, on that day (None: whatever the day)."""
        return {str(r[0]) for r in self.query(*self.related_students_query(institution, on, bases))}

    def related_students_query(self, institution: str, on: str | None,
                               bases: Sequence[str]) -> tuple[str, list[Any]]:
        """The statement (in this store's SQL) and parameters of `select_related_students`: also a
        subquery for the read models, which live in the same database, so a page of students is
        filtered, sorted and cut there rather than over every id in Python."""
        marks = ", ".join("?" * len(bases))
        return (self._sql(f"SELECT DISTINCT student_id FROM {{relations}} WHERE institution = ? "
                          f"AND (CAST(? AS TEXT) IS NULL OR until IS NULL OR until >= ?) AND basis IN ({marks})"),
                [institution, on, on, *bases])

    def relation_exists(self, ref: str, basis: str) -> bool:
        return bool(self.query(self._sql("SELECT 1 FROM {relations} WHERE ref = ? AND basis = ?"), [ref, basis]))

    def replace_relations(self, relations: Sequence[Relation]) -> None:
        """Rebuild the facts from scratch (`credledger migrate` on a store made before they were kept)."""
        self.execute_many([
            (self._sql("DELETE FROM {relations}"), [[]]),
            (self._sql("INSERT INTO {relations} (student_id, institution, basis, ref, until) VALUES (?, ?, ?, ?, ?)"),
             [[r.student, r.institution, r.basis, r.ref, r.until] for r in relations]),
        ])

    # Status list entries (ledger.vc.statuslist) -------------------------------

    def status_list_sizes(self, issuer: str) -> dict[int, int]:
        """How many entries of each of the issuer's status lists are held, by list number."""
        rows = self.query(self._sql("SELECT list, COUNT(*) FROM {status_entries} WHERE issuer = ? GROUP BY list"),
                          [issuer])
        return {int(r[0]): int(r[1]) for r in rows}

    def status_entries_taken(self, issuer: str, list_number: int, indices: Sequence[int]) -> set[int]:
        """Which of `indices` of the issuer's list are held by an award."""
        if not indices:
            return set()
        marks = ", ".join("?" * len(indices))
        rows = self.query(self._sql(f"SELECT idx FROM {{status_entries}} WHERE issuer = ? AND list = ? "
                                    f"AND idx IN ({marks})"), [issuer, list_number, *indices])
        return {int(r[0]) for r in rows}

    def select_status_entries(self) -> list[StatusEntry]:
        rows = self.query(self._sql("SELECT issuer, list, idx, award FROM {status_entries}"), [])
        return [(str(r[0]), int(r[1]), int(r[2]), str(r[3])) for r in rows]

    def replace_status_entries(self, entries: Sequence[StatusEntry]) -> None:
        """Rebuild the entries from the events (`credledger migrate`)."""
        self.execute_many([
            (self._sql("DELETE FROM {status_entries}"), [[]]),
            (self._sql("INSERT INTO {status_entries} (issuer, list, idx, award) VALUES (?, ?, ?, ?)"),
             [list(e) for e in entries]),
        ])

    def noncanonical_events(self) -> list[tuple[int, str, int]]:
        """(notification id, stream id as stored, version) of events whose id is not spelled canonically.
        PostgreSQL stores ids as `uuid`, so only SQLite's text can be misspelled."""
        return []

    def select_vault(self, after: str, limit: int) -> list[tuple[str, bytes]]:
        """Vault rows in student-id order, after `after` (paging for the audit)."""
        rows = self.query(self._sql("SELECT student_id, sealed FROM {vault} WHERE student_id > ? "
                                    "ORDER BY student_id LIMIT ?"), [after, limit])
        return [(str(r[0]), bytes(r[1])) for r in rows]

    def select_identities(self, student_ids: Sequence[str]) -> list[tuple[str, bytes]]:
        """The sealed vault rows of these students (erased ones have none), a few hundred ids per query."""
        rows: list[tuple[str, bytes]] = []
        for i in range(0, len(student_ids), 500):
            chunk = list(student_ids[i:i + 500])
            rows += [(str(r[0]), bytes(r[1])) for r in self.query(self._sql(
                "SELECT student_id, sealed FROM {vault} WHERE student_id IN (" + ", ".join("?" * len(chunk)) + ")"),
                chunk)]
        return rows

    def freshness(self, student_id: str) -> tuple[int, bool]:
        """The log's size in entries and whether the student's vault row exists, in one query: what a
        cached verification of the student's record depends on (an erasure deletes the row)."""
        rows = self.query(self._sql("SELECT (SELECT COALESCE(MAX(position) + 1, 0) FROM {journal}), "
                                    "(SELECT COUNT(*) FROM {vault} WHERE student_id = ?)"), [student_id])
        return int(rows[0][0]), bool(rows[0][1])

    def select_identity(self, student_id: str) -> bytes | None:
        rows = self.query(self._sql("SELECT sealed FROM {vault} WHERE student_id = ?"), [student_id])
        return bytes(rows[0][0]) if rows else None


def sqlite_rows(cursor: Any, statement: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Run a query on eventsourcing's SQLite cursor (`transaction()`'s, this query's own) for plain tuples, not
    its sqlite3.Row objects converted one by one: a district report reads 100,000 rows."""
    sqlite_cursor = cursor.sqlite_cursor
    sqlite_cursor.row_factory = None
    sqlite_cursor.execute(statement, params)
    return list(sqlite_cursor.fetchall())


class SQLiteLedgerRecorder(LedgerRecorderMixin, SQLiteApplicationRecorder):
    def construct_create_table_statements(self) -> list[str]:
        return super().construct_create_table_statements() + self.ledger_table_statements()

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        notification_ids = super()._insert_events(c, stored_events, **kwargs)
        assert notification_ids is not None
        # After the insert this transaction holds SQLite's one write lock: the check holds until commit.
        self._check_required(c, kwargs.get("required", ()))
        self._write_ledger_rows(
            c, stored_events, notification_ids, kwargs["journal"], kwargs.get("identities", {}),
            kwargs.get("relations", ()), kwargs.get("erased", ()), kwargs.get("statuses", ()),
            kwargs.get("resealed"),
        )
        return notification_ids

    def noncanonical_events(self) -> list[tuple[int, str, int]]:
        rows = self.query(f"SELECT rowid, originator_id, originator_version FROM {self.events_table_name} "
                          "WHERE typeof(originator_id) <> 'text' OR length(originator_id) <> 32 "
                          "OR originator_id GLOB '*[^0-9a-f]*' ORDER BY rowid")
        return [(int(r[0]), str(r[1]), int(r[2])) for r in rows]

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        with self.datastore.transaction(commit=False) as c:
            return sqlite_rows(c, self._sql(statement), params)

    def execute(self, statement: str, params: Sequence[Any] = ()) -> int:
        with self.datastore.transaction(commit=True) as c:
            c.execute(self._sql(statement), params)
            return int(c.sqlite_cursor.rowcount)  # eventsourcing's cursor wrapper has no rowcount

    def execute_many(self, statements: Sequence[tuple[str, Sequence[Sequence[Any]]]]) -> bool:
        try:
            with self.datastore.transaction(commit=True) as c:
                for statement, rows in statements:
                    c.executemany(self._sql(statement), rows)
        except StoreIntegrityError:
            return False
        return True

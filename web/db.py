"""The web layer's own tables: accounts, API tokens, claim codes, share links,
the record of disclosures, pending transfers, CSV imports awaiting commit,
each institution's crosswalk of vendor exam codes and rate-limit counters.

They live beside the ledger's tables (same SQLite file or PostgreSQL schema)
and are reached through the ledger store's connection, by `WebTables` only:
its statements may name web tables and nothing else, so the web never writes
SQL against what the ledger owns (it asks `ledger` and `ledger.readmodels`).
None of them is part of the signed record: they are who may act, not what
happened.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ledger.store import LedgerRecorderMixin, SQLiteLedgerRecorder

TABLES = {
    "web_users": (
        "id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL, password_hash TEXT NOT NULL, "
        "issuer TEXT, role TEXT NOT NULL, created TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0, "
        "session_version INTEGER NOT NULL DEFAULT 0"
    ),
    "web_api_tokens": (
        "id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, issuer TEXT NOT NULL, role TEXT NOT NULL, "
        "label TEXT NOT NULL, created TEXT NOT NULL, revoked TEXT"
    ),
    "web_claims": (
        "id TEXT PRIMARY KEY, code_hash TEXT NOT NULL UNIQUE, student_id TEXT NOT NULL, issuer TEXT NOT NULL, "
        "created TEXT NOT NULL, revoked TEXT, last_used TEXT"
    ),
    "web_share_links": (
        "id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, student_id TEXT NOT NULL, awards TEXT, "
        "label TEXT NOT NULL, created TEXT NOT NULL, expires TEXT NOT NULL, revoked TEXT, "
        "kind TEXT NOT NULL DEFAULT 'share'"
    ),
    "web_disclosures": (
        "id TEXT PRIMARY KEY, link_id TEXT NOT NULL, student_id TEXT NOT NULL, at TEXT NOT NULL, "
        "channel TEXT NOT NULL, viewer TEXT NOT NULL"
    ),
    "web_rate_limits": "key TEXT PRIMARY KEY, window_start BIGINT NOT NULL, hits INTEGER NOT NULL",
    # CSV imports between upload and commit (web.imports): the validated rows as JSON.
    "web_imports": (
        "id TEXT PRIMARY KEY, issuer TEXT NOT NULL, created_by TEXT NOT NULL, created TEXT NOT NULL, "
        "filename TEXT NOT NULL, status TEXT NOT NULL, total INTEGER NOT NULL, invalid INTEGER NOT NULL, "
        "data TEXT NOT NULL, message TEXT, started TEXT, finished TEXT, last_position BIGINT"
    ),
    # An institution's crosswalk from vendors' exam codes to catalog codes (web.crosswalk): configuration
    # of how it reads result files, not a fact about a student (the award signs the code it resolved to).
    "web_crosswalk": (
        "issuer TEXT NOT NULL, vendor TEXT NOT NULL, exam_code TEXT NOT NULL, credential TEXT NOT NULL, "
        "updated TEXT NOT NULL, updated_by TEXT NOT NULL, PRIMARY KEY (issuer, vendor, exam_code)"
    ),
}
# Columns added after a table was first made: `credledger migrate` adds them to an existing database
# (the default is right for every row already there).
ADDED_COLUMNS = [
    ("web_share_links", "kind", "TEXT NOT NULL DEFAULT 'share'"),  # web.sharing: share | file
    ("web_users", "session_version", "INTEGER NOT NULL DEFAULT 0"),  # sessions end on sign-out (web.auth)
]
INDEXES = [
    "CREATE INDEX IF NOT EXISTS web_share_links_student ON {t:web_share_links} (student_id)",
    "CREATE INDEX IF NOT EXISTS web_disclosures_student ON {t:web_disclosures} (student_id)",
    "CREATE INDEX IF NOT EXISTS web_claims_student ON {t:web_claims} (student_id)",
    "CREATE INDEX IF NOT EXISTS web_imports_issuer ON {t:web_imports} (issuer, created)",
]


class WebTables:
    """SQL on the web's own tables: `{t:web_…}` names them; any other table is refused (a bug of ours)."""

    _NAMES = re.compile(r"\{(t:)?(\w+)\}")
    _LEDGER_TABLE = re.compile(r"\b(rm_\w+|ledger_\w+|log_nodes|log_checkpoints|stored_events|student_identities|"
                               r"tracking)\b", re.IGNORECASE)  # unquoted SQL names ignore case

    def __init__(self, store: LedgerRecorderMixin):
        self._store = store

    @property
    def sqlite(self) -> bool:
        return isinstance(self._store, SQLiteLedgerRecorder)

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        checked = self._checked(statement)
        return self._store.query(checked, params)

    def execute(self, statement: str, params: Sequence[Any] = ()) -> int:
        checked = self._checked(statement)
        return self._store.execute(checked, params)

    def execute_many(self, statements: Sequence[tuple[str, Sequence[Sequence[Any]]]]) -> None:
        """Each statement over its rows, all in one transaction."""
        if not self._store.execute_many([(self._checked(statement), rows) for statement, rows in statements]):
            raise ValueError("a web table refused a row as a duplicate")  # random ids: a bug of ours

    def _checked(self, statement: str) -> str:
        named = self._NAMES.findall(statement)
        if not named or any(not prefix or name not in TABLES for prefix, name in named) \
                or self._LEDGER_TABLE.search(statement):
            raise ValueError("the web's SQL names only the web's own tables, as {t:web_…}")
        return statement


def create_web_tables(store: LedgerRecorderMixin) -> None:
    """Create the web tables (at `credledger init` / `migrate`, never by workers)."""
    web = WebTables(store)
    for name, columns in TABLES.items():
        web.execute(f"CREATE TABLE IF NOT EXISTS {{t:{name}}} ({columns})")
    for table, column, definition in ADDED_COLUMNS:
        if web.sqlite:  # SQLite has no ADD COLUMN IF NOT EXISTS
            if not web.query(f"SELECT 1 FROM pragma_table_info('{{t:{table}}}') WHERE name = ?", [column]):
                web.execute(f"ALTER TABLE {{t:{table}}} ADD COLUMN {column} {definition}")
        else:
            web.execute(f"ALTER TABLE {{t:{table}}} ADD COLUMN IF NOT EXISTS {column} {definition}")
    for statement in INDEXES:
        web.execute(statement)

"""Read models rebuilt from the events: transcripts, award status, issuer directory.

Built on eventsourcing's own machinery: the view is a TrackingRecorder (its
tables live beside the ledger's, on SQLite or PostgreSQL), every batch of
changes is written in one transaction together with the tracking record of
the last notification it covers, so processing is idempotent and a restarted
processor continues exactly where the last commit left off. The runner reads
the ledger's notification log in bulk (which works on SQLite too, where
eventsourcing's subscriptions do not). `rebuild()` clears the views and
replays everything; the result equals the incrementally maintained one.

Readers that must see their own write call `wait(notification_id)`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.sqlite import SQLiteTrackingRecorder

from ledger.application import Ledger
from ledger.errors import NotFoundError
from verifiers.protocol import documents as d
from verifiers.timestamps import format_timestamp

PAGE = 500
Change = tuple[str, Sequence[Any]]

TABLES = {
    "rm_awards": (
        "award_id TEXT PRIMARY KEY, student_id TEXT NOT NULL, issuer TEXT NOT NULL, custodian TEXT NOT NULL, "
        "credential TEXT NOT NULL, earned TEXT NOT NULL, expires TEXT, evidence TEXT NOT NULL, "
        "supersedes TEXT, superseded_by TEXT, revoked_reason TEXT, revoked_note TEXT, revoked_effective TEXT, "
        "issued_at TEXT NOT NULL, position BIGINT NOT NULL"
    ),
    "rm_custody": (
        "award_id TEXT NOT NULL, sequence INTEGER NOT NULL, from_did TEXT NOT NULL, to_did TEXT NOT NULL, "
        "reason TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (award_id, sequence)"
    ),
    "rm_students": (
        "student_id TEXT PRIMARY KEY, registered_by TEXT NOT NULL, registered_at TEXT NOT NULL, cohort INTEGER"
    ),
    "rm_issuers": "did TEXT PRIMARY KEY, slug TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL",
    "rm_issuer_keys": (
        "did TEXT NOT NULL, key_id TEXT NOT NULL, valid_from TEXT NOT NULL, retired_at TEXT, "
        "compromised_at TEXT, PRIMARY KEY (did, key_id)"
    ),
    "rm_credentials": (
        "code TEXT PRIMARY KEY, name TEXT NOT NULL, certifying_body TEXT NOT NULL, credential_type TEXT NOT NULL, "
        "validity_months INTEGER, career_field TEXT, career_cluster TEXT, soc TEXT, naics TEXT, cip TEXT"
    ),
    # One row per listing event; ledger.statelists resolves them to the terms of each school year.
    "rm_listings": (
        "stream TEXT NOT NULL, sequence INTEGER NOT NULL, listed BOOLEAN NOT NULL, credential TEXT NOT NULL, "
        "state TEXT NOT NULL, district TEXT, effective_from TEXT NOT NULL, effective_to TEXT, terms TEXT, "
        "note TEXT, PRIMARY KEY (stream, sequence)"
    ),
    "rm_assessments": (
        "assessment_id TEXT PRIMARY KEY, student_id TEXT NOT NULL, issuer TEXT NOT NULL, test TEXT NOT NULL, "
        "taken TEXT NOT NULL, scores TEXT NOT NULL, position BIGINT NOT NULL"
    ),
}
# Columns added after a table was first released: an existing database gains them on
# `credledger migrate` (NULL is right for every event already projected: none carried them).
ADDED_COLUMNS = [
    ("rm_students", "cohort", "INTEGER"),
    ("rm_credentials", "career_cluster", "TEXT"),
    ("rm_credentials", "soc", "TEXT"),
    ("rm_credentials", "naics", "TEXT"),
    ("rm_credentials", "cip", "TEXT"),
]
CATALOG_COLUMNS = {
    "name": "name", "certifyingBody": "certifying_body", "credentialType": "credential_type",
    "validityMonths": "validity_months", "careerField": "career_field", "careerCluster": "career_cluster",
    "soc": "soc", "naics": "naics", "cip": "cip",
}
INDEXES = [
    "CREATE INDEX IF NOT EXISTS rm_awards_student ON rm_awards (student_id)",
    "CREATE INDEX IF NOT EXISTS rm_awards_custodian ON rm_awards (custodian)",
    "CREATE INDEX IF NOT EXISTS rm_assessments_student ON rm_assessments (student_id)",
]


class ReadModelMixin:
    """SQL with `?` placeholders, translated for psycopg; one transaction per batch."""

    placeholder = "?"
    table_prefix = ""

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
            c.execute(self._sql(statement), params)
            return [tuple(row) for row in c.fetchall()]

    def apply(self, changes: Sequence[Change], tracking: Tracking, expected: int | None) -> bool:
        with self.datastore.transaction(commit=True) as c:
            # A write first takes SQLite's write lock, so the check below and the
            # changes are not interleaved with another processor's.
            c.execute("UPDATE tracking SET notification_id = notification_id WHERE application_name = ?",
                      [tracking.application_name])
            if self._max_tracking_id(tracking.application_name, c) != expected:
                return False
            for statement, params in changes:
                c.execute(self._sql(statement), params)
            self._insert_tracking(c, tracking)
        return True

    def clear(self, application_name: str) -> None:
        with self.datastore.transaction(commit=True) as c:
            for table in TABLES:
                c.execute(f"DELETE FROM {table}")
            c.execute("DELETE FROM tracking WHERE application_name = ?", [application_name])


def changes_for(document: dict[str, Any], recorded: str, position: int, sequence: int) -> list[Change]:
    """The read-model rows one event adds or changes. Pure: the same event, the same rows."""
    kind = document["type"]
    if kind == d.STUDENT_REGISTERED:
        return [("INSERT INTO rm_students (student_id, registered_by, registered_at, cohort) VALUES (?, ?, ?, ?)",
                 (document["student"], document["issuer"], recorded, document.get("cohort")))]
    if kind == d.CREDENTIAL_ISSUED:
        changes: list[Change] = [(
            "INSERT INTO rm_awards (award_id, student_id, issuer, custodian, credential, earned, expires, evidence, "
            "supersedes, issued_at, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (document["award"], document["student"], document["issuer"], document["issuer"], document["credential"],
             document["earned"], document["expires"], json.dumps(document["evidence"], sort_keys=True),
             document.get("supersedes"), recorded, position),
        )]
        if document.get("supersedes"):
            changes.append(("UPDATE rm_awards SET superseded_by = ? WHERE award_id = ?",
                            (document["award"], document["supersedes"])))
        return changes
    if kind == d.CREDENTIAL_REVOKED:
        return [("UPDATE rm_awards SET revoked_reason = ?, revoked_note = ?, revoked_effective = ? WHERE award_id = ?",
                 (document["reason"], document["note"], document["effective"], document["award"]))]
    if kind == d.CREDENTIAL_TRANSFERRED:
        return [
            ("UPDATE rm_awards SET custodian = ? WHERE award_id = ?", (document["to"], document["award"])),
            ("INSERT INTO rm_custody (award_id, sequence, from_did, to_did, reason, at) VALUES (?, ?, ?, ?, ?, ?)",
             (document["award"], sequence, document["from"], document["to"], document["reason"], recorded)),
        ]
    if kind == d.ISSUER_REGISTERED:
        return [
            ("INSERT INTO rm_issuers (did, slug, name, kind) VALUES (?, ?, ?, ?)",
             (document["issuer"], document["slug"], document["name"], document["kind"])),
            ("INSERT INTO rm_issuer_keys (did, key_id, valid_from) VALUES (?, ?, ?)",
             (document["issuer"], document["key"], document["validFrom"])),
        ]
    if kind == d.ISSUER_KEY_ADDED:
        return [("INSERT INTO rm_issuer_keys (did, key_id, valid_from) VALUES (?, ?, ?)",
                 (document["issuer"], document["key"], document["validFrom"]))]
    if kind == d.ISSUER_KEY_RETIRED:
        return [("UPDATE rm_issuer_keys SET retired_at = ? WHERE did = ? AND key_id = ?",
                 (document["at"], document["issuer"], document["key"]))]
    if kind == d.ISSUER_KEY_COMPROMISED:
        return [("UPDATE rm_issuer_keys SET compromised_at = ? WHERE did = ? AND key_id = ?",
                 (document["at"], document["issuer"], document["key"]))]
    if kind == d.CREDENTIAL_DEFINED:
        return [("INSERT INTO rm_credentials (code, name, certifying_body, credential_type, validity_months, "
                 "career_field, career_cluster, soc, naics, cip) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (document["credential"], document["name"], document["certifyingBody"], document["credentialType"],
                  document["validityMonths"], document["careerField"], document.get("careerCluster"),
                  document.get("soc"), document.get("naics"), document.get("cip")))]
    if kind == d.CREDENTIAL_UPDATED:
        return [(f"UPDATE rm_credentials SET {column} = ? WHERE code = ?", (document[field], document["credential"]))
                for field, column in CATALOG_COLUMNS.items() if field in document]
    if kind in (d.CREDENTIAL_LISTED, d.CREDENTIAL_DELISTED):
        listed = kind == d.CREDENTIAL_LISTED
        return [("INSERT INTO rm_listings (stream, sequence, listed, credential, state, district, effective_from, "
                 "effective_to, terms, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (document["stream"], sequence, listed, document["credential"], document["state"],
                  document["district"], document["effectiveFrom"], document["effectiveTo"],
                  json.dumps(document["terms"], sort_keys=True) if listed else None, document.get("note")))]
    if kind == d.ASSESSMENT_RECORDED:
        return [("INSERT INTO rm_assessments (assessment_id, student_id, issuer, test, taken, scores, position) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?)",
                 (document["assessment"], document["student"], document["issuer"], document["test"],
                  document["taken"], json.dumps(document["scores"], sort_keys=True), position))]
    return []


class Projections:
    """Keeps the read models up to date with the ledger."""

    def __init__(self, ledger: Ledger, view: ReadModelMixin):
        self.ledger = ledger
        self.view = view
        self.application_name = ledger.name

    @classmethod
    def of(cls, ledger: Ledger) -> Projections:
        recorder_class: type[ReadModelMixin] = SQLiteReadModel
        if ledger.config.backend == "postgres":
            from ledger.postgres import PostgresReadModel  # psycopg only when PostgreSQL is in use

            recorder_class = PostgresReadModel
        view = ledger.factory.tracking_recorder(recorder_class)  # type: ignore[arg-type]
        assert isinstance(view, ReadModelMixin)
        return cls(ledger, view)

    def position(self) -> int:
        return self.view.max_tracking_id(self.application_name) or 0  # type: ignore[attr-defined,no-any-return]

    def catch_up(self, limit: int | None = None) -> int:
        """Process every notification not yet tracked; returns how many were processed."""
        processed = 0
        while limit is None or processed < limit:
            start = self.position()
            page = PAGE if limit is None else min(PAGE, limit - processed)
            notifications = self.ledger.recorder.select_notifications(start=start, limit=page, inclusive_of_start=False)
            if not notifications:
                break
            positions = self.ledger.store.positions_of(notifications[0].id, notifications[-1].id)
            changes: list[Change] = []
            for notification in notifications:
                event = self.ledger.mapper.to_domain_event(notification)
                document = event.document  # type: ignore[attr-defined]
                changes += changes_for(document, format_timestamp(event.timestamp),  # type: ignore[attr-defined]
                                       positions[notification.id], document["sequence"])
            tracking = Tracking(notification_id=notifications[-1].id, application_name=self.application_name)
            if self.view.apply(changes, tracking, start or None):
                processed += len(notifications)
        return processed

    def rebuild(self) -> int:
        self.view.clear(self.application_name)
        return self.catch_up()

    def wait(self, notification_id: int, timeout: float = 5.0) -> None:
        """Read-your-writes: block until the views include `notification_id` (TimeoutError otherwise)."""
        self.view.wait(self.application_name, notification_id, timeout=timeout)  # type: ignore[attr-defined]

    # Queries ---------------------------------------------------------------

    def students(self) -> list[dict[str, Any]]:
        rows = self.view.query(
            "SELECT s.student_id, s.registered_by, i.name, COUNT(a.award_id) FROM rm_students s "
            "LEFT JOIN rm_issuers i ON i.did = s.registered_by LEFT JOIN rm_awards a ON a.student_id = s.student_id "
            "GROUP BY s.student_id, s.registered_by, i.name, s.registered_at ORDER BY s.registered_at, s.student_id"
        )
        return [{"student": r[0], "issuer": r[1], "issuer_name": r[2], "awards": int(r[3])} for r in rows]

    def transcript(self, student_id: str, today: date) -> dict[str, Any]:
        registered = self.view.query("SELECT registered_by FROM rm_students WHERE student_id = ?", [student_id])
        if not registered:
            raise NotFoundError(f"no student {student_id!r}")
        rows = self.view.query(
            "SELECT a.award_id, a.credential, c.name, c.certifying_body, c.career_field, a.issuer, i.name, "
            "a.custodian, ci.name, a.earned, a.expires, a.evidence, a.supersedes, a.superseded_by, "
            "a.revoked_reason, a.revoked_note, a.revoked_effective FROM rm_awards a "
            "LEFT JOIN rm_credentials c ON c.code = a.credential LEFT JOIN rm_issuers i ON i.did = a.issuer "
            "LEFT JOIN rm_issuers ci ON ci.did = a.custodian WHERE a.student_id = ? ORDER BY a.position",
            [student_id],
        )
        custody = self.view.query(
            "SELECT k.award_id, k.from_did, k.to_did, k.reason, k.at FROM rm_custody k JOIN rm_awards a "
            "ON a.award_id = k.award_id WHERE a.student_id = ? ORDER BY k.award_id, k.sequence", [student_id])
        history: dict[str, list[dict[str, str]]] = {}
        for award_id, from_did, to_did, reason, at in custody:
            history.setdefault(award_id, []).append({"from": from_did, "to": to_did, "reason": reason, "at": at})
        awards = [
            {
                "award": r[0], "credential": r[1], "name": r[2], "certifying_body": r[3], "career_field": r[4],
                "issuer": r[5], "issuer_name": r[6], "custodian": r[7], "custodian_name": r[8],
                "earned": r[9], "expires": r[10], "evidence": json.loads(r[11]), "supersedes": r[12],
                "superseded_by": r[13], "status": award_status(r[14], r[10], today),
                "revocation": {"reason": r[14], "note": r[15], "effective": r[16]} if r[14] else None,
                "custody": history.get(r[0], []),
            }
            for r in rows
        ]
        return {"student": student_id, "registered_by": registered[0][0], "awards": awards}

    def award_status(self, award_id: str, today: date) -> dict[str, Any]:
        rows = self.view.query(
            "SELECT student_id, custodian, expires, revoked_reason, revoked_note, revoked_effective, superseded_by "
            "FROM rm_awards WHERE award_id = ?", [award_id])
        if not rows:
            raise NotFoundError(f"no award {award_id!r}")
        student, custodian, expires, reason, note, effective, superseded_by = rows[0]
        return {"award": award_id, "status": award_status(reason, expires, today), "custodian": custodian,
                "expires": expires, "revocation": {"reason": reason, "note": note, "effective": effective}
                if reason else None, "superseded_by": superseded_by}

    def issuers(self) -> list[dict[str, Any]]:
        issuers = self.view.query("SELECT did, slug, name, kind FROM rm_issuers ORDER BY slug")
        keys = self.view.query(
            "SELECT did, key_id, valid_from, retired_at, compromised_at FROM rm_issuer_keys ORDER BY did, valid_from")
        by_did: dict[str, list[dict[str, Any]]] = {}
        for did, key_id, valid_from, retired_at, compromised_at in keys:
            by_did.setdefault(did, []).append({"key_id": key_id, "valid_from": valid_from, "retired_at": retired_at,
                                                "compromised_at": compromised_at})
        return [{"did": r[0], "slug": r[1], "name": r[2], "kind": r[3], "keys": by_did.get(r[0], [])}
                for r in issuers]

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every read-model row, sorted: what a rebuild must reproduce."""
        return {table: sorted(self.view.query(f"SELECT * FROM {table} "), key=repr) for table in TABLES}


def award_status(revoked_reason: str | None, expires: str | None, today: date) -> str:
    """active / expired / revoked: <reason> / superseded (an amendment replaced it)."""
    if revoked_reason == "superseded":
        return "superseded"
    if revoked_reason:
        return f"revoked: {revoked_reason}"
    if expires is not None and date.fromisoformat(expires) < today:
        return "expired"
    return "active"


class Worker:
    """The background process of a deployment: log integration and projections."""

    def __init__(self, ledger: Ledger, interval: float = 0.5, on_error: Callable[[Exception], None] | None = None):
        self.ledger = ledger
        self.projections = Projections.of(ledger)
        self.interval = interval
        self.on_error = on_error
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.run, name="credledger-worker", daemon=True)

    def start(self) -> Worker:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                self.ledger.log.integrate()
                self.projections.catch_up()
            except Exception as e:  # a passing database error must not end the worker
                if self.on_error:
                    self.on_error(e)
            self._stop.wait(self.interval)

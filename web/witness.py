"""A C2SP tlog-witness of our own (`credledger witness serve`): cosigns the checkpoints of any number
of logs, credledger's or anyone's, configured by origin and verifier key.

A witness directory holds `witness.json` (its name, its key's id, the logs it witnesses, an optional
PostgreSQL URL), its own key store (`keys/`, passphrase-protected, as an instance's) and, unless
told PostgreSQL, its SQLite database (`witness.sqlite`). The database keeps, per log origin, the
latest cosigned size and root, and every validly signed checkpoint that conflicted with it (a fork
or a bad proof: evidence of misbehaviour, kept, never cosigned).

`POST /add-checkpoint` (verifiers.witness judges it): the latest state is read, judged and, when the
checkpoint is accepted, replaced in ONE database transaction (SQLite `BEGIN IMMEDIATE`, PostgreSQL
`SELECT … FOR UPDATE`), committed durably (SQLite synchronous=FULL, PostgreSQL's commit) before the
cosignature is made and sent. So two requests cannot both advance from one state, a crash at any
moment leaves either the old state (nothing was cosigned) or the new one (the log asks again and
gets the same answer), and the witness never cosigns two inconsistent checkpoints of one log. Each
origin may ask at most RATE requests a second (a burst of BURST): beyond, 429.

Loads nothing of the ledger: a witness is somebody else's machine.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from flask import Flask, Response, request

from keys.store import DEFAULT_SCRYPT_N, FileKeyStore
from verifiers.cosignature import CosignatureVerifier, cosigned_message
from verifiers.errors import MalformedError
from verifiers.merkle import EMPTY_ROOT
from verifiers.note import NoteVerifier, Verifier, is_valid_key_name, signature_line
from verifiers.witness import MAX_BODY_BYTES, Accepted, Refused, judge, parse_add_checkpoint

CONFIG = "witness.json"
DATABASE = "witness.sqlite"
KEYS = "keys"
RATE = 10.0  # requests per second per origin
BURST = 20


@dataclass
class WitnessConfig:
    name: str  # the witness's key name, a schema-less URL (C2SP: "SHOULD")
    key_id: str  # its key in the key store
    logs: dict[str, list[str]] = field(default_factory=dict)  # origin -> the log's verifier key strings
    database_url: str | None = None

    @classmethod
    def load(cls, directory: Path) -> WitnessConfig:
        data = json.loads((directory / CONFIG).read_text(encoding="utf-8"))
        return cls(data["name"], data["key_id"], {o: list(k) for o, k in data["logs"].items()}, data.get("database_url"))

    def save(self, directory: Path) -> None:
        text = json.dumps({"name": self.name, "key_id": self.key_id, "logs": self.logs,
                           "database_url": self.database_url}, indent=2) + "\n"
        (directory / CONFIG).write_text(text, encoding="utf-8")

    def log_keys(self) -> dict[str, list[NoteVerifier]]:
        return {origin: [Verifier.from_key_string(k) for k in keys] for origin, keys in self.logs.items()}


def init_witness(directory: Path, name: str, passphrase: str, *, database_url: str | None = None,
                 scrypt_n: int = DEFAULT_SCRYPT_N) -> CosignatureVerifier:
    """A new witness in an empty `directory`: its key and its database. Returns its verifier key."""
    if not is_valid_key_name(name):
        raise ValueError(f"the witness name {name!r} is not a note key name (no spaces or '+')")
    directory.mkdir(parents=True, exist_ok=True)
    if (directory / CONFIG).exists():
        raise FileExistsError(f"{directory} already holds a witness")
    store = FileKeyStore.create(directory / KEYS, passphrase, scrypt_n=scrypt_n)
    key_id = store.generate(f"witness {name}")
    config = WitnessConfig(name, key_id, {}, database_url)
    WitnessState(directory, database_url).close()  # creates the tables
    config.save(directory)
    return CosignatureVerifier.from_public_key(name, store.public_key(key_id))


def add_log(directory: Path, log_key: str) -> str:
    """Witness the log whose checkpoints `log_key` (a C2SP verifier key) signs; returns its origin
    (the key's name). Another key of a known origin is added beside the first (a rotation)."""
    verifier = Verifier.from_key_string(log_key)  # MalformedError for anything else
    config = WitnessConfig.load(directory)
    keys = config.logs.setdefault(verifier.name, [])
    if log_key not in keys:
        keys.append(log_key)
    config.save(directory)
    return verifier.name


class WitnessState:
    """The latest cosigned (size, root) per origin, and the evidence kept, in SQLite or PostgreSQL."""

    def __init__(self, directory: Path, database_url: str | None) -> None:
        self._postgres = database_url is not None
        if database_url is not None:
            import psycopg

            # postgresql://…/db?schema=s, as an instance's URL: the tables live in schema s.
            parsed = urlsplit(database_url)
            schema = parse_qs(parsed.query).get("schema", [""])[0]
            if schema and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", schema):
                raise ValueError(f"database_url: {schema!r} is not a schema name")
            options = f"-c search_path={schema}" if schema else ""
            self._pg = psycopg.connect(urlunsplit(parsed._replace(query="")), autocommit=True,  # BEGIN … COMMIT each
                                       options=options)
        else:
            self._sqlite = sqlite3.connect(directory / DATABASE, isolation_level=None, check_same_thread=False,
                                           timeout=30)
            self._sqlite.execute("PRAGMA journal_mode=WAL")
            self._sqlite.execute("PRAGMA synchronous=FULL")  # a commit is on disk before the answer
        self._lock = threading.Lock()  # one connection, shared by the server's threads
        blob = "BYTEA" if self._postgres else "BLOB"
        with self._transaction() as run:
            run("CREATE TABLE IF NOT EXISTS witness_logs (origin TEXT PRIMARY KEY, size BIGINT NOT NULL, "
                f"root {blob} NOT NULL, updated_at BIGINT NOT NULL)")
            run("CREATE TABLE IF NOT EXISTS witness_evidence (origin TEXT NOT NULL, received_at BIGINT NOT NULL, "
                "reason TEXT NOT NULL, request TEXT NOT NULL)")

    def close(self) -> None:
        (self._pg if self._postgres else self._sqlite).close()

    @contextmanager
    def _transaction(self) -> Iterator[Callable[..., list[Any]]]:
        with self._lock:
            if self._postgres:
                with self._pg.transaction():
                    yield lambda sql, params=(): self._rows(self._pg.execute(sql.replace("?", "%s"), params))
                return
            self._sqlite.execute("BEGIN IMMEDIATE")  # the write lock, before the read
            try:
                yield lambda sql, params=(): self._sqlite.execute(sql, params).fetchall()
            except BaseException:
                self._sqlite.execute("ROLLBACK")
                raise
            self._sqlite.execute("COMMIT")

    @staticmethod
    def _rows(cursor: Any) -> list[Any]:
        return list(cursor.fetchall()) if cursor.description else []

    def latest(self, origin: str) -> tuple[int, bytes] | None:
        with self._transaction() as run:
            rows = run("SELECT size, root FROM witness_logs WHERE origin = ?", (origin,))
        return (int(rows[0][0]), bytes(rows[0][1])) if rows else None

    def evidence(self, origin: str) -> list[tuple[str, str]]:
        with self._transaction() as run:
            rows = run("SELECT reason, request FROM witness_evidence WHERE origin = ? ORDER BY received_at", (origin,))
        return [(str(r[0]), str(r[1])) for r in rows]

    def decide(self, origin: str, decide: Callable[[dict[str, tuple[int, bytes]]], Accepted | Refused],
               request_text: str, now: int) -> Accepted | Refused:
        """Read the origin's latest state, decide, and store an accepted checkpoint (or keep the
        evidence of a refused one), all in one transaction."""
        with self._transaction() as run:
            run("INSERT INTO witness_logs (origin, size, root, updated_at) VALUES (?, 0, ?, ?) "
                "ON CONFLICT (origin) DO NOTHING", (origin, EMPTY_ROOT, now))
            lock = " FOR UPDATE" if self._postgres else ""
            ((size, root),) = run(f"SELECT size, root FROM witness_logs WHERE origin = ?{lock}", (origin,))
            answer = decide({origin: (int(size), bytes(root))})
            if isinstance(answer, Accepted):
                run("UPDATE witness_logs SET size = ?, root = ?, updated_at = ? WHERE origin = ?",
                    (answer.checkpoint.size, answer.checkpoint.root_hash, now, origin))
            elif answer.evidence:
                run("INSERT INTO witness_evidence (origin, received_at, reason, request) VALUES (?, ?, ?, ?)",
                    (origin, now, answer.reason, request_text))
        return answer


class _RateLimit:
    """A token bucket per origin (a log asks once per checkpoint; a flood is someone else)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, origin: str) -> bool:
        with self._lock:
            now = self._clock()
            tokens, then = self._buckets.get(origin, (float(BURST), now))
            tokens = min(float(BURST), tokens + (now - then) * RATE)
            if tokens < 1:
                self._buckets[origin] = (tokens, now)
                return False
            self._buckets[origin] = (tokens - 1, now)
            return True


def create_witness_app(directory: Path, passphrase: str, *, clock: Callable[[], float] = time.time) -> Flask:
    """The witness's HTTP service (submission and monitoring prefix: the root)."""
    config = WitnessConfig.load(directory)
    signer = FileKeyStore.open(directory / KEYS, passphrase).signer(config.key_id)
    me = CosignatureVerifier.from_public_key(config.name, signer.public_key)
    state = WitnessState(directory, config.database_url)
    log_keys = config.log_keys()
    limits = _RateLimit(clock)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES

    def text(status: int, body: str | bytes, content_type: str = "text/plain; charset=utf-8") -> Response:
        return Response(body, status=status, content_type=content_type)

    @app.post("/add-checkpoint")
    def add_checkpoint() -> Response:
        body = request.get_data(cache=False)
        try:
            submitted = parse_add_checkpoint(body)
        except MalformedError as e:
            return text(400, f"malformed add-checkpoint request: {e}\n")
        origin = submitted.checkpoint.origin
        if origin not in log_keys:
            return text(404, f"unknown log origin {origin!r}\n")
        if not limits.allow(origin):
            return text(429, "too many requests for this log\n")
        now = int(clock())
        answer = state.decide(origin, lambda latest: judge(submitted, log_keys, latest), body.decode("utf-8"), now)
        if isinstance(answer, Refused):
            content, content_type = answer.body()
            return text(answer.status, content, content_type)
        timestamp = now.to_bytes(8, "big")
        signature = signer.sign_bytes(cosigned_message(answer.note_text, now))
        return text(200, signature_line(me.name, me.key_id, timestamp + signature))

    @app.get("/")
    def about() -> Response:
        return text(200, f"C2SP tlog-witness {me.name}\nverifier key {me.to_key_string()}\n"
                         f"logs: {', '.join(sorted(log_keys)) or 'none'}\n")

    app.extensions["witness_state"] = state
    return app

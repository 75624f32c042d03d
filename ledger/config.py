"""An instance's configuration: where its data lives and how it is reached.

`config.json` in the data directory is written once by `credledger init`. It
holds no secret: the key store is encrypted with the passphrase, and a
PostgreSQL password, if any, comes from the environment (CREDLEDGER_DATABASE_URL
overrides the stored URL, so workers can be pointed elsewhere).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from ledger.errors import InputError, SetupError

CONFIG_FILE = "config.json"
SQLITE_FILE = "ledger.sqlite"
DEFAULT_DATA_DIR = "instance"
LOG_PATH = "/log"  # where web.log_api serves the log: its URL prefix is https://DOMAIN/log


def default_log_origin(domain: str) -> str:
    """The checkpoint origin of a new instance: the log's URL prefix without the scheme, as C2SP
    tlog-tiles recommends (`records.example.org/log`)."""
    return domain + LOG_PATH


def legacy_log_origin(domain: str, ledger_id: str) -> str:
    """The origin of an instance made before origins were the URL prefix (its config names none)."""
    return f"{domain}/credledger/{ledger_id[:8]}"


def data_dir_from_env(explicit: str | None = None) -> Path:
    return Path(explicit or os.environ.get("CREDLEDGER_DATA") or DEFAULT_DATA_DIR)


@dataclass(frozen=True)
class LedgerConfig:
    data_dir: Path
    ledger_id: str
    domain: str  # host (and port) of the did:web issuer identifiers
    operator_key_id: str
    log_key_id: str
    database_url: str | None = None  # None: the SQLite file in data_dir
    encrypt_events: bool = False
    # Written once by init and never rewritten: the origin is the log key's name, so changing it
    # would invalidate every pinned verifier key. None: an older instance (see `origin`).
    log_origin: str | None = None
    # The witnesses the log asks to cosign each checkpoint (ledger.witnessing): (verifier key, URL).
    witnesses: tuple[tuple[str, str], ...] = ()
    # How many of them must have cosigned a checkpoint before /log/checkpoint serves it (0: at once).
    witness_quorum: int = 0

    @property
    def origin(self) -> str:
        """The checkpoint origin line, also the log key's name."""
        return self.log_origin or legacy_log_origin(self.domain, self.ledger_id)

    @property
    def backend(self) -> str:
        return "postgres" if self.database_url else "sqlite"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    def save(self) -> None:
        data = asdict(self)
        data.pop("data_dir")
        path = self.data_dir / CONFIG_FILE
        tmp = path.with_suffix(".tmp")
        tmp.touch(mode=0o600)  # owner only: a database URL can hold a password
        os.chmod(tmp, 0o600)
        tmp.write_text(json.dumps(data, indent=2) + "\n")
        os.replace(tmp, path)

    @classmethod
    def load(cls, data_dir: Path) -> LedgerConfig:
        path = data_dir / CONFIG_FILE
        if not path.exists():
            raise SetupError(f"no ledger in {data_dir}: run `credledger init` first")
        data = json.loads(path.read_text())
        url = os.environ.get("CREDLEDGER_DATABASE_URL") or data.get("database_url")
        data["database_url"] = url
        data["witnesses"] = tuple((str(key), str(url)) for key, url in data.get("witnesses", ()))
        return cls(data_dir=data_dir, **data)

    def eventsourcing_env(self, *, create_tables: bool, cipher_key: str | None) -> dict[str, str]:
        env: dict[str, str] = {
            "CREATE_TABLE": "y" if create_tables else "n",
            # Issuer and catalog aggregates are read for every event; the cache
            # fast-forwards from the store, so several workers stay correct.
            "AGGREGATE_CACHE_MAXSIZE": "10000",
        }
        if self.database_url:
            env.update(postgres_env(self.database_url))
            env["PERSISTENCE_MODULE"] = "eventsourcing.postgres"
            env["APPLICATION_RECORDER_TOPIC"] = "ledger.postgres:PostgresLedgerRecorder"
        else:
            env["PERSISTENCE_MODULE"] = "eventsourcing.sqlite"
            env["APPLICATION_RECORDER_TOPIC"] = "ledger.store:SQLiteLedgerRecorder"
            env["SQLITE_DBNAME"] = str(self.data_dir / SQLITE_FILE)
            # How long a writer waits for SQLite's one write lock before the request is answered
            # "busy, retry" (503); whole seconds.
            env["SQLITE_LOCK_TIMEOUT"] = os.environ.get("CREDLEDGER_SQLITE_LOCK_TIMEOUT", "10")
        if cipher_key:
            env["CIPHER_TOPIC"] = "eventsourcing.cryptography:AESCipher"
            env["CIPHER_KEY"] = cipher_key
        return env


def postgres_env(url: str) -> dict[str, str]:
    """eventsourcing.postgres settings from postgresql://user:pw@host:port/db?schema=s."""
    parsed = urlparse(url)
    if parsed.scheme not in ("postgresql", "postgres") or not parsed.path.strip("/"):
        raise InputError.for_field("database_url", "expected postgresql://[user[:password]@]host[:port]/dbname")
    env = {
        "POSTGRES_DBNAME": unquote(parsed.path.strip("/")),
        "POSTGRES_HOST": parsed.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(parsed.port or 5432),
        "POSTGRES_USER": unquote(parsed.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(parsed.password or ""),
        "POSTGRES_CONNECT_TIMEOUT": "5",
    }
    schema = parse_qs(parsed.query).get("schema")
    if schema:
        env["POSTGRES_SCHEMA"] = schema[0]
    return env


def redact(url: str | None) -> str:
    """A database URL fit for output: never the password."""
    if not url:
        return "sqlite"
    parsed = urlparse(url)
    netloc = parsed.hostname or ""
    if parsed.port:
        netloc += f":{parsed.port}"
    if parsed.username:
        netloc = f"{parsed.username}@{netloc}"
    return parsed._replace(netloc=netloc).geturl()


def as_dict(config: LedgerConfig) -> dict[str, Any]:
    return {
        "data": str(config.data_dir),
        "ledger": config.ledger_id,
        "domain": config.domain,
        "operator_key": config.operator_key_id,
        "log_key": config.log_key_id,
        "log_origin": config.origin,
        "database": redact(config.database_url),
        "encrypt_events": config.encrypt_events,
    }

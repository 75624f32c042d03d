"""Backup and restore of an instance: its configuration, its key store (with the log's anchor)
and a consistent copy of its database, taken online.

The anchor is copied first and the database after it, so the copy always extends the anchor it
carries (a checkpoint signed in between is in the database copy, not in the anchor copy). SQLite
is copied with its online backup API; PostgreSQL with `pg_dump` (custom format, the instance's
schema). A restore lays the three down in a new data directory (and, for PostgreSQL, a schema
that does not exist yet) and audits the result. What a restore means for the log: the restored
ledger extends every checkpoint up to the backup; checkpoints published after it (to verifiers,
monitors, witnesses) are not in it, and the log refuses to sign over them once it sees a newer
anchor: restore to a point at or after the newest published checkpoint when one exists.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from ledger.config import CONFIG_FILE, SQLITE_FILE, LedgerConfig
from ledger.errors import InputError, SetupError

MANIFEST = "backup.json"
PG_DUMP = "ledger.pgdump"


def _empty_target(directory: Path, field: str) -> None:
    if directory.exists() and any(directory.iterdir()):
        raise InputError.for_field(field, f"{directory} is not empty: choose a new directory")
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)


def _schema(url: str) -> str | None:
    schema = parse_qs(urlparse(url).query).get("schema")
    return schema[0] if schema else None


def _server_url(url: str) -> str:
    return url.split("?", 1)[0]


def backup_instance(data_dir: Path, target: Path) -> dict[str, object]:
    """Write a backup of the instance at `data_dir` into the new directory `target`."""
    config = LedgerConfig.load(data_dir)
    _empty_target(target, "directory")
    shutil.copy2(data_dir / CONFIG_FILE, target / CONFIG_FILE)
    shutil.copytree(config.keys_dir, target / "keys", ignore=shutil.ignore_patterns("*.lock", "*.tmp"))
    if config.database_url is None:
        source = sqlite3.connect(data_dir / SQLITE_FILE)
        copy = sqlite3.connect(target / SQLITE_FILE)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        (target / SQLITE_FILE).chmod(0o600)
    else:
        command = ["pg_dump", "--format=custom", "--no-owner", f"--file={target / PG_DUMP}"]
        if _schema(config.database_url):
            command.append(f"--schema={_schema(config.database_url)}")
        _run(command + [_server_url(config.database_url)], "pg_dump")
    manifest: dict[str, object] = {"created": datetime.now(timezone.utc).isoformat(timespec="seconds"), "ledger": config.ledger_id,
                "backend": config.backend}
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def restore_instance(source: Path, target: Path, database_url: str | None = None) -> LedgerConfig:
    """Lay the backup at `source` down as a new instance at `target`; PostgreSQL into `database_url`
    (default: the backed-up one), whose schema must not exist yet. Returns the restored config."""
    if not (source / MANIFEST).exists():
        raise InputError.for_field("backup", f"{source} is not a credledger backup (no {MANIFEST})")
    backed_up = LedgerConfig.load(source)
    _empty_target(target, "data")
    shutil.copy2(source / CONFIG_FILE, target / CONFIG_FILE)
    shutil.copytree(source / "keys", target / "keys")
    if backed_up.database_url is None:
        shutil.copy2(source / SQLITE_FILE, target / SQLITE_FILE)
        (target / SQLITE_FILE).chmod(0o600)
        return LedgerConfig.load(target)
    url = database_url or backed_up.database_url
    if _schema(url) != _schema(backed_up.database_url):
        raise InputError.for_field("postgres", "restore into the schema the backup was taken from "
                                               f"({_schema(backed_up.database_url) or 'public'})")
    _run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={_server_url(url)}", str(source / PG_DUMP)],
         "pg_restore")
    restored = LedgerConfig(**{**backed_up.__dict__, "data_dir": target, "database_url": url})
    restored.save()
    return restored


def _run(command: list[str], tool: str) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=3600, check=False)
    except FileNotFoundError:
        raise SetupError(f"{tool} is not installed (Debian: postgresql-client)") from None
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["failed"])[0]
        raise SetupError(f"{tool} failed: {re.sub(r'[a-z]+://[^ ]+', '[database url]', first)}")

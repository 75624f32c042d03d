"""Creating and opening an instance: data directory, key store, ledger."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from keys.store import FileKeyStore
from ledger.application import Ledger, utcnow
from ledger.config import CONFIG_FILE, SQLITE_FILE, LedgerConfig, default_log_origin
from ledger.errors import InputError, SetupError
from ledger.readmodels import Projections


def init_instance(
    data_dir: Path,
    passphrase: str,
    *,
    domain: str = "localhost:5000",
    database_url: str | None = None,
    encrypt_events: bool = False,
    scrypt_n: int | None = None,
    clock: Callable[[], datetime] = utcnow,
    log_origin: str | None = None,
) -> Ledger:
    """Create the data directory, the operator key and the ledger's tables, once. `clock` is the
    ledger's, and dates the key store's files too. `log_origin` defaults to the log's URL prefix on
    `domain` (ledger.config.default_log_origin)."""
    if (data_dir / CONFIG_FILE).exists():
        raise InputError.for_field("data", f"{data_dir} already holds a ledger")
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    if database_url is None:
        # Made here, owner only, before SQLite opens it: SQLite gives its -wal and -shm files the
        # database file's mode, so none of them is ever world-readable, whatever the umask.
        os.close(os.open(data_dir / SQLITE_FILE, os.O_WRONLY | os.O_CREAT, 0o600))
    make_private(data_dir)
    keystore = FileKeyStore.create(data_dir / "keys", passphrase, clock=clock,
                                   **({} if scrypt_n is None else {"scrypt_n": scrypt_n}))
    config = LedgerConfig(
        data_dir=data_dir,
        ledger_id=str(uuid.uuid4()),
        domain=domain,
        operator_key_id=keystore.generate("operator"),
        log_key_id=keystore.generate("log"),
        database_url=database_url,
        encrypt_events=encrypt_events,
        log_origin=log_origin or default_log_origin(domain),
    )
    ledger = Ledger(config, keystore, clock=clock, create_tables=True)
    ledger.transparency_log.integrate()  # the first checkpoint: the empty tree
    Projections.of(ledger)  # creates the read-model tables (CREATE_TABLE is on only here)
    # Written last: an init that fails half way leaves no config behind, and
    # running it again (after clearing the directory) starts over.
    config.save()
    return ledger


def open_ledger(data_dir: Path, passphrase: str, *, clock: Callable[[], datetime] = utcnow) -> Ledger:
    config = LedgerConfig.load(data_dir)
    ledger = Ledger(config, FileKeyStore.open(config.keys_dir, passphrase, clock=clock), clock=clock)
    make_private(data_dir)
    return ledger


def make_private(data_dir: Path) -> None:
    """Owner-only modes for the data directory and the SQLite files in it, on every open: an instance
    made by an older version (or restored from a backup) has them 0644."""
    os.chmod(data_dir, 0o700)
    for name in (SQLITE_FILE, f"{SQLITE_FILE}-wal", f"{SQLITE_FILE}-shm", CONFIG_FILE):
        if (data_dir / name).exists():
            os.chmod(data_dir / name, 0o600)


def migrate_instance(data_dir: Path, passphrase: str) -> None:
    """Create the tables a newer version added (every statement is CREATE … IF NOT EXISTS)."""
    config = LedgerConfig.load(data_dir)
    ledger = Ledger(config, FileKeyStore.open(config.keys_dir, passphrase), create_tables=True)
    make_private(data_dir)
    anchor = ledger.transparency_log.anchor.read()
    held = ledger.store.journal_size()
    if anchor is not None and held < anchor.size:
        ledger.close()
        raise SetupError(f"this instance's log key signed a checkpoint of {anchor.size} entries at "
                         f"{anchor.signed_at}, but the database holds {held}: it is empty, "
                         "damaged or was replaced. Restore it from backup; migrate never lays a new ledger over "
                         "a lost one")
    Projections.of(ledger)
    # The access facts are derived from the events: rebuilding them is always right, and fills
    # the table for a store made by a version that did not keep it.
    ledger.rebuild_relations()
    ledger.rebuild_status_entries()  # likewise the status list entries the signed issuances hold
    ledger.transparency_log.integrate()
    ledger.close()

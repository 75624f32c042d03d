"""Helpers shared by test modules (imported as `tests.support`; fixtures live in conftest.py)."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

CLI = Path(sys.executable).with_name("credledger")  # the installed console script


class Clock:
    """A controllable clock: tests move time instead of sleeping."""

    def __init__(self, start: datetime | None = None):
        self.now = start or datetime(2026, 9, 1, 12, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def naive_split(n: int) -> int:
    """The largest power of two smaller than n (n > 1): where RFC 9162 §2.1.1 splits D[n]."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def naive_root(leaves: list[bytes]) -> bytes:
    """MTH(D[n]) exactly as RFC 9162 §2.1.1 defines it: slow, obviously right, for cross-checks.
    The suite's one reference root (verifiers', ledger's and the web log's tests all use it)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = naive_split(len(leaves))
    return hashlib.sha256(b"\x01" + naive_root(leaves[:k]) + naive_root(leaves[k:])).digest()


def transfer(ledger: Any, awards: Sequence[str], to_slug: str, reason: str) -> list[Any]:
    """Custody moves with the receiver acting: the sender's signed half, countersigned by the
    receiver's server-held key, submitted (the off-server path, both keys on this test server)."""
    documents = [ledger.countersign(ledger.prepare_transfer(a, to_slug, reason), to_slug) for a in awards]
    return list(ledger.submit(documents))


def json_patch(document: Any, operations: Sequence[dict[str, Any]]) -> Any:
    """`document` changed by RFC 6902 JSON Patch `operations` (add, remove, replace, move, copy, test),
    on a deep copy: how the golden vectors (tests/vectors/credledger) describe a corruption.
    A `test` that does not hold, or a path that does not exist, is a ValueError."""

    def parts(pointer: str) -> list[str]:
        if pointer == "":
            return []
        if not pointer.startswith("/"):
            raise ValueError(f"not a JSON pointer: {pointer!r}")
        return [p.replace("~1", "/").replace("~0", "~") for p in pointer[1:].split("/")]

    def parent(doc: Any, pointer: str) -> tuple[Any, str]:
        *path, last = parts(pointer)
        for part in path:
            doc = doc[int(part)] if isinstance(doc, list) else doc[part]
        return doc, last

    def get(doc: Any, pointer: str) -> Any:
        for part in parts(pointer):
            doc = doc[int(part)] if isinstance(doc, list) else doc[part]
        return doc

    def remove(doc: Any, pointer: str) -> Any:
        container, last = parent(doc, pointer)
        return container.pop(int(last) if isinstance(container, list) else last)

    def add(doc: Any, pointer: str, value: Any) -> None:
        container, last = parent(doc, pointer)
        if isinstance(container, list):
            container.insert(len(container) if last == "-" else int(last), value)
        else:
            container[last] = value

    result = copy.deepcopy(document)
    for op in operations:
        kind, path = op["op"], op["path"]
        try:
            if kind == "test":
                if get(result, path) != op["value"]:
                    raise ValueError(f"test failed at {path}: the document is not the one the patch was made for")
            elif kind == "remove":
                remove(result, path)
            elif kind == "add":
                add(result, path, copy.deepcopy(op["value"]))
            elif kind == "replace":
                container, last = parent(result, path)
                get(result, path)  # must exist
                container[int(last) if isinstance(container, list) else last] = copy.deepcopy(op["value"])
            elif kind == "move":
                add(result, path, remove(result, op["from"]))
            elif kind == "copy":
                add(result, path, copy.deepcopy(get(result, op["from"])))
            else:
                raise ValueError(f"unknown patch operation {kind!r}")
        except (KeyError, IndexError) as e:
            raise ValueError(f"{kind} {path}: no such member ({e})") from None
    return result


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def run_cli(data: Path, *args: str, passphrase: str | None, json_out: bool = False) -> CliResult:
    """`credledger --data DATA [--json] ARGS…` in a subprocess, with no CREDLEDGER_ setting of ours but the
    passphrase; a traceback on stderr fails the test."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDLEDGER_")}
    if passphrase is not None:
        env["CREDLEDGER_PASSPHRASE"] = passphrase
    command = [str(CLI), "--data", str(data)] + (["--json"] if json_out else []) + list(args)
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
                          check=False)
    assert "Traceback" not in done.stderr, done.stderr
    return CliResult(done.returncode, done.stdout, done.stderr)


def signed_in_client(app: Any, csrf: str, user_id: str | None) -> Any:
    """A Flask test client whose session holds `csrf` and, with `user_id`, that account signed in."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["csrf"] = csrf
        if user_id:
            session["user"] = user_id
            session["version"] = 0  # a new account's session version (web.accounts)
    return client

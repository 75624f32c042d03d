"""The log's anchor outside the database: the newest checkpoint the log key has signed.

Kept beside the key store (not in the database it vouches for), written after each
checkpoint is stored, only ever forward. The log refuses to sign a checkpoint that does
not extend it, `credledger audit` fails when the store no longer holds it (checkpoints
deleted, a rollback, an emptied or replaced database), and `credledger migrate` refuses
to lay an empty ledger over a lost one. Workers on one machine share it under a file
lock; the write is atomic (temporary file, fsync, rename, fsync of the directory), so a
crash leaves the old anchor or the new one, never a torn one.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path

from ledger.errors import IntegrityError

ANCHOR_FILE = "log-anchor.json"


@dataclass(frozen=True)
class Anchor:
    size: int
    root: bytes
    signed_at: str


class LogAnchor:
    def __init__(self, directory: Path):
        self.path = directory / ANCHOR_FILE

    def read(self) -> Anchor | None:
        try:
            data = json.loads(self.path.read_text())
            return Anchor(int(data["size"]), base64.b64decode(data["root"], validate=True), str(data["signed_at"]))
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError) as e:
            raise IntegrityError(f"the log anchor {self.path} is damaged ({type(e).__name__}); restore it from "
                                 "backup with the key store") from None

    def advance(self, size: int, root: bytes, signed_at: str) -> None:
        """Record a newly stored checkpoint, unless the anchor already holds a newer one."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            current = self.read()
            if current is not None and current.size >= size:
                return
            text = json.dumps({"size": size, "root": base64.b64encode(root).decode(), "signed_at": signed_at})
            temporary = self.path.with_suffix(".tmp")
            with open(temporary, "w") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, self.path)
            directory = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)

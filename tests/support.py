"""Helpers shared by test modules (imported as `tests.support`; fixtures live in conftest.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any


class Clock:
    """A controllable clock: tests move time instead of sleeping."""

    def __init__(self, start: datetime | None = None):
        self.now = start or datetime(2026, 9, 1, 12, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def naive_root(leaves: list[bytes]) -> bytes:
    """MTH(D[n]) exactly as RFC 9162 §2.1.1 defines it: slow, obviously right, for cross-checks."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + naive_root(leaves[:k]) + naive_root(leaves[k:])).digest()


def transfer(ledger: Any, awards: Sequence[str], to_slug: str, reason: str) -> list[Any]:
    """Custody moves with the receiver acting: the sender's signed half, countersigned by the
    receiver's server-held key, submitted (the off-server path, both keys on this test server)."""
    documents = [ledger.countersign(ledger.prepare_transfer(a, to_slug, reason), to_slug) for a in awards]
    return list(ledger.submit(documents))

"""Share links and the record of disclosures (34 CFR 99.32).

A student shares the whole transcript or chosen credentials by link, with a
label and an expiry (30 days unless chosen). Only the token's hash is kept.
Every view of a link is recorded (when, which link, through which channel,
and the viewer's browser family) and the student can read that record.
An expired or revoked link is Gone (410), never silently empty.

A link is of one of two kinds. A `share` link opens the verified transcript
at `/v/<token>` and also answers online checks of its awards. A `file` link is
made with a downloaded or exported bundle and embedded in it (the bundle's
`online` member): it answers only online checks (`/transcripts/evidence`) of
exactly the file's awards, so a file that keeps the name back cannot be turned
into a page that shows it. Both are listed, counted and withdrawn alike.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ledger.errors import InputError, NotFoundError
from ledger.store import LedgerRecorderMixin
from web.db import WebTables
from web.exceptions import GoneError
from web.security import new_token, token_hash

DEFAULT_DAYS = 30
MAX_DAYS = 365
SHARE, FILE = "share", "file"  # the kinds of link
ONLINE_CHANNEL = "online"  # the disclosure channel of an online check (/transcripts/evidence)
_COLUMNS = "id, student_id, awards, label, created, expires, revoked, kind"


@dataclass(frozen=True)
class ShareLink:
    id: str
    student_id: str
    awards: list[str] | None  # None: the whole transcript
    label: str
    created: str
    expires: str
    revoked: str | None
    kind: str = SHARE

    def state(self, now: datetime) -> str:
        if self.revoked:
            return "revoked"
        return "expired" if datetime.fromisoformat(self.expires) <= now else "active"


class Sharing:
    def __init__(self, store: LedgerRecorderMixin):
        self.store = WebTables(store)

    def create(self, student_id: str, label: str, *, awards: list[str] | None, days: int, now: datetime,
               kind: str = SHARE) -> str:
        """A new link token (returned once). A file link covers chosen awards only, never "the whole"."""
        if not 1 <= days <= MAX_DAYS:
            raise InputError.for_field("days", f"1 to {MAX_DAYS}")
        if kind not in (SHARE, FILE) or (kind == FILE and not awards):
            raise ValueError("a link is a share link, or a file link for the file's awards")
        label = label.strip()[:100] or "Shared transcript"
        token = new_token()
        self.store.execute(
            "INSERT INTO {t:web_share_links} (id, token_hash, student_id, awards, label, created, expires, kind) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [str(uuid.uuid4()), token_hash(token), student_id, json.dumps(awards) if awards else None, label,
             now.isoformat(timespec="seconds"), (now + timedelta(days=days)).isoformat(timespec="seconds"), kind],
        )
        return token

    def links(self, student_id: str) -> list[ShareLink]:
        rows = self.store.query(
            f"SELECT {_COLUMNS} FROM {{t:web_share_links}} WHERE student_id = ? ORDER BY created DESC", [student_id])
        return [_link(r) for r in rows]

    def revoke(self, student_id: str, link_id: str, now: datetime) -> None:
        if not self.store.execute("UPDATE {t:web_share_links} SET revoked = ? WHERE id = ? AND student_id = ? "
                                  "AND revoked IS NULL", [now.isoformat(timespec="seconds"), link_id, student_id]):
            raise NotFoundError("no such active link")

    def open(self, token: str, now: datetime, *, kinds: tuple[str, ...] = (SHARE,)) -> ShareLink:
        """The live link for a token; NotFoundError if unknown (or not of `kinds`), GoneError if expired or revoked."""
        rows = self.store.query(f"SELECT {_COLUMNS} FROM {{t:web_share_links}} WHERE token_hash = ?",
                                [token_hash(token)])
        if not rows or rows[0][7] not in kinds:
            raise NotFoundError("no such link")
        link = _link(rows[0])
        state = link.state(now)
        if state != "active":
            raise GoneError(f"this link was {state}")
        return link

    def record_view(self, link: ShareLink, channel: str, viewer: str, now: datetime) -> None:
        self.store.execute(
            "INSERT INTO {t:web_disclosures} (id, link_id, student_id, at, channel, viewer) VALUES (?, ?, ?, ?, ?, ?)",
            [str(uuid.uuid4()), link.id, link.student_id, now.isoformat(timespec="seconds"), channel, viewer[:80]],
        )

    def view_counts(self, student_id: str) -> dict[str, int]:
        """How often each of the student's links was viewed (counted by the database)."""
        rows = self.store.query("SELECT link_id, COUNT(*) FROM {t:web_disclosures} WHERE student_id = ? "
                                "GROUP BY link_id", [student_id])
        return {str(r[0]): int(r[1]) for r in rows}

    def disclosures(self, student_id: str) -> list[dict[str, str]]:
        rows = self.store.query(
            "SELECT d.at, d.channel, d.viewer, l.label, l.id FROM {t:web_disclosures} d JOIN {t:web_share_links} l "
            "ON l.id = d.link_id WHERE d.student_id = ? ORDER BY d.at DESC", [student_id])
        return [{"at": r[0], "channel": r[1], "viewer": r[2], "label": r[3], "link": r[4]} for r in rows]


def _link(row: tuple[Any, ...]) -> ShareLink:
    return ShareLink(row[0], row[1], json.loads(row[2]) if row[2] else None, row[3], row[4], row[5], row[6], row[7])


def embed_file_link(sharing: Sharing, bundle: dict[str, Any], url: str, label: str, now: datetime) -> dict[str, Any]:
    """The bundle with its `online` member: a new file link covering exactly the bundle's awards.

    A bundle of no award has nothing to check online and gets no link.
    """
    if not bundle["awards"]:
        return bundle
    token = sharing.create(bundle["student"], f"{label}, {now.date().isoformat()}", awards=list(bundle["awards"]),
                           days=DEFAULT_DAYS, now=now, kind=FILE)
    return bundle | {"online": {"url": url, "link": token}}


def evidence_url(domain: str) -> str:
    """The evidence endpoint of the server at `domain` (plain http only for this machine)."""
    scheme = "http" if domain.split(":")[0] in ("localhost", "127.0.0.1") else "https"
    return f"{scheme}://{domain}/transcripts/evidence"


def viewer_family(user_agent: str) -> str:
    """A coarse browser family for the disclosure record, not a fingerprint."""
    for family in ("credledger", "Edg", "Chrome", "Firefox", "Safari", "curl", "python"):
        if family in user_agent:
            return {"Edg": "Edge", "credledger": "credledger verify"}.get(family, family)
    return "other"

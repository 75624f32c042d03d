"""Pending transfers of a student's record between institutions (`web_transfers`).

A transfer needs two signatures: the releasing custodian's and the receiving
institution's countersignature. Through the web both keys are held by this
server (the only kind of key the web console can sign with; an institution
that signs on its own machine uses `credledger transfer --out` and
`credledger countersign`), so the flow is:

1. the releasing registrar proposes: the server signs the releasing half of a
   `CredentialTransferred` event for every award the releasing institution
   holds for that student, and keeps them here as one pending transfer;
2. the receiving registrar accepts (the server countersigns each half with the
   receiver's key and the ledger stores them all in one transaction) or
   declines; the releasing side may withdraw it while it is pending.

Nothing reaches the ledger until acceptance. A half signed before a change to
its award (say, a revocation) no longer continues the award's hash chain, and
the ledger refuses it on acceptance: the releasing side withdraws and proposes
again.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ledger import documents as d
from ledger.application import Ledger, Receipt
from ledger.errors import InputError, NotFoundError, RejectedError

PENDING, ACCEPTED, DECLINED, WITHDRAWN = "pending", "accepted", "declined", "withdrawn"


@dataclass(frozen=True)
class PendingTransfer:
    id: str
    from_issuer: str  # slug
    to_issuer: str  # slug
    student_id: str
    documents: list[dict[str, Any]]
    reason: str
    created: str
    status: str
    decided: str | None
    decided_by: str | None

    @property
    def awards(self) -> list[str]:
        return [str(doc["award"]) for doc in self.documents]


COLUMNS = "id, from_issuer, to_issuer, student_id, documents, reason, created, status, decided, decided_by"


def _transfer(row: tuple[Any, ...]) -> PendingTransfer:
    return PendingTransfer(str(row[0]), row[1], row[2], row[3], json.loads(row[4]), row[5], row[6], row[7],
                           row[8], row[9])


class Transfers:
    def __init__(self, ledger: Ledger):
        self.ledger = ledger
        self.store = ledger.store

    def held_awards(self, slug: str, student_id: str) -> list[str]:
        """The student's awards whose custodian is `slug` now, from the ledger itself."""
        did = self.ledger.issuer(slug).did
        self.ledger.student(student_id)
        streams = {row.originator_id for row in self.store.select_journal_for_student(student_id)
                   if row.event_type == d.CREDENTIAL_ISSUED}
        return sorted(a for a in streams if self.ledger.award(a).custodian == did)

    def propose(self, from_slug: str, to_slug: str, student_id: str, reason: str, *, now: datetime) -> PendingTransfer:
        """Sign the releasing halves for every award `from_slug` holds for the student, and keep them."""
        reason = reason.strip() or "student changed school"
        if len(reason) > 1000:
            raise InputError.for_field("reason", "at most 1000 characters")
        if to_slug == from_slug:
            raise InputError.for_field("to", "choose another institution")
        try:
            self.ledger.issuer(to_slug)
        except NotFoundError:
            raise InputError.for_field("to", "no such institution") from None
        if self.pending_for(from_slug, student_id):
            raise RejectedError("transfer_pending", "a transfer of this student's record is already waiting "
                                                    "for the receiving institution; withdraw it first")
        awards = self.held_awards(from_slug, student_id)
        if not awards:
            raise RejectedError("nothing_to_transfer", "your institution holds no credentials of this student")
        documents = [self.ledger.prepare_transfer(a, to_slug, reason) for a in awards]
        transfer = PendingTransfer(str(uuid.uuid4()), from_slug, to_slug, student_id, documents, reason,
                                   now.isoformat(timespec="seconds"), PENDING, None, None)
        self.store.execute(
            f"INSERT INTO {{t:web_transfers}} ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [transfer.id, from_slug, to_slug, student_id, json.dumps(documents), reason, transfer.created,
             PENDING, None, None],
        )
        return transfer

    def get(self, transfer_id: str) -> PendingTransfer:
        rows = self.store.query(f"SELECT {COLUMNS} FROM {{t:web_transfers}} WHERE id = ?", [transfer_id])
        if not rows:
            raise NotFoundError("no such transfer")
        return _transfer(rows[0])

    def pending_for(self, from_slug: str, student_id: str) -> list[PendingTransfer]:
        rows = self.store.query(f"SELECT {COLUMNS} FROM {{t:web_transfers}} WHERE from_issuer = ? AND student_id = ? "
                                "AND status = ?", [from_slug, student_id, PENDING])
        return [_transfer(r) for r in rows]

    def incoming(self, slug: str) -> list[PendingTransfer]:
        rows = self.store.query(f"SELECT {COLUMNS} FROM {{t:web_transfers}} WHERE to_issuer = ? AND status = ? "
                                "ORDER BY created", [slug, PENDING])
        return [_transfer(r) for r in rows]

    def outgoing(self, slug: str) -> list[PendingTransfer]:
        rows = self.store.query(f"SELECT {COLUMNS} FROM {{t:web_transfers}} WHERE from_issuer = ? AND status = ? "
                                "ORDER BY created", [slug, PENDING])
        return [_transfer(r) for r in rows]

    def accept(self, transfer_id: str, slug: str, *, by: str, now: datetime) -> list[Receipt]:
        """Countersign every half as `slug` and store them in one ledger transaction."""
        transfer = self._pending(transfer_id)
        if transfer.to_issuer != slug:
            raise ValueError("accept() is for the receiving institution")  # the web layer checks first
        documents = [self.ledger.countersign(doc, slug) for doc in transfer.documents]
        receipts = self.ledger.submit(documents)
        # The ledger is the truth: once stored, the transfer is accepted whatever else happened meanwhile.
        self.store.execute("UPDATE {t:web_transfers} SET status = ?, decided = ?, decided_by = ? WHERE id = ?",
                           [ACCEPTED, now.isoformat(timespec="seconds"), by, transfer_id])
        return receipts

    def decline(self, transfer_id: str, *, by: str, now: datetime) -> None:
        self._close(transfer_id, DECLINED, by, now)

    def withdraw(self, transfer_id: str, *, by: str, now: datetime) -> None:
        self._close(transfer_id, WITHDRAWN, by, now)

    def _pending(self, transfer_id: str) -> PendingTransfer:
        transfer = self.get(transfer_id)
        if transfer.status != PENDING:
            raise RejectedError("not_pending", f"this transfer was already {transfer.status}")
        return transfer

    def _close(self, transfer_id: str, status: str, by: str, now: datetime) -> None:
        self._pending(transfer_id)
        changed = self.store.execute(
            "UPDATE {t:web_transfers} SET status = ?, decided = ?, decided_by = ? WHERE id = ? AND status = ?",
            [status, now.isoformat(timespec="seconds"), by, transfer_id, PENDING])
        if not changed:
            raise RejectedError("not_pending", "this transfer was decided a moment ago")

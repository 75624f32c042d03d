"""Transfers of a student's record between institutions, as the console and API show them.

The state is the ledger's (`TransferOffer` streams, ledger.access): the
releasing registrar offers (a signed `TransferOffered` naming every award the
institution holds for the student); the receiving registrar accepts (the
ledger stores each award's `CredentialTransferred`, signed by the sender and
countersigned by the receiver, with the closing `TransferOfferClosed`, in one
transaction, `Ledger.accept_transfer`) or declines; the sender may withdraw while it is pending
(`Ledger.close_transfer_offer`). This module is the read side and the proposal.
Custody moves only when the receiver acts. Through the web both keys must be
held by this server; an institution that signs on its own machine uses
`credledger transfer --out` and `credledger countersign`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.values import TransferOfferInfo
from ledger.application import Ledger
from ledger.errors import InputError, NotFoundError, RejectedError
from verifiers.protocol.documents import issuer_slug_from_did

PENDING, OVERTAKEN = "pending", "overtaken"


@dataclass(frozen=True)
class PendingTransfer:
    id: str
    from_issuer: str  # slug
    to_issuer: str  # slug
    student_id: str
    awards: list[str]
    reason: str
    created: str
    status: str  # pending, accepted, declined, withdrawn, or overtaken (an award moved meanwhile)
    decided: str | None


def _transfer(offer: TransferOfferInfo, ledger: Ledger) -> PendingTransfer:
    status = offer.outcome or PENDING
    if status == PENDING and any(ledger.award(a).custodian != offer.sender for a in offer.awards):
        status = OVERTAKEN  # an award moved by another path (an off-server countersignature): nothing to accept
    return PendingTransfer(str(offer.id), issuer_slug_from_did(offer.sender), issuer_slug_from_did(offer.receiver),
                           offer.student, list(offer.awards), offer.reason, offer.offered, status, offer.closed)


class Transfers:
    def __init__(self, ledger: Ledger):
        self.ledger = ledger

    def held_awards(self, slug: str, student_id: str) -> list[str]:
        """The student's awards whose custodian is `slug` now, from the ledger itself."""
        self.ledger.student(student_id)
        return self.ledger.held_awards(self.ledger.issuer(slug).did, student_id)

    def propose(self, from_slug: str, to_slug: str, student_id: str, reason: str) -> PendingTransfer:
        """Offer every award `from_slug` holds for the student to `to_slug`."""
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
        return self.get(self.ledger.offer_transfer(from_slug, to_slug, student_id, reason))

    def get(self, transfer_id: str) -> PendingTransfer:
        return _transfer(self.ledger.transfer_offer(transfer_id), self.ledger)

    def _offers(self, slug: str) -> list[PendingTransfer]:
        return [_transfer(o, self.ledger) for o in self.ledger.access.transfer_offers(self.ledger.issuer_did(slug))]

    def pending_for(self, from_slug: str, student_id: str) -> list[PendingTransfer]:
        return [t for t in self.outgoing(from_slug) if t.student_id == student_id]

    def incoming(self, slug: str) -> list[PendingTransfer]:
        return [t for t in self._offers(slug) if t.to_issuer == slug and t.status == PENDING]

    def outgoing(self, slug: str) -> list[PendingTransfer]:
        return [t for t in self._offers(slug) if t.from_issuer == slug and t.status == PENDING]

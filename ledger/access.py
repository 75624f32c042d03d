"""The one answer to "may institution X see, or record for, student S?".

Every path that shows a student's identity or records for a student asks
here: the console, CSV import, claim codes, transfers, reports' scope, the API
and the CLI. The facts are the ledger's own (`ledger.relations`, stored with
the events that make them), so the answer is the same in every worker and can
be rebuilt from the log. An unrelated student gets exactly what an unknown id
gets: `NotFoundError("no student …")`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from ledger.aggregates import RosterShare, SignedAggregate, Student, TransferOffer
from ledger.errors import NotFoundError
from ledger.relations import ALL_BASES, OWN_BASES, RECORDING_BASES, REGISTERED
from ledger.store import LedgerRecorderMixin
from ledger.values import RosterShareInfo, TransferOfferInfo
from verifiers.protocol import documents as d


class Access:
    """Reads the ledger's own tables and streams: `store`, `stream` (the ledger's stream lookup)
    and the ledger's `clock`, so "today" is the ledger's day."""

    def __init__(self, store: LedgerRecorderMixin, stream: Callable[[str], SignedAggregate | None],
                 clock: Callable[[], datetime]):
        self.store, self.stream, self.clock = store, stream, clock

    def _today(self, on: date | None) -> date:
        return on or self.clock().date()

    def bases(self, institution: str, student_id: str, on: date | None = None) -> frozenset[str]:
        """Why `institution` (a DID) relates to the student on that day; empty when it does not."""
        return self.store.select_bases(student_id, institution, self._today(on).isoformat())

    def may_see(self, institution: str, student_id: str, on: date | None = None) -> bool:
        return bool(self.bases(institution, student_id, on))

    def may_record(self, institution: str, student_id: str, on: date | None = None) -> bool:
        return bool(self.bases(institution, student_id, on) & RECORDING_BASES)

    def require_visible(self, institution: str, student_id: str, on: date | None = None) -> None:
        if not self.may_see(institution, student_id, on) or not isinstance(self.stream(student_id), Student):
            raise NotFoundError(f"no student {student_id!r}")

    def require_own(self, institution: str, student_id: str, on: date | None = None) -> None:
        """A relationship of the institution's own (registered, issued or holds), not one by a roster
        share or a transfer offer: what giving the student a claim code to their whole record needs."""
        if (not self.bases(institution, student_id, on) & OWN_BASES
                or not isinstance(self.stream(student_id), Student)):
            raise NotFoundError(f"no student {student_id!r}")

    def students(self, institution: str, on: date | None = None, *, recording: bool = False) -> set[str]:
        """Every student the institution relates to (may record for, with `recording`) on that day."""
        bases = sorted(RECORDING_BASES if recording else ALL_BASES)
        return self.store.select_related_students(institution, self._today(on).isoformat(), bases)

    def students_query(self, institution: str, on: date | None = None, *,
                       own: bool = False) -> tuple[str, list[Any]]:
        """`students(institution, on)` as a subquery (SQL and parameters) for a read-model query
        (`Queries.students_page`): the same rule, answered inside the database. With `own`, only the
        students it serves itself (as `require_own` asks: those it may give a claim code)."""
        return self.store.related_students_query(institution, self._today(on).isoformat(),
                                                 sorted(OWN_BASES if own else ALL_BASES))

    def registered_by(self, institution: str) -> set[str]:
        return self.store.select_related_students(institution, None, [REGISTERED])

    # Roster shares and transfer offers, as the pages list them ---------------------

    def roster_shares(self) -> list[RosterShareInfo]:
        return [RosterShareInfo.of(s) for s in (self.stream(r.originator_id)
                                                for r in self.store.select_journal_of_type(d.ROSTER_SHARED))
                if isinstance(s, RosterShare)]

    def shares_granted(self, institution: str) -> list[RosterShareInfo]:
        return [s for s in self.roster_shares() if s.granter == institution]

    def shares_received(self, institution: str) -> list[RosterShareInfo]:
        return [s for s in self.roster_shares() if s.grantee == institution]

    def shares_of_student(self, student_id: str) -> list[RosterShareInfo]:
        """Every roster share that named the student: their record of disclosures (34 CFR 99.32)."""
        return [s for s in self.roster_shares() if student_id in s.students]

    def transfer_offers(self, institution: str) -> list[TransferOfferInfo]:
        """Offers the institution sent or received, newest last."""
        offers = (self.stream(r.originator_id) for r in self.store.select_journal_of_type(d.TRANSFER_OFFERED))
        return [TransferOfferInfo.of(o) for o in offers
                if isinstance(o, TransferOffer) and institution in (o.sender, o.receiver)]

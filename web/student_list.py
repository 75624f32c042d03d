"""The list of an institution's students, filtered, sorted and cut into pages: one rule for the
console's student list and the API's `GET /students`.

Who is listed is the ledger's access rule (`ledger.access`), asked inside the database as a
subquery. What the read models hold (graduating class, registration, the awards of this
institution) the query filters, orders and cuts, so a page of 50 decrypts 50 identities. Names
and local ids are only in the encrypted vault (web.roster explains why no blind index is kept):
sorting by them, or filtering by text, opens the identity of every student the query leaves (after
its class filter) and sorts or matches them here, as the console's search always has.

Parameters (`schemas.StudentListQuery`): `sort` (a key of SORTS), `cohort` (a graduating class) and
the page; a bad one is a 400 naming it, a page past the end shows the last one. The text filter is
never a query parameter: the console posts it (names stay out of URLs, histories and logs), and
the API has none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ledger.readmodels.queries import STUDENT_ORDERS, StudentRow
from web.roster import Roster, StudentIdentity, folded

PAGE_SIZE = 50  # the console's page
# Sort keys and how a page names them (each with its one direction); all but name and local id are the
# read models' (STUDENT_ORDERS).
SORTS = {
    "name": "Name (A–Z)",
    "local_id": "Local id",
    "class": "Graduating class, earliest first",
    "activity": "Latest credential recorded first",
    "registered": "Registered, oldest first",
}


@dataclass(frozen=True)
class Listed:
    """One student of a page: the read model's row, and the identity (None when there is none on
    record: erased, or a vault row that does not open, which the audit names)."""

    row: StudentRow
    identity: StudentIdentity | None


@dataclass(frozen=True)
class StudentPage:
    students: list[Listed]
    total: int  # students matching, on every page
    offset: int
    limit: int

    @property
    def next_offset(self) -> int | None:
        return self.offset + self.limit if self.offset + self.limit < self.total else None

    @property
    def number(self) -> int:  # 1, 2, …
        return self.offset // self.limit + 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.limit))


def _identity_key(sort: str, listed: Listed) -> tuple[int, str, str, str]:
    """Name or local id order; students without an identity on record last."""
    if listed.identity is None:
        return (1, "", "", listed.row.student)
    first, second = ((listed.identity.name, listed.identity.local_id) if sort == "name"
                     else (listed.identity.local_id, listed.identity.name))
    return (0, folded(first), folded(second), listed.row.student)


def student_page(roster: Roster, did: str, on: date, *, sort: str, cohort: int | None = None, text: str = "",
                 offset: int = 0, limit: int = PAGE_SIZE, clamp: bool = False) -> StudentPage:
    """The students `did` relates to on `on`, of class `cohort` if given, whose name or local id holds
    `text` if given, in `sort` order, `limit` of them from `offset`. With `clamp`, an offset past the
    end gives the last page (the console's); without, an empty page (the API's)."""
    related = roster.ledger.access.students_query(did, on)
    projections = roster.projections
    needle = folded(text)
    if sort in STUDENT_ORDERS and not needle:
        rows, total = projections.students_page(did, related, order=sort, cohort=cohort, limit=limit, offset=offset)
        if clamp and not rows and total:
            offset = (total - 1) // limit * limit
            rows, total = projections.students_page(did, related, order=sort, cohort=cohort, limit=limit,
                                                    offset=offset)
        identities = roster.identities(r.student for r in rows)
        return StudentPage([Listed(r, identities.get(r.student)) for r in rows], total, offset, limit)
    rows, _ = projections.students_page(did, related, order=sort if sort in STUDENT_ORDERS else "registered",
                                        cohort=cohort)
    identities = roster.identities(r.student for r in rows)
    listed = [Listed(r, identities.get(r.student)) for r in rows]
    if needle:  # a student without an identity on record has nothing to match
        listed = [entry for entry in listed if entry.identity is not None
                  and (needle in folded(entry.identity.name) or needle in folded(entry.identity.local_id))]
    if sort not in STUDENT_ORDERS:
        listed.sort(key=lambda entry: _identity_key(sort, entry))
    if clamp and offset >= len(listed) and listed:
        offset = (len(listed) - 1) // limit * limit
    return StudentPage(listed[offset:offset + limit], len(listed), offset, limit)

"""Who relates to a student: the one access rule of the ledger, as facts.

An institution relates to a student, and so may see the student's identity,
exactly when it

- registered the student, or is the district the student moved to (the district of record since),
- issued or holds (is custodian of) one of the student's awards, or recorded an
  award that amends one of them (the issuer is the first custodian: its fact is
  "issued"; "holds" is custody received by a transfer),
- is the receiver of a pending transfer offer of the student's awards (a school
  where a student enrols may see the record it is offered: 34 CFR 99.31(a)(2)), or
- holds an active roster share for the student (the home district shared its
  roster with the area CTE center the student attends: 99.31(a)(1), recorded as
  a disclosure under 99.32).

It may *record* for the student on every basis but a roster share granted only
for reporting. Each fact is a `Relation` derived from one signed event by
`changes_of`, a pure function; the ledger stores the facts in the same
transaction as the events (`ledger_relations`), `rules.check_document` consults
them on the way in, and the audit replays them from the events, so the rule
can be rebuilt from the log and can never disagree with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from verifiers.protocol import documents as d

REGISTERED = "registered"
ISSUED = "issued"
HOLDS = "holds"
AMENDED = "amended"  # ref: the amended (older) award; one per award, by rule and by a unique index
OFFERED = "offered"  # ref: an award offered; one pending offer per award, likewise
# Facts that exist at most once per ref: two writers racing to amend (or offer) one award collide.
ONCE_PER_REF = (AMENDED, OFFERED)
SHARED_RECORD = "shared-record"
SHARED_REPORT = "shared-report"
MOVED_IN = "moved-in"  # ref: the student's StudentMoved event (stream/sequence): a student may move back and forth

SHARE_PURPOSES = {"record": SHARED_RECORD, "report": SHARED_REPORT}
# What an institution may pass on by a roster share: only what it has itself,
# never a share or an offer it received (no redisclosure: 34 CFR 99.33).
OWN_BASES = frozenset({REGISTERED, MOVED_IN, ISSUED, HOLDS, AMENDED})
RECORDING_BASES = frozenset({REGISTERED, MOVED_IN, ISSUED, HOLDS, AMENDED, OFFERED, SHARED_RECORD})
ALL_BASES = RECORDING_BASES | {SHARED_REPORT}


@dataclass(frozen=True)
class Relation:
    student: str
    institution: str  # DID
    basis: str
    ref: str  # what makes it so: the student, an award (issued, holds, amended, offered) or a share
    until: str | None = None  # last day it holds (YYYY-MM-DD), for roster shares

    def active(self, on: date) -> bool:
        return self.until is None or self.until >= on.isoformat()


@dataclass(frozen=True)
class Drop:
    """Facts that end: every relation with this ref (and basis, and institution, when given)."""

    ref: str
    basis: str | None = None
    institution: str | None = None

    def matches(self, relation: Relation) -> bool:
        return (relation.ref == self.ref and self.basis in (None, relation.basis)
                and self.institution in (None, relation.institution))


Change = Relation | Drop


def changes_of(document: dict[str, Any], aggregate: Any) -> list[Change]:
    """The relation facts one stored event adds or ends. Pure: the same event, the same facts.

    `aggregate` is the event's stream after it (a transfer names only its award, whose aggregate
    knows the student; a closing offer, whose aggregate knows the awards and the receiver).
    """
    kind = document["type"]
    doc = document
    student = str(doc.get("student") or getattr(aggregate, "student", ""))
    if kind == d.STUDENT_REGISTERED:
        return [Relation(student, str(doc["issuer"]), REGISTERED, student)]
    if kind == d.STUDENT_MOVED:
        # The receiving district takes the student's record on; the sending one keeps what it had.
        return [Relation(student, str(doc["to"]), MOVED_IN, f"{doc['stream']}/{doc['sequence']}")]
    if kind == d.CREDENTIAL_ISSUED:
        issuer, award = str(doc["issuer"]), str(doc["award"])
        # The issuer is the first custodian: "issued" says both (an award moved on adds "holds" for the
        # new custodian and leaves the issuer its "issued").
        changes: list[Change] = [Relation(student, issuer, ISSUED, award)]
        if doc.get("supersedes"):
            changes.append(Relation(student, issuer, AMENDED, str(doc["supersedes"])))
        return changes
    if kind == d.CREDENTIAL_TRANSFERRED:
        # Custody moves, however it was agreed: an offer of this award is over (by this path or another).
        award = str(doc["award"])
        return [Drop(award, HOLDS, str(doc["from"])), Drop(award, OFFERED),
                Relation(student, str(doc["to"]), HOLDS, award)]
    if kind == d.TRANSFER_OFFERED:
        # One fact per award offered, so an award is offered to one receiver at a time.
        return [Relation(student, str(doc["to"]), OFFERED, str(award)) for award in doc["awards"]]
    if kind == d.TRANSFER_OFFER_CLOSED:
        return [Drop(str(award), OFFERED, aggregate.receiver) for award in aggregate.awards]
    if kind == d.ROSTER_SHARED:
        basis = SHARE_PURPOSES[str(doc["purpose"])]
        return [Relation(str(s), str(doc["grantee"]), basis, str(doc["stream"]), str(doc["until"]))
                for s in doc["students"]]
    if kind == d.ROSTER_SHARE_WITHDRAWN:
        return [Drop(str(doc["stream"]))]
    return []


class RelationSet:
    """Relation facts in memory, changes applied in order: the audit's replay, a batch's overlay.

    Indexed by pair and basis, so "on which bases does X relate to S" costs the same for a
    student with one award as for one with thousands."""

    def __init__(self, relations: Iterable[Relation] = ()):
        self._by_pair: dict[tuple[str, str], dict[str, set[Relation]]] = {}
        self._by_ref: dict[str, set[Relation]] = {}
        for relation in relations:
            self.apply(relation)

    def apply(self, change: Change) -> None:
        if isinstance(change, Drop):
            for relation in [r for r in self._by_ref.get(change.ref, ()) if change.matches(r)]:
                self._by_ref[change.ref].discard(relation)
                self._by_pair[(relation.student, relation.institution)][relation.basis].discard(relation)
        else:
            self._by_pair.setdefault((change.student, change.institution), {}).setdefault(
                change.basis, set()).add(change)
            self._by_ref.setdefault(change.ref, set()).add(change)

    def __iter__(self) -> Iterator[Relation]:
        for bases in self._by_pair.values():
            for relations in bases.values():
                yield from relations

    def relates(self, student: str, institution: str, on: date, bases: frozenset[str]) -> bool:
        facts = self._by_pair.get((student, institution))
        return facts is not None and any(any(r.active(on) for r in facts.get(b, ())) for b in bases)

    def exists(self, ref: str, basis: str) -> bool:
        return any(r.basis == basis for r in self._by_ref.get(ref, ()))

"""A student's record as the district of record keeps it: the graduating class, enrollment facts, moves,
and a state student id given or corrected after the registration.

Each is a signed event on the student's own stream, after the registration
(`verifiers.protocol.documents.STUDENT_RECORD_EVENTS`), signed by the district
of record: the registering institution until the student moves, then the
receiving district (which from then on relates to the student: ledger.relations,
`moved-in`). The history stays: earlier facts, and what the sending district
recorded, are never rewritten. Who may sign what is `ledger.rules`
(`_check_student_record`); the vocabularies are `rules.EXIT_REASONS` and
`rules.DIPLOMA_TYPES`. May import ledger.application.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from ledger.aggregates import Student
from ledger.application import Ledger, Receipt
from ledger.errors import InputError, NotFoundError
from ledger.rules import DIPLOMA_TYPES, EXIT_REASONS
from ledger.values import IssuerInfo
from ledger.vault import seal
from verifiers.protocol import documents as d

ENROLLED, EXITED, GRADUATED, MOVED = "enrolled", "exited", "graduated", "moved"
EVENT_OF = {ENROLLED: d.STUDENT_ENROLLED, EXITED: d.STUDENT_EXITED, GRADUATED: d.STUDENT_GRADUATED,
            MOVED: d.STUDENT_MOVED}


@dataclass(frozen=True)
class EnrollmentFact:
    """One enrollment fact to record: `kind` (enrolled, exited, graduated, moved) on `day`, with its
    one detail: the building (enrolled, optional), the reason (exited), the diploma (graduated), or the
    receiving district's slug (moved)."""

    kind: str
    day: date
    detail: str | None = None


def _acting(ledger: Ledger, slug: str, student_id: str) -> IssuerInfo:
    """The institution acting; a student it does not see (ledger.access) is answered as an unknown one."""
    issuer = ledger.issuer(slug)
    ledger.access.require_visible(issuer.did, student_id)
    return issuer


def correct_cohort(ledger: Ledger, slug: str, student_id: str, cohort: int, *, seen: int | None = None) -> Receipt:
    """Correct the student's graduating class, as the district of record (`slug`)."""
    issuer = _acting(ledger, slug, student_id)
    with ledger.batch() as batch:
        batch.existing(student_id, Student, f"no student {student_id!r}", seen=seen)
        return batch.sign(d.COHORT_CORRECTED, student_id, actor=issuer.did, student=student_id, cohort=cohort)


def record_state_id(ledger: Ledger, slug: str, student_id: str, state_id: str, *, seen: int | None = None) -> Receipt:
    """Give the student a state student id (SSID / MOSIS id / SASID) or correct it, as the district of
    record (`slug`; ledger.rules refuses any other institution). The id is checked by the door (letters and
    digits: web.schemas.STATE_ID); here it goes to the vault and the event commits to it."""
    issuer = _acting(ledger, slug, student_id)
    # One state id, one student, among those the district may see (the roster import checks its whole file
    # at once, naming the other student by local id, before it signs each row with sign_state_id).
    others = ledger.identities(s for s in ledger.access.students(issuer.did) if s != student_id)
    if any(other.claims.get("state_id") == state_id for other in others.values()):
        raise InputError.for_field("state_id", "already the state id of another of your students")
    with ledger.batch() as batch:
        batch.existing(student_id, Student, f"no student {student_id!r}", seen=seen)
        return sign_state_id(ledger, batch, issuer.did, student_id, state_id)


def sign_state_id(ledger: Ledger, batch: Any, actor: str, student_id: str, state_id: str) -> Receipt:
    """Within `batch`: the vault row sealed anew with the state id under a fresh salt, and the
    StateIdRecorded event committing to it, stored in one transaction. InputError naming `state_id` when the
    student already has this id or their identity was erased (no value in the message: it is PII)."""
    identity = ledger.identity(student_id)
    if identity is None:
        raise InputError.for_field("state_id", "this student's identity was erased; no state id can be recorded")
    if identity.claims.get("state_id") == state_id:
        raise InputError.for_field("state_id", "this is already the student's state id")
    renewed = identity.with_claim("state_id", state_id)
    batch.resealed[student_id] = seal(renewed, ledger.vault_key, student_id)
    return batch.sign(d.STATE_ID_RECORDED, student_id, actor=actor, student=student_id,
                      subject={"state_id": renewed.commitments()["state_id"]})


def record_enrollment(ledger: Ledger, slug: str, student_id: str, fact: EnrollmentFact, *,
                      seen: int | None = None) -> Receipt:
    """Record an enrollment fact, as the district of record (`slug`)."""
    issuer = _acting(ledger, slug, student_id)
    fields: dict[str, str | None] = {"student": student_id, "date": fact.day.isoformat()}
    if fact.kind == ENROLLED:
        fields["building"] = fact.detail or None
    elif fact.kind == EXITED:
        fields["reason"] = fact.detail
    elif fact.kind == GRADUATED:
        fields["diploma"] = fact.detail
    elif fact.kind == MOVED:
        try:
            fields["to"] = ledger.issuer(fact.detail or "").did
        except NotFoundError:
            raise InputError.for_field("to", f"no institution {fact.detail!r}") from None
    else:
        raise ValueError(f"no enrollment fact {fact.kind!r}")
    with ledger.batch() as batch:
        batch.existing(student_id, Student, f"no student {student_id!r}", seen=seen)
        return batch.sign(EVENT_OF[fact.kind], student_id, actor=issuer.did, **fields)


def record_summary(doc: Mapping[str, Any], name_of: Callable[[str], str]) -> str:
    """One fact of a student's record in words (the student's history, the console's activity);
    `name_of` names an institution by its DID."""
    kind = doc["type"]
    if kind == d.COHORT_CORRECTED:
        return f"graduating class corrected to {doc['cohort']}"
    if kind == d.STUDENT_ENROLLED:
        return f"enrolled {doc['date']}" + (f" at building {doc['building']}" if doc["building"] else "")
    if kind == d.STUDENT_EXITED:
        return f"exited {doc['date']}: {EXIT_REASONS.get(doc['reason'], doc['reason'])}"
    if kind == d.STUDENT_GRADUATED:
        return f"graduated {doc['date']}: {DIPLOMA_TYPES.get(doc['diploma'], doc['diploma'])}"
    if kind == d.STUDENT_MOVED:
        return f"moved {doc['date']} to {name_of(doc['to'])}, the district of record since"
    if kind == d.STATE_ID_RECORDED:
        return "state student id recorded (kept in the vault)"  # never the id itself: it is PII
    raise ValueError(f"{kind} is no fact of a student's record")

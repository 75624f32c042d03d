"""What the issuer console reads about one institution: its students, their
identities, its counts and its recent activity.

Who the institution may see is the ledger's one rule (`ledger.access`, over
the facts of `ledger.relations`): registered, issued or holds an award, is
offered a transfer, or holds a roster share. Only then does the console show
the student's identity.

Names are only in the encrypted vault, so finding a student by name decrypts
the identities of the students this institution has a relationship with and
matches in memory. That is one AES-GCM open per student (~10 µs): well under
a second for a district of tens of thousands. A statewide issuer would need a
blind index (an HMAC of normalized names) instead; none is kept, on purpose,
so the vault stays the only place a name can be recovered from.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from ledger.application import Ledger
from ledger.enrollment import record_summary
from ledger.errors import InputError, NotFoundError
from ledger.readmodels import Projections
from ledger.store import JournalRow
from ledger.values import IssuerInfo, RosterShareInfo
from verifiers.protocol import documents as d
from verifiers.protocol.event_words import event_in_words

ACTIVITY_SCAN = 5000  # journal rows looked at, newest first, to find an institution's recent events


@dataclass(frozen=True)
class StudentIdentity:
    student_id: str
    name: str
    birth_date: str
    local_id: str
    state_id: str = ""  # the state student id (SSID, MOSIS id, SASID), when the district gave it


def folded(text: str) -> str:
    """Case- and accent-insensitive form for matching names ("Zoë" finds "zoe")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().strip()


class Roster:
    def __init__(self, ledger: Ledger, projections: Projections):
        self.ledger = ledger
        self.projections = projections

    # Students and identities ------------------------------------------------

    def identities(self, student_ids: Iterable[str]) -> dict[str, StudentIdentity]:
        """Decrypted identities of these students (erased ones, and damaged rows, are absent)."""
        return {student_id: StudentIdentity(student_id, identity.claims.get("name", ""),
                                            identity.claims.get("birth_date", ""), identity.claims.get("local_id", ""),
                                            identity.claims.get("state_id", ""))
                for student_id, identity in self.ledger.identities(student_ids).items()}

    def identity(self, student_id: str) -> StudentIdentity | None:
        return self.identities([student_id]).get(student_id)

    def by_local_id(self, did: str, *, recording: bool = False) -> dict[str, list[str]]:
        """Folded local id -> the related students carrying it (more than one: ambiguous);
        with `recording`, only those the institution may record for."""
        index: dict[str, list[str]] = {}
        for person in self.identities(self.ledger.access.students(did, recording=recording)).values():
            index.setdefault(folded(person.local_id), []).append(person.student_id)
        return index

    # The institution's numbers ----------------------------------------------

    def stats(self, did: str, today: date) -> dict[str, int]:
        """Counts over the awards in the institution's custody (what it answers for now), and what it issued."""
        return {"students": len(self.ledger.access.students(did, today)),
                "registered": len(self.ledger.access.registered_by(did)),
                **self.projections.award_counts(did, today)}

    def awards_of(self, did: str, student_id: str, today: date) -> tuple[list[dict[str, Any]], int]:
        """The student's transcript entries this institution issued or holds, and how many others exist."""
        transcript = self.projections.transcript(student_id, today)
        mine = [a for a in transcript["awards"] if did in (a["issuer"], a["custodian"])]
        return mine, len(transcript["awards"]) - len(mine)

    # Recent activity ----------------------------------------------------------

    def activity(self, issuer: IssuerInfo, limit: int = 15) -> list[dict[str, Any]]:
        """The institution's latest events, newest first, with their log index (journal position).

        An event is the institution's when one of its signers is the
        institution, or when it is about the institution itself (key events
        the operator signs). Reads the journal backwards, up to ACTIVITY_SCAN rows.
        """
        store = self.ledger.store
        stream = d.issuer_stream(issuer.slug)
        size = end = store.journal_size()
        found: list[JournalRow] = []
        while end > 0 and len(found) < limit and size - end < ACTIVITY_SCAN:
            start = max(0, end - 250)
            for row in reversed(store.select_journal(start, end - start)):
                signers = {s["did"] for s in json.loads(row.leaf)["signers"]}
                if row.originator_id == stream or issuer.did in signers:
                    found.append(row)
                    if len(found) == limit:
                        break
            end = start
        return [
            {"position": row.position, "recorded": f"{recorded:%Y-%m-%d %H:%M:%S}", "type": doc["type"],
             "label": event_in_words(doc), "summary": self._summary(doc, issuer),
             "student": row.student_id}
            for row, doc, recorded in self.ledger.documents_of(found)
        ]

    def _summary(self, doc: dict[str, Any], issuer: IssuerInfo) -> str:
        kind = doc["type"]
        if kind == d.CREDENTIAL_ISSUED:
            return f"{self._credential_name(doc['credential'])}, earned {doc['earned']}"
        if kind == d.CREDENTIAL_REVOKED:
            award = self.ledger.award(doc["award"])  # the reason is in the event's words (its label)
            return f"{self._credential_name(award.credential)}: {doc['note']}"
        if kind == d.CREDENTIAL_TRANSFERRED:
            award = self.ledger.award(doc["award"])
            direction = (f"to {self._issuer_name(doc['to'])}" if doc["from"] == issuer.did
                         else f"from {self._issuer_name(doc['from'])}")
            return f"{self._credential_name(award.credential)} {direction}: {doc['reason']}"
        if kind == d.STUDENT_REGISTERED:
            return f"by {self._issuer_name(doc['issuer'])}"
        if kind in d.STUDENT_RECORD_EVENTS:
            return record_summary(doc, self._issuer_name)
        if kind in (d.ISSUER_KEY_ADDED, d.ISSUER_KEY_RETIRED, d.ISSUER_KEY_COMPROMISED, d.ISSUER_REGISTERED):
            return short_key(doc["key"])
        return ""

    def _credential_name(self, code: str) -> str:
        try:
            return str(self.ledger.credential(code).fields["name"])
        except NotFoundError:  # every stored award names a catalog entry; be lenient anyway
            return code

    def _issuer_name(self, did: str) -> str:
        issuer = self.ledger.issuer_by_did(did)
        return issuer.name if issuer else did


def share_view(share: RosterShareInfo, today: date) -> dict[str, Any]:
    """A roster share as pages and the API show it."""
    return {"share": str(share.id), "granter": d.issuer_slug_from_did(share.granter),
            "grantee": d.issuer_slug_from_did(share.grantee), "purpose": share.purpose, "students": share.students,
            "granted": share.granted, "until": share.until, "withdrawn": share.withdrawn,
            "active": share.withdrawn is None and share.until >= today.isoformat(), "note": share.note}


def local_ids_from_csv(data: bytes) -> list[str]:
    """The first column of a CSV (UTF-8, a `local_id` header row allowed), blank cells skipped."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError.for_field("file", "the CSV is not UTF-8 text") from None
    cells = [row[0].strip() for row in csv.reader(io.StringIO(text)) if row and row[0].strip()]
    if cells and folded(cells[0]).replace(" ", "_") == "local_id":
        cells = cells[1:]
    if not cells:
        raise InputError.for_field("file", "no local ids in the first column")
    return cells


def local_id_resolver(roster: Roster, did: str) -> Callable[[str], str | None]:
    """The student id behind a local id of a student the institution may record for (as the award
    import resolves them; None: none, or several)."""
    index = roster.by_local_id(did, recording=True)

    def resolve(local_id: str) -> str | None:
        matches = index.get(folded(local_id), [])
        return matches[0] if len(matches) == 1 else None
    return resolve


def resolve_local_ids(roster: Roster, did: str, local_ids: Iterable[str]) -> list[str]:
    """The student ids behind local ids of the institution's own students; an InputError names
    each local id that matches none (or several) of them."""
    index = roster.by_local_id(did)
    students, errors = [], {}
    for i, local_id in enumerate(local_ids):
        matches = index.get(folded(local_id), [])
        if len(matches) == 1:
            students.append(matches[0])
        else:
            errors[f"local_ids[{i}]"] = [f"{len(matches)} of your students have this local id" if matches
                                         else "none of your students has this local id"]
    if errors:
        field, problems = next(iter(errors.items()))
        raise InputError(f"{field}: {problems[0]}", errors)
    return list(dict.fromkeys(students))


def short_key(key_id: str) -> str:
    """did:key:z6Mk…#z6MkAbCd… -> z6MkAbCd…wxyz: enough to tell keys apart on a page."""
    fragment = key_id.rsplit("#", 1)[-1]
    return f"{fragment[:12]}…{fragment[-6:]}" if len(fragment) > 20 else fragment

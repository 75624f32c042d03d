"""Portable transcript bundles (docs/transcript-bundle.md) and online evidence.

A bundle carries every signed event a student's chosen awards rely on, each
with its leaf index and inclusion proof in one signed checkpoint, so that
`verifiers.bundle` can check it with only the log's key pinned. The same
entries, at a newer checkpoint, answer a verifier's online status question.
Both are written through the wire model of `verifiers.protocol.bundle`, the one
the verifier reads with.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from ledger.application import Ledger
from ledger.errors import InputError, NotFoundError
from ledger.vault import CLAIMS
from verifiers.protocol import documents as d
from verifiers.protocol.bundle import Bundle, Entry, OnlineEvidence
from verifiers.protocol.payloads import CredentialIssued, payload_as
from verifiers.timestamps import format_timestamp


def student_awards(ledger: Ledger, student_id: str) -> list[str]:
    """The student's award ids, in the order they were issued."""
    ledger.student(student_id)
    return [row.originator_id for row in ledger.store.select_journal_for_student(student_id)
            if row.event_type == d.CREDENTIAL_ISSUED]


def export_bundle(
    ledger: Ledger,
    student_id: str,
    *,
    only: Sequence[str] | None = None,
    disclose: Sequence[str] = (),
) -> dict[str, Any]:
    """The student's transcript bundle at the latest checkpoint."""
    awards = student_awards(ledger, student_id)
    if only:
        unknown = [a for a in only if a not in awards]
        if unknown:
            raise InputError.for_field("only", f"not this student's award: {unknown[0]}")
        awards = [a for a in awards if a in only]
    bad = [c for c in disclose if c not in CLAIMS]
    if bad:
        raise InputError.for_field("disclose", f"unknown claim {bad[0]!r}; choose from {', '.join(CLAIMS)}")
    disclosed: dict[str, Any] = {}
    if disclose:
        identity = ledger.identity(student_id)
        if identity is None:
            raise InputError.for_field("disclose", "this student's identity was erased; nothing can be disclosed")
        registration = ledger.student(student_id).subject
        opened = identity.commitments()
        # A claim recorded after the registration (a state id: StateIdRecorded) has a commitment of its own;
        # the awards carry the registration's, which the new value does not open: refuse, never mislead.
        later = [c for c in disclose if c in opened and opened[c] != registration.get(c)]
        if later:
            raise InputError.for_field("disclose", f"the {later[0].replace('_', ' ')} was recorded after the "
                                                   "registration; the awards carry the registration's commitment, "
                                                   "which it does not open")
        disclosed = identity.disclosure(list(disclose))
    ledger.transparency_log.integrate()
    size, _, note = ledger.witnessing.witnessed_latest()
    return Bundle(
        exported=format_timestamp(ledger.clock()),
        ledger=ledger.config.ledger_id,
        operator=ledger.operator_did,
        checkpoint=note,
        student=student_id,
        streams=stream_entries(ledger, [student_id, *awards], size),
        awards=tuple(awards),
        disclosed=disclosed,
    ).to_json()


def online_evidence(ledger: Ledger, award_ids: Sequence[str], since: int) -> OnlineEvidence:
    """What an online verifier asks: the newest checkpoint, consistency from `since`, and the awards'
    streams. NotFoundError for an award this ledger does not hold; InputError for `since` outside the log."""
    for award_id in award_ids:
        ledger.award(award_id)
    ledger.transparency_log.integrate()
    size, _, note = ledger.witnessing.witnessed_latest()
    if not 0 < since <= size:
        raise InputError.for_field("since", f"must be in [1, {size}]")
    return OnlineEvidence(note, ledger.transparency_log.consistency_proof(since, size),
                          stream_entries(ledger, list(award_ids), size))


def stream_entries(ledger: Ledger, stream_ids: Iterable[str], size: int) -> dict[str, list[dict[str, Any]]]:
    """The given streams plus every issuer and catalog stream their events rely on, as entries."""
    streams: dict[str, list[dict[str, Any]]] = {}
    pending = list(dict.fromkeys(stream_ids))
    while pending:
        stream_id = pending.pop(0)
        if stream_id in streams:
            continue
        entries = _entries(ledger, stream_id, size)
        streams[stream_id] = entries
        for entry in entries:
            pending.extend(s for s in _relied_on(entry["event"]) if s not in streams)
    return streams


def _relied_on(document: dict[str, Any]) -> list[str]:
    """Streams whose events are needed to verify `document`: its signers' issuers, its catalog entry."""
    relied = [stream for stream in map(d.issuer_stream_of, d.required_signers(document)) if stream is not None]
    if document["type"] == d.CREDENTIAL_ISSUED:
        relied.append(d.credential_stream(payload_as(CredentialIssued, document)["credential"]))
    return relied


def _entries(ledger: Ledger, stream_id: str, size: int) -> list[dict[str, Any]]:
    rows = [r for r in ledger.store.select_journal_of_stream(stream_id) if r.position < size]
    if not rows:
        raise NotFoundError(f"no stream {stream_id} in the log")
    if rows[0].event_type == d.STUDENT_REGISTERED:
        # A student's stream goes as its registration only (the identity commitments the awards carry):
        # the later facts (class, enrollment, exit reason, graduation, moves) are education records the
        # district keeps, not the student's credentials, and a bundle travels to employers.
        rows = rows[:1]
    events = ledger.events.get(uuid.UUID(stream_id), lte=rows[-1].originator_version)
    return [
        Entry(stream_id, n, event.document, event.timestamp, row.position,  # type: ignore[attr-defined]
              tuple(ledger.transparency_log.inclusion_proof(row.position, size))).to_json()
        for n, (row, event) in enumerate(zip(rows, events))
    ]

"""Plain views of ledger state for people and machines (CLI `show`, web pages)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ledger.aggregates import Award
from ledger.application import Ledger
from ledger.enrollment import record_summary
from ledger.pathways import WORKKEYS_TESTS
from ledger.errors import NotFoundError
from ledger.values import AwardInfo, IssuerInfo
from verifiers.dataintegrity import proofs_of
from verifiers.errors import VerificationError
from verifiers.keyhistory import verify_key_valid_at
from verifiers.protocol import documents as d
from verifiers.protocol.event_words import event_in_words
from verifiers.timestamps import format_timestamp


def signer_name(ledger: Ledger, did: str) -> str:
    if did == ledger.operator_did:
        return "operator"
    try:
        return ledger.issuer(d.issuer_slug_from_did(did)).name
    except NotFoundError:
        return did


def student_events(ledger: Ledger, student_id: str) -> list[dict[str, Any]]:
    """Every event about a student, in ledger order, with who signed it and the award's status now."""
    today = ledger.clock().date()
    names: dict[str, str] = {}
    result = []
    for row, doc, recorded in ledger.student_history(student_id):
        award = ledger.stream(doc["stream"]) if doc["type"] != d.STUDENT_REGISTERED else None
        actor = doc["actor"]
        if actor not in names:
            names[actor] = signer_name(ledger, actor)
        result.append(
            {
                "position": row.position,
                "recorded": format_timestamp(recorded),
                "type": doc["type"],
                "label": event_in_words(doc),
                "stream": doc["stream"],
                "sequence": doc["sequence"],
                "hash": d.document_hash(doc),
                "signer": names[actor] + (f", countersigned by {signer_name(ledger, doc['to'])}"
                                          if doc["type"] == d.CREDENTIAL_TRANSFERRED else ""),
                "signer_did": actor,
                "key": proofs_of(doc)[0]["verificationMethod"],
                "status": AwardInfo.of(award, today).status if isinstance(award, Award) else
                ("recorded" if doc["type"] == d.ASSESSMENT_RECORDED or doc["type"] in d.STUDENT_RECORD_EVENTS
                 else "registered"),
                "signatures": signature_status(ledger, doc, recorded),
                "summary": _summary(ledger, doc),
            }
        )
    return result


def signature_status(ledger: Ledger, doc: dict[str, Any], recorded: datetime) -> str:
    """Whether the signers' keys are trusted for this event, judged with today's key history.

    The log is the clock: an event recorded before a key's declared
    compromise stays valid; one recorded after it does not.
    """
    for did, proof in zip(d.required_signers(doc), proofs_of(doc)):
        if did == ledger.operator_did:
            continue
        issuer = ledger.issuer_by_did(did)
        record = issuer.keys.get(proof["verificationMethod"]) if issuer else None
        if record is None:
            return "unknown key"
        try:
            verify_key_valid_at(record, recorded)
        except VerificationError as e:
            return f"not trusted: {e}"
    return "valid"


def _summary(ledger: Ledger, doc: dict[str, Any]) -> str:
    kind = doc["type"]
    if kind == d.CREDENTIAL_ISSUED:
        name = ledger.credential(doc["credential"]).fields["name"]
        expires = f", expires {doc['expires']}" if doc["expires"] else ""
        return f"{name}, earned {doc['earned']}{expires}"
    if kind == d.CREDENTIAL_REVOKED:
        return doc["note"]  # the reason is in the event's words (its label)
    if kind == d.CREDENTIAL_TRANSFERRED:
        return f"custody to {signer_name(ledger, doc['to'])}: {doc['reason']}"
    if kind == d.STUDENT_REGISTERED:
        cohort = f", class of {doc['cohort']}" if doc.get("cohort") else ""
        return f"registered by {signer_name(ledger, doc['issuer'])}{cohort}"
    if kind in d.STUDENT_RECORD_EVENTS:
        return record_summary(doc, lambda did: signer_name(ledger, did))
    if kind == d.IDENTITY_ERASED:
        return "the student's name, birth date and local id were erased; every signature stays valid"
    if kind == d.TRANSFER_OFFERED:
        return f"{len(doc['awards'])} credential(s) offered to {signer_name(ledger, doc['to'])}: {doc['reason']}"
    if kind == d.ASSESSMENT_RECORDED:
        levels = ", ".join(f"{WORKKEYS_TESTS.get(t, t)} {v}" for t, v in doc["scores"].items())
        return f"WorkKeys taken {doc['taken']}: {levels}"
    return kind


def issuer_json(ledger: Ledger, issuer: IssuerInfo) -> dict[str, Any]:
    """An issuer with the history of its keys, as the API and the CLI print it: each key's state now
    (KeyRecord.state_at) and whether this server holds its private part."""
    now = ledger.clock()
    return {
        "slug": issuer.slug, "name": issuer.name, "kind": issuer.kind, "did": issuer.did,
        "keys": [
            {"key_id": k.key_id, "valid_from": format_timestamp(k.valid_from),
             "retired_at": format_timestamp(k.retired_at) if k.retired_at else None,
             "compromised_at": format_timestamp(k.compromised_at) if k.compromised_at else None,
             "state": k.state_at(now), "held_by_server": ledger.holds_key(k.key_id)}
            for k in sorted(issuer.keys.values(), key=lambda k: k.valid_from)
        ],
    }

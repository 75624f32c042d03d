"""Plain views of ledger state for people and machines (CLI `show`, web pages)."""

from __future__ import annotations

from datetime import date
from typing import Any

from ledger import documents as d
from ledger.aggregates import Award
from ledger.application import Ledger
from ledger.rules import issuer_slug_from_did
from verifiers.timestamps import format_timestamp


def award_status(award: Award, today: date) -> str:
    """active, expired (not the same as revoked), or revoked: reason."""
    if award.revocation is not None:
        return f"revoked: {award.revocation['reason']}"
    if award.expires is not None and date.fromisoformat(award.expires) < today:
        return "expired"
    return "active"


def signer_name(ledger: Ledger, did: str) -> str:
    if did == ledger.operator_did:
        return "operator"
    try:
        return ledger.issuer(issuer_slug_from_did(did)).name
    except Exception:
        return did


def student_events(ledger: Ledger, student_id: str) -> list[dict[str, Any]]:
    """Every event about a student, in ledger order, with who signed it and the award's status now."""
    today = ledger.clock().date()
    names: dict[str, str] = {}
    result = []
    for row, doc, recorded in ledger.student_history(student_id):
        award = ledger.load(doc["stream"]) if doc["type"] != d.STUDENT_REGISTERED else None
        actor = doc["actor"]
        if actor not in names:
            names[actor] = signer_name(ledger, actor)
        result.append(
            {
                "position": row.position,
                "recorded": format_timestamp(recorded),
                "type": doc["type"],
                "stream": doc["stream"],
                "sequence": doc["sequence"],
                "hash": d.document_hash(doc),
                "signer": names[actor],
                "signer_did": actor,
                "key": (doc["proof"][0] if isinstance(doc["proof"], list) else doc["proof"])["verificationMethod"],
                "status": award_status(award, today) if isinstance(award, Award) else "registered",
                "summary": _summary(ledger, doc),
            }
        )
    return result


def _summary(ledger: Ledger, doc: dict[str, Any]) -> str:
    kind = doc["type"]
    if kind == d.CREDENTIAL_ISSUED:
        name = ledger.credential(doc["credential"]).fields["name"]
        expires = f", expires {doc['expires']}" if doc["expires"] else ""
        return f"{name}, earned {doc['earned']}{expires}"
    if kind == d.CREDENTIAL_REVOKED:
        return f"revoked ({doc['reason']}): {doc['note']}"
    if kind == d.CREDENTIAL_TRANSFERRED:
        return f"custody to {signer_name(ledger, doc['to'])}: {doc['reason']}"
    if kind == d.STUDENT_REGISTERED:
        return f"registered by {signer_name(ledger, doc['issuer'])}"
    return kind

"""An award's status: the one vocabulary the API, the pages, the CLI, the exports and the bundle
verifier all speak.

    active               earned, not expired, not revoked
    expired              past its expiry date: no longer current, but not revoked (not a failure)
    superseded           revoked because a corrected award (an amendment) replaces it
    revoked: <reason>    revoked for any other reason (issued_in_error, misconduct, …)

Pure: imports only the standard library.
"""

from __future__ import annotations

from datetime import date

ACTIVE = "active"
EXPIRED = "expired"
SUPERSEDED = "superseded"  # also the revocation reason an amendment requires of the award it replaces
REVOKED = "revoked"

# Why an award was revoked: the reason a CredentialRevoked event carries, and the same in words.
REVOCATION_REASONS = {
    "issued_in_error": "recorded by mistake",
    SUPERSEDED: "replaced by a corrected award (amendment)",
    "evidence_withdrawn": "the certifying body withdrew or voided the result",
    "misconduct": "obtained by cheating or fraud",
    "other": "another reason, explained in the note",
}


def award_status(revoked_reason: str | None, expires: str | None, today: date) -> str:
    """The status on `today` of an award revoked for `revoked_reason` (None: not revoked) that expires
    on `expires` (an ISO date, None: never). Raises ValueError for an expiry that is not an ISO date."""
    if revoked_reason:
        return revoked_status(revoked_reason)
    if expires is not None and date.fromisoformat(expires) < today:
        return EXPIRED
    return ACTIVE


def revoked_status(reason: str) -> str:
    """The status of an award revoked for `reason`, whatever the day."""
    return SUPERSEDED if reason == SUPERSEDED else f"{REVOKED}: {reason}"


def status_in_words(status: str) -> str:
    """A status for a person: "revoked: misconduct" → "revoked (obtained by cheating or fraud)"."""
    if status == SUPERSEDED:
        return "replaced by a correction"
    if status.startswith(f"{REVOKED}: "):
        reason = status.removeprefix(f"{REVOKED}: ")
        return f"revoked ({REVOCATION_REASONS.get(reason, reason)})"
    return status


def is_withdrawn(status: str) -> bool:
    """Revoked or superseded: the award no longer counts (expired ones still do, as history)."""
    return status == SUPERSEDED or status.startswith(f"{REVOKED}: ")


def status_kind(status: str) -> str:
    """active / expired / superseded / revoked, without the reason (for badges and counts)."""
    return REVOKED if status.startswith(f"{REVOKED}: ") else status

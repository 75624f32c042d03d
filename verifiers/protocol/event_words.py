"""Each event type in words: what a person reads wherever an event is shown (the console's activity
feed, the human output of `credledger show` and `monitor`), never the protocol's class-like name.

The names themselves are `verifiers.protocol.documents`; this is their one translation for people,
kept beside them so that a new event type without words fails its test (tests/verifiers). A
revocation names its reason in words (`status.REVOCATION_REASONS`) and a closed transfer offer its
outcome, because "Credential revoked" alone leaves out what the reader needs.

Pure: imports only `verifiers`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from verifiers.protocol import documents as d
from verifiers.protocol.status import REVOCATION_REASONS

EVENT_WORDS = {
    d.ISSUER_REGISTERED: "Institution registered",
    d.ISSUER_KEY_ADDED: "Signing key added",
    d.ISSUER_KEY_RETIRED: "Signing key retired",
    d.ISSUER_KEY_COMPROMISED: "Signing key declared compromised",
    d.CREDENTIAL_DEFINED: "Credential added to the catalog",
    d.CREDENTIAL_UPDATED: "Catalog entry updated",
    d.STUDENT_REGISTERED: "Student registered",
    d.CREDENTIAL_ISSUED: "Credential recorded",
    d.CREDENTIAL_REVOKED: "Credential revoked",
    d.CREDENTIAL_TRANSFERRED: "Record transferred",
    d.CREDENTIAL_LISTED: "Credential put on a state's list",
    d.CREDENTIAL_DELISTED: "Credential taken off a state's list",
    d.ASSESSMENT_RECORDED: "WorkKeys scores recorded",
    d.ROSTER_SHARED: "Students shared with another institution",
    d.ROSTER_SHARE_WITHDRAWN: "Roster share withdrawn",
    d.TRANSFER_OFFERED: "Transfer offered",
    d.TRANSFER_OFFER_CLOSED: "Transfer offer closed",
    d.IDENTITY_ERASED: "Student's identity erased",
    d.COHORT_CORRECTED: "Graduating class corrected",
    d.STUDENT_ENROLLED: "Student enrolled",
    d.STUDENT_EXITED: "Student left the district",
    d.STUDENT_GRADUATED: "Student graduated",
    d.STUDENT_MOVED: "Student moved to another district",
    d.STATE_ID_RECORDED: "State student id recorded",
}
# How a transfer offer ended (TransferOfferClosed's `outcome`).
OFFER_OUTCOMES = {
    "accepted": "Transfer accepted",
    "declined": "Transfer declined",
    "withdrawn": "Transfer withdrawn by the sender",
}


def event_type_in_words(event_type: str) -> str:
    """The type alone in words (where only the type is known: a log leaf); an unknown type as it is."""
    return EVENT_WORDS.get(event_type, event_type)


def event_in_words(document: Mapping[str, Any]) -> str:
    """One event in words: "Credential revoked — recorded by mistake", "Transfer declined"."""
    kind = str(document.get("type", ""))
    if kind == d.CREDENTIAL_REVOKED:
        reason = str(document.get("reason", ""))
        return f"{EVENT_WORDS[kind]} — {REVOCATION_REASONS.get(reason, reason)}"
    if kind == d.TRANSFER_OFFER_CLOSED:
        return OFFER_OUTCOMES.get(str(document.get("outcome", "")), EVENT_WORDS[kind])
    if kind == d.CREDENTIAL_ISSUED and document.get("supersedes"):
        return "Corrected credential recorded"
    return event_type_in_words(kind)

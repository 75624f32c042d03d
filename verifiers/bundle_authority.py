"""Step 6 of verifying a bundle, issuer authority: the protocol's authority and custody
rules (`verifiers.protocol.authority`, the very functions ingest runs) over the streams
an award relies on, their refusals worded for a person. Pure, like all of `verifiers`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from verifiers.bundle_steps import _Evidence, _require_events, _Verification
from verifiers.errors import AuthorityError, MalformedError
from verifiers.protocol import authority as a
from verifiers.protocol.bundle import Entry
from verifiers.protocol.documents import (
    CREDENTIAL_DEFINED,
    CREDENTIAL_REVOKED,
    ISSUER_REGISTERED,
    STUDENT_REGISTERED,
    issuer_stream_of,
    text_of,
)
from verifiers.protocol.payloads import CredentialIssued, CredentialTransferred, payload_as


def _check_authority(v: _Verification, evidence: _Evidence) -> str:
    # 6. The operator registered every issuer relied on; the award's issuer issued it;
    #    each revocation or transfer is by the custodian of the moment; a transfer
    #    carries the receiver's countersignature; the student and catalog entry are sound.
    _require_events(evidence)
    issued = evidence.issued
    if issued is None:
        first = evidence.award_entries()[0].type if evidence.award_entries() else "nothing"
        raise AuthorityError(f"stream {evidence.award} is not an award: it opens with {first}")
    for entries in evidence.streams.values():
        opening = entries[0].type
        if opening == ISSUER_REGISTERED:
            v.once("authority", entries[0], -1, partial(_check_issuer_stream, v, entries))
        elif opening == STUDENT_REGISTERED:
            v.once("authority", entries[0], -1, partial(_check_student_stream, v, entries))
        elif opening == CREDENTIAL_DEFINED:
            v.once("authority", entries[0], -1, partial(_check_catalog_stream, v, entries))
    custody = _check_award_acts(v, evidence.award_entries())
    issuer = _registered(v, text_of(issued, "issuer"))
    moved = f"; custody since: {' → '.join(custody[1:])}" if len(custody) > 1 else ""
    return f"issued by {issuer.get('name')} ({issued['issuer']}), an issuer the operator registered{moved}"


class _Authority:
    """The protocol's AuthorityView over a bundle: its operator, and the issuers its streams show registered."""

    def __init__(self, v: _Verification):
        self._v = v

    @property
    def operator(self) -> str:
        return self._v.bundle.operator

    def check_issuer(self, did: str) -> None:
        try:
            _registered(self._v, did)
        except AuthorityError as e:
            raise AuthorityError(str(e), reason=a.NOT_ISSUER) from None


def _authorized(words: Callable[[str], str | None], rule: Callable[..., None], v: _Verification,
                *args: Any) -> None:
    """Run one of the protocol's authority rules; on a refusal, word it for a person, naming the
    entry: ``words(reason)``, or the rule's own words when that is None (``_registered``'s)."""
    try:
        rule(_Authority(v), *args)
    except AuthorityError as e:
        raise AuthorityError(words(e.reason) or str(e), reason=e.reason) from None


def _check_issuer_stream(v: _Verification, entries: Sequence[Entry]) -> None:
    first = entries[0].event
    did = text_of(first, "issuer")
    _authorized(lambda reason: _registration_refused(v, first, did, reason), a.check_issuer_registration, v, first)
    for entry in entries[1:]:
        _authorized(partial(_key_event_refused, v, entry), a.check_key_event, v, did, entry.event)


def _registration_refused(v: _Verification, event: dict[str, Any], did: str, reason: str) -> str | None:
    if reason == a.NOT_OPERATOR:
        return f"{did} was registered by {event.get('actor')}, not by the operator {v.bundle.operator}"
    if reason == a.MISMATCH:
        return f"the registration of {did}: stream, slug and DID do not agree"
    return None


def _key_event_refused(v: _Verification, entry: Entry, reason: str) -> str | None:
    if reason == a.OUT_OF_PLACE:
        return f"{v.label(entry)} does not belong in an issuer's stream"
    if reason == a.NOT_OPERATOR_OR_ISSUER:
        return f"{v.label(entry)} is signed by {entry.event.get('actor')}, neither the operator nor the issuer"
    return None


def _check_student_stream(v: _Verification, entries: Sequence[Entry]) -> None:
    _authorized({a.MISMATCH: "the student's registration: student, stream and issuer do not agree"}.get,
                a.check_student_registration, v, entries[0].event)
    if len(entries) > 1:
        raise AuthorityError(f"{v.label(entries[1])} does not belong in a student's stream")


def _check_catalog_stream(v: _Verification, entries: Sequence[Entry]) -> None:
    first = entries[0].event
    owner = text_of(first, "actor")
    _authorized({a.MISMATCH: "the catalog entry's stream and code do not agree"}.get,
                a.check_catalog_entry, v, first)
    for entry in entries[1:]:
        _authorized(partial(_update_refused, v, entry), a.check_catalog_update, v, owner,
                    entry.event)


def _update_refused(v: _Verification, entry: Entry, reason: str) -> str | None:
    if reason in (a.OUT_OF_PLACE, a.NOT_OPERATOR_OR_OWNER):
        return f"{v.label(entry)} is not an update by the operator or the entry's owner"
    return None


def _check_award_acts(v: _Verification, entries: Sequence[Entry]) -> list[str]:
    """Check who did what to the award; return its custodians in order."""
    issued = entries[0].event
    _authorized({a.MISMATCH: "the award's issuer, signer and id do not agree"}.get, a.check_issuance, v, issued)
    # The stream opens with its issuance (_Evidence.issued), and an act check_award_act admits
    # that is no revocation is a transfer.
    custody, revoked = [a.custodian_after(None, payload_as(CredentialIssued, issued))], False
    for entry in entries[1:]:
        _authorized(partial(_act_refused, v, entry, custody[-1]),
                    a.check_award_act, v, custody[-1], revoked, entry.event)
        if entry.type == CREDENTIAL_REVOKED:
            revoked = True
        else:
            custody.append(a.custodian_after(custody[-1], payload_as(CredentialTransferred, entry.event)))
    return custody


def _act_refused(v: _Verification, entry: Entry, custodian: str, reason: str) -> str | None:
    label, event = v.label(entry), entry.event
    if reason == a.OUT_OF_PLACE:
        return f"{label} does not belong in an award's stream"
    if reason == a.NOT_CUSTODIAN:
        return f"{label} is signed by {event.get('actor')}, not by the custodian {custodian}"
    if reason == a.ALREADY_REVOKED:
        return f"{label} revokes an award already revoked"
    if reason in (a.NOT_FROM_CUSTODIAN, a.TO_ITSELF):
        return f"{label}: 'from' and 'to' do not describe a handover"
    if reason == a.NO_COUNTERSIGNATURE:
        return f"{label} carries no countersignature by the receiver {event.get('to')}"
    return None


def _registered(v: _Verification, did: str) -> dict[str, Any]:
    """The IssuerRegistered event of ``did``, signed by the operator; AuthorityError otherwise."""
    try:
        entries = v.stream(issuer_stream_of(did) or "")
    except MalformedError:
        raise AuthorityError(f"{did} is not a registered issuer (no registration in the bundle)") from None
    v.once("authority", entries[0], -1, lambda: _check_issuer_stream(v, entries))
    if entries[0].event.get("issuer") != did:
        raise AuthorityError(f"{did} is not a registered issuer")
    return entries[0].event

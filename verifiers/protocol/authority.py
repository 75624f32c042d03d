"""Who may sign which act, and who holds an award: the protocol's rules that need no ledger state.

Ingest (``ledger.rules``, through which ``ledger.audit`` replays the store) and offline
verification (``verifiers.bundle_steps``) call these same functions, so they cannot
disagree about them. Each reads one event document and, where it must, a small view of
the world (``AuthorityView``: the operator, and whether a DID is a registered issuer).
What needs more of the ledger's state (relations, amendments, offers, the catalog) stays
in ``ledger.rules``.

The rules, per stream:

- issuer     registered by the operator, for the DID its stream and slug name; its key
             events signed by the operator or the issuer itself;
- catalog    an entry defined by the operator or a registered issuer (its owner), at the
             stream its code names; updated by the operator or the owner;
- student    registered by a registered issuer, naming itself and the stream;
- award      issued by a registered issuer naming itself and the stream; the issuer is the
             first custodian. Each later act is by the custodian of the moment: a revocation,
             once; a transfer from that custodian to another registered issuer, countersigned
             by it, which then becomes the custodian.

Each rule takes its event's typed document (``verifiers.protocol.payloads``), or any event
(``EventDocument``) where telling the type apart is the rule's own check; it still reads
members defensively (``text_of``), since a bundle's documents met no schema.

A refusal is an ``AuthorityError`` whose ``reason`` is one of the constants below, in
the words ingest answers with (a ``RejectedError`` of the reason's code); a bundle
report words it again with the entry it is about. Pure; imports only ``verifiers``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from verifiers.dataintegrity import proofs_of
from verifiers.errors import AuthorityError
from verifiers.protocol.documents import (
    CREDENTIAL_ISSUED,
    CREDENTIAL_REVOKED,
    CREDENTIAL_TRANSFERRED,
    CREDENTIAL_UPDATED,
    KEY_EVENTS,
    credential_stream,
    issuer_slug_from_did,
    issuer_stream_of,
    required_signers,
    text_of,
)
from verifiers.protocol.payloads import (
    CredentialDefined,
    CredentialIssued,
    CredentialRevoked,
    CredentialTransferred,
    EventDocument,
    IssuerRegistered,
    StudentRegistered,
)

__all__ = [
    "ALREADY_REVOKED",
    "MISMATCH",
    "NOT_CUSTODIAN",
    "NOT_FROM_CUSTODIAN",
    "NOT_ISSUER",
    "NOT_OPERATOR",
    "NOT_OPERATOR_OR_ISSUER",
    "NOT_OPERATOR_OR_OWNER",
    "NO_COUNTERSIGNATURE",
    "OUT_OF_PLACE",
    "TO_ITSELF",
    "AuthorityView",
    "check_award_act",
    "check_catalog_entry",
    "check_catalog_update",
    "check_countersigned",
    "check_issuance",
    "check_issuer_registration",
    "check_key_event",
    "check_student_registration",
    "custodian_after",
]

# Why an act is refused: the `reason` of the AuthorityError.
NOT_OPERATOR = "not_operator"  # only the operator may do this
NOT_OPERATOR_OR_ISSUER = "not_operator_or_issuer"  # an issuer's key event by someone else
NOT_OPERATOR_OR_OWNER = "not_operator_or_owner"  # a catalog update by someone else
NOT_ISSUER = "not_issuer"  # the DID is not a registered issuer (raised by the view)
MISMATCH = "mismatch"  # the document's ids (stream, slug, DID, signer) do not agree
OUT_OF_PLACE = "out_of_place"  # the event does not belong in this kind of stream
NOT_CUSTODIAN = "not_custodian"  # an act on an award by someone other than its custodian
ALREADY_REVOKED = "already_revoked"
NOT_FROM_CUSTODIAN = "not_from_custodian"  # a transfer whose 'from' is not the custodian
TO_ITSELF = "to_itself"  # a transfer to the award's own custodian
NO_COUNTERSIGNATURE = "no_countersignature"  # a transfer without the receiver's proof


class AuthorityView(Protocol):
    """What the rules need to know of the world beyond the event itself."""

    @property
    def operator(self) -> str:
        """The operator's DID."""
        ...

    def check_issuer(self, did: str) -> None:
        """Raise ``AuthorityError`` (reason ``NOT_ISSUER``) unless ``did`` is an issuer the operator registered."""
        ...


def _refuse(reason: str, message: str) -> AuthorityError:
    return AuthorityError(message, reason=reason)


def check_issuer_registration(view: AuthorityView, event: IssuerRegistered) -> None:
    """``IssuerRegistered``: by the operator, in the stream of the DID, whose slug it names."""
    did, slug = text_of(event, "issuer"), text_of(event, "slug")
    if event.get("actor") != view.operator:
        raise _refuse(NOT_OPERATOR, "only the operator registers issuers")
    if issuer_stream_of(did) != event.get("stream") or issuer_slug_from_did(did) != slug:
        raise _refuse(MISMATCH, "issuer stream, slug and DID do not agree")


def check_key_event(view: AuthorityView, issuer: str, event: EventDocument) -> None:
    """A later event of ``issuer``'s stream: a key event, by the operator or the issuer itself."""
    if event.get("type") not in KEY_EVENTS:
        raise _refuse(OUT_OF_PLACE, "only key events follow an issuer's registration")
    if event.get("actor") not in (view.operator, issuer):
        raise _refuse(NOT_OPERATOR_OR_ISSUER, "only the operator or the issuer itself may do this")


def check_catalog_entry(view: AuthorityView, event: CredentialDefined) -> None:
    """``CredentialDefined``: by the operator or a registered issuer, in the stream its code names."""
    owner = text_of(event, "actor")
    if owner != view.operator:
        view.check_issuer(owner)
    if credential_stream(text_of(event, "credential")) != event.get("stream"):
        raise _refuse(MISMATCH, "credential stream and code do not agree")


def check_catalog_update(view: AuthorityView, owner: str, event: EventDocument) -> None:
    """A later event of a catalog entry defined by ``owner``: an update, by the operator or the owner."""
    if event.get("type") != CREDENTIAL_UPDATED:
        raise _refuse(OUT_OF_PLACE, "only updates follow a catalog entry's definition")
    if event.get("actor") not in (view.operator, owner):
        raise _refuse(NOT_OPERATOR_OR_OWNER, "only the operator or the entry's owner may update it")


def check_student_registration(view: AuthorityView, event: StudentRegistered) -> None:
    """``StudentRegistered``: by a registered issuer naming itself, in the student's own stream."""
    view.check_issuer(text_of(event, "actor"))
    if event.get("issuer") != event.get("actor") or event.get("student") != event.get("stream"):
        raise _refuse(MISMATCH, "student, stream and issuer do not agree")


def check_issuance(view: AuthorityView, event: CredentialIssued) -> None:
    """``CredentialIssued``: by a registered issuer naming itself, in the award's own stream."""
    view.check_issuer(text_of(event, "actor"))
    if event.get("issuer") != event.get("actor") or event.get("award") != event.get("stream"):
        raise _refuse(MISMATCH, "award, stream and issuer do not agree")


def check_award_act(view: AuthorityView, custodian: str, revoked: bool, event: EventDocument) -> None:
    """A later event of an award held by ``custodian`` (and ``revoked`` or not): a revocation by
    the custodian, once; or a transfer by it to another registered issuer, countersigned."""
    kind = event.get("type")
    if kind not in (CREDENTIAL_REVOKED, CREDENTIAL_TRANSFERRED):
        raise _refuse(OUT_OF_PLACE, "only revocations and transfers follow an award's issuance")
    if event.get("actor") != custodian:
        act = "revoke" if kind == CREDENTIAL_REVOKED else "transfer"
        raise _refuse(NOT_CUSTODIAN, f"only the award's current custodian may {act} it")
    if kind == CREDENTIAL_REVOKED:
        if revoked:
            raise _refuse(ALREADY_REVOKED, "the award is already revoked")
        return
    receiver = text_of(event, "to")
    if event.get("from") != custodian:
        raise _refuse(NOT_FROM_CUSTODIAN, "only the award's current custodian may transfer it")
    if receiver == custodian:
        raise _refuse(TO_ITSELF, "an award cannot be transferred to its own custodian")
    view.check_issuer(receiver)
    check_countersigned(event)


def check_countersigned(event: Mapping[str, Any]) -> None:
    """A transfer carries a proof by each of its signers: the releasing custodian, then the receiver."""
    if event.get("type") == CREDENTIAL_TRANSFERRED and len(proofs_of(event)) < len(required_signers(event)):
        raise _refuse(NO_COUNTERSIGNATURE, "a transfer needs the receiving issuer's countersignature")


def custodian_after(custodian: str | None,
                    event: CredentialIssued | CredentialRevoked | CredentialTransferred) -> str:
    """Who holds an award after ``event``: its issuer from the issuance, the receiver after a transfer.

    ``custodian`` is who held it before (None before the issuance). The event is not checked
    here: ``check_issuance`` and ``check_award_act`` do that.
    """
    kind = event.get("type")
    if kind == CREDENTIAL_ISSUED:
        return text_of(event, "issuer")
    if custodian is None:
        raise ValueError("an award's first event is its issuance")
    return text_of(event, "to") if kind == CREDENTIAL_TRANSFERRED else custodian

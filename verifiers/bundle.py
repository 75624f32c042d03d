"""Verify a portable transcript bundle, format ``credledger.transcript/v1``.

The format is docs/transcript-bundle.md (authoritative); its JSON Schema is
docs/transcript-bundle.schema.json. With only the log's verifier key pinned,
every credential (award) of the bundle is checked on its own, and each step is
reported separately, so a person sees exactly what was and was not proven:

 1. checkpoint        the signed checkpoint verifies with a pinned log key
 2. witnessed         when the policy pins witnesses: a quorum of them cosigned the
                      checkpoint (online: the newer one), `verifiers.bundle_witnessed`
 3. log_inclusion     every entry the award relies on is a leaf of that tree
 4. hash_chain        every stream it relies on is an unbroken chain of this ledger
 5. signature         every proof of those events verifies (eddsa-jcs-2022)
 6. key_validity      each proof's key is its signer's, valid when the log recorded it
 7. issuer_authority  the operator registered the issuers, the issuer issued,
                      the custodian revoked or transferred, the receiver countersigned
 8. status            active, expired (not a failure), superseded or revoked (a failure)
 9. identity          the award is the bundle's student's; disclosed claims open
10. consistency       online only: a newer checkpoint extends the bundle's
11. current_status    online only: no later revocation, no later compromise of a key
                      the award's events rely on

Online evidence is fetched by the caller, with the link credential of the bundle's
optional ``online`` member (``online_access_from_bundle``). When there is none to
be had, the caller passes an ``OnlineUnavailable`` and steps 10 and 11 say why
(``OFFLINE_ONLY``: the file carries no link; ``WITHDRAWN``: the server refused the
link, withdrawn by the student or expired); the offline steps are unaffected.

A step is ``ok=True`` (proven), ``False`` (failed, ``detail`` says why) or
``None`` (not checked or not applicable). A failure inside one credential never
stops the others; only input that is not a bundle at all is refused as a whole
(``BundleFormatError``).

Key validity follows the log, as ingest does: a key is a signer's if its
``IssuerRegistered``/``IssuerKeyAdded`` comes earlier in the log than the event,
and is cut by a retirement recorded earlier in the log; a compromise reaches
back to its ``at`` time wherever it is recorded, so events the log recorded
before the compromise stay valid and later ones do not.

What no offline check can see is a stream cut short at its end (a revocation or
a compromise left out of the file): the chain before the cut is intact. That is
what steps 10 and 11 are for.

What the checkpoint is trusted on is a ``VerificationPolicy`` (``verifiers.policy``):
the pinned log keys and, optionally, pinned witnesses and a quorum; ``verify_bundle``
takes one, or the log keys to make it of.

Pure: no I/O, no clock. ``today``, the policy and the online evidence are parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from verifiers.bundle_results import (
    OFFLINE_ONLY,
    STEPS,
    WITHDRAWN,
    BundleResult,
    CredentialResult,
    OnlineUnavailable,
    StepResult,
    _NotChecked,
)
from verifiers.bundle_authority import _check_authority
from verifiers.bundle_witnessed import check_witnessed
from verifiers.bundle_steps import (
    _check_chain,
    _check_current,
    _check_identity,
    _check_inclusion,
    _check_keys,
    _check_signatures,
    _Evidence,
    _gather,
    _open,
    _registration_subject,
    _status,
    revocation_in_bundle,
    _Verification,
)
from verifiers.checkpoint import Checkpoint, checkpoint_from_text
from verifiers.errors import (
    MalformedError,
    VerificationError,
)
from verifiers.note import note_from_text
from verifiers.policy import VerificationPolicy
from verifiers.protocol.bundle import FORMAT, Bundle, OnlineAccess, OnlineEvidence, leaf_from_entry
from verifiers.protocol.documents import credential_stream, issuer_stream_of
from verifiers.protocol.status import is_withdrawn, revoked_status

__all__ = [
    "FORMAT",
    "OFFLINE_ONLY",
    "STEPS",
    "WITHDRAWN",
    "BundleResult",
    "CredentialResult",
    "OnlineAccess",
    "OnlineEvidence",
    "OnlineUnavailable",
    "StepResult",
    "VerificationPolicy",
    "leaf_from_entry",
    "online_access_from_bundle",
    "verify_bundle",
]


# Putting it together -------------------------------------------------------------------


# Hostile JSON of a shape no check foresaw is malformed evidence, never a crash.
_UNFORESEEN = (KeyError, TypeError, ValueError, AttributeError, IndexError)


def _step(name: str, check: Callable[..., str], *args: Any) -> StepResult:
    try:
        return StepResult(name, True, check(*args))
    except _NotChecked as e:
        return StepResult(name, None, str(e))
    except VerificationError as e:
        return StepResult(name, False, str(e))
    except _UNFORESEEN as e:
        return StepResult(name, False, f"malformed evidence ({type(e).__name__}: {e})")


def _current_step(v: _Verification, evidence: _Evidence) -> tuple[StepResult, dict[str, Any] | None]:
    """Step 10, and the revocation it found after the export, if any."""
    try:
        return _check_current(v, evidence)
    except VerificationError as e:
        return StepResult("current_status", False, str(e)), None
    except _UNFORESEEN as e:
        return StepResult("current_status", False, f"malformed evidence ({type(e).__name__}: {e})"), None


def _credential(
    v: _Verification, evidence: _Evidence, today: date, unavailable: OnlineUnavailable | None,
    witnessed: StepResult,
) -> CredentialResult:
    status, status_step = _status(evidence, today)
    current_step, revoked_later = _current_step(v, evidence)
    revocation = revocation_in_bundle(evidence) if is_withdrawn(status) else None
    if revoked_later is not None and not is_withdrawn(status):
        status, revocation = revoked_status(str(revoked_later.get("reason"))), revoked_later
    consistency_step = v.consistency_step
    if unavailable is not None:
        consistency_step, current_step = (StepResult(name, None, f"not checked: {unavailable.reason}")
                                          for name in ("consistency", "current_status"))
    steps = (
        v.checkpoint_step,                                            # 1
        witnessed,                                                    # 2
        _step("log_inclusion", _check_inclusion, v, evidence),        # 3
        _step("hash_chain", _check_chain, v, evidence),               # 4
        _step("signature", _check_signatures, v, evidence),           # 5
        _step("key_validity", _check_keys, v, evidence),              # 6
        _step("issuer_authority", _check_authority, v, evidence),     # 7
        status_step,                                                  # 8
        _step("identity", _check_identity, v, evidence),              # 9
        consistency_step,                                             # 10
        current_step,                                                 # 11
    )
    issued = evidence.issued or {}
    return CredentialResult(
        award=evidence.award,
        credential=_plain(issued.get("credential")) or "",
        name=_catalog(v, issued, "name"),
        issuer=_plain(issued.get("issuer")) or "",
        issuer_name=_issuer_name(v, issued.get("issuer")),
        earned=_plain(issued.get("earned")) or "",
        expires=_plain(issued.get("expires")),
        status=status,
        steps=steps,
        revoked_on=_plain(revocation.get("effective")) if revocation else None,
        evidence=_evidence(issued.get("evidence")),
        lookup_url=_https(_catalog(v, issued, "lookupUrl")),
    )


def _plain(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _catalog(v: _Verification, issued: dict[str, Any], member: str) -> str | None:
    """The newest value of `member` in the catalog entry of the awarded credential (defined, then updated)."""
    code = issued.get("credential")
    try:
        entries = v.stream(credential_stream(code)) if isinstance(code, str) else ()
    except MalformedError:
        return None
    values = [e.event[member] for e in entries if member in e.event]
    return _plain(values[-1]) if values else None


def _evidence(value: object) -> dict[str, str | int]:
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items()
            if isinstance(k, str) and isinstance(v, (str, int)) and not isinstance(v, bool)}


def _https(url: str | None) -> str | None:
    """Only a plain https link is one a page may offer."""
    return url if url is not None and url.startswith("https://") else None


def _issuer_name(v: _Verification, did: object) -> str | None:
    try:
        entries = v.stream(issuer_stream_of(did) or "")
    except MalformedError:
        return None
    return _plain(entries[0].event.get("name"))


def _identity(v: _Verification, evidences: list[_Evidence]) -> dict[str, bool]:
    """Per disclosed claim: it opens the student's registration and every award's commitment."""
    subjects = [e.issued.get("subject") for e in evidences if e.issued is not None]
    registration = _registration_subject(v, v.bundle.student)
    subjects += [registration] if registration is not None else []
    result = {}
    for claim in sorted(v.bundle.disclosed):
        try:
            for subject in subjects:
                if not isinstance(subject, dict):
                    raise MalformedError("no identity commitments")
                _open(v.bundle.disclosed, claim, subject)
            result[claim] = bool(subjects)
        except (VerificationError, TypeError):
            result[claim] = False
    return result


def online_access_from_bundle(bundle: object) -> OnlineAccess | None:
    """Where and with which link the bundle is checked online; None for a file for offline checking only.

    Raises ``BundleFormatError`` if ``bundle`` is not a transcript bundle (or its ``online`` is malformed).
    """
    return Bundle.from_json(bundle).online


def _unverified_checkpoint(note: str) -> Checkpoint | None:
    """What the checkpoint claims, for the report only, when it does not verify."""
    try:
        return checkpoint_from_text(note_from_text(note).text)
    except VerificationError:
        return None


def verify_bundle(
    bundle: object,
    log_keys: Sequence[str] = (),
    *,
    today: date,
    online: OnlineEvidence | OnlineUnavailable | None = None,
    policy: VerificationPolicy | None = None,
) -> BundleResult:
    """Verify every credential of a transcript bundle; report each step of each.

    What the bundle's checkpoint is trusted on is ``policy``, or the policy of
    ``log_keys`` (the pinned C2SP verifier keys of the log), one or the other;
    ``today`` decides what has expired; ``online`` (fetched by the caller) adds
    steps 10 and 11, or says why they could not be checked.
    Raises ``BundleFormatError`` if ``bundle`` is not a transcript bundle at all,
    ``ValueError`` for an unreadable log key. Everything else is in the result.
    """
    if not isinstance(today, date):
        raise TypeError("today must be a datetime.date")
    parsed = Bundle.from_json(bundle)
    if policy is None:
        policy = VerificationPolicy.from_log_keys(log_keys)
    elif not isinstance(policy, VerificationPolicy) or log_keys:
        raise TypeError("give verify_bundle a VerificationPolicy or the log keys, not both")
    unavailable = online if isinstance(online, OnlineUnavailable) else None
    fetched = online if isinstance(online, OnlineEvidence) else None
    v = _Verification(parsed, policy, fetched)
    evidences = [_gather(v, award) for award in parsed.awards]
    checkpoint = v.checkpoint or _unverified_checkpoint(parsed.checkpoint)
    witnessed = _witnessed(v)
    return BundleResult(
        format=FORMAT,
        ledger=parsed.ledger,
        log_origin=checkpoint.origin if checkpoint else "",
        checkpoint_size=checkpoint.size if checkpoint else 0,
        student=parsed.student,
        identity=_identity(v, evidences),
        credentials=tuple(_credential(v, evidence, today, unavailable, witnessed) for evidence in evidences),
        checkpoint=v.checkpoint_step,
        witnessed=witnessed,
    )


def _witnessed(v: _Verification) -> StepResult:
    try:
        return check_witnessed(v)
    except _UNFORESEEN as e:
        return StepResult("witnessed", False, f"malformed evidence ({type(e).__name__}: {e})")

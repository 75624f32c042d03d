"""Verifying an Open Badges 3.0 `OpenBadgeCredential` signed `eddsa-rdfc-2022` under a did:web DID.

Steps, each reported (`StepResult`: ok True / False / None for not checked), in this order:

    format      an OpenBadgeCredential: VC 2.0 and OB 3.0 contexts, a URL id, an issuer with an id,
                an AchievementSubject with an achievement, a validFrom
    signature   an eddsa-rdfc-2022 proof for assertionMethod by a key the issuer's DID document lists
                (the document is a parameter: resolving did:web is the caller's I/O)
    validity    validFrom has come; past validUntil the badge is expired, genuine but not current
                (not a failure, as for transcript bundles)
    status      the badge's `BitstringStatusListEntry` read in the status list credential given
                (`verifiers.statuslist`: the list must be the one the entry names, issued and signed
                eddsa-rdfc-2022 by the badge's issuer, current): a set bit is a revoked badge (the
                step fails, `status` "revoked"); no list given, or a badge with no entry (recorded
                before status lists), or an expired list: not checked (ok None), said in words

`ok` means genuine and not known to be revoked: every step passed, except that the status step may
be not checked (as an expired badge is still genuine; `status_checked` says whether it was).
Pure: the DID documents, the status list and the moment are parameters (fetching is the caller's).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from verifiers.bundle_results import StepResult
from verifiers.dataintegrity import EDDSA_RDFC_2022, proofs_of, verify_proof
from verifiers.didweb import key_of_method
from verifiers.errors import VerificationError
from verifiers.statuslist import check_status
from verifiers.timestamps import format_timestamp

__all__ = ["BADGE_STEPS", "BadgeResult", "issuer_of", "signature_step", "validity_step", "verify_open_badge"]

BADGE_STEPS = ("format", "signature", "validity", "status")
VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXTS = ("https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
               "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json")


@dataclass(frozen=True)
class BadgeResult:
    id: str | None
    name: str | None
    issuer: str | None
    issuer_name: str | None
    valid_from: str | None
    valid_until: str | None
    status: str  # active | expired | not yet valid | revoked | unknown (when the badge could not be read)
    steps: tuple[StepResult, ...]

    @property
    def ok(self) -> bool:
        """Genuine and not known to be revoked: every step passed (an expired badge is genuine), the
        status step passed or was not checked (no list given, or none published for this badge)."""
        return all(s.ok is True or (s.step == "status" and s.ok is None) for s in self.steps)

    @property
    def status_checked(self) -> bool:
        """Whether a status list was read for this badge (revoked or not)."""
        return any(s.step == "status" and s.ok is not None for s in self.steps)


def verify_open_badge(credential: object, did_documents: Mapping[str, Mapping[str, Any]], now: datetime,
                      status_list: Mapping[str, Any] | None = None) -> BadgeResult:
    """Verify one badge against the DID documents of its issuer (by DID) at `now` (aware), and its
    revocation status against `status_list`, the status list credential its entry names (None: the
    caller did not fetch it; the status step is then not checked)."""
    doc = credential if isinstance(credential, dict) else {}
    issuer_id, issuer_name = issuer_of(doc)
    steps = [_format(credential)]
    if steps[0].ok:
        steps.append(signature_step(doc, str(issuer_id), did_documents))
        validity, status = validity_step(doc, now)
        steps.append(validity)
        step, revoked = check_status(doc, status_list, did_documents, now)
        steps.append(step)
        if revoked:
            status = "revoked"
    else:
        steps += [StepResult(name, None, "not checked: not an Open Badges 3.0 credential") for name in BADGE_STEPS[1:]]
        status = "unknown"
    text = {k: doc.get(k) if isinstance(doc.get(k), str) else None for k in ("id", "name", "validFrom", "validUntil")}
    return BadgeResult(text["id"], text["name"], issuer_id, issuer_name, text["validFrom"], text["validUntil"],
                       status, tuple(steps))


def issuer_of(doc: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """A credential's issuer id and name (an issuer is a URL/DID or a Profile object)."""
    issuer = doc.get("issuer")
    if isinstance(issuer, str):
        return issuer, None
    if isinstance(issuer, dict):
        ident, name = issuer.get("id"), issuer.get("name")
        return (ident if isinstance(ident, str) else None), (name if isinstance(name, str) else None)
    return None, None


def _format(credential: object) -> StepResult:
    if not isinstance(credential, dict):
        return StepResult("format", False, "not a JSON object")
    context, types = credential.get("@context"), credential.get("type")
    subject = credential.get("credentialSubject")
    issuer = credential.get("issuer")
    problems = [
        (isinstance(context, list) and len(context) >= 2 and context[0] == VC_CONTEXT and context[1] in OB_CONTEXTS,
         "its @context is not VC 2.0 then Open Badges 3.0"),
        (isinstance(types, list) and "VerifiableCredential" in types and "OpenBadgeCredential" in types,
         "its type is not VerifiableCredential and OpenBadgeCredential"),
        (isinstance(credential.get("id"), str) and str(credential.get("id")).startswith(("https://", "http://", "urn:")),
         "its id is not a URL"),
        (isinstance(issuer, (str, dict)) and (isinstance(issuer, str) or isinstance(issuer.get("id"), str)),
         "it names no issuer id"),
        (isinstance(subject, dict) and isinstance(subject.get("achievement"), dict),
         "its credentialSubject has no achievement"),
        (isinstance(credential.get("validFrom"), str), "it has no validFrom"),
    ]
    failed = [why for fine, why in problems if not fine]
    if failed:
        return StepResult("format", False, "; ".join(failed))
    return StepResult("format", True, "an Open Badges 3.0 credential")


def signature_step(doc: dict[str, Any], issuer: str, did_documents: Mapping[str, Mapping[str, Any]]) -> StepResult:
    try:
        proofs = [p for p in proofs_of(doc) if p.get("cryptosuite") == EDDSA_RDFC_2022.name]
        if not proofs:
            return StepResult("signature", False, "no eddsa-rdfc-2022 proof")
        proof = proofs[0]
        method = proof.get("verificationMethod")
        if proof.get("proofPurpose") != "assertionMethod":
            return StepResult("signature", False, "the proof is not for assertionMethod")
        if not isinstance(method, str) or method.partition("#")[0] != issuer:
            return StepResult("signature", False, f"signed by {method!r}, not by a key of the issuer {issuer}")
        document = did_documents.get(issuer)
        if document is None:
            return StepResult("signature", None, f"not checked: no DID document of {issuer}")
        verify_proof(doc, proof, key_of_method(document, method))
    except VerificationError as e:
        return StepResult("signature", False, str(e))
    return StepResult("signature", True, f"signed by {method}, a key its issuer's DID document lists")


def validity_step(doc: dict[str, Any], now: datetime) -> tuple[StepResult, str]:
    try:
        start = datetime.fromisoformat(str(doc["validFrom"]).replace("Z", "+00:00"))
        end_text = doc.get("validUntil")
        end = datetime.fromisoformat(str(end_text).replace("Z", "+00:00")) if end_text is not None else None
        if start.tzinfo is None or (end is not None and end.tzinfo is None):
            raise ValueError("no time zone")
    except ValueError:
        return StepResult("validity", False, "validFrom or validUntil is not a date-time with a time zone"), "unknown"
    at = format_timestamp(now)
    if now < start:
        return StepResult("validity", False, f"not valid before {doc['validFrom']} (checked {at})"), "not yet valid"
    if end is not None and now > end:
        return StepResult("validity", True, f"expired on {end_text}: genuine, no longer current"), "expired"
    until = f"until {end_text}" if end is not None else "with no end"
    return StepResult("validity", True, f"valid from {doc['validFrom']} {until}"), "active"

"""Verifying a CLR 2.0 `ClrCredential` and every Open Badges 3.0 credential it holds.

The CLR's own steps are a badge's (`verifiers.openbadge`: format, signature by a key its issuer's DID
document lists, validity), with a CLR's format; then each nested credential is verified on its own
with `verify_open_badge`, against its own issuer's DID document. The reference verifiers do not check
nested proofs (the DCC verifier checks only the outer one); this one does, because a CLR is only as
good as each credential in it. Pure: the DID documents and the moment are parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from verifiers.bundle_results import StepResult
from verifiers.openbadge import (
    VC_CONTEXT,
    BadgeResult,
    issuer_of,
    signature_step,
    validity_step,
    verify_open_badge,
)
from verifiers.statuslist import status_entries

__all__ = ["CLR_CONTEXTS", "ClrResult", "verify_clr"]

CLR_CONTEXTS = ("https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
                "https://purl.imsglobal.org/spec/clr/v2p0/context.json")


@dataclass(frozen=True)
class ClrResult:
    id: str | None
    name: str | None
    issuer: str | None
    issuer_name: str | None
    steps: tuple[StepResult, ...]  # the CLR's own: format, signature, validity
    credentials: tuple[BadgeResult, ...]  # each nested credential, in order

    @property
    def ok(self) -> bool:
        """The CLR and every credential in it genuine (an expired credential is genuine)."""
        return all(s.ok is True for s in self.steps) and all(c.ok for c in self.credentials)


def verify_clr(clr: object, did_documents: Mapping[str, Mapping[str, Any]], now: datetime,
               status_lists: Mapping[str, Mapping[str, Any]] | None = None) -> ClrResult:
    """`status_lists`: the status list credentials the nested badges' entries name, by URL (fetching
    them is the caller's I/O); a badge whose list is not given has its status step not checked."""
    doc = clr if isinstance(clr, dict) else {}
    issuer_id, issuer_name = issuer_of(doc)
    form = _format(clr)
    steps: tuple[StepResult, ...]
    if form.ok:
        steps = (form, signature_step(doc, str(issuer_id), did_documents), validity_step(doc, now)[0])
    else:
        steps = (form, *(StepResult(n, None, "not checked: not a CLR 2.0 credential") for n in ("signature", "validity")))
    subject = doc.get("credentialSubject")
    nested = subject.get("verifiableCredential") if isinstance(subject, dict) else None
    lists = status_lists or {}
    credentials = tuple(verify_open_badge(c, did_documents, now, _list_for(c, lists))
                        for c in nested) if isinstance(nested, list) else ()
    text = {k: doc.get(k) if isinstance(doc.get(k), str) else None for k in ("id", "name")}
    return ClrResult(text["id"], text["name"], issuer_id, issuer_name, steps, credentials)


def _list_for(badge: object, lists: Mapping[str, Mapping[str, Any]]) -> Mapping[str, Any] | None:
    entries = status_entries(badge) if isinstance(badge, dict) else []
    url = entries[0].get("statusListCredential") if entries else None
    return lists.get(url) if isinstance(url, str) else None


def _format(clr: object) -> StepResult:
    if not isinstance(clr, dict):
        return StepResult("format", False, "not a JSON object")
    context, types, subject = clr.get("@context"), clr.get("type"), clr.get("credentialSubject")
    nested = subject.get("verifiableCredential") if isinstance(subject, dict) else None
    problems = [
        (isinstance(context, list) and len(context) >= 2 and context[0] == VC_CONTEXT and context[1] in CLR_CONTEXTS,
         "its @context is not VC 2.0 then CLR 2.0"),
        (isinstance(types, list) and "VerifiableCredential" in types and "ClrCredential" in types,
         "its type is not VerifiableCredential and ClrCredential"),
        (isinstance(clr.get("id"), str), "it has no id"),
        (issuer_of(clr)[0] is not None, "it names no issuer id"),
        (isinstance(subject, dict) and "ClrSubject" in (subject.get("type") or []), "its subject is not a ClrSubject"),
        (isinstance(nested, list) and len(nested) > 0, "it holds no verifiable credential"),
        (isinstance(clr.get("validFrom"), str), "it has no validFrom"),
    ]
    failed = [why for fine, why in problems if not fine]
    return StepResult("format", not failed, "; ".join(failed) or "a CLR 2.0 credential")

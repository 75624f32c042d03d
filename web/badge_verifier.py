"""Checking an Open Badges 3.0 or CLR 2.0 file on the site's verifier (`POST /verify`).

The badge is checked by `verifiers.openbadge` against the DID document of its issuer. For an
institution of this site the document is this site's own (what `/issuers/<slug>/did.json`
serves), so nothing is fetched; a badge from another site is read, but its signature is "not
checked": this server never fetches what an upload names (a verifier that followed uploaded URLs
could be made to call anywhere).

The JSON (`Accept: application/json`), stable::

    {"kind": "open_badge", "verified": bool, "status": "active" | "expired" | "not yet valid" | "unknown",
     "credential": {"id", "name", "issuer", "issuer_name", "valid_from", "valid_until"},
     "steps": [{"step": "format" | "signature" | "validity", "ok": true | false | null, "detail": "…"}]}

    {"kind": "clr", "verified": bool,              # the CLR and every credential in it
     "clr": {"id", "name", "issuer", "issuer_name"}, "steps": [… as above, the CLR's own],
     "credentials": [<an open_badge object as above, without "kind">, …]}
"""

from __future__ import annotations

from typing import Any

from ledger.application import Ledger
from verifiers.clr import verify_clr
from verifiers.didweb import did_document
from verifiers.openbadge import BadgeResult, verify_open_badge

STEP_TITLES = {"format": "An Open Badges 3.0 credential", "signature": "Signed by its institution",
               "validity": "Dates"}


def kind_of(document: object) -> str | None:
    """"clr", "open_badge", or None for anything else (a transcript bundle, say)."""
    types = document.get("type") if isinstance(document, dict) else None
    if not isinstance(types, list):
        return None
    return "clr" if "ClrCredential" in types else "open_badge" if "OpenBadgeCredential" in types else None


def _own_documents(ledger: Ledger) -> dict[str, Any]:
    """This site's institutions' DID documents, as /issuers/<slug>/did.json serves them now."""
    return {i.did: did_document(i.did, i.keys.values(), ledger.clock()) for i in ledger.issuers()}


def check_credential(ledger: Ledger, document: dict[str, Any]) -> dict[str, Any]:
    """The stable JSON of an uploaded badge or CLR, checked against this site's DID documents now."""
    documents = _own_documents(ledger)
    if kind_of(document) == "clr":
        result = verify_clr(document, documents, ledger.clock())
        return {"kind": "clr", "verified": result.ok,
                "clr": {"id": result.id, "name": result.name, "issuer": result.issuer,
                        "issuer_name": result.issuer_name},
                "steps": [{"step": s.step, "ok": s.ok, "detail": s.detail} for s in result.steps],
                "credentials": [_badge_json(c) for c in result.credentials]}
    return {"kind": "open_badge", **_badge_json(verify_open_badge(document, documents, ledger.clock()))}


def _badge_json(result: BadgeResult) -> dict[str, Any]:
    return {
        "verified": result.ok, "status": result.status,
        "credential": {"id": result.id, "name": result.name, "issuer": result.issuer,
                       "issuer_name": result.issuer_name, "valid_from": result.valid_from,
                       "valid_until": result.valid_until},
        "steps": [{"step": s.step, "ok": s.ok, "detail": s.detail} for s in result.steps],
    }


def credential_page_view(data: dict[str, Any]) -> dict[str, Any]:
    """The JSON with what the page needs besides: verdicts in words, step titles and marks."""
    if data["kind"] == "clr":
        return badge_page_view(data) | {"credentials": [badge_page_view(c) for c in data["credentials"]]}
    return badge_page_view(data)


def badge_page_view(data: dict[str, Any]) -> dict[str, Any]:
    """One badge's (or a CLR's own) verdict in words, step titles and marks."""
    if data["verified"]:
        verdict = "expired" if data.get("status") == "expired" else "genuine"
    else:
        ok = {s["step"]: s["ok"] for s in data["steps"]}
        # Unchecked only when nothing failed: a badge of another site whose keys are not fetched.
        verdict = "unchecked" if ok["signature"] is None and False not in ok.values() else "failed"
    return data | {"verdict": verdict, "steps": [
        s | {"title": STEP_TITLES[s["step"]], "mark": {True: "ok", False: "bad"}.get(s["ok"], "skip")}
        for s in data["steps"]]}

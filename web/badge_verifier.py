"""Checking an Open Badges 3.0 file on the site's verifier (`POST /verify` with an OpenBadgeCredential).

The badge is checked by `verifiers.openbadge` against the DID document of its issuer. For an
institution of this site the document is this site's own (what `/issuers/<slug>/did.json`
serves), so nothing is fetched; a badge from another site is read, but its signature is "not
checked": this server never fetches what an upload names (a verifier that followed uploaded URLs
could be made to call anywhere).

The JSON (`Accept: application/json`), stable::

    {"kind": "open_badge", "verified": bool, "status": "active" | "expired" | "not yet valid" | "unknown",
     "credential": {"id", "name", "issuer", "issuer_name", "valid_from", "valid_until"},
     "steps": [{"step": "format" | "signature" | "validity", "ok": true | false | null, "detail": "…"}]}
"""

from __future__ import annotations

from typing import Any

from ledger.application import Ledger
from verifiers.didweb import did_document
from verifiers.openbadge import verify_open_badge

STEP_TITLES = {"format": "An Open Badges 3.0 credential", "signature": "Signed by its institution",
               "validity": "Dates"}


def is_open_badge(document: object) -> bool:
    types = document.get("type") if isinstance(document, dict) else None
    return isinstance(types, list) and "OpenBadgeCredential" in types


def check_badge(ledger: Ledger, badge: dict[str, Any]) -> dict[str, Any]:
    """The stable JSON of a badge checked against this site's DID documents, now."""
    issuer = badge.get("issuer")
    did = issuer.get("id") if isinstance(issuer, dict) else issuer
    own = ledger.issuer_by_did(did) if isinstance(did, str) else None
    documents = {own.did: did_document(own.did, own.keys.values(), ledger.clock())} if own else {}
    result = verify_open_badge(badge, documents, ledger.clock())
    return {
        "kind": "open_badge", "verified": result.ok, "status": result.status,
        "credential": {"id": result.id, "name": result.name, "issuer": result.issuer,
                       "issuer_name": result.issuer_name, "valid_from": result.valid_from,
                       "valid_until": result.valid_until},
        "steps": [{"step": s.step, "ok": s.ok, "detail": s.detail} for s in result.steps],
    }


def badge_page_view(data: dict[str, Any]) -> dict[str, Any]:
    """The JSON with what the page needs besides: a verdict in words, step titles and marks."""
    if data["verified"]:
        verdict = "expired" if data["status"] == "expired" else "genuine"
    else:
        ok = {s["step"]: s["ok"] for s in data["steps"]}
        # Unchecked only when nothing failed: a badge of another site whose keys are not fetched.
        verdict = "unchecked" if ok["signature"] is None and False not in ok.values() else "failed"
    return data | {"verdict": verdict, "steps": [
        s | {"title": STEP_TITLES[s["step"]], "mark": {True: "ok", False: "bad"}.get(s["ok"], "skip")}
        for s in data["steps"]]}

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

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from ledger.application import Ledger
from ledger.errors import NotFoundError, RejectedError
from ledger.readmodels import Projections
from ledger.vc.addresses import base_url
from ledger.vc.statuslist import build_list
from verifiers.clr import verify_clr
from verifiers.didweb import did_document
from verifiers.openbadge import BadgeResult, verify_open_badge
from verifiers.statuslist import status_entries
from web.verdicts import VERDICTS

STEP_TITLES = {"format": _l("An Open Badges 3.0 credential"), "signature": _l("Signed by its institution"),
               "validity": _l("Dates"), "status": _l("Not revoked (the institution's status list)")}


def kind_of(document: object) -> str | None:
    """"clr", "open_badge", or None for anything else (a transcript bundle, say)."""
    types = document.get("type") if isinstance(document, dict) else None
    if not isinstance(types, list):
        return None
    return "clr" if "ClrCredential" in types else "open_badge" if "OpenBadgeCredential" in types else None


def _own_documents(ledger: Ledger) -> dict[str, Any]:
    """This site's institutions' DID documents, as /issuers/<slug>/did.json serves them now."""
    return {i.did: did_document(i.did, i.keys.values(), ledger.clock()) for i in ledger.issuers()}


def _own_status_lists(ledger: Ledger, projections: Projections, document: dict[str, Any]) -> dict[str, Any]:
    """The status lists of this site that the badge (or a CLR's badges) name, by URL, signed from the
    ledger as it is now (not the published copy, which the worker re-signs a moment after a
    revocation: this server is the ledger). Another site's lists are not fetched ("not checked")."""
    projections.catch_up()
    subject = document.get("credentialSubject")
    nested = subject.get("verifiableCredential") if isinstance(subject, dict) else None
    badges = [document, *(nested if isinstance(nested, list) else [])]
    prefix = f"{base_url(ledger)}/issuers/"
    lists: dict[str, Any] = {}
    for badge in badges:
        for entry in status_entries(badge) if isinstance(badge, dict) else []:
            url = entry.get("statusListCredential")
            slug, _, number = url.removeprefix(prefix).partition("/status/") if isinstance(url, str) else ("", "", "")
            if url in lists or not isinstance(url, str) or not url.startswith(prefix) or not number.isdigit():
                continue
            try:
                lists[url] = build_list(ledger, projections, ledger.issuer(slug).did, int(number))[0]
            except (NotFoundError, RejectedError):
                pass  # no such list here, or no key to sign it with: the step says it was not checked
    return lists


def check_credential(ledger: Ledger, projections: Projections, document: dict[str, Any]) -> dict[str, Any]:
    """The stable JSON of an uploaded badge or CLR, checked against this site's DID documents and
    status lists now."""
    return credential_json(document, _own_documents(ledger), ledger.clock(),
                           _own_status_lists(ledger, projections, document))


def credential_json(document: dict[str, Any], documents: Mapping[str, Any], now: datetime,
                    lists: Mapping[str, Any]) -> dict[str, Any]:
    """The stable JSON (above) of a badge or CLR checked against these DID documents (by DID) and
    status list credentials (by URL) at `now`: the site's verifier and `credledger verify` alike."""
    if kind_of(document) == "clr":
        result = verify_clr(document, documents, now, lists)
        return {"kind": "clr", "verified": result.ok,
                "clr": {"id": result.id, "name": result.name, "issuer": result.issuer,
                        "issuer_name": result.issuer_name},
                "steps": [{"step": s.step, "ok": s.ok, "detail": s.detail} for s in result.steps],
                "credentials": [_badge_json(c) for c in result.credentials]}
    named = [entry.get("statusListCredential") for entry in status_entries(document)]
    status_list = next((lists[url] for url in named if isinstance(url, str) and url in lists), None)
    return {"kind": "open_badge", **_badge_json(verify_open_badge(document, documents, now, status_list))}


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


def badge_verdict(data: dict[str, Any]) -> str:
    """A badge's (or a CLR's own) verdict in the one vocabulary of web.verdicts: current only when its
    status list was read and says not revoked; unknown when genuine but no list was read."""
    ok = {s["step"]: s["ok"] for s in data["steps"]}
    if data["verified"]:
        if data.get("status") == "expired":
            return "expired"
        return "current" if ok.get("status") is True else "unknown"
    genuine = all(ok.get(step) is True for step in ("format", "signature", "validity"))
    if genuine and data.get("status") == "revoked":
        return "revoked"  # genuine, and its institution's status list says revoked
    if ok["signature"] is None and False not in ok.values():
        return "unchecked"  # a badge of another site, whose keys are not fetched
    return "altered"


def badge_page_view(data: dict[str, Any]) -> dict[str, Any]:
    """One badge's (or a CLR's own) verdict, its words, step titles and marks."""
    verdict = badge_verdict(data)
    return data | {"verdict": verdict, "verdict_words": str(VERDICTS[verdict][2]), "steps": [
        s | {"title": str(STEP_TITLES[s["step"]]), "mark": {True: "ok", False: "bad"}.get(s["ok"], "skip")}
        for s in data["steps"]]}

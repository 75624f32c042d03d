"""Issuer pages and their did:web DID documents (`/issuers/<slug>/did.json`).

An issuer's identifier is `did:web:<domain>:issuers:<slug>`, the domain's port
colon percent-encoded (`did:web:localhost%3A5000:issuers:riverbend`). The
did:web method resolves it by decoding the domain, turning the remaining
colons into slashes and appending `/did.json`:
`https://localhost:5000/issuers/riverbend/did.json` — this module's route.

The DID document is `verifiers.didweb.did_document`: every key the issuer ever
had (retired and compromised ones too), `assertionMethod` every key but the
compromised ones, each key named `<did>#<multibase key>`.

Routes: `GET /issuers/` (directory), `GET /issuers/<slug>` (name, kind, keys
with their history), `GET /issuers/<slug>/did.json` (application/did+json),
`GET /issuers/<slug>/status/<n>` (the issuer's Bitstring Status List n, a signed
`BitstringStatusListCredential`, as the worker last signed it: ledger.vc.statuslist).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, render_template
from flask_babel import lazy_gettext as _l

from ledger.vc.statuslist import CACHE_SECONDS, published_list
from verifiers.didweb import did_document, multikey_of
from web.services import ledger as _ledger
from web.services import projections as _projections

bp = Blueprint("issuers", __name__, url_prefix="/issuers")

DID_MEDIA_TYPE = "application/did+json"
VC_MEDIA_TYPE = "application/vc"  # W3C VC 2.0 §6.3
# In the page's language (web.i18n): the home page lists the institutions too.
KIND_NAMES = {"district": _l("School district"), "school": _l("School"), "cte_center": _l("Career and technical center"),
              "agency": _l("State agency"), "college": _l("College")}


# A key's state (KeyRecord.state_in_words) as a badge; the words are always shown beside the colour.
KEY_BADGES = {"current": "active", "retiring": "warn", "not yet valid": "warn", "retired": "expired",
              "compromised": "revoked"}
KEY_STATES = {"current": _l("current"), "retiring": _l("retiring"), "not yet valid": _l("not yet valid"),
              "retired": _l("retired"), "compromised": _l("compromised")}  # the same states, in the page's words


@bp.get("/")
def index() -> Any:
    issuers = sorted(_ledger().issuers(), key=lambda i: i.name)
    return render_template("issuers/index.html", issuers=issuers, kinds=KIND_NAMES)


@bp.get("/<slug>")
def page(slug: str) -> Any:
    ledger = _ledger()
    issuer = ledger.issuer(slug)
    now = ledger.clock()
    keys = [{"record": r, "multikey": multikey_of(r.key_id), "state": str(KEY_STATES[r.state_in_words(now)]),
             "badge": KEY_BADGES[r.state_in_words(now)]}
            for r in sorted(issuer.keys.values(), key=lambda k: (k.valid_from, k.key_id))]
    return render_template("issuers/page.html", issuer=issuer, keys=keys,
                           kind=str(KIND_NAMES.get(issuer.kind, issuer.kind.replace("_", " "))))


@bp.get("/<slug>/did.json", endpoint="did_document")
def did_document_view(slug: str) -> Response:
    ledger = _ledger()
    issuer = ledger.issuer(slug)
    document = did_document(issuer.did, issuer.keys.values(), ledger.clock())
    return Response(json.dumps(document, indent=2), mimetype=DID_MEDIA_TYPE,
                    headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=60"})


@bp.get("/<slug>/status/<int:number>", endpoint="status_list")
def status_list_view(slug: str, number: int) -> Response:
    """The signed status list (404 for an unknown one, or an issuer whose key the server does not hold)."""
    document = published_list(_ledger(), _projections(), slug, number)
    return Response(json.dumps(document, indent=2), mimetype=VC_MEDIA_TYPE,
                    headers={"Access-Control-Allow-Origin": "*", "Cache-Control": f"public, max-age={CACHE_SECONDS}"})

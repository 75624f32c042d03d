"""Issuer pages and their did:web DID documents (`/issuers/<slug>/did.json`).

An issuer's identifier is `did:web:<domain>:issuers:<slug>`, the domain's port
colon percent-encoded (`did:web:localhost%3A5000:issuers:riverbend`). The
did:web method resolves it by decoding the domain, turning the remaining
colons into slashes and appending `/did.json`:
`https://localhost:5000/issuers/riverbend/did.json` — this module's route.

The DID document (W3C DID Core 1.0, with Multikey verification methods from
W3C Controlled Identifiers 1.0) lists **every** key the issuer ever had,
retired and compromised ones included, because verifying a credential signed
years ago needs the key of that time. `expires` marks a retired key's end,
`revoked` a compromise (events the log recorded before that moment stay
valid); `assertionMethod` lists only the keys valid now. The ledger's key ids
are did:key verification methods; here each key is also named under the
issuer's DID, `<did>#<multibase key>`, the same multibase value.

Routes: `GET /issuers/` (directory), `GET /issuers/<slug>` (name, kind, keys
with their history), `GET /issuers/<slug>/did.json` (application/did+json).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from flask import Blueprint, Response, render_template

from ledger.values import IssuerInfo
from verifiers.timestamps import format_timestamp
from web.services import ledger as _ledger

bp = Blueprint("issuers", __name__, url_prefix="/issuers")

DID_CONTEXT = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]
DID_MEDIA_TYPE = "application/did+json"
KIND_NAMES = {"district": "School district", "school": "School", "cte_center": "Career and technical center",
              "agency": "State agency", "college": "College"}


def multikey_of(key_id: str) -> str:
    """The multibase public key of a did:key verification method (`did:key:z6Mk…#z6Mk…`)."""
    return key_id.partition("#")[0].removeprefix("did:key:")


# A key's state (KeyRecord.state_in_words) as a badge; the words are always shown beside the colour.
KEY_BADGES = {"current": "active", "retiring": "warn", "not yet valid": "warn", "retired": "expired",
              "compromised": "revoked"}


def did_document(issuer: IssuerInfo, now: datetime) -> dict[str, Any]:
    """The issuer's DID document at `now`: every key, only the valid ones for assertion."""
    methods, assertion = [], []
    for record in sorted(issuer.keys.values(), key=lambda k: (k.valid_from, k.key_id)):
        method: dict[str, Any] = {
            "id": f"{issuer.did}#{multikey_of(record.key_id)}",
            "type": "Multikey",
            "controller": issuer.did,
            "publicKeyMultibase": multikey_of(record.key_id),
        }
        if record.retired_at is not None:
            method["expires"] = format_timestamp(record.retired_at)
        if record.compromised_at is not None:
            method["revoked"] = format_timestamp(record.compromised_at)
        methods.append(method)
        if record.is_valid_at(now):
            assertion.append(method["id"])
    return {"@context": DID_CONTEXT, "id": issuer.did, "verificationMethod": methods, "assertionMethod": assertion}


def did_web_path(did: str) -> str:
    """The URL path the did:web method resolves `did` to (its domain dropped)."""
    parts = did.split(":")
    if parts[:2] != ["did", "web"] or len(parts) < 3:
        raise ValueError(f"not a did:web identifier: {did!r}")
    path = [unquote(p) for p in parts[3:]]
    return "/" + "/".join(path) + "/did.json" if path else "/.well-known/did.json"


@bp.get("/")
def index() -> Any:
    issuers = sorted(_ledger().issuers(), key=lambda i: i.name)
    return render_template("issuers/index.html", issuers=issuers, kinds=KIND_NAMES)


@bp.get("/<slug>")
def page(slug: str) -> Any:
    ledger = _ledger()
    issuer = ledger.issuer(slug)
    now = ledger.clock()
    keys = [{"record": r, "multikey": multikey_of(r.key_id), "state": r.state_in_words(now),
             "badge": KEY_BADGES[r.state_in_words(now)]}
            for r in sorted(issuer.keys.values(), key=lambda k: (k.valid_from, k.key_id))]
    return render_template("issuers/page.html", issuer=issuer, keys=keys,
                           kind=KIND_NAMES.get(issuer.kind, issuer.kind.replace("_", " ")))


@bp.get("/<slug>/did.json", endpoint="did_document")
def did_document_view(slug: str) -> Response:
    ledger = _ledger()
    document = did_document(ledger.issuer(slug), ledger.clock())
    return Response(json.dumps(document, indent=2), mimetype=DID_MEDIA_TYPE,
                    headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=60"})

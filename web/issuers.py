"""Issuer pages and their did:web DID documents (`/issuers/<slug>/did.json`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify

bp = Blueprint("issuers", __name__, url_prefix="/issuers")


@bp.get("/<slug>/did.json")
def did_document(slug: str) -> Any:
    issuer = current_app.extensions["ledger"].issuer(slug)
    return jsonify({"id": issuer.did})

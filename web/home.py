"""The front page: what this service is, and the three ways in."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> str:
    ledger = current_app.extensions["ledger"]
    latest = ledger.store.latest_checkpoint()
    return render_template("home.html", issuers=ledger.issuers(), log_size=latest[0] if latest else 0)

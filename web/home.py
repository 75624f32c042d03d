"""The front page: what this service is, and the three ways in."""

from __future__ import annotations

from flask import Blueprint, render_template

from web.services import ledger, projections

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> str:
    # The directory from the read models: no aggregate is rebuilt for a public page.
    latest = ledger().store.latest_checkpoint()
    return render_template("home.html", issuers=projections().issuers(), log_size=latest[0] if latest else 0)

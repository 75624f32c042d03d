"""The front page: what this service is, and the three ways in."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, url_for

from web.issuers import KIND_NAMES
from web.services import ledger, projections

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> str:
    # The directory from the read models: no aggregate is rebuilt for a public page.
    latest = ledger().store.latest_checkpoint()
    return render_template("home.html", issuers=projections().issuers(), kinds=KIND_NAMES,
                           log_size=latest[0] if latest else 0)


@bp.get("/favicon.ico")
def favicon() -> Any:
    """Browsers ask for /favicon.ico whatever the page says: the one icon, an SVG."""
    return redirect(url_for("static", filename="favicon.svg"), 301)

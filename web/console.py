"""The issuer console (`/console`): for registrars and administrators."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from web.auth import current_actor, staff_required

bp = Blueprint("console", __name__, url_prefix="/console")


@bp.get("/")
@staff_required
def home() -> Any:
    return render_template("console/home.html", actor=current_actor())

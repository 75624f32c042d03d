"""The public verifier: share links (`/v/<token>`) and bundle upload (`/verify`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

bp = Blueprint("verifier", __name__)


@bp.get("/verify")
def upload() -> Any:
    return render_template("verifier/upload.html")

"""Student pages (`/me`): transcript, share links, record of disclosures, bundle download."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from web.auth import student_required

bp = Blueprint("student", __name__, url_prefix="/me")


@bp.get("/")
@student_required
def transcript() -> Any:
    return render_template("student/transcript.html")

"""Signing in: staff with email and password, students with their claim code."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext

from web.accounts import Actor
from web.security import RateLimiter, new_token, token_hash
from web.services import accounts

bp = Blueprint("auth", __name__)

LOGIN_LIMIT = (10, 300)  # attempts per 5 minutes per client
ACCOUNT_LIMIT = (10, 900)  # failed attempts per 15 minutes per email: then it is locked for the window
CLAIM_LIMIT = (20, 300)


def client_key(bucket: str) -> str:
    return f"{bucket}:{request.remote_addr or 'unknown'}"


def limiter() -> RateLimiter:
    return current_app.extensions["rate_limiter"]


def rate_limited(bucket: str, limit: tuple[int, int]) -> bool:
    return not limiter().hit(client_key(bucket), *limit)


def _start_session(**values: str | int) -> None:
    session.clear()  # a new session on every sign-in: no fixation
    session.permanent = True
    session["csrf"] = new_token()
    session.update(values)


def start_staff_session(user_id: str) -> None:
    """Sign this account in, with its current session version (web.accounts): when the version
    moves on (sign-out, password, role, disabled), this session ends."""
    _start_session(user=user_id, version=accounts().session_version(user_id))


def safe_next(value: str) -> str:
    r"""`value` if it is a path on this site, else the console's home page.

    Browsers drop tabs and newlines from a URL and read `\` as `/`, so `/\t/evil.example`
    and `/\evil.example` leave the site: any control or space character, a scheme, a host,
    or a start of `//` or `/\` sends the user home instead (and CR/LF never reach a header).
    """
    if (not value.startswith("/") or value.startswith(("//", "/\\"))
            or any(unicodedata.category(ch)[0] in "CZ" for ch in value)):
        return url_for("console.home")
    parts = urlsplit(value)
    return url_for("console.home") if parts.scheme or parts.netloc else value


def current_actor() -> Actor | None:
    if "actor" not in g:
        user_id, version = session.get("user"), session.get("version")
        g.actor = accounts().user(user_id, version) if user_id and isinstance(version, int) else None
    return g.actor


def current_student() -> str | None:
    return session.get("student")


def staff_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_actor() is None:
            return redirect(url_for("auth.login", next=request.path))
        return view(*args, **kwargs)

    return wrapper


def student_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_student() is None:
            return redirect(url_for("auth.claim_form"))
        return view(*args, **kwargs)

    return wrapper


def require(role: str, issuer: str) -> Actor:
    """The signed-in actor, if it may act as `role` for `issuer`; 403 otherwise."""
    actor = current_actor()
    if actor is None or not actor.can(role, issuer):
        abort(403, description="You do not have permission to do that for this institution.")
    return actor


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "POST":
        email = request.form.get("email", "")
        # Per client, and per email however many clients try it. An email is locked whether or not
        # it has an account, with the same answer, so the lock reveals nothing.
        account = f"login-account:{token_hash(email.strip().lower())}"
        if rate_limited("login", LOGIN_LIMIT) or limiter().over(account, *ACCOUNT_LIMIT):
            abort(429, description="Too many sign-in attempts. Wait a few minutes and try again.")
        actor = accounts().authenticate(email, request.form.get("password", ""))
        if actor is None:
            limiter().hit(account, *ACCOUNT_LIMIT)  # failures only: signing in works while the account is not locked
            flash("That email and password do not match an account.", "error")
            return render_template("auth/login.html"), 401
        start_staff_session(actor.id)
        return redirect(safe_next(request.args.get("next", "")))
    return render_template("auth/login.html")


@bp.post("/logout")
def logout() -> Any:
    actor = current_actor()
    if actor is not None:
        accounts().end_sessions(actor.id)  # every copy of this session cookie (and every other) stops working
    session.clear()
    flash(gettext("You are signed out."), "info")
    return redirect(url_for("home.index"))


@bp.get("/claim")
def claim_form() -> Any:
    return render_template("auth/claim.html", code="")


@bp.get("/claim/<code>")
def claim_link(code: str) -> Any:
    # A GET never signs in (link scanners and previews follow links): confirm with a button.
    return render_template("auth/claim.html", code=code)


@bp.post("/claim")
def claim() -> Any:
    if rate_limited("claim", CLAIM_LIMIT):
        abort(429, description=gettext("Too many attempts. Wait a few minutes and try again."))
    student_id = accounts().claim(request.form.get("code", ""))
    if student_id is None:
        flash(gettext("That code is not valid. Check it against the letter from your school, or ask the school "
                      "for a new one."), "error")
        return render_template("auth/claim.html", code=""), 401
    _start_session(student=student_id)
    return redirect(url_for("student.transcript"))

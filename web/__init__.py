"""The Flask application: the only place where services are wired together.

`create_app({"LEDGER": ledger, ...})` builds the app around an open ledger;
services are reached through `app.extensions`. Blueprints, one per area:
home and auth, the issuer console (`/console`), the JSON API (`/api/v1`),
student pages (`/me`), the public verifier (`/v`, `/verify`), issuer DID
documents (`/issuers`), the log (`/log`) and online evidence (`/transcripts`).
"""

from __future__ import annotations

import hmac
from typing import Any

from flask import Flask, Response, abort, request, session

from web.accounts import Accounts
from web.security import SECURITY_HEADERS, RateLimiter, new_token
from web.sharing import Sharing

MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # a CSV of several thousand awards, or a transcript bundle


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=False,  # True in production, behind HTTPS (web.wsgi)
        SESSION_COOKIE_NAME="credledger_session",
        PERMANENT_SESSION_LIFETIME=8 * 3600,
    )
    app.config.update(config or {})
    ledger = app.config["LEDGER"]
    if not app.config.get("SECRET_KEY"):
        # Shared by every worker through the key store, so sessions survive restarts.
        app.config["SECRET_KEY"] = ledger.keystore.data_key("web-session")
    from ledger.projections import Projections

    app.extensions["ledger"] = ledger
    app.extensions["projections"] = Projections.of(ledger)
    app.extensions["accounts"] = Accounts(ledger.store)
    app.extensions["sharing"] = Sharing(ledger.store)
    app.extensions["rate_limiter"] = RateLimiter(ledger.store)

    _register_security(app)
    from web.errors import register_error_handlers

    register_error_handlers(app)
    _register_blueprints(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from web.api import bp as api
    from web.auth import bp as auth
    from web.console import bp as console
    from web.home import bp as home
    from web.issuers import bp as issuers
    from web.log_api import bp as log_api
    from web.student import bp as student
    from web.transcripts_api import bp as transcripts_api
    from web.verifier import bp as verifier

    for blueprint in (home, auth, console, api, student, verifier, issuers, log_api, transcripts_api):
        app.register_blueprint(blueprint)


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = new_token()
    return str(session["csrf"])


def _register_security(app: Flask) -> None:
    app.jinja_env.globals["csrf_token"] = csrf_token

    @app.before_request
    def check_csrf() -> None:
        # The JSON API authenticates with bearer tokens, never cookies: no CSRF there.
        if request.method in ("POST", "PUT", "PATCH", "DELETE") and not request.path.startswith("/api/"):
            sent = request.form.get("csrf_token", "")
            if not sent or not hmac.compare_digest(sent, str(session.get("csrf", ""))):
                abort(400, description="The form expired or came from elsewhere. Reload the page and try again.")

    @app.after_request
    def security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.path.startswith(("/me", "/console", "/v/", "/api/")):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

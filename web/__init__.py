"""The Flask application: the only place where services are wired together.

`create_app({"LEDGER": ledger, ...})` builds the app around an open ledger;
services are reached through `app.extensions`. Blueprints, one per area:
home and auth, the issuer console (`/console`: the daily record-keeping, CSV
import, roster shares, administration), the JSON API (`/api/v1`),
student pages (`/me`), the public verifier (`/v`, `/verify`), issuer DID
documents (`/issuers`), the log (`/log`) and online evidence (`/transcripts`);
the command line is `web.cli`.

May import `ledger` (its plain values and services, never `ledger.aggregates`, and no SQL on its
tables: web-owned tables go through `web.db.WebTables`), `keys` and `verifiers`; the monitor
(`web.monitor`) imports only `verifiers` (import-linter contracts in pyproject.toml).
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

# Flask and the services are imported inside the factory: the command line
# imports this package on every call and should not pay for a web server.

MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # a CSV of several thousand awards, or a transcript bundle
HSTS = "max-age=31536000; includeSubDomains"
# Never cached: staff pages (the console's blueprints, reports), student pages, share links, the API.
PRIVATE_BLUEPRINTS = frozenset({"console", "console_import", "console_roster", "console_shares", "console_admin",
                                "reports", "student", "verifier", "api", "auth"})


def create_app(config: dict[str, Any] | None = None) -> Flask:
    from flask import Flask

    from ledger.readmodels import Projections
    from web.accounts import Accounts
    from web.crosswalk import Crosswalk
    from web.imports import Imports
    from web.roster import Roster
    from web.roster_import import RosterImport
    from web.security import RateLimiter
    from web.sharing import Sharing
    from web.transfers import Transfers

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

    app.extensions["ledger"] = ledger
    app.extensions["projections"] = Projections.of(ledger)
    app.extensions["accounts"] = Accounts(ledger.store, lambda: ledger.clock())
    app.extensions["sharing"] = Sharing(ledger.store)
    app.extensions["rate_limiter"] = RateLimiter(ledger.store)
    roster = Roster(ledger, app.extensions["projections"])
    app.extensions["roster"] = roster
    app.extensions["transfers"] = Transfers(ledger)
    app.extensions["crosswalk"] = Crosswalk(ledger, app.extensions["projections"])
    app.extensions["imports"] = Imports(ledger, app.extensions["projections"], roster, app.extensions["crosswalk"])
    app.extensions["roster_import"] = RosterImport(ledger, app.extensions["projections"], roster)

    _register_security(app)
    from web.i18n import register_i18n

    register_i18n(app)
    from web.access_log import install_werkzeug_filter

    install_werkzeug_filter()  # the development server's request log: no share token or claim code
    from web.errors import register_error_handlers

    register_error_handlers(app)
    _register_blueprints(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from web.api import bp as api
    from web.auth import bp as auth
    from web.console import bp as console
    from web.console_admin import bp as console_admin
    from web.console_import import bp as console_import
    from web.console_roster import bp as console_roster
    from web.console_shares import bp as console_shares
    from web.home import bp as home
    from web.issuers import bp as issuers
    from web.log_api import bp as log_api
    from web.reports import bp as reports
    from web.student import bp as student
    from web.transcripts_api import bp as transcripts_api
    from web.verifier import bp as verifier

    for blueprint in (home, auth, console, console_import, console_roster, console_shares, console_admin, api, student,
                      verifier, issuers, log_api, transcripts_api, reports):
        app.register_blueprint(blueprint)


def csrf_token() -> str:
    from flask import session

    from web.security import new_token

    if "csrf" not in session:
        session["csrf"] = new_token()
    return str(session["csrf"])


def _register_security(app: Flask) -> None:
    from flask import Response, abort, request, session
    from flask_babel import gettext

    from web.security import SECURITY_HEADERS

    app.jinja_env.globals["csrf_token"] = csrf_token

    @app.before_request
    def check_csrf() -> None:
        # The JSON API authenticates with bearer tokens, never cookies: no CSRF there.
        if request.method in ("POST", "PUT", "PATCH", "DELETE") and not request.path.startswith("/api/"):
            sent = request.form.get("csrf_token", "")
            if not sent or not hmac.compare_digest(sent, str(session.get("csrf", ""))):
                abort(400, description=gettext("The form expired or came from elsewhere. Reload the page and try "
                                               "again."))

    @app.after_request
    def security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if app.config["SESSION_COOKIE_SECURE"]:
            # Served over HTTPS (production): browsers must never try plain http here again.
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if request.blueprint in PRIVATE_BLUEPRINTS or response.mimetype == "text/csv":
            # Student records and staff pages must not stay in a shared browser's or proxy's cache.
            response.headers["Cache-Control"] = "no-store"
        return response

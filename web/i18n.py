"""English and Spanish for the pages students and employers read, through Flask-Babel.

Which pages: the claim page, the student's pages (`/me`), the public verifier (`/v`, `/verify`), the
home page, the institutions' public pages (`/issuers`) and the error pages they lead to. The staff
pages (the console, reports, the staff sign-in, the JSON API) stay English: `english_only()` names
them.

The language is, first, `?lang=es` on any page (the switch in the page's header is that link,
so it works without JavaScript and never posts a form), kept in a cookie that holds only the
language code; then the cookie; then the browser's `Accept-Language`; English by default.

The catalogs are `web/translations/<lang>/LC_MESSAGES/messages.po`, extracted from the templates
and the web modules by `make translations` (babel.cfg); the compiled `.mo` is committed next to
it, so a fresh checkout serves Spanish with nothing to build, and tests/web/test_i18n.py fails
when a `.mo` is older than its `.po` or a message has no Spanish.

Spanish is written for a Latin-American family: `tú` on the student's pages (the student is a
teenager), `usted` on the employer's (the verifier) and the pages both see.

Words the pure layers produce (verifiers' statuses and revocation reasons, ledger's messages) stay
English there, for the command line and the stable JSON; they are put into words here, at the
web's edge (web.verdicts).
"""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, Response, request
from flask_babel import Babel, format_date, get_locale

LANGUAGES = {"en": "English", "es": "Español"}
DEFAULT = "en"
COOKIE = "credledger_lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
# Staff pages stay English this issue (issue 13): their blueprints, and the staff sign-in; so does what
# machines read.
ENGLISH_BLUEPRINTS = frozenset({"console", "console_import", "console_shares", "console_admin", "reports", "api",
                                "log", "transcripts"})
ENGLISH_ENDPOINTS = frozenset({"auth.login"})


def english_only() -> bool:
    """The page is a staff page (or a machine's): never translated, and no language switch."""
    return request.blueprint in ENGLISH_BLUEPRINTS or request.endpoint in ENGLISH_ENDPOINTS or (
        request.blueprint is None and request.path.startswith(("/console", "/reports", "/api/")))


def _chosen() -> str | None:
    """The language the person picked: on this request (`?lang=`), or earlier (the cookie)."""
    for value in (request.args.get("lang"), request.cookies.get(COOKIE)):
        if value in LANGUAGES:
            return value
    return None


def select_locale() -> str:
    if english_only():
        return DEFAULT
    return _chosen() or request.accept_languages.best_match(LANGUAGES) or DEFAULT


def page_language() -> str:
    """The language of the page being rendered ("en" outside a request)."""
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT


def day(value: str | date | None) -> str:
    """An ISO date (or the date of an RFC 3339 time) in the page's language: Spanish "2 de mayo de
    2026"; English keeps the ISO form the pages always had (2026-05-02: no month/day order to misread),
    as do the command line and the PDF."""
    if not value:
        return ""
    when = date.fromisoformat(value[:10]) if isinstance(value, str) else value
    return format_date(when, "long") if page_language() != DEFAULT else when.isoformat()


def moment(value: str | datetime | None) -> str:
    """An RFC 3339 time, to the minute, in the page's language, in UTC (the page says so)."""
    if not value:
        return ""
    when = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    return f"{day(when.date())}, {when:%H:%M}" if page_language() != DEFAULT else f"{when:%Y-%m-%d %H:%M}"


def register_i18n(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "UTC")
    Babel(app, locale_selector=select_locale)
    app.jinja_env.policies["ext.i18n.trimmed"] = True  # a paragraph's line breaks are not part of its msgid
    app.jinja_env.filters.update(day=day, moment=moment)
    app.jinja_env.globals.update(page_language=page_language, languages=LANGUAGES, english_only=english_only)

    @app.after_request
    def remember_language(response: Response) -> Response:
        chosen = request.args.get("lang")
        if chosen in LANGUAGES and not english_only():
            response.set_cookie(COOKIE, chosen, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True,
                                secure=bool(app.config["SESSION_COOKIE_SECURE"]))
        if not english_only() and response.mimetype == "text/html":  # a page, in the chosen language
            response.vary.update(("Accept-Language", "Cookie"))
        return response

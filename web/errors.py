"""One table from errors to HTTP statuses, and one error shape per audience.

Machines (the JSON API, log and evidence endpoints, `.json` URLs, or an
Accept header preferring JSON) get {"code", "status", "message", "errors"};
people get an error page in plain words. A 500 never carries internals: the
exception is logged server-side by type, without request data.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask_babel import gettext, lazy_gettext as _l
from eventsourcing.persistence import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from ledger.errors import InputError, IntegrityError, LedgerError, NotFoundError, RejectedError, SetupError
from verifiers.errors import VerificationError
from web.exceptions import (AccessError, FetchError, Forbidden, GoneError, MonitorError, RateLimited, SplitView,
                            StateError, TooLarge, Unauthorized, WebError)


class Row(NamedTuple):
    kind: type[Exception]
    status: int
    code: str | None  # None: the error's own `code` (the ledger's refusal reason, the API's access reason)
    message: str | None = None  # shown instead of the error's own: a 5xx never shows internals


INTERNAL_MESSAGE = "Internal error."
# One row for each error of ours, the ledger's and the web's (tests/web/test_errors.py): a new class
# gets its status here, never by falling through to its parent's. The verifiers' errors are one row.
ERRORS: tuple[Row, ...] = (
    Row(InputError, 400, "invalid_input"),
    Row(VerificationError, 400, "invalid_evidence"),
    Row(Unauthorized, 401, None),
    Row(Forbidden, 403, None),
    Row(NotFoundError, 404, "not_found"),
    Row(RejectedError, 409, None),
    Row(GoneError, 410, "gone"),
    Row(TooLarge, 413, None),
    Row(RateLimited, 429, None),
    Row(IntegrityError, 500, "integrity", "Stored data failed verification. The operator has been alerted in "
                                          "the server log."),
    Row(SetupError, 500, "internal", INTERNAL_MESSAGE),
    # The monitor's errors are the command line's: one reaching a request is a bug of ours.
    Row(MonitorError, 500, "internal", INTERNAL_MESSAGE),
    Row(SplitView, 500, "internal", INTERNAL_MESSAGE),
    Row(FetchError, 500, "internal", INTERNAL_MESSAGE),
    Row(StateError, 500, "internal", INTERNAL_MESSAGE),
)
_ROWS = {row.kind: row for row in ERRORS}
# The error page's heading (people only), in the page's language (web.i18n).
TITLES = {400: _l("That did not work"), 401: _l("Please sign in"), 403: _l("Not allowed"), 404: _l("Not found"),
          405: _l("Not allowed"), 409: _l("Refused"), 410: _l("This link is no longer active"),
          413: _l("File too large"), 429: _l("Slow down"), 500: _l("Something went wrong"),
          503: _l("Busy, try again")}
# Instead of Werkzeug's own descriptions (English, and written for developers), when no view gave one.
PLAIN_DESCRIPTIONS = {
    401: _l("Sign in to see this page."),
    403: _l("You do not have permission to see this page."),
    404: _l("There is no page at this address. Check the link, or start again from the home page."),
    405: _l("This page does not take that kind of request. Go back and use the page's own buttons."),
}
JSON_PREFIXES = ("/api/", "/log/", "/transcripts/")


def wants_json() -> bool:
    if request.path.startswith(JSON_PREFIXES) or request.path.endswith(".json"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(status: int, code: str, message: str, errors: dict[str, Any] | None = None) -> Any:
    if wants_json():
        response = jsonify({"code": code, "status": status, "message": message, "errors": errors or {}})
        response.status_code = status
        return response
    page = render_template("error.html", status=status, title=TITLES.get(status) or gettext("Error"), message=message,
                           errors=errors or {})
    return page, status


def mapping(kind: type[Exception]) -> Row:
    """The row of `kind`, or of its nearest parent that has one (the verifiers' many kinds); else internal."""
    return next((_ROWS[k] for k in kind.__mro__ if k in _ROWS), Row(kind, 500, "internal", INTERNAL_MESSAGE))


def mapped_error_response(e: Exception) -> Response:
    """The answer to one of our errors, as ERRORS maps it."""
    row = mapping(type(e))
    code = row.code
    if code is None:  # only the errors that carry a reason have no code of their own in the table
        assert isinstance(e, (RejectedError, AccessError))
        code = e.code
    if row.status >= 500:
        current_app.logger.error("%s error: %s", code, type(e).__name__)
    response: Response = current_app.make_response(
        error_response(row.status, code, row.message or str(e), getattr(e, "errors", None)))
    if isinstance(e, AccessError):
        response.headers.update(e.headers)
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(LedgerError)
    @app.errorhandler(VerificationError)
    @app.errorhandler(WebError)
    def ours(e: Exception) -> Response:
        return mapped_error_response(e)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def storage_unavailable(e: Exception) -> Response:
        # Contention (SQLite's one writer, a pool with no free connection) or a database gone away:
        # the client should retry; it is never our bug and never a 500 (issue 10, finding 8).
        app.logger.warning("storage unavailable: %s", type(e).__name__)
        response = error_response(503, "unavailable", "The database is busy or unavailable. Nothing was "
                                                      "stored; try again in a moment.")
        response = app.make_response(response)
        response.headers["Retry-After"] = "2"
        return response

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> Response:
        status = e.code or 500
        description = e.description or ""
        if description == type(e).description and status in PLAIN_DESCRIPTIONS:
            description = str(PLAIN_DESCRIPTIONS[status])
        return error_response(status, (e.name or "error").lower().replace(" ", "_"), description)

    @app.errorhandler(Exception)
    def unexpected(e: Exception) -> Response:
        app.logger.error("unhandled %s on %s %s", type(e).__name__, request.method, request.url_rule)
        return error_response(500, "internal", "Internal error. Nothing was changed.")

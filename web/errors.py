"""One table from errors to HTTP statuses, and one error shape per audience.

Machines (the JSON API, log and evidence endpoints, `.json` URLs, or an
Accept header preferring JSON) get {"code", "status", "message", "errors"};
people get an error page in plain words. A 500 never carries internals: the
exception is logged server-side by type, without request data.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from eventsourcing.persistence import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from ledger.errors import InputError, IntegrityError, LedgerError, NotFoundError, RejectedError
from verifiers.errors import VerificationError
from web.sharing import GoneError

STATUS: list[tuple[type[Exception], int, str]] = [
    (InputError, 400, "invalid_input"),
    (VerificationError, 400, "invalid_evidence"),
    (NotFoundError, 404, "not_found"),
    (GoneError, 410, "gone"),
    (RejectedError, 409, "rejected"),
    (IntegrityError, 500, "integrity"),
]
TITLES = {400: "That did not work", 401: "Please sign in", 403: "Not allowed", 404: "Not found",
          405: "Not allowed", 409: "Refused", 410: "This link is no longer active", 413: "File too large",
          429: "Slow down", 500: "Something went wrong", 503: "Busy, try again"}
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
    page = render_template("error.html", status=status, title=TITLES.get(status, "Error"), message=message,
                           errors=errors or {})
    return page, status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(LedgerError)
    @app.errorhandler(VerificationError)
    def ledger_error(e: Exception) -> Response:
        for kind, status, code in STATUS:
            if isinstance(e, kind):
                if isinstance(e, RejectedError):
                    code = e.code
                if status >= 500:
                    app.logger.error("integrity error: %s", type(e).__name__)
                    return error_response(status, code, "Stored data failed verification. The operator has been "
                                                        "alerted in the server log.")
                return error_response(status, code, str(e), getattr(e, "errors", None))
        app.logger.error("unmapped ledger error: %s", type(e).__name__)
        return error_response(500, "internal", "Internal error.")

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
        return error_response(status, (e.name or "error").lower().replace(" ", "_"), e.description or "")

    @app.errorhandler(Exception)
    def unexpected(e: Exception) -> Response:
        app.logger.error("unhandled %s on %s %s", type(e).__name__, request.method, request.url_rule)
        return error_response(500, "internal", "Internal error. Nothing was changed.")

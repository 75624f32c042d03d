"""One table from errors to HTTP statuses, and one JSON error shape.

Every error answer is {"code", "status", "message", "errors"}; a 500 never
carries internals (the exception is logged server-side without request data).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from ledger.errors import InputError, IntegrityError, LedgerError, NotFoundError, RejectedError
from verifiers.errors import VerificationError

STATUS: list[tuple[type[Exception], int, str]] = [
    (InputError, 400, "invalid_input"),
    (VerificationError, 400, "invalid_evidence"),
    (NotFoundError, 404, "not_found"),
    (RejectedError, 409, "rejected"),
    (IntegrityError, 500, "integrity"),
]


def error_response(status: int, code: str, message: str, errors: dict[str, Any] | None = None) -> Response:
    response = jsonify({"code": code, "status": status, "message": message, "errors": errors or {}})
    response.status_code = status
    return response


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
                    return error_response(status, code, "stored data failed verification")
                return error_response(status, code, str(e), getattr(e, "errors", None))
        return error_response(500, "internal", "internal error")

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> Response:
        status = e.code or 500
        return error_response(status, (e.name or "error").lower().replace(" ", "_"), e.description or "")

    @app.errorhandler(Exception)
    def unexpected(e: Exception) -> Response:
        app.logger.exception("unhandled error")
        return error_response(500, "internal", "internal error")

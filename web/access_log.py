"""Access logs that never hold a secret or a student's data.

A share link carries its token in the path (`/v/<token>`, `/v/<token>.json`,
`/v/<token>/print`), a claim link its code (`/claim/<code>`): whoever reads a
log line could open the transcript or sign in as the student. `redact()`
replaces those path segments, and the values of `token=`, `code=` and `q=`
in a query string, with `[redacted]`; the rest of the line (method, route,
status, size, timing) stays for operations.

- Development server (`credledger serve`, `flask run`): `RedactingFilter` on the
  `werkzeug` logger, installed by `create_app()`.
- Production: `gunicorn --logger-class web.access_log.RedactingGunicornLogger
  --access-logfile - ...` (README, Deployment): every access-log atom is redacted,
  whatever `--access-logformat` says.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from gunicorn.glogging import Logger

REDACTED = "[redacted]"
_SECRET_SEGMENT = re.compile(r"(/(?:v|claim)/)[^/\s?#.\"]+")
_SECRET_QUERY = re.compile(r"([?&;](?:token|code|q)=)[^&;\s#\"]*", re.IGNORECASE)


def redact(text: str) -> str:
    """`text` (a request line, path, query or URL) without share tokens, claim codes or searches."""
    return _SECRET_QUERY.sub(r"\1" + REDACTED, _SECRET_SEGMENT.sub(r"\1" + REDACTED, text))


class RedactingFilter(logging.Filter):
    """Redacts a log record's message and arguments (werkzeug logs the request line as an argument)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def install_werkzeug_filter() -> None:
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactingFilter) for f in werkzeug.filters):
        werkzeug.addFilter(RedactingFilter())


class RedactingGunicornLogger(Logger):
    """gunicorn's logger with every access-log atom (request line, path, query, referer, ...) redacted."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()}

"""Errors the web raises (the ledger's own are in ledger.errors), one tree under WebError.

    WebError
    ├── AccessError       the API refused the request before it reached the ledger;
    │   │                 `code` says why, `headers` go with the answer
    │   ├── Unauthorized  401: no token, or one not valid (missing_token, invalid_token)
    │   ├── Forbidden     403: the token may not do this (insufficient_role, not_custodian, …)
    │   ├── TooLarge      413: the body is over the API's limit (too_large)
    │   └── RateLimited   429: too many writes, or too many bad tokens (rate_limited)
    ├── GoneError         410: a share link expired or was withdrawn
    ├── MonitorError      `credledger monitor`: the log misbehaved (bad signature, shrinking
    │                     or forked history)
    ├── FetchError        `credledger monitor`: the log cannot be reached or answers nonsense
    └── StateError        `credledger monitor`: its own state file is unreadable

web.errors maps each class to an HTTP status and code, in one table. This module imports
nothing: the monitor runs alone (tests/test_layers.py), without Flask or the ledger.
"""

from __future__ import annotations


class WebError(Exception):
    """Root of the errors the web raises."""


class AccessError(WebError):
    """Raised when a request is refused before it reaches the ledger; the subclass is the status."""

    def __init__(self, code: str, message: str, *, errors: dict[str, list[str]] | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.code = code
        self.errors = errors or {}
        self.headers = headers or {}


class Unauthorized(AccessError):
    """Raised when a request carries no valid API token."""


class Forbidden(AccessError):
    """Raised when the token's issuer or role may not do what it asks."""


class TooLarge(AccessError):
    """Raised when a request body is over the API's limit."""


class RateLimited(AccessError):
    """Raised when a token writes, or a client fails authentication, too often."""


class GoneError(WebError):
    """Raised when a share link has expired or was revoked."""


class MonitorError(WebError):
    """Raised when the log misbehaves: bad signature, shrinking or forked history."""


class SplitView(MonitorError):
    """Raised when what the log shows the monitor is not what its witnesses cosigned: a possible fork."""


class FetchError(WebError):
    """Raised when the log cannot be reached or answers nonsense."""


class StateError(WebError):
    """Raised when the monitor's own state file is unreadable (edited or truncated)."""

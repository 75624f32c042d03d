"""Secrets for people: password hashing, random tokens, CSRF, headers, rate limits.

- Passwords: scrypt (memory-hard; n=2^14, r=8, p=1: 16 MiB, ~50 ms here) from
  `cryptography`, each with its own salt, compared in constant time.
- Tokens (share links, claim codes, API tokens, CSRF): 256 or 128 random bits
  from `secrets`; only their SHA-256 is stored, so a database leak does not
  leak a usable link.
- Rate limits: a fixed-window counter per (bucket, client) in the database,
  so several workers share it.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import secrets
import time

from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from ledger.store import LedgerRecorderMixin
from web.db import WebTables

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


def hash_password(password: str) -> str:
    if not password:
        raise ValueError("a password is required")
    salt = os.urandom(16)
    digest = Scrypt(salt=salt, length=32, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P).derive(password.encode())
    return "scrypt${}${}${}${}${}".format(SCRYPT_N, SCRYPT_R, SCRYPT_P, _b64(salt), _b64(digest))


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        computed = Scrypt(salt=_unb64(salt), length=32, n=int(n), r=int(r), p=int(p)).derive(password.encode())
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(computed, _unb64(digest))


@functools.cache
def dummy_password_hash() -> str:
    """A hash to spend the same time on when the account does not exist, so
    response time does not reveal which emails have accounts."""
    return hash_password("not-a-real-password")


def new_token() -> str:
    """256 random bits, URL-safe: share links and API tokens."""
    return secrets.token_urlsafe(32)


def new_claim_code() -> str:
    """128 random bits as base32 in groups of four, for a letter a school hands out."""
    text = base64.b32encode(secrets.token_bytes(16)).decode().rstrip("=")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def normalize_claim_code(code: str) -> str:
    text = "".join(ch for ch in code.upper() if ch.isalnum())
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text)


SECURITY_HEADERS = {
    # No inline script anywhere: every script is a file under /static.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Share links carry their token in the URL: never send it on as a Referer.
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class RateLimiter:
    """At most `limit` hits per `window` seconds per key, counted in the database."""

    def __init__(self, store: LedgerRecorderMixin, clock: object = time.time):
        self.store = WebTables(store)
        self.clock = clock

    def hit(self, key: str, limit: int, window: int) -> bool:
        """Count one hit; False when the key is over its limit for this window."""
        now = int(self.clock())  # type: ignore[operator]
        start = now - now % window
        self.store.execute(
            "INSERT INTO {t:web_rate_limits} (key, window_start, hits) VALUES (?, ?, 1) "
            "ON CONFLICT (key) DO UPDATE SET "
            "hits = CASE WHEN {t:web_rate_limits}.window_start = excluded.window_start "
            "THEN {t:web_rate_limits}.hits + 1 ELSE 1 END, window_start = excluded.window_start",
            [key, start],
        )
        rows = self.store.query("SELECT hits FROM {t:web_rate_limits} WHERE key = ?", [key])
        return int(rows[0][0]) <= limit

    def over(self, key: str, limit: int, window: int) -> bool:
        """Has the key used up its limit in this window? Counts nothing (for limits on failures)."""
        now = int(self.clock())  # type: ignore[operator]
        rows = self.store.query("SELECT hits FROM {t:web_rate_limits} WHERE key = ? AND window_start = ?",
                                [key, now - now % window])
        return bool(rows) and int(rows[0][0]) >= limit

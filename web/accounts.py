"""Who may act: staff accounts with roles, API tokens, and students' claim codes.

Roles, per issuer: `viewer` reads; `registrar` also records, imports, revokes
and transfers; `admin` also manages keys, staff and API tokens. The operator
(`issuer` NULL, role `operator`) administers every issuer and registers new
ones. Secrets are stored only as hashes (web.security).

A browser session carries the account's `session_version`; signing out, a
password change or reset, disabling and a role change add one to it, which
ends every session of that account at its next request (web.auth).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from ledger.errors import InputError, NotFoundError
from ledger.store import LedgerRecorderMixin
from web.db import WebTables
from web.passwords import password_problem
from web.security import (
    check_password,
    dummy_password_hash,
    hash_password,
    new_claim_code,
    new_token,
    normalize_claim_code,
    token_hash,
)

ROLES = ("viewer", "registrar", "admin")
RANK = {"viewer": 0, "registrar": 1, "admin": 2, "operator": 3}


@dataclass(frozen=True)
class Actor:
    """A signed-in staff member or an API token holder."""

    id: str
    name: str
    issuer: str | None  # slug; None for the operator
    role: str

    @property
    def is_operator(self) -> bool:
        return self.role == "operator"

    def can(self, role: str, issuer: str) -> bool:
        """May this actor act with at least `role` for `issuer`?"""
        if self.is_operator:
            return True
        return self.issuer == issuer and RANK[self.role] >= RANK[role]


def _check_password(password: str, email: str, name: str) -> None:
    problem = password_problem(password, email, name)
    if problem:
        raise InputError.for_field("password", problem)


def _wall_clock() -> datetime:
    return datetime.now(timezone.utc)


class Accounts:
    def __init__(self, store: LedgerRecorderMixin, clock: Callable[[], datetime] = _wall_clock):
        self.store = WebTables(store)
        self.clock = clock  # the ledger's clock in the app (web.create_app), so tests drive time here too

    def _now(self) -> str:
        return self.clock().astimezone(timezone.utc).isoformat(timespec="seconds")

    # Staff -------------------------------------------------------------------

    def add_user(self, email: str, name: str, password: str, *, issuer: str | None, role: str) -> str:
        email = email.strip().lower()
        if "@" not in email or len(email) > 254:
            raise InputError.for_field("email", "not an email address")
        _check_password(password, email, name)
        if (issuer is None) != (role == "operator") or (issuer is not None and role not in ROLES):
            raise InputError.for_field("role", f"one of {', '.join(ROLES)} for an issuer's staff")
        if self.store.query("SELECT 1 FROM {t:web_users} WHERE email = ?", [email]):
            raise InputError.for_field("email", "an account with that email exists")
        user_id = str(uuid.uuid4())
        self.store.execute(
            "INSERT INTO {t:web_users} (id, email, name, password_hash, issuer, role, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [user_id, email, name, hash_password(password), issuer, role, self._now()],
        )
        return user_id

    def authenticate(self, email: str, password: str) -> Actor | None:
        rows = self.store.query(
            "SELECT id, name, issuer, role, password_hash FROM {t:web_users} WHERE email = ? AND disabled = 0",
            [email.strip().lower()],
        )
        if not rows:
            check_password(password, dummy_password_hash())  # same cost either way
            return None
        user_id, name, issuer, role, stored = rows[0]
        return Actor(user_id, name, issuer, role) if check_password(password, stored) else None

    def user(self, user_id: str, session_version: int) -> Actor | None:
        """The active account a session names, if the session is of its current version."""
        rows = self.store.query("SELECT id, name, issuer, role FROM {t:web_users} WHERE id = ? AND disabled = 0 "
                                "AND session_version = ?", [user_id, session_version])
        return Actor(*rows[0]) if rows else None

    def session_version(self, user_id: str) -> int:
        rows = self.store.query("SELECT session_version FROM {t:web_users} WHERE id = ?", [user_id])
        return int(rows[0][0]) if rows else -1

    def end_sessions(self, user_id: str) -> None:
        """Every browser session of this account ends (sign-out, and every change below)."""
        self.store.execute("UPDATE {t:web_users} SET session_version = session_version + 1 WHERE id = ?",
                           [user_id])

    def user_issuer(self, user_id: str) -> str | None:
        """The institution a staff account belongs to (None: the operator); NotFoundError if there is none."""
        rows = self.store.query("SELECT issuer FROM {t:web_users} WHERE id = ?", [user_id])
        if not rows:
            raise NotFoundError("no such staff account")
        return None if rows[0][0] is None else str(rows[0][0])

    def set_disabled(self, user_id: str, disabled: bool) -> None:
        self._change(user_id, "disabled = ?", [1 if disabled else 0])

    def set_role(self, user_id: str, role: str) -> None:
        if role not in ROLES:
            raise InputError.for_field("role", f"one of {', '.join(ROLES)}")
        self._change(user_id, "role = ?", [role])

    def set_password(self, user_id: str, password: str) -> None:
        """An administrator's reset, or the last step of a change."""
        rows = self.store.query("SELECT email, name FROM {t:web_users} WHERE id = ?", [user_id])
        if not rows:
            raise NotFoundError("no such staff account")
        _check_password(password, rows[0][0], rows[0][1])
        self._change(user_id, "password_hash = ?", [hash_password(password)])

    def change_password(self, user_id: str, current: str, new: str) -> None:
        """The account holder's own change: the current password first."""
        rows = self.store.query("SELECT password_hash FROM {t:web_users} WHERE id = ? AND disabled = 0", [user_id])
        if not rows or not check_password(current, rows[0][0]):
            raise InputError.for_field("current_password", "not your current password")
        self.set_password(user_id, new)

    def _change(self, user_id: str, assignment: str, params: list[object]) -> None:
        # Every change to who may act ends the account's sessions in the same statement.
        if not self.store.execute(f"UPDATE {{t:web_users}} SET {assignment}, session_version = session_version + 1 "
                                  "WHERE id = ?", [*params, user_id]):
            raise NotFoundError("no such staff account")

    def staff(self, issuer: str) -> list[dict[str, str | bool]]:
        rows = self.store.query("SELECT id, email, name, role, disabled FROM {t:web_users} WHERE issuer = ? "
                                "ORDER BY email", [issuer])
        return [{"id": r[0], "email": r[1], "name": r[2], "role": r[3], "disabled": bool(r[4])} for r in rows]

    # API tokens --------------------------------------------------------------

    def add_api_token(self, issuer: str, role: str, label: str) -> str:
        """A new token, returned once; only its hash is kept."""
        if role not in ROLES:
            raise InputError.for_field("role", f"one of {', '.join(ROLES)}")
        token = "clt_" + new_token()
        self.store.execute(
            "INSERT INTO {t:web_api_tokens} (id, token_hash, issuer, role, label, created) VALUES (?, ?, ?, ?, ?, ?)",
            [str(uuid.uuid4()), token_hash(token), issuer, role, label[:100] or "token", self._now()],
        )
        return token

    def api_actor(self, token: str) -> Actor | None:
        rows = self.store.query("SELECT id, label, issuer, role FROM {t:web_api_tokens} WHERE token_hash = ? "
                                "AND revoked IS NULL", [token_hash(token)])
        return Actor(*rows[0]) if rows else None

    def api_tokens(self, issuer: str) -> list[dict[str, str]]:
        rows = self.store.query("SELECT id, label, role, created, revoked FROM {t:web_api_tokens} WHERE issuer = ? "
                                "ORDER BY created", [issuer])
        return [{"id": r[0], "label": r[1], "role": r[2], "created": r[3], "revoked": r[4]} for r in rows]

    def api_token_issuer(self, token_id: str) -> str:
        """The institution a token belongs to; NotFoundError if there is none."""
        rows = self.store.query("SELECT issuer FROM {t:web_api_tokens} WHERE id = ?", [token_id])
        if not rows:
            raise NotFoundError("no such token")
        return str(rows[0][0])

    def revoke_api_token(self, issuer: str, token_id: str) -> None:
        if not self.store.execute("UPDATE {t:web_api_tokens} SET revoked = ? WHERE id = ? AND issuer = ? "
                                  "AND revoked IS NULL", [self._now(), token_id, issuer]):
            raise NotFoundError("no such active token")

    # Student claim codes -----------------------------------------------------

    def add_claim(self, student_id: str, issuer: str) -> str:
        """A claim code the school gives the student (returned once; stored hashed)."""
        code = new_claim_code()
        self.store.execute(
            "INSERT INTO {t:web_claims} (id, code_hash, student_id, issuer, created) VALUES (?, ?, ?, ?, ?)",
            [str(uuid.uuid4()), token_hash(code), student_id, issuer, self._now()],
        )
        return code

    def replace_claims(self, student_ids: Sequence[str], issuer: str) -> dict[str, str]:
        """A new claim code for each student (returned once; stored hashed), replacing every live code
        this institution gave them before, all in one transaction: a lost code must stop working, and
        a class's letters are either all printable or none changed."""
        now, codes = self._now(), {student_id: new_claim_code() for student_id in dict.fromkeys(student_ids)}
        self.store.execute_many([
            ("UPDATE {t:web_claims} SET revoked = ? WHERE student_id = ? AND issuer = ? AND revoked IS NULL",
             [[now, student_id, issuer] for student_id in codes]),
            ("INSERT INTO {t:web_claims} (id, code_hash, student_id, issuer, created) VALUES (?, ?, ?, ?, ?)",
             [[str(uuid.uuid4()), token_hash(code), student_id, issuer, now] for student_id, code in codes.items()]),
        ])
        return codes

    def claim(self, code: str) -> str | None:
        """The student a live claim code opens, or None."""
        digest = token_hash(normalize_claim_code(code))
        rows = self.store.query("SELECT id, student_id FROM {t:web_claims} WHERE code_hash = ? AND revoked IS NULL",
                                [digest])
        if not rows:
            return None
        self.store.execute("UPDATE {t:web_claims} SET last_used = ? WHERE id = ?", [self._now(), rows[0][0]])
        return str(rows[0][1])

    def claims(self, student_id: str) -> list[dict[str, str]]:
        rows = self.store.query("SELECT id, issuer, created, revoked, last_used FROM {t:web_claims} "
                                "WHERE student_id = ? ORDER BY created", [student_id])
        return [{"id": r[0], "issuer": r[1], "created": r[2], "revoked": r[3], "last_used": r[4]} for r in rows]

    def claim_issuer(self, claim_id: str, student_id: str) -> str:
        """The institution that gave out this claim code; NotFoundError if there is none."""
        rows = self.store.query("SELECT issuer FROM {t:web_claims} WHERE id = ? AND student_id = ?",
                                [claim_id, student_id])
        if not rows:
            raise NotFoundError("no such claim code")
        return str(rows[0][0])

    def revoke_claim(self, claim_id: str) -> None:
        self.store.execute("UPDATE {t:web_claims} SET revoked = ? WHERE id = ? AND revoked IS NULL",
                           [self._now(), claim_id])

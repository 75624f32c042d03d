"""Errors the ledger raises, grouped by what the caller can do about them.

    LedgerError
    ├── InputError        fix the input: a field is missing or malformed (names the field)
    ├── NotFoundError     the issuer, credential, student or award does not exist
    ├── RejectedError     the ledger refused an event: bad signature, key not valid at
    │                     that time, no authority, broken hash chain, or a state rule
    │                     (e.g. revoking a revoked award); nothing was stored
    ├── IntegrityError    stored data fails verification (audit found tampering)
    └── SetupError        the instance cannot be opened: no ledger in the data directory

Every error message is safe to show a user: no PII, no secrets, no stack details.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class LedgerError(Exception):
    """Root of the errors the ledger raises."""


class InputError(LedgerError):
    """Raised when a command's input is malformed; `errors` maps field -> messages."""

    def __init__(self, message: str, errors: Mapping[str, Sequence[str]] | None = None):
        super().__init__(message)
        self.errors = {k: list(v) for k, v in (errors or {}).items()}

    @classmethod
    def for_field(cls, field: str, message: str) -> InputError:
        return cls(f"{field}: {message}", {field: [message]})


class NotFoundError(LedgerError):
    """Raised when a referenced issuer, credential, student or award is unknown."""


class RejectedError(LedgerError):
    """Raised when an event is refused; `code` is a stable machine-readable reason."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class IntegrityError(LedgerError):
    """Raised when stored data does not verify (tampering or corruption)."""


class SetupError(LedgerError):
    """Raised when there is no ledger to open (run `credledger init`) or it is misconfigured."""

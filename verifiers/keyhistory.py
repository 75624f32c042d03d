"""When a signing key may be used: its validity window.

A key is valid from the moment it was added until it is retired (a planned end)
or declared compromised (everything signed after that moment is suspect).
Retirement and compromise only ever cut the window short, so events signed
before the cut keep verifying: rotation never rewrites the past.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from verifiers.errors import KeyValidityError


@dataclass(frozen=True)
class KeyRecord:
    key_id: str  # a did:key verification method
    public_key: bytes
    valid_from: datetime
    retired_at: datetime | None = None
    compromised_at: datetime | None = None

    def retired(self, at: datetime) -> KeyRecord:
        return replace(self, retired_at=at)

    def compromised(self, at: datetime) -> KeyRecord:
        return replace(self, compromised_at=at)

    def state_at(self, at: datetime) -> str:
        """pending (not yet valid), active, retired or compromised: the one rule every view uses."""
        if self.compromised_at is not None and at >= self.compromised_at:
            return "compromised"
        if self.retired_at is not None and at >= self.retired_at:
            return "retired"
        return "pending" if at < self.valid_from else "active"

    def state_in_words(self, at: datetime) -> str:
        """state_at for a person: current, retiring (still signing until its planned retirement),
        not yet valid, retired or compromised."""
        state = self.state_at(at)
        if state == "active":
            return "current" if self.retired_at is None else "retiring"
        return "not yet valid" if state == "pending" else state

    def is_valid_at(self, at: datetime) -> bool:
        try:
            verify_key_valid_at(self, at)
        except KeyValidityError:
            return False
        return True


def verify_key_valid_at(record: KeyRecord, at: datetime) -> None:
    """Raise KeyValidityError unless `record` could sign at time `at`."""
    if at < record.valid_from:
        raise KeyValidityError(f"key {record.key_id} was not yet valid at {at.isoformat()}")
    if record.compromised_at is not None and at >= record.compromised_at:
        raise KeyValidityError(
            f"key {record.key_id} was declared compromised as of "
            f"{record.compromised_at.isoformat()}"
        )
    if record.retired_at is not None and at >= record.retired_at:
        raise KeyValidityError(
            f"key {record.key_id} was retired as of {record.retired_at.isoformat()}"
        )

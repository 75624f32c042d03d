"""What verifying a transcript bundle reports: the steps, a result per step, per credential and
per bundle, and why there is no online evidence when there is none (the evidence itself is
`verifiers.protocol.bundle.OnlineEvidence`). The bundle's
wire format is `verifiers.protocol.bundle`; `verifiers.bundle` is the public entry point.
Pure, like all of `verifiers`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from verifiers.protocol.status import is_withdrawn

STEPS = (
    "checkpoint", "witnessed", "log_inclusion", "hash_chain", "signature", "key_validity",
    "issuer_authority", "status", "identity", "consistency", "current_status",
)  # fmt: skip


# Results ------------------------------------------------------------------------


@dataclass(frozen=True)
class StepResult:
    step: str  # one of STEPS
    ok: bool | None  # None: not checked, or not applicable
    detail: str  # plain words for a person: what was proven, or why not


@dataclass(frozen=True)
class CredentialResult:
    award: str
    credential: str
    name: str | None
    issuer: str
    issuer_name: str | None
    earned: str
    expires: str | None
    status: str  # verifiers.protocol.status: active, expired, superseded, revoked: <reason>; or "unknown"
    steps: tuple[StepResult, ...]
    revoked_on: str | None = None  # when a revocation (the bundle's, or one found online) takes effect
    # What the issuance event carries as evidence (certificate or license number, score), as signed.
    evidence: dict[str, str | int] = field(default_factory=dict)
    # The certifying body's public lookup page, from the signed catalog entry (an https URL), if any.
    lookup_url: str | None = None

    @property
    def ok(self) -> bool:
        return all(s.ok is not False for s in self.steps) and not is_withdrawn(self.status)

    def step(self, name: str) -> StepResult:
        return next(s for s in self.steps if s.step == name)


@dataclass(frozen=True)
class BundleResult:
    format: str
    ledger: str
    log_origin: str
    checkpoint_size: int
    student: str
    identity: dict[str, bool]  # disclosed claim -> it opened its commitments
    credentials: tuple[CredentialResult, ...]
    checkpoint: StepResult  # step 1, shared by every credential (also when there is none)
    witnessed: StepResult  # step 2, shared likewise: None when the policy pinned no witnesses

    @property
    def ok(self) -> bool:
        return (
            self.checkpoint.ok is True
            and self.witnessed.ok is not False
            and all(c.ok for c in self.credentials)
            and all(self.identity.values())
        )


@dataclass(frozen=True)
class OnlineUnavailable:
    """Online evidence a caller could not have, and why: steps 10 and 11 say so (``ok=None``)."""

    reason: str


OFFLINE_ONLY = OnlineUnavailable("this file was exported for offline checking only")
WITHDRAWN = OnlineUnavailable("online checks were withdrawn by the student or have expired; "
                              "the offline proof still stands")


class _NotChecked(Exception):
    """A step that could not be, or need not be, checked (ok=None)."""

"""What a verifier trusts a log's checkpoint on: the verification policy of a transcript bundle.

Today a checkpoint is trusted when one of the pinned log keys signed it (and its origin is
that key's name). Witness cosignatures (C2SP tlog-cosignature) will add a quorum here, as
more members of ``VerificationPolicy``: so many of these pinned witness keys cosigned it.
``verifiers.bundle.verify_bundle`` takes a policy, or the log keys it is made of.
Pure; imports only ``verifiers``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from verifiers.errors import MalformedError
from verifiers.note import NoteVerifier, Verifier

__all__ = ["VerificationPolicy"]


@dataclass(frozen=True)
class VerificationPolicy:
    """The keys a bundle's checkpoint is checked against. Immutable; misuse is ``TypeError``/``ValueError``."""

    log_keys: tuple[NoteVerifier, ...]  # any one of them signing the checkpoint is enough

    def __post_init__(self) -> None:
        if not isinstance(self.log_keys, tuple) or not all(isinstance(k, NoteVerifier) for k in self.log_keys):
            raise TypeError("log_keys is a tuple of note verifiers (verifiers.note.Verifier)")
        if not self.log_keys:
            raise ValueError("pin at least one log key")

    @classmethod
    def from_log_keys(cls, log_keys: Sequence[str]) -> VerificationPolicy:
        """The policy of pinned log keys, given as C2SP verifier key strings (``credledger log key``)."""
        if isinstance(log_keys, str):
            raise TypeError("log_keys is a sequence of verifier key strings, not one string")
        verifiers: list[NoteVerifier] = []
        for key in log_keys:
            try:
                verifiers.append(Verifier.from_key_string(key))
            except MalformedError as e:
                raise ValueError(f"not a log verifier key ({e}): {key!r}") from None
        return cls(tuple(verifiers))

"""What a verifier trusts a log's checkpoint on: the verification policy of a transcript bundle.

A checkpoint is trusted when one of the pinned log keys signed it (and its origin is that key's
name). A policy may also pin witnesses (C2SP tlog-cosignature/v1 keys) and a quorum: then the
checkpoint counts as witnessed only when at least ``quorum`` of those witnesses cosigned it (or a
newer checkpoint proven to extend it), so an operator, or a thief of the log key, cannot show one
verifier a tree the witnesses never saw. ``verifiers.bundle.verify_bundle`` takes a policy, or the
log keys it is made of. Pure; imports only ``verifiers``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from verifiers.cosignature import CosignatureVerifier
from verifiers.errors import MalformedError
from verifiers.note import NoteVerifier, Verifier

__all__ = ["VerificationPolicy"]

T = TypeVar("T")


@dataclass(frozen=True)
class VerificationPolicy:
    """The keys a bundle's checkpoint is checked against. Immutable; misuse is ``TypeError``/``ValueError``."""

    log_keys: tuple[NoteVerifier, ...]  # any one of them signing the checkpoint is enough
    witnesses: tuple[CosignatureVerifier, ...] = ()  # the pinned witnesses, each counted once
    quorum: int = 0  # how many of them must have cosigned; 0 = witnessing not asked for

    def __post_init__(self) -> None:
        if not isinstance(self.log_keys, tuple) or not all(isinstance(k, NoteVerifier) for k in self.log_keys):
            raise TypeError("log_keys is a tuple of note verifiers (verifiers.note.Verifier)")
        if not self.log_keys:
            raise ValueError("pin at least one log key")
        if not isinstance(self.witnesses, tuple) or not all(isinstance(w, CosignatureVerifier) for w in self.witnesses):
            raise TypeError("witnesses is a tuple of verifiers.cosignature.CosignatureVerifier")
        # Twice by name, or one key under two names (each name gives it a valid key ID): either would count
        # one witness twice toward the quorum.
        if len({w.name for w in self.witnesses}) != len(self.witnesses) or len(
                {w.public_key for w in self.witnesses}) != len(self.witnesses):
            raise ValueError("a witness is pinned twice (one name, one key each)")
        if type(self.quorum) is not int:
            raise TypeError("quorum is an int")
        if not 0 <= self.quorum <= len(self.witnesses):
            raise ValueError(f"the quorum is 0 … the number of pinned witnesses ({len(self.witnesses)}), "
                             f"not {self.quorum}")
        if self.witnesses and not self.quorum:
            raise ValueError("pinned witnesses need a quorum of at least 1")

    @classmethod
    def from_log_keys(cls, log_keys: Sequence[str]) -> VerificationPolicy:
        """The policy of pinned log keys, given as C2SP verifier key strings (``credledger log key``)."""
        return cls.from_keys(log_keys)

    @classmethod
    def from_keys(cls, log_keys: Sequence[str], witness_keys: Sequence[str] = (),
                  quorum: int | None = None) -> VerificationPolicy:
        """The policy of pinned log keys and witness keys (C2SP vkey strings); ``quorum`` defaults to
        every pinned witness. ``ValueError`` names the key that is not one."""
        if isinstance(log_keys, str) or isinstance(witness_keys, str):
            raise TypeError("keys are a sequence of verifier key strings, not one string")
        verifiers: tuple[NoteVerifier, ...] = _parsed(log_keys, Verifier.from_key_string, "a log verifier key")
        witnesses = _parsed(witness_keys, CosignatureVerifier.from_key_string, "a witness key")
        return cls(verifiers, witnesses, len(witnesses) if quorum is None else quorum)


def _parsed(keys: Sequence[str], parse: Callable[[str], T], what: str) -> tuple[T, ...]:
    """Each key string parsed; ValueError naming the one that is not `what`."""
    found = []
    for key in keys:
        try:
            found.append(parse(key))
        except MalformedError as e:
            raise ValueError(f"not {what} ({e}): {key!r}") from None
    return tuple(found)

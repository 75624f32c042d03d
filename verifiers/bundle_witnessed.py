"""Step 2 of verifying a bundle, witnessed: so many of the policy's pinned witnesses cosigned the
checkpoint (C2SP tlog-cosignature/v1), or a newer checkpoint the log proved extends it.

A cosignature says the witness saw the checkpoint as the largest consistent one it knows for the
log's origin; with a quorum of independent witnesses, a log operator (or a thief of its key) cannot
show this verifier a tree the witnesses did not see without them noticing the fork. The rules:

- no witnesses pinned: not checked (``ok=None``), the checkpoint rests on the log key alone;
- the checkpoint did not verify: not checked (there is no tree to have witnessed);
- offline: the bundle's checkpoint carries at least ``quorum`` valid cosignatures of pinned witnesses;
- online, with a newer checkpoint proven consistent (step 10): the current status rests on that newer
  checkpoint, so it must have the quorum; it also witnesses the bundle's tree (it extends it), so an
  old bundle exported before its cosignatures came in is witnessed through the newer one.

Lines of unpinned keys are ignored (tlog-witness: "MUST ignore cosignatures from unknown keys"); a
pinned witness's line that does not verify is named and not counted. Timestamps are reported, not
judged (no clock here). Pure, like all of `verifiers`.
"""

from __future__ import annotations

from datetime import datetime, timezone

from verifiers.bundle_results import StepResult
from verifiers.bundle_steps import _Verification
from verifiers.cosignature import Cosignature, CosignatureVerifier, cosignatures
from verifiers.errors import MalformedError
from verifiers.note import note_from_text

__all__ = ["check_witnessed"]


def check_witnessed(v: _Verification) -> StepResult:
    policy = v.policy
    if not policy.quorum:
        return StepResult("witnessed", None, "not checked: no witnesses were pinned (the checkpoint rests on "
                                             "the log's key alone)")
    if v.checkpoint is None:
        return StepResult("witnessed", None, "not checked: the checkpoint did not verify")
    own = _judge(v.bundle.checkpoint, policy.witnesses, policy.quorum, f"the bundle's checkpoint "
                 f"({v.checkpoint.size} entries)")
    if v.newer is None or v.online is None:
        return own
    newer = _judge(v.online.checkpoint, policy.witnesses, policy.quorum,
                   f"the log's newer checkpoint ({v.newer.size} entries), on which the current status rests,")
    if newer.ok:
        through = "" if own.ok else "; the bundle's own checkpoint lacks them, and the newer one extends it"
        return StepResult("witnessed", True, newer.detail + through)
    return newer


def _judge(note: str, witnesses: tuple[CosignatureVerifier, ...], quorum: int, what: str) -> StepResult:
    try:
        found = cosignatures(note, witnesses)
        broken = _broken_lines(note, witnesses, found)
    except MalformedError as e:
        return StepResult("witnessed", False, f"{what}: its cosignatures are unreadable ({e})")
    named = ", ".join(f"{c.witness} at {_when(c)}" for c in found)
    if len(found) >= quorum:
        return StepResult("witnessed", True, f"{what} is cosigned by {len(found)} of the pinned witnesses "
                                             f"({named}); the quorum is {quorum}")
    missing = [w.name for w in witnesses if w.name not in {c.witness for c in found}]
    detail = (f"{what} is below the quorum: cosigned by {len(found)} of the {quorum} witnesses required"
              + (f" ({named})" if found else "") + f"; not by {', '.join(missing)}")
    if broken:
        detail += f"; the cosignature of {', '.join(broken)} does not verify"
    return StepResult("witnessed", False, detail)


def _broken_lines(note: str, witnesses: tuple[CosignatureVerifier, ...], found: list[Cosignature]) -> list[str]:
    """Pinned witnesses with a signature line on the note (their name and key ID) that did not verify."""
    good = {c.witness for c in found}
    lines = {(line.name, line.key_id) for line in note_from_text(note).signatures}
    return [w.name for w in witnesses if w.name not in good and (w.name, w.key_id) in lines]


def _when(cosignature: Cosignature) -> str:
    try:
        return datetime.fromtimestamp(cosignature.timestamp, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):  # a timestamp beyond what a datetime holds
        return f"{cosignature.timestamp} (POSIX seconds)"

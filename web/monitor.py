"""`credledger monitor`: an independent auditor of a remote credledger log.

It pins the log's verifier key, mirrors the log from its C2SP tiles (entry
bundles), recomputes the tree itself, and checks that every new checkpoint
extends the last one it saw: the root recomputed from all mirrored leaves
must equal the checkpoint's, and the server's consistency proof must verify.
It then lists the new events signed in an issuer's name, so an issuer learns
if its key is used behind its back. The state kept between runs is the last
checkpoint and the tree's right edge: O(log n), whatever the log's size.

With witnesses pinned (C2SP tlog-cosignature keys and a quorum, kept in the
state like the log key), the monitor also compares what it mirrors with what the
witnesses cosigned: the checkpoint it mirrors must carry the quorum (a tree the
witnesses never saw is what a split view shows its victims). And a checkpoint
signed with the log's key obtained elsewhere (`compare`: from a transcript
bundle, another monitor, a witness's operator; cosigned or not) must be part
of the tree it mirrors: the same root at its size, or a consistency proof from
it. Either failing is a split view, reported with both trees (`SplitView`).
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from verifiers import compact_range
from verifiers.checkpoint import Checkpoint, verify_checkpoint
from verifiers.cosignature import CosignatureVerifier, cosignatures
from verifiers.errors import MalformedError, VerificationError
from verifiers.merkle import hash_leaf, verify_consistency
from verifiers.note import Verifier
from verifiers.tiles import TILE_WIDTH, tile_path
from web.exceptions import FetchError, MonitorError, SplitView, StateError

TIMEOUT = 10


@dataclass
class MonitorState:
    log_key: str
    size: int = 0
    root: str = base64.b64encode(compact_range.root_from_nodes(0, {})).decode()
    edge: dict[str, str] = field(default_factory=dict)
    witnesses: list[str] = field(default_factory=list)  # pinned witness keys (C2SP vkeys)
    quorum: int = 0  # how many of them must cosign each checkpoint mirrored

    def witness_verifiers(self) -> list[CosignatureVerifier]:
        return [CosignatureVerifier.from_key_string(key) for key in self.witnesses]

    def pinned_twice(self) -> bool:
        """A witness pinned twice, by name or by key (one key under two names would count twice)."""
        verifiers = self.witness_verifiers()
        return (len({w.name for w in verifiers}) != len(verifiers)
                or len({w.public_key for w in verifiers}) != len(verifiers))

    @classmethod
    def load(cls, path: Path) -> MonitorState | None:
        """The state saved at `path` (None if there is none), checked whole: a damaged file is reported, not
        half-used. Each step catches only its parser's documented ValueError; the shape is checked, not
        left to a TypeError that could as well be a fault of ours."""
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text())
        except ValueError as e:  # not UTF-8, or not JSON
            raise StateError(f"{path} is not a monitor state file ({type(e).__name__})") from None
        if not _is_state(data):
            raise StateError(f"{path} is not a monitor state file (its fields)")
        state = cls(**data)
        try:
            state.edge_nodes()
            base64.b64decode(state.root, validate=True)
        except ValueError as e:  # binascii.Error, or an edge key that is not "level:index"
            raise StateError(f"{path} is not a monitor state file ({type(e).__name__})") from None
        try:
            state.witness_verifiers()
        except MalformedError as e:
            raise StateError(f"{path} is not a monitor state file (a witness key: {e})") from None
        if not 0 <= state.quorum <= len(state.witnesses) or (state.witnesses and not state.quorum):
            raise StateError(f"{path} is not a monitor state file (its quorum)")
        if state.pinned_twice():
            raise StateError(f"{path} is not a monitor state file (a witness pinned twice)")
        return state

    def edge_nodes(self) -> dict[tuple[int, int], bytes]:
        return {_node_key(k): base64.b64decode(v, validate=True) for k, v in self.edge.items()}

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.__dict__, indent=1))
        tmp.replace(path)


def _get(url: str) -> bytes:
    if not url.startswith(("http://", "https://")):
        raise FetchError("the log URL must be http(s)")
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:  # noqa: S310 (scheme checked)
            return bytes(response.read())
    except (urllib.error.URLError, OSError) as e:
        raise FetchError(f"cannot fetch {url}: {getattr(e, 'reason', e)}") from None


def _entries(base: str, start: int, stop: int) -> list[bytes]:
    """Leaves [start, stop) from the log's entry bundles."""
    leaves: list[bytes] = []
    for tile in range(start // TILE_WIDTH, (stop - 1) // TILE_WIDTH + 1 if stop > start else 0):
        width = min(TILE_WIDTH, stop - tile * TILE_WIDTH)
        bundle = _get(f"{base}/log/tile/entries/{tile_path(tile, width)}")
        offset, entries = 0, []
        while offset < len(bundle):
            length = int.from_bytes(bundle[offset : offset + 2], "big")
            entries.append(bundle[offset + 2 : offset + 2 + length])
            offset += 2 + length
        if len(entries) != width:
            raise MonitorError(f"entry bundle {tile} has {len(entries)} entries, expected {width}")
        first = tile * TILE_WIDTH
        leaves += entries[max(0, start - first) :]
    return leaves


@dataclass(frozen=True)
class Round:
    """One monitoring round's findings beyond the new state: the new events, who cosigned the checkpoint."""

    events: list[dict[str, Any]]
    witnessed_by: list[dict[str, Any]]  # [{"witness", "timestamp"}] of the pinned witnesses that cosigned it
    compared: dict[str, Any] | None = None  # the cosigned checkpoint compared with the mirror, and how


def monitor(base_url: str, state: MonitorState, issuer: str | None = None,
            compare: str | None = None) -> tuple[MonitorState, Round]:
    """One monitoring round; returns the new state and the new events of `issuer` (or all). With
    witnesses pinned, SplitView when the checkpoint lacks their quorum or `compare` (a cosigned
    checkpoint note) is not part of the mirrored tree."""
    base = base_url.rstrip("/")
    verifier = Verifier.from_key_string(state.log_key)
    served = _get(f"{base}/log/checkpoint")
    try:
        checkpoint = verify_checkpoint(served, verifier)
    except VerificationError as e:
        raise MonitorError(f"the checkpoint does not verify with the pinned key: {e}") from None
    witnessed_by = _witnessed(served, state, f"the log's checkpoint of {checkpoint.size} entries")
    if checkpoint.size < state.size:
        raise MonitorError(f"the log shrank from {state.size} to {checkpoint.size} leaves")
    leaves = _entries(base, state.size, checkpoint.size)
    edge = state.edge_nodes()
    for offset, leaf in enumerate(leaves):
        compact_range.extend_edge(edge, state.size + offset, hash_leaf(leaf))
    if compact_range.root_from_nodes(checkpoint.size, edge) != checkpoint.root_hash:
        raise MonitorError("the checkpoint's root is not the root of the log's own entries: a fork or tampering")
    old_root = base64.b64decode(state.root)
    if 0 < state.size < checkpoint.size:
        proof = _consistency_proof(_get(f"{base}/log/proof/consistency?from={state.size}&to={checkpoint.size}"))
        try:
            verify_consistency(state.size, checkpoint.size, proof, old_root, checkpoint.root_hash)
        except VerificationError as e:
            raise MonitorError(f"the log's consistency proof fails: {e}") from None
    new_events = []
    for offset, leaf in enumerate(leaves):
        record = _leaf_record(leaf, state.size + offset)
        if issuer is None or any(signer.get("did") == issuer for signer in record["signers"]):
            new_events.append({"index": state.size + offset} | record)
    compared = _compare(base, compare, verifier, state, checkpoint) if compare is not None else None
    new_state = MonitorState(
        log_key=state.log_key,
        size=checkpoint.size,
        root=base64.b64encode(checkpoint.root_hash).decode(),
        edge={f"{l}:{i}": base64.b64encode(v).decode() for (l, i), v in edge.items()},
        witnesses=list(state.witnesses),
        quorum=state.quorum,
    )
    return new_state, Round(new_events, witnessed_by, compared)


def _witnessed(note: bytes | str, state: MonitorState, what: str) -> list[dict[str, Any]]:
    """The pinned witnesses that cosigned `note`; SplitView when fewer than the quorum did."""
    if not state.witnesses:
        return []
    found = cosignatures(note, state.witness_verifiers())
    if len(found) < state.quorum:
        names = ", ".join(c.witness for c in found) or "none"
        raise SplitView(f"{what} is below the witness quorum: cosigned by {len(found)} of the {state.quorum} "
                        f"required ({names}). The witnesses have not seen this tree: a split view shown to this "
                        "monitor, or witnesses that are down")
    return [{"witness": c.witness, "timestamp": c.timestamp} for c in found]


def _compare(base: str, note: str, verifier: Verifier, state: MonitorState, mirrored: Checkpoint) -> dict[str, Any]:
    """Check that a cosigned checkpoint from elsewhere is part of the tree this monitor mirrors."""
    try:
        other = verify_checkpoint(note, verifier)
    except VerificationError as e:
        raise MonitorError(f"the checkpoint to compare does not verify with the pinned log key: {e}") from None
    # Not required to have the quorum: a checkpoint the log key signed that contradicts the mirror proves a
    # split view whoever cosigned it; who did is reported.
    witnessed_by: list[dict[str, Any]] = [{"witness": c.witness, "timestamp": c.timestamp}
                                          for c in cosignatures(note, state.witness_verifiers())]
    found = {"size": other.size, "root": base64.b64encode(other.root_hash).decode(), "witnessed_by": witnessed_by}
    split = (f"SPLIT VIEW: a checkpoint of {other.size} entries (root {found['root']}) signed with the log's key "
             f"{'and cosigned by ' + ', '.join(w['witness'] for w in witnessed_by) + ' ' if witnessed_by else ''}"
             f"is not part of the tree of {mirrored.size} entries this monitor mirrors "
             f"(root {base64.b64encode(mirrored.root_hash).decode()})")
    if other.size > mirrored.size:
        # Newer than what the log serves (with a quorum configured it serves the newest checkpoint that has
        # it, so a bundle exported while a witness was down is ahead): fine if the log proves it extends ours.
        try:
            proof = _consistency_proof(_get(f"{base}/log/proof/consistency?from={mirrored.size}&to={other.size}"))
            verify_consistency(mirrored.size, other.size, proof, mirrored.root_hash, other.root_hash)
        except (FetchError, MonitorError, VerificationError) as e:
            raise SplitView(f"{split}: the log serves a smaller tree and does not prove the larger one extends "
                            f"it ({e}): it hides entries, or shows someone another history") from None
        return found | {"how": f"ahead of the served checkpoint, proven to extend it (consistency proof from "
                               f"{mirrored.size})"}
    if other.size == mirrored.size:
        if other.root_hash != mirrored.root_hash:
            raise SplitView(split)
        return found | {"how": "the same tree"}
    if other.size == 0:
        return found | {"how": "the empty tree"}  # a prefix of every tree
    proof = _consistency_proof(_get(f"{base}/log/proof/consistency?from={other.size}&to={mirrored.size}"))
    try:
        verify_consistency(other.size, mirrored.size, proof, other.root_hash, mirrored.root_hash)
    except VerificationError as e:
        raise SplitView(f"{split}: the log's consistency proof from it fails ({e})") from None
    return found | {"how": f"extended by the mirrored tree (consistency proof from {other.size})"}


def _consistency_proof(answer: bytes) -> list[bytes]:
    """The proof of a /log/proof/consistency answer, read whole: anything else is the log's fault (exit 1)."""
    try:
        data = json.loads(answer)
        hashes = data.get("proof") if isinstance(data, dict) else None
        if not (isinstance(hashes, list) and all(isinstance(h, str) for h in hashes)):
            raise ValueError("no list of base64 hashes under 'proof'")
        return [base64.b64decode(h, validate=True) for h in hashes]
    except ValueError as e:  # not UTF-8 or JSON, not the shape, or not base64 (binascii.Error)
        raise MonitorError(f"the log's consistency proof is unreadable: {e}") from None


def _leaf_record(leaf: bytes, index: int) -> dict[str, Any]:
    """A leaf as the log's record: a JSON object whose signers are a list of objects."""
    try:
        record = json.loads(leaf)
    except ValueError:
        raise MonitorError(f"leaf {index} is not a JSON record") from None
    signers = record.get("signers") if isinstance(record, dict) else None
    if not (isinstance(signers, list) and all(isinstance(s, dict) for s in signers)):
        raise MonitorError(f"leaf {index} is not a log record (no list of signers)")
    return record


def _is_state(data: object) -> bool:
    """The saved fields with their types (all but log_key may be absent: the defaults)."""
    if not (isinstance(data, dict) and isinstance(data.get("log_key"), str)
            and set(data) <= {"log_key", "size", "root", "edge", "witnesses", "quorum"}):
        return False
    size, root, edge = data.get("size", 0), data.get("root", ""), data.get("edge", {})
    witnesses, quorum = data.get("witnesses", []), data.get("quorum", 0)
    return (type(size) is int and size >= 0 and isinstance(root, str) and isinstance(edge, dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in edge.items())
            and isinstance(witnesses, list) and all(isinstance(w, str) for w in witnesses) and type(quorum) is int)


def _node_key(text: str) -> tuple[int, int]:
    level, index = text.split(":")
    return int(level), int(index)

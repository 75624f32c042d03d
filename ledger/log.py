"""The verification ledger: an RFC 9162 Merkle log over every stored event.

Sequencing and integration are separate, as in Certificate Transparency logs:

- The ledger SEQUENCES: each stored event gets the next dense journal
  position, in the same transaction as the event (ledger.store). Position i
  is leaf i; its data is the event's public leaf record (no PII).
- The log INTEGRATES: `integrate()` reads journal rows past the tree size,
  hashes them into the perfect-subtree table (verifiers.compact_range) and stores
  the new nodes together with a newly signed C2SP checkpoint, in one
  transaction. A crash at any point leaves either the old tree or the new
  one, never a mixture; the journal is the source, so nothing is skipped or
  duplicated, and the next integration picks up where the last committed.

Two integrators racing (several workers) cannot fork the log: node rows have
a primary key, so the loser's transaction fails and it signs nothing that is
kept. Before signing, the new head is checked to be consistent with the
latest kept checkpoint, so the log never signs two inconsistent checkpoints.
Every signed checkpoint is kept.

Memory does not grow with the log: integration holds the O(log n) right edge
and one batch; a proof reads O(log n) stored hashes in one query.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from keys.signer import Signer
from ledger import treemath
from ledger.anchor import LogAnchor
from ledger.errors import InputError, IntegrityError, NotFoundError
from ledger.store import LedgerRecorderMixin
from verifiers import compact_range
from verifiers.checkpoint import Checkpoint
from verifiers.errors import ProofError
from verifiers.merkle import hash_leaf, verify_consistency
from verifiers.note import Verifier, note_with_signatures, signature_line, signed_message
from verifiers.timestamps import format_timestamp

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
INTEGRATE_BATCH = 10_000


class MerkleLog:
    def __init__(
        self,
        store: LedgerRecorderMixin,
        signer: Signer,
        origin: str,
        clock: Callable[[], datetime],
        anchor: LogAnchor,
    ):
        self.store = store
        self.signer = signer
        self.origin = origin
        self.clock = clock
        self.anchor = anchor
        self.verifier = Verifier.from_public_key(origin, signer.public_key)

    @property
    def verifier_key(self) -> str:
        """The C2SP verifier key string: the one thing a verifier pins."""
        return self.verifier.to_key_string()

    def size(self) -> int:
        return self.store.log_size()

    # Integration -----------------------------------------------------------

    def integrate(self, limit: int = INTEGRATE_BATCH) -> int:
        """Add journal entries past the tree to the log and sign a checkpoint; returns the new size."""
        size = self.store.log_size()
        leaves = self.store.select_journal_leaves(size, size + limit)
        if not leaves:
            latest = self.store.latest_checkpoint()
            if latest is None or latest[0] < size:
                self._sign_and_store(size, [], {})  # the empty tree, or a crash after nodes
            return size
        frontier = self.store.select_nodes(compact_range.root_path(size))
        created = compact_range.append_leaves(size, (hash_leaf(leaf) for leaf in leaves), lambda l, i: frontier[(l, i)])
        new_size = size + len(leaves)
        known = frontier | dict(created)
        if not self._sign_and_store(new_size, created, known):
            return self.store.log_size()
        return new_size

    def _sign_and_store(
        self, size: int, created: list[tuple[tuple[int, int], bytes]], known: dict[tuple[int, int], bytes]
    ) -> bool:
        nodes = known or self.store.select_nodes(compact_range.root_path(size))
        root = compact_range.root_from_nodes(size, nodes)
        latest = self.store.latest_checkpoint()
        if latest is not None and latest[0] > size:
            return False  # another integrator got further meanwhile: it won the race
        self._check_consistent_with_latest(size, root, nodes, latest)
        self._check_extends_anchor(size, root, nodes)
        note = self.sign_checkpoint(Checkpoint(self.origin, size, root))
        signed_at = format_timestamp(self.clock())
        if not self.store.insert_log(created, (size, root, note, signed_at)):
            return False
        self.anchor.advance(size, root, signed_at)
        return True

    def _check_extends_anchor(self, size: int, root: bytes, nodes: dict[tuple[int, int], bytes]) -> None:
        """The log key never signs a head that does not extend the newest one it signed, whatever the
        database says: a rolled-back or replaced store stops here."""
        anchor = self.anchor.read()
        if anchor is None or anchor.size == 0:
            return
        problem = (f"the log key signed a checkpoint of {anchor.size} entries at {anchor.signed_at} that this "
                   f"store's log of {size} does not extend: the database was rolled back or replaced; "
                   "restore it from backup")
        if anchor.size > size or (anchor.size == size and anchor.root != root):
            raise IntegrityError(problem)
        try:
            self._check_consistent_with_latest(size, root, nodes, (anchor.size, anchor.root, ""))
        except ProofError:
            raise IntegrityError(problem) from None

    def _check_consistent_with_latest(
        self, size: int, root: bytes, nodes: dict[tuple[int, int], bytes], latest: tuple[int, bytes, str] | None
    ) -> None:
        if latest is None:
            return
        old_size, old_root, _ = latest
        if old_size == 0:
            return  # the empty tree is a prefix of every tree
        refs = treemath.consistency_path(old_size, size)
        needed = treemath.nodes_needed(refs) - nodes.keys()
        proof = treemath.resolve(refs, nodes | self.store.select_nodes(needed))
        # Raises ProofError: a log that would sign a head inconsistent with
        # one it signed before stops here.
        verify_consistency(old_size, size, proof, old_root, root)

    def sign_checkpoint(self, checkpoint: Checkpoint) -> str:
        text = checkpoint.to_text()
        signature = self.signer.sign_bytes(signed_message(text))
        return note_with_signatures(text, [signature_line(self.origin, self.verifier.key_id, signature)])

    # Reading ---------------------------------------------------------------

    def latest(self) -> tuple[int, bytes, str]:
        """(size, root, signed note) of the latest checkpoint, with the cosignatures its witnesses gave
        so far (ledger.witnessing); NotFoundError before the first."""
        latest = self.store.latest_checkpoint()
        if latest is None:
            raise NotFoundError("the log has no checkpoint yet")
        size, root, note = latest
        return size, root, note + "".join(self.store.cosignature_lines(size).values())

    def checkpoint(self) -> str:
        return self.latest()[2]

    def root(self, size: int) -> bytes:
        self._check_size(size)
        return compact_range.root_from_nodes(size, self.store.select_nodes(compact_range.root_path(size)))

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        self._check_size(size)
        if not 0 <= index < size:
            raise InputError.for_field("index", f"must be in [0, {size})")
        return self._resolve(treemath.inclusion_path(index, size))

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        self._check_size(size2)
        if not 0 <= size1 <= size2:
            raise InputError.for_field("size1", f"must be in [0, {size2}]")
        return self._resolve(treemath.consistency_path(size1, size2))

    def leaf_index(self, leaf_hash: bytes) -> int:
        index = self.store.leaf_position(leaf_hash)
        if index is None:
            raise NotFoundError("no leaf with that hash in the log")
        return index

    def _resolve(self, refs: list[treemath.NodeRef]) -> list[bytes]:
        return treemath.resolve(refs, self.store.select_nodes(treemath.nodes_needed(refs)))

    def _check_size(self, size: int) -> None:
        available = self._published_size()
        if not 0 <= size <= available:
            raise InputError.for_field("size", f"must be in [0, {available}], the latest checkpoint's size")

    # C2SP tlog-tiles -------------------------------------------------------

    def tile(self, level: int, index: int, width: int | None) -> bytes:
        """Hashes of tree level 8*level, nodes [256*index, 256*index + width)."""
        size = self._published_size()
        available = (size >> (TILE_HEIGHT * level)) - index * TILE_WIDTH
        hashes = self.store.select_level(TILE_HEIGHT * level, index * TILE_WIDTH,
                                         index * TILE_WIDTH + _tile_width(width, available))
        return b"".join(hashes)

    def entries(self, index: int, width: int | None) -> bytes:
        """Entry bundle: each leaf as a big-endian uint16 length and its bytes."""
        size = self._published_size()
        start = index * TILE_WIDTH
        leaves = self.store.select_journal_leaves(start, start + _tile_width(width, size - start))
        return b"".join(len(leaf).to_bytes(2, "big") + leaf for leaf in leaves)

    def _published_size(self) -> int:
        latest = self.store.latest_checkpoint()
        return latest[0] if latest else 0


def _tile_width(width: int | None, available: int) -> int:
    """A full tile (width None) needs 256 nodes; a partial one exactly `width` < 256."""
    wanted = TILE_WIDTH if width is None else width
    if not 1 <= wanted <= TILE_WIDTH or (width is not None and width == TILE_WIDTH):
        raise InputError.for_field("width", "a partial tile has 1 to 255 entries")
    if wanted > available:
        raise NotFoundError("that tile is not in the log yet")
    return wanted

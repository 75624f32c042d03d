"""Proofs of the ledger's Merkle log as references to its stored perfect-subtree nodes.

The log is stored as one row per perfect subtree (``verifiers.compact_range``
says how the tree decomposes into them): written once, when its last leaf is
appended, never changed, about ``2n`` rows for ``n`` leaves, and nothing kept in
memory between appends. Nodes on the right edge of a tree whose size is not a
power of two are not perfect and never stored: their hash would change on the
next append. Such an *ephemeral* node over the leaves ``[start, end)`` is
recomputed on demand from the perfect nodes that decompose the range.

An inclusion or consistency proof is a list of at most ``ceil(log2 n)`` (+1)
:class:`NodeRef` ranges. Only the ranges along the right edge can be
ephemeral, and their decompositions are disjoint, so a whole proof needs
O(log n) stored hashes: :func:`nodes_needed` lists them, the caller fetches
them in one query (``WHERE (level, index) IN ...``), and :func:`resolve`
turns the rows into proof hashes.

Pure: no I/O, no state; the arithmetic that needs no storage (ranges, the
right edge, appending) is ``verifiers.compact_range``, which a monitor uses alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from verifiers.compact_range import NodeID, node_range, range_hash, range_nodes

__all__ = [
    "NodeRef",
    "consistency_path",
    "inclusion_path",
    "nodes_needed",
    "resolve",
]


@dataclass(frozen=True)
class NodeRef:
    """One element of a proof: the hash of the leaves ``[start, end)``.

    If the range is a perfect subtree, it is a single stored node
    (:attr:`node`); otherwise it is ephemeral and its hash is the fold of
    :func:`range_nodes` ``(start, end)``.
    """

    start: int
    end: int

    def __post_init__(self) -> None:
        # Validates the range and its alignment; raises ValueError.
        range_nodes(self.start, self.end)

    @classmethod
    def perfect(cls, level: int, index: int) -> NodeRef:
        """Reference the stored node ``(level, index)``."""
        return cls(*node_range(level, index))

    @property
    def is_ephemeral(self) -> bool:
        """True when the range is not a perfect subtree (not stored)."""
        size = self.end - self.start
        return size & (size - 1) != 0

    @property
    def node(self) -> NodeID:
        """The stored node for a perfect range; ValueError if ephemeral."""
        if self.is_ephemeral:
            raise ValueError(f"[{self.start}, {self.end}) is not a perfect subtree")
        level = (self.end - self.start).bit_length() - 1
        return level, self.start >> level


def _largest_power_of_two_below(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (``n > 1``)."""
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_path(index: int, size: int) -> list[NodeRef]:
    """The audit path PATH(index, D[0:size]) of RFC 9162 §2.1.3.1.

    Returned leaf to root, the order the verifier consumes it.
    """
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is not below tree size {size}")
    top_down: list[NodeRef] = []
    start, end = 0, size
    # PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n])       if m < k
    #               = PATH(m - k, D[k:n]) : MTH(D[0:k])   if m >= k
    while end - start > 1:
        middle = start + _largest_power_of_two_below(end - start)
        if index < middle:
            top_down.append(NodeRef(middle, end))
            end = middle
        else:
            top_down.append(NodeRef(start, middle))
            start = middle
    top_down.reverse()
    return top_down


def consistency_path(size1: int, size2: int) -> list[NodeRef]:
    """The consistency proof PROOF(size1, D[0:size2]) of RFC 9162 §2.1.4.1.

    Empty when ``size1 == 0`` or ``size1 == size2``.
    """
    if not 0 <= size1 <= size2:
        raise ValueError(f"invalid tree sizes {size1} -> {size2}")
    if size1 == 0 or size1 == size2:
        return []
    top_down: list[NodeRef] = []
    start, end, m, complete = 0, size2, size1, True
    # SUBPROOF(m, D[n], b) = [] if m == n and b; [MTH(D[n])] if m == n and not b
    #   = SUBPROOF(m, D[0:k], b) : MTH(D[k:n])           if m <= k
    #   = SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])   if m > k
    while m != end - start:
        k = _largest_power_of_two_below(end - start)
        if m <= k:
            top_down.append(NodeRef(start + k, end))
            end = start + k
        else:
            top_down.append(NodeRef(start, start + k))
            start, m, complete = start + k, m - k, False
    if not complete:
        top_down.append(NodeRef(start, end))
    top_down.reverse()
    return top_down


def nodes_needed(refs: Iterable[NodeRef]) -> set[NodeID]:
    """Every stored node needed to :func:`resolve` ``refs``."""
    needed: set[NodeID] = set()
    for ref in refs:
        needed.update(range_nodes(ref.start, ref.end))
    return needed


def resolve(refs: Iterable[NodeRef], nodes: Mapping[NodeID, bytes]) -> list[bytes]:
    """Turn proof references into hashes, given the stored nodes they need."""
    return [range_hash(ref.start, ref.end, nodes) for ref in refs]

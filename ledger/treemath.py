"""Index arithmetic for a Merkle log kept as stored perfect-subtree hashes.

Storage model
=============

The log is the RFC 9162 tree over leaves 0, 1, 2, ... . It is stored as one
row per *perfect* (complete) subtree, keyed by ``(level, index)``:

* level 0 holds the leaf hashes: node ``(0, i)`` is leaf ``i``;
* node ``(level, i)`` is the root of the perfect subtree over the leaves
  ``[i * 2**level, (i + 1) * 2**level)``, and equals
  ``hash_children((level-1, 2i), (level-1, 2i+1))``.

A perfect node is written once, when its last leaf is appended, and never
changes: the log is append-only. Appending leaf ``i`` writes the leaf and one
parent for every trailing 1-bit of ``i`` (:func:`new_perfect_nodes`), which is
two rows per leaf on average, and reads only the left siblings it hashes with.
Nothing is kept in memory between appends, so memory does not grow with the
log; the table grows by about ``2n`` rows for ``n`` leaves. These rows are
exactly the content of C2SP tlog-tiles, so tiles can be served from them.

Nodes on the right edge of a tree whose size is not a power of two are not
perfect: their hash depends on the current size and would change on the next
append, so they are never stored. Such an *ephemeral* node over the leaves
``[start, end)`` is recomputed on demand from the perfect nodes that
decompose the range (:func:`range_nodes`), hashed right to left exactly as
RFC 9162's MTH splits a list (the left part is the largest power of two).
The tree head of size ``n`` is the ephemeral node ``[0, n)``: the fold of
``popcount(n)`` stored nodes.

An inclusion or consistency proof is a list of at most ``ceil(log2 n)`` (+1)
:class:`NodeRef` ranges. Only the ranges along the right edge can be
ephemeral, and their decompositions are disjoint, so a whole proof needs
O(log n) stored hashes: :func:`nodes_needed` lists them, the caller fetches
them in one query (``WHERE (level, index) IN ...``), and :func:`resolve`
turns the rows into proof hashes.

This module is pure: it does no I/O and holds no state. The only hashing is
``verifiers.merkle.hash_children``, so there is one definition of a node
hash in the code base.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from verifiers.merkle import EMPTY_ROOT, hash_children

__all__ = [
    "NodeID",
    "NodeRef",
    "append_leaves",
    "consistency_path",
    "extend_edge",
    "inclusion_path",
    "new_perfect_nodes",
    "node_range",
    "nodes_needed",
    "range_nodes",
    "resolve",
    "root_from_nodes",
    "root_path",
]

#: A stored perfect node: ``(level, index)``.
NodeID = tuple[int, int]


def node_range(level: int, index: int) -> tuple[int, int]:
    """Return the leaf range ``[start, end)`` covered by node ``(level, index)``."""
    if level < 0 or index < 0:
        raise ValueError(f"invalid node ({level}, {index})")
    return index << level, (index + 1) << level


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


def range_nodes(start: int, end: int) -> list[NodeID]:
    """Decompose ``[start, end)`` into perfect nodes, largest (leftmost) first.

    The range must be a subtree of some RFC 9162 tree: non-empty, and
    ``start`` a multiple of the largest power of two not above its size
    (true of every range :func:`inclusion_path`, :func:`consistency_path` and
    :func:`root_path` produce). Then MTH of the range is the right-to-left
    fold of these nodes, one per 1-bit of ``end - start``.
    """
    size = end - start
    if start < 0 or size <= 0:
        raise ValueError(f"invalid leaf range [{start}, {end})")
    if start % (1 << (size.bit_length() - 1)):
        raise ValueError(f"leaf range [{start}, {end}) is not aligned as a subtree")
    nodes: list[NodeID] = []
    position = start
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            nodes.append((level, position >> level))
            position += 1 << level
    return nodes


def _fold(hashes: Sequence[bytes]) -> bytes:
    """Hash a range's perfect nodes right to left, as MTH splits it."""
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = hash_children(left, result)
    return result


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


def root_path(size: int) -> list[NodeID]:
    """The stored nodes whose fold is the tree head of ``size`` (none if 0)."""
    if size < 0:
        raise ValueError(f"invalid tree size {size}")
    return range_nodes(0, size) if size else []


def nodes_needed(refs: Iterable[NodeRef]) -> set[NodeID]:
    """Every stored node needed to :func:`resolve` ``refs``."""
    needed: set[NodeID] = set()
    for ref in refs:
        needed.update(range_nodes(ref.start, ref.end))
    return needed


def _lookup(nodes: Mapping[NodeID, bytes], node: NodeID) -> bytes:
    try:
        return nodes[node]
    except KeyError:
        raise LookupError(f"stored node {node} is missing") from None


def resolve(refs: Iterable[NodeRef], nodes: Mapping[NodeID, bytes]) -> list[bytes]:
    """Turn proof references into hashes, given the stored nodes they need."""
    return [
        _fold([_lookup(nodes, n) for n in range_nodes(ref.start, ref.end)])
        for ref in refs
    ]


def root_from_nodes(size: int, nodes: Mapping[NodeID, bytes]) -> bytes:
    """The tree head of ``size`` from the stored nodes of :func:`root_path`."""
    path = root_path(size)
    if not path:
        return EMPTY_ROOT
    return _fold([_lookup(nodes, n) for n in path])


def new_perfect_nodes(
    size_before: int, leaf_hash: bytes, get: Callable[[int, int], bytes]
) -> list[tuple[NodeID, bytes]]:
    """The perfect nodes completed by appending leaf number ``size_before``.

    Returns the leaf itself at level 0, then each parent it completes, lowest
    first. ``get(level, index)`` reads an already stored node; it is called
    once per trailing 1-bit of ``size_before`` (for the left siblings).
    """
    if size_before < 0:
        raise ValueError(f"invalid tree size {size_before}")
    level, index, current = 0, size_before, leaf_hash
    created: list[tuple[NodeID, bytes]] = [((0, index), current)]
    while index & 1:
        current = hash_children(get(level, index - 1), current)
        level, index = level + 1, index >> 1
        created.append(((level, index), current))
    return created


def extend_edge(edge: dict[NodeID, bytes], size_before: int, leaf_hash: bytes) -> list[tuple[NodeID, bytes]]:
    """Append leaf ``size_before`` to a tree kept as its right edge only; returns the new nodes.

    ``edge`` holds exactly the perfect nodes of :func:`root_path` (O(log n)
    hashes: what a streaming audit or a mirroring monitor keeps) and is
    updated in place: completed parents replace their children.
    """
    created = new_perfect_nodes(size_before, leaf_hash, lambda level, index: edge[(level, index)])
    for (level, index), value in created:
        edge[(level, index)] = value
        if level > 0:  # its children are no longer on the right edge
            edge.pop((level - 1, 2 * index), None)
            edge.pop((level - 1, 2 * index + 1), None)
    return created


def append_leaves(
    size_before: int, leaf_hashes: Iterable[bytes], get: Callable[[int, int], bytes]
) -> list[tuple[NodeID, bytes]]:
    """:func:`new_perfect_nodes` for a batch of leaves appended in order.

    Nodes created earlier in the batch are read from the batch itself, so
    ``get`` is asked only for nodes stored before the batch.
    """
    batch: dict[NodeID, bytes] = {}

    def read(level: int, index: int) -> bytes:
        found = batch.get((level, index))
        return found if found is not None else get(level, index)

    created: list[tuple[NodeID, bytes]] = []
    for offset, leaf_hash in enumerate(leaf_hashes):
        for node, value in new_perfect_nodes(size_before + offset, leaf_hash, read):
            batch[node] = value
            created.append((node, value))
    return created

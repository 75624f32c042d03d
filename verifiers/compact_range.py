"""A Merkle tree kept as its perfect subtrees: ranges, the right edge, appending leaves.

The RFC 9162 tree over leaves 0, 1, 2, ... is held as *perfect* (complete)
subtree hashes, keyed by ``(level, index)``:

* level 0 holds the leaf hashes: node ``(0, i)`` is leaf ``i``;
* node ``(level, i)`` is the root of the perfect subtree over the leaves
  ``[i * 2**level, (i + 1) * 2**level)``, and equals
  ``hash_children((level-1, 2i), (level-1, 2i+1))``.

A perfect node is complete once its last leaf is appended and never changes:
the log is append-only. Appending leaf ``i`` completes the leaf and one parent
for every trailing 1-bit of ``i`` (:func:`new_perfect_nodes`), two nodes per
leaf on average, reading only the left siblings it hashes with. These nodes
are exactly the content of C2SP tlog-tiles.

A range ``[start, end)`` that is not perfect (the right edge of a tree whose
size is not a power of two) is the fold of the perfect nodes that decompose it
(:func:`range_nodes`), hashed right to left exactly as RFC 9162's MTH splits a
list (:func:`range_hash`). The tree head of size ``n`` is the range ``[0, n)``:
the fold of ``popcount(n)`` nodes, its *right edge* or compact range
(:func:`root_path`). Keeping only that edge, a log's mirror recomputes every
tree head in O(log n) memory (:func:`extend_edge`): what the ledger's audit,
a monitor or a witness does with the leaves it reads.

The ledger stores every perfect node and builds proofs from them
(``ledger.treemath``); this module is what needs no storage. Pure: no I/O, no
state. The only hashing is ``verifiers.merkle.hash_children``, so there is one
definition of a node hash in the code base.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from verifiers.merkle import EMPTY_ROOT, hash_children

__all__ = [
    "NodeID",
    "append_leaves",
    "extend_edge",
    "new_perfect_nodes",
    "node_range",
    "range_hash",
    "range_nodes",
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


def range_nodes(start: int, end: int) -> list[NodeID]:
    """Decompose ``[start, end)`` into perfect nodes, largest (leftmost) first.

    The range must be a subtree of some RFC 9162 tree: non-empty, and
    ``start`` a multiple of the largest power of two not above its size
    (true of every range :func:`root_path` and ``ledger.treemath``'s proof paths
    produce). Then MTH of the range is the right-to-left
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


def range_hash(start: int, end: int, nodes: Mapping[NodeID, bytes]) -> bytes:
    """MTH of the leaves ``[start, end)``: the fold, right to left as MTH splits a list,
    of the stored nodes of :func:`range_nodes` (``LookupError`` names one missing)."""
    hashes = [_lookup(nodes, n) for n in range_nodes(start, end)]
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = hash_children(left, result)
    return result


def root_path(size: int) -> list[NodeID]:
    """The stored nodes whose fold is the tree head of ``size`` (none if 0)."""
    if size < 0:
        raise ValueError(f"invalid tree size {size}")
    return range_nodes(0, size) if size else []


def _lookup(nodes: Mapping[NodeID, bytes], node: NodeID) -> bytes:
    try:
        return nodes[node]
    except KeyError:
        raise LookupError(f"stored node {node} is missing") from None


def root_from_nodes(size: int, nodes: Mapping[NodeID, bytes]) -> bytes:
    """The tree head of ``size`` from the stored nodes of :func:`root_path`."""
    if size < 0:
        raise ValueError(f"invalid tree size {size}")
    return range_hash(0, size, nodes) if size else EMPTY_ROOT


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

"""verifiers.compact_range against a slow reference written from RFC 9162 §2.1.1.

The reference ``naive_root`` (tests/support.py) follows the recursive definition literally and is used
only to cross-check the perfect-node arithmetic: the nodes a log of ``MAX_SIZE``
leaves stores, every tree head from them, and a right edge kept alone (what a
monitor keeps). ``DATA``, ``STORE`` and ``ROOTS`` also serve ledger.treemath's tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support import naive_root
from verifiers.compact_range import (
    NodeID,
    append_leaves,
    extend_edge,
    new_perfect_nodes,
    node_range,
    range_hash,
    range_nodes,
    root_from_nodes,
    root_path,
)
from verifiers.merkle import EMPTY_ROOT, hash_leaf

MAX_SIZE = 300

# --- a log of MAX_SIZE leaves, stored as perfect nodes only ------------------

DATA = [f"event {i}".encode() for i in range(MAX_SIZE)]


def _build_store() -> dict[NodeID, bytes]:
    store: dict[NodeID, bytes] = {}
    for i, data in enumerate(DATA):
        for node, value in new_perfect_nodes(i, hash_leaf(data), lambda lv, ix: store[(lv, ix)]):
            assert node not in store  # written once, never rewritten
            store[node] = value
    return store


STORE = _build_store()
ROOTS = [naive_root(DATA[:n]) for n in range(MAX_SIZE + 1)]


def fast_root(size: int) -> bytes:
    return root_from_nodes(size, {n: STORE[n] for n in root_path(size)})


def test_store_holds_exactly_the_perfect_nodes() -> None:
    expected = {
        (level, index)
        for level in range(MAX_SIZE.bit_length())
        for index in range(MAX_SIZE >> level)
    }
    assert set(STORE) == expected
    assert len(STORE) < 2 * MAX_SIZE
    for (level, index), value in STORE.items():
        start, end = node_range(level, index)
        assert value == naive_root(DATA[start:end])


def test_new_perfect_nodes_reads_one_left_sibling_per_completed_parent() -> None:
    for size_before in range(MAX_SIZE):
        reads: list[NodeID] = []

        def get(level: int, index: int) -> bytes:
            reads.append((level, index))
            return STORE[(level, index)]

        created = new_perfect_nodes(size_before, hash_leaf(DATA[size_before]), get)
        trailing_ones = (size_before ^ (size_before + 1)).bit_length() - 1
        assert len(reads) == trailing_ones
        assert len(created) == trailing_ones + 1
        assert created[0] == ((0, size_before), hash_leaf(DATA[size_before]))
        assert all(STORE[node] == value for node, value in created)


def test_append_leaves_in_batches_matches_one_at_a_time() -> None:
    store: dict[NodeID, bytes] = {}
    size = 0
    for batch in (1, 2, 5, 1, 37, 100, 154):
        leaf_hashes = [hash_leaf(d) for d in DATA[size : size + batch]]
        created = append_leaves(size, leaf_hashes, lambda lv, ix: store[(lv, ix)])
        for node, value in created:
            store[node] = value
        size += batch
    assert size == MAX_SIZE
    assert store == STORE


def test_range_nodes_decomposition() -> None:
    assert range_nodes(0, 8) == [(3, 0)]
    assert range_nodes(0, 7) == [(2, 0), (1, 2), (0, 6)]
    assert range_nodes(4, 7) == [(1, 2), (0, 6)]
    assert range_nodes(256, 300) == [(5, 8), (3, 36), (2, 74)]
    for bad in [(0, 0), (3, 2), (-1, 1), (1, 3), (2, 7), (6, 10)]:
        with pytest.raises(ValueError):
            range_nodes(*bad)


def test_published_tree() -> None:
    """The 8-leaf RFC 6962 vectors: every perfect node and every tree head."""
    vectors = Path(__file__).resolve().parents[1] / "vectors" / "rfc6962"
    tree = json.loads((vectors / "tree.json").read_text(encoding="utf-8"))
    leaves = [bytes.fromhex(x) for x in tree["leafInputs"]]
    store: dict[NodeID, bytes] = {}
    for node, value in append_leaves(0, [hash_leaf(x) for x in leaves], lambda lv, ix: store[(lv, ix)]):
        store[node] = value
    for level, hashes in enumerate(tree["nodeHashes"]):
        for index, value in enumerate(hashes):
            assert store[(level, index)].hex() == value
    for size, value in enumerate(tree["rootHashes"]):
        assert root_from_nodes(size, store).hex() == value


def test_range_hash_is_the_mth_of_the_range() -> None:
    for start, end in [(0, 1), (0, 7), (4, 7), (256, 300), (288, 300), (296, 299)]:
        assert range_hash(start, end, STORE) == naive_root(DATA[start:end])
    with pytest.raises(LookupError):
        range_hash(0, 7, {n: STORE[n] for n in range_nodes(0, 7)[1:]})


def test_invalid_sizes() -> None:
    with pytest.raises(ValueError):
        root_path(-1)
    with pytest.raises(ValueError):
        root_from_nodes(-1, {})
    assert root_path(0) == []
    assert root_from_nodes(0, {}) == EMPTY_ROOT


def test_roots_for_every_size() -> None:
    for size in range(MAX_SIZE + 1):
        assert fast_root(size) == ROOTS[size]
        assert len(root_path(size)) == bin(size).count("1")


def test_extend_edge_keeps_exactly_the_right_edge_and_its_root() -> None:
    leaves = [f"leaf {i}".encode() for i in range(MAX_SIZE)]
    edge: dict[NodeID, bytes] = {}
    for size, leaf in enumerate(leaves):
        extend_edge(edge, size, hash_leaf(leaf))
        assert set(edge) == set(root_path(size + 1))
        assert root_from_nodes(size + 1, edge) == naive_root(leaves[: size + 1])

"""ledger.treemath (proofs from stored nodes) against a slow reference written from RFC 9162 §2.1.

The reference (``ref_path``, ``ref_proof``, over ``naive_root`` of
tests/support.py) follows the recursive definitions
literally and is used only to cross-check the fast, stored-node based results.
Every proof treemath produces must also pass the independent verifier in
``verifiers.merkle``.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.treemath import NodeRef, consistency_path, inclusion_path, nodes_needed, resolve
from tests.support import naive_root, naive_split
from tests.verifiers.test_compact_range import DATA, MAX_SIZE, ROOTS, STORE
from verifiers.compact_range import append_leaves
from verifiers.errors import ProofError
from verifiers.merkle import hash_leaf, verify_consistency, verify_inclusion

# --- reference implementation: RFC 9162 §2.1.1, §2.1.3.1, §2.1.4.1 -------------


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = naive_split(n)
    if m < k:
        return ref_path(m, d[:k]) + [naive_root(d[k:])]
    return ref_path(m - k, d[k:]) + [naive_root(d[:k])]


def ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [naive_root(d)]
    k = naive_split(n)
    if m <= k:
        return ref_subproof(m, d[:k], b) + [naive_root(d[k:])]
    return ref_subproof(m - k, d[k:], False) + [naive_root(d[:k])]


def ref_proof(m: int, d: list[bytes]) -> list[bytes]:
    return ref_subproof(m, d, True) if 0 < m < len(d) else []


# --- proofs from the log of tests/verifiers/test_compact_range.py ---------------

def fast_inclusion(index: int, size: int) -> list[bytes]:
    refs = inclusion_path(index, size)
    needed = nodes_needed(refs)
    # Only the nodes named by nodes_needed are available: one query's worth.
    return resolve(refs, {n: STORE[n] for n in needed})


def fast_consistency(size1: int, size2: int) -> list[bytes]:
    refs = consistency_path(size1, size2)
    return resolve(refs, {n: STORE[n] for n in nodes_needed(refs)})


def _sample_indices(size: int) -> list[int]:
    rng = random.Random(size)
    return sorted({0, size - 1, size // 2, rng.randrange(size), rng.randrange(size)})


def test_node_refs() -> None:
    ref = NodeRef.perfect(2, 3)
    assert (ref.start, ref.end) == (12, 16)
    assert not ref.is_ephemeral
    assert ref.node == (2, 3)
    eph = NodeRef(4, 7)
    assert eph.is_ephemeral
    with pytest.raises(ValueError):
        _ = eph.node
    with pytest.raises(ValueError):
        NodeRef(1, 3)  # not a subtree of any RFC 9162 tree


def test_published_proofs() -> None:
    """The 8-leaf RFC 6962 proof vectors come out of treemath over stored nodes."""
    vectors = Path(__file__).resolve().parents[1] / "vectors" / "rfc6962"
    tree = json.loads((vectors / "tree.json").read_text(encoding="utf-8"))
    leaves = [bytes.fromhex(x) for x in tree["leafInputs"]]
    nothing_before: dict[tuple[int, int], bytes] = {}  # one batch from the empty log reads nothing stored
    store = dict(append_leaves(0, [hash_leaf(x) for x in leaves], lambda lv, ix: nothing_before[(lv, ix)]))
    for entry in json.loads((vectors / "inclusion.json").read_text(encoding="utf-8")):
        refs = inclusion_path(entry["leafIdx"], entry["treeSize"])
        assert [h.hex() for h in resolve(refs, store)] == entry["proof"]
    for entry in json.loads((vectors / "consistency.json").read_text(encoding="utf-8")):
        refs = consistency_path(entry["size1"], entry["size2"])
        assert [h.hex() for h in resolve(refs, store)] == entry["proof"]


def test_resolve_reports_a_missing_node() -> None:
    refs = inclusion_path(3, 7)
    nodes = {n: STORE[n] for n in nodes_needed(refs)}
    nodes.pop(next(iter(nodes)))
    with pytest.raises(LookupError):
        resolve(refs, nodes)


def test_invalid_arguments() -> None:
    for index, size in [(0, 0), (5, 5), (-1, 3)]:
        with pytest.raises(ValueError):
            inclusion_path(index, size)
    for size1, size2 in [(3, 2), (-1, 2)]:
        with pytest.raises(ValueError):
            consistency_path(size1, size2)
    assert consistency_path(0, 5) == consistency_path(5, 5) == []


# --- every size up to MAX_SIZE (deterministic), against the reference --------


def test_inclusion_for_every_size_matches_reference_and_verifies() -> None:
    for size in range(1, MAX_SIZE + 1):
        for index in _sample_indices(size):
            proof = fast_inclusion(index, size)
            assert proof == ref_path(index, DATA[:size])
            verify_inclusion(index, size, hash_leaf(DATA[index]), proof, ROOTS[size])


def test_every_inclusion_proof_verifies_and_needs_log_n_reads() -> None:
    for size in range(1, MAX_SIZE + 1):
        bound = 2 * size.bit_length()
        for index in range(size):
            refs = inclusion_path(index, size)
            needed = nodes_needed(refs)
            assert len(needed) <= bound
            proof = resolve(refs, {n: STORE[n] for n in needed})
            verify_inclusion(index, size, hash_leaf(DATA[index]), proof, ROOTS[size])


def test_consistency_for_all_small_pairs_matches_reference_and_verifies() -> None:
    for size2 in range(0, 65):
        for size1 in range(0, size2 + 1):
            proof = fast_consistency(size1, size2)
            assert proof == ref_proof(size1, DATA[:size2])
            verify_consistency(size1, size2, proof, ROOTS[size1], ROOTS[size2])


def test_consistency_for_sampled_pairs_up_to_max_size() -> None:
    for size2 in range(65, MAX_SIZE + 1):
        rng = random.Random(size2)
        picks = {1, size2 - 1, size2, size2 // 2, 64, rng.randrange(1, size2), rng.randrange(1, size2)}
        for size1 in sorted(picks):
            refs = consistency_path(size1, size2)
            assert len(nodes_needed(refs)) <= 2 * size2.bit_length() + 2
            proof = resolve(refs, {n: STORE[n] for n in nodes_needed(refs)})
            assert proof == ref_proof(size1, DATA[:size2])
            verify_consistency(size1, size2, proof, ROOTS[size1], ROOTS[size2])


# --- hypothesis: picks and bit flips -------------------------------------------


@st.composite
def sizes_and_index(draw: st.DrawFn) -> tuple[int, int]:
    size = draw(st.integers(1, MAX_SIZE))
    return size, draw(st.integers(0, size - 1))


@st.composite
def size_pairs(draw: st.DrawFn) -> tuple[int, int]:
    size2 = draw(st.integers(1, MAX_SIZE))
    return draw(st.integers(1, size2)), size2


@settings(max_examples=200, deadline=None)
@given(sizes_and_index())
def test_inclusion_matches_reference(pick: tuple[int, int]) -> None:
    index, size = pick[1], pick[0]
    assert fast_inclusion(index, size) == ref_path(index, DATA[:size])


@settings(max_examples=200, deadline=None)
@given(size_pairs())
def test_consistency_matches_reference(pick: tuple[int, int]) -> None:
    size1, size2 = pick
    assert fast_consistency(size1, size2) == ref_proof(size1, DATA[:size2])


@settings(max_examples=300, deadline=None)
@given(sizes_and_index(), st.data())
def test_flipping_any_bit_of_an_inclusion_proof_fails(pick: tuple[int, int], data: st.DataObject) -> None:
    size, index = pick
    proof = fast_inclusion(index, size)
    leaf_hash = hash_leaf(DATA[index])
    # Flip a bit in the proof, the leaf hash or the root.
    target = data.draw(st.integers(-2, len(proof) - 1))
    bit = data.draw(st.integers(0, 255))
    root = ROOTS[size]
    if target == -2:
        root = _flip(root, bit)
    elif target == -1:
        leaf_hash = _flip(leaf_hash, bit)
    else:
        proof[target] = _flip(proof[target], bit)
    with pytest.raises(ProofError):
        verify_inclusion(index, size, leaf_hash, proof, root)


@settings(max_examples=300, deadline=None)
@given(size_pairs(), st.data())
def test_flipping_any_bit_of_a_consistency_proof_fails(pick: tuple[int, int], data: st.DataObject) -> None:
    size1, size2 = pick
    proof = fast_consistency(size1, size2)
    root1, root2 = ROOTS[size1], ROOTS[size2]
    target = data.draw(st.integers(-2, len(proof) - 1))
    bit = data.draw(st.integers(0, 255))
    if target == -2:
        root1 = _flip(root1, bit)
    elif target == -1:
        root2 = _flip(root2, bit)
    else:
        proof[target] = _flip(proof[target], bit)
    with pytest.raises(ProofError):
        verify_consistency(size1, size2, proof, root1, root2)


def _flip(value: bytes, bit: int) -> bytes:
    flipped = bytearray(value)
    flipped[bit // 8] ^= 1 << (bit % 8)
    return bytes(flipped)


def test_flipping_every_bit_of_one_proof_fails() -> None:
    size, index = 300, 137
    proof = fast_inclusion(index, size)
    for i in range(len(proof)):
        for bit in range(256):
            wrong = [*proof[:i], _flip(proof[i], bit), *proof[i + 1 :]]
            with pytest.raises(ProofError):
                verify_inclusion(index, size, hash_leaf(DATA[index]), wrong, ROOTS[size])
    proof = fast_consistency(37, 300)
    for i in range(len(proof)):
        for bit in range(256):
            wrong = [*proof[:i], _flip(proof[i], bit), *proof[i + 1 :]]
            with pytest.raises(ProofError):
                verify_consistency(37, 300, wrong, ROOTS[37], ROOTS[300])

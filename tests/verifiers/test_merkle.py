"""verifiers.merkle against the published RFC 6962 vectors and derived negatives.

Vectors: tests/vectors/rfc6962 (see SOURCE.md there). The negative cases are
derived from each good proof the way transparency-dev/merkle's
proof/verify_test.go does (corruptInclusionProof / corruptConsistencyProof).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import naive_root
from verifiers.errors import ProofError, VerificationError
from verifiers.merkle import (
    EMPTY_ROOT,
    LEAF_PREFIX,
    NODE_PREFIX,
    hash_children,
    hash_leaf,
    root_from_consistency_proof,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "rfc6962"


def _load(name: str) -> Any:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


TREE = _load("tree.json")
LEAVES = [bytes.fromhex(x) for x in TREE["leafInputs"]]
NODES = [[bytes.fromhex(x) for x in level] for level in TREE["nodeHashes"]]
ROOTS = [bytes.fromhex(x) for x in TREE["rootHashes"]]
INCLUSION = _load("inclusion.json")
CONSISTENCY = _load("consistency.json")

SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def _proof(entry: dict[str, Any]) -> list[bytes]:
    return [bytes.fromhex(x) for x in entry["proof"]]


# --- hashing -----------------------------------------------------------------


def test_prefixes_and_empty_root() -> None:
    assert LEAF_PREFIX == b"\x00"
    assert NODE_PREFIX == b"\x01"
    assert EMPTY_ROOT == ROOTS[0] == hashlib.sha256(b"").digest()


def test_leaf_hashes_match_published_level_0() -> None:
    assert [hash_leaf(d) for d in LEAVES] == NODES[0]


def test_interior_hashes_match_published_levels() -> None:
    for level in range(1, len(NODES)):
        below = NODES[level - 1]
        assert NODES[level] == [
            hash_children(below[2 * i], below[2 * i + 1]) for i in range(len(NODES[level]))
        ]


@pytest.mark.parametrize("size", range(0, 9))
def test_published_roots_for_sizes_0_to_8(size: int) -> None:
    assert naive_root(LEAVES[:size]) == ROOTS[size]


# --- inclusion: published proofs -----------------------------------------------


@pytest.mark.parametrize("entry", INCLUSION, ids=[e["desc"] for e in INCLUSION])
def test_published_inclusion_proof_verifies(entry: dict[str, Any]) -> None:
    index, size = entry["leafIdx"], entry["treeSize"]
    leaf_hash = hash_leaf(LEAVES[index])
    proof = _proof(entry)
    assert root_from_inclusion_proof(index, size, leaf_hash, proof) == ROOTS[size]
    assert verify_inclusion(index, size, leaf_hash, proof, ROOTS[size]) is None


def _corrupt_inclusion(
    index: int, size: int, leaf_hash: bytes, proof: list[bytes], root: bytes
) -> Iterator[tuple[str, int, int, Any, list[Any], Any]]:
    """transparency-dev's corruptInclusionProof, plus size - 1.

    ``size - 1`` is paired with the real root of that smaller tree: with the
    original root it can verify (for leaf 0 of 8 the path for size 7 has the
    same shape and yields root 8). A proof does not bind the tree size; the
    signed checkpoint binds size and root together.
    """
    yield "index - 1", index - 1, size, leaf_hash, proof, root
    yield "index + 1", index + 1, size, leaf_hash, proof, root
    yield "index ^ 2", index ^ 2, size, leaf_hash, proof, root
    yield "size * 2", index, size * 2, leaf_hash, proof, root
    yield "size / 2", index, size // 2, leaf_hash, proof, root
    yield "size - 1", index, size - 1, leaf_hash, proof, ROOTS[size - 1]
    yield "wrong leaf", index, size, hash_leaf(b"WrongLeaf"), proof, root
    yield "leaf of wrong length", index, size, b"WrongLeaf", proof, root
    yield "empty root", index, size, leaf_hash, proof, EMPTY_ROOT
    yield "random root", index, size, leaf_hash, proof, SOME_HASH
    yield "root of wrong length", index, size, leaf_hash, proof, root[:-1]
    yield "trailing garbage", index, size, leaf_hash, [*proof, b""], root
    yield "trailing root", index, size, leaf_hash, [*proof, root], root
    yield "trailing hash", index, size, leaf_hash, [*proof, SOME_HASH], root
    yield "preceding garbage", index, size, leaf_hash, [b"", *proof], root
    yield "preceding root", index, size, leaf_hash, [root, *proof], root
    for i in range(len(proof)):
        for bit in (0, 3, 255):
            flipped = bytearray(proof[i])
            flipped[bit // 8] ^= 1 << (bit % 8)
            wrong = [*proof[:i], bytes(flipped), *proof[i + 1 :]]
            yield f"proof[{i}] bit {bit} flipped", index, size, leaf_hash, wrong, root
    if proof:
        yield "removed last component", index, size, leaf_hash, proof[:-1], root
        yield "removed first component", index, size, leaf_hash, proof[1:], root
    if len(proof) > 1:
        wrong = [proof[0], SOME_HASH, *proof[1:]]
        yield "inserted component", index, size, leaf_hash, wrong, root


def _inclusion_negatives() -> list[Any]:
    cases = []
    for entry in INCLUSION:
        index, size = entry["leafIdx"], entry["treeSize"]
        args = (index, size, hash_leaf(LEAVES[index]), _proof(entry), ROOTS[size])
        for desc, *probe in _corrupt_inclusion(*args):
            cases.append(pytest.param(*probe, id=f"{entry['desc']}: {desc}"))
    return cases


@pytest.mark.parametrize(("index", "size", "leaf_hash", "proof", "root"), _inclusion_negatives())
def test_corrupted_inclusion_proof_fails(
    index: int, size: int, leaf_hash: bytes, proof: list[bytes], root: bytes
) -> None:
    with pytest.raises(ProofError):
        verify_inclusion(index, size, leaf_hash, proof, root)


@pytest.mark.parametrize(("index", "size"), [(0, 0), (1, 0), (2, 1), (1, 1), (5, 5)])
def test_index_at_or_beyond_size_fails(index: int, size: int) -> None:
    with pytest.raises(ProofError):
        root_from_inclusion_proof(index, size, SOME_HASH, [])
    with pytest.raises(ProofError):
        verify_inclusion(index, size, SOME_HASH, [], EMPTY_ROOT)


def test_single_entry_tree() -> None:
    # transparency-dev TestVerifyInclusionSingleEntry: root == leaf hash, empty proof.
    leaf = hash_leaf(b"data")
    verify_inclusion(0, 1, leaf, [], leaf)
    for root, leaf_hash in [(leaf, b""), (b"", leaf), (b"", b"")]:
        with pytest.raises(ProofError):
            verify_inclusion(0, 1, leaf_hash, [], root)


def test_proof_errors_are_verification_errors() -> None:
    assert issubclass(ProofError, VerificationError)


@pytest.mark.parametrize(
    "args",
    [
        (-1, 4, SOME_HASH, [], SOME_HASH),
        (True, 4, SOME_HASH, [], SOME_HASH),
        (0, "4", SOME_HASH, [], SOME_HASH),
        (0, 2, SOME_HASH, ["not bytes"], SOME_HASH),
        (0, 2, SOME_HASH, [None], SOME_HASH),
        (0, 1, "hash", [], SOME_HASH),
    ],
)
def test_malformed_inclusion_inputs_are_proof_errors(args: tuple[Any, ...]) -> None:
    with pytest.raises(ProofError):
        verify_inclusion(*args)


# --- consistency: published proofs ---------------------------------------------


@pytest.mark.parametrize("entry", CONSISTENCY, ids=[e["desc"] for e in CONSISTENCY])
def test_published_consistency_proof_verifies(entry: dict[str, Any]) -> None:
    size1, size2 = entry["size1"], entry["size2"]
    proof = _proof(entry)
    assert root_from_consistency_proof(size1, size2, proof, ROOTS[size1]) == ROOTS[size2]
    assert verify_consistency(size1, size2, proof, ROOTS[size1], ROOTS[size2]) is None


def _corrupt_consistency(
    size1: int, size2: int, proof: list[bytes], root1: bytes, root2: bytes
) -> Iterator[tuple[str, int, int, list[Any], Any, Any]]:
    """transparency-dev's corruptConsistencyProof, plus size2 - 1 (paired with
    the real root of that tree, as for inclusion above)."""
    yield "size1 - 1", size1 - 1, size2, proof, root1, root2
    yield "size1 + 1", size1 + 1, size2, proof, root1, root2
    yield "size1 ^ 2", size1 ^ 2, size2, proof, root1, root2
    yield "size2 * 2", size1, size2 * 2, proof, root1, root2
    yield "size2 / 2", size1, size2 // 2, proof, root1, root2
    yield "size2 - 1", size1, size2 - 1, proof, root1, ROOTS[size2 - 1]
    yield "wrong root1", size1, size2, proof, SOME_HASH, root2
    yield "wrong root2", size1, size2, proof, root1, SOME_HASH
    yield "root1 of wrong length", size1, size2, proof, b"WrongRoot", root2
    yield "root2 of wrong length", size1, size2, proof, root1, b"WrongRoot"
    yield "swapped roots", size1, size2, proof, root2, root1
    yield "empty proof", size1, size2, [], root1, root2
    yield "trailing garbage", size1, size2, [*proof, b""], root1, root2
    yield "trailing root1", size1, size2, [*proof, root1], root1, root2
    yield "trailing root2", size1, size2, [*proof, root2], root1, root2
    yield "preceding garbage", size1, size2, [b"", *proof], root1, root2
    yield "preceding root1", size1, size2, [root1, *proof], root1, root2
    yield "preceding root2", size1, size2, [root2, *proof], root1, root2
    yield "preceding proof[0]", size1, size2, [proof[0], *proof], root1, root2
    yield "truncated proof", size1, size2, proof[:-1], root1, root2
    yield "removed first component", size1, size2, proof[1:], root1, root2
    for i in range(len(proof)):
        for bit in (0, 4, 255):
            flipped = bytearray(proof[i])
            flipped[bit // 8] ^= 1 << (bit % 8)
            wrong = [*proof[:i], bytes(flipped), *proof[i + 1 :]]
            yield f"proof[{i}] bit {bit} flipped", size1, size2, wrong, root1, root2


def _consistency_negatives() -> list[Any]:
    cases = []
    for entry in CONSISTENCY:
        proof = _proof(entry)
        if not proof:  # as upstream: only non-trivial proofs are corrupted
            continue
        size1, size2 = entry["size1"], entry["size2"]
        for desc, *probe in _corrupt_consistency(size1, size2, proof, ROOTS[size1], ROOTS[size2]):
            cases.append(pytest.param(*probe, id=f"{entry['desc']}: {desc}"))
    return cases


@pytest.mark.parametrize(("size1", "size2", "proof", "root1", "root2"), _consistency_negatives())
def test_corrupted_consistency_proof_fails(
    size1: int, size2: int, proof: list[bytes], root1: bytes, root2: bytes
) -> None:
    with pytest.raises(ProofError):
        verify_consistency(size1, size2, proof, root1, root2)


ROOT_A = hash_leaf(b"a")
ROOT_B = hash_leaf(b"b")


@pytest.mark.parametrize(
    ("size1", "size2", "proof", "root1", "root2", "ok"),
    [
        # size1 == size2: the proof must be empty and the roots equal.
        (1, 1, [], ROOT_A, ROOT_A, True),
        (5, 5, [], ROOT_B, ROOT_B, True),
        (1, 1, [], ROOT_A, ROOT_B, False),
        (1, 1, [EMPTY_ROOT], ROOT_A, ROOT_A, False),
        # size1 == 0: consistent with any tree, with an empty proof and MTH({}).
        (0, 0, [], EMPTY_ROOT, EMPTY_ROOT, True),
        (0, 1, [], EMPTY_ROOT, ROOT_A, True),
        (0, 8, [], EMPTY_ROOT, ROOTS[8], True),
        (0, 1, [EMPTY_ROOT], EMPTY_ROOT, ROOT_A, False),
        (0, 0, [EMPTY_ROOT], EMPTY_ROOT, EMPTY_ROOT, False),
        (0, 1, [], ROOT_A, ROOT_A, False),
        (0, 0, [], ROOT_A, ROOT_A, False),
        # Time travel to the past.
        (1, 0, [], ROOT_A, ROOT_B, False),
        (2, 1, [], ROOT_A, ROOT_B, False),
        # An empty proof between different non-zero sizes.
        (1, 2, [], ROOT_A, ROOT_B, False),
        # Malformed sizes.
        (-1, 2, [], ROOT_A, ROOT_B, False),
        (1, -2, [], ROOT_A, ROOT_B, False),
    ],
)
def test_consistency_edge_cases(
    size1: int, size2: int, proof: list[bytes], root1: bytes, root2: bytes, ok: bool
) -> None:
    if ok:
        verify_consistency(size1, size2, proof, root1, root2)
    else:
        with pytest.raises(ProofError):
            verify_consistency(size1, size2, proof, root1, root2)


def test_root_from_consistency_proof_rejects_wrong_first_root() -> None:
    entry = CONSISTENCY[2]  # 6 to 8: size1 not a power of two, fr is reconstructed
    with pytest.raises(ProofError):
        root_from_consistency_proof(6, 8, _proof(entry), ROOTS[5])


def test_root_from_consistency_proof_from_empty_tree_is_an_error() -> None:
    with pytest.raises(ProofError):
        root_from_consistency_proof(0, 3, [], EMPTY_ROOT)


def test_every_prefix_of_the_published_tree_is_consistent_with_every_later_one() -> None:
    # Published roots only; the proofs come from the reference SUBPROOF below.
    def subproof(m: int, leaves: list[bytes], complete: bool) -> list[bytes]:
        n = len(leaves)
        if m == n:
            return [] if complete else [naive_root(leaves)]
        k = 1
        while k * 2 < n:
            k *= 2
        if m <= k:
            return subproof(m, leaves[:k], complete) + [naive_root(leaves[k:])]
        return subproof(m - k, leaves[k:], False) + [naive_root(leaves[:k])]

    for size2 in range(1, 9):
        for size1 in range(1, size2 + 1):
            proof = subproof(size1, LEAVES[:size2], True)
            verify_consistency(size1, size2, proof, ROOTS[size1], ROOTS[size2])

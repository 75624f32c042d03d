"""RFC 9162 (RFC 6962) Merkle tree hashing and proof verification.

Pure functions: no I/O, no state. The tree hash of a list of leaves
D[0:n] is defined in RFC 9162 §2.1.1:

    MTH({})      = SHA-256()
    MTH({d0})    = SHA-256(0x00 || d0)
    MTH(D[0:n])  = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))
                   where k is the largest power of two smaller than n

Computing is kept apart from checking, as in transparency-dev/merkle:
``root_from_inclusion_proof`` and ``root_from_consistency_proof`` return a
root (or raise :class:`ProofError` when the proof cannot even be evaluated);
``verify_inclusion`` and ``verify_consistency`` compare against a trusted
root, return ``None`` and raise :class:`ProofError` on any mismatch.

Malformed evidence (negative sizes, hashes of the wrong length, proofs of
the wrong length) is a verification failure, never a crash: every such case
raises :class:`ProofError`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from verifiers.errors import ProofError

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "LEAF_PREFIX",
    "NODE_PREFIX",
    "hash_children",
    "hash_leaf",
    "root_from_consistency_proof",
    "root_from_inclusion_proof",
    "verify_consistency",
    "verify_inclusion",
]

#: Domain separation byte prepended to a leaf before hashing (RFC 9162 §2.1.1).
LEAF_PREFIX = b"\x00"
#: Domain separation byte prepended to two child hashes (RFC 9162 §2.1.1).
NODE_PREFIX = b"\x01"
#: Size in bytes of every hash in the tree (SHA-256).
HASH_SIZE = 32
#: MTH({}): the root hash of the empty tree, SHA-256 of the empty string.
EMPTY_ROOT = hashlib.sha256(b"").digest()


def hash_leaf(data: bytes) -> bytes:
    """Return the leaf hash ``SHA-256(0x00 || data)``."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    """Return the interior node hash ``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _check_hash(value: object, what: str) -> bytes:
    if not isinstance(value, (bytes, bytearray)) or len(value) != HASH_SIZE:
        raise ProofError(f"{what} is not a {HASH_SIZE}-byte hash")
    return bytes(value)


def _check_proof(proof: Sequence[bytes]) -> list[bytes]:
    return [_check_hash(p, f"proof element {i}") for i, p in enumerate(proof)]


def _check_size(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ProofError(f"{what} is not a non-negative integer")
    return value


def root_from_inclusion_proof(
    index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes]
) -> bytes:
    """Compute the root of a tree of ``size`` leaves from an inclusion proof.

    Follows RFC 9162 §2.1.3.2 step by step, returning the computed root
    ``r`` instead of comparing it. Raises :class:`ProofError` when the proof
    cannot be evaluated (index out of range, wrong length, bad hash sizes).
    """
    index = _check_size(index, "leaf index")
    size = _check_size(size, "tree size")
    leaf_hash = _check_hash(leaf_hash, "leaf hash")
    path = _check_proof(proof)

    # 1. If leaf_index is greater than or equal to tree_size, fail.
    if index >= size:
        raise ProofError(f"leaf index {index} is not below tree size {size}")
    # 2. Set fn to leaf_index and sn to tree_size - 1.
    fn, sn = index, size - 1
    # 3. Set r to hash.
    r = leaf_hash
    # 4. For each value p in the inclusion_path array:
    for p in path:
        # a. If sn is 0, stop the iteration and fail (proof too long).
        if sn == 0:
            raise ProofError("inclusion proof is longer than the path")
        # b. If LSB(fn) is set, or if fn is equal to sn, then:
        if fn & 1 or fn == sn:
            # i. Set r to HASH(0x01 || p || r).
            r = hash_children(p, r)
            # ii. If LSB(fn) is not set, right-shift fn and sn equally
            #     until either LSB(fn) is set or fn is 0.
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            # Otherwise: set r to HASH(0x01 || r || p).
            r = hash_children(r, p)
        # c. Finally, right-shift both fn and sn one time.
        fn >>= 1
        sn >>= 1
    # 5. Compare sn to 0 (the path must have reached the root).
    if sn != 0:
        raise ProofError("inclusion proof is shorter than the path")
    return r


def verify_inclusion(
    index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree with ``root``.

    RFC 9162 §2.1.3.2; step 5 compares the computed root with ``root``.
    Returns nothing; raises :class:`ProofError` on any failure.
    """
    root = _check_hash(root, "root hash")
    calculated = root_from_inclusion_proof(index, size, leaf_hash, proof)
    if calculated != root:
        raise ProofError("inclusion proof does not lead to the expected root")


def _consistency_roots(
    size1: int, size2: int, path: list[bytes], root1: bytes
) -> tuple[bytes, bytes]:
    """RFC 9162 §2.1.4.2 steps 1-6 for 0 < size1 < size2: return (fr, sr)."""
    # 1. If consistency_path is an empty array, fail.
    if not path:
        raise ProofError("consistency proof is empty")
    # 2. If first is an exact power of 2, prepend first_hash to the path.
    if size1 & (size1 - 1) == 0:
        path = [root1, *path]
    # 3. Set fn to first - 1 and sn to second - 1.
    fn, sn = size1 - 1, size2 - 1
    # 4. If LSB(fn) is set, right-shift fn and sn equally until it is not.
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # 5. Set both fr and sr to the first value in the path.
    fr = sr = path[0]
    # 6. For each subsequent value c in the path:
    for c in path[1:]:
        # a. If sn is 0, stop the iteration and fail (proof too long).
        if sn == 0:
            raise ProofError("consistency proof is longer than the path")
        # b. If LSB(fn) is set, or if fn is equal to sn, then:
        if fn & 1 or fn == sn:
            # i. Set fr to HASH(0x01 || c || fr).
            fr = hash_children(c, fr)
            # ii. Set sr to HASH(0x01 || c || sr).
            sr = hash_children(c, sr)
            # iii. If LSB(fn) is not set, right-shift fn and sn equally
            #      until either LSB(fn) is set or fn is 0.
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            # Otherwise: set sr to HASH(0x01 || sr || c).
            sr = hash_children(sr, c)
        # c. Finally, right-shift both fn and sn one time.
        fn >>= 1
        sn >>= 1
    # 7. (part) sn must be 0: the path must have reached the second root.
    if sn != 0:
        raise ProofError("consistency proof is shorter than the path")
    return fr, sr


def root_from_consistency_proof(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes
) -> bytes:
    """Compute the root of the tree of ``size2`` from ``root1`` and a proof.

    RFC 9162 §2.1.4.2. The proof also reconstructs the first root ``fr``;
    if that does not equal ``root1`` the proof is rejected here
    (:class:`ProofError`), so the returned root is only meaningful for a
    ``root1`` the proof is consistent with. Requires ``0 < size1 <= size2``
    (a consistency proof from the empty tree carries no information, so the
    larger root cannot be computed from it).
    """
    size1 = _check_size(size1, "first tree size")
    size2 = _check_size(size2, "second tree size")
    root1 = _check_hash(root1, "first root hash")
    path = _check_proof(proof)

    if size1 > size2:
        raise ProofError(f"first tree size {size1} exceeds second {size2}")
    if size1 == 0:
        raise ProofError("the root of a larger tree cannot be computed from the empty tree")
    if size1 == size2:
        # RFC 9162 §2.1.4.1: the proof between a tree and itself is empty.
        if path:
            raise ProofError("consistency proof between equal sizes must be empty")
        return root1
    fr, sr = _consistency_roots(size1, size2, path, root1)
    # 7. (part) Verify that fr equals the first_hash supplied.
    if fr != root1:
        raise ProofError("consistency proof does not lead to the first root")
    return sr


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Check that the tree (size2, root2) extends the tree (size1, root1).

    RFC 9162 §2.1.4.2, with the edge cases of §2.1.4.1:

    * ``size1 == size2``: the proof must be empty and the roots equal;
    * ``size1 == 0``: the empty tree is a prefix of every tree; the proof
      must be empty and ``root1`` must be the empty-tree root MTH({});
    * otherwise ``0 < size1 < size2`` and the proof must reconstruct both
      ``root1`` and ``root2`` exactly, with no element left over.

    Returns nothing; raises :class:`ProofError` on any failure.
    """
    size1 = _check_size(size1, "first tree size")
    size2 = _check_size(size2, "second tree size")
    root1 = _check_hash(root1, "first root hash")
    root2 = _check_hash(root2, "second root hash")
    path = _check_proof(proof)

    if size1 > size2:
        raise ProofError(f"first tree size {size1} exceeds second {size2}")
    if size1 == 0:
        if path:
            raise ProofError("consistency proof from the empty tree must be empty")
        if root1 != EMPTY_ROOT:
            raise ProofError("the root of the empty tree is not MTH({})")
        if size2 == 0 and root2 != EMPTY_ROOT:
            raise ProofError("the root of the empty tree is not MTH({})")
        return
    calculated = root_from_consistency_proof(size1, size2, path, root1)
    # 7. Verify that sr equals the second_hash supplied.
    if calculated != root2:
        raise ProofError("consistency proof does not lead to the second root")

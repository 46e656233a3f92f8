"""Our O(log n) proofs against a naive transcription of RFC 9162's MTH, PATH and PROOF."""
from __future__ import annotations

import random
from functools import lru_cache

import pytest

from casework.ledger.memstore import MemoryNodeStore
from casework.ledger.merkle import (
    EMPTY_ROOT,
    MerkleError,
    MissingNodeError,
    ProofError,
    TreeSizeError,
    append_nodes,
    consistency_nodes,
    consistency_proof,
    inclusion_nodes,
    inclusion_proof,
    leaf_hash,
    node_hash,
    prefetch,
    root_hash,
    root_nodes,
    root_of,
    verify_consistency,
    verify_inclusion,
)

N = 64
DATA = [f"entry {i}".encode() for i in range(N)]


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


@lru_cache(maxsize=None)
def mth(start: int, end: int) -> bytes:
    """RFC 9162 2.1.1 MTH(D[start:end])."""
    n = end - start
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hash(DATA[start])
    k = _k(n)
    return node_hash(mth(start, start + k), mth(start + k, end))


def path(m: int, start: int, end: int) -> list[bytes]:
    """RFC 9162 2.1.3.1 PATH(m, D[start:end]), m relative to start."""
    n = end - start
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return path(m, start, start + k) + [mth(start + k, end)]
    return path(m - k, start + k, end) + [mth(start, start + k)]


def subproof(m: int, start: int, end: int, whole: bool) -> list[bytes]:
    """RFC 9162 2.1.4.1 SUBPROOF(m, D[start:end], b)."""
    n = end - start
    if m == n:
        return [] if whole else [mth(start, end)]
    k = _k(n)
    if m <= k:
        return subproof(m, start, start + k, whole) + [mth(start + k, end)]
    return subproof(m - k, start + k, end, False) + [mth(start, start + k)]


@pytest.fixture(scope="module")
def store() -> MemoryNodeStore:
    s = MemoryNodeStore()
    s.append([leaf_hash(d) for d in DATA])
    return s


class Recorder:
    """A get_node that remembers which nodes it was asked for."""

    def __init__(self, store: MemoryNodeStore) -> None:
        self.store, self.reads = store, []

    def __call__(self, level: int, index: int) -> bytes:
        self.reads.append((level, index))
        return self.store.get_node(level, index)


def test_roots_match_reference(store):
    assert root_hash(0, store.get_node) == EMPTY_ROOT == root_of([])
    for size in range(1, N + 1):
        assert root_hash(size, store.get_node) == mth(0, size)
        assert root_of(leaf_hash(d) for d in DATA[:size]) == mth(0, size)


@pytest.mark.parametrize("size", range(1, N + 1))
def test_inclusion_proofs_for_every_index(store, size):
    root = mth(0, size)
    for index in range(size):
        get = Recorder(store)
        proof = inclusion_proof(index, size, get)
        assert proof == path(index, 0, size)
        verify_inclusion(index, size, leaf_hash(DATA[index]), proof, root)
        # Reads exactly the listed nodes, each once, O(log n) of them: batch fetch is exact.
        assert sorted(get.reads) == sorted(inclusion_nodes(index, size))
        assert len(get.reads) <= 2 * size.bit_length()
        assert inclusion_proof(index, size, prefetch(get.reads, store.get_nodes)) == proof


@pytest.mark.parametrize("new", range(1, N + 1))
def test_consistency_proofs_for_every_old_size(store, new):
    for old in range(1, new + 1):
        get = Recorder(store)
        proof = consistency_proof(old, new, get)
        assert proof == subproof(old, 0, new, True)
        verify_consistency(old, new, proof, mth(0, old), mth(0, new))
        assert sorted(get.reads) == sorted(consistency_nodes(old, new))
        assert len(get.reads) <= 2 * new.bit_length() + 1


def test_tampered_inclusion_proofs_fail(store):
    size, index = 45, 27
    leaf, proof, root = leaf_hash(DATA[index]), store.inclusion_proof(index, size), mth(0, size)
    for i in range(len(proof)):
        bad = list(proof)
        bad[i] = bytes([bad[i][0] ^ 1]) + bad[i][1:]
        with pytest.raises(ProofError):
            verify_inclusion(index, size, leaf, bad, root)
    for args in [
        (index + 1, size, leaf, proof, root),
        (index, size * 2, leaf, proof, root),
        (index, 32, leaf, proof, root),
        (index, size, leaf_hash(b"other"), proof, root),
        (index, size, leaf, proof[:-1], root),
        (index, size, leaf, proof + [proof[0]], root),
        (index, size, leaf, proof[::-1], root),
        (index, size, leaf, proof, root[:31]),
        (size, size, leaf, proof, root),
    ]:
        with pytest.raises(ProofError):
            verify_inclusion(*args)


def test_tampered_consistency_proofs_fail(store):
    old, new = 13, 50
    proof = store.consistency_proof(old, new)
    r1, r2 = mth(0, old), mth(0, new)
    for i in range(len(proof)):
        bad = list(proof)
        bad[i] = bad[i][:-1] + bytes([bad[i][-1] ^ 0x80])
        with pytest.raises(ProofError):
            verify_consistency(old, new, bad, r1, r2)
    for args in [
        (old, new, proof, r2, r1),
        (old + 1, new, proof, r1, r2),
        (old, new * 2, proof, r1, r2),
        (old, 32, proof, r1, r2),
        (old, new, proof[:-1], r1, r2),
        (old, new, proof + [r1], r1, r2),
        (old, new, [], r1, r2),
        (new, old, proof, r1, r2),
        (0, new, [], EMPTY_ROOT, r2),
    ]:
        with pytest.raises(ProofError):
            verify_consistency(*args)


def test_batch_append_equals_one_by_one():
    rng = random.Random(9162)
    hashes = [leaf_hash(d) for d in DATA]
    single, batched = MemoryNodeStore(), MemoryNodeStore()
    for h in hashes:
        single.append([h])
    position = 0
    while position < N:
        step = rng.randint(1, 9)
        get = Recorder(batched)
        result = append_nodes(batched.size, hashes[position:position + step], get)
        assert get.reads == root_nodes(batched.size)  # only the right frontier is read
        for level, index, digest in result.nodes:
            batched.put(level, index, digest)
        position = min(N, position + step)
        assert result.size == position and result.root == mth(0, position)
    for level in range(N.bit_length()):
        for index in range(N >> level):
            assert batched.get_node(level, index) == single.get_node(level, index)


def test_larger_tree_spot_checks():
    s = MemoryNodeStore()
    hashes = [leaf_hash(i.to_bytes(4, "big")) for i in range(1000)]
    s.append(hashes[:617])
    s.append(hashes[617:])
    assert s.root() == root_of(hashes)
    for index in (0, 1, 511, 512, 998, 999):
        verify_inclusion(index, 1000, hashes[index], s.inclusion_proof(index), s.root())
    for old in (1, 2, 511, 512, 513, 999, 1000):
        verify_consistency(old, 1000, s.consistency_proof(old), s.root(old), s.root())


def test_bad_arguments_raise_typed_errors(store):
    with pytest.raises(TreeSizeError):
        inclusion_proof(5, 5, store.get_node)
    with pytest.raises(TreeSizeError):
        inclusion_proof(-1, 5, store.get_node)
    with pytest.raises(TreeSizeError):
        consistency_proof(0, 5, store.get_node)
    with pytest.raises(TreeSizeError):
        consistency_proof(6, 5, store.get_node)
    with pytest.raises(TreeSizeError):
        root_nodes(-1)
    assert consistency_proof(7, 7, store.get_node) == []
    with pytest.raises(MissingNodeError):
        store.get_node(0, N)
    with pytest.raises(MissingNodeError):
        inclusion_proof(3, 10, prefetch([(0, 2)], store.get_nodes))
    with pytest.raises(MerkleError):
        MemoryNodeStore().append([b"short"])
    with pytest.raises(MerkleError):
        store.put(0, 3, leaf_hash(b"x"))  # stores are append-only
    with pytest.raises(MissingNodeError):
        root_hash(N + 1, store.get_node)  # a tree larger than the store holds


def test_failed_append_stores_nothing():
    s = MemoryNodeStore()
    s.append([leaf_hash(b"a")])
    with pytest.raises(MerkleError):
        s.append([leaf_hash(b"b"), b"not a hash"])
    assert s.size == 1 and s.root() == leaf_hash(b"a")

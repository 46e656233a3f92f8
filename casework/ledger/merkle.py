"""RFC 9162 (section 2.1) Merkle tree hashing, proofs and their verification.

The ledger stores the hash of every *complete* subtree once, keyed ``(level, index)``: the node
covering the ``2**level`` leaves that start at leaf ``index * 2**level`` (level 0 holds the leaf
hashes). Nothing here reads the whole log. Each proof or root is computed from O(log n) stored
nodes; the one subtree on the right edge that is not complete yet is recomputed from the complete
nodes that tile it.

Every computation is split in two steps so a database can fetch all it needs in one query:

- ``*_nodes(...)`` lists the ``(level, index)`` ids the computation will read;
- the computation itself takes a ``get_node(level, index) -> bytes`` accessor.

With a batch store: ``get = prefetch(inclusion_nodes(i, n), store.get_nodes)`` then
``inclusion_proof(i, n, get)``. With an in-memory store, pass ``store.get_node`` directly.

Verification follows the algorithms of RFC 9162 2.1.3.2 and 2.1.4.2 literally, and is strict:
wrong hash lengths, out-of-range indexes and proofs that are too long or too short all fail.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Sequence

__all__ = [
    "HASH_SIZE", "EMPTY_ROOT", "NodeId", "StoredNode", "GetNode", "GetNodes",
    "MerkleError", "TreeSizeError", "ProofError", "MissingNodeError",
    "leaf_hash", "node_hash", "root_nodes", "root_hash", "root_of",
    "inclusion_nodes", "inclusion_proof", "consistency_nodes", "consistency_proof",
    "prefetch", "Appended", "append_nodes",
    "root_from_inclusion_proof", "verify_inclusion", "verify_consistency",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
"""MTH({}): the root hash of the empty tree (RFC 9162 2.1.1)."""

NodeId = tuple[int, int]
StoredNode = tuple[int, int, bytes]
GetNode = Callable[[int, int], bytes]
GetNodes = Callable[[Sequence[NodeId]], Mapping[NodeId, bytes]]


class MerkleError(ValueError):
    """Base of every error raised by this module."""


class TreeSizeError(MerkleError):
    """A proof or root was asked for with an index or tree size the tree cannot answer."""


class ProofError(MerkleError):
    """A proof did not verify; the message says which check failed."""


class MissingNodeError(MerkleError, LookupError):
    """A store was asked for a node it does not hold (a corrupt or too-small store)."""


def leaf_hash(entry: bytes) -> bytes:
    """SHA-256(0x00 || entry): the domain prefix keeps a leaf from passing for a node."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _tile(start: int, end: int) -> tuple[NodeId, ...]:
    """The complete subtrees tiling leaves [start, end), largest first.

    Valid for any RFC subtree, whose start is a multiple of a power of two >= its width; its hash
    is then the right fold of these nodes (RFC 9162 splits at the largest power of two < width).
    """
    ids: list[NodeId] = []
    pos, width = start, end - start
    for level in range(width.bit_length() - 1, -1, -1):
        if width >> level & 1:
            ids.append((level, pos >> level))
            pos += 1 << level
    return tuple(ids)


def _fold(ids: Sequence[NodeId], get_node: GetNode) -> bytes:
    """Hash of the subtree tiled by ``ids`` (see ``_tile``)."""
    digest = get_node(*ids[-1])
    for level, index in reversed(ids[:-1]):
        digest = node_hash(get_node(level, index), digest)
    return digest


def _split(width: int) -> int:
    """The largest power of two strictly smaller than ``width`` (width >= 2)."""
    return 1 << ((width - 1).bit_length() - 1)


def _inclusion_plan(index: int, size: int) -> list[tuple[NodeId, ...]]:
    """PATH(index, D[0:size]) as tilings, leaf end first (RFC 9162 2.1.3.1)."""
    if not 0 <= index < size:
        raise TreeSizeError(f"no leaf {index} in a tree of size {size}")
    plan: list[tuple[NodeId, ...]] = []
    start, end = 0, size
    while end - start > 1:
        mid = start + _split(end - start)
        if index < mid:
            plan.append(_tile(mid, end))
            end = mid
        else:
            plan.append(_tile(start, mid))
            start = mid
    plan.reverse()
    return plan


def _consistency_plan(old: int, new: int) -> list[tuple[NodeId, ...]]:
    """PROOF(old, D[0:new]) as tilings, in the RFC's order (RFC 9162 2.1.4.1, SUBPROOF)."""
    if not 0 < old <= new:
        raise TreeSizeError(f"no consistency proof from size {old} to size {new} (need 0 < old <= new)")
    plan: list[tuple[NodeId, ...]] = []
    start, end, whole = 0, new, True
    while old != end:
        mid = start + _split(end - start)
        if old <= mid:
            plan.append(_tile(mid, end))
            end = mid
        else:
            plan.append(_tile(start, mid))
            start, whole = mid, False
    if not whole:
        plan.append(_tile(start, end))
    plan.reverse()
    return plan


def _distinct(plan: Iterable[Iterable[NodeId]]) -> list[NodeId]:
    return list(dict.fromkeys(node for tiling in plan for node in tiling))


def root_nodes(size: int) -> list[NodeId]:
    """Nodes ``root_hash(size, ...)`` reads; also the right frontier ``append_nodes`` reads."""
    if size < 0:
        raise TreeSizeError(f"negative tree size {size}")
    return list(_tile(0, size))


def root_hash(size: int, get_node: GetNode) -> bytes:
    """MTH(D[0:size]) from at most log2(size)+1 stored nodes."""
    ids = root_nodes(size)
    return _fold(ids, get_node) if ids else EMPTY_ROOT


def inclusion_nodes(index: int, size: int) -> list[NodeId]:
    """Nodes ``inclusion_proof(index, size, ...)`` reads, each once."""
    return _distinct(_inclusion_plan(index, size))


def inclusion_proof(index: int, size: int, get_node: GetNode) -> list[bytes]:
    """The RFC 9162 inclusion proof of leaf ``index`` in the tree of ``size`` leaves."""
    return [_fold(tiling, get_node) for tiling in _inclusion_plan(index, size)]


def consistency_nodes(old: int, new: int) -> list[NodeId]:
    """Nodes ``consistency_proof(old, new, ...)`` reads, each once."""
    return _distinct(_consistency_plan(old, new))


def consistency_proof(old: int, new: int, get_node: GetNode) -> list[bytes]:
    """The RFC 9162 consistency proof from size ``old`` to ``new`` (0 < old <= new; [] if equal)."""
    return [_fold(tiling, get_node) for tiling in _consistency_plan(old, new)]


def prefetch(ids: Sequence[NodeId], get_nodes: GetNodes) -> GetNode:
    """Fetch ``ids`` in one batch and return a ``get_node`` that answers from that batch only."""
    found = get_nodes(ids)

    def get_node(level: int, index: int) -> bytes:
        try:
            return found[(level, index)]
        except KeyError:
            raise MissingNodeError(f"node ({level}, {index}) was not fetched or is not stored") from None

    return get_node


@dataclass(frozen=True)
class Appended:
    """What a batch append produced: the nodes to store, and the new tree's size and root."""

    nodes: list[StoredNode]
    """Every newly complete node ``(level, index, hash)``: leaves first, parents after children."""
    size: int
    """Tree size after the append."""
    root: bytes
    """MTH of the tree after the append, ready to be put in a checkpoint."""


def append_nodes(size: int, leaf_hashes: Iterable[bytes], get_node: GetNode) -> Appended:
    """Append leaf hashes to a tree of ``size`` leaves, reading only its right frontier.

    The frontier (``root_nodes(size)``, O(log n) nodes) is all the old tree contributes to new
    nodes, so an append of k leaves costs O(log n) reads and about 2k hashes.
    """
    frontier = [(level, get_node(level, index)) for level, index in root_nodes(size)]
    nodes: list[StoredNode] = []
    position = size
    for digest in leaf_hashes:
        if not isinstance(digest, bytes) or len(digest) != HASH_SIZE:
            raise MerkleError(f"leaf hash for index {position} is not {HASH_SIZE} bytes")
        level = 0
        nodes.append((0, position, digest))
        while frontier and frontier[-1][0] == level:
            digest = node_hash(frontier.pop()[1], digest)
            level += 1
            nodes.append((level, position >> level, digest))
        frontier.append((level, digest))
        position += 1
    root = EMPTY_ROOT
    if frontier:
        root = frontier[-1][1]
        for _, left in reversed(frontier[:-1]):
            root = node_hash(left, root)
    return Appended(nodes=nodes, size=position, root=root)


def root_of(leaf_hashes: Iterable[bytes]) -> bytes:
    """MTH of a whole list of leaf hashes (for small trees, tests and offline checks)."""
    return append_nodes(0, leaf_hashes, _no_node).root


def _no_node(level: int, index: int) -> bytes:
    raise MissingNodeError(f"node ({level}, {index}) asked of an empty tree")


def _check_hash(value: bytes, what: str) -> None:
    if not isinstance(value, (bytes, bytearray)) or len(value) != HASH_SIZE:
        raise ProofError(f"{what} is not a {HASH_SIZE}-byte hash")


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root an inclusion proof implies (RFC 9162 2.1.3.2 steps 1-4 and the sn == 0 check)."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    _check_hash(leaf, "leaf hash")
    fn, sn, r = index, size - 1, bytes(leaf)
    for position, p in enumerate(proof):
        _check_hash(p, f"proof element {position}")
        if sn == 0:
            raise ProofError("inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("inclusion proof is shorter than the tree is deep")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> None:
    """Raise ProofError unless ``proof`` shows ``leaf`` at ``index`` in the tree with ``root``."""
    _check_hash(root, "root hash")
    if root_from_inclusion_proof(index, size, leaf, proof) != root:
        raise ProofError("inclusion proof does not lead to the root hash")


def verify_consistency(old: int, new: int, proof: Sequence[bytes], old_root: bytes, new_root: bytes) -> None:
    """Raise ProofError unless ``proof`` shows tree ``old`` is a prefix of tree ``new``.

    RFC 9162 2.1.4.2 presumes 0 < old < new. Equal sizes need an empty proof and equal roots;
    old == 0 is refused, since every tree extends the empty one and such a check proves nothing.
    """
    if old > new:
        raise ProofError(f"old size {old} is larger than new size {new}")
    if old == 0:
        raise ProofError("a consistency proof from the empty tree proves nothing")
    if old == new:
        if proof:
            raise ProofError("equal sizes need an empty consistency proof")
        if old_root != new_root:
            raise ProofError("equal sizes but different root hashes")
        return
    if not proof:
        raise ProofError("empty consistency proof")
    for position, c in enumerate(proof):
        _check_hash(c, f"proof element {position}")
    path = list(proof)
    if old & (old - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("consistency proof is too short")
    if fr != old_root:
        raise ProofError("consistency proof does not lead to the old root hash")
    if sr != new_root:
        raise ProofError("consistency proof does not lead to the new root hash")

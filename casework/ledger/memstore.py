"""An in-memory node store with the same shape as the database table of nodes.

It exists for tests, benchmarks and offline tools: it stores exactly what a database store stores
(every complete node keyed ``(level, index)``) and answers through the same ``get_node`` /
``get_nodes`` accessors, so code proven against it runs unchanged against the table.
"""
from __future__ import annotations

from typing import Iterable, Mapping, Sequence

from casework.ledger.merkle import (
    Appended,
    MerkleError,
    MissingNodeError,
    NodeId,
    append_nodes,
    consistency_proof,
    inclusion_proof,
    root_hash,
)

__all__ = ["MemoryNodeStore"]


class MemoryNodeStore:
    """Append-only Merkle node store held in per-level lists (``levels[level][index]``)."""

    def __init__(self) -> None:
        self._levels: list[list[bytes]] = []

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return len(self._levels[0]) if self._levels else 0

    def get_node(self, level: int, index: int) -> bytes:
        """Hash of the complete subtree at ``(level, index)``; MissingNodeError if not stored."""
        if 0 <= level < len(self._levels) and 0 <= index < len(self._levels[level]):
            return self._levels[level][index]
        raise MissingNodeError(f"node ({level}, {index}) is not stored")

    def get_nodes(self, ids: Sequence[NodeId]) -> Mapping[NodeId, bytes]:
        """Batch lookup; ids that are not stored are left out, as a SELECT ... IN would."""
        found: dict[NodeId, bytes] = {}
        for level, index in ids:
            if 0 <= level < len(self._levels) and 0 <= index < len(self._levels[level]):
                found[(level, index)] = self._levels[level][index]
        return found

    def put(self, level: int, index: int, digest: bytes) -> None:
        """Store one node; nodes of a level must arrive in index order, as appends produce them."""
        while len(self._levels) <= level:
            self._levels.append([])
        row = self._levels[level]
        if index != len(row):
            raise MerkleError(f"node ({level}, {index}) stored out of order (next is {len(row)})")
        row.append(digest)

    def append(self, leaf_hashes: Iterable[bytes]) -> Appended:
        """Append leaf hashes and store every node they complete; all or nothing."""
        result = append_nodes(self.size, leaf_hashes, self.get_node)
        for level, index, digest in result.nodes:
            self.put(level, index, digest)
        return result

    def root(self, size: int | None = None) -> bytes:
        """Root hash of the first ``size`` leaves (default: all)."""
        return root_hash(self.size if size is None else size, self.get_node)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """Inclusion proof of leaf ``index`` in the tree of ``size`` leaves (default: all)."""
        return inclusion_proof(index, self.size if size is None else size, self.get_node)

    def consistency_proof(self, old: int, new: int | None = None) -> list[bytes]:
        """Consistency proof from ``old`` to ``new`` leaves (default: all)."""
        return consistency_proof(old, self.size if new is None else new, self.get_node)

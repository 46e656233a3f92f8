"""Ledger proof generation at 10**6 leaves: in-memory node store and a SQLite node table.

Run from the repository root:  .venv/bin/python bench/ledger_proofs.py [--leaves N] [--samples N]

Prints medians (target: a proof in <= 1 ms). The SQLite table is the shape the database-backed
log uses: one row per complete subtree, primary key (level, idx), WITHOUT ROWID. Each proof is
one SELECT for exactly the nodes ``inclusion_nodes``/``consistency_nodes`` list.

The SQLite query is an OR of ``(level = ? AND idx = ?)`` terms: SQLite 3.40 answers it with one
primary-key search per term, whereas the row-value form ``(level, idx) IN (VALUES ...)`` (what
SQLAlchemy's ``tuple_().in_()`` renders on SQLite) scans the whole table; the last line measures
that pitfall.
"""
from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Mapping, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from casework.ledger.memstore import MemoryNodeStore  # noqa: E402
from casework.ledger.merkle import (  # noqa: E402
    NodeId,
    append_nodes,
    consistency_nodes,
    consistency_proof,
    inclusion_nodes,
    inclusion_proof,
    leaf_hash,
    prefetch,
    root_nodes,
    verify_consistency,
    verify_inclusion,
)


def median_us(action: Callable[[], object], samples: int) -> float:
    timings = []
    for _ in range(samples):
        start = time.perf_counter_ns()
        action()
        timings.append(time.perf_counter_ns() - start)
    return statistics.median(timings) / 1000


class SqliteNodes:
    """get_nodes over a (level, idx) -> hash table, one query per call."""

    def __init__(self, connection: sqlite3.Connection, row_values: bool = False) -> None:
        self.connection, self.row_values = connection, row_values

    def get_nodes(self, ids: Sequence[NodeId]) -> Mapping[NodeId, bytes]:
        params = [value for node in ids for value in node]
        if self.row_values:
            where = "(level, idx) IN (VALUES " + ",".join("(?,?)" for _ in ids) + ")"
        else:
            where = " OR ".join("(level = ? AND idx = ?)" for _ in ids)
        rows = self.connection.execute(f"SELECT level, idx, hash FROM ledger_node WHERE {where}", params)
        return {(level, idx): digest for level, idx, digest in rows}


def build(leaves: int) -> MemoryNodeStore:
    store = MemoryNodeStore()
    batch = 10_000
    for start in range(0, leaves, batch):
        store.append([leaf_hash(i.to_bytes(8, "big")) for i in range(start, min(leaves, start + batch))])
    return store


def copy_to_sqlite(store: MemoryNodeStore, path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE ledger_node (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL,"
                       " PRIMARY KEY (level, idx)) WITHOUT ROWID")
    size, level = store.size, 0
    while size >> level:
        rows = ((level, index, store.get_node(level, index)) for index in range(size >> level))
        connection.executemany("INSERT INTO ledger_node VALUES (?, ?, ?)", rows)
        level += 1
    connection.commit()
    return connection


def sqlite_append(connection: sqlite3.Connection, size: int, batch: Sequence[bytes]) -> int:
    """One batch append as the database log would do it: read the frontier, insert, commit."""
    get = prefetch(root_nodes(size), SqliteNodes(connection).get_nodes)
    result = append_nodes(size, batch, get)
    connection.executemany("INSERT INTO ledger_node VALUES (?, ?, ?)", result.nodes)
    connection.commit()
    return result.size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaves", type=int, default=10**6)
    parser.add_argument("--samples", type=int, default=2000)
    args = parser.parse_args()
    rng = random.Random(9162)
    n, samples = args.leaves, args.samples

    started = time.perf_counter()
    store = build(n)
    print(f"built an in-memory tree of {n} leaves in {time.perf_counter() - started:.1f} s")
    root = store.root()
    indexes = [rng.randrange(n) for _ in range(samples)]
    olds = [rng.randrange(1, n) for _ in range(samples)]
    verify_inclusion(indexes[0], n, store.get_node(0, indexes[0]), store.inclusion_proof(indexes[0]), root)
    verify_consistency(olds[0], n, store.consistency_proof(olds[0]), store.root(olds[0]), root)

    it = iter(indexes * 2)
    print(f"memory  inclusion proof   median {median_us(lambda: inclusion_proof(next(it), n, store.get_node), samples):8.1f} us")
    it = iter(olds * 2)
    print(f"memory  consistency proof median {median_us(lambda: consistency_proof(next(it), n, store.get_node), samples):8.1f} us")

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        connection = copy_to_sqlite(store, Path(folder) / "nodes.sqlite3")
        rows = connection.execute("SELECT count(*) FROM ledger_node").fetchone()[0]
        print(f"copied {rows} nodes to a SQLite file in {time.perf_counter() - started:.1f} s")
        nodes = SqliteNodes(connection)

        def sqlite_inclusion(index: int) -> list[bytes]:
            return inclusion_proof(index, n, prefetch(inclusion_nodes(index, n), nodes.get_nodes))

        def sqlite_consistency(old: int) -> list[bytes]:
            return consistency_proof(old, n, prefetch(consistency_nodes(old, n), nodes.get_nodes))

        assert sqlite_inclusion(indexes[1]) == store.inclusion_proof(indexes[1])
        assert sqlite_consistency(olds[1]) == store.consistency_proof(olds[1])
        it = iter(indexes * 2)
        print(f"sqlite  inclusion proof   median {median_us(lambda: sqlite_inclusion(next(it)), samples):8.1f} us  (one query)")
        it = iter(olds * 2)
        print(f"sqlite  consistency proof median {median_us(lambda: sqlite_consistency(next(it)), samples):8.1f} us  (one query)")

        size = n
        batches = [[leaf_hash(b"new %d %d" % (b, i)) for i in range(1000)] for b in range(20)]
        timings = []
        for batch in batches:
            start = time.perf_counter_ns()
            size = sqlite_append(connection, size, batch)
            timings.append(time.perf_counter_ns() - start)
        per_batch = statistics.median(timings) / 1e6
        print(f"sqlite  append 1000 leaves median {per_batch:8.1f} ms  ({1000 / per_batch * 1000:,.0f} leaves/s, commit included)")

        scan = SqliteNodes(connection, row_values=True)

        def scanning_inclusion(index: int) -> list[bytes]:
            return inclusion_proof(index, n, prefetch(inclusion_nodes(index, n), scan.get_nodes))

        it = iter(indexes)
        slow = median_us(lambda: scanning_inclusion(next(it)), 5)
        print(f"sqlite  inclusion proof with (level, idx) IN (VALUES ...): median {slow / 1000:8.1f} ms  (full scan: avoid)")
        connection.close()


if __name__ == "__main__":
    main()

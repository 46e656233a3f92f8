"""Ledger in the database: deposits per second and proof generation, on SQLite and PostgreSQL.

Run from the repository root:

    .venv/bin/python bench/ledger_append.py                     # SQLite (a file in a temp folder)
    .venv/bin/python bench/ledger_append.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/test

With --pg a scratch database is created next to the one named and dropped afterwards.

Measures, through the real service (casework.services.ledger) on a migrated database:

1. one deposit per transaction: deposit() + commit, repeated;
2. batched: deposit_many() of --batch items + commit, repeated (the target: >= 5,000/s on
   SQLite, >= 2,000/s on PostgreSQL);
3. inclusion and consistency proofs read from the node table (casework.ledger.log, one query
   each) at 10**3, 10**5 and 10**6 leaves (target: <= 1 ms median at 10**6), and a whole receipt
   (entry, proof, checkpoint, self-check) at the largest size.

To reach 10**6 leaves quickly the tables are bulk-loaded between sizes (entries and nodes computed
exactly as appends compute them, inserted with executemany); the appends of step 2 and a
final `flask ledger verify`-equivalent check show the bulk-loaded log is a valid one.
"""
from __future__ import annotations

import argparse
import hashlib
import logging
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)


def fresh_app(url: str, instance: Path):
    from flask_migrate import upgrade

    from casework import create_app

    logging.getLogger("alembic").setLevel(logging.WARNING)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance), "SCHEMA_CHECK": False})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    return app


def items(start: int, count: int) -> list[dict]:
    return [{"kind": "evidence", "sha256": hashlib.sha256(str(n).encode()).hexdigest(), "size": n,
             "subject": f"case:{n % 997}"} for n in range(start, start + count)]


def rate_single(n: int) -> float:
    from casework.extensions import db
    from casework.services import ledger
    from casework.services.actor import Actor

    actor, timings = Actor.job("bench"), []
    for item in items(0, n):
        start = time.perf_counter()
        ledger.deposit(actor=actor, now=NOW, **item)
        db.session.commit()
        timings.append(time.perf_counter() - start)
    return 1 / statistics.median(timings)


def rate_batched(batch: int, rounds: int) -> float:
    from casework.extensions import db
    from casework.services import ledger
    from casework.services.actor import Actor

    actor, timings = Actor.job("bench"), []
    for r in range(rounds):
        payload = items(10**7 + r * batch, batch)
        start = time.perf_counter()
        ledger.deposit_many(payload, actor=actor, now=NOW)
        db.session.commit()
        timings.append(time.perf_counter() - start)
    return batch / statistics.median(timings)


def bulk_fill(target: int) -> None:
    """Grow the log to `target` leaves quickly: same entries and nodes as appends, bulk inserted."""
    from casework.extensions import db
    from casework.ledger import log, merkle
    from casework.ledger.entries import build_entry
    from casework.models.ledger import Deposit, LedgerNode, LedgerState

    chunk = 50_000
    while True:
        size = log.lock(db.session)
        if size >= target:
            db.session.commit()
            return
        count = min(chunk, target - size)
        entries = [build_entry(at=NOW, actor="job:bench-fill", **item) for item in items(2 * 10**7 + size, count)]
        encoded = [log.canonical_bytes(e) for e in entries]
        leaves = [merkle.leaf_hash(raw) for raw in encoded]
        result = merkle.append_nodes(size, leaves, merkle.prefetch(merkle.root_nodes(size),
                                                                    lambda ids: log.fetch_nodes(db.session, ids)))
        db.session.execute(sa.insert(Deposit.__table__), [
            {"idx": size + i, "entry": raw.decode(), "leaf_hash": leaf, "kind": e.kind, "sha256": e.sha256,
             "size": e.size, "subject": e.subject, "actor": e.actor, "at": NOW}
            for i, (e, raw, leaf) in enumerate(zip(entries, encoded, leaves))])
        db.session.execute(sa.insert(LedgerNode.__table__),
                           [{"level": lv, "idx": ix, "hash": h} for lv, ix, h in result.nodes])
        db.session.execute(sa.update(LedgerState.__table__).values(size=result.size))
        db.session.commit()


def proof_medians(samples: int) -> tuple[float, float, float]:
    """Median microseconds: inclusion proof, consistency proof, whole receipt (latest checkpoint)."""
    from casework.extensions import db
    from casework.ledger import log, merkle
    from casework.services import ledger

    size = log.tree_size(db.session)
    checkpoint = ledger.latest_checkpoint(now=NOW)
    db.session.commit()
    rng = random.Random(size)
    root = bytes(checkpoint.root)

    def timed(fn) -> float:
        out = []
        for _ in range(samples):
            start = time.perf_counter_ns()
            fn()
            out.append(time.perf_counter_ns() - start)
        return statistics.median(out) / 1000

    def inclusion():
        i = rng.randrange(size)
        return log.inclusion_proof(db.session, i, size)

    def consistency():
        return log.consistency_proof(db.session, rng.randrange(1, size), size)

    def receipt():
        return ledger.receipt(rng.randrange(size), now=NOW)

    # Sanity: the proofs verify against the signed root.
    i = rng.randrange(size)
    leaf = bytes(db.session.get(__import__("casework.models.ledger", fromlist=["Deposit"]).Deposit, i).leaf_hash)
    merkle.verify_inclusion(i, size, leaf, log.inclusion_proof(db.session, i, size), root)
    result = timed(inclusion), timed(consistency), timed(receipt)
    db.session.rollback()
    return result


def run(url: str, args) -> None:
    from casework.extensions import db

    with tempfile.TemporaryDirectory() as tmp:
        app = fresh_app(url, Path(tmp))
        with app.app_context():
            single = rate_single(args.single)
            batched = rate_batched(args.batch, args.rounds)
            print(f"  deposits, one per transaction: {single:,.0f}/s (median of {args.single})")
            print(f"  deposits, batches of {args.batch:,}: {batched:,.0f}/s (median of {args.rounds} batches)")
            for target in args.sizes:
                bulk_fill(target)
                inc, con, rec = proof_medians(args.samples)
                print(f"  at {target:>9,} leaves: inclusion proof {inc:7.0f} us, consistency proof {con:7.0f} us, "
                      f"whole receipt {rec:7.0f} us (medians of {args.samples})")
            batched_big = rate_batched(args.batch, args.rounds)
            print(f"  deposits, batches of {args.batch:,} at {args.sizes[-1]:,} leaves: {batched_big:,.0f}/s")
            if args.verify:
                from casework.ledger.check import check_log
                from casework.services import ledger

                start = time.perf_counter()
                report = check_log(db.session, verifier=ledger.verifier_key(), origin=app.config["LEDGER_ORIGIN"])
                print(f"  ledger verify: {'OK' if report.ok else report.problems[:3]} "
                      f"({report.entries:,} entries, {time.perf_counter() - start:.1f} s)")
            db.session.remove()
            db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", help="a PostgreSQL URL; a scratch database is created beside it")
    parser.add_argument("--single", type=int, default=300)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], default=[10**3, 10**5, 10**6])
    parser.add_argument("--verify", action="store_true", help="also time a full check of the stored log")
    args = parser.parse_args()
    if not args.pg:
        with tempfile.TemporaryDirectory() as tmp:
            print("SQLite")
            run(f"sqlite:///{tmp}/bench.sqlite3", args)
        return
    name = f"bench_ledger_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(args.pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        print("PostgreSQL")
        run(sa.engine.make_url(args.pg).set(database=name).render_as_string(hide_password=False), args)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


if __name__ == "__main__":
    main()

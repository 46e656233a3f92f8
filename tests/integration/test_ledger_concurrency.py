"""Several processes append to one ledger at once (real commits, a fresh database): the indexes are
gapless, nothing is lost or doubled, every checkpoint is consistent, and the whole tree verifies.
Runs on SQLite (its write lock) and PostgreSQL (a row lock) alike."""
from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import committed_app, make_app

WORKERS = 4
ROUNDS = 8
BATCH = 25


def _append(url: str, instance: str, worker: int, barrier) -> None:
    """One process: ROUNDS transactions, alternating a batch, single deposits, and a checkpoint."""
    from casework.extensions import db
    from casework.models import utcnow
    from casework.services import ledger
    from casework.services.actor import Actor

    app = make_app(url, Path(instance))
    actor = Actor.job(f"worker-{worker}")
    barrier.wait(timeout=120)
    for round_ in range(ROUNDS):
        with app.app_context():
            items = [{"kind": "evidence", "sha256": f"{worker:02x}{round_:02x}{n:04x}".ljust(64, "0"), "size": n,
                      "subject": f"case:{worker}"} for n in range(BATCH)]
            if round_ % 2:
                for item in items:
                    ledger.deposit(actor=actor, now=utcnow(), **item)
            else:
                ledger.deposit_many(items, actor=actor, now=utcnow())
            if round_ % 3 == 2:
                ledger.latest_checkpoint(now=utcnow())
            db.session.commit()
        with app.app_context():
            db.session.remove()
    with app.app_context():
        db.engine.dispose()


@pytest.mark.no_transaction
def test_processes_append_concurrently_without_gaps(fresh_database, tmp_path):
    from casework.extensions import db
    from casework.ledger.check import check_log
    from casework.ledger.receipt import check_receipt
    from casework.models.ledger import Deposit
    from casework.services import ledger
    from casework.storage import get_storage

    instance = tmp_path / "instance"
    with committed_app(fresh_database, instance) as app:
        ctx = multiprocessing.get_context("spawn")
        barrier = ctx.Barrier(WORKERS)
        procs = [ctx.Process(target=_append, args=(fresh_database, str(instance), w, barrier)) for w in range(WORKERS)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(timeout=300)
        assert [p.exitcode for p in procs] == [0] * WORKERS
        with app.app_context():
            total = WORKERS * ROUNDS * BATCH
            indexes = list(db.session.scalars(select(Deposit.index).order_by(Deposit.index)))
            assert indexes == list(range(total))
            per_worker = dict(db.session.execute(select(Deposit.actor, func.count()).group_by(Deposit.actor)).all())
            assert per_worker == {f"job:worker-{w}": ROUNDS * BATCH for w in range(WORKERS)}
            assert db.session.scalar(select(func.count(func.distinct(Deposit.sha256)))) == total
            report = check_log(db.session, verifier=ledger.verifier_key(), origin=app.config["LEDGER_ORIGIN"],
                               storage=get_storage(app))
            assert report.ok, [str(p) for p in report.problems]
            assert report.entries == total and report.checkpoints >= 1
            for index in (0, total // 2, total - 1):
                assert check_receipt(ledger.receipt(index), ledger.verifier_key()).sha256
            db.session.commit()

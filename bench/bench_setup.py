"""Shared set-up for the case-domain benchmarks: a migrated app on a given database, and works."""
from __future__ import annotations

import hashlib
import logging
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def fresh_app(url: str, instance: Path):
    """An app on `url`, migrated to head (no test transaction, real commits)."""
    from flask_migrate import upgrade

    from casework import create_app

    logging.getLogger("alembic").setLevel(logging.WARNING)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance), "SCHEMA_CHECK": False,
                      "TESTING": False, "ALLOW_PRIVATE_URLS": True})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    return app


def make_works(holder_id: int, n: int) -> list[int]:
    """n deposited works (one file each) for a rights holder, inside the current app context."""
    from casework.extensions import db
    from casework.models import utcnow
    from casework.models.works import Work, WorkFile
    from casework.services import ledger
    from casework.services.actor import Actor

    now = utcnow()
    ids = []
    for i in range(n):
        work = Work(title=f"Bench work {i}", kind="image", rights_holder_id=holder_id, created_at=now)
        db.session.add(work)
        db.session.flush()
        digest = hashlib.sha256(f"bench work {i}".encode()).hexdigest()
        deposit = ledger.deposit(kind="work_file", sha256=digest, size=1, subject=f"work:{work.id}",
                                 actor=Actor.system("bench"), now=now)
        db.session.add(WorkFile(work_id=work.id, name=f"w{i}.png", sha256=digest, size=1, deposit_index=deposit.index))
        ids.append(work.id)
    db.session.flush()
    return ids

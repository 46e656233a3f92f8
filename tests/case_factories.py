"""Factories for the case domain's tests: works, detections, and cases at each stage.

`case_at(stage)` sets up a case already in a stage for tests about something else; it writes the
stage directly (test set-up only, as fixtures do), so that guards other domains add for later stages
do not get in the way. Tests about moving cases use `casework.workflow.transition`.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from itertools import count

from sqlalchemy import update

from casework.extensions import db
from casework.models.cases import Case
from casework.services import cases as case_service
from casework.services import detections
from casework.services.actor import Actor

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=timezone.utc)
_seq = count(1)


def system() -> Actor:
    return Actor.system("tests")


def make_work(holder_id: int, title: str | None = None, *, deposited: bool = True):
    """A registered work with one file; deposited (rights confirmed) unless told otherwise."""
    from casework.models.works import Work, WorkFile

    from casework.services import ledger

    n = next(_seq)
    work = Work(title=title or f"Work {n}", kind="image", rights_holder_id=holder_id, created_at=NOW)
    db.session.add(work)
    db.session.flush()
    digest = hashlib.sha256(f"work file {n}".encode()).hexdigest()
    index = None
    if deposited:
        index = ledger.deposit(kind="work_file", sha256=digest, size=1024, subject=f"work:{work.id}", actor=system(),
                               now=NOW).index
    db.session.add(WorkFile(work_id=work.id, name=f"file{n}.png", sha256=digest, size=1024, media_type="image/png",
                            deposit_index=index))
    db.session.flush()
    return work


def detect(work, url: str, **extra) -> int:
    """One pending detection (via the real intake); returns its id."""
    item = {"work_id": work.id, "url": url, "detected_at": extra.pop("detected_at", NOW - timedelta(days=1)), **extra}
    result = detections.intake([item], source="form", actor=system(), now=extra.pop("now", NOW))
    return (result.created or result.duplicates)[0]


def case_at(stage: str, works, *, title: str = "A case", counsel=None, owner=None, infringer=None,
            outcome: str | None = None) -> Case:
    case = case_service.open_case(title=title, works=works, infringer=infringer, counsel=counsel, owner=owner,
                                  actor=system(), now=NOW)
    if stage != "review":
        values = {"stage": stage}
        if stage == "closed":
            values.update(outcome=outcome or "removed", closed_at=NOW)
        db.session.execute(update(Case).where(Case.id == case.id).values(**values))
        db.session.expire(case)
    return case


def sealed_bundle(case):
    """A sealed evidence bundle for `case` (its hash deposited; no ZIP is written): what the litigation
    guard asks for, for tests that move a case into litigation."""
    from casework.models.evidence import Bundle
    from casework.services import ledger

    digest = hashlib.sha256(f"bundle {next(_seq)}".encode()).hexdigest()
    bundle = Bundle(case_id=case.id, status="queued", progress=0.0, error="", created_at=NOW)
    db.session.add(bundle)
    db.session.flush()
    dep = ledger.deposit(kind="bundle", sha256=digest, size=2048, subject=f"bundle:{bundle.id}", actor=system(),
                         now=NOW)
    bundle.sha256, bundle.size, bundle.deposit_index = digest, 2048, dep.index
    bundle.status, bundle.progress, bundle.sealed_at, bundle.files = "sealed", 1.0, NOW, 0
    db.session.flush()
    return bundle

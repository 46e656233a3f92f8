"""Rules for cases, detections, infringers, platforms, deadlines, tasks and jobs.

Cases: admin and legal see all; counsel only the cases assigned to them; creators only cases on
their rights holder's works, redacted (`case.internal` is false for them: no notes, no owner, no
tags, no priority).
"""
from __future__ import annotations

from sqlalchemy import false, or_, select

from casework.models.cases import Case, case_work
from casework.models.scheduling import Deadline, Task
from casework.policy import STAFF, rule, scope


def _creator_case_clause(user):
    """Cases on the holder's works, as an uncorrelated IN: the holder's case ids are read once (by the
    work and case_work indexes) instead of an EXISTS probe per case row, which SQLite ran for
    every case in the list's index order."""
    from casework.models.works import Work

    return Case.id.in_(select(case_work.c.case_id).join(Work, Work.id == case_work.c.work_id)
                       .where(Work.rights_holder_id == user.rights_holder_id))


def creator_sees_case(user, case) -> bool:
    from casework.extensions import db
    from casework.models.works import Work

    if user.rights_holder_id is None:
        return False
    return db.session.scalar(
        select(case_work.c.case_id).join(Work, Work.id == case_work.c.work_id)
        .where(case_work.c.case_id == case.id, Work.rights_holder_id == user.rights_holder_id).limit(1)) is not None


@rule("case.view")
def _view_case(user, case) -> bool:
    if case is None:
        return False
    if user.role in STAFF:
        return True
    if user.role == "counsel":
        return case.counsel_id == user.id
    if user.role == "creator":
        return creator_sees_case(user, case)
    return False


@rule("case.edit")
def _edit_case(user, case) -> bool:
    """Assign, move, add URLs and works: legal and admin."""
    return user.role in STAFF


@rule("case.note")
def _note_case(user, case) -> bool:
    return user.role in STAFF


@rule("case.internal")
def _internal(user, case) -> bool:
    """See internal fields and notes: never counsel or creators."""
    return user.role in STAFF


@scope("case")
def _cases(user, stmt):
    if user.role in STAFF:
        return stmt
    if user.role == "counsel":
        return stmt.where(Case.counsel_id == user.id)
    if user.role == "creator" and user.rights_holder_id is not None:
        return stmt.where(_creator_case_clause(user))
    return stmt.where(false())


@rule("detection.review")
def _review(user, detection) -> bool:
    return user.role in STAFF


@scope("detection")
def _detections(user, stmt):
    return stmt if user.role in STAFF else stmt.where(false())


@rule("infringer.manage")
def _infringers(user, obj) -> bool:
    return user.role in STAFF


@rule("platform.manage")
def _platforms(user, obj) -> bool:
    return user.role in STAFF


@rule("deadline.view")
def _view_deadline(user, deadline) -> bool:
    if deadline is None:
        return False
    if user.role in STAFF:
        return True
    if deadline.case is None:
        return user.role != "creator" and deadline.owner_id == user.id
    return _view_case(user, deadline.case)


@rule("deadline.edit")
def _edit_deadline(user, deadline) -> bool:
    return user.role in STAFF


@scope("deadline")
def _deadlines(user, stmt):
    if user.role in STAFF:
        return stmt
    if user.role == "counsel":
        return stmt.where(or_(Deadline.owner_id == user.id,
                              Deadline.case_id.in_(select(Case.id).where(Case.counsel_id == user.id))))
    if user.role == "creator" and user.rights_holder_id is not None:
        return stmt.where(Deadline.case_id.in_(select(Case.id).where(_creator_case_clause(user))))
    return stmt.where(false())


@rule("task.view")
def _view_task(user, task) -> bool:
    return task is not None and (user.role in STAFF or task.created_by_id == user.id)


@scope("task")
def _tasks(user, stmt):
    return stmt if user.role in STAFF else stmt.where(Task.created_by_id == user.id)


@rule("jobs.view")
def _jobs(user, obj) -> bool:
    return user.role in STAFF

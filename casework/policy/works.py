"""Rules for works and their files.

admin and legal see and register every work; creators their own rights holder's works only;
counsel only the works of cases assigned to them (read-only). Anything else is a 404.
"""
from __future__ import annotations

from sqlalchemy import exists, false, select

from casework.models.cases import Case, case_work
from casework.models.works import Work
from casework.policy import STAFF, rule, scope


def _counsel_clause(user):
    return exists(select(case_work.c.work_id).join(Case, Case.id == case_work.c.case_id)
                  .where(case_work.c.work_id == Work.id, Case.counsel_id == user.id))


@rule("work.view")
def _view_work(user, work) -> bool:
    if work is None:
        return False
    if user.role in STAFF:
        return True
    if user.role == "creator":
        return user.rights_holder_id is not None and work.rights_holder_id == user.rights_holder_id
    if user.role == "counsel":
        from casework.extensions import db

        return db.session.scalar(select(case_work.c.work_id).join(Case, Case.id == case_work.c.case_id)
                                 .where(case_work.c.work_id == work.id, Case.counsel_id == user.id)
                                 .limit(1)) is not None
    return False


@rule("work.register")
def _register_work(user, holder) -> bool:
    """Register a work for `holder` (a RightsHolder): staff for anyone, creators for their own."""
    if user.role in STAFF:
        return True
    return (user.role == "creator" and holder is not None and user.rights_holder_id is not None
            and holder.id == user.rights_holder_id)


@rule("work.edit")
def _edit_work(user, work) -> bool:
    """Add files to a work: staff, and the creators of its rights holder."""
    if work is None:
        return False
    return user.role in STAFF or (user.role == "creator" and work.rights_holder_id == user.rights_holder_id)


@scope("work")
def _works(user, stmt):
    if user.role in STAFF:
        return stmt
    if user.role == "creator" and user.rights_holder_id is not None:
        return stmt.where(Work.rights_holder_id == user.rights_holder_id)
    if user.role == "counsel":
        return stmt.where(_counsel_clause(user))
    return stmt.where(false())

"""Rules for takedown notices.

Legal and admin see and work every takedown; outside counsel read those of the cases assigned to
them; creators never open a takedown (the case page gives them its platform and plain status only,
through `takedown.plain`), so a takedown's page and JSON are a 404 for them.
"""
from __future__ import annotations

from sqlalchemy import false, select

from casework.models.cases import Case
from casework.models.takedowns import TakedownNotice
from casework.policy import STAFF, rule, scope


@rule("takedown.view")
def _view(user, td) -> bool:
    if td is None:
        return False
    if user.role in STAFF:
        return True
    if user.role == "counsel":
        case = td.case
        return case is not None and case.counsel_id == user.id
    return False


@rule("takedown.manage")
def _manage(user, td) -> bool:
    """Create, send and record the platform's answers: legal and admin."""
    return user.role in STAFF


@scope("takedown")
def _takedowns(user, stmt):
    if user.role in STAFF:
        return stmt
    if user.role == "counsel":
        return stmt.where(TakedownNotice.case_id.in_(select(Case.id).where(Case.counsel_id == user.id)))
    return stmt.where(false())

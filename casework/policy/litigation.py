"""Rules for litigation records (DESIGN.md's table: counsel add litigation records to their cases).

Whoever may see a case may see its litigation (creators a plain summary, decided by the views);
legal, admin and the case's assigned counsel edit it; only legal and admin close the case.
"""
from __future__ import annotations

from casework.policy import STAFF, can, rule


@rule("litigation.edit")
def _edit(user, case) -> bool:
    if case is None:
        return False
    if user.role in STAFF:
        return True
    return user.role == "counsel" and case.counsel_id == user.id


@rule("litigation.full")
def _full(user, case) -> bool:
    """See the whole record (parties' counsel, costs, notes on hearings): everyone but creators."""
    return case is not None and user.role != "creator" and can(user, "case.view", case)


@rule("litigation.close")
def _close(user, case) -> bool:
    return case is not None and user.role in STAFF

"""Rules for documents and their templates.

admin and legal draft, edit, approve, sign and send every case's documents; counsel read the
documents of the cases assigned to them; creators read the signed documents of cases on their
works (never drafts) and the deposit certificates of their own works. Templates: admin only.
"""
from __future__ import annotations

from sqlalchemy import false, or_, select

from casework.models.cases import Case
from casework.models.documents import Document
from casework.policy import STAFF, can, rule, scope

SIGNED = ("signed", "sent", "answered", "no_answer")


@rule("document.view")
def _view(user, doc) -> bool:
    if doc is None:
        return False
    if user.role in STAFF:
        return True
    if doc.case_id is not None:
        if user.role == "creator" and doc.status not in SIGNED:
            return False
        return can(user, "case.view", doc.case)
    return doc.work is not None and doc.status in SIGNED and can(user, "work.view", doc.work)


@rule("document.edit")
def _edit(user, doc) -> bool:
    """Draft, edit, sign and send: legal and admin."""
    return user.role in STAFF


@rule("document.approve")
def _approve(user, doc) -> bool:
    return user.role in STAFF


@rule("document.internal")
def _internal(user, doc) -> bool:
    """Recipients, answers and the completeness list: not for creators."""
    return user.role in ("admin", "legal", "counsel")


@rule("document_template.edit")
def _templates(user, obj) -> bool:
    return user.role == "admin"


@scope("document")
def _documents(user, stmt):
    if user.role in STAFF:
        return stmt
    if user.role == "counsel":
        return stmt.where(Document.case_id.in_(select(Case.id).where(Case.counsel_id == user.id)))
    if user.role == "creator" and user.rights_holder_id is not None:
        from casework.models.works import Work
        from casework.policy.cases import _creator_case_clause

        cases = select(Case.id).where(_creator_case_clause(user))
        works = select(Work.id).where(Work.rights_holder_id == user.rights_holder_id)
        return stmt.where(Document.status.in_(SIGNED),
                          or_(Document.case_id.in_(cases), Document.work_id.in_(works)))
    return stmt.where(false())

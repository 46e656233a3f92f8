"""Rules for evidence items and bundles.

Legal and admin work the evidence of every case; counsel the evidence of the cases assigned to them
(they may add evidence and export bundles, DESIGN.md's table). Creators follow their cases but do not
open the evidence: they see that items exist (kind, time, hash and deposit index, which the public
ledger shows anyway), never the files, the URLs, who supplied them, the custody log or the bundles.
Evidence is the case team's litigation material, every opening of it becomes part of the chain of
custody a court reads, and that chain should name only the people handling the case.
"""
from __future__ import annotations

from sqlalchemy import false, select

from casework.models.cases import Case
from casework.models.evidence import Bundle, EvidenceItem
from casework.policy import STAFF, rule, scope


def _works_case(user, case) -> bool:
    """Staff for any case, counsel for a case assigned to them."""
    if case is None:
        return False
    if user.role in STAFF:
        return True
    return user.role == "counsel" and case.counsel_id == user.id


@rule("evidence.view")
def _view_item(user, item) -> bool:
    return item is not None and _works_case(user, item.case)


@rule("evidence.add")
def _add_item(user, case) -> bool:
    """Capture a page or upload a file to the case."""
    return _works_case(user, case)


@rule("bundle.view")
def _view_bundle(user, bundle) -> bool:
    return bundle is not None and _works_case(user, bundle.case)


@rule("bundle.export")
def _export(user, case) -> bool:
    return _works_case(user, case)


@rule("bundle.share")
def _share(user, bundle) -> bool:
    """Make or revoke share links: whoever may export the bundle's case."""
    return bundle is not None and _works_case(user, bundle.case)


@scope("evidence")
def _items(user, stmt):
    if user.role in STAFF:
        return stmt
    if user.role == "counsel":
        return stmt.where(EvidenceItem.case_id.in_(select(Case.id).where(Case.counsel_id == user.id)))
    return stmt.where(false())


@scope("bundle")
def _bundles(user, stmt):
    if user.role in STAFF:
        return stmt
    if user.role == "counsel":
        return stmt.where(Bundle.case_id.in_(select(Case.id).where(Case.counsel_id == user.id)))
    return stmt.where(false())

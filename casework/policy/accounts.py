"""Rules for users, rights holders, tokens and the audit log."""
from __future__ import annotations

from sqlalchemy import false

from casework.models import RightsHolder
from casework.policy import rule, scope


@rule("user.manage")
def _manage_users(user, obj) -> bool:
    return user.role == "admin"


@rule("audit.view")
def _view_audit(user, obj) -> bool:
    return user.role == "admin"


@rule("token.manage")
def _manage_token(user, token) -> bool:
    # Everyone manages their own tokens; admins may revoke anyone's.
    return user.role == "admin" or (token is not None and token.user_id == user.id)


@rule("rights_holder.view")
def _view_holder(user, holder) -> bool:
    if user.role in ("admin", "legal"):
        return True
    return user.role == "creator" and holder is not None and holder.id == user.rights_holder_id


@rule("rights_holder.manage")
def _manage_holder(user, holder) -> bool:
    return user.role in ("admin", "legal")


@scope("rights_holder")
def _holders(user, stmt):
    if user.role in ("admin", "legal"):
        return stmt
    if user.role == "creator":
        return stmt.where(RightsHolder.id == user.rights_holder_id)
    return stmt.where(false())

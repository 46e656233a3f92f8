"""API: rights holders, users, and who am I."""
from __future__ import annotations

from flask import request
from flask_login import current_user
from sqlalchemy import select

from casework.api.core import ApiError, PAGE_QUERY, endpoint, page_schema, paginate
from casework.models import ROLES, RightsHolder, User
from casework.policy import EVERYONE, STAFF, visible

HOLDER = {"type": "object", "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"}, "kind": {"enum": ["person", "company"]},
    "email": {"type": "string"}, "phone": {"type": "string"}, "address": {"type": "string"}}}
USER = {"type": "object", "properties": {
    "id": {"type": "integer"}, "email": {"type": "string"}, "name": {"type": "string"}, "role": {"enum": list(ROLES)}}}


def holder_json(h: RightsHolder) -> dict:
    return {"id": h.id, "name": h.name, "kind": h.kind, "email": h.email, "phone": h.phone, "address": h.address,
            "registration_number": h.registration_number}


def user_json(u: User) -> dict:
    return {"id": u.id, "email": u.email, "name": u.name, "role": u.role, "organisation": u.organisation}


@endpoint("/rights-holders", roles=("admin", "legal", "creator"), summary="Rights holders this user may see",
          query=PAGE_QUERY, response_schema=page_schema(HOLDER), tags=("works",))
def list_rights_holders():
    stmt = visible(current_user, "rights_holder", select(RightsHolder)).order_by(RightsHolder.name, RightsHolder.id)
    return paginate(stmt, holder_json)


@endpoint("/users", roles=STAFF, summary="Users, for assigning cases (filter by role)",
          query={"role": {"enum": list(ROLES)}, **PAGE_QUERY}, response_schema=page_schema(USER), tags=("accounts",))
def list_users():
    stmt = select(User).where(User.active.is_(True)).order_by(User.email)
    role = request.args.get("role")
    if role:
        if role not in ROLES:
            raise ApiError(400, f"role must be one of {', '.join(ROLES)}")
        stmt = stmt.where(User.role == role)
    return paginate(stmt, user_json)


@endpoint("/me", roles=EVERYONE, summary="The user this token acts for", response_schema=USER, tags=("accounts",))
def me():
    return user_json(current_user)

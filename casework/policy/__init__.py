"""The access policy: one place that answers "may this user do this (to this object)?".

Two layers, both declared here or in this package's domain modules:

* route access: every view carries `@allow(...)`, naming the roles that may reach it at all (or
  `public=True`). A test walks every registered route for every role, so a route without a
  declaration fails the suite.
* object access: rules registered with `@rule("case.view")` decide for one object; views load
  objects through `get_or_404(Model, id, "case.view")`, so an object a user may not see is a 404.
  `visible(user, "case", stmt)` narrows list queries the same way.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from typing import Any, Callable, Optional

from flask import abort, request
from flask_login import current_user

from casework.extensions import db, login_manager

STAFF = ("admin", "legal")
EVERYONE = ("admin", "legal", "counsel", "creator")

_RULES: dict[str, Callable[[Any, Any], bool]] = {}
_SCOPES: dict[str, Callable[[Any, Any], Any]] = {}


@dataclass(frozen=True)
class RouteAccess:
    roles: tuple[str, ...]
    public: bool = False


def allow(*roles: str, public: bool = False):
    """Declare and enforce which roles may reach a view."""
    for role in roles:
        if role not in EVERYONE:
            raise ValueError(f"unknown role {role}")
    spec = RouteAccess(tuple(roles), public)

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not spec.public:
                if not current_user.is_authenticated:
                    return login_manager.unauthorized()
                if current_user.role not in spec.roles:
                    abort(403)
            return view(*args, **kwargs)

        wrapped.access = spec
        return wrapped

    return decorate


def rule(action: str):
    """Register the object-level rule for an action such as "case.view"."""

    def decorate(fn: Callable[[Any, Any], bool]):
        if action in _RULES:
            raise ValueError(f"rule {action} registered twice")
        _RULES[action] = fn
        return fn

    return decorate


def scope(kind: str):
    """Register how to narrow a select() of `kind` objects to those a user may see."""

    def decorate(fn):
        _SCOPES[kind] = fn
        return fn

    return decorate


def can(user, action: str, obj: Any = None) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    fn = _RULES.get(action)
    if fn is None:
        raise LookupError(f"no policy rule for {action!r}")
    return bool(fn(user, obj))


def visible(user, kind: str, stmt):
    fn = _SCOPES.get(kind)
    if fn is None:
        raise LookupError(f"no visibility scope for {kind!r}")
    return fn(user, stmt)


def get_or_404(model, ident: Any, action: str, user=None):
    """Load an object and check `action` on it; anything not allowed looks like it does not exist."""
    user = user if user is not None else current_user
    obj = db.session.get(model, ident)
    if obj is None or not can(user, action, obj):
        abort(404)
    return obj


def require(action: str, obj: Any = None, user=None, status: int = 403) -> None:
    """For actions on an object the user may already see (e.g. approve): refuse with 403."""
    if not can(user if user is not None else current_user, action, obj):
        abort(status)


def client_ip() -> str:
    return (request.remote_addr or "")[:45]


# Domain rules live beside this module; importing them registers them.
from casework.policy import accounts  # noqa: E402,F401
from casework.policy import cases  # noqa: E402,F401
from casework.policy import works  # noqa: E402,F401
from casework.policy import evidence  # noqa: E402,F401
from casework.policy import documents  # noqa: E402,F401

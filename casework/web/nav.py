"""The navigation bar, by role. Domains add their entries here as they arrive."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from casework.web.inbox import INBOX_LABEL


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    roles: tuple[str, ...]
    order: int = 50


NAV: list[NavItem] = [
    NavItem("dashboard.index", _l("Dashboard"), ("admin", "legal"), 10),
    NavItem("workspace.index", _l("Your cases"), ("counsel",), 10),
    NavItem("portal.index", _l("Home"), ("creator",), 10),
    NavItem("review.queue", _l("Review"), ("admin", "legal"), 20),
    NavItem("works.index", _l("Works"), ("admin", "legal", "counsel", "creator"), 25),
    NavItem("works.verify", _l("Verify"), ("admin", "legal", "counsel", "creator"), 80),
    NavItem("cases.index", _l("Cases"), ("admin", "legal", "counsel", "creator"), 30),
    NavItem("cases.deadlines", _l("Deadlines"), ("admin", "legal", "counsel"), 35),
    NavItem("monitoring.infringers", _l("Infringers"), ("admin", "legal"), 60),
    NavItem("monitoring.platforms", _l("Platforms"), ("admin", "legal"), 62),
    NavItem("takedowns.platforms", _l("Takedowns"), ("admin", "legal"), 63),
    NavItem("documents.index", _l("Documents"), ("admin", "legal", "counsel"), 40),
    NavItem("jobs.index", _l("Jobs"), ("admin", "legal"), 92),
    NavItem("reports.index", _l("Reports"), ("admin", "legal"), 70),
    NavItem("webhooks.index", _l("Webhooks"), ("admin",), 93),
    NavItem("inbox.index", INBOX_LABEL, ("admin", "legal", "counsel", "creator"), 98),
    NavItem("admin.users", _l("Users"), ("admin",), 90),
    NavItem("admin.holders", _l("Rights holders"), ("admin", "legal"), 85),
    NavItem("admin.audit_log", _l("Audit log"), ("admin",), 95),
]


def items_for_current_user() -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    views = current_app.view_functions
    return sorted((i for i in NAV if current_user.role in i.roles and i.endpoint in views), key=lambda i: i.order)


def register(app: Flask) -> None:
    app.context_processor(lambda: {"nav_items": items_for_current_user})

"""HTML pages: one blueprint per domain, registered here.

Views stay thin: parse, check access, call a service with `actor` and `now`, commit once.
"""
from __future__ import annotations

from flask import Flask

from casework.web import errors, nav


def register(app: Flask) -> None:
    from casework.web import account, admin, auth, main
    from casework.web import cases, dashboard, jobs, monitoring, review
    from casework.web import works
    from casework.web import documents
    from casework.web import evidence
    from casework.web import inbox, reports, webhooks
    from casework.web import litigation, portal, workspace
    from casework.web import takedowns

    for module in (auth, main, account, admin, dashboard, review, cases, monitoring, jobs, works, documents, evidence, takedowns,
                   litigation, workspace, portal, inbox, reports, webhooks):
        app.register_blueprint(module.bp)
    errors.register(app)
    nav.register(app)

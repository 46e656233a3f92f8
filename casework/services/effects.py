"""Side effects that must wait for the commit.

A service queues a callable; it runs after the session commits, and is dropped if the session
rolls back, so no e-mail or webhook ever describes a change that did not happen.
"""
from __future__ import annotations

import logging
from typing import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
_KEY = "casework_after_commit"


def after_commit(session: Session, fn: Callable[[], None]) -> None:
    session.info.setdefault(_KEY, []).append(fn)


_installed = False


def install_once() -> None:
    """Listen on every ORM session; effects queued on a session run after its own commit."""
    global _installed
    if _installed:
        return
    _installed = True

    @event.listens_for(Session, "after_commit")
    def _run(session: Session) -> None:
        queued = session.info.pop(_KEY, [])
        for fn in queued:
            try:
                fn()
            except Exception:  # one failing effect must not hide the others
                log.exception("after-commit effect failed")

    @event.listens_for(Session, "after_rollback")
    def _drop(session: Session) -> None:
        session.info.pop(_KEY, None)

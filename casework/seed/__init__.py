"""Demo data, loaded by `flask --app app seed-demo`, idempotently.

Each domain adds a seeding step to STEPS (in order); a step looks up what it made before and only
creates what is missing, so running the command twice changes nothing.
"""
from __future__ import annotations

from datetime import datetime
from typing import Callable

from casework.seed import accounts as _accounts
from casework.seed import cases as _cases
from casework.seed import documents as _documents
from casework.seed import evidence as _evidence
from casework.seed import litigation as _litigation
from casework.seed import notifications as _notifications
from casework.seed import takedowns as _takedowns
from casework.seed import works as _works

DEMO_PASSWORD = "demo-password"
DEMO_USERS = ("admin@demo.test", "legal@demo.test", "counsel@demo.test", "creator@demo.test")

# step(now) -> list of report lines
STEPS: list[Callable[[datetime], list[str]]] = [_accounts.seed, _works.seed, _cases.seed]  # keep cases after works: it needs works
STEPS.append(_documents.seed)  # after cases: letters on the demo cases; before takedowns
STEPS.append(_evidence.seed)  # after cases and documents; before litigation, which needs the sealed bundle
STEPS.append(_takedowns.seed)  # after cases, documents (certificates) and evidence: a CN notice cites both
STEPS.append(_litigation.seed)  # after cases, and after evidence where that step is: court needs a sealed bundle
STEPS.append(_notifications.seed)  # keep last: it turns what every step before left in the outbox into notifications


def run(now: datetime) -> list[str]:
    report: list[str] = []
    for step in STEPS:
        report.extend(step(now))
    return report

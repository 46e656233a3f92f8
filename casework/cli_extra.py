"""Commands contributed by the domains (ledger, signing, scheduler...), registered in one place."""
from __future__ import annotations

from flask import Flask

from casework.jobs import cli as jobs_cli
from casework.ledger import cli as ledger_cli
from casework import signing_setup

# Each entry: a function taking the app and adding its commands. Domains append theirs.
REGISTRARS: list = [jobs_cli.register, ledger_cli.register, signing_setup.register]


def register(app: Flask) -> None:
    for registrar in REGISTRARS:
        registrar(app)

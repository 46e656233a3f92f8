"""Commands contributed by the domains (ledger, signing, scheduler...), registered in one place."""
from __future__ import annotations

from flask import Flask

# Each entry: a function taking the app and adding its commands. Domains append theirs.
REGISTRARS: list = []


def register(app: Flask) -> None:
    for registrar in REGISTRARS:
        registrar(app)

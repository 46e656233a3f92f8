"""JSON API v1 (see API.md): bearer tokens, JSON errors, pagination, a generated OpenAPI document."""
from __future__ import annotations

from flask import Flask

from casework.api.core import bp


def register(app: Flask) -> None:
    from casework.api import accounts, openapi  # noqa: F401  (modules register their endpoints)
    from casework.api import cases, detections  # noqa: F401
    from casework.api import ledger, works  # noqa: F401
    from casework.api import evidence  # noqa: F401
    from casework.api import webhooks  # noqa: F401
    from casework.api import documents  # noqa: F401
    from casework.api import litigation  # noqa: F401
    from casework.api import takedowns  # noqa: F401
    from casework.extensions import csrf

    csrf.exempt(bp)  # the API accepts bearer tokens only, never the session cookie
    app.register_blueprint(bp)

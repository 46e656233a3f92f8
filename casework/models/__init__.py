"""All models, imported here so Alembic and the app see every table.

Each domain keeps its own module; add the import of a new one below.
"""
from casework.models.base import Base, UTCDateTime, utcnow  # noqa: F401
from casework.models.accounts import ApiToken, LoginAttempt, RightsHolder, Role, ROLES, User  # noqa: F401
from casework.models.audit import AuditEntry  # noqa: F401

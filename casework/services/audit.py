"""Recording changes in the audit log, in the same transaction as the change."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from casework.extensions import db
from casework.models import AuditEntry
from casework.services.actor import Actor


def record(
    actor: Actor,
    action: str,
    obj: Any = None,
    summary: str = "",
    *,
    now: datetime,
    object_type: Optional[str] = None,
    object_id: Optional[Any] = None,
) -> AuditEntry:
    if obj is not None:
        obj = obj._get_current_object() if hasattr(obj, "_get_current_object") else obj  # current_user proxy
        object_type = object_type or type(obj).__tablename__
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    entry = AuditEntry(
        at=now,
        actor_kind=actor.kind,
        actor_user_id=actor.user_id,
        actor_label=actor.label,
        action=action,
        object_type=object_type or "",
        object_id=None if object_id is None else str(object_id),
        summary=summary[:2000],
        ip=actor.ip,
    )
    db.session.add(entry)
    return entry

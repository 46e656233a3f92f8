"""Who is acting: a person, a person through an API token, or a scheduled job."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Actor:
    kind: str  # "user", "token", "job" or "system"
    label: str  # e-mail address or job name, as shown in logs and ledger entries
    user_id: Optional[int] = None
    role: Optional[str] = None
    token_id: Optional[int] = None
    ip: str = ""

    @classmethod
    def for_user(cls, user, ip: str = "", token_id: Optional[int] = None) -> "Actor":
        return cls(
            kind="token" if token_id else "user",
            label=user.email,
            user_id=user.id,
            role=user.role,
            token_id=token_id,
            ip=ip,
        )

    @classmethod
    def job(cls, name: str) -> "Actor":
        return cls(kind="job", label=name)

    @classmethod
    def system(cls, what: str = "system") -> "Actor":
        return cls(kind="system", label=what)

    @property
    def ledger_name(self) -> str:
        """The actor as written into ledger entries: stable and free of personal data."""
        if self.user_id is not None:
            return f"user:{self.user_id}"
        return f"{self.kind}:{self.label}"

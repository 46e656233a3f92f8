"""Users, passwords, login throttling and API tokens."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from casework.extensions import db
from casework.models import ApiToken, LoginAttempt, RightsHolder, ROLES, User
from casework.services import audit
from casework.services.actor import Actor

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "yd_"
SCOPES = ("read", "write")


class AccountError(ValueError):
    """A request about accounts that cannot be honoured; the message is safe to show."""


def normalize_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False, test_environment=True,
                              globally_deliverable=False).normalized.lower()
    except EmailNotValidError as exc:
        raise AccountError(f"not a valid e-mail address: {exc}") from None


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"passwords need at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


_DUMMY: list[str] = []


def _dummy_hash() -> str:
    if not _DUMMY:
        _DUMMY.append(_hasher.hash(secrets.token_hex(16)))
    return _DUMMY[0]


def _equalize_timing(password: str) -> None:
    try:
        _hasher.verify(_dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        pass


def check_password(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_user(
    email: str, name: str, role: str, password: str, *, actor: Actor, now: datetime,
    rights_holder: Optional[RightsHolder] = None, language: str = "en", organisation: str = "",
) -> User:
    email = normalize_email(email)
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if role == "creator" and rights_holder is None:
        raise AccountError("a creator must belong to a rights holder")
    if role != "creator":
        rights_holder = None
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError(f"a user with e-mail {email} already exists")
    user = User(
        email=email, name=name.strip() or email, role=role, password_hash=hash_password(password),
        active=True, language=language if language in ("en", "zh") else "en",
        organisation=organisation, rights_holder=rights_holder, created_at=now,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", user, f"{email} ({role})", now=now)
    return user


def update_user(user: User, *, actor: Actor, now: datetime, **changes) -> User:
    allowed = {"name", "role", "active", "language", "organisation", "rights_holder"}
    unknown = set(changes) - allowed
    if unknown:
        raise AccountError(f"cannot change {', '.join(sorted(unknown))}")
    if changes.get("role", user.role) not in ROLES:
        raise AccountError("unknown role")
    if actor.user_id == user.id and (changes.get("active") is False or changes.get("role", "admin") != "admin"):
        if user.role == "admin":
            raise AccountError("you cannot deactivate or demote yourself")
    for key, value in changes.items():
        setattr(user, key, value)
    if user.role == "creator" and user.rights_holder is None:
        raise AccountError("a creator must belong to a rights holder")
    if user.role != "creator":
        user.rights_holder = None
    db.session.flush()
    audit.record(actor, "user.update", user, ", ".join(f"{k}={v}" for k, v in changes.items()), now=now)
    return user


def change_password(user: User, current: str, new: str, *, actor: Actor, now: datetime) -> None:
    if not check_password(user, current):
        raise AccountError("the current password is wrong")
    user.password_hash = hash_password(new)
    audit.record(actor, "user.password", user, "password changed", now=now)


def set_password(user: User, new: str, *, actor: Actor, now: datetime) -> None:
    user.password_hash = hash_password(new)
    audit.record(actor, "user.password", user, "password set by an administrator", now=now)


@dataclass(frozen=True)
class LoginResult:
    user: Optional[User]
    locked: bool = False


def authenticate(email: str, password: str, *, ip: str, now: datetime, max_failures: int,
                 lock_minutes: int) -> LoginResult:
    """Check credentials, throttling repeated failures per e-mail address.

    The same message is used for unknown e-mail and wrong password, and a locked account is
    not told apart from bad credentials by timing: the hash is always checked.
    """
    email = email.strip().lower()
    since = now - timedelta(minutes=lock_minutes)
    failures = db.session.scalar(
        select(func.count(LoginAttempt.id)).where(
            LoginAttempt.email == email, LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False)
        )
    ) or 0
    user = db.session.scalar(select(User).where(User.email == email))
    if user is not None:
        ok = check_password(user, password)
    else:  # spend the same time as a real check so unknown addresses do not stand out
        _equalize_timing(password)
        ok = False
    if failures >= max_failures:
        db.session.add(LoginAttempt(email=email, ip=ip, at=now, succeeded=False))
        return LoginResult(None, locked=True)
    if not ok or user is None or not user.active:
        db.session.add(LoginAttempt(email=email, ip=ip, at=now, succeeded=False))
        return LoginResult(None)
    db.session.add(LoginAttempt(email=email, ip=ip, at=now, succeeded=True))
    user.last_login_at = now
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return LoginResult(user)


def _digest(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is safe and keeps every API call cheap.
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, *, actor: Actor, now: datetime, name: str = "",
                 scopes: Iterable[str] = SCOPES) -> tuple[ApiToken, str]:
    scopes = list(dict.fromkeys(scopes))
    bad = [s for s in scopes if s not in SCOPES]
    if bad or not scopes:
        raise AccountError(f"scopes must be among {', '.join(SCOPES)}")
    clear = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, token_hash=_digest(clear), prefix=clear[:10],
                     scopes=scopes, created_at=now)
    db.session.add(token)
    db.session.flush()
    audit.record(actor, "token.create", token, f"token {token.prefix}… for {user.email}", now=now)
    return token, clear


def find_token(clear: str) -> Optional[ApiToken]:
    if not clear.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(clear)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    return token


def revoke_token(token: ApiToken, *, actor: Actor, now: datetime) -> None:
    if token.revoked_at is None:
        token.revoked_at = now
        audit.record(actor, "token.revoke", token, f"token {token.prefix}…", now=now)


def create_rights_holder(name: str, kind: str, *, actor: Actor, now: datetime, email: str = "",
                         phone: str = "", address: str = "", registration_number: str = "") -> RightsHolder:
    if kind not in ("person", "company"):
        raise AccountError("a rights holder is a person or a company")
    if not name.strip():
        raise AccountError("a rights holder needs a name")
    holder = RightsHolder(name=name.strip(), kind=kind, email=email, phone=phone, address=address,
                          registration_number=registration_number, created_at=now)
    db.session.add(holder)
    db.session.flush()
    audit.record(actor, "rights_holder.create", holder, holder.name, now=now)
    return holder


def update_rights_holder(holder: RightsHolder, *, actor: Actor, now: datetime, **fields) -> RightsHolder:
    allowed = {"name", "kind", "email", "phone", "address", "registration_number"}
    if set(fields) - allowed:
        raise AccountError(f"cannot change {', '.join(sorted(set(fields) - allowed))}")
    if "kind" in fields and fields["kind"] not in ("person", "company"):
        raise AccountError("a rights holder is a person or a company")
    if "name" in fields and not str(fields["name"]).strip():
        raise AccountError("a rights holder needs a name")
    for key, value in fields.items():
        setattr(holder, key, value)
    db.session.flush()
    audit.record(actor, "rights_holder.update", holder, holder.name, now=now)
    return holder

"""Settings from environment variables, with defaults that need no setup.

Everything lives under the instance folder by default (SQLite database, secret key, blobs, keys),
so a fresh checkout runs with nothing configured. Production sets DATABASE_URL and friends.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise RuntimeError(f"environment variable {name} must be a whole number, not {value!r}") from exc


def _secret_key(instance: Path) -> str:
    """Read SECRET_KEY from the environment, else from instance/secret_key, creating it once."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
        fh.flush()
        os.fsync(fh.fileno())
    try:
        os.link(tmp, path)  # never replace a key another process wrote first
    except FileExistsError:
        pass
    os.unlink(tmp)
    return path.read_text().strip()


def _database_url(instance: Path) -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{instance / 'casework.sqlite3'}"
    # Accept the common short forms and use psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def load(instance_path: str) -> dict:
    """Return the configuration mapping for an instance folder (created if missing)."""
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    return {
        "SECRET_KEY": _secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Site
        "SITE_NAME": os.environ.get("SITE_NAME", "Yidun Casework"),
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        "ORGANISATION_NAME": os.environ.get("ORGANISATION_NAME", "Yidun Rights Protection Centre"),
        # Storage and uploads
        "BLOB_DIR": os.environ.get("BLOB_DIR", str(instance / "blobs")),
        "MAX_UPLOAD_BYTES": _int("MAX_UPLOAD_BYTES", 2 * 1024**3),
        "MAX_JSON_BYTES": _int("MAX_JSON_BYTES", 8 * 1024**2),  # a JSON API body, read whole into memory
        "MAX_CONTENT_LENGTH": _int("MAX_UPLOAD_BYTES", 2 * 1024**3) + 1024 * 1024,
        # Ledger
        "LEDGER_ORIGIN": os.environ.get("LEDGER_ORIGIN", "yidun.example/ledger"),
        "LEDGER_KEY_FILE": os.environ.get("LEDGER_KEY_FILE", str(instance / "ledger-key.txt")),
        "TSA_URL": os.environ.get("TSA_URL", ""),
        # Signing: `flask --app app signing init-dev` writes a development PKI into SIGNING_DEV_DIR,
        # and the other paths default to its files. Lists of paths are separated by os.pathsep (":").
        "SIGNING_DEV_DIR": os.environ.get("SIGNING_DEV_DIR", str(instance / "signing")),
        "SIGNING_KEY": os.environ.get("SIGNING_KEY", str(instance / "signing" / "signer.key")),
        "SIGNING_CERT": os.environ.get("SIGNING_CERT", str(instance / "signing" / "signer.pem")),
        "SIGNING_CHAIN": os.environ.get("SIGNING_CHAIN", ""),  # empty: the dev root when the dev key is used
        "SIGNING_KEY_PASSWORD": os.environ.get("SIGNING_KEY_PASSWORD", ""),
        "SIGNING_LEVEL": os.environ.get("SIGNING_LEVEL", "B-T"),
        "SIGNING_TSA_URL": os.environ.get("SIGNING_TSA_URL", ""),
        "SIGNING_TRUST_ROOTS": os.environ.get("SIGNING_TRUST_ROOTS", str(instance / "signing" / "root-ca.pem")),
        "SIGNING_CRLS": os.environ.get("SIGNING_CRLS", ""),  # for B-LT/B-LTA; empty: the dev CRL with the dev key
        "SIGNING_STAMP_FONT": os.environ.get("SIGNING_STAMP_FONT", ""),
        # Outbound requests (captures, re-checks, webhooks)
        "ALLOW_PRIVATE_URLS": _bool("ALLOW_PRIVATE_URLS"),
        "CHROMIUM_PATH": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        # Mail
        "SMTP_HOST": os.environ.get("SMTP_HOST", ""),
        "SMTP_PORT": _int("SMTP_PORT", 25),
        "SMTP_USER": os.environ.get("SMTP_USER", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _bool("SMTP_STARTTLS"),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "casework@localhost"),
        # Accounts
        "LOGIN_MAX_FAILURES": _int("LOGIN_MAX_FAILURES", 5),
        "LOGIN_LOCK_MINUTES": _int("LOGIN_LOCK_MINUTES", 15),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE"),
        "WTF_CSRF_TIME_LIMIT": None,
        # i18n
        "BABEL_DEFAULT_LOCALE": "en",
        "LANGUAGES": {"en": "English", "zh": "简体中文"},
        # Scheduler and start-up
        "SCHEMA_CHECK": _bool("SCHEMA_CHECK", True),
    }

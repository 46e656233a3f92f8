"""Plain-text e-mail through the configured SMTP server, sent only after the commit.

Without SMTP_HOST nothing is sent (the audit log and the visible flags still say what happened).
A message may carry attachments (a signed PDF), and the caller may ask to hear how delivery went
(``on_result(ok, error)``, called after the attempt, outside the request's transaction).
"""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from typing import Callable, Iterable, Optional, Sequence

from flask import current_app

from casework.extensions import db
from casework.services import effects

log = logging.getLogger(__name__)


def configured() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


Attachment = tuple[str, str, bytes]  # (file name, media type, content)


def send_after_commit(recipients: Iterable[str], subject: str, body: str, *, link: Optional[str] = None,
                      attachments: Sequence[Attachment] = (),
                      on_result: Optional[Callable[[bool, str], None]] = None) -> bool:
    """Queue a message for after the caller's commit; False when SMTP is not configured."""
    recipients = [r for r in recipients if r]
    if not recipients or not configured():
        return False
    cfg = {k: current_app.config.get(k) for k in ("SMTP_HOST", "SMTP_PORT", "SMTP_USER", "SMTP_PASSWORD",
                                                   "SMTP_STARTTLS", "MAIL_FROM", "PUBLIC_BASE_URL", "SITE_NAME")}
    if link:
        body = body.rstrip() + f"\n\n{cfg['PUBLIC_BASE_URL'].rstrip('/')}{link}\n"
    message = EmailMessage()
    message["From"] = cfg["MAIL_FROM"]
    message["To"] = ", ".join(recipients)
    message["Subject"] = f"[{cfg['SITE_NAME']}] {subject}"
    message.set_content(body)
    for name, media_type, content in attachments:
        maintype, _, subtype = media_type.partition("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype or "octet-stream", filename=name)

    def send() -> None:
        if on_result is None:
            deliver(message, cfg)
            return
        try:
            deliver(message, cfg)
        except (OSError, smtplib.SMTPException) as exc:
            log.error("mail to %s failed: %s", message["To"], exc)
            on_result(False, f"{type(exc).__name__}: {exc}")
        else:
            on_result(True, "")

    effects.after_commit(db.session, send)
    return True


def deliver(message: EmailMessage, cfg: dict) -> None:
    with smtplib.SMTP(cfg["SMTP_HOST"], int(cfg["SMTP_PORT"] or 25), timeout=20) as smtp:
        if cfg.get("SMTP_STARTTLS"):
            smtp.starttls()
        if cfg.get("SMTP_USER"):
            smtp.login(cfg["SMTP_USER"], cfg.get("SMTP_PASSWORD") or "")
        smtp.send_message(message)
    log.info("mail sent to %s: %s", message["To"], message["Subject"])

"""Sending the outbox by SMTP, only when SMTP is configured (the outbox works without it).

Settings come from the environment: ASPNET_SMTP_HOST (required to send), ASPNET_SMTP_PORT
(587), ASPNET_SMTP_USER and ASPNET_SMTP_PASSWORD (optional), ASPNET_SMTP_FROM.
"""

from __future__ import annotations

import os
import smtplib
from email.message import EmailMessage

from .db import Database, utc_now


def configured(environ=os.environ) -> bool:
    return bool(environ.get("ASPNET_SMTP_HOST"))


def deliver(db: Database, *, environ=os.environ, smtp=smtplib.SMTP, limit: int = 100) -> int:
    """Send unsent outbox messages; each one sent is marked with its time. Returns how many."""
    if not configured(environ):
        return 0
    pending = db.rows(
        "SELECT id, to_email, subject, body FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT ?", [limit]
    )
    if not pending:
        return 0
    sent = 0
    with smtp(environ["ASPNET_SMTP_HOST"], int(environ.get("ASPNET_SMTP_PORT", "587")), timeout=20) as server:
        if environ.get("ASPNET_SMTP_USER"):
            server.starttls()
            server.login(environ["ASPNET_SMTP_USER"], environ.get("ASPNET_SMTP_PASSWORD", ""))
        for message_id, to, subject, body in pending:
            message = EmailMessage()
            message["From"] = environ.get("ASPNET_SMTP_FROM", "aspnet-atlas@localhost")
            message["To"], message["Subject"] = to, subject
            message.set_content(body)
            server.send_message(message)
            db.write(
                lambda cur, i=message_id: cur.execute("UPDATE outbox SET sent_at = ? WHERE id = ?", [utc_now(), i])
            )
            sent += 1
    return sent

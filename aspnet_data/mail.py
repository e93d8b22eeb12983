"""Sending the outbox by SMTP, only when SMTP is configured (the outbox works without it).

The ASPNET_SMTP_* settings (aspnet_data/settings.py) say where to: ASPNET_SMTP_HOST is required
to send, the others have defaults or are optional.
"""

from __future__ import annotations

import os
import smtplib
from collections.abc import Mapping
from email.message import EmailMessage
from functools import partial

from . import settings
from .db import Cursor, Database, utc_now


def configured(environ: Mapping[str, str] = os.environ) -> bool:
    return bool(settings.text("ASPNET_SMTP_HOST", environ))


def deliver(db: Database, *, environ: Mapping[str, str] = os.environ, smtp=smtplib.SMTP, limit: int = 100) -> int:
    """Send unsent outbox messages; each one sent is marked with its time. Returns how many."""
    if not configured(environ):
        return 0
    pending = db.rows(
        "SELECT id, to_email, subject, body FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT ?", [limit]
    )
    if not pending:
        return 0
    sent = 0
    host, port = settings.text("ASPNET_SMTP_HOST", environ), settings.number("ASPNET_SMTP_PORT", environ)
    user = settings.text("ASPNET_SMTP_USER", environ)
    sender = settings.text("ASPNET_SMTP_FROM", environ)
    with smtp(host, port, timeout=20) as server:
        if user:
            server.starttls()
            server.login(user, settings.text("ASPNET_SMTP_PASSWORD", environ) or "")
        for message_id, to, subject, body in pending:
            message = EmailMessage()
            message["From"] = sender
            message["To"], message["Subject"] = to, subject
            message.set_content(body)
            server.send_message(message)
            db.write(partial(_mark_sent, message_id=message_id))
            sent += 1
    return sent


def _mark_sent(cur: Cursor, *, message_id: int) -> None:
    cur.execute("UPDATE outbox SET sent_at = ? WHERE id = ?", [utc_now(), message_id])

"""The audit log: who changed what, when, and the values before and after.

Every write of the data layer records its change here, inside the caller's transaction (so a
change and its record commit or roll back together). ``before`` and ``after`` are stored as
JSON objects, or SQL NULL when there is nothing to say (a record created has no before, a
deletion no after, a password change neither): never the JSON text ``null``.

>>> to_json({"pupils": 420, "updated_at": date(2026, 9, 1)})
'{"pupils": 420, "updated_at": "2026-09-01"}'
>>> to_json(None) is None
True
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import polars as pl

from .db import Cursor, Schema, utc_now
from .permissions import Actor

_COLUMNS = ("occurred_at", "actor", "action", "entity", "entity_id", "before", "after")
_SCHEMA: Schema = {
    "occurred_at": pl.Datetime("us"),
    "actor": pl.String,
    "action": pl.String,
    "entity": pl.String,
    "entity_id": pl.String,
    "before": pl.String,
    "after": pl.String,
}


def jsonable(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` with dates and times as ISO text, the form they take in the log."""
    return {k: (v.isoformat() if isinstance(v, (datetime, date)) else v) for k, v in values.items()}


def to_json(values: Mapping[str, Any] | None) -> str | None:
    """The stored form of a before or after: a JSON object, or None (SQL NULL) for nothing."""
    return None if values is None else json.dumps(jsonable(values), ensure_ascii=False)


def actor_label(actor: Actor | str) -> str:
    """Who the log names: a user's name, ``anonymous``, or a process (``system``, ``cli``, ``applicant``)."""
    return actor.label if isinstance(actor, Actor) else actor


@dataclass(frozen=True)
class Entry:
    """One change, as :func:`record_many` writes it."""

    actor: Actor | str
    action: str  # e.g. institution.update
    entity: str  # the table changed
    entity_id: str | int
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    when: datetime | None = None

    def row(self, now: datetime) -> tuple[datetime, str, str, str, str, str | None, str | None]:
        return (
            self.when or now,
            actor_label(self.actor),
            self.action,
            self.entity,
            str(self.entity_id),
            to_json(self.before),
            to_json(self.after),
        )


def record(
    cur: Cursor,
    actor: Actor | str,
    action: str,
    entity: str,
    entity_id: str | int,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    *,
    when: datetime | None = None,
) -> None:
    """Record one change inside the caller's transaction.

    :param actor: who made it (an :class:`~aspnet_data.permissions.Actor`, or the name of a process)
    :param action: what was done, ``<entity>.<verb>`` (``institution.update``, ``user.unlock``)
    :param entity: the table changed; ``entity_id`` the key of the row, stored as text
    :param before: the changed fields as they were (None when there were none)
    :param after: the changed fields as they are now (None when there are none)
    :param when: the time of the change (now by default), the same as the row's own stamp
    """
    entry = Entry(actor, action, entity, entity_id, before, after, when)
    cur.execute(
        f"INSERT INTO audit_log ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' for _ in _COLUMNS)})",
        list(entry.row(utc_now())),
    )


def record_many(cur: Cursor, entries: Iterable[Entry]) -> int:
    """Record many changes at once (a bulk file), in their order, in one statement; returns how many."""
    now = utc_now()
    rows = [entry.row(now) for entry in entries]
    if not rows:
        return 0
    frame = pl.DataFrame(rows, orient="row", schema=_SCHEMA).with_row_index("n")
    cur.register("audit_entries", frame.to_arrow())
    try:
        cur.execute(
            f"INSERT INTO audit_log ({', '.join(_COLUMNS)}) "
            "SELECT occurred_at, actor, action, entity, entity_id, CAST(before AS JSON), CAST(after AS JSON) "
            "FROM audit_entries ORDER BY n"
        )
    finally:
        cur.unregister("audit_entries")
    return len(rows)

"""What waits for a National Coordinator or a UNESCO admin, in one record (the To do page).

A coordinator's: the applications of their network waiting for their review, the network's
data-quality counts, unread board messages and mentions, the network's latest changes. An
admin's: the applications recommended to UNESCO, locked or disabled accounts (a focal point's
access ended by their coordinator only while it is also locked), unread board messages, the
latest changes across networks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TypedDict, cast

from . import applications, board, change_requests, editing, quality
from .db import Database, utc_now
from .editing import HistoryEntry
from .permissions import Actor, can, require


class WaitingApplication(TypedDict):
    """An application waiting for this user's decision."""

    id: int
    reference: str
    institution_name: str
    network: str
    age_days: int  # since it was submitted
    overdue: bool  # waiting longer than applications.OVERDUE_DAYS


class HeldAccount(TypedDict):
    """An account that cannot log in now (admins)."""

    username: str
    display_name: str
    role: str
    network: str | None
    disabled: bool
    locked_until: datetime | None  # only while the lock holds


@dataclass(frozen=True)
class TodoSummary:
    role: str  # coordinator | admin
    network: str | None  # the coordinator's network (None for admins)
    as_of: datetime
    applications: int  # waiting for this user's decision
    overdue: int  # of which waiting longer than applications.OVERDUE_DAYS
    oldest: list[WaitingApplication]  # the oldest waiting
    unread: int  # unread board messages in the channels this user reads
    mentions: int  # of which mention this user or their network
    changes: list[HistoryEntry]  # the latest changes, newest first
    quality: dict[str, int] | None = None  # coordinators: missing, stale, duplicates, outside
    accounts: list[HeldAccount] = field(default_factory=list)  # admins: locked or disabled accounts
    accounts_total: int = 0
    change_requests: int = 0  # coordinators: schools asking to change their themes or levels


def summary(db: Database, actor: Actor, *, now: datetime | None = None, shown: int = 5) -> TodoSummary:
    """The To do of ``actor`` (a coordinator or an admin; anyone else is refused), ``shown``
    items per list."""
    require(actor, "read_todo", actor.network)
    now = now or utc_now()
    # Admins answer for every network; a coordinator for their own.
    network = None if can(actor, "read_todo") else actor.network
    queue = applications.queue(db, actor, now=now)
    channels = board.channels(db, actor)
    oldest = queue.select("id", "reference", "institution_name", "network", "age_days", "overdue").head(shown)
    held: list[HeldAccount] = []
    held_total = 0
    if network is None:
        accounts = db.query(
            """SELECT username, display_name, role, network, disabled,
                      CASE WHEN locked_until > $now THEN locked_until END AS locked_until
               FROM users WHERE (disabled AND role <> 'focal_point') OR locked_until > $now
               ORDER BY locked_until DESC NULLS LAST, username""",
            {"now": now},
        )
        held, held_total = cast(list[HeldAccount], accounts.head(shown * 4).to_dicts()), accounts.height
    return TodoSummary(
        role=actor.role or "",
        network=network,
        as_of=now,
        applications=queue.height,
        overdue=int(queue["overdue"].sum()) if queue.height else 0,
        oldest=cast(list[WaitingApplication], oldest.to_dicts()),
        unread=int(channels["unread"].sum()) if channels.height else 0,
        mentions=int(channels["mentions"].sum()) if channels.height else 0,
        changes=editing.history(db, actor, network=network, limit=shown),
        quality=None if network is None else quality.todo(db, actor, network, now=now, limit=0).totals,
        accounts=held,
        accounts_total=held_total,
        change_requests=0 if network is None else change_requests.pending(db, actor, network).height,
    )

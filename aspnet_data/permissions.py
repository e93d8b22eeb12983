"""Who may do what: one matrix, enforced in the data layer (pages only hide what it refuses).

Roles: anonymous (no user), analyst, coordinator (bound to one national network), admin.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import PermissionDenied


@dataclass(frozen=True)
class Actor:
    """The user behind a request (``None`` username means an anonymous visitor)."""

    username: str | None
    role: str | None = None  # admin | coordinator | analyst | None
    network: str | None = None  # the coordinator's network

    @property
    def label(self) -> str:
        return self.username or "anonymous"


ANONYMOUS = Actor(None)

# action -> roles that may do it anywhere; "own" marks a coordinator on their own network.
ACTIONS: dict[str, set[str]] = {
    "read_private": {"admin", "analyst", "own"},  # coordinator phones, audit history, drafts
    "export_full": {"admin", "analyst"},  # exports with private fields, all networks
    "read_staff_figures": {"admin", "analyst", "coordinator"},  # data quality by network, application funnel
    "edit": {"admin", "own"},  # network profile and institutions
    "withdraw": {"admin", "own"},
    "bulk_apply": {"admin", "own"},
    "revert": {"admin"},
    "manage_users": {"admin"},
    "read_quality": {"admin", "analyst", "own"},  # data-quality lists (analysts read them, never fix)
    "read_todo": {"admin", "own"},  # what waits for this user (the To do page)
    "review": {"admin", "own"},  # the applications queue
    "read_board": {"admin", "own"},  # the message board (channels say who reads what)
    "own_account": {"admin", "analyst", "own"},  # one's own account and password
}

# The private pages (url path -> the action that opens them), in menu order. A role sees a
# page in its menu when it may do that action on some network (see ``may_ever``).
PAGES: dict[str, str] = {
    "todo": "read_todo",
    "board": "read_board",
    "review": "review",
    "manage": "edit",
    "quality": "read_quality",
    "bulk": "bulk_apply",
    "account": "own_account",
    "users": "manage_users",
}


def can(actor: Actor, action: str, network: str | None = None) -> bool:
    """Whether ``actor`` may do ``action`` (on ``network`` when the action concerns one)."""
    allowed = ACTIONS[action]
    if actor.role in allowed:
        return True
    return (
        "own" in allowed
        and actor.role == "coordinator"
        and actor.network is not None
        and network is not None
        and actor.network == network
    )


def may_ever(role: str | None, action: str) -> bool:
    """Whether a user of ``role`` may do ``action`` anywhere (a coordinator on their own network)."""
    allowed = ACTIONS[action]
    return role in allowed or (role == "coordinator" and "own" in allowed)


def pages_for(role: str | None) -> list[str]:
    """The private pages a user of ``role`` has in the menu, in menu order."""
    return [path for path, action in PAGES.items() if may_ever(role, action)]


def require(actor: Actor, action: str, network: str | None = None) -> None:
    if not can(actor, action, network):
        raise PermissionDenied(action, network)

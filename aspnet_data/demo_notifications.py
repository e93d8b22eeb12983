"""The demo's e-mail choices: who hears of mentions and direct messages at once, in a daily
digest or never (a deterministic mix), each already told of the demo's messages."""

from __future__ import annotations

import hashlib
import random
from datetime import datetime

import polars as pl

from .permissions import may_ever

# Most people keep the daily digest; some want every message at once, some none.
MODES = ("daily", "instant", "never")
WEIGHTS = (0.55, 0.25, 0.20)


def settings(users: pl.DataFrame, last_message: int, *, seed: int, as_of: datetime) -> pl.DataFrame:
    """One notification_settings row per user who has a board, in user-name order; the
    watermark at ``last_message`` (the demo's messages are not news), the secret of their
    unsubscribe link derived from the seed."""
    rng = random.Random(seed)
    names = sorted(
        name
        for name, role in zip(users["username"], users["role"], strict=True)
        if may_ever(role, "email_notifications")
    )
    return pl.DataFrame(
        {
            "username": names,
            "mode": [rng.choices(MODES, WEIGHTS)[0] for _ in names],
            "notified_through": [last_message] * len(names),
            "secret": [hashlib.sha256(f"{seed}:{name}:unsubscribe".encode()).hexdigest()[:32] for name in names],
            "updated_at": [as_of] * len(names),
        },
        schema_overrides={"notified_through": pl.Int64},
    )

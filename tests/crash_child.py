"""A process for tests/unit/test_crashes.py to kill with SIGKILL in the middle of a write.

    python tests/crash_child.py bulk DB NETWORK FILE ACTOR
    python tests/crash_child.py approve DB ACTOR ID [ID ...]

Prints one line per milestone (flushed at once) so that the parent knows where it is:
``BEGIN`` just before a write starts, ``STEP done total`` from inside the bulk transaction
(its progress callback), ``COMMITTED`` once the write has returned.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aspnet_data import applications, bulk  # noqa: E402
from aspnet_data.db import open_database  # noqa: E402
from aspnet_data.permissions import Actor  # noqa: E402


def say(*words: object) -> None:
    print(*words, flush=True)


def run_bulk(path: str, network: str, file: str, actor_name: str) -> None:
    actor = Actor(actor_name, "admin")
    with open_database(path) as db:
        plan = bulk.plan(db, actor, network, bulk.read_file(Path(file).read_bytes(), Path(file).name))
        if plan.blocking:
            raise SystemExit(f"the file has {plan.blocking} errors")
        say("READY", plan.added.height, len(plan.updates), plan.withdrawn.height)
        say("BEGIN")
        counts = bulk.apply(db, actor, network, plan, progress=lambda done, total: say("STEP", done, total))
        say("COMMITTED", counts["added"], counts["changed"], counts["withdrawn"])


def run_approvals(path: str, actor_name: str, ids: list[int]) -> None:
    actor = Actor(actor_name, "admin")
    with open_database(path) as db:
        say("READY", len(ids))
        for app_id in ids:
            say("BEGIN", app_id)
            applications.move(db, actor, app_id, "approved", comment="Welcome to ASPnet.")
            say("COMMITTED", app_id)
    say("DONE")


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    if mode == "bulk":
        run_bulk(*args)
    elif mode == "approve":
        run_approvals(args[0], args[1], [int(a) for a in args[2:]])
    else:
        raise SystemExit(f"unknown mode {mode}")

#!/usr/bin/env python3
"""The membership queues on one size: the largest network's coordinator's candidates due for
a proposal, and UNESCO's (every network's due candidates, the proposals waiting).

    .venv/bin/python bench/membership.py 1000000 out.json    # one size (run.py calls it so)
    .venv/bin/python bench/membership.py --write              # 10k, 100k, 1M into bench/results/membership.*
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from common import ROOT, database, timed, write_sizes

sys.path.insert(0, str(ROOT))

from aspnet_data import membership  # noqa: E402
from aspnet_data.db import open_database  # noqa: E402
from aspnet_data.permissions import Actor  # noqa: E402

VIEWS = {
    "coordinator": "the largest network's coordinator: candidates due",
    "admin_due": "UNESCO: every network's candidates due",
    "admin_proposals": "UNESCO: proposals waiting",
}


def measure(path: Path) -> dict:
    db = open_database(path)
    network = db.scalar(
        "SELECT network FROM institutions WHERE status = 'candidate' GROUP BY network ORDER BY count(*) DESC LIMIT 1"
    )
    coordinator = Actor(f"coord.{network.lower()}", "coordinator", network)
    admin = Actor("admin", "admin")
    calls = {
        "coordinator": lambda: membership.due_candidates(db, coordinator),
        "admin_due": lambda: membership.due_candidates(db, admin),
        "admin_proposals": lambda: membership.proposals(db, admin),
    }
    out = {"network": network, "candidates": db.scalar("SELECT count(*) FROM institutions WHERE status = 'candidate'")}
    for name, call in calls.items():
        out[name] = timed(call) | {"rows": call().height}
    db.close()
    return out


def markdown(results: list[dict]) -> str:
    lines = [
        "## Membership queues (p50 / p95)",
        "",
        "| | "
        + " | ".join(f"{r['institutions']:,} institutions ({r['candidates']:,} candidates)" for r in results)
        + " |",
        "|---|" + "---|" * len(results),
    ]
    for key, label in VIEWS.items():
        lines.append(
            f"| {label} | "
            + " | ".join(
                f"{r[key]['p50_ms']:,.1f} / {r[key]['p95_ms']:,.1f} ms · {r[key]['rows']:,} rows" for r in results
            )
            + " |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    if sys.argv[1] == "--write":
        write_sizes(__file__, "membership", markdown)
        return
    size, target = int(sys.argv[1]), Path(sys.argv[2])
    target.write_text(json.dumps({"institutions": size, **measure(database(size))}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The membership queues on one size: the largest network's coordinator's candidates due for
a proposal, and UNESCO's (every network's due candidates, the proposals waiting).

    .venv/bin/python bench/membership.py 1000000 out.json    # one size (run.py calls it so)
    .venv/bin/python bench/membership.py --write              # 10k, 100k, 1M into bench/results/membership.*
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from common import ROOT, database, timed

sys.path.insert(0, str(ROOT))

from aspnet_data import membership  # noqa: E402
from aspnet_data.db import open_database  # noqa: E402
from aspnet_data.permissions import Actor  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
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
        results = []
        for size in (10_000, 100_000, 1_000_000):
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / "out.json"
                subprocess.run([sys.executable, __file__, str(size), str(out)], check=True)
                results.append(json.loads(out.read_text(encoding="utf-8")))
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "membership.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
        (RESULTS / "membership.md").write_text(markdown(results), encoding="utf-8")
        print(markdown(results))
        return
    size, target = int(sys.argv[1]), Path(sys.argv[2])
    target.write_text(json.dumps({"institutions": size, **measure(database(size))}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()

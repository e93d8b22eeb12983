#!/usr/bin/env python3
"""A national list in a ministry's own format imported into the largest network, on one size.

    .venv/bin/python bench/imports.py 1000000 out.json    # one size (run.py calls it so)
    .venv/bin/python bench/imports.py --write              # 10k, 100k, 1M into bench/results/imports.*

The list is 5,000 rows as tests/national_lists.py writes a French ministry export: French
headers, school types instead of levels, "Privé sous contrat", Windows-1252 with semicolons,
two thirds of the rows without coordinates (placed at their town from the gazetteer) and
none with an ASPnet id (each matched with the network's institutions). Read, mapping
suggested, planned, applied, on a fresh copy of the database each of three times.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
from common import ROOT, database, largest_network, percentiles, write_sizes

sys.path.insert(0, str(ROOT))

from aspnet_data import bulk  # noqa: E402
from aspnet_data.db import open_database  # noqa: E402
from aspnet_data.permissions import Actor  # noqa: E402

ROWS = 5_000
STEPS = {
    "read": "read the file",
    "suggest": "suggest the column and value mapping",
    "plan": "plan: map, place at towns, match, validate",
    "apply": "apply (one transaction, audited)",
}


def measure(path: Path, repeat: int = 3) -> dict:
    from tests import national_lists

    samples: dict[str, list[float]] = {step: [] for step in STEPS}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeat):
            copy = Path(tmp) / "import.duckdb"
            shutil.copy(path, copy)
            db = open_database(copy)
            network = largest_network(db)
            size = db.scalar("SELECT count(*) FROM institutions WHERE network = ? AND status <> 'withdrawn'", [network])
            actor = Actor("admin", "admin")
            made = national_lists.french_ministry_csv(db, new=ROWS - 4, network=network)
            clock = time.perf_counter()
            frame = bulk.read_file(made.data, made.filename)
            samples["read"].append((time.perf_counter() - clock) * 1000)
            clock = time.perf_counter()
            suggestion = bulk.suggest_mapping(db, network, frame)
            samples["suggest"].append((time.perf_counter() - clock) * 1000)
            clock = time.perf_counter()
            plan = bulk.plan(db, actor, network, frame, suggestion.mapping)
            samples["plan"].append((time.perf_counter() - clock) * 1000)
            assert plan.blocking == 0, plan.errors.filter(~pl.col("warning")).head(5)
            clock = time.perf_counter()
            counts = bulk.apply(db, actor, network, plan)
            samples["apply"].append((time.perf_counter() - clock) * 1000)
            counts |= {
                "placed": int(plan.placed["found"].sum()),
                "matched": plan.matches.height,
                "left_out": plan.left_out,
            }
            db.close()
            copy.unlink()
    return {
        "rows": frame.height,
        "network": network,
        "network_size": size,
        "counts": counts,
        **{step: percentiles(values) for step, values in samples.items()},
    }


def markdown(results: list[dict]) -> str:
    def cell(p: dict) -> str:
        return f"{p['p50_ms']:,.0f} / {p['p95_ms']:,.0f} ms"

    lines = [
        "## A 5,000-row national list in a ministry's own format, to the largest network (p50 / p95, 3 runs)",
        "",
        "| | " + " | ".join(f"{r['institutions']:,} institutions" for r in results) + " |",
        "|---|" + "---|" * len(results),
        "| network's active institutions compared | "
        + " | ".join(f"{r['network']}: {r['network_size']:,}" for r in results)
        + " |",
    ]
    lines += [f"| {label} | " + " | ".join(cell(r[step]) for r in results) + " |" for step, label in STEPS.items()]
    lines.append(
        "| what it did | "
        + " | ".join(
            f"{r['counts']['added']:,} added ({r['counts']['placed']:,} placed at their town), "
            f"{r['counts']['changed']} matched and changed, {r['counts']['left_out']} left out"
            for r in results
        )
        + " |"
    )
    return "\n".join(lines) + "\n"


def main() -> None:
    if sys.argv[1] == "--write":
        write_sizes(__file__, "imports", markdown)
        return
    size, target = int(sys.argv[1]), Path(sys.argv[2])
    result = {"institutions": size, **measure(database(size))}
    target.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The annual reports on one size: the dashboard's reporting tab, the review queues, and the
national report of the largest network (compiled, then laid out as PDF and as Excel).

    .venv/bin/python bench/reports.py 1000000 out.json    # one size (run.py calls it so)
    .venv/bin/python bench/reports.py --write              # 10k, 100k, 1M into bench/results/reports.*

The demo holds three closed report cycles and the one under way. The reporting tab is timed
as the dashboard calls it for an admin, without the app's cache: :func:`aspnet_data.reporting.reporting`
(which runs the pipeline too), the pipeline on its own, the shares the tab and its trend
chart take of it for the year it opens on, and all of the tab's data at once (with the count
of inactive members on its card). The national report is that of the network with most
members, for the closed year in which it has most accepted reports.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import polars as pl
from common import REPEAT, ROOT, database, timed, write_sizes

sys.path.insert(0, str(ROOT))

from aspnet_data import national_report, reporting, reports  # noqa: E402
from aspnet_data.db import open_database, utc_now  # noqa: E402
from aspnet_data.permissions import Actor  # noqa: E402

EXCEL_REPEAT = 5  # the workbook of the largest network takes seconds at 1,000,000
VIEWS = {
    "reporting": "reporting tab: reporting.reporting (pipeline included)",
    "pipeline": "… of which reporting.pipeline",
    "shares": "… the tab's reporting.shares of it (the year it opens on, by network, the trend)",
    "tab": "… the tab's data in all (the above and its inactive-members card)",
    "waiting_coordinator": "coordinator of the network with most waiting reports: reports.waiting",
    "waiting_admin": "UNESCO: every network's reports waiting (reports.waiting, network None)",
    "inactive": "UNESCO: inactive members to review (reports.inactive)",
    "compile": "national report of the largest network: compile_report",
    "pdf": "… its PDF",
    "excel": "… its Excel workbook",
}


def _tab_shares(figures: reporting.Reporting) -> int:
    """The shares ui/reporting_figures.tab and trend take, for the year it opens on."""
    closed = list(figures.years[:-1]) or figures.years
    year = closed[-1]
    totals = reporting.shares(figures.by_network, ["year"]).filter(pl.col("year") == year)
    by_network = reporting.shares(figures.by_network.filter(pl.col("year") == year), ["network"])
    yearly = reporting.shares(figures.by_network, ["year"]).filter(pl.col("year") < figures.years[-1])
    return totals.height + by_network.height + yearly.height


def _tab(db, admin: Actor) -> int:
    """Everything the dashboard's reporting tab reads, as app_pages/dashboard.py calls it."""
    inactive = reports.inactive(db, admin).height
    return _tab_shares(reporting.reporting(db, admin)) + inactive


def measure(path: Path) -> dict:
    load_before = os.getloadavg()[0]
    db = open_database(path)
    admin = Actor("admin", "admin")
    waiting_network = db.scalar(
        "SELECT network FROM reports WHERE state = 'submitted' GROUP BY network ORDER BY count(*) DESC, network LIMIT 1"
    )
    coordinator = Actor(f"coord.{waiting_network.lower()}", "coordinator", waiting_network)
    largest = db.scalar(
        "SELECT network FROM institutions WHERE status = 'member' GROUP BY network ORDER BY count(*) DESC, network "
        "LIMIT 1"
    )
    closed = reports.calendar(db).closed_years(utc_now().date(), 3)
    year = db.scalar(
        "SELECT year FROM reports WHERE network = ? AND state = 'accepted' AND year IN (SELECT unnest(?)) "
        "GROUP BY year ORDER BY count(*) DESC, year DESC LIMIT 1",
        [largest, closed],
    )
    figures = reporting.reporting(db, admin)
    years = figures.years
    compiled = national_report.compile_report(db, admin, largest, year)

    out: dict = {
        "reports": db.scalar("SELECT count(*) FROM reports"),
        "waiting_network": waiting_network,
        "national_network": largest,
        "national_members": db.scalar(
            "SELECT count(*) FROM institutions WHERE network = ? AND status = 'member'", [largest]
        ),
        "national_year": year,
        "years": years,
    }

    out["reporting"] = timed(lambda: reporting.reporting(db, admin)) | {
        "rows": figures.by_network.height,
        "frames": {
            name: getattr(figures, name).height
            for name in ("by_network", "by_theme", "activities", "scores", "pipeline")
        },
    }
    out["pipeline"] = timed(lambda: reporting.pipeline(db, admin, years)) | {
        "rows": reporting.pipeline(db, admin, years).height
    }
    out["shares"] = timed(lambda: _tab_shares(figures)) | {"rows": _tab_shares(figures)}
    out["tab"] = timed(lambda: _tab(db, admin)) | {"rows": _tab(db, admin)}

    queues = {
        "waiting_coordinator": lambda: reports.waiting(db, coordinator, waiting_network),
        "waiting_admin": lambda: reports.waiting(db, admin, None),
        "inactive": lambda: reports.inactive(db, admin),
    }
    for name, call in queues.items():
        out[name] = timed(call) | {"rows": call().height}

    out["compile"] = timed(lambda: national_report.compile_report(db, admin, largest, year)) | {
        "rows": compiled.activities.height,
        "frames": {
            "activities": compiled.activities.height,
            "days": compiled.days.height,
            "scores": compiled.scores.height,
        },
        "figures": compiled.figures,
    }
    out["pdf"] = timed(lambda: national_report.pdf(compiled)) | {"bytes": len(national_report.pdf(compiled))}
    out["excel"] = timed(lambda: national_report.excel(compiled), repeat=EXCEL_REPEAT, warmup=1) | {
        "bytes": len(national_report.excel(compiled))
    }
    db.close()
    out["load_average"] = [round(load_before, 1), round(os.getloadavg()[0], 1)]  # others' work on the machine
    return out


def _size(m: dict) -> str:
    if "bytes" in m:
        return f"{m['bytes'] / 1e3:,.0f} kB"
    return f"{m['rows']:,} rows"


def markdown(results: list[dict]) -> str:
    r0 = results[0]
    lines = [
        "## Annual reports (p50 / p95)",
        "",
        f"Reporting years {r0['years'][0]}–{r0['years'][-1]} (the last one under way). Waiting reports: the "
        "network with most of them; national report: the network with most members, for the closed year "
        f"in which it has most accepted reports. {REPEAT} runs after 3 warm-up runs ({EXCEL_REPEAT} after 1 for "
        "the workbook); no cache of the app's in between. Load average of the machine (1 minute) before and "
        "after each size: "
        + ", ".join(f"{r['institutions']:,}: {r['load_average'][0]:g} → {r['load_average'][1]:g}" for r in results)
        + f" ({os.cpu_count()} CPUs).",
        "",
        "| | "
        + " | ".join(
            f"{r['institutions']:,} institutions ({r['reports']:,} reports; waiting: {r['waiting_network']}; "
            f"national: {r['national_network']} {r['national_year']}, {r['national_members']:,} members)"
            for r in results
        )
        + " |",
        "|---|" + "---|" * len(results),
    ]
    for key, label in VIEWS.items():
        lines.append(
            f"| {label} | "
            + " | ".join(f"{r[key]['p50_ms']:,.1f} / {r[key]['p95_ms']:,.1f} ms · {_size(r[key])}" for r in results)
            + " |"
        )
    lines += [
        "",
        "Rows: the reporting figures' year × network rows; the shares' rows summed (the tab: and the inactive "
        "members); the queues' rows (at most 2,000 shown); the national report's activities (one per theme of "
        "each).",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    if sys.argv[1] == "--write":
        write_sizes(__file__, "reports", markdown)
        return
    size, target = int(sys.argv[1]), Path(sys.argv[2])
    target.write_text(json.dumps({"institutions": size, **measure(database(size))}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()

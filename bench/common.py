"""What every benchmark script shares: cached demo networks, timing, the views timed."""

from __future__ import annotations

import hashlib
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from aspnet_data.directory import Selection  # noqa: E402

CACHE = ROOT / "bench" / "cache"
RESULTS = ROOT / "bench" / "results"
REPEAT = 30

DIRECTORY_VIEWS = {
    "everything": Selection(),
    "search 'ecole'": Selection(q="ecole"),
    "theme + region": Selection().with_values("theme", ["esd"]).with_values("region", ["EUR", "AFR"]),
    "country + level + search": Selection(q="school")
    .with_values("country", ["IND"])
    .with_values("level", ["secondary"]),
    "years + status + sort": Selection(year_from=1990, year_to=2010, sort="joined", descending=True).with_values(
        "status", ["member", "withdrawn"]
    ),
}
DASHBOARD_VIEWS = {
    "everything": Selection(),
    "two regions, one level": Selection().with_values("region", ["AFR", "ARB"]).with_values("level", ["secondary"]),
}
MAP_VIEWS = {
    "world": Selection(),
    "one region, one theme": Selection().with_values("region", ["LAC"]).with_values("theme", ["heritage"]),
}


def generator_version() -> str:
    """Changes whenever the demo generator or the schema changes."""
    digest = hashlib.sha256()
    for source in [
        *sorted((ROOT / "aspnet_data").glob("demo*.py")),  # demo.py and its parts (names, reports, board, ...)
        *sorted((ROOT / "aspnet_data" / "migrations").glob("*.sql")),
    ]:
        digest.update(source.read_bytes())
    return digest.hexdigest()[:10]


def database(size: int) -> Path:
    """The demo network of ``size`` institutions (built once per generator version; older
    builds of the same size are deleted)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"aspnet-{size}-{generator_version()}.duckdb"
    if not path.exists():
        for stale in CACHE.glob(f"aspnet-{size}-*"):
            stale.unlink()
        print(f"building the {size:,}-institution network...", file=sys.stderr, flush=True)
        subprocess.run(
            [sys.executable, "-m", "aspnet_data", "demo", "--db", str(path), "--institutions", str(size)],
            check=True,
            cwd=ROOT,
        )
    return path


def percentiles(samples: list[float]) -> dict:
    samples = sorted(samples)
    return {
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.95))], 2),
    }


def timed(work: Callable[[], object], repeat: int = REPEAT, warmup: int = 3) -> dict:
    """p50 and p95 in milliseconds of ``work`` over ``repeat`` runs after ``warmup`` runs."""
    for _ in range(warmup):
        work()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def largest_network(db) -> str:
    """The network with the most active institutions."""
    return db.scalar(
        "SELECT network FROM institutions WHERE status <> 'withdrawn' GROUP BY network ORDER BY count(*) DESC LIMIT 1"
    )


def write_sizes(script: str, name: str, markdown: Callable[[list[dict]], str]) -> None:
    """Run ``script SIZE OUT`` for 10k, 100k and 1M (a process each), then write the results
    to bench/results/NAME.json and NAME.md and print the table."""
    results = []
    for size in (10_000, 100_000, 1_000_000):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out.json"
            subprocess.run([sys.executable, script, str(size), str(out)], check=True)
            results.append(json.loads(out.read_text(encoding="utf-8")))
    save_results(name, results, markdown)
    print(markdown(results))


def save_results(name: str, results: list[dict], markdown: Callable[[list[dict]], str]) -> None:
    """bench/results/NAME.json and NAME.md."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    (RESULTS / f"{name}.md").write_text(markdown(results), encoding="utf-8")

"""`make bench` runs scripts that `make test` does not: each of them is at least importable, with
the names it takes from the others (bench/pages.py imports from bench/load.py)."""

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
MODULES = sorted(path.stem for path in BENCH.glob("*.py"))


@pytest.mark.parametrize("module", MODULES)
def test_a_benchmark_script_imports(module):
    # A process of its own: the scripts import each other by their bare names (common, load).
    done = subprocess.run(
        [sys.executable, "-c", f"import {module}"], cwd=BENCH, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_replay_floor_imports():
    done = subprocess.run(
        [sys.executable, "-c", "import replay"], cwd=BENCH / "floor", capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]

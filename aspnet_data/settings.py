"""Settings read from the environment, with their defaults."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DB = Path(__file__).resolve().parent.parent / "data" / "aspnet.duckdb"


def database_path() -> str:
    """The database file: ASPNET_DB, else data/aspnet.duckdb beside the code."""
    return os.environ.get("ASPNET_DB") or str(DEFAULT_DB)

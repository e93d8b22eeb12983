"""Cached access to the database for pages.

One :class:`Database` per server process (``cache_resource``); results are cached with
``cache_data`` keyed on the data version, which every write bumps, so an edit made in
one session shows in every other session on its next rerun.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from aspnet_data import reference, stats
from aspnet_data.db import Database, open_database

DEFAULT_DB = Path(__file__).resolve().parent.parent / "data" / "aspnet.duckdb"


def db_path() -> str:
    return os.environ.get("ASPNET_DB") or str(DEFAULT_DB)


@st.cache_resource(show_spinner=False)
def _open(path: str) -> Database:
    return open_database(path)


def db() -> Database:
    return _open(db_path())


@st.cache_data(ttl=3600, show_spinner=False, max_entries=8)
def _overview(path: str, version: int) -> stats.Overview:
    return stats.overview(_open(path))


def overview() -> stats.Overview:
    return _overview(db_path(), db().data_version)


@st.cache_data(ttl=3600, show_spinner=False, max_entries=4)
def _regions(path: str, version: int):
    return _open(path).query("SELECT * FROM regions ORDER BY code")


def region_names(lang: str) -> dict[str, str]:
    frame = _regions(db_path(), db().data_version)
    return dict(zip(frame["code"], frame[f"name_{lang}"]))


@st.cache_resource(show_spinner=False)
def world_geojson() -> dict:
    return reference.world_geojson()

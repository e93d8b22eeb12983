"""Cached access to the database for pages.

One :class:`Database` per server process (``cache_resource``); results are cached with
``cache_data`` keyed on the data version, which every write bumps, so an edit made in
one session shows in every other session on its next rerun.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from aspnet_data import directory, maps, profiles, stats
from aspnet_data.db import Database, open_database
from aspnet_data.text import fold

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


# -- directory -------------------------------------------------------------------------

@st.cache_data(ttl=3600, show_spinner=False, max_entries=8)
def _networks(path: str, version: int):
    return _open(path).query(
        "SELECT n.iso3, c.name_en, c.name_fr, c.name_es, c.region FROM networks n JOIN countries c USING (iso3)")


def network_codes() -> list[str]:
    return _networks(db_path(), db().data_version)["iso3"].to_list()


def network_countries(lang: str) -> list[tuple[str, str]]:
    """(iso3, country name in ``lang``) of every national network, sorted by name."""
    frame = _networks(db_path(), db().data_version)
    return sorted(zip(frame["iso3"], frame[f"name_{lang}"]), key=lambda pair: _collate(pair[1]))


def _collate(text: str) -> str:
    return fold(text)


@st.cache_data(ttl=3600, show_spinner=False, max_entries=4)
def _year_bounds(path: str, version: int) -> tuple[int, int]:
    return directory.year_bounds(_open(path))


def year_bounds() -> tuple[int, int]:
    return _year_bounds(db_path(), db().data_version)


@st.cache_data(ttl=600, show_spinner=False, max_entries=256)
def _facet_counts(path: str, version: int, sel: directory.Selection) -> directory.FacetCounts:
    return directory.facet_counts(_open(path), sel)


def facet_counts(sel: directory.Selection) -> directory.FacetCounts:
    return _facet_counts(db_path(), db().data_version, sel)


@st.cache_data(ttl=600, show_spinner=False, max_entries=256)
def _institutions_page(path: str, version: int, sel: directory.Selection, page: int, lang: str):
    return directory.list_institutions(_open(path), sel, page=page, lang=lang)


def institutions_page(sel: directory.Selection, page: int, lang: str):
    return _institutions_page(db_path(), db().data_version, sel, page, lang)


def export(sel: directory.Selection, fmt: str, lang: str) -> bytes:
    """The whole selection as a file (run when the user clicks download)."""
    return directory.export_bytes(directory.export_frame(db(), sel, lang=lang), fmt)


# -- map -------------------------------------------------------------------------------

@st.cache_data(ttl=600, show_spinner=False, max_entries=64)
def _map_view(path: str, version: int, sel: directory.Selection) -> maps.MapView:
    return maps.map_view(_open(path), sel)


def map_view(sel: directory.Selection) -> maps.MapView:
    return _map_view(db_path(), db().data_version, sel)


@st.cache_data(ttl=600, show_spinner=False, max_entries=64)
def _country_counts(path: str, version: int, sel: directory.Selection):
    return maps.country_counts(_open(path), sel)


def country_counts(sel: directory.Selection):
    return _country_counts(db_path(), db().data_version, sel)


# -- profiles --------------------------------------------------------------------------

@st.cache_data(ttl=600, show_spinner=False, max_entries=64)
def _network_profile(path: str, version: int, iso3: str):
    return profiles.get_network(_open(path), iso3)


def network_profile(iso3: str):
    return _network_profile(db_path(), db().data_version, iso3)


@st.cache_data(ttl=600, show_spinner=False, max_entries=256)
def _institution(path: str, version: int, institution_id: int):
    return profiles.get_institution(_open(path), institution_id)


def institution(institution_id: int):
    return _institution(db_path(), db().data_version, institution_id)


@st.cache_resource(show_spinner=False)
def display_outlines() -> dict:
    return maps.display_outlines()

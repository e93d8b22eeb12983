"""Cached access to the database for pages.

One :class:`Database` per server process (``cache_resource``). Readers are cached with
``cache_data`` keyed on the database file and its data version, which every write bumps,
so an edit made in one session shows in every other session on its next rerun.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
import traceback
from datetime import date

import polars as pl
import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from aspnet_data import (
    board,
    briefs,
    descriptions,
    directory,
    files,
    mail,
    maps,
    notifications,
    profiles,
    quality,
    reference,
    reports,
    settings,
    stats,
)
from aspnet_data import dashboard as dashboards
from aspnet_data import reporting as reporting_figures
from aspnet_data import todo as todos
from aspnet_data.db import Database, shared_database, utc_now
from aspnet_data.errors import AtlasError
from aspnet_data.text import fold


def db_path() -> str:
    return settings.database_path()


def _open(path: str) -> Database:
    return shared_database(path)


def db() -> Database:
    return _open(db_path())


_RUN_VERSION = "_aspnet_data_version"


def data_version() -> int:
    """The data version, read once a script run: every cached read keys on it, and a page of
    twenty reads asked the database for it twenty times. Read again after a write through this
    process's database (its ``commits`` moved), so a run that saves reads what it saved; a
    write by another process shows from the next run on."""
    database = db()
    ctx = get_script_run_ctx()
    if ctx is None:
        return database.data_version
    commits = database.commits  # before the version: a write in between is read again next time
    kept = getattr(ctx, _RUN_VERSION, None)
    # ctx.cursors is a new dict at the start of every run (fragment runs too).
    if kept is not None and kept[0] is ctx.cursors and kept[1] == commits:
        return kept[2]
    version = database.data_version
    setattr(ctx, _RUN_VERSION, (ctx.cursors, commits, version))
    return version


def version_key() -> tuple[str, int]:
    """(database file, data version): part of the key of anything cached from the data."""
    return db_path(), data_version()


def versioned(*, ttl: int = 600, max_entries: int = 64):
    """Turn ``reader(db, *args)`` into ``reader(*args)`` cached on (file, data version, args)."""

    def decorate(reader):
        def cached(path: str, version: int, *args):
            return reader(_open(path), *args)

        # Streamlit keys a cache on the function's name and source: give each its own name.
        cached.__module__, cached.__qualname__ = reader.__module__, f"{reader.__qualname__}.cached"
        cached = st.cache_data(ttl=ttl, max_entries=max_entries, show_spinner=False)(cached)

        @functools.wraps(reader)
        def call(*args):
            return cached(db_path(), data_version(), *args)

        return call

    return decorate


@versioned(ttl=3600, max_entries=8)
def overview(database: Database) -> stats.Overview:
    return stats.overview(database)


@versioned(ttl=3600, max_entries=4)
def _regions(database: Database):
    return database.query("SELECT * FROM regions ORDER BY code")


def region_names(lang: str) -> dict[str, str]:
    frame = _regions()
    return dict(zip(frame["code"], frame[f"name_{lang}"]))


# -- directory -------------------------------------------------------------------------


@versioned(ttl=3600, max_entries=8)
def _networks(database: Database):
    return database.query(
        "SELECT n.iso3, c.name_en, c.name_fr, c.name_es, c.region FROM networks n JOIN countries c USING (iso3)"
    )


def network_codes() -> list[str]:
    return _networks()["iso3"].to_list()


@versioned(ttl=3600, max_entries=8)
def network_names(database: Database, lang: str) -> dict[str, str]:
    """iso3 -> country name in ``lang`` of every national network (a message's byline looks its
    author's network up: one lookup table per run, not a sorted list per message)."""
    frame = _networks()
    return dict(zip(frame["iso3"], frame[f"name_{lang}"]))


def network_countries(lang: str) -> list[tuple[str, str]]:
    """(iso3, country name in ``lang``) of every national network, sorted by name."""
    frame = _networks()
    return sorted(zip(frame["iso3"], frame[f"name_{lang}"]), key=lambda pair: fold(pair[1]))


@versioned(ttl=3600, max_entries=4)
def year_bounds(database: Database) -> tuple[int, int]:
    return directory.year_bounds(database)


@versioned(max_entries=256)
def facet_counts(database: Database, sel: directory.Selection) -> directory.FacetCounts:
    return directory.facet_counts(database, sel)


@versioned(max_entries=256)
def institutions_page(database: Database, sel: directory.Selection, page: int, lang: str):
    return directory.list_institutions(database, sel, page=page, lang=lang)


def export(sel: directory.Selection, fmt: str, lang: str) -> bytes:
    """The whole selection as a file (run when the user clicks download, not cached)."""
    return directory.export_bytes(directory.export_frame(db(), sel, lang=lang), fmt)


def export_full(sel: directory.Selection, actor, fmt: str = "parquet") -> bytes:
    """Every field, withdrawn institutions included (analysts and admins; checked in aspnet_data).

    ``actor`` is passed in: a download runs outside the session, where the signed-in user is unknown.
    """
    return directory.export_bytes(directory.export_full_frame(db(), actor, sel), fmt)


# -- map -------------------------------------------------------------------------------


@versioned()
def selection_extent(database: Database, sel: directory.Selection):
    return maps.selection_extent(database, sel)


@versioned()
def country_counts(database: Database, sel: directory.Selection):
    return maps.country_counts(database, sel)


@st.cache_resource(show_spinner=False)
def display_outlines() -> dict:
    return maps.display_outlines()


# -- profiles --------------------------------------------------------------------------


@versioned(max_entries=8)
def networks(database: Database, lang: str):
    return profiles.list_networks(database, lang=lang)


@versioned()
def network_profile(database: Database, iso3: str):
    return profiles.network_profile(database, iso3)


@versioned(max_entries=512)
def network_description(database: Database, iso3: str, lang: str) -> descriptions.Description | None:
    return descriptions.network_description(database, iso3, lang)


@versioned(max_entries=256)
def institution(database: Database, institution_id: int):
    return profiles.institution_profile(database, institution_id)


# -- dashboard -------------------------------------------------------------------------


@versioned(max_entries=64)
def dashboard(database: Database, sel: directory.Selection) -> dashboards.Dashboard:
    return dashboards.dashboard(database, sel)


@versioned(max_entries=64)
def staff_figures(database: Database, actor, sel: directory.Selection) -> dashboards.StaffFigures:
    """Data quality by network and the application funnel (signed-in staff; checked in aspnet_data)."""
    return dashboards.staff_figures(database, actor, sel)


@versioned(ttl=3600, max_entries=16)
def reporting(database: Database, actor) -> reporting_figures.Reporting:
    """Who reported for each year, activities, self-assessment, candidates' pipeline (staff;
    checked in aspnet_data). Kept an hour at most: the year under way changes with the date."""
    return reporting_figures.reporting(database, actor)


@versioned(max_entries=128)
def country_brief(database: Database, actor, iso3: str) -> briefs.CountryBrief | None:
    return briefs.country_brief(database, actor, iso3)


# -- coordinators --------------------------------------------------------------------------


@versioned(max_entries=32)
def quality_todo(database: Database, actor, network: str) -> quality.Todo:
    return quality.todo(database, actor, network)


@versioned(ttl=120, max_entries=256)
def todo_summary(database: Database, actor) -> todos.TodoSummary:
    """What waits for a coordinator or an admin (checked in aspnet_data). Kept two minutes at
    most: a lockout ends with time, not with a write."""
    return todos.summary(database, actor)


def send_mail() -> None:
    """Send the outbox by SMTP when configured; a mail server that fails never blocks the page
    (messages stay in the outbox and go with the next attempt)."""
    if not mail.configured():
        return
    with contextlib.suppress(OSError):
        mail.deliver(db())


_daily_lock = threading.Lock()
_daily_done: set[tuple[str, date]] = set()  # (database, day) whose daily jobs this process ran


def daily_jobs() -> None:
    """Once a day per process and database, in a background thread: the annual-report reminders
    (ASPNET_REMINDERS=daily). The page never waits for them; a failure is retried the next day.
    Also starts the e-mail of mentions and direct messages (:func:`notification_jobs`)."""
    notification_jobs()
    if settings.text("ASPNET_REMINDERS") != "daily":
        return
    key = (db_path(), utc_now().date())
    with _daily_lock:
        if key in _daily_done:
            return
        _daily_done.add(key)
    threading.Thread(
        target=_send_reminders, args=(db(), settings.public_url()), name="aspnet-reminders", daemon=True
    ).start()


def _send_reminders(database: Database, public_url: str) -> None:
    with contextlib.suppress(AtlasError, OSError):
        if reports.send_reminders(database, public_url=public_url) and mail.configured():
            mail.deliver(database)


_notifying: set[str] = set()  # databases whose e-mail of mentions this process sends


def notification_jobs() -> None:
    """Once per process and database (ASPNET_NOTIFICATIONS=on): a background thread that mails
    mentions and direct messages, every minute to those who chose at once and once a day to
    those who chose a digest (aspnet_data.notifications.Schedule)."""
    if settings.text("ASPNET_NOTIFICATIONS") != "on":
        return
    path = db_path()
    with _daily_lock:
        if path in _notifying:
            return
        _notifying.add(path)
    threading.Thread(target=_notify, args=(path,), name="aspnet-notifications", daemon=True).start()


def _notify(path: str) -> None:
    schedule = notifications.Schedule()
    while True:
        try:
            database = _open(path)  # opened again if it was closed meanwhile
            if schedule.tick(database) and mail.configured():
                mail.deliver(database)
        except Exception:  # PostgreSQL away, a mail server down: said in the log, tried again next minute
            traceback.print_exc()
        time.sleep(notifications.INSTANT_EVERY)


@st.cache_resource(show_spinner=False)
def _towns():
    return reference.towns()


def towns(iso3: str):
    """Real towns of a country (reference data), to pick a location."""
    return _towns().filter(pl.col("iso3") == iso3)


@versioned(max_entries=512)
def board_channels(database: Database, actor) -> pl.DataFrame:
    """The channels ``actor`` reads, with their unread counts (checked in aspnet_data). A message
    posted or read moves the data version: the counts are read again then, and only then."""
    return board.channels(database, actor)


def unread_summary(actor) -> tuple[int, int]:
    """(unread messages, unread mentions) over the channels the user reads, for the side panel."""
    channels = board_channels(actor)
    return int(channels["unread"].sum()), int(channels["mentions"].sum())


@versioned(max_entries=512)
def board_threads(database: Database, actor, channel_id: int, seen: int | None, limit: int) -> pl.DataFrame:
    """A page of a channel's folded threads for ``actor`` (board.thread_list, checked there)."""
    return board.thread_list(database, actor, channel_id, seen=seen, limit=limit)


@versioned(max_entries=512)
def board_may_post(database: Database, actor, channel_id: int) -> bool:
    """Whether ``actor`` posts in the channel (board.can_read with write, checked there)."""
    return board.can_read(database, actor, channel_id, write=True)


@versioned(max_entries=512)
def board_unread_beyond(database: Database, actor, channel_id: int) -> int:
    """The channel's latest message if ``actor`` has not read up to it, else 0 (board.unread_beyond).
    The board's live part asks every few seconds; read again only once something was written."""
    return board.unread_beyond(database, actor, channel_id)


@versioned(max_entries=512)
def board_attachments(database: Database, actor, message_ids: tuple[int, ...]) -> dict:
    """The files of a page of messages (files.message_attachments, checked there)."""
    return files.message_attachments(database, actor, message_ids)


@versioned(max_entries=256)
def conversation_people(database: Database, actor) -> pl.DataFrame:
    """Whom ``actor`` may start a conversation with (board.people, checked there)."""
    return board.people(database, actor, limit=1000)

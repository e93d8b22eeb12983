"""Every setting of ASPnet Atlas: its environment variable, its default and what it does.

The app, the command line, the tests and the benchmark read settings only through this module
(``value(name)``, or the helpers below), so a default lives in one place. The README's
configuration table is checked against ``SETTINGS`` by tests/unit/test_settings.py.

>>> value("ASPNET_SMTP_PORT", {})
587
>>> value("ASPNET_SMTP_PORT", {"ASPNET_SMTP_PORT": "2525"})
2525
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    """One setting: read from the environment variable ``name``; ``default`` when unset or empty."""

    name: str
    default: str | int | None
    help: str

    def read(self, environ: Mapping[str, str]) -> str | int | None:
        raw = environ.get(self.name, "").strip()
        if not raw:
            return self.default
        if isinstance(self.default, int):
            try:
                return int(raw)
            except ValueError:
                raise ValueError(f"{self.name} must be a whole number, not {raw!r}") from None
        return raw


SETTINGS: tuple[Setting, ...] = (
    Setting("ASPNET_DB", "data/aspnet.duckdb", "The database file (the default is in the project folder)."),
    Setting(
        "ASPNET_DATABASE_URL",
        None,
        "A `postgresql://user:password@host:port/database` URL: PostgreSQL 15+ is then the system of "
        "record, shared by every replica, and ASPNET_DB is not used.",
    ),
    Setting(
        "ASPNET_COOKIE_SECRET",
        None,
        "Signs the login cookie. Unset: the git-ignored .cookie_secret that `make run` writes; "
        "without it, a random secret per process (logins end at a restart).",
    ),
    Setting(
        "ASPNET_PUBLIC_URL",
        "http://localhost:8501",
        "The site's public address, printed on certificates as their verification link.",
    ),
    Setting(
        "ASPNET_MAX_APPLICATIONS",
        3,
        "Applications one browser session may submit: enough for a school, too few for a flood.",
    ),
    Setting(
        "ASPNET_REMINDERS",
        "daily",
        "`daily`: each app process queues the day's annual-report reminders once a day, in the background "
        "(each school is reminded once per year and kind, whichever replica runs first); `off`: only "
        "`python -m aspnet_data reminders` does (e.g. from cron).",
    ),
    Setting(
        "ASPNET_NOTIFICATIONS",
        "on",
        "`on`: each app process e-mails people what the message board holds for them (mentions, direct "
        "messages), in the background: every minute to those who chose at once, once a day to those who "
        "chose a daily digest (one mail per person and run, whichever replica runs first); `off`: only "
        "`python -m aspnet_data notify --kind instant` (and `--kind daily`) does, e.g. from cron.",
    ),
    Setting(
        "ASPNET_API_RATE",
        120,
        "Requests a minute that one client (an IP address) may make to the open-data API, in bursts of as "
        "many; past that it is answered 429 with Retry-After. Counted by each app process; 0 turns it off.",
    ),
    Setting(
        "ASPNET_DUMPS_DIR",
        "data/dumps",
        "Where the open-data bulk files are written (made again when the data changes); relative to the "
        "project folder unless absolute.",
    ),
    Setting(
        "ASPNET_MAP_POINTS",
        50_000,
        "Up to this many schools in a selection, the world map draws each of them at every zoom (loaded "
        "at once, about 30 bytes a school as sent); past it, numbered groups that split as one zooms in.",
    ),
    Setting("ASPNET_SMTP_HOST", None, "Mail server for the outbox; unset, mail stays in the outbox."),
    Setting("ASPNET_SMTP_PORT", 587, "Mail server port (STARTTLS)."),
    Setting("ASPNET_SMTP_USER", None, "Mail server login, if it needs one."),
    Setting("ASPNET_SMTP_PASSWORD", None, "Mail server password."),
    Setting("ASPNET_SMTP_FROM", "aspnet-atlas@localhost", "Sender address of the mail sent."),
    Setting(
        "ASPNET_NEW_PASSWORD",
        None,
        "Only for `python -m aspnet_data user add`: the new account's password (never on the command line).",
    ),
)
_BY_NAME = {s.name: s for s in SETTINGS}


def value(name: str, environ: Mapping[str, str] | None = None) -> str | int | None:
    """The setting ``name`` from ``environ`` (default: the process environment), or its default."""
    return _BY_NAME[name].read(os.environ if environ is None else environ)


def text(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """A text setting (None when unset and without a default)."""
    found = value(name, environ)
    return None if found is None else str(found)


def number(name: str, environ: Mapping[str, str] | None = None) -> int:
    """A whole-number setting."""
    found = value(name, environ)
    assert isinstance(found, int), name
    return found


def database_path(environ: Mapping[str, str] | None = None) -> str:
    """Where the data is: ASPNET_DATABASE_URL if set, else the file ASPNET_DB as given, else
    data/aspnet.duckdb in the project folder."""
    url = value("ASPNET_DATABASE_URL", environ)
    if url:
        return str(url)
    given = str(value("ASPNET_DB", environ))
    return str(ROOT / given) if given == _BY_NAME["ASPNET_DB"].default else given


def dumps_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The folder of the open-data bulk files."""
    return ROOT / str(value("ASPNET_DUMPS_DIR", environ))


def public_url(environ: Mapping[str, str] | None = None) -> str:
    """The site's public address, without a trailing slash."""
    return str(value("ASPNET_PUBLIC_URL", environ)).rstrip("/")


def markdown_table() -> str:
    """The README's configuration table, from SETTINGS."""
    rows = ["| setting | default | what it does |", "|---|---|---|"]
    for s in SETTINGS:
        default = "(unset)" if s.default is None else f"`{s.default}`"
        rows.append(f"| `{s.name}` | {default} | {s.help} |")
    return "\n".join(rows) + "\n"

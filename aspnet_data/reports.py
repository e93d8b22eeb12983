"""The annual report of a school: what it did for the network's themes in one school year.

One report per school per reporting year (the school year ending in that year; the calendar
is set by admins, :func:`calendar`: by default the school year ends in June and the report is
due by 31 October). A report holds:

* activities (title, description, themes, dates, pupils and teachers involved, partner
  schools, a web link);
* the international days the school celebrated (:func:`international_days`, shipped in
  ``data/reference/international_days.csv``);
* a self-assessment of the whole-school approach per theme: :data:`ASSESSMENT_ITEMS`, each
  scored 1 (not started) to 4 (part of the whole school);
* the confirmation that the school's contacts are current.

Its life (:data:`STATES`): a draft, saved as often as the school likes (:func:`save_draft`),
is submitted (:func:`submit`: complete or refused, naming what is missing); the network's
coordinator accepts it or returns it with a comment (:func:`decide`); a returned report is
edited and submitted again. On time or late is judged by the first submission. Accepted
activities appear on the school's public profile (:func:`public_activities`).

Reminders go through the outbox a month before the deadline and once after it
(:func:`send_reminders`, run daily). Which schools must report for a year
(:func:`expected_sql`): candidates and members that had joined by the end of that school
year and had not left by then.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

import polars as pl

from . import audit
from . import validation as check
from .db import Cursor, Database, Schema, utc_now
from .errors import Conflict, FieldError, NotFound, TransitionRefused, ValidationFailed
from .focal_points import school_of
from .permissions import Actor, require
from .reference import REFERENCE_DIR
from .text import has_visible
from .vocab import LANGUAGES, THEMES

STATES: tuple[str, ...] = ("draft", "submitted", "returned", "accepted")
EDITABLE = ("draft", "returned")
# The self-assessment of the whole-school approach, asked for each theme (labels in ui/locales:
# report.item.<code>); 1 not started, 2 beginning, 3 developing, 4 part of the whole school.
ASSESSMENT_ITEMS: tuple[str, ...] = ("teaching", "school_life", "community", "learners")
SCORES: tuple[int, ...] = (1, 2, 3, 4)
MAX_ACTIVITIES = 30
LIMITS = {"title": 200, "description": 4000, "partners": 500, "link": 500}
COMMENT_LIMIT = 2000
PUPILS_RANGE = (0, 100_000)
TEACHERS_RANGE = (0, 10_000)
REMINDER_BEFORE = timedelta(days=31)  # "a month before the deadline"
REMINDER_AFTER_UNTIL = timedelta(days=120)  # the reminder after the deadline goes within this
ACTIVITY_FIELDS = ("title", "description", "themes", "start_date", "end_date", "pupils", "teachers", "partners", "link")
_CALENDAR_KEY = "report_calendar"  # meta: "end_month due_month due_day", e.g. "6 10 31"
DEFAULT_CALENDAR = (6, 10, 31)


# -- the calendar -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cycle:
    """One reporting year: the school year ending in ``year`` and the report's deadline."""

    year: int
    starts: date
    ends: date
    due: date

    def is_late(self, submitted: datetime | date | None) -> bool:
        if submitted is None:
            return False
        day = submitted.date() if isinstance(submitted, datetime) else submitted
        return day > self.due


def _month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)


@dataclass(frozen=True)
class Calendar:
    """When a school year ends (its last month) and when its report is due (month and day)."""

    end_month: int = DEFAULT_CALENDAR[0]
    due_month: int = DEFAULT_CALENDAR[1]
    due_day: int = DEFAULT_CALENDAR[2]

    def cycle(self, year: int) -> Cycle:
        ends = _month_end(year, self.end_month)
        starts = _month_end(year - 1, self.end_month) + timedelta(days=1)
        due_year = year if (self.due_month, self.due_day) > (self.end_month, ends.day) else year + 1
        due = date(due_year, self.due_month, min(self.due_day, _month_end(due_year, self.due_month).day))
        return Cycle(year, starts, ends, due)

    def current_year(self, today: date) -> int:
        """The reporting year of the school year under way on ``today`` (the latest one a
        report may be written for: a later one is in the future)."""
        return today.year if today <= self.cycle(today.year).ends else today.year + 1

    def closed_years(self, today: date, count: int) -> list[int]:
        """The ``count`` latest reporting years whose deadline has passed, latest first."""
        year = self.current_year(today)
        while self.cycle(year).due >= today:
            year -= 1
        return [year - k for k in range(count)]

    def default_year(self, today: date) -> int:
        """The year a school is asked to report on first: the latest school year that ended."""
        return self.current_year(today) - 1


def calendar(db: Database) -> Calendar:
    raw = db.scalar("SELECT value FROM meta WHERE key = ?", [_CALENDAR_KEY])
    try:
        return Calendar(*(int(part) for part in str(raw).split())) if raw else Calendar()
    except (TypeError, ValueError):
        return Calendar()


def set_calendar(db: Database, actor: Actor, end_month: object, due_month: object, due_day: object) -> Calendar:
    """Set the reporting calendar (admins), audited: the school year's last month and the
    deadline (a day within the year that follows its end)."""
    require(actor, "set_report_cycle")
    values: dict[str, Any] = {"end_month": end_month, "due_month": due_month, "due_day": due_day}
    numbers: dict[str, Any] = {key: check.parse_int(value) for key, value in values.items()}
    errors = check.out_of_range(numbers, {"end_month": (1, 12), "due_month": (1, 12), "due_day": (1, 31)})
    errors += [FieldError(key, "required") for key, value in numbers.items() if value is None]
    if not errors:
        try:
            date(2001, int(numbers["due_month"]), int(numbers["due_day"]))  # a year without 29 February
        except ValueError:
            errors.append(FieldError("due_day", "no_such_day"))
    if errors:
        raise ValidationFailed(errors)
    new = Calendar(int(numbers["end_month"]), int(numbers["due_month"]), int(numbers["due_day"]))
    before = calendar(db)

    def write(cur: Cursor) -> None:
        cur.execute("DELETE FROM meta WHERE key = ?", [_CALENDAR_KEY])
        cur.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?)",
            [_CALENDAR_KEY, f"{new.end_month} {new.due_month} {new.due_day}"],
        )
        audit.record(cur, actor, "report.calendar", "meta", _CALENDAR_KEY, before.__dict__, new.__dict__)

    db.write(write)
    return new


def expected_sql(alias: str = "i", *, year: str = "$year", ends: str = "$ends") -> str:
    """The condition that a school (``alias``, a row of institutions) had to report for the
    reporting year ``year`` whose school year ended on ``ends`` (SQL: parameters by default)."""
    return (
        f"({alias}.year_joined <= {year} OR CAST({alias}.created_at AS DATE) <= {ends}) "
        f"AND NOT ({alias}.status = 'withdrawn' AND coalesce({alias}.withdrawn_year, 0) <= {year})"
    )


# -- the international days -------------------------------------------------------------------------


@lru_cache(maxsize=1)
def international_days() -> tuple[dict[str, Any], ...]:
    """The UN and UNESCO international days a school may celebrate, in calendar order: code,
    month, day (None for a day that moves, e.g. the third Thursday of November), name_en/fr/es."""
    with (REFERENCE_DIR / "international_days.csv").open(encoding="utf-8", newline="") as handle:
        rows = [
            {**row, "month": int(row["month"]), "day": int(row["day"]) if row["day"] else None}
            for row in csv.DictReader(handle)
        ]
    return tuple(sorted(rows, key=lambda r: (r["month"], r["day"] or 15)))


def day_name(code: str, lang: str = "en") -> str:
    for row in international_days():
        if row["code"] == code:
            return row[f"name_{lang if lang in LANGUAGES else 'en'}"]
    return code


DAY_CODES = frozenset(row["code"] for row in international_days())


# -- reading and checking what a school typed --------------------------------------------------------


@dataclass
class Report:
    """One school's report for one year, as stored (``id`` None: not started)."""

    institution_id: int
    network: str
    year: int
    state: str = "draft"
    id: int | None = None
    activities: list[dict[str, Any]] = field(default_factory=list)
    days: list[str] = field(default_factory=list)
    scores: dict[str, dict[str, int]] = field(default_factory=dict)
    contacts_confirmed: bool = False
    comment: str | None = None  # the coordinator's, when returned
    submitted_at: datetime | None = None
    first_submitted_at: datetime | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    updated_at: datetime | None = None
    version: int = 0

    @property
    def editable(self) -> bool:
        return self.state in EDITABLE


def normalise(payload: Mapping[str, Any]) -> dict[str, Any]:
    """What a form or a test sends, as stored types: activities' texts cleaned, numbers and dates
    read (unreadable ones kept as :data:`~aspnet_data.validation.BAD` for :func:`validate`),
    the link completed with https:// when typed without it."""
    activities = []
    for raw in payload.get("activities") or []:
        activity = {
            "title": check.clean_text(raw.get("title")),
            "description": check.clean_text(raw.get("description")),
            "themes": list(dict.fromkeys(raw.get("themes") or [])),
            "start_date": check.parse_date(raw.get("start_date")),
            "end_date": check.parse_date(raw.get("end_date")),
            "pupils": check.parse_int(raw.get("pupils")),
            "teachers": check.parse_int(raw.get("teachers")),
            "partners": check.clean_text(raw.get("partners")),
            "link": check.normalise_website(raw.get("link")),
        }
        if any(value not in (None, []) for value in activity.values()):  # a blank row is dropped
            activities.append(activity)
    scores: dict[str, dict[str, Any]] = {}
    for theme, items in (payload.get("scores") or {}).items():
        for item, score in (items or {}).items():
            value = check.parse_int(score)
            if value is not None:
                scores.setdefault(str(theme), {})[str(item)] = value
    return {
        "activities": activities,
        "days": list(dict.fromkeys(payload.get("days") or [])),
        "scores": scores,
        "contacts_confirmed": bool(payload.get("contacts_confirmed")),
    }


def validate(record: Mapping[str, Any], cycle: Cycle, *, complete: bool, today: date) -> list[FieldError]:
    """What is wrong with a normalised report (field names: ``activities.N.title``, ``days``,
    ``scores.esd.teaching``, ``contacts_confirmed``). ``complete``: as submitted, every part
    answered; a draft may lack answers but never holds a malformed one."""
    errors: list[FieldError] = []
    activities = record["activities"]
    if len(activities) > MAX_ACTIVITIES:
        errors.append(FieldError("activities", "too_many", {"max": MAX_ACTIVITIES}))
    for n, activity in enumerate(activities[:MAX_ACTIVITIES]):
        errors += [_at(n, e) for e in _activity_errors(activity, cycle, today=today, complete=complete)]
    if complete and not activities:
        errors.append(FieldError("activities", "no_activity"))
    unknown = [code for code in record["days"] if code not in DAY_CODES]
    if unknown:
        errors.append(FieldError("days", "unknown_choice", {"values": ", ".join(map(str, unknown))[:80]}))
    for theme, items in record["scores"].items():
        for item, score in items.items():
            if theme not in THEMES or item not in ASSESSMENT_ITEMS:
                errors.append(FieldError(f"scores.{theme}.{item}"[:60], "unknown_choice", {"values": item}))
            elif score not in SCORES:
                errors.append(FieldError(f"scores.{theme}.{item}", "out_of_range", {"min": 1, "max": 4}))
    if complete:
        errors += [
            FieldError(f"scores.{theme}.{item}", "required")
            for theme in THEMES
            for item in ASSESSMENT_ITEMS
            if item not in record["scores"].get(theme, {})
        ]
        if not record["contacts_confirmed"]:
            errors.append(FieldError("contacts_confirmed", "confirm_contacts"))
    return errors


def _at(n: int, error: FieldError) -> FieldError:
    return FieldError(f"activities.{n}.{error.field}", error.code, error.params)


def _activity_errors(activity: Mapping[str, Any], cycle: Cycle, *, today: date, complete: bool) -> list[FieldError]:
    errors = check.too_long(activity, LIMITS)
    if not activity["title"] or not has_visible(activity["title"]):
        errors.append(FieldError("title", "required"))
    unknown = [t for t in activity["themes"] if t not in THEMES]
    if unknown:
        errors.append(FieldError("themes", "unknown_choice", {"values": ", ".join(map(str, unknown))[:80]}))
    elif complete and not activity["themes"]:
        errors.append(FieldError("themes", "choose_one"))
    errors += check.out_of_range(activity, {"pupils": PUPILS_RANGE, "teachers": TEACHERS_RANGE})
    start, end = activity["start_date"], activity["end_date"]
    for key, day in (("start_date", start), ("end_date", end)):
        if day == check.BAD:
            errors.append(FieldError(key, "not_a_date"))
        elif isinstance(day, date) and not cycle.starts <= day <= cycle.ends:
            errors.append(FieldError(key, "outside_year", {"start": cycle.starts, "end": cycle.ends}))
        elif isinstance(day, date) and day > today:
            errors.append(FieldError(key, "in_future"))
    if isinstance(start, date) and isinstance(end, date) and end < start:
        errors.append(FieldError("end_date", "end_before_start"))
    if complete and start is None:
        errors.append(FieldError("start_date", "required"))
    errors += check.website_errors(activity, "link")
    return errors


# -- reading ----------------------------------------------------------------------------------------

_REPORT_COLUMNS = (
    "id, institution_id, network, year, state, days, contacts_confirmed, comment, submitted_at, "
    "first_submitted_at, decided_by, decided_at, updated_at, version"
)


def _load(db: Database, where: str, params: Sequence[Any]) -> Report | None:
    rows = db.rows(f"SELECT {_REPORT_COLUMNS} FROM reports WHERE {where}", params)
    if not rows:
        return None
    (rid, inst, network, year, state, days, confirmed, comment, submitted, first, by, at, updated, version) = rows[0]
    activities = [
        dict(zip(ACTIVITY_FIELDS, row, strict=True))
        for row in db.rows(
            f"SELECT {', '.join(ACTIVITY_FIELDS)} FROM report_activities WHERE report_id = ? ORDER BY position",
            [rid],
        )
    ]
    scores: dict[str, dict[str, int]] = {}
    for theme, item, score in db.rows("SELECT theme, item, score FROM report_scores WHERE report_id = ?", [rid]):
        scores.setdefault(theme, {})[item] = int(score)
    return Report(
        institution_id=int(inst),
        network=network,
        year=int(year),
        state=state,
        id=int(rid),
        activities=[{**a, "themes": list(a["themes"] or [])} for a in activities],
        days=list(days or []),
        scores=scores,
        contacts_confirmed=bool(confirmed),
        comment=comment,
        submitted_at=submitted,
        first_submitted_at=first,
        decided_by=by,
        decided_at=at,
        updated_at=updated,
        version=int(version),
    )


def report(db: Database, actor: Actor, institution_id: int, year: int) -> Report:
    """A school's report for ``year`` (a blank one, ``id`` None, when not started)."""
    network, _, _ = school_of(db, institution_id)
    require(actor, "read_report", network, institution=institution_id)
    found = _load(db, "institution_id = ? AND year = ?", [institution_id, int(year)])
    return found or Report(institution_id=institution_id, network=network, year=int(year))


def report_by_id(db: Database, actor: Actor, report_id: int) -> Report:
    found = _load(db, "id = ?", [int(report_id)])
    if found is None:
        raise NotFound(report_id)
    require(actor, "read_report", found.network, institution=found.institution_id)
    return found


def years_of(db: Database, institution_id: int, today: date | None = None) -> list[dict[str, Any]]:
    """The years a school may report on (the school year under way, then back to the year it
    joined, at most five), latest first, each with its report's state (None: not started)."""
    today = today or utc_now().date()
    cal = calendar(db)
    current = cal.current_year(today)
    joined = db.rows(
        "SELECT coalesce(year_joined, extract(year FROM created_at)) FROM institutions WHERE id = ?",
        [institution_id],
    )
    first = max(int(joined[0][0]) if joined and joined[0][0] else current, current - 4)
    states = dict(db.rows("SELECT year, state FROM reports WHERE institution_id = ?", [institution_id]))
    return [
        {"year": year, "state": states.get(year), "cycle": cal.cycle(year)} for year in range(current, first - 1, -1)
    ]


# -- writing ----------------------------------------------------------------------------------------


def _checked_year(db: Database, year: object, today: date) -> Cycle:
    value = check.parse_int(year)
    cal = calendar(db)
    if not isinstance(value, int) or value < 1953:
        raise ValidationFailed([FieldError("year", "not_a_number")])
    if value > cal.current_year(today):
        raise ValidationFailed([FieldError("year", "future_year")])
    return cal.cycle(value)


def _writable(db: Database, actor: Actor, institution_id: int) -> str:
    network, _, status = school_of(db, institution_id)
    require(actor, "write_report", network, institution=institution_id)
    if status == "withdrawn":
        raise ValidationFailed([FieldError("institution", "already_withdrawn")])
    return network


def save_draft(
    db: Database,
    actor: Actor,
    institution_id: int,
    year: object,
    payload: Mapping[str, Any],
    *,
    version: int = 0,
    now: datetime | None = None,
) -> Report:
    """Save a draft (or a returned report being corrected) as it stands. ``version`` is the
    version the writer read (0: not started); a report changed since raises Conflict.

    Raises ValidationFailed naming each malformed field; nothing is written then."""
    return _save(db, actor, institution_id, year, payload, version=version, now=now, submit=False)


def submit(
    db: Database,
    actor: Actor,
    institution_id: int,
    year: object,
    payload: Mapping[str, Any],
    *,
    version: int = 0,
    now: datetime | None = None,
) -> Report:
    """Save and submit a report to the network's coordinator: refused, naming each field, unless
    it is complete (an activity at least, every self-assessment item, contacts confirmed)."""
    return _save(db, actor, institution_id, year, payload, version=version, now=now, submit=True)


def _save(
    db: Database,
    actor: Actor,
    institution_id: int,
    year: object,
    payload: Mapping[str, Any],
    *,
    version: int,
    now: datetime | None,
    submit: bool,
) -> Report:
    now = now or utc_now()
    network = _writable(db, actor, institution_id)
    cycle = _checked_year(db, year, now.date())
    record = normalise(payload)
    errors = validate(record, cycle, complete=submit, today=now.date())
    if errors:
        raise ValidationFailed(errors)
    current = _load(db, "institution_id = ? AND year = ?", [institution_id, cycle.year])
    if current is not None and not current.editable:
        raise TransitionRefused(current.state, "submitted" if submit else "draft")
    if (current.version if current else 0) != version:
        raise Conflict({"state": current.state if current else None, "version": current.version if current else 0})
    state = "submitted" if submit else (current.state if current else "draft")

    def write(cur: Cursor) -> int:
        if current is None:
            report_id = cur.sql("SELECT nextval('report_id_seq')").fetchall()[0][0]
            cur.execute(
                "INSERT INTO reports (id, institution_id, network, year, state, days, contacts_confirmed, created_by, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [report_id, institution_id, network, cycle.year, "draft", record["days"],
                 record["contacts_confirmed"], actor.label, now, now],
            )  # fmt: skip
        else:
            report_id = current.id
            changed = cur.execute(
                "UPDATE reports SET days = ?, contacts_confirmed = ?, updated_at = ?, version = version + 1 "
                "WHERE id = ? AND version = ?",
                [record["days"], record["contacts_confirmed"], now, report_id, version],
            ).fetchall()[0][0]
            if changed != 1:
                raise Conflict({"version": version})
            cur.execute("DELETE FROM report_activities WHERE report_id = ?", [report_id])
            cur.execute("DELETE FROM report_scores WHERE report_id = ?", [report_id])
        for position, activity in enumerate(record["activities"]):
            cur.execute(
                f"INSERT INTO report_activities (report_id, position, {', '.join(ACTIVITY_FIELDS)}) "
                f"VALUES (?, ?, {', '.join('?' for _ in ACTIVITY_FIELDS)})",
                [report_id, position, *(activity[k] for k in ACTIVITY_FIELDS)],
            )
        for theme, items in record["scores"].items():
            for item, score in items.items():
                cur.execute(
                    "INSERT INTO report_scores (report_id, theme, item, score) VALUES (?, ?, ?, ?)",
                    [report_id, theme, item, score],
                )
        if submit:
            cur.execute(
                "UPDATE reports SET state = 'submitted', submitted_at = ?, "
                "first_submitted_at = coalesce(first_submitted_at, ?), comment = NULL WHERE id = ?",
                [now, now, report_id],
            )
        audit.record(
            cur,
            actor,
            "report.submit" if submit else "report.save",
            "reports",
            report_id,
            {"state": current.state} if current else None,
            {
                "institution_id": institution_id,
                "year": cycle.year,
                "state": state,
                "activities": len(record["activities"]),
                "late": cycle.is_late(now) if submit else None,
            },
            when=now,
        )
        return int(report_id)

    report_id = db.write(write)
    stored = _load(db, "id = ?", [report_id])
    assert stored is not None
    return stored


_DECISION_MAIL = {  # (subject, body) to the school's focal points, in their language
    "en": {
        "accepted": (
            "ASPnet: your {year} report is accepted",
            "The annual report of {school} for {year} was accepted.",
        ),
        "returned": (
            "ASPnet: your {year} report was returned",
            "Your National Coordinator returned the annual report of {school} for {year}:\n\n{comment}\n\n"
            "Correct it on the My school page and submit it again.",
        ),
    },
    "fr": {
        "accepted": (
            "réSEAU : votre rapport {year} est accepté",
            "Le rapport annuel de {school} pour {year} a été accepté.",
        ),
        "returned": (
            "réSEAU : votre rapport {year} vous est renvoyé",
            "Votre Coordinateur national a renvoyé le rapport annuel de {school} pour {year} :\n\n{comment}\n\n"
            "Corrigez-le sur la page Mon établissement et soumettez-le de nouveau.",
        ),
    },
    "es": {
        "accepted": (
            "redPEA: su informe {year} fue aceptado",
            "El informe anual de {school} correspondiente a {year} fue aceptado.",
        ),
        "returned": (
            "redPEA: su informe {year} fue devuelto",
            "Su Coordinador nacional devolvió el informe anual de {school} correspondiente a {year}:\n\n{comment}\n\n"
            "Corríjalo en la página Mi escuela y envíelo de nuevo.",
        ),
    },
}


def decide(
    db: Database,
    actor: Actor,
    report_id: int,
    decision: str,
    *,
    comment: object = None,
    version: int | None = None,
    now: datetime | None = None,
) -> Report:
    """The coordinator (or an admin) accepts a submitted report or returns it with a comment
    (required); the school's focal points hear of it through the outbox."""
    found = _load(db, "id = ?", [int(report_id)])
    if found is None:
        raise NotFound(report_id)
    require(actor, "decide_report", found.network)
    if decision not in ("accepted", "returned") or found.state != "submitted":
        raise TransitionRefused(found.state, decision)
    if version is not None and version != found.version:
        raise Conflict({"state": found.state, "version": found.version})
    text = check.clean_text(comment)
    if decision == "returned" and not (text and has_visible(text)):
        raise ValidationFailed([FieldError("comment", "required")])
    if text and len(text) > COMMENT_LIMIT:
        raise ValidationFailed([FieldError("comment", "too_long", {"max": COMMENT_LIMIT})])
    now = now or utc_now()
    school = db.scalar("SELECT name FROM institutions WHERE id = ?", [found.institution_id])
    recipients = db.rows(
        "SELECT email, language FROM users WHERE role = 'focal_point' AND institution_id = ? AND NOT disabled "
        "AND email IS NOT NULL",
        [found.institution_id],
    )

    def write(cur: Cursor) -> None:
        changed = cur.execute(
            "UPDATE reports SET state = ?, comment = ?, decided_by = ?, decided_at = ?, updated_at = ?, "
            "version = version + 1 WHERE id = ? AND state = 'submitted' AND version = ?",
            [decision, text, actor.label, now, now, found.id, found.version],
        ).fetchall()[0][0]
        if changed != 1:
            raise Conflict({"state": found.state, "version": found.version})
        for email, language in recipients:
            subject, body = _DECISION_MAIL.get(language, _DECISION_MAIL["en"])[decision]
            fields = {"year": found.year, "school": school, "comment": text or ""}
            cur.execute(
                "INSERT INTO outbox (to_email, subject, body, created_at) VALUES (?, ?, ?, ?)",
                [email, subject.format(**fields), body.format(**fields), now],
            )
        audit.record(
            cur,
            actor,
            f"report.{'accept' if decision == 'accepted' else 'return'}",
            "reports",
            int(report_id),
            {"state": found.state},
            {"state": decision, "comment": text, "institution_id": found.institution_id, "year": found.year},
            when=now,
        )

    db.write(write)
    stored = _load(db, "id = ?", [found.id])
    assert stored is not None
    return stored


# -- the coordinator's lists --------------------------------------------------------------------------

QUEUE_SCHEMA: Schema = {
    "id": pl.Int64,
    "institution_id": pl.Int64,
    "network": pl.String,
    "name": pl.String,
    "city": pl.String,
    "year": pl.Int64,
    "submitted_at": pl.Datetime("us"),
    "age_days": pl.Int64,
    "resubmitted": pl.Boolean,
}


def waiting(db: Database, actor: Actor, network: str | None, *, now: datetime | None = None) -> pl.DataFrame:
    """Submitted reports waiting for a decision, oldest first with their age in days: the
    network's (a coordinator), or every network's (an admin, ``network`` None)."""
    require(actor, "decide_report", network)
    now = now or utc_now()
    where, params = "r.state = 'submitted'", [now]
    if network is not None:
        where += " AND r.network = ?"
        params.append(network)  # type: ignore[arg-type]
    return db.small_query(
        f"""SELECT r.id, r.institution_id, r.network, i.name, i.city, r.year, r.submitted_at,
                   CAST(CAST(? AS DATE) - CAST(r.submitted_at AS DATE) AS BIGINT),
                   r.first_submitted_at < r.submitted_at
            FROM reports r JOIN institutions i ON i.id = r.institution_id
            WHERE {where} ORDER BY r.submitted_at, r.id LIMIT 2000""",
        params,
        QUEUE_SCHEMA,
    )


NETWORK_SCHEMA: Schema = {
    "institution_id": pl.Int64,
    "name": pl.String,
    "city": pl.String,
    "status": pl.String,
    "report_id": pl.Int64,
    "state": pl.String,
    "submitted_at": pl.Datetime("us"),
    "late": pl.Boolean,
    "activities": pl.Int64,
}


def network_reports(db: Database, actor: Actor, network: str, year: int) -> pl.DataFrame:
    """Every school of ``network`` that had to report for ``year``, with its report's state
    (``None``: not started), its first submission and whether it came late."""
    require(actor, "decide_report", network)
    cycle = calendar(db).cycle(int(year))
    return db.analytics.query(
        f"""SELECT i.id AS institution_id, i.name, i.city, i.status, r.id AS report_id, r.state,
                   r.first_submitted_at AS submitted_at,
                   CAST(r.first_submitted_at AS DATE) > $due AS late,
                   (SELECT count(*) FROM report_activities a WHERE a.report_id = r.id) AS activities
            FROM institutions i
            LEFT JOIN reports r ON r.institution_id = i.id AND r.year = $year
            WHERE i.network = $network AND {expected_sql()}
            ORDER BY i.name, i.id""",
        {"network": network, "year": cycle.year, "ends": cycle.ends, "due": cycle.due},
    ).cast(NETWORK_SCHEMA)  # type: ignore[arg-type]


def public_activities(db: Database, institution_id: int, *, limit: int = 50) -> pl.DataFrame:
    """A school's accepted activities, latest year first, as its public profile shows them:
    title, themes, year, link (never the description's pupils, scores or comments)."""
    return db.small_query(
        """SELECT a.title, a.themes, r.year, a.link FROM report_activities a
           JOIN reports r ON r.id = a.report_id
           WHERE r.institution_id = ? AND r.state = 'accepted'
           ORDER BY r.year DESC, a.position LIMIT ?""",
        [institution_id, limit],
        {"title": pl.String, "themes": pl.List(pl.String), "year": pl.Int64, "link": pl.String},
    )


# -- reminders --------------------------------------------------------------------------------------

_REMINDER_MAIL = {
    "en": {
        "before": (
            "ASPnet: the {year} annual report of {school} is due by {due}",
            "The annual report of {school} for the school year ending in {year} is due by {due}. "
            "Fill it in on the My school page: {url}",
        ),
        "after": (
            "ASPnet: the {year} annual report of {school} is overdue",
            "The annual report of {school} for {year} was due by {due} and has not been submitted. "
            "It can still be submitted on the My school page: {url}",
        ),
    },
    "fr": {
        "before": (
            "réSEAU : le rapport annuel {year} de {school} est attendu le {due} au plus tard",
            "Le rapport annuel de {school} pour l'année scolaire qui se termine en {year} est attendu le {due} "
            "au plus tard. Remplissez-le sur la page Mon établissement : {url}",
        ),
        "after": (
            "réSEAU : le rapport annuel {year} de {school} est en retard",
            "Le rapport annuel de {school} pour {year} était attendu le {due} et n'a pas été soumis. "
            "Il peut encore l'être sur la page Mon établissement : {url}",
        ),
    },
    "es": {
        "before": (
            "redPEA: el informe anual {year} de {school} vence el {due}",
            "El informe anual de {school} del año escolar que termina en {year} debe enviarse a más tardar el "
            "{due}. Complételo en la página Mi escuela: {url}",
        ),
        "after": (
            "redPEA: el informe anual {year} de {school} está atrasado",
            "El informe anual de {school} correspondiente a {year} vencía el {due} y no se ha enviado. "
            "Todavía puede enviarse en la página Mi escuela: {url}",
        ),
    },
}


def send_reminders(db: Database, *, today: date | None = None, public_url: str = "http://localhost:8501") -> int:
    """Queue the reminders due on ``today`` in the outbox (each school once per year and kind:
    ``before``, from a month before the deadline; ``after``, once it passed): to the school's
    active focal points in their language, or to the school's address. Returns how many mails."""
    today = today or utc_now().date()
    cal = calendar(db)
    current = cal.current_year(today)
    mails: list[tuple[int, int, str, str, str, str]] = []
    url = public_url.rstrip("/") + "/my_school"
    for year in (current - 1, current):
        cycle = cal.cycle(year)
        if cycle.due - REMINDER_BEFORE <= today <= cycle.due:
            kind = "before"
        elif cycle.due < today <= cycle.due + REMINDER_AFTER_UNTIL:
            kind = "after"
        else:
            continue
        rows = db.rows(
            f"""SELECT i.id, i.name, coalesce(u.email, i.email), coalesce(u.language, 'en')
                FROM institutions i
                LEFT JOIN reports r ON r.institution_id = i.id AND r.year = $year
                LEFT JOIN users u ON u.institution_id = i.id AND u.role = 'focal_point' AND NOT u.disabled
                    AND u.email IS NOT NULL
                WHERE i.status IN ('candidate', 'member') AND {expected_sql()}
                  AND (r.id IS NULL OR r.state IN ('draft', 'returned'))
                  AND NOT EXISTS (SELECT 1 FROM report_reminders m
                                  WHERE m.institution_id = i.id AND m.year = $year AND m.kind = $kind)
                  AND coalesce(u.email, i.email) IS NOT NULL
                ORDER BY i.id""",
            {"year": year, "ends": cycle.ends, "kind": kind},
        )
        for institution_id, school, email, language in rows:
            subject, body = _REMINDER_MAIL.get(language, _REMINDER_MAIL["en"])[kind]
            fields = {"year": year, "school": school, "due": cycle.due.isoformat(), "url": url}
            mails.append((institution_id, year, kind, email, subject.format(**fields), body.format(**fields)))
    if not mails:
        return 0
    now = utc_now()
    frame = pl.DataFrame(
        mails, schema=["institution_id", "year", "kind", "email", "subject", "body"], orient="row"
    ).with_columns(pl.lit(now).alias("sent_at"))

    def write(cur: Cursor) -> None:
        cur.register("reminder_mails", frame.to_arrow())
        try:
            cur.execute(
                "INSERT INTO report_reminders (institution_id, year, kind, sent_at) "
                "SELECT DISTINCT institution_id, year, kind, sent_at FROM reminder_mails"
            )
            cur.execute(
                "INSERT INTO outbox (to_email, subject, body, created_at) "
                "SELECT email, subject, body, sent_at FROM reminder_mails ORDER BY institution_id"
            )
        finally:
            cur.unregister("reminder_mails")

    try:
        db.write(write)
    except Exception as exc:  # another process sent the same reminders a moment ago
        if "duplicate" in str(exc).lower() or "constraint" in str(exc).lower():
            return 0
        raise
    return len(mails)


# -- inactive members -------------------------------------------------------------------------------

INACTIVE_DECISIONS = ("keep", "contact", "withdraw")
INACTIVE_SCHEMA: Schema = {
    "id": pl.Int64,
    "network": pl.String,
    "name": pl.String,
    "city": pl.String,
    "last_accepted": pl.Int64,
    "member_since": pl.Int64,
}


def inactive(
    db: Database,
    actor: Actor,
    network: str | None = None,
    *,
    today: date | None = None,
    pending_only: bool = True,
    institution: int | None = None,
) -> pl.DataFrame:
    """Members without an accepted report in the two latest closed cycles (their deadline
    passed), the longest silent first: a network's (its coordinator's data-quality list) or
    every network's (UNESCO's review queue, ``network`` None). ``pending_only``: without
    UNESCO's decision for these cycles yet."""
    if network is None:
        require(actor, "review_inactive")
    else:
        require(actor, "read_quality", network)
    today = today or utc_now().date()
    cal = calendar(db)
    later, earlier = cal.closed_years(today, 2)
    params: dict[str, Any] = {
        "later": later,
        "earlier": earlier,
        "year": earlier,  # expected_sql(): a member already in the earlier cycle
        "ends": cal.cycle(earlier).ends,
    }
    where = ""
    if network is not None:
        where = "AND i.network = $network"
        params["network"] = network
    if institution is not None:  # is this one school on the list?
        where += " AND i.id = $institution"
        params["institution"] = int(institution)
    if pending_only:
        where += " AND NOT EXISTS (SELECT 1 FROM inactive_reviews v WHERE v.institution_id = i.id AND v.year = $later)"
    return db.analytics.query(
        f"""SELECT i.id, i.network, i.name, i.city,
                   (SELECT max(r.year) FROM reports r WHERE r.institution_id = i.id AND r.state = 'accepted')
                       AS last_accepted,
                   i.year_joined AS member_since
            FROM institutions i
            WHERE i.status = 'member' AND {expected_sql()} {where}
              AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.institution_id = i.id AND r.state = 'accepted'
                              AND r.year IN ($earlier, $later))
            ORDER BY last_accepted NULLS FIRST, i.year_joined NULLS FIRST, i.id""",
        params,
    ).cast(INACTIVE_SCHEMA)  # type: ignore[arg-type]


_CONTACT_MAIL = (
    "ASPnet: {school} and the network",
    "UNESCO has received no annual report from {school} for the school years ending in {earlier} and {later}. "
    "Please tell your National Coordinator whether the school still takes part in ASPnet, and submit its "
    "report on the My school page.{comment}",
)


def review_inactive(
    db: Database,
    actor: Actor,
    institution_id: int,
    decision: str,
    *,
    comment: object = None,
    today: date | None = None,
) -> None:
    """UNESCO's decision on an inactive member: keep it (until the next cycle), contact the school
    (a mail to its focal points or address, copied to the coordinator), or withdraw it as
    inactive (membership.withdraw, reason ``inactive``). Audited."""
    from .editing import withdraw_row
    from .membership import record_event

    require(actor, "review_inactive")
    if decision not in INACTIVE_DECISIONS:
        raise ValidationFailed([FieldError("decision", "unknown_choice", {"values": str(decision)[:40]})])
    text = check.clean_text(comment)
    if text and len(text) > COMMENT_LIMIT:
        raise ValidationFailed([FieldError("comment", "too_long", {"max": COMMENT_LIMIT})])
    if decision == "withdraw" and not text:
        raise ValidationFailed([FieldError("comment", "required")])
    today = today or utc_now().date()
    later, earlier = calendar(db).closed_years(today, 2)
    if inactive(db, actor, today=today, institution=institution_id).is_empty():
        raise ValidationFailed([FieldError("institution", "not_inactive")])
    network, school, _ = school_of(db, institution_id)
    now = utc_now()
    to = [
        row[0]
        for row in db.rows(
            "SELECT email FROM users WHERE role = 'focal_point' AND institution_id = ? AND NOT disabled "
            "AND email IS NOT NULL UNION SELECT email FROM institutions WHERE id = ? AND email IS NOT NULL "
            "UNION SELECT coordinator_email FROM networks WHERE iso3 = ? AND coordinator_email IS NOT NULL",
            [institution_id, institution_id, network],
        )
    ]

    def write(cur: Cursor) -> None:
        if decision == "withdraw":  # as membership.withdraw does, in this transaction
            withdraw_row(cur, actor, institution_id, expected_version=None, when=now)
            record_event(cur, actor, institution_id, network, "withdrawn", "withdrawn", when=now,
                         reason="inactive", comment=text)  # fmt: skip
        cur.execute(
            "INSERT INTO inactive_reviews (institution_id, year, decision, comment, actor, decided_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [institution_id, later, decision, text, actor.label, now],
        )
        if decision == "contact":
            subject, body = _CONTACT_MAIL
            fields = {"school": school, "earlier": earlier, "later": later, "comment": f"\n\n{text}" if text else ""}
            for address in sorted(set(to)):
                cur.execute(
                    "INSERT INTO outbox (to_email, subject, body, created_at) VALUES (?, ?, ?, ?)",
                    [address, subject.format(**fields), body.format(**fields), now],
                )
        audit.record(
            cur,
            actor,
            f"inactive.{decision}",
            "institutions",
            institution_id,
            None,
            {"network": network, "cycles": [earlier, later], "comment": text},
            when=now,
        )

    db.write(write)

"""A school's membership after its application: candidacy, full membership, withdrawal.

The moves, each one an event (table ``membership_events``) and an audit row, with who, when
and why:

* candidate -> member: once the candidacy period has passed (:func:`candidacy_months`,
  24 by default, set by admins), the National Coordinator proposes full membership
  (:func:`propose`); UNESCO confirms it (:func:`confirm`: the school becomes a member and
  gets its certificate number that day), extends the candidacy by some months
  (:func:`extend`), or declines with a reason (:func:`decline`: it stays a candidate, to
  be proposed again after :data:`DECLINED_WAIT_MONTHS`);
* member (or candidate) -> withdrawn, with a reason code (:data:`WITHDRAWAL_REASONS`;
  :func:`withdraw`);
* withdrawn -> candidate when the school applies again (:func:`readmit`).

A candidate's due date is the start of its candidacy plus the period as it stands (a change
of the period applies to every candidate), unless UNESCO extended or declined it since.

A school's candidacy starts at its latest ``candidacy`` or ``reapplied`` event, else when its
record was created (schools entered before these events were kept). The queues
(:func:`due_candidates` for coordinators, :func:`proposals` for UNESCO) are oldest first,
with their age.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import polars as pl

from . import audit, certificates
from .db import Cursor, Database, Schema, utc_now
from .errors import FieldError, NotFound, ValidationFailed
from .permissions import Actor, require
from .validation import clean_text

DEFAULT_CANDIDACY_MONTHS = 24
MONTHS_RANGE = (1, 120)
DECLINED_WAIT_MONTHS = 12
WITHDRAWAL_REASONS = ("closed", "left", "inactive", "merged")
COMMENT_LIMIT = 2000
_META_KEY = "candidacy_months"
_STARTS = ("candidacy", "reapplied")

HISTORY_SCHEMA: Schema = {
    "action": pl.String,
    "status": pl.String,
    "reason": pl.String,
    "comment": pl.String,
    "due_on": pl.Date,
    "actor": pl.String,
    "occurred_at": pl.Datetime("us"),
}
# The table's rows (the demo writes them in bulk).
EVENT_SCHEMA: Schema = {"id": pl.Int64, "institution_id": pl.Int64, "network": pl.String, **HISTORY_SCHEMA}


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months (the 31st becomes the month's last day)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


# -- the candidacy period ------------------------------------------------------------------------


def candidacy_months(db: Database) -> int:
    """How long a school is a candidate before it may be proposed for full membership."""
    value = db.scalar("SELECT value FROM meta WHERE key = ?", [_META_KEY])
    try:
        return int(value) if value is not None else DEFAULT_CANDIDACY_MONTHS
    except ValueError:
        return DEFAULT_CANDIDACY_MONTHS


def set_candidacy_months(db: Database, actor: Actor, months: object) -> int:
    """Set the candidacy period (admins), audited; refused outside :data:`MONTHS_RANGE`."""
    require(actor, "set_candidacy_period")
    value = _months(months, "months")
    before = candidacy_months(db)

    def write(cur: Cursor) -> None:
        cur.execute("DELETE FROM meta WHERE key = ?", [_META_KEY])
        cur.execute("INSERT INTO meta (key, value) VALUES (?, ?)", [_META_KEY, str(value)])
        audit.record(cur, actor, "membership.period", "meta", _META_KEY, {"months": before}, {"months": value})

    db.write(write)
    return value


def _months(raw: object, field: str) -> int:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        raise ValidationFailed([FieldError(field, "not_a_number")]) from None
    low, high = MONTHS_RANGE
    if not low <= value <= high:
        raise ValidationFailed([FieldError(field, "out_of_range", {"min": low, "max": high})])
    return value


# -- where a school stands --------------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """Where one school stands in its membership."""

    institution_id: int
    network: str
    name: str
    status: str
    candidate_since: date | None  # for a candidate
    due_on: date | None  # when it may be proposed (a candidate)
    proposed_on: date | None  # a proposal waiting for UNESCO


# The candidates' standing, one row each: the start of their candidacy, their due date and
# whether a proposal waits (the latest event after that start is "proposed").
_STANDING_SQL = """
WITH starts AS (
    SELECT institution_id, max(id) AS start_id FROM membership_events
    WHERE action IN ('candidacy', 'reapplied') GROUP BY institution_id
),
latest AS (
    SELECT e.institution_id, max(e.id) AS last_id FROM membership_events e GROUP BY e.institution_id
),
dues AS (  -- an extension or a refusal since the candidacy started sets its due date
    SELECT e.institution_id, max(e.id) AS due_id FROM membership_events e
    LEFT JOIN starts s ON s.institution_id = e.institution_id
    WHERE e.due_on IS NOT NULL AND e.id > coalesce(s.start_id, 0) GROUP BY e.institution_id
)
SELECT i.id, i.network, i.name, i.city, i.status,
       CAST(coalesce(s.occurred_at, i.created_at) AS DATE) AS candidate_since,
       d.due_on AS due_set,
       CASE WHEN l.action = 'proposed' THEN CAST(l.occurred_at AS DATE) END AS proposed_on,
       CASE WHEN l.action = 'proposed' THEN l.actor END AS proposed_by,
       CASE WHEN l.action = 'proposed' THEN l.comment END AS proposal_comment
FROM institutions i
LEFT JOIN starts st ON st.institution_id = i.id
LEFT JOIN membership_events s ON s.id = st.start_id
LEFT JOIN latest lt ON lt.institution_id = i.id
LEFT JOIN membership_events l ON l.id = lt.last_id
LEFT JOIN dues du ON du.institution_id = i.id
LEFT JOIN membership_events d ON d.id = du.due_id
WHERE i.status = 'candidate' {where}
"""


def _candidates(db: Database, where: str, params: list) -> pl.DataFrame:
    return db.query(_STANDING_SQL.format(where=where), params)


def _with_due(frame: pl.DataFrame, months: int, today: date) -> pl.DataFrame:
    due = [
        set_ if set_ is not None else add_months(since, months)
        for since, set_ in zip(frame["candidate_since"], frame["due_set"])
    ]
    return frame.with_columns(pl.Series("due_on", due, dtype=pl.Date)).with_columns(
        months_as_candidate=((pl.lit(today) - pl.col("candidate_since")).dt.total_days() / 30.44)
        .floor()
        .cast(pl.Int64),
        waiting_days=(pl.lit(today) - pl.col("proposed_on")).dt.total_days().cast(pl.Int64),
    )


def standing(db: Database, institution_id: int) -> Standing:
    row = db.query("SELECT id, network, name, status FROM institutions WHERE id = ?", [institution_id])
    if row.is_empty():
        raise NotFound(institution_id)
    record = row.row(0, named=True)
    if record["status"] != "candidate":
        return Standing(institution_id, record["network"], record["name"], record["status"], None, None, None)
    cand = _with_due(_candidates(db, "AND i.id = ?", [institution_id]), candidacy_months(db), utc_now().date())
    c = cand.row(0, named=True)
    return Standing(
        institution_id,
        c["network"],
        c["name"],
        c["status"],
        c["candidate_since"],
        c["due_on"],
        c["proposed_on"],
    )


QUEUE_COLUMNS = ("id", "network", "name", "city", "candidate_since", "due_on", "months_as_candidate")


def due_candidates(
    db: Database, actor: Actor, network: str | None = None, *, today: date | None = None
) -> pl.DataFrame:
    """The candidates whose period has passed and no proposal waits: the coordinator's queue
    (their network; admins: ``network`` or all), the longest a candidate first."""
    network = actor.network if actor.role == "coordinator" else network
    require(actor, "propose_membership", network or actor.network)
    today = today or utc_now().date()
    where, params = ("AND i.network = ?", [network]) if network else ("", [])
    frame = _with_due(_candidates(db, where, params), candidacy_months(db), today)
    return (
        frame.filter(pl.col("proposed_on").is_null() & (pl.col("due_on") <= today))
        .sort("candidate_since", "id")
        .select(*QUEUE_COLUMNS)
    )


def proposals(db: Database, actor: Actor, *, today: date | None = None) -> pl.DataFrame:
    """The proposals waiting for UNESCO's decision, the oldest first, with their age in days."""
    require(actor, "decide_membership")
    today = today or utc_now().date()
    frame = _with_due(_candidates(db, "", []), candidacy_months(db), today)
    return (
        frame.filter(pl.col("proposed_on").is_not_null())
        .sort("proposed_on", "id")
        .select(*QUEUE_COLUMNS, "proposed_on", "proposed_by", "proposal_comment", "waiting_days")
    )


def history(db: Database, institution_id: int) -> pl.DataFrame:
    """A school's membership events, oldest first (public: what happened, when, why)."""
    return db.query(
        "SELECT action, status, reason, comment, due_on, actor, occurred_at FROM membership_events "
        "WHERE institution_id = ? ORDER BY id",
        [institution_id],
    ).cast(HISTORY_SCHEMA)  # type: ignore[arg-type]


def timeline(db: Database, institution_id: int) -> dict[str, object]:
    """Candidate since, member since, withdrawn since and why, for the profile: from the events,
    else from the record (schools entered before the events were kept)."""
    row = db.query(
        "SELECT status, created_at, year_joined, withdrawn_year FROM institutions WHERE id = ?", [institution_id]
    )
    if row.is_empty():
        raise NotFound(institution_id)
    record = row.row(0, named=True)
    events = history(db, institution_id)
    out: dict[str, object] = {"status": record["status"]}

    def last(*actions: str):
        found = events.filter(pl.col("action").is_in(list(actions)))
        return found.row(-1, named=True) if found.height else None

    start, confirmed, withdrawn = last(*_STARTS), last("confirmed"), last("withdrawn")
    if record["status"] == "candidate":
        out["candidate_since"] = start["occurred_at"].date() if start else record["created_at"].date()
    if record["status"] == "member":
        out["member_since"] = confirmed["occurred_at"].date() if confirmed else record["year_joined"]
    if record["status"] == "withdrawn":
        out["withdrawn_since"] = withdrawn["occurred_at"].date() if withdrawn else record["withdrawn_year"]
        out["reason"] = withdrawn["reason"] if withdrawn else None
    return out


# -- the moves ----------------------------------------------------------------------------------------


def _comment(raw: object, *, required: bool = False) -> str | None:
    text = clean_text(raw)
    if required and not text:
        raise ValidationFailed([FieldError("comment", "required")])
    if text and len(text) > COMMENT_LIMIT:
        raise ValidationFailed([FieldError("comment", "too_long", {"max": COMMENT_LIMIT})])
    return text


def record_event(
    cur: Cursor,
    actor: Actor,
    institution_id: int,
    network: str,
    action: str,
    status: str,
    *,
    when: datetime,
    reason: str | None = None,
    comment: str | None = None,
    due_on: date | None = None,
) -> None:
    """One membership event and its audit row, inside the caller's transaction."""
    cur.execute(
        "INSERT INTO membership_events (institution_id, network, action, status, reason, comment, due_on, actor, "
        "occurred_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [institution_id, network, action, status, reason, comment, due_on, actor.label, when],
    )
    audit.record(
        cur,
        actor,
        f"membership.{action}",
        "institutions",
        institution_id,
        None,
        {"network": network, "status": status, "reason": reason, "comment": comment, "due_on": due_on},
        when=when,
    )


_NOTICES = {  # UNESCO's decision, as the network's coordinator reads it in their mail
    "confirmed": (
        "ASPnet: {name} is a member",
        "UNESCO confirmed the full membership of {name}. Certificate: {detail}.",
    ),
    "extended": (
        "ASPnet: the candidacy of {name} is extended",
        "UNESCO extended the candidacy of {name}; it can be proposed again from {detail}.",
    ),
    "declined": (
        "ASPnet: full membership of {name} declined for now",
        "UNESCO declined the proposal for {name}; it stays a candidate and can be proposed again from {detail}.",
    ),
}


def _notify(
    cur: Cursor, network: str, action: str, name: str, detail: str, comment: str | None, when: datetime
) -> None:
    """Tell the network's coordinator (their public address) what UNESCO decided, through the outbox."""
    rows = cur.sql("SELECT coordinator_email FROM networks WHERE iso3 = ?", params=[network]).fetchall()
    to = rows[0][0] if rows else None
    if not to:
        return
    subject, body = _NOTICES[action]
    text = body.format(name=name, detail=detail) + (f"\n\nMessage from UNESCO: {comment}" if comment else "")
    cur.execute(
        "INSERT INTO outbox (to_email, subject, body, created_at) VALUES (?, ?, ?, ?)",
        [to, subject.format(name=name), text, when],
    )


def propose(
    db: Database, actor: Actor, institution_id: int, *, comment: object = None, today: date | None = None
) -> date:
    """The coordinator proposes a candidate whose candidacy period has passed for full membership;
    returns the day of the proposal."""
    current = standing(db, institution_id)
    require(actor, "propose_membership", current.network)
    text = _comment(comment)
    today = today or utc_now().date()
    if current.status != "candidate":
        raise ValidationFailed([FieldError("form", "not_a_candidate")])
    if current.proposed_on is not None:
        raise ValidationFailed([FieldError("form", "already_proposed", {"day": current.proposed_on.isoformat()})])
    if current.due_on is not None and current.due_on > today:
        raise ValidationFailed([FieldError("form", "not_due", {"day": current.due_on.isoformat()})])
    when = utc_now()
    db.write(
        lambda cur: record_event(
            cur, actor, institution_id, current.network, "proposed", "candidate", when=when, comment=text
        )
    )
    return when.date()


def _pending(db: Database, actor: Actor, institution_id: int) -> Standing:
    current = standing(db, institution_id)
    require(actor, "decide_membership", current.network)
    if current.status != "candidate" or current.proposed_on is None:
        raise ValidationFailed([FieldError("form", "no_proposal")])
    return current


def confirm(db: Database, actor: Actor, institution_id: int, *, comment: object = None) -> str:
    """UNESCO confirms a proposal: the school becomes a member and gets its certificate number
    (returned) that day."""
    current = _pending(db, actor, institution_id)
    text = _comment(comment)
    when = utc_now()

    def write(cur: Cursor) -> str:
        cur.execute(
            "UPDATE institutions SET status = 'member', year_joined = coalesce(year_joined, ?), updated_at = ?, "
            "updated_by = ?, version = version + 1 WHERE id = ? AND status = 'candidate'",
            [when.year, when, actor.label, institution_id],
        )
        certificates.issue_certificates(cur, [institution_id], when=when)
        record_event(cur, actor, institution_id, current.network, "confirmed", "member", when=when, comment=text)
        (number,) = cur.sql(
            "SELECT number FROM certificates WHERE institution_id = ?", params=[institution_id]
        ).fetchall()[0]
        _notify(cur, current.network, "confirmed", current.name, number, text, when)
        return number

    return db.write(write)


def extend(db: Database, actor: Actor, institution_id: int, months: object, *, comment: object = None) -> date:
    """UNESCO extends a candidacy by ``months`` from today instead of confirming it; returns the
    new due date (the coordinator may propose again from then)."""
    current = _pending(db, actor, institution_id)
    count = _months(months, "months")
    return _reschedule(db, actor, current, "extended", count, _comment(comment))


def decline(db: Database, actor: Actor, institution_id: int, *, comment: object) -> date:
    """UNESCO declines a proposal, with a reason (required): the school stays a candidate, to be
    proposed again after :data:`DECLINED_WAIT_MONTHS`; returns that date."""
    current = _pending(db, actor, institution_id)
    return _reschedule(db, actor, current, "declined", DECLINED_WAIT_MONTHS, _comment(comment, required=True))


def _reschedule(db: Database, actor: Actor, current: Standing, action: str, months: int, comment: str | None) -> date:
    """A proposal answered with a later date: the candidate may be proposed again ``months``
    from today (returned); its coordinator is told."""
    when = utc_now()
    due = add_months(when.date(), months)

    def write(cur: Cursor) -> None:
        record_event(
            cur,
            actor,
            current.institution_id,
            current.network,
            action,
            "candidate",
            when=when,
            comment=comment,
            due_on=due,
        )
        _notify(cur, current.network, action, current.name, due.isoformat(), comment, when)

    db.write(write)
    return due


def withdraw(
    db: Database,
    actor: Actor,
    institution_id: int,
    reason: str,
    *,
    comment: object = None,
    merged_into: int | None = None,
    expected_version: int | None = None,
) -> None:
    """Withdraw a member or candidate with a reason code (:data:`WITHDRAWAL_REASONS`); a school
    merged into another names it (an institution of the same network)."""
    from .editing import withdraw_row

    current = standing(db, institution_id)
    require(actor, "withdraw", current.network)
    if reason not in WITHDRAWAL_REASONS:
        raise ValidationFailed([FieldError("reason", "choose_reason")])
    text = _comment(comment)
    if current.status == "withdrawn":
        raise ValidationFailed([FieldError("form", "already_withdrawn")])
    if reason == "merged":
        target = db.rows("SELECT network, status FROM institutions WHERE id = ?", [merged_into]) if merged_into else []
        if (
            not target
            or target[0][0] != current.network
            or target[0][1] == "withdrawn"
            or merged_into == institution_id
        ):
            raise ValidationFailed([FieldError("merged_into", "merged_into")])
        text = f"#{merged_into}" + (f" {text}" if text else "")
    when = utc_now()

    def write(cur: Cursor) -> None:
        withdraw_row(cur, actor, institution_id, expected_version=expected_version, when=when)
        record_event(
            cur,
            actor,
            institution_id,
            current.network,
            "withdrawn",
            "withdrawn",
            when=when,
            reason=reason,
            comment=text,
        )

    db.write(write)


def readmit(db: Database, actor: Actor, institution_id: int, *, comment: object = None) -> date:
    """A withdrawn school that applies again becomes a candidate; its candidacy starts today.
    Returns the day it may be proposed for full membership."""
    current = standing(db, institution_id)
    require(actor, "propose_membership", current.network)
    if current.status != "withdrawn":
        raise ValidationFailed([FieldError("form", "not_withdrawn")])
    text = _comment(comment)
    when = utc_now()
    due = add_months(when.date(), candidacy_months(db))

    def write(cur: Cursor) -> None:
        cur.execute(
            "UPDATE institutions SET status = 'candidate', withdrawn_year = NULL, updated_at = ?, updated_by = ?, "
            "version = version + 1 WHERE id = ?",
            [when, actor.label, institution_id],
        )
        record_event(cur, actor, institution_id, current.network, "reapplied", "candidate", when=when, comment=text)

    db.write(write)
    return due


def start_candidacy(cur: Cursor, actor: Actor, institution_id: int, network: str, when: datetime) -> None:
    """The event of a candidacy that an approved application starts (inside its transaction).
    Its due date follows the candidacy period as it stands when someone looks."""
    record_event(cur, actor, institution_id, network, "candidacy", "candidate", when=when)

"""The coordinators' message board: channels, threads, mentions, unread counts, moderation.

Who reads and writes where: everyone signed in as coordinator or admin reads and writes the
all-coordinators and topical channels; a regional channel is for its region's coordinators;
a project channel for the coordinators of networks taking part in the project (and its
owner); a network's channel for its schools, once its coordinator opened it, is written by
the coordinator and read by the focal points of the network's schools. UNESCO admins go
everywhere but into direct conversations: a conversation (kind 'direct') is read and written by
its members only, whoever they are; an admin reads one of its messages only when a member
reported it, to hide it or leave it. Message text is stored exactly as written; the pages
escape it when they show it.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import polars as pl

from . import audit
from .db import Cursor, Database, utc_now
from .errors import EditWindowPassed, FieldError, NotFound, PermissionDenied, RateLimited, ValidationFailed
from .permissions import Actor, can, require
from .text import clean_line, fold, has_visible
from .validation import clean_text

MAX_LENGTH = 4000
EDIT_WINDOW = timedelta(minutes=15)
RATE_LIMIT = 10  # messages per user ...
RATE_WINDOW = timedelta(minutes=1)  # ... in this window
THREADS_PER_PAGE = 20
MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9][A-Za-z0-9._-]{1,39})")


def _audience_sql() -> str:
    """SQL true when the channel `c` is for the coordinators of network $me_network: the
    all-coordinators and topical channels, their region's, and their projects'."""
    return """(c.kind IN ('all', 'topic')
            OR (c.kind = 'region' AND c.region = (SELECT region FROM countries WHERE iso3 = $me_network))
            OR (c.kind = 'schools' AND c.network = $me_network)
            OR (c.kind = 'project' AND (
                EXISTS (SELECT 1 FROM projects p WHERE p.id = c.project_id AND p.network = $me_network)
                OR EXISTS (SELECT 1 FROM project_members m JOIN institutions i ON i.id = m.institution_id
                           WHERE m.project_id = c.project_id AND m.state = 'member' AND i.network = $me_network))))"""


_SCHOOLS_SQL = "(c.kind = 'schools' AND c.network = $me_network)"


def _readable_sql(actor: Actor) -> tuple[str, dict[str, object]]:
    """WHERE over `channels c` for the channels ``actor`` may read: every channel, those of the
    actor's audience (``read_channel``), their network's channel for schools (a focal point:
    ``read_schools_channel``), or none; and the direct conversations they take part in
    (``read_conversation``), which nobody else reads."""
    params: dict[str, object] = {}
    if can(actor, "read_channel"):
        shared = "true"
    elif can(actor, "read_channel", member=True):
        shared, params = _audience_sql(), {"me_network": actor.network}
    elif can(actor, "read_schools_channel", institution=actor.institution):
        shared, params = _SCHOOLS_SQL, {"me_network": actor.network}
    else:
        shared = "false"
    if not can(actor, "read_conversation", participant=True):
        return f"(c.kind <> 'direct' AND {shared})", params
    return f"(CASE WHEN c.kind = 'direct' THEN {_PARTICIPANT_SQL} ELSE {shared} END)", params | {
        "me_user": actor.username
    }


_PARTICIPANT_SQL = "EXISTS (SELECT 1 FROM channel_members cm WHERE cm.channel_id = c.id AND cm.username = $me_user)"


def _may(db: Database, actor: Actor, channel_id: int, *, write: bool) -> bool:
    """Whether ``actor`` may read (``write``: post in) the channel; NotFound when there is no
    such channel. A focal point reads their network's channel for schools and writes nowhere;
    a conversation is its members' alone."""
    found = db.rows(
        f"SELECT c.kind, {_audience_sql()}, {_SCHOOLS_SQL}, {_PARTICIPANT_SQL} FROM channels c WHERE c.id = $id",
        {"id": channel_id, "me_network": actor.network, "me_user": actor.username or ""},
    )
    if not found:
        raise NotFound(channel_id)
    kind, audience, schools, participant = found[0]
    if kind == "direct":
        return can(actor, "read_conversation", participant=bool(participant))
    if can(actor, "read_channel", member=bool(audience)):
        return True
    return not write and can(actor, "read_schools_channel", institution=actor.institution if schools else None)


def can_read(db: Database, actor: Actor, channel_id: int, *, write: bool = False) -> bool:
    """Whether ``actor`` may read (``write``: post in) the channel (False when there is no such channel)."""
    try:
        return _may(db, actor, channel_id, write=write)
    except NotFound:
        return False


def _require_read(db: Database, actor: Actor, channel_id: int, *, write: bool = False) -> None:
    if not _may(db, actor, channel_id, write=write):
        raise PermissionDenied("read_channel" if not write else "post_message", None)


def mention_terms(actor: Actor) -> list[str]:
    """What counts as mentioning this user: @username or @ISO3 of their network."""
    terms = [f"@{actor.username}".lower()] if actor.username else []
    if actor.network:
        terms.append(f"@{actor.network}".lower())
    return terms


def mentions(body: str) -> list[str]:
    return [m.group(1) for m in MENTION.finditer(body or "")]


def _mention_sql(actor: Actor, column: str = "m.body") -> tuple[str, dict]:
    """SQL true when ``column`` mentions ``actor`` (see :func:`mention_terms`), with its parameters."""
    terms = mention_terms(actor)
    sql = " OR ".join(f"{column} ILIKE $mention{k} ESCAPE '\\'" for k in range(len(terms))) or "false"
    # Every term starts with "@": a body without one is no mention, and finding that out is
    # cheap (on PostgreSQL, 50,000 unread messages: 8 ms with this test first, 88 ms without).
    return f"(strpos({column}, '@') > 0 AND ({sql}))", {
        f"mention{k}": "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        for k, term in enumerate(terms)
    }


def channels(db: Database, actor: Actor) -> pl.DataFrame:
    """Readable channels with unread and unread-mention counts for ``actor``."""
    where, params = _readable_sql(actor)
    mention, mention_params = _mention_sql(actor)
    # Only unread messages are joined: a reader who keeps up touches a few rows, not the board.
    return db.query(
        f"""SELECT c.id, c.slug, c.kind, c.title, c.region, c.project_id, c.network,
                   CASE WHEN c.kind = 'direct' THEN (SELECT max(x.id) FROM messages x WHERE x.channel_id = c.id)
                   END AS last_id,
                   count(m.id) AS unread,
                   count(m.id) FILTER (WHERE {mention}) AS mentions
            FROM channels c
            LEFT JOIN channel_reads r ON r.channel_id = c.id AND r.username = $me
            LEFT JOIN messages m ON m.channel_id = c.id AND m.id > coalesce(r.last_read_id, 0)
                 AND m.author <> $me AND m.deleted_at IS NULL AND m.hidden_reason IS NULL
            WHERE {where}
            GROUP BY c.id, c.slug, c.kind, c.title, c.region, c.project_id, c.network
            ORDER BY CASE c.kind WHEN 'all' THEN 0 WHEN 'schools' THEN 1 WHEN 'region' THEN 2 WHEN 'topic' THEN 3
                     WHEN 'project' THEN 4 ELSE 5 END, c.title, c.id""",
        params | mention_params | {"me": actor.username or ""},
    )


def threads(
    db: Database, actor: Actor, channel_id: int, *, before: datetime | None = None, limit: int = THREADS_PER_PAGE
) -> pl.DataFrame:
    """A page of threads, newest activity first, each with its replies (oldest first).

    ``before``: the last activity of the oldest thread already shown, to page backwards.
    Rows: every message of those threads, with ``thread`` (its first message's id) and
    ``activity`` (the thread's latest message time)."""
    _require_read(db, actor, channel_id)
    return db.query(
        """WITH t AS (
               SELECT coalesce(thread_id, id) AS thread, max(created_at) AS activity
               FROM messages WHERE channel_id = $channel GROUP BY 1),
             page AS (SELECT * FROM t WHERE CAST($before AS TIMESTAMP) IS NULL OR activity < $before
                      ORDER BY activity DESC, thread DESC LIMIT $limit)
           SELECT m.id, coalesce(m.thread_id, m.id) AS thread, p.activity, m.author, u.display_name, u.network,
                  m.created_at, m.edited_at, m.deleted_at IS NOT NULL AS deleted, m.hidden_reason,
                  CASE WHEN m.deleted_at IS NULL AND m.hidden_reason IS NULL THEN m.body END AS body
           FROM messages m JOIN page p ON p.thread = coalesce(m.thread_id, m.id)
           LEFT JOIN users u ON u.username = m.author
           WHERE m.channel_id = $channel
           ORDER BY p.activity DESC, p.thread DESC, m.thread_id IS NOT NULL, m.created_at, m.id""",
        {"channel": channel_id, "before": before, "limit": limit},
    )


def last_read(db: Database, actor: Actor, channel_id: int) -> int:
    """The id of the last message ``actor`` has seen in the channel (0 if none)."""
    return int(
        db.scalar(
            "SELECT coalesce(max(last_read_id), 0) FROM channel_reads WHERE channel_id = ? AND username = ?",
            [channel_id, actor.username or ""],
        )
    )


def thread_list(
    db: Database,
    actor: Actor,
    channel_id: int,
    *,
    seen: int | None = None,
    before: datetime | None = None,
    limit: int = THREADS_PER_PAGE,
    thread: int | None = None,
) -> pl.DataFrame:
    """A page of threads folded to their first message, newest activity first (``thread``: only
    that one, when it is of this channel, wherever it is in the pages).

    One row per thread: its first message (``id`` = ``thread``, author, network, time, body
    or why it is not shown), ``activity`` (its latest message's time), ``replies``, ``new``
    (messages by others after ``seen``, by default where ``actor`` stopped reading) and
    ``mentions`` (its messages that mention ``actor``). Only the page's threads are counted."""
    _require_read(db, actor, channel_id)
    if thread is not None and not 0 < thread < 2**63:
        thread = 0  # no message has it (and the database's BIGINT holds it)
    mention, mention_params = _mention_sql(actor)
    visible = "m.deleted_at IS NULL AND m.hidden_reason IS NULL"
    return db.query(
        f"""WITH t AS (
               SELECT coalesce(thread_id, id) AS thread, max(created_at) AS activity
               FROM messages WHERE channel_id = $channel
                    AND (CAST($thread AS BIGINT) IS NULL OR id = $thread OR thread_id = $thread) GROUP BY 1),
             page AS (SELECT * FROM t WHERE CAST($before AS TIMESTAMP) IS NULL OR activity < $before
                      ORDER BY activity DESC, thread DESC LIMIT $limit),
             counts AS (
               SELECT coalesce(m.thread_id, m.id) AS thread,
                      count(*) FILTER (WHERE m.thread_id IS NOT NULL) AS replies,
                      count(*) FILTER (WHERE m.id > $seen AND m.author <> $me AND {visible}) AS new,
                      count(*) FILTER (WHERE {visible} AND {mention}) AS mentions
               FROM messages m
               WHERE m.channel_id = $channel AND coalesce(m.thread_id, m.id) IN (SELECT thread FROM page)
               GROUP BY 1)
           SELECT p.thread, p.activity, c.replies, c.new, c.mentions,
                  f.id, f.author, u.display_name, u.network, f.created_at, f.edited_at,
                  f.deleted_at IS NOT NULL AS deleted, f.hidden_reason,
                  CASE WHEN f.deleted_at IS NULL AND f.hidden_reason IS NULL THEN f.body END AS body
           FROM page p JOIN counts c ON c.thread = p.thread JOIN messages f ON f.id = p.thread
           LEFT JOIN users u ON u.username = f.author
           ORDER BY p.activity DESC, p.thread DESC""",
        {
            "channel": channel_id,
            "before": before,
            "limit": limit,
            "thread": thread,
            "me": actor.username or "",
            "seen": last_read(db, actor, channel_id) if seen is None else seen,
        }
        | mention_params,
    )


def thread_messages(db: Database, actor: Actor, thread_id: int, *, seen: int | None = None) -> pl.DataFrame:
    """Every message of one thread, its first message first, then the replies oldest first.

    ``new``: posted by someone else after ``seen`` (by default where ``actor`` stopped
    reading); ``mentioned``: the message mentions ``actor``."""
    found = db.rows("SELECT channel_id FROM messages WHERE id = ? AND thread_id IS NULL", [thread_id])
    if not found:
        raise NotFound(thread_id)
    channel_id = found[0][0]
    _require_read(db, actor, channel_id)
    mention, mention_params = _mention_sql(actor)
    return db.query(
        f"""SELECT m.id, coalesce(m.thread_id, m.id) AS thread, m.author, u.display_name, u.network,
                   m.created_at, m.edited_at, m.deleted_at IS NOT NULL AS deleted, m.hidden_reason,
                   CASE WHEN m.deleted_at IS NULL AND m.hidden_reason IS NULL THEN m.body END AS body,
                   m.id > $seen AND m.author <> $me AND m.deleted_at IS NULL AND m.hidden_reason IS NULL AS new,
                   m.deleted_at IS NULL AND m.hidden_reason IS NULL AND {mention} AS mentioned
            FROM messages m LEFT JOIN users u ON u.username = m.author
            WHERE m.channel_id = $channel AND (m.id = $thread OR m.thread_id = $thread)
            ORDER BY m.thread_id IS NOT NULL, m.created_at, m.id""",
        {
            "channel": channel_id,
            "thread": thread_id,
            "me": actor.username or "",
            "seen": last_read(db, actor, channel_id) if seen is None else seen,
        }
        | mention_params,
    )


def preview(body: str | None, *, lines: int = 3, chars: int = 280) -> tuple[str, bool]:
    """The first lines of a message, to show a folded thread: (text, whether it was cut).

    At most ``lines`` lines with text and ``chars`` characters, cut between words, with an
    ellipsis where something was left out."""
    kept = [line.rstrip() for line in (body or "").strip().splitlines() if line.strip()]
    text = "\n".join(kept[:lines])
    cut = len(kept) > lines
    if len(text) > chars:
        head = text[: chars + 1]
        space = max(head.rfind(" "), head.rfind("\n"))
        text = head[:space] if space > chars // 2 else text[:chars]
        cut = True
    return (text.rstrip(" ,;:.\n") + "…", True) if cut else (text, False)


def post(
    db: Database, actor: Actor, channel_id: int, body: str, *, thread_id: int | None = None, now: datetime | None = None
) -> int:
    """Post a message (or a reply to ``thread_id``); returns its id."""
    _require_read(db, actor, channel_id, write=True)
    stamp = now
    text = clean_text(body) or ""
    if not has_visible(text):
        raise ValidationFailed([FieldError("body", "required")])
    if len(text) > MAX_LENGTH:
        raise ValidationFailed([FieldError("body", "too_long", {"max": MAX_LENGTH})])
    if thread_id is not None and not db.scalar(
        "SELECT count(*) FROM messages WHERE id = ? AND channel_id = ? AND thread_id IS NULL", [thread_id, channel_id]
    ):
        raise NotFound(thread_id)

    def write(cur: Cursor):
        # Counted and stamped here, where writes take turns: a burst of posts cannot slip
        # past the limit, and ids and times tell the same order (unread counts go by id,
        # threads by time).
        when = stamp or utc_now()
        recent = cur.execute(
            "SELECT count(*) FROM messages WHERE author = ? AND created_at > ?", [actor.username, when - RATE_WINDOW]
        ).fetchall()[0][0]
        if recent >= RATE_LIMIT:
            raise RateLimited()
        new_id = cur.sql("SELECT nextval('message_id_seq')").fetchall()[0][0]
        cur.execute(
            "INSERT INTO messages (id, channel_id, thread_id, author, body, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            [new_id, channel_id, thread_id, actor.username, text, when],
        )
        cur.execute(
            "INSERT INTO channel_reads VALUES (?, ?, ?) ON CONFLICT (username, channel_id) "
            "DO UPDATE SET last_read_id = "
            "greatest(channel_reads.last_read_id, EXCLUDED.last_read_id)",
            [actor.username, channel_id, new_id],
        )
        return new_id

    return db.write(write)


def unread_beyond(db: Database, actor: Actor, channel_id: int) -> int:
    """The id of the channel's latest message if ``actor`` has not read up to it, else 0."""
    top, seen = db.rows(
        "SELECT (SELECT coalesce(max(id), 0) FROM messages WHERE channel_id = $c), "
        "(SELECT coalesce(max(last_read_id), 0) FROM channel_reads WHERE channel_id = $c AND username = $u)",
        {"c": channel_id, "u": actor.username},
    )[0]
    return top if top > seen else 0


def mark_read(db: Database, actor: Actor, channel_id: int) -> bool:
    """Remember that ``actor`` has seen the channel up to its latest message; True if that
    changed anything.

    Writes (and so bumps the data version that every cache keys on) only when there is
    something new: the board's page calls this every few seconds."""
    top = unread_beyond(db, actor, channel_id)
    if not top:
        return False
    db.write(
        lambda cur: cur.execute(
            "INSERT INTO channel_reads VALUES (?, ?, ?) ON CONFLICT (username, channel_id) "
            "DO UPDATE SET last_read_id = "
            "greatest(channel_reads.last_read_id, EXCLUDED.last_read_id)",
            [actor.username, channel_id, top],
        )
    )
    return True


def _own_recent(db: Database, actor: Actor, message_id: int, now: datetime) -> dict:
    found = db.query(
        "SELECT id, channel_id, author, body, created_at, deleted_at FROM messages WHERE id = ?", [message_id]
    )
    if found.height == 0:
        raise NotFound(message_id)
    message = found.row(0, named=True)
    # A deleted message is no one's to change any more.
    require(actor, "edit_message", owner=message["author"] if message["deleted_at"] is None else None)
    if now - message["created_at"] > EDIT_WINDOW:
        raise EditWindowPassed()
    return message


def edit(db: Database, actor: Actor, message_id: int, body: str, *, now: datetime | None = None) -> None:
    """Change one's own message within fifteen minutes of posting it."""
    now = now or utc_now()
    message = _own_recent(db, actor, message_id, now)
    text = clean_text(body) or ""
    if not has_visible(text) or len(text) > MAX_LENGTH:
        raise ValidationFailed(
            [FieldError("body", "required" if not has_visible(text) else "too_long", {"max": MAX_LENGTH})]
        )

    def write(cur: Cursor) -> None:
        cur.execute("UPDATE messages SET body = ?, edited_at = ? WHERE id = ?", [text, now, message_id])
        audit.record(
            cur, actor, "message.edit", "messages", message_id, {"body": message["body"]}, {"body": text}, when=now
        )

    db.write(write)


def delete(db: Database, actor: Actor, message_id: int, *, now: datetime | None = None) -> None:
    """Delete one's own message within fifteen minutes (soft: kept, audited, no longer shown),
    and its files with it."""
    now = now or utc_now()
    message = _own_recent(db, actor, message_id, now)

    def write(cur: Cursor) -> None:
        from . import files  # files reads the board's rules: imported here, not at the top

        cur.execute("UPDATE messages SET deleted_at = ? WHERE id = ?", [now, message_id])
        audit.record(cur, actor, "message.delete", "messages", message_id, {"body": message["body"]}, when=now)
        files.delete_for_message(cur, message_id, actor)  # its files go with it

    db.write(write)


def hide(db: Database, actor: Actor, message_id: int, reason: str) -> None:
    """UNESCO admins hide a message, with a reason shown in its place; in a conversation, only
    a message one of its members reported (its reports are then closed)."""
    require(actor, "hide_message")
    reason = clean_line(reason)
    if not has_visible(reason):
        raise ValidationFailed([FieldError("reason", "required")])
    now = utc_now()

    def write(cur: Cursor):
        kind = cur.execute(
            "SELECT c.kind FROM messages m JOIN channels c ON c.id = m.channel_id WHERE m.id = ?", [message_id]
        ).fetchall()
        if kind and kind[0][0] == "direct":
            require(actor, "moderate_reported")
            if not _reported_open(cur, message_id):
                raise PermissionDenied("moderate_reported", None)
            cur.execute(
                "UPDATE message_reports SET resolved_by = ?, resolved_at = ? "
                "WHERE message_id = ? AND resolved_at IS NULL",
                [actor.username, now, message_id],
            )
        hidden = cur.execute(
            "UPDATE messages SET hidden_reason = ? WHERE id = ?", [reason[:300], message_id]
        ).fetchall()[0][0]
        if hidden != 1:
            raise NotFound(message_id)  # and no audit row for a message that is not there
        audit.record(cur, actor, "message.hide", "messages", message_id, after={"reason": reason[:300]}, when=now)

    db.write(write)


def search(db: Database, actor: Actor, q: str, *, limit: int = 50) -> pl.DataFrame:
    """Messages containing ``q`` (case-insensitive) in the channels ``actor`` may read."""
    text = (q or "").strip().lower()[:200]
    if not text:
        return pl.DataFrame()
    where, params = _readable_sql(actor)
    return db.query(
        f"""SELECT m.id, coalesce(m.thread_id, m.id) AS thread, c.id AS channel_id, c.slug, c.kind, c.title AS channel,
                   c.region, m.author, u.display_name, u.network, m.body, m.created_at
            FROM messages m JOIN channels c ON c.id = m.channel_id LEFT JOIN users u ON u.username = m.author
            WHERE {where} AND m.deleted_at IS NULL AND m.hidden_reason IS NULL AND strpos(lower(m.body), $q) > 0
            ORDER BY m.created_at DESC LIMIT $limit""",
        params | {"q": text, "limit": limit},
    )


def create_channel(db: Database, actor: Actor, *, slug: str, title: str) -> int:
    """A topical channel (admins)."""
    require(actor, "create_channel")
    slug = (slug or "").strip().lower()
    if not re.match(r"^[a-z0-9][a-z0-9-]{1,39}$", slug):
        raise ValidationFailed([FieldError("slug", "bad_username")])
    title = clean_line(title)
    if not has_visible(title):
        raise ValidationFailed([FieldError("title", "required")])
    if db.scalar("SELECT count(*) FROM channels WHERE slug = ?", [slug]):
        raise ValidationFailed([FieldError("slug", "taken")])

    def write(cur: Cursor) -> int:
        new_id = cur.sql("SELECT nextval('channel_id_seq')").fetchall()[0][0]
        when, shown = utc_now(), title.strip()[:120]
        cur.execute(
            "INSERT INTO channels (id, slug, kind, title, created_by, created_at) VALUES (?, ?, 'topic', ?, ?, ?)",
            [new_id, slug, shown, actor.username, when],
        )
        audit.record(cur, actor, "channel.create", "channels", new_id, after={"slug": slug, "title": shown}, when=when)
        return int(new_id)

    return db.write(write)


def schools_channel(db: Database, network: str) -> int | None:
    """The id of the network's channel for its schools, if its coordinator opened one."""
    return db.scalar("SELECT max(id) FROM channels WHERE kind = 'schools' AND network = ?", [network])


def open_schools_channel(db: Database, actor: Actor, network: str, *, title: str) -> int:
    """Open the network's channel for its schools (its coordinator or an admin), where the
    coordinator writes and the focal points of the network's schools read; returns its id (the
    existing one if it is open already). Audited."""
    require(actor, "open_schools_channel", network)
    shown = clean_line(title).strip()[:120]
    if not has_visible(shown):
        raise ValidationFailed([FieldError("title", "required")])
    if not db.scalar("SELECT count(*) FROM networks WHERE iso3 = ?", [network]):
        raise NotFound(network)
    opened = schools_channel(db, network)
    if opened is not None:
        return int(opened)

    def write(cur: Cursor) -> int:
        found = cur.execute("SELECT id FROM channels WHERE kind = 'schools' AND network = ?", [network]).fetchall()
        if found:
            return int(found[0][0])
        new_id = cur.sql("SELECT nextval('channel_id_seq')").fetchall()[0][0]
        when = utc_now()
        cur.execute(
            "INSERT INTO channels (id, slug, kind, title, network, created_by, created_at) "
            "VALUES (?, ?, 'schools', ?, ?, ?, ?)",
            [new_id, f"schools-{network.lower()}", shown, network, actor.username, when],
        )
        after = {"network": network, "title": shown}
        audit.record(cur, actor, "channel.open_schools", "channels", new_id, after=after, when=when)
        return int(new_id)

    return db.write(write)


# -- direct conversations ----------------------------------------------------------------

MAX_MEMBERS = 20  # people in one conversation, its starter included
CONVERSATION_ROLES = ("admin", "coordinator")  # who may be found and added


def people(
    db: Database, actor: Actor, *, q: str = "", network: str | None = None, role: str | None = None, limit: int = 50
) -> pl.DataFrame:
    """Who ``actor`` may start a conversation with (active coordinators and UNESCO staff, not
    themselves), found by words of their name or user name, their network or their role."""
    require(actor, "start_conversation")
    conditions = ["NOT u.disabled", "u.role IN ('admin', 'coordinator')", "u.username <> $me"]
    params: dict[str, object] = {"me": actor.username, "limit": max(1, min(int(limit), 200))}
    for k, word in enumerate(fold(q).split()[:5]):
        # Folded on both sides: "rodriguez" and "Rodríguez" find Ana Rodríguez.
        conditions.append(
            f"(strpos(strip_accents(lower(u.display_name)), $w{k}) > 0 OR strpos(lower(u.username), $w{k}) > 0)"
        )
        params[f"w{k}"] = word[:60]
    if network:
        conditions.append("u.network = $network")
        params["network"] = network
    if role in CONVERSATION_ROLES:
        conditions.append("u.role = $role")
        params["role"] = role
    return db.query(
        f"""SELECT u.username, u.display_name, u.role, u.network
            FROM users u WHERE {" AND ".join(conditions)}
            ORDER BY u.role <> 'admin', u.network NULLS FIRST, u.display_name, u.username LIMIT $limit""",
        params,
    )


def conversation_members(db: Database, actor: Actor, channel_ids: list[int]) -> dict[int, list[dict]]:
    """The members (user name, display name, network) of each conversation ``actor`` is in."""
    if not channel_ids or not actor.username:
        return {}
    ids = [int(i) for i in channel_ids][:500]
    marks = ", ".join(f"$c{k}" for k in range(len(ids)))
    rows = db.query(
        f"""SELECT cm.channel_id, cm.username, coalesce(u.display_name, cm.username) AS display_name, u.network
            FROM channel_members cm LEFT JOIN users u ON u.username = cm.username
            WHERE cm.channel_id IN ({marks})
              AND EXISTS (SELECT 1 FROM channel_members me WHERE me.channel_id = cm.channel_id AND me.username = $me)
            ORDER BY cm.channel_id, coalesce(u.display_name, cm.username)""",
        {f"c{k}": v for k, v in enumerate(ids)} | {"me": actor.username},
    )
    out: dict[int, list[dict]] = {}
    for row in rows.iter_rows(named=True):
        out.setdefault(row.pop("channel_id"), []).append(row)
    return out


def start_conversation(
    db: Database, actor: Actor, members: list[str], body: str, *, title: str = "", now: datetime | None = None
) -> tuple[int, int]:
    """Start a conversation with ``members`` (user names) with a first message: (channel id,
    thread id). With one other person and no title, their existing conversation is used."""
    require(actor, "start_conversation")
    wanted = sorted({(m or "").strip() for m in members if (m or "").strip()} - {actor.username or ""})
    if not wanted:
        raise ValidationFailed([FieldError("members", "required")])
    if len(wanted) + 1 > MAX_MEMBERS:
        raise ValidationFailed([FieldError("members", "too_many", {"max": MAX_MEMBERS - 1})])
    marks = ", ".join(f"$u{k}" for k in range(len(wanted)))
    known = {
        name
        for (name,) in db.rows(
            f"SELECT username FROM users WHERE username IN ({marks}) AND NOT disabled "
            "AND role IN ('admin', 'coordinator')",
            {f"u{k}": v for k, v in enumerate(wanted)},
        )
    }
    if set(wanted) - known:
        raise ValidationFailed([FieldError("members", "unknown_user")])
    shown = clean_line(title).strip()[:120]
    text = clean_text(body) or ""
    if not has_visible(text):
        raise ValidationFailed([FieldError("body", "required")])
    if len(text) > MAX_LENGTH:
        raise ValidationFailed([FieldError("body", "too_long", {"max": MAX_LENGTH})])
    everyone = sorted({*wanted, actor.username or ""})
    if len(wanted) == 1 and not shown:
        existing = _pair(db, everyone)
        if existing is not None:
            return existing, post(db, actor, existing, text, now=now)

    def write(cur: Cursor) -> int:
        new_id = int(cur.sql("SELECT nextval('channel_id_seq')").fetchall()[0][0])
        when = now or utc_now()
        cur.execute(
            "INSERT INTO channels (id, slug, kind, title, created_by, created_at) VALUES (?, ?, 'direct', ?, ?, ?)",
            [new_id, f"conversation-{new_id}", shown, actor.username, when],
        )
        for name in everyone:
            cur.execute("INSERT INTO channel_members VALUES (?, ?, ?, ?)", [new_id, name, actor.username, when])
        audit.record(
            cur, actor, "conversation.start", "channels", new_id, after={"members": everyone, "title": shown}, when=when
        )
        return new_id

    channel_id = db.write(write)
    return channel_id, post(db, actor, channel_id, text, now=now)


def _pair(db: Database, pair: list[str]) -> int | None:
    """The untitled conversation of exactly these two people, if they have one."""
    found = db.scalar(
        """SELECT min(c.id) FROM channels c
           WHERE c.kind = 'direct' AND c.title = ''
             AND (SELECT count(*) FROM channel_members m WHERE m.channel_id = c.id) = 2
             AND EXISTS (SELECT 1 FROM channel_members m WHERE m.channel_id = c.id AND m.username = $a)
             AND EXISTS (SELECT 1 FROM channel_members m WHERE m.channel_id = c.id AND m.username = $b)""",
        {"a": pair[0], "b": pair[1]},
    )
    return None if found is None else int(found)


def _message_channel(db: Database, message_id: int) -> tuple[int, str]:
    found = db.rows(
        "SELECT m.channel_id, c.kind FROM messages m JOIN channels c ON c.id = m.channel_id WHERE m.id = ?",
        [message_id],
    )
    if not found:
        raise NotFound(message_id)
    return int(found[0][0]), str(found[0][1])


def report(db: Database, actor: Actor, message_id: int, reason: str) -> None:
    """A member of a conversation reports one of its messages to UNESCO's moderators (once per
    member and message); only then may an admin read it. Audited."""
    channel_id, kind = _message_channel(db, message_id)
    member = kind == "direct" and bool(
        db.scalar(
            "SELECT count(*) FROM channel_members WHERE channel_id = ? AND username = ?",
            [channel_id, actor.username or ""],
        )
    )
    require(actor, "report_message", participant=member)
    why = clean_line(reason).strip()[:300]
    if not has_visible(why):
        raise ValidationFailed([FieldError("reason", "required")])

    def write(cur: Cursor) -> None:
        if cur.execute(
            "SELECT count(*) FROM message_reports WHERE message_id = ? AND reported_by = ?",
            [message_id, actor.username],
        ).fetchall()[0][0]:
            return
        when = utc_now()
        new_id = cur.sql("SELECT nextval('message_report_id_seq')").fetchall()[0][0]
        cur.execute(
            "INSERT INTO message_reports (id, message_id, reported_by, reason, reported_at) VALUES (?, ?, ?, ?, ?)",
            [new_id, message_id, actor.username, why, when],
        )
        audit.record(cur, actor, "message.report", "messages", message_id, after={"reason": why}, when=when)

    db.write(write)


def reported(db: Database, actor: Actor) -> pl.DataFrame:
    """Messages of conversations that a member reported and no moderator has dealt with yet,
    oldest report first, with what was written and why it was reported (admins)."""
    require(actor, "moderate_reported")
    return db.query(
        """SELECT r.message_id, min(r.reported_at) AS reported_at, count(*) AS reports,
                  string_agg(r.reason, ' | ' ORDER BY r.reported_at) AS reasons,
                  m.author, u.display_name, m.body, m.created_at, m.channel_id
           FROM message_reports r JOIN messages m ON m.id = r.message_id LEFT JOIN users u ON u.username = m.author
           WHERE r.resolved_at IS NULL AND m.deleted_at IS NULL AND m.hidden_reason IS NULL
           GROUP BY r.message_id, m.author, u.display_name, m.body, m.created_at, m.channel_id
           ORDER BY min(r.reported_at), r.message_id""",
    )


def _reported_open(cur: Cursor, message_id: int) -> bool:
    return bool(
        cur.execute(
            "SELECT count(*) FROM message_reports WHERE message_id = ? AND resolved_at IS NULL", [message_id]
        ).fetchall()[0][0]
    )


def dismiss_report(db: Database, actor: Actor, message_id: int) -> None:
    """An admin leaves a reported message as it is: its reports are closed. Audited."""
    require(actor, "moderate_reported")

    def write(cur: Cursor) -> None:
        if not _reported_open(cur, message_id):
            raise NotFound(message_id)
        when = utc_now()
        cur.execute(
            "UPDATE message_reports SET resolved_by = ?, resolved_at = ? WHERE message_id = ? AND resolved_at IS NULL",
            [actor.username, when, message_id],
        )
        audit.record(cur, actor, "message.report_dismissed", "messages", message_id, when=when)

    db.write(write)

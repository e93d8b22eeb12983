"""E-mail of what the message board holds for someone: mentions and direct messages.

Whoever has a board (coordinators, UNESCO admins, schools' focal points) chooses on My account
how they hear of it: at once (the ``instant`` run, every minute or so), a daily digest (the
``daily`` run, one mail a day at most; a user who never chose gets this) or never. A mail lists
what is new for them (:func:`news`, :func:`pending`): mentions of them, by the board's terms
(:func:`aspnet_data.board.mention_terms`), in the channels the board lets them read
(:func:`aspnet_data.board.can_read`), and the messages of their direct conversations; never
their own messages, deleted or hidden ones, ones they have read on the board, or ones an
earlier mail told them of.

:func:`run` queues one mail per person with something new through the outbox, in their
language, and moves their watermark (``notified_through``, the last message a mail told them
of) in the same transaction, only if it is still where the run found it: two replicas running
at once send one mail, and a mail is never queued twice nor a message skipped.

Each mail ends with an unsubscribe link that needs no sign-in: its token names the user and is
signed (HMAC-SHA256) with a secret of theirs kept in the database, replaced once the link is
used. Opening the link changes nothing (mail scanners open links); its page's button does
(:func:`unsubscribe`).

>>> token = unsubscribe_token("coord.fra", "a-secret")
>>> token.startswith("coord.fra~"), _username(token)
(True, 'coord.fra')
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from . import audit, board, settings
from .db import Cursor, Database, utc_now
from .errors import FieldError, ValidationFailed
from .permissions import Actor, can, may_ever, require
from .vocab import LANGUAGES

MODES = ("instant", "daily", "never")
DEFAULT_MODE = "daily"  # a user who never chose
KINDS = ("instant", "daily")  # the runs: each mails the users of its mode
WINDOW = timedelta(days=7)  # older messages are never mailed (a first mail, or after a pause)
LISTED = 50  # messages listed in one mail; the rest are counted, with a link to the board
EXCERPT = 200  # characters of a message shown in the mail
INSTANT_EVERY = 60  # seconds between two instant runs of an app process


@dataclass(frozen=True)
class Item:
    """One message a mail lists."""

    message_id: int
    thread_id: int  # its thread's first message
    channel_id: int
    slug: str  # the board opens the channel from ?channel=
    kind: str  # of the channel: 'direct' for a conversation
    channel: str  # the channel's name in the reader's language, or the conversation's
    author: str  # display name
    written_at: datetime
    excerpt: str
    mention: bool  # mentions the reader (in a conversation, every message is for them)


@dataclass(frozen=True)
class New:
    """What is new for one user: the newest :data:`LISTED` messages (oldest first), how many
    there are in all, and the id of the newest (where their watermark moves once mailed)."""

    items: tuple[Item, ...]
    total: int
    through: int


@dataclass(frozen=True)
class Mail:
    """A mail composed for one user, to be queued if their watermark is still ``since``."""

    username: str
    email: str
    subject: str
    body: str
    since: int
    through: int
    secret: str  # their unsubscribe secret (new, for a user who has no settings row yet)
    has_row: bool


# -- each user's choice ---------------------------------------------------------------------------


def may_be_notified(actor: Actor) -> bool:
    """Whether ``actor`` has a board to hear from (the matrix's ``email_notifications``)."""
    return can(actor, "email_notifications", actor.network, institution=actor.institution)


def mode(db: Database, actor: Actor) -> str:
    """How ``actor`` hears of mentions and direct messages: 'instant', 'daily' or 'never'."""
    require(actor, "email_notifications", actor.network, institution=actor.institution)
    found = db.scalar("SELECT mode FROM notification_settings WHERE username = ?", [actor.username])
    return str(found or DEFAULT_MODE)


def set_mode(db: Database, actor: Actor, chosen: str, *, now: datetime | None = None) -> None:
    """Choose how ``actor`` hears of mentions and direct messages. Coming back from 'never', what
    was written meanwhile is not mailed (the board still counts it as unread). Audited."""
    require(actor, "email_notifications", actor.network, institution=actor.institution)
    if chosen not in MODES:
        raise ValidationFailed([FieldError("mode", "unknown_choice", {"values": ", ".join(MODES)})])
    now = now or utc_now()

    def write(cur: Cursor) -> None:
        found = cur.execute("SELECT mode FROM notification_settings WHERE username = ?", [actor.username]).fetchall()
        before = found[0][0] if found else DEFAULT_MODE
        if found and before == chosen:
            return
        top = cur.execute("SELECT coalesce(max(id), 0) FROM messages").fetchall()[0][0]
        if found:
            cur.execute(
                "UPDATE notification_settings SET mode = ?, updated_at = ?, "
                "notified_through = CASE WHEN mode = 'never' THEN greatest(notified_through, ?) "
                "ELSE notified_through END WHERE username = ?",
                [chosen, now, top, actor.username],
            )
        else:
            cur.execute(
                "INSERT INTO notification_settings (username, mode, notified_through, secret, updated_at) "
                "VALUES (?, ?, 0, ?, ?)",
                [actor.username, chosen, _new_secret(), now],
            )
        audit.record(
            cur,
            actor,
            "notifications.mode",
            "users",
            actor.username or "",
            {"mode": before},
            {"mode": chosen},
            when=now,
        )

    db.write(write)


# -- what is new for someone ------------------------------------------------------------------


def pending(
    db: Database, actor: Actor, *, since: int | None = None, now: datetime | None = None, language: str | None = None
) -> New:
    """What a mail would tell ``actor`` now (see :func:`news`), after message ``since`` (by
    default their watermark); channels are named in ``language`` (by default the user's)."""
    found = db.rows(
        "SELECT u.language, coalesce(s.notified_through, 0) FROM users u "
        "LEFT JOIN notification_settings s ON s.username = u.username WHERE u.username = ?",
        [actor.username],
    )
    lang, watermark = found[0] if found else ("en", 0)
    start = int(watermark if since is None else since)
    person = {
        "username": actor.username,
        "role": actor.role,
        "network": actor.network,
        "institution_id": actor.institution,
        "since": start,
        "language": language or lang,
    }
    return news(db, [person], now=now).get(actor.username or "", New((), 0, start))


def news(db: Database, people: list[dict], *, now: datetime | None = None) -> dict[str, New]:
    """What is new for each of ``people`` (rows with username, role, network, institution_id,
    language and ``since``, the message after which to look), at once: the messages of their
    conversations and those mentioning them (:func:`aspnet_data.board.mention_terms`) in the
    channels the board lets them read (:func:`aspnet_data.board.can_read`), written by others
    after ``since`` and after where they stopped reading that channel, in the last
    :data:`WINDOW`, neither deleted nor hidden. Only people with something new are in the answer."""
    now = now or utc_now()
    people = [p for p in people if p.get("username")]
    if not people:
        return {}
    actors = {p["username"]: _actor(p) for p in people}
    terms = [(name, term) for name, actor in actors.items() for term in board.mention_terms(actor)]
    hits = db.rows(
        """WITH who AS (SELECT unnest(CAST($users AS VARCHAR[])) AS username,
                               unnest(CAST($since AS BIGINT[])) AS since),
                terms AS (SELECT unnest(CAST($term_users AS VARCHAR[])) AS username,
                                 unnest(CAST($terms AS VARCHAR[])) AS term),
                recent AS (
                    SELECT m.id, m.channel_id, m.author, m.body, c.kind = 'direct' AS direct
                    FROM messages m JOIN channels c ON c.id = m.channel_id
                    WHERE m.id > $first AND m.created_at >= $from
                      AND m.deleted_at IS NULL AND m.hidden_reason IS NULL),
                hits AS (
                    -- every message of a conversation, for its other members
                    SELECT w.username, r.id, r.channel_id, true AS direct
                    FROM recent r JOIN channel_members cm ON cm.channel_id = r.channel_id
                    JOIN who w ON w.username = cm.username
                    -- "id - since > 0", not "id > since": an inequality between the two sides would
                    -- make it a range join (8 s instead of 30 ms with 100,000 direct messages)
                    WHERE r.direct AND r.id - w.since > 0 AND r.author <> w.username
                    UNION
                    -- a channel's messages that mention them (every mention holds an "@")
                    SELECT w.username, r.id, r.channel_id, false
                    FROM (SELECT id, channel_id, author, lower(body) AS body FROM recent
                          WHERE NOT direct AND strpos(body, '@') > 0) r
                    CROSS JOIN terms t JOIN who w ON w.username = t.username
                    WHERE r.id - w.since > 0 AND r.author <> w.username AND strpos(r.body, t.term) > 0)
           SELECT h.username, h.id, h.channel_id, h.direct FROM hits h
           LEFT JOIN channel_reads cr ON cr.channel_id = h.channel_id AND cr.username = h.username
           WHERE h.id > coalesce(cr.last_read_id, 0)
           ORDER BY h.username, h.id""",
        {
            "users": list(actors),
            "since": [int(p["since"] or 0) for p in people],
            "term_users": [name for name, _ in terms] or [""],
            "terms": [term for _, term in terms] or ["@"],
            "first": min(int(p["since"] or 0) for p in people),
            "from": now - WINDOW,
        },
    )
    # Who reads which: the board's rules. A conversation's members read it (they are its
    # members by the join above); a channel, as the board decides for that person.
    readable: dict[tuple[str, int], bool] = {}
    mine: dict[str, list[tuple[int, int, bool]]] = {}
    for name, message_id, channel_id, direct in hits:
        key = (name, channel_id)
        if key not in readable:
            readable[key] = (
                can(actors[name], "read_conversation", participant=True)
                if direct
                else board.can_read(db, actors[name], channel_id)
            )
        if readable[key]:
            mine.setdefault(name, []).append((message_id, channel_id, direct))
    if not mine:
        return {}
    listed = {name: found[-LISTED:] for name, found in mine.items()}
    details = _details(db, sorted({m for found in listed.values() for m, _, _ in found}))
    members = _members(db, sorted({c for found in listed.values() for _, c, d in found if d}))
    languages = {p["username"]: p["language"] if p["language"] in LANGUAGES else "en" for p in people}
    out = {}
    for name, found in mine.items():
        lang, terms_of = languages[name], board.mention_terms(actors[name])
        items = []
        for message_id, channel_id, direct in listed[name]:
            row = details[message_id]
            if direct:
                others = [n for who, n in members.get(channel_id, []) if who != name]
                label = _conversation_label(lang, row["title"], others)
            else:
                label = _channel_label(lang, row["kind"], row["title"], row)
            body = row["body"] or ""
            items.append(
                Item(
                    message_id,
                    row["thread"],
                    channel_id,
                    row["slug"],
                    row["kind"],
                    label,
                    row["author"],
                    row["created_at"],
                    " ".join(board.preview(body, lines=3, chars=EXCERPT)[0].split()),
                    not direct or any(term in body.lower() for term in terms_of),
                )
            )
        out[name] = New(tuple(items), len(found), found[-1][0])
    return out


def _details(db: Database, ids: list[int]) -> dict[int, dict]:
    """What a mail shows of each message: its channel, author and text."""
    if not ids:
        return {}
    frame = db.query(
        """SELECT m.id, coalesce(m.thread_id, m.id) AS thread, c.slug, c.kind, c.title, c.network,
                  g.name_en AS region_en, g.name_fr AS region_fr, g.name_es AS region_es,
                  n.name_en AS country_en, n.name_fr AS country_fr, n.name_es AS country_es,
                  coalesce(u.display_name, m.author) AS author, m.created_at, m.body
           FROM messages m JOIN channels c ON c.id = m.channel_id
           LEFT JOIN users u ON u.username = m.author
           LEFT JOIN regions g ON g.code = c.region
           LEFT JOIN countries n ON n.iso3 = c.network
           WHERE m.id IN (SELECT unnest(CAST($ids AS BIGINT[])))""",
        {"ids": ids},
    )
    return {row["id"]: row for row in frame.to_dicts()}


def _members(db: Database, channel_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """(user name, display name) of each conversation's members, by name."""
    if not channel_ids:
        return {}
    out: dict[int, list[tuple[str, str]]] = {}
    for channel_id, username, name in db.rows(
        """SELECT cm.channel_id, cm.username, coalesce(u.display_name, cm.username) AS name
           FROM channel_members cm LEFT JOIN users u ON u.username = cm.username
           WHERE cm.channel_id IN (SELECT unnest(CAST($ids AS BIGINT[])))
           ORDER BY cm.channel_id, name""",
        {"ids": channel_ids},
    ):
        out.setdefault(channel_id, []).append((username, name))
    return out


# -- the runs ----------------------------------------------------------------------------------


def recipients(db: Database, kind: str, *, now: datetime | None = None) -> list[dict]:
    """The users a ``kind`` run looks at: active, with an address, a board and the mode ``kind``
    (a daily digest: none yet today); a focal point once they have set their password."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    now = now or utc_now()
    roles = [r for r in ("admin", "coordinator", "analyst", "focal_point") if may_ever(r, "email_notifications")]
    marks = ", ".join(f"$r{k}" for k in range(len(roles)))
    found = db.query(
        f"""SELECT u.username, u.display_name, u.email, u.role, u.network, u.institution_id, u.language,
                   s.username IS NOT NULL AS has_row, coalesce(s.notified_through, 0) AS since, s.secret
            FROM users u LEFT JOIN notification_settings s ON s.username = u.username
            WHERE NOT u.disabled AND coalesce(u.email, '') <> '' AND u.role IN ({marks})
              AND coalesce(s.mode, $default) = $kind
              AND ($kind <> 'daily' OR s.last_digest_at IS NULL OR s.last_digest_at < $today)
              AND (u.role <> 'focal_point' OR u.last_login_at IS NOT NULL
                   OR EXISTS (SELECT 1 FROM invitations i WHERE i.username = u.username AND i.used_at IS NOT NULL))
            ORDER BY u.username""",
        {f"r{k}": r for k, r in enumerate(roles)} | {"default": DEFAULT_MODE, "kind": kind, "today": _day_start(now)},
    )
    return [row for row in found.to_dicts() if may_be_notified(_actor(row))]


def _actor(row: dict) -> Actor:
    return Actor(row["username"], row["role"], row["network"], row["institution_id"])


def compose(db: Database, kind: str, *, now: datetime | None = None) -> list[Mail]:
    """The mails a ``kind`` run would queue now, one per user with something new (nothing written)."""
    now = now or utc_now()
    due = recipients(db, kind, now=now)
    found = news(db, due, now=now)
    mails = []
    for user in due:
        new = found.get(user["username"])
        if new is None:
            continue
        lang = user["language"] if user["language"] in LANGUAGES else "en"
        secret = user["secret"] or _new_secret()
        subject, body = _mail(lang, kind, user["display_name"], new, unsubscribe_token(user["username"], secret))
        mails.append(
            Mail(user["username"], user["email"], subject, body, user["since"], new.through, secret, user["has_row"])
        )
    return mails


def queue(db: Database, mails: list[Mail], kind: str, *, now: datetime | None = None) -> int:
    """Queue ``mails`` in the outbox in one transaction, each only if its user's watermark is
    still where it was read (and a digest: none went today) and their mode is still ``kind``;
    the watermark moves with it. Returns how many were queued."""
    if not mails:
        return 0
    now = now or utc_now()

    def write(cur: Cursor) -> int:
        queued = 0
        for mail in mails:
            if mail.has_row:
                claimed = cur.execute(
                    "UPDATE notification_settings SET notified_through = ?, last_sent_at = ?, updated_at = ?, "
                    "last_digest_at = CASE WHEN ? = 'daily' THEN ? ELSE last_digest_at END "
                    "WHERE username = ? AND mode = ? AND notified_through = ? "
                    "AND (? <> 'daily' OR last_digest_at IS NULL OR last_digest_at < ?)",
                    [mail.through, now, now, kind, now, mail.username, kind, mail.since, kind, _day_start(now)],
                ).fetchall()[0][0]
            else:  # never chose: a daily digest, and this first mail makes their row
                claimed = cur.execute(
                    "INSERT INTO notification_settings "
                    "(username, mode, notified_through, last_digest_at, last_sent_at, secret, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (username) DO NOTHING",
                    [mail.username, DEFAULT_MODE, mail.through, now, now, mail.secret, now],
                ).fetchall()[0][0]
            if claimed != 1:  # another run (a replica) mailed them a moment ago, or they chose again
                continue
            cur.execute(
                "INSERT INTO outbox (to_email, subject, body, created_at) VALUES (?, ?, ?, ?)",
                [mail.email, mail.subject, mail.body, now],
            )
            queued += 1
        return queued

    return db.write(write)


def run(db: Database, now: datetime | None = None, kind: str = "instant") -> int:
    """One ``kind`` run ('instant' or 'daily'): compose the mails and queue those still due.
    Returns how many were queued (none when nothing is new)."""
    now = now or utc_now()
    return queue(db, compose(db, kind, now=now), kind, now=now)


class Schedule:
    """What an app process runs, on each :meth:`tick` (every :data:`INSTANT_EVERY` seconds):
    the instant run, and the daily run on the first tick of each UTC day. Each mail is claimed
    in the database, so replicas that tick at once send it once."""

    def __init__(self) -> None:
        self.daily_done: date | None = None

    def tick(self, db: Database, now: datetime | None = None) -> int:
        """Run what is due now; returns how many mails were queued."""
        now = now or utc_now()
        queued = run(db, now, "instant")
        if self.daily_done != now.date():
            queued += run(db, now, "daily")
            self.daily_done = now.date()
        return queued


def _day_start(now: datetime) -> datetime:
    return datetime(now.year, now.month, now.day)


# -- unsubscribing without signing in ---------------------------------------------------------------


def _new_secret() -> str:
    return secrets.token_urlsafe(24)


def _signature(username: str, secret: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), f"unsubscribe:{username}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def unsubscribe_token(username: str, secret: str) -> str:
    """The token of ``username``'s unsubscribe link: their user name and its signature."""
    return f"{username}~{_signature(username, secret)}"


def _username(token: str) -> str:
    return (token or "").rpartition("~")[0][:40]


def unsubscribe_link(token: str, language: str = "en") -> str:
    query = {"token": token} | ({"lang": language} if language != "en" else {})
    return f"{settings.public_url()}/unsubscribe?{urlencode(query)}"


def _valid(db: Database, token: str) -> tuple[str, str, str] | None:
    """(user name, display name, secret) of a token that is still valid, else None."""
    username = _username(token)
    if not username:
        return None
    found = db.rows(
        "SELECT s.secret, u.display_name FROM notification_settings s JOIN users u ON u.username = s.username "
        "WHERE s.username = ?",
        [username],
    )
    # Compared as bytes: compare_digest refuses text with characters outside ASCII (an edited link).
    expected = unsubscribe_token(username, found[0][0]).encode() if found else b""
    if not found or not hmac.compare_digest(expected, str(token or "").encode("utf-8", "surrogatepass")):
        return None
    return username, found[0][1], found[0][0]


def unsubscriber(db: Database, token: str) -> str:
    """The display name of the user an unsubscribe link is for; FieldError (``token``,
    ``unsubscribe_invalid``) when it is forged, altered or already used. Changes nothing."""
    found = _valid(db, token)
    if found is None:
        raise FieldError("token", "unsubscribe_invalid")
    return found[1]


def unsubscribe(db: Database, token: str, *, now: datetime | None = None) -> str:
    """Stop the e-mail of the user an unsubscribe link is for (their mode becomes 'never',
    nothing else changes) and retire the link; returns their display name. FieldError as
    :func:`unsubscriber`. Audited."""
    found = _valid(db, token)
    if found is None:
        raise FieldError("token", "unsubscribe_invalid")
    username, name, secret = found
    now = now or utc_now()

    def write(cur: Cursor) -> None:
        before = cur.execute("SELECT mode FROM notification_settings WHERE username = ?", [username]).fetchall()
        changed = cur.execute(
            "UPDATE notification_settings SET mode = 'never', secret = ?, updated_at = ? "
            "WHERE username = ? AND secret = ?",
            [_new_secret(), now, username, secret],
        ).fetchall()[0][0]
        if changed != 1:  # the same link used at the same instant elsewhere
            raise FieldError("token", "unsubscribe_invalid")
        audit.record(
            cur,
            "unsubscribe link",
            "notifications.unsubscribe",
            "users",
            username,
            {"mode": before[0][0] if before else DEFAULT_MODE},
            {"mode": "never"},
            when=now,
        )

    db.write(write)
    return name


# -- the mail ----------------------------------------------------------------------------------

_TEXT: dict[str, dict[str, object]] = {
    "en": {
        "subject_instant": ("ASPnet Atlas: a new message for you", "ASPnet Atlas: {count} new messages for you"),
        "subject_daily": (
            "ASPnet Atlas: your daily digest, 1 new message",
            "ASPnet Atlas: your daily digest, {count} new messages",
        ),
        "hello": "Hello {name},",
        "intro_instant": "Written for you on the message board a moment ago:",
        "intro_daily": "Written for you on the message board since your last digest:",
        "channel_all": "All coordinators",
        "channel_schools": "Schools of {country}",
        "conversation": "Conversation with {names}",
        "conversation_titled": "Conversation “{title}” with {names}",
        "conversation_alone": "Conversation",
        "mention": " (mentions you)",
        "line": "- {author}, {when} UTC{mention}:",
        "open": "Open it on the board: {link}",
        "more": (
            "… and 1 more message, on the board: {link}",
            "… and {count} more messages, on the board: {link}",
        ),
        "how_instant": "as soon as something is written for you",
        "how_daily": "once a day, as a digest",
        "footer": "You receive these e-mails {how}. To get them at once, as a daily digest or never, see My "
        "account: {account}\nTo stop them now: {unsubscribe}",
    },
    "fr": {
        "subject_instant": (
            "ASPnet Atlas : un nouveau message pour vous",
            "ASPnet Atlas : {count} nouveaux messages pour vous",
        ),
        "subject_daily": (
            "ASPnet Atlas : votre résumé du jour, 1 nouveau message",
            "ASPnet Atlas : votre résumé du jour, {count} nouveaux messages",
        ),
        "hello": "Bonjour {name},",
        "intro_instant": "Écrit pour vous sur le forum de discussion il y a un instant :",
        "intro_daily": "Écrit pour vous sur le forum de discussion depuis votre dernier résumé :",
        "channel_all": "Tous les coordinateurs",
        "channel_schools": "Établissements – {country}",
        "conversation": "Conversation avec {names}",
        "conversation_titled": "Conversation « {title} » avec {names}",
        "conversation_alone": "Conversation",
        "mention": " (vous mentionne)",
        "line": "- {author}, le {when} UTC{mention} :",
        "open": "À lire sur le forum : {link}",
        "more": (
            "… et 1 autre message, sur le forum : {link}",
            "… et {count} autres messages, sur le forum : {link}",
        ),
        "how_instant": "dès que quelque chose est écrit pour vous",
        "how_daily": "une fois par jour, en résumé",
        "footer": "Vous recevez ces e-mails {how}. Pour les recevoir aussitôt, en résumé quotidien ou jamais, "
        "voyez Mon compte : {account}\nPour ne plus les recevoir : {unsubscribe}",
    },
    "es": {
        "subject_instant": (
            "ASPnet Atlas: un mensaje nuevo para usted",
            "ASPnet Atlas: {count} mensajes nuevos para usted",
        ),
        "subject_daily": (
            "ASPnet Atlas: su resumen del día, 1 mensaje nuevo",
            "ASPnet Atlas: su resumen del día, {count} mensajes nuevos",
        ),
        "hello": "Hola, {name}:",
        "intro_instant": "Escrito para usted en el foro de mensajes hace un momento:",
        "intro_daily": "Escrito para usted en el foro de mensajes desde su último resumen:",
        "channel_all": "Todos los coordinadores",
        "channel_schools": "Escuelas de {country}",
        "conversation": "Conversación con {names}",
        "conversation_titled": "Conversación «{title}» con {names}",
        "conversation_alone": "Conversación",
        "mention": " (le menciona)",
        "line": "- {author}, el {when} UTC{mention}:",
        "open": "Léalo en el foro: {link}",
        "more": (
            "… y 1 mensaje más, en el foro: {link}",
            "… y {count} mensajes más, en el foro: {link}",
        ),
        "how_instant": "en cuanto se escribe algo para usted",
        "how_daily": "una vez al día, en un resumen",
        "footer": "Recibe estos correos {how}. Para recibirlos al momento, en un resumen diario o nunca, "
        "vea Mi cuenta: {account}\nPara dejar de recibirlos: {unsubscribe}",
    },
}


def _text(lang: str, key: str, count: int | None = None, **fields: object) -> str:
    found = _TEXT[lang][key]
    if isinstance(found, tuple):
        found = found[0] if count == 1 else found[1]
    if count is not None:  # 1,234 · 1 234 · 1.234
        fields["count"] = f"{count:,}".replace(",", {"en": ",", "fr": "\u202f", "es": "."}[lang])
    return str(found).format(**fields)


def _channel_label(lang: str, kind: str, title: str, row: dict) -> str:
    """A channel's name in ``lang``, as the board shows it: the whole network's, a region's, the
    schools of a network's, or its title."""
    if kind == "all":
        return "#" + _text(lang, "channel_all")
    if kind == "schools":
        return "#" + _text(lang, "channel_schools", country=row.get(f"country_{lang}") or row.get("network") or title)
    if kind == "region":
        return "#" + (row.get(f"region_{lang}") or title)
    return f"#{title}"


def _conversation_label(lang: str, title: str, others: list[str]) -> str:
    names = ", ".join(others)
    if title:
        return _text(lang, "conversation_titled", title=title, names=names) if names else title
    return _text(lang, "conversation", names=names) if names else _text(lang, "conversation_alone")


def board_link(slug: str, language: str = "en", thread: int | None = None) -> str:
    """The board's address opening the channel ``slug`` and in it, unfolded, ``thread`` (the
    page reads ?channel= and ?thread=)."""
    query = (
        {"channel": slug}
        | ({"thread": str(thread)} if thread is not None else {})
        | ({"lang": language} if language != "en" else {})
    )
    return f"{settings.public_url()}/board?{urlencode(query)}"


def board_link_home(language: str = "en") -> str:
    """The board's address (its first channel)."""
    return f"{settings.public_url()}/board" + (f"?lang={language}" if language != "en" else "")


def _mail(lang: str, kind: str, name: str, new: New, token: str) -> tuple[str, str]:
    """(subject, body) of the mail telling ``name`` of ``new``, in ``lang``."""
    lines = [_text(lang, "hello", name=name), "", _text(lang, f"intro_{kind}"), ""]
    groups: dict[int, list[Item]] = {}
    for item in new.items:
        groups.setdefault(item.channel_id, []).append(item)
    for items in groups.values():
        lines.append(items[0].channel)
        for k, item in enumerate(items):
            mention = _text(lang, "mention") if item.mention and item.kind != "direct" else ""
            when = f"{item.written_at:%Y-%m-%d %H:%M}"
            lines += [_text(lang, "line", author=item.author, when=when, mention=mention), f"  {item.excerpt}"]
            # A link after the last message of each thread (of the run listed): it opens that thread.
            if k + 1 == len(items) or items[k + 1].thread_id != item.thread_id:
                lines += [_text(lang, "open", link=board_link(item.slug, lang, item.thread_id))]
        lines += [""]
    if new.total > len(new.items):
        lines += [_text(lang, "more", new.total - len(new.items), link=board_link_home(lang)), ""]
    account = f"{settings.public_url()}/account" + (f"?lang={lang}" if lang != "en" else "")
    footer = _text(
        lang, "footer", how=_text(lang, f"how_{kind}"), account=account, unsubscribe=unsubscribe_link(token, lang)
    )
    lines += ["--", footer]
    return _text(lang, f"subject_{kind}", new.total), "\n".join(lines) + "\n"

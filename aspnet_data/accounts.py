"""Users, passwords, lockout and server-side sessions.

Passwords are bcrypt hashes in the ``users`` table. Five failed attempts lock an account
for fifteen minutes, after which it unlocks by itself. An unknown user name costs a bcrypt
check against a dummy hash, so it takes as long to refuse as a wrong password. Sessions
are recorded on the server: logging out revokes one even if its cookie was copied.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta

import bcrypt
import polars as pl

from . import audit
from . import validation as check
from .db import UNIQUE_VIOLATIONS, Cursor, Database, utc_now
from .errors import FieldError, LoginRefused, NotFound
from .permissions import Actor, require
from .text import clean_line, has_visible
from .vocab import STAFF_ROLES

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=12)
MIN_PASSWORD_LENGTH = 10
BCRYPT_ROUNDS = 12
MAX_DISPLAY_NAME = 120
MAX_PASSWORD_BYTES = 72  # bcrypt reads no further (and bcrypt 5 refuses longer input outright)
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")
# Checked when the user name is unknown, so that refusing it costs one bcrypt check too.
_DUMMY_HASH = bcrypt.hashpw(b"not a password", bcrypt.gensalt(rounds=BCRYPT_ROUNDS))


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    email: str | None
    role: str
    network: str | None
    disabled: bool
    must_change_password: bool
    language: str
    institution_id: int | None = None  # a focal point's school

    @property
    def actor(self) -> Actor:
        return Actor(self.username, self.role, self.network, self.institution_id)


_USER_COLUMNS = "username, display_name, email, role, network, disabled, must_change_password, language, institution_id"


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=BCRYPT_ROUNDS)).decode("ascii")


def get_user(db: Database, username: str) -> User | None:
    rows = db.rows(f"SELECT {_USER_COLUMNS} FROM users WHERE username = ?", [username])
    return User(*rows[0]) if rows else None


def _existing_user(db: Database, username: str) -> User:
    """A user known to exist (just created or authenticated)."""
    user = get_user(db, username)
    if user is None:
        raise NotFound(username)
    return user


def list_users(db: Database) -> list[User]:
    return [User(*row) for row in db.rows(f"SELECT {_USER_COLUMNS} FROM users ORDER BY role, username")]


USERS_LISTED = 1000  # the users page lists this many accounts at most: a search finds the others


def user_list(
    db: Database, actor: Actor, q: str = "", *, now: datetime | None = None, limit: int | None = None
) -> pl.DataFrame:
    """Accounts for the users page (admins), optionally those whose name, user name, email or
    network (its code or the country's name in English, French or Spanish) contains ``q``: the
    first ``limit`` (by default USERS_LISTED: admins, then coordinators, then the others, by user
    name).

    Columns: username, display_name, email, role, network, disabled, must_change_password,
    locked_until (only while the lock holds), last_login (the latest session opened), matches
    (how many accounts match in all, listed or not).
    """
    require(actor, "manage_users")
    now = now or utc_now()
    # clean_line drops control characters: the separator chr(31) below never matches typed text.
    text = clean_line(q or "")[:100].strip()
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return db.query(
        """SELECT u.username, u.display_name, u.email, u.role, u.network, u.disabled, u.must_change_password,
                  CASE WHEN u.locked_until > $now THEN u.locked_until END AS locked_until,
                  (SELECT max(s.created_at) FROM sessions s WHERE s.username = u.username) AS last_login,
                  matches
           FROM (SELECT u.*, count(*) OVER () AS matches
                 FROM users u LEFT JOIN countries c ON c.iso3 = u.network
                 WHERE $q = '' OR strip_accents(concat_ws(chr(31), u.username, u.display_name, u.email, u.network,
                                                         c.name_en, c.name_fr, c.name_es))
                                  ILIKE strip_accents($p) ESCAPE '\\'
                 ORDER BY CASE u.role WHEN 'admin' THEN 0 WHEN 'coordinator' THEN 1 ELSE 2 END, u.username
                 LIMIT $limit) u
           ORDER BY CASE u.role WHEN 'admin' THEN 0 WHEN 'coordinator' THEN 1 ELSE 2 END, u.username""",
        {"now": now, "q": text, "p": pattern, "limit": max(1, int(USERS_LISTED if limit is None else limit))},
    )


def _count_failure(cur: Cursor, username: str, now: datetime) -> datetime | None:
    """Count a failed login in the database itself (so that failures through several replicas
    at once all count): an expired lock starts the count afresh; the last allowed failure locks
    the account. Returns the lock's end, or None."""
    failed = "(CASE WHEN locked_until IS NULL THEN failed_attempts ELSE 0 END) + 1"
    cur.execute(
        f"""UPDATE users SET
                failed_attempts = CASE WHEN locked_until > $now THEN failed_attempts
                                       WHEN {failed} >= $max THEN 0 ELSE {failed} END,
                locked_until = CASE WHEN locked_until > $now THEN locked_until
                                    WHEN {failed} >= $max THEN $until END
            WHERE username = $username""",
        {"now": now, "max": MAX_FAILED_ATTEMPTS, "until": now + LOCKOUT, "username": username},
    )
    # Read back in the same transaction (DuckDB cannot UPDATE ... RETURNING a row other tables reference).
    rows = cur.execute("SELECT locked_until FROM users WHERE username = ?", [username]).fetchall()
    return rows[0][0] if rows else None


def authenticate(db: Database, username: str, password: str, *, now: datetime | None = None) -> User:
    """The user if ``password`` is right; otherwise raises :class:`LoginRefused`."""
    now = now or utc_now()
    username = (username or "").strip().lower()
    secret = (password or "").encode("utf-8")
    # No stored password is longer than bcrypt's limit: a longer one is wrong, at the same cost.
    too_long, secret = len(secret) > MAX_PASSWORD_BYTES, secret[:MAX_PASSWORD_BYTES]
    rows = db.rows(
        "SELECT password_hash, disabled, failed_attempts, locked_until FROM users WHERE username = ?", [username]
    )
    if not rows:
        bcrypt.checkpw(secret, _DUMMY_HASH)
        raise LoginRefused("invalid")
    stored, disabled, failed, locked_until = rows[0]
    if locked_until is not None and locked_until > now:
        bcrypt.checkpw(secret, _DUMMY_HASH)  # same cost as any other refusal
        raise LoginRefused("locked", until=locked_until)
    good = bcrypt.checkpw(secret, stored.encode("ascii")) and not too_long
    if not good:
        lock = db.write(lambda cur: _count_failure(cur, username, now))
        if lock is not None:
            raise LoginRefused("locked", until=lock)
        raise LoginRefused("invalid")
    if disabled:
        raise LoginRefused("disabled")
    db.write(
        lambda cur: cur.execute(
            "UPDATE users SET failed_attempts = 0, locked_until = NULL, last_login_at = ? WHERE username = ?",
            [now, username],
        )
    )
    return _existing_user(db, username)


# -- sessions ------------------------------------------------------------------------------


def session_key(username: str, stamp: float | str) -> str:
    """The server's key for a login cookie (its user name and expiry stamp)."""
    return hashlib.sha256(f"{username}\x00{stamp}".encode()).hexdigest()


def open_session(db: Database, username: str, stamp: float | str, *, now: datetime | None = None) -> str:
    now = now or utc_now()
    key = session_key(username, stamp)
    db.write(
        lambda cur: cur.execute(
            "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, NULL) ON CONFLICT DO NOTHING",
            [key, username, now, now + SESSION_LIFETIME, now],
        )
    )
    return key


def check_session(db: Database, username: str, stamp: float | str, *, now: datetime | None = None) -> User | None:
    """The user of a live session, or None if it is unknown, revoked, expired or the user is disabled."""
    now = now or utc_now()
    rows = db.rows(
        "SELECT s.expires_at, s.revoked_at, u.disabled FROM sessions s JOIN users u USING (username) "
        "WHERE s.session_key = ? AND s.username = ?",
        [session_key(username, stamp), username],
    )
    if not rows:
        return None
    expires_at, revoked_at, disabled = rows[0]
    if revoked_at is not None or expires_at <= now or disabled:
        return None
    return get_user(db, username)


def revoke_session(db: Database, username: str, stamp: float | str, *, now: datetime | None = None) -> None:
    now = now or utc_now()
    db.write(
        lambda cur: cur.execute(
            "UPDATE sessions SET revoked_at = ? WHERE session_key = ? AND revoked_at IS NULL",
            [now, session_key(username, stamp)],
        )
    )


# -- passwords and administration -----------------------------------------------------------


def check_password_policy(password: str, *, username: str = "") -> None:
    """Raise FieldError unless the password is long enough and not trivially guessable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise FieldError("password", "too_short", {"min": MIN_PASSWORD_LENGTH})
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise FieldError("password", "too_long_bytes", {"max": MAX_PASSWORD_BYTES})
    if not (any(c.isalpha() for c in password) and any(not c.isalpha() for c in password)):
        raise FieldError("password", "needs_mix")
    if username and username.lower() in password.lower():
        raise FieldError("password", "contains_username")


def change_password(db: Database, username: str, old: str, new: str) -> None:
    """A user changes their own password (the old one is checked; the new one meets the policy).

    The new password is checked first: a refused one changes nothing, not even the record of
    the user's last login that checking the old password leaves."""
    check_password_policy(new, username=username)
    if new == old:
        raise FieldError("password", "same_as_old")
    try:
        authenticate(db, username, old)
    except LoginRefused:
        raise FieldError("old_password", "wrong_password") from None
    hashed = hash_password(new)
    _change_user(
        db,
        username,
        "user.password",
        username,
        "UPDATE users SET password_hash = ?, must_change_password = false WHERE username = ?",
        [hashed, username],
    )


def checked_display_name(raw: object) -> str:
    """A person's name as stored (one clean line); raises FieldError when empty or too long."""
    name = clean_line(str(raw or ""))
    if not has_visible(name):
        raise FieldError("display_name", "required")
    if len(name) > MAX_DISPLAY_NAME:
        raise FieldError("display_name", "too_long", {"max": MAX_DISPLAY_NAME})
    return name


def checked_email(raw: object) -> str | None:
    """An account's e-mail address as stored (None when empty); raises FieldError unless it reads
    as one address."""
    email = str(raw or "").strip() or None
    if email and (len(email) > 200 or not check.is_email(email)):
        raise FieldError("email", "email")
    return email


def end_sessions(cur: Cursor, username: str, when: datetime) -> None:
    """Revoke every open session of ``username`` (inside the caller's transaction)."""
    cur.execute("UPDATE sessions SET revoked_at = ? WHERE username = ? AND revoked_at IS NULL", [when, username])


def one_time_password() -> str:
    alphabet = string.ascii_letters + string.digits
    while True:
        value = "".join(secrets.choice(alphabet) for _ in range(14))
        if any(c.isdigit() for c in value) and any(c.isalpha() for c in value):
            return value


def create_user(
    db: Database,
    actor: Actor | None,
    *,
    username: str,
    display_name: str,
    password: str,
    role: str = "analyst",
    email: str | None = None,
    network: str | None = None,
    must_change_password: bool = False,
    language: str = "en",
) -> User:
    """Create an account (an analyst, the least powerful role, unless ``role`` says otherwise).
    ``actor=None`` only from the command line (the first admin)."""
    if actor is not None:
        require(actor, "manage_users")
    username = (username or "").strip().lower()
    if not _USERNAME.match(username):
        raise FieldError("username", "bad_username")
    if role not in STAFF_ROLES:  # focal points come by invitation (focal_points.invite)
        raise FieldError("role", "bad_role")
    display_name = checked_display_name(display_name)
    email = checked_email(email)
    if not check.is_interface_language(language):
        raise FieldError("language", "unknown_choice", {"values": language})
    if role == "coordinator":
        if not network or not db.scalar("SELECT count(*) FROM networks WHERE iso3 = ?", [network]):
            raise FieldError("network", "unknown_network")
    else:
        network = None
    check_password_policy(password, username=username)
    if get_user(db, username):
        raise FieldError("username", "taken")
    hashed = hash_password(password)
    now = utc_now()

    def insert(cur: Cursor):
        cur.execute(
            "INSERT INTO users (username, display_name, email, role, network, password_hash, must_change_password, "
            "language, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [username, display_name, email, role, network, hashed, must_change_password, language, now],
        )
        audit.record(
            cur,
            actor or "cli",
            "user.create",
            "users",
            username,
            after={"role": role, "network": network, "display_name": display_name},
            when=now,
        )

    try:
        db.write(insert)
    except UNIQUE_VIOLATIONS:  # the same name created at the same instant elsewhere
        raise FieldError("username", "taken") from None
    return _existing_user(db, username)


def set_disabled(db: Database, actor: Actor, username: str, disabled: bool) -> None:
    """Disable or re-enable an account; disabling also ends its sessions."""
    require(actor, "manage_users")
    if username == actor.username and disabled:
        raise FieldError("username", "cannot_disable_self")
    now = utc_now()

    def update(cur: Cursor):
        cur.execute("UPDATE users SET disabled = ? WHERE username = ?", [disabled, username])
        if disabled:
            end_sessions(cur, username, now)
        audit.record(cur, actor, "user.disable" if disabled else "user.enable", "users", username, when=now)

    db.write(update)


def assign_network(db: Database, actor: Actor, username: str, network: str | None) -> None:
    require(actor, "manage_users")
    user = get_user(db, username)
    if user is None:
        raise FieldError("username", "unknown_user")
    # A coordinator needs a network, and nobody may be given one that does not exist (the
    # column has no foreign key: see migration 005).
    if (user.role == "coordinator" or network is not None) and not db.scalar(
        "SELECT count(*) FROM networks WHERE iso3 = ?", [network]
    ):
        raise FieldError("network", "unknown_network")
    _change_user(
        db,
        actor,
        "user.network",
        username,
        "UPDATE users SET network = ? WHERE username = ?",
        [network, username],
        before={"network": user.network},
        after={"network": network},
    )


def unlock(db: Database, actor: Actor, username: str) -> None:
    """Lift a lockout before its fifteen minutes are over (the password stays as it was)."""
    require(actor, "manage_users")
    if get_user(db, username) is None:
        raise FieldError("username", "unknown_user")
    _change_user(
        db,
        actor,
        "user.unlock",
        username,
        "UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE username = ?",
        [username],
    )


def reset_password(db: Database, actor: Actor, username: str) -> str:
    """A one-time password (shown once) that must be changed at the next login."""
    require(actor, "manage_users")
    if get_user(db, username) is None:
        raise FieldError("username", "unknown_user")
    password = one_time_password()
    hashed = hash_password(password)
    _change_user(
        db,
        actor,
        "user.reset_password",
        username,
        "UPDATE users SET password_hash = ?, must_change_password = true, failed_attempts = 0, "
        "locked_until = NULL WHERE username = ?",
        [hashed, username],
    )
    return password


def _change_user(
    db: Database,
    actor: Actor | str,
    action: str,
    username: str,
    sql: str,
    params: list[object],
    *,
    before: dict[str, object] | None = None,
    after: dict[str, object] | None = None,
) -> None:
    """One update of a user's row and its audit record, in one transaction."""

    def work(cur: Cursor) -> None:
        cur.execute(sql, params)
        audit.record(cur, actor, action, "users", username, before, after)

    db.write(work)

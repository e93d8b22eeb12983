"""Schools' focal points: a teacher or the head of one school, who keeps its public details.

The network's coordinator (or an admin) invites a focal point by e-mail, through the outbox: the
message holds a one-time link, valid for :data:`INVITATION_LIFETIME`, that sets the account's
password once (the address the invitation went to is asked again, as an application's status
asks for it). Only the link's sha256 is stored; a newer invitation to the same person replaces
the older one. Focal points sign in to their school's page (``editing.update_school_details``);
their accounts end when the coordinator ends them or the school leaves the network.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl

from . import accounts, audit, settings
from .db import Cursor, Database, utc_now
from .errors import FieldError, NotFound, ValidationFailed
from .permissions import Actor, require
from .text import slug
from .vocab import LANGUAGES

INVITATION_LIFETIME = timedelta(days=14)
STATES = ("invited", "expired", "active", "ended")  # of a focal point's account, as listed

_MAIL = {  # (subject, body) of an invitation, in the invitee's language
    "en": (
        "ASPnet: you are invited to keep {school}'s page up to date",
        "Hello {name},\n\n{inviter}, ASPnet National Coordinator, invites you to be the focal point of "
        "{school} on ASPnet Atlas: you will keep the school's public details up to date and send its "
        "annual report.\n\nSet your password here (the link works once, until {expires}):\n{link}\n\n"
        "Your user name: {username}\nYou will be asked for this e-mail address.",
    ),
    "fr": (
        "ASPnet : vous êtes invité à tenir à jour la page de {school}",
        "Bonjour {name},\n\n{inviter}, coordinateur national du réSEAU, vous invite à être le point "
        "focal de {school} sur ASPnet Atlas : vous tiendrez à jour les informations publiques de "
        "l'établissement et enverrez son rapport annuel.\n\nChoisissez votre mot de passe ici (le lien "
        "sert une fois, jusqu'au {expires}) :\n{link}\n\nVotre nom d'utilisateur : {username}\n"
        "Cette adresse e-mail vous sera demandée.",
    ),
    "es": (
        "ASPnet: le invitamos a mantener al día la página de {school}",
        "Hola {name}:\n\n{inviter}, coordinador nacional de la redPEA, le invita a ser el punto focal de "
        "{school} en ASPnet Atlas: mantendrá al día los datos públicos de la escuela y enviará su "
        "informe anual.\n\nElija su contraseña aquí (el enlace sirve una vez, hasta el {expires}):\n"
        "{link}\n\nSu nombre de usuario: {username}\nSe le pedirá esta dirección de correo.",
    ),
}


@dataclass(frozen=True)
class Invitation:
    """An invitation just sent: the account, and the link's secret (only the mail holds it)."""

    username: str
    token: str
    expires_at: datetime


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def invitation_link(token: str, language: str = "en") -> str:
    """The welcome page's address for ``token``, in the invitee's language."""
    return f"{settings.public_url()}/welcome?invitation={token}" + (f"&lang={language}" if language != "en" else "")


def school_of(db: Database, institution_id: int) -> tuple[str, str, str]:
    """(network, name, status) of an institution; NotFound when there is none."""
    rows = db.rows("SELECT network, name, status FROM institutions WHERE id = ?", [institution_id])
    if not rows:
        raise NotFound(institution_id)
    return rows[0]


def _new_username(db: Database, email: str) -> str:
    """A user name from the address's local part ("ana.perez@..." -> "ana.perez"), numbered if taken."""
    base = slug(email.split("@", 1)[0].replace(".", "-"), max_length=30).replace("-", ".") or "school"
    base = base if len(base) >= 3 else f"{base}.school"
    candidate, n = base, 1
    while db.scalar("SELECT count(*) FROM users WHERE username = ?", [candidate]):
        n += 1
        candidate = f"{base}{n}"
    return candidate


def invite(
    db: Database,
    actor: Actor,
    institution_id: int,
    *,
    display_name: object,
    email: object,
    language: str = "en",
    now: datetime | None = None,
) -> Invitation:
    """Invite ``email`` to be the focal point of a school (a new account), or send a person
    invited before a new link (the older link stops working); the mail goes through the outbox.

    Raises ValidationFailed naming the field that is wrong; nothing is written then."""
    network, school, status = school_of(db, institution_id)
    require(actor, "manage_focal_points", network)
    errors = []
    name = address = ""
    try:
        name = accounts.checked_display_name(display_name)
    except FieldError as problem:
        errors.append(problem)
    try:
        address = accounts.checked_email(email) or ""
    except FieldError as problem:
        errors.append(problem)
    else:
        if not address:
            errors.append(FieldError("email", "required"))
    if language not in LANGUAGES:
        errors.append(FieldError("language", "unknown_choice", {"values": language}))
    if status == "withdrawn":
        errors.append(FieldError("institution", "already_withdrawn"))
    if errors:
        raise ValidationFailed(errors)
    existing = db.rows(
        "SELECT username, institution_id FROM users WHERE role = 'focal_point' AND lower(email) = lower(?)",
        [address],
    )
    if existing and existing[0][1] != institution_id:
        raise ValidationFailed([FieldError("email", "focal_point_elsewhere")])
    username = existing[0][0] if existing else _new_username(db, address)
    now = now or utc_now()
    token = secrets.token_urlsafe(32)
    expires = now + INVITATION_LIFETIME
    inviter = actor.username or "UNESCO"
    inviter_name = db.scalar("SELECT display_name FROM users WHERE username = ?", [inviter]) or inviter
    subject, body = _MAIL[language]
    unknown_password = accounts.hash_password(secrets.token_urlsafe(32))  # forgotten at once
    fields = {
        "name": name,
        "school": school,
        "inviter": inviter_name,
        "expires": expires.date().isoformat(),
        "link": invitation_link(token, language),
        "username": username,
    }

    def write(cur: Cursor) -> None:
        if existing:
            cur.execute(
                "UPDATE users SET display_name = ?, language = ?, disabled = false WHERE username = ?",
                [name, language, username],
            )
        else:
            cur.execute(
                "INSERT INTO users (username, display_name, email, role, network, institution_id, password_hash, "
                "language, created_at) VALUES (?, ?, ?, 'focal_point', ?, ?, ?, ?, ?)",
                # No one knows this password: the invitation sets the first one.
                [username, name, address, network, institution_id, unknown_password, language, now],
            )
        _revoke_invitations(cur, username, now)
        cur.execute(
            "INSERT INTO invitations (token_hash, username, institution_id, email, created_by, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [_hash(token), username, institution_id, address, actor.label, now, expires],
        )
        cur.execute(
            "INSERT INTO outbox (to_email, subject, body, created_at) VALUES (?, ?, ?, ?)",
            [address, subject.format(**fields), body.format(**fields), now],
        )
        audit.record(
            cur,
            actor,
            "focal_point.invite",
            "users",
            username,
            after={"network": network, "institution_id": institution_id, "email": address, "expires_at": expires},
            when=now,
        )

    db.write(write)
    return Invitation(username, token, expires)


@dataclass(frozen=True)
class Pending:
    """What the welcome page shows of an invitation before the password is set."""

    username: str
    display_name: str
    school: str
    expires_at: datetime


def _invitation(db: Database, token: str, now: datetime) -> tuple:
    rows = db.rows(
        "SELECT i.username, i.email, i.expires_at, i.used_at, i.revoked_at, u.display_name, s.name, u.disabled "
        "FROM invitations i JOIN users u USING (username) JOIN institutions s ON s.id = i.institution_id "
        "WHERE i.token_hash = ?",
        [_hash(token or "")],
    )
    if not rows or rows[0][4] is not None or rows[0][7]:
        raise FieldError("invitation", "invitation_unknown")
    if rows[0][3] is not None:
        raise FieldError("invitation", "invitation_used")
    if rows[0][2] <= now:
        raise FieldError("invitation", "invitation_expired")
    return rows[0]


def _revoke_invitations(cur: Cursor, username: str, when: datetime) -> None:
    """The links still unused of ``username``'s invitations stop working."""
    cur.execute(
        "UPDATE invitations SET revoked_at = ? WHERE username = ? AND used_at IS NULL AND revoked_at IS NULL",
        [when, username],
    )


def pending(db: Database, token: str, *, now: datetime | None = None) -> Pending:
    """The invitation a link holds; raises FieldError (``invitation``) when it is unknown,
    replaced, used or expired."""
    username, _, expires, _, _, display_name, school, _ = _invitation(db, token, now or utc_now())
    return Pending(username, display_name, school, expires)


def accept(db: Database, token: str, email: object, password: str, *, now: datetime | None = None) -> accounts.User:
    """Set the password of an invited account: the link's secret, the address it was sent to,
    and a password that meets the policy. The link works once."""
    now = now or utc_now()
    username, address, *_ = _invitation(db, token, now)
    if str(email or "").strip().casefold() != address.casefold():
        raise FieldError("email", "invitation_email")
    accounts.check_password_policy(password, username=username)
    hashed = accounts.hash_password(password)

    def write(cur: Cursor) -> None:
        used = cur.execute(
            "UPDATE invitations SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND revoked_at IS NULL",
            [now, _hash(token)],
        ).fetchall()[0][0]
        if used != 1:  # the same link used at the same instant elsewhere
            raise FieldError("invitation", "invitation_used")
        cur.execute(
            "UPDATE users SET password_hash = ?, must_change_password = false, failed_attempts = 0, "
            "locked_until = NULL WHERE username = ?",
            [hashed, username],
        )
        audit.record(cur, "applicant", "focal_point.accept", "users", username, when=now)

    db.write(write)
    user = accounts.get_user(db, username)
    if user is None:
        raise NotFound(username)
    return user


def focal_points(db: Database, actor: Actor, network: str, *, now: datetime | None = None) -> pl.DataFrame:
    """A network's focal points, by school: username, display_name, email, institution_id,
    school, state (invited, expired, active, ended), invited_at, expires_at, last_login."""
    require(actor, "manage_focal_points", network)
    return db.query(
        """SELECT u.username, u.display_name, u.email, u.institution_id, s.name AS school,
                  CASE WHEN u.disabled THEN 'ended'
                       WHEN i.used_at IS NOT NULL OR u.last_login_at IS NOT NULL THEN 'active'
                       WHEN i.expires_at <= $now THEN 'expired'
                       ELSE 'invited' END AS state,
                  i.created_at AS invited_at, i.expires_at, u.last_login_at AS last_login
           FROM users u
           JOIN institutions s ON s.id = u.institution_id
           LEFT JOIN (SELECT username, max(used_at) AS used_at, max(created_at) AS created_at,
                             max(expires_at) AS expires_at
                      FROM invitations GROUP BY username) i ON i.username = u.username
           WHERE u.role = 'focal_point' AND u.network = $network
           ORDER BY u.disabled, s.name, u.display_name""",
        {"network": network, "now": now or utc_now()},
    )


def end(db: Database, actor: Actor, username: str) -> None:
    """End a focal point's access (the account stays, disabled, with its history)."""
    rows = db.rows("SELECT network, institution_id FROM users WHERE username = ? AND role = 'focal_point'", [username])
    if not rows:
        raise NotFound(username)
    require(actor, "manage_focal_points", rows[0][0])
    db.write(lambda cur: _end(cur, actor, [username], rows[0][0], utc_now()))


def end_for_school(cur: Cursor, actor: Actor, institution_id: int, network: str, when: datetime) -> None:
    """End the accounts of a school's focal points (inside the transaction that withdraws it)."""
    names = [
        u
        for (u,) in cur.sql(
            "SELECT username FROM users WHERE role = 'focal_point' AND institution_id = ? AND NOT disabled",
            params=[institution_id],
        ).fetchall()
    ]
    if names:
        _end(cur, actor, names, network, when)


def _end(cur: Cursor, actor: Actor, usernames: list[str], network: str, when: datetime) -> None:
    for username in usernames:
        cur.execute("UPDATE users SET disabled = true WHERE username = ?", [username])
        accounts.end_sessions(cur, username, when)
        _revoke_invitations(cur, username, when)
        audit.record(cur, actor, "focal_point.end", "users", username, after={"network": network}, when=when)

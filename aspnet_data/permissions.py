"""Who may do what: one matrix, enforced in the data layer (pages only hide what it refuses).

Roles: anonymous (no user), analyst, coordinator (bound to one national network), a school's
focal point (bound to one institution of a network), admin.
Every check of the data layer is ``require(actor, action, ...)`` (or ``can`` to decide what
to offer) on an action of :data:`ACTIONS`; the menu is :data:`PAGES`, derived from it.

>>> coordinator = Actor("coord.fra", "coordinator", "FRA")
>>> can(coordinator, "edit", "FRA"), can(coordinator, "edit", "JPN")
(True, False)
>>> can(coordinator, "decide_project_request", owner="coord.fra")
True
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import PermissionDenied

# Besides roles, a cell of the matrix may hold a relation between the actor and what the
# action concerns, which the caller finds in the data and passes to ``can``/``require``:
OWN = "own"  # a coordinator, on their own network (``network``)
OWNER = "owner"  # the user who owns the record (``owner``: a project's owner, a message's author)
MEMBER = "member"  # a coordinator whose network takes part (``member=True``: a channel's audience)
APPLICANT = "applicant"  # the applicant, who proved it with the reference code and email (``applicant=True``)
SCHOOL = "school"  # a focal point, on their own school (``institution``)
PARTICIPANT = "participant"  # a signed-in user taking part in a direct conversation (``participant=True``)
RELATIONS = frozenset({OWN, OWNER, MEMBER, APPLICANT, SCHOOL, PARTICIPANT})


@dataclass(frozen=True)
class Actor:
    """The user behind a request (``None`` username means an anonymous visitor)."""

    username: str | None
    role: str | None = None  # admin | coordinator | analyst | focal_point | None
    network: str | None = None  # the coordinator's network (a focal point's school's network)
    institution: int | None = None  # a focal point's school

    @property
    def label(self) -> str:
        return self.username or "anonymous"


ANONYMOUS = Actor(None)

# action -> the roles that may do it anywhere, and the relations (above) that allow it.
ACTIONS: dict[str, set[str]] = {
    "read_private": {"admin", "analyst", OWN},  # coordinator phones, audit history, drafts
    "export_full": {"admin", "analyst"},  # exports with private fields, all networks
    "read_staff_figures": {"admin", "analyst", "coordinator"},  # data quality by network, application funnel
    "edit": {"admin", OWN},  # network profile and institutions
    "withdraw": {"admin", OWN},
    "bulk_apply": {"admin", OWN},
    "revert": {"admin"},
    "manage_users": {"admin"},
    "read_quality": {"admin", "analyst", OWN},  # data-quality lists (analysts read them, never fix)
    "read_todo": {"admin", OWN},  # what waits for this user (the To do page)
    "own_account": {"admin", "analyst", OWN, SCHOOL},  # one's own account and password
    # Membership applications: the applicant's own moves, the coordinator's review, UNESCO's decision.
    "act_as_applicant": {APPLICANT},  # submit, withdraw (a signed-in user is no applicant)
    "review": {"admin", OWN},  # the applications queue: read, return, recommend, decline
    "decide_application": {"admin"},  # approve or decline a recommended application
    # Membership after approval: a candidate proposed for full membership, UNESCO's decision.
    "propose_membership": {"admin", OWN},  # propose a candidate whose period has passed; re-admit a withdrawn school
    "decide_membership": {"admin"},  # confirm, extend the candidacy, or decline a proposal
    "set_candidacy_period": {"admin"},
    # Schools' focal points: invited by the coordinator, they keep their school's public details
    # (editing.SCHOOL_FIELDS; status, themes and levels stay the coordinator's).
    "manage_focal_points": {"admin", OWN},  # invite, list, end; read and undo the schools' changes
    "edit_school_details": {"admin", OWN, SCHOOL},
    "read_my_school": {SCHOOL},  # the My school page
    "request_school_change": {SCHOOL},  # ask to change the school's themes or levels ...
    "decide_school_change": {"admin", OWN},  # ... which its coordinator approves or declines
    # The annual report: the school writes it, its coordinator accepts or returns it and compiles
    # the national report; UNESCO reviews members that stopped reporting.
    "read_report": {"admin", "analyst", OWN, SCHOOL},
    "write_report": {"admin", OWN, SCHOOL},  # a coordinator may enter a report sent on paper
    "decide_report": {"admin", OWN},
    "compile_national_report": {"admin", "analyst", OWN},
    "review_inactive": {"admin"},
    "set_report_cycle": {"admin"},
    # The message board.
    "read_board": {"admin", OWN, SCHOOL},  # the board page (channels say who reads what: read_channel)
    "read_channel": {"admin", MEMBER},  # read and post in a channel of one's audience
    "read_schools_channel": {SCHOOL},  # a focal point reads their network's channel for schools
    "open_schools_channel": {"admin", OWN},  # the network's channel for its schools
    "edit_message": {OWNER},  # one's own message, for a while after posting it
    "hide_message": {"admin"},  # moderation, with a reason shown in its place
    "create_channel": {"admin"},  # topical channels
    # Direct conversations: only their members read them; an administrator reads a message of
    # one only when one of its members reported it.
    "start_conversation": {"admin", "coordinator"},
    "read_conversation": {PARTICIPANT},  # read and write in a conversation one takes part in
    "report_message": {PARTICIPANT},
    "moderate_reported": {"admin"},  # read and hide a reported message of a conversation
    # E-mail of one's mentions and direct messages (at once, a daily digest or never): for
    # whoever has a board; an unsubscribe link needs no sign-in (its signed token names the user).
    "email_notifications": {"admin", OWN, SCHOOL},
    # Project spaces.
    "create_project": {"admin", "coordinator"},
    # A school of one's network (on another network's project: a request); a focal point asks
    # for their own school.
    "add_to_project": {"admin", OWN, SCHOOL},
    "decide_project_request": {"admin", OWNER},  # accept or decline a school asking to join
    # Files (aspnet_data/files.py). A project space's materials are read by those who take part
    # in it (its networks' coordinators, the focal points of its schools) and by UNESCO's staff;
    # a material its project's owner made public, by anyone.
    "read_materials": {"admin", "analyst", MEMBER, SCHOOL},
    "add_material": {"admin", MEMBER},  # a coordinator of a network taking part
    "publish_material": {"admin", OWNER},  # the project's owner
    "delete_material": {"admin", OWNER},  # who added it, or the project's owner
    "attach_file": {OWNER},  # to one's own message, while one may still edit it
}

# The private pages (url path -> the action that opens them), in menu order. A role sees a
# page in its menu when it may do that action on some network (see ``may_ever``).
PAGES: dict[str, str] = {
    "my_school": "read_my_school",
    "todo": "read_todo",
    "board": "read_board",
    "review": "review",
    "membership": "propose_membership",
    "focal_points": "manage_focal_points",
    "reports": "decide_report",
    "manage": "edit",
    "quality": "read_quality",
    "bulk": "bulk_apply",
    "account": "own_account",
    "users": "manage_users",
}


def can(
    actor: Actor,
    action: str,
    network: str | None = None,
    *,
    owner: str | None = None,
    member: bool = False,
    applicant: bool = False,
    institution: int | None = None,
    participant: bool = False,
) -> bool:
    """Whether ``actor`` may do ``action``.

    :param network: the network the action concerns (``own``: the coordinator's own)
    :param owner: the user name of whoever owns what the action concerns (``owner``)
    :param member: whether the actor's network takes part in what the action concerns (``member``)
    :param applicant: whether the actor proved they are the applicant (``applicant``)
    :param institution: the institution the action concerns (``school``: the focal point's own)
    :param participant: whether the actor takes part in the conversation concerned (``participant``)
    :raises KeyError: for an action that is not in :data:`ACTIONS`
    """
    allowed = ACTIONS[action]
    if actor.role in allowed:
        return True
    coordinator = actor.role == "coordinator" and actor.network is not None
    return (
        (OWN in allowed and coordinator and network is not None and actor.network == network)
        or (OWNER in allowed and actor.username is not None and actor.username == owner)
        or (MEMBER in allowed and coordinator and member)
        or (APPLICANT in allowed and applicant)
        or (
            SCHOOL in allowed
            and actor.role == "focal_point"
            and actor.institution is not None
            and actor.institution == institution
        )
        or (PARTICIPANT in allowed and actor.username is not None and participant)
    )


def require(
    actor: Actor,
    action: str,
    network: str | None = None,
    *,
    owner: str | None = None,
    member: bool = False,
    applicant: bool = False,
    institution: int | None = None,
    participant: bool = False,
) -> None:
    """Refuse unless :func:`can`: raises :class:`~aspnet_data.errors.PermissionDenied`."""
    if not can(
        actor,
        action,
        network,
        owner=owner,
        member=member,
        applicant=applicant,
        institution=institution,
        participant=participant,
    ):
        raise PermissionDenied(action, network)


def may_ever(role: str | None, action: str) -> bool:
    """Whether a user of ``role`` may do ``action`` somewhere: a coordinator on their own
    network or where their network takes part, a focal point on their school, anyone signed in
    on what they own."""
    allowed = ACTIONS[action]
    return (
        role in allowed
        or (role == "coordinator" and bool({OWN, MEMBER} & allowed))
        or (role == "focal_point" and SCHOOL in allowed)
        or (role is not None and bool({OWNER, PARTICIPANT} & allowed))
    )


def pages_for(role: str | None) -> list[str]:
    """The private pages a user of ``role`` has in the menu, in menu order."""
    return [path for path, action in PAGES.items() if may_ever(role, action)]

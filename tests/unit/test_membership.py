"""Membership after approval: every move by every role, in every state; the queues, the
candidacy period, the certificate at confirmation, the history and the audit."""

from datetime import date, timedelta

import polars as pl
import pytest

from aspnet_data import certificates, membership
from aspnet_data.db import open_database, utc_now
from aspnet_data.errors import PermissionDenied, ValidationFailed
from aspnet_data.permissions import ANONYMOUS, Actor

ADMIN = Actor("admin", "admin")
ANALYST = Actor("analyst", "analyst")


@pytest.fixture()
def db(scratch_copy):
    with open_database(scratch_copy) as database:
        yield database


def candidate(db, *, due: bool = True, proposed: bool = False) -> tuple[int, str]:
    """A candidate (id, network) past its period or not, with a proposal waiting or not."""
    frame = membership.due_candidates(db, ADMIN) if due else None
    if due:
        rows = membership.proposals(db, ADMIN) if proposed else frame
        assert rows.height, "the test network has such candidates"
        return rows["id"][0], rows["network"][0]
    young = db.query(
        "SELECT i.id, i.network FROM institutions i WHERE status = 'candidate' AND created_at > ? ORDER BY id LIMIT 1",
        [utc_now() - timedelta(days=200)],
    )
    if young.is_empty():
        iid, network = db.rows("SELECT id, network FROM institutions WHERE status = 'candidate' ORDER BY id LIMIT 1")[0]
        membership.set_candidacy_months(db, ADMIN, 120)
        return iid, network
    return young.row(0)


def actors(network: str, db) -> dict[str, Actor]:
    other = db.scalar(
        "SELECT network FROM users WHERE role = 'coordinator' AND network <> ? ORDER BY network LIMIT 1", [network]
    )
    return {
        "anonymous": ANONYMOUS,
        "analyst": ANALYST,
        "own coordinator": Actor(f"coord.{network.lower()}", "coordinator", network),
        "other coordinator": Actor(f"coord.{other.lower()}", "coordinator", other),
        "admin": ADMIN,
    }


MOVES = {
    "propose": (lambda db, a, i: membership.propose(db, a, i, comment="Active"), {"own coordinator", "admin"}),
    "confirm": (lambda db, a, i: membership.confirm(db, a, i), {"admin"}),
    "extend": (lambda db, a, i: membership.extend(db, a, i, 6), {"admin"}),
    "decline": (lambda db, a, i: membership.decline(db, a, i, comment="Not enough activity yet"), {"admin"}),
    "withdraw": (lambda db, a, i: membership.withdraw(db, a, i, "inactive"), {"own coordinator", "admin"}),
    "readmit": (lambda db, a, i: membership.readmit(db, a, i), {"own coordinator", "admin"}),
}
# The state each move needs, and what it leaves.
NEEDS = {
    "propose": "due",
    "confirm": "proposed",
    "extend": "proposed",
    "decline": "proposed",
    "withdraw": "due",
    "readmit": "withdrawn",
}
STATES = ("young", "due", "proposed", "member", "withdrawn")


def in_state(db, state: str) -> tuple[int, str]:
    if state == "young":
        return candidate(db, due=False)
    if state == "due":
        return candidate(db)
    if state == "proposed":
        return candidate(db, proposed=True)
    status = "member" if state == "member" else "withdrawn"
    return db.rows("SELECT id, network FROM institutions WHERE status = ? ORDER BY id LIMIT 1", [status])[0]


@pytest.mark.parametrize("move", list(MOVES))
@pytest.mark.parametrize("role", ["anonymous", "analyst", "own coordinator", "other coordinator", "admin"])
def test_each_move_is_for_the_roles_of_the_matrix(db, move, role):
    iid, network = in_state(db, NEEDS[move])
    before = db.checksums(["institutions", "membership_events", "audit_log"])
    do, allowed = MOVES[move]
    actor = actors(network, db)[role]
    if role in allowed:
        do(db, actor, iid)
        assert db.checksums(["membership_events"]) != before and db.scalar(
            "SELECT count(*) FROM audit_log WHERE action LIKE 'membership.%' AND entity_id = ?", [str(iid)]
        )
    else:
        with pytest.raises(PermissionDenied):
            do(db, actor, iid)
        assert db.checksums(["institutions", "membership_events", "audit_log"]) == before


ALLOWED_IN = {  # move -> the states it may be made in
    "propose": {"due"},
    "confirm": {"proposed"},
    "extend": {"proposed"},
    "decline": {"proposed"},
    "withdraw": {"young", "due", "proposed", "member"},
    "readmit": {"withdrawn"},
}


@pytest.mark.parametrize("move", list(MOVES))
@pytest.mark.parametrize("state", STATES)
def test_each_move_is_allowed_only_from_its_states(db, move, state):
    iid, _ = in_state(db, state)
    before = db.checksums(["institutions", "membership_events", "audit_log"])
    do, _ = MOVES[move]
    if state in ALLOWED_IN[move]:
        do(db, ADMIN, iid)
    else:
        with pytest.raises(ValidationFailed) as refused:
            do(db, ADMIN, iid)
        assert refused.value.errors[0].field == "form"
        assert db.checksums(["institutions", "membership_events", "audit_log"]) == before


def test_a_confirmed_candidate_is_a_member_with_a_certificate_that_verifies(db):
    iid, network = candidate(db)
    coordinator = actors(network, db)["own coordinator"]
    assert iid in membership.due_candidates(db, coordinator)["id"].to_list()
    membership.propose(db, coordinator, iid, comment="Two years of projects")
    assert iid not in membership.due_candidates(db, coordinator)["id"].to_list()
    waiting = membership.proposals(db, ADMIN).filter(pl.col("id") == iid)
    assert waiting["proposal_comment"].to_list() == ["Two years of projects"] and waiting["waiting_days"][0] == 0
    number = membership.confirm(db, ADMIN, iid)
    record = db.query("SELECT status, year_joined FROM institutions WHERE id = ?", [iid]).row(0, named=True)
    assert record == {"status": "member", "year_joined": utc_now().year}
    check = certificates.verify(db, number)
    assert check.state == "valid" and check.institution_id == iid and check.issued_on == utc_now().date()
    assert membership.history(db, iid)["action"].to_list()[-2:] == ["proposed", "confirmed"]
    assert membership.timeline(db, iid) == {"status": "member", "member_since": utc_now().date()}
    # Withdrawn afterwards: the certificate no longer verifies as valid.
    membership.withdraw(db, ADMIN, iid, "closed")
    assert certificates.verify(db, number).state != "valid"
    assert membership.timeline(db, iid)["reason"] == "closed"


def test_the_coordinator_hears_of_each_decision_through_the_outbox(db):
    sent = []
    for decide in (
        lambda i: membership.confirm(db, ADMIN, i),
        lambda i: membership.extend(db, ADMIN, i, 6),
        lambda i: membership.decline(db, ADMIN, i, comment="No <b>activity</b> reported"),
    ):
        iid, network = candidate(db, proposed=True)
        email = db.scalar("SELECT coordinator_email FROM networks WHERE iso3 = ?", [network])
        before = db.scalar("SELECT count(*) FROM outbox")
        decide(iid)
        mail = db.query("SELECT to_email, subject, body FROM outbox ORDER BY id DESC LIMIT 1").row(0, named=True)
        assert db.scalar("SELECT count(*) FROM outbox") == before + (1 if email else 0)
        if email:
            name = db.scalar("SELECT name FROM institutions WHERE id = ?", [iid])
            assert mail["to_email"] == email and name in mail["subject"]
            sent.append(mail["body"])
    assert any("Certificate:" in b for b in sent) and any("No <b>activity</b> reported" in b for b in sent)


def test_an_extension_and_a_refusal_set_when_the_candidate_may_be_proposed_again(db):
    iid, _ = candidate(db, proposed=True)
    due = membership.extend(db, ADMIN, iid, 6, comment="One more school year")
    assert due == membership.add_months(utc_now().date(), 6)
    assert iid not in membership.due_candidates(db, ADMIN)["id"].to_list()
    assert membership.standing(db, iid).due_on == due
    later = due + timedelta(days=1)
    assert iid in membership.due_candidates(db, ADMIN, today=later)["id"].to_list()
    membership.propose(db, ADMIN, iid, today=later)
    again = membership.decline(db, ADMIN, iid, comment="No activity reported")
    assert again == membership.add_months(utc_now().date(), membership.DECLINED_WAIT_MONTHS)
    assert membership.standing(db, iid).status == "candidate"
    with pytest.raises(ValidationFailed) as early:
        membership.propose(db, ADMIN, iid)
    assert early.value.errors[0].code == "not_due" and early.value.errors[0].params == {"day": again.isoformat()}


def test_a_refusal_needs_a_reason_and_comments_have_a_limit(db):
    iid, _ = candidate(db, proposed=True)
    for bad, code in (("", "required"), ("   ", "required"), ("x" * (membership.COMMENT_LIMIT + 1), "too_long")):
        with pytest.raises(ValidationFailed) as refused:
            membership.decline(db, ADMIN, iid, comment=bad)
        assert (refused.value.errors[0].field, refused.value.errors[0].code) == ("comment", code)
    for months in ("0", "121", "six", None):
        with pytest.raises(ValidationFailed):
            membership.extend(db, ADMIN, iid, months)
    assert membership.standing(db, iid).proposed_on is not None


def test_the_candidacy_period_is_set_by_admins_and_applies_to_every_candidate(db):
    due = membership.due_candidates(db, ADMIN).height
    with pytest.raises(PermissionDenied):
        membership.set_candidacy_months(db, actors("FRA", db)["own coordinator"], 6)
    for bad in ("0", "200", "abc"):
        with pytest.raises(ValidationFailed):
            membership.set_candidacy_months(db, ADMIN, bad)
    membership.set_candidacy_months(db, ADMIN, 6)
    assert membership.candidacy_months(db) == 6
    assert membership.due_candidates(db, ADMIN).height > due
    assert db.scalar("SELECT count(*) FROM audit_log WHERE action = 'membership.period'") == 1


def test_the_queues_are_oldest_first_and_each_coordinator_sees_their_own(db):
    queue = membership.due_candidates(db, ADMIN)
    assert queue["candidate_since"].to_list() == sorted(queue["candidate_since"].to_list())
    assert (queue["due_on"] <= date.today() + timedelta(days=1)).all()
    network = queue["network"][0]
    own = membership.due_candidates(db, actors(network, db)["own coordinator"])
    assert set(own["network"]) == {network} and own.height == queue.filter(pl.col("network") == network).height
    waiting = membership.proposals(db, ADMIN)
    assert waiting["proposed_on"].to_list() == sorted(waiting["proposed_on"].to_list())
    with pytest.raises(PermissionDenied):
        membership.proposals(db, actors(network, db)["own coordinator"])


def test_a_withdrawal_names_its_reason_and_a_merger_its_institution(db):
    iid, network = in_state(db, "member")
    with pytest.raises(ValidationFailed) as refused:
        membership.withdraw(db, ADMIN, iid, "bored")
    assert refused.value.errors[0].field == "reason"
    other_network = db.scalar("SELECT id FROM institutions WHERE network <> ? AND status = 'member' LIMIT 1", [network])
    for target in (None, iid, other_network, 10**9):
        with pytest.raises(ValidationFailed) as refused:
            membership.withdraw(db, ADMIN, iid, "merged", merged_into=target)
        assert refused.value.errors[0].field == "merged_into"
    into = db.scalar(
        "SELECT id FROM institutions WHERE network = ? AND status = 'member' AND id <> ? LIMIT 1", [network, iid]
    )
    membership.withdraw(db, ADMIN, iid, "merged", merged_into=into)
    last = membership.history(db, iid).row(-1, named=True)
    assert (last["action"], last["reason"], last["comment"]) == ("withdrawn", "merged", f"#{into}")
    assert db.scalar("SELECT status FROM institutions WHERE id = ?", [iid]) == "withdrawn"


def test_a_withdrawn_school_applies_again_and_starts_a_new_candidacy(db):
    iid, _ = in_state(db, "withdrawn")
    due = membership.readmit(db, ADMIN, iid)
    assert due == membership.add_months(utc_now().date(), membership.candidacy_months(db))
    standing = membership.standing(db, iid)
    assert standing.status == "candidate" and standing.candidate_since == utc_now().date() and standing.due_on == due
    assert db.scalar("SELECT withdrawn_year FROM institutions WHERE id = ?", [iid]) is None


def test_an_approved_application_starts_a_candidacy(db):
    from aspnet_data import applications as apps

    app_id = db.scalar("SELECT id FROM applications WHERE stage = 'recommended' ORDER BY id LIMIT 1")
    apps.move(db, ADMIN, app_id, "approved")
    iid = db.scalar("SELECT institution_id FROM applications WHERE id = ?", [app_id])
    assert membership.history(db, iid)["action"].to_list() == ["candidacy"]
    assert membership.standing(db, iid).due_on == membership.add_months(utc_now().date(), 24)


def test_months_are_added_by_the_calendar():
    assert membership.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert membership.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert membership.add_months(date(2026, 11, 15), 24) == date(2028, 11, 15)
    assert membership.add_months(date(2026, 12, 1), 1) == date(2027, 1, 1)

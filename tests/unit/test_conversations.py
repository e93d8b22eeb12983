"""Direct conversations: who finds whom, who reads what, unread counts, search, reports and
their moderation."""

from datetime import timedelta

import pytest

from aspnet_data import accounts
from aspnet_data import board as boards
from aspnet_data.db import utc_now
from aspnet_data.errors import PermissionDenied, ValidationFailed

from ..conftest import two_coordinators


@pytest.fixture(scope="module")
def people(module_db):
    (a, _), (b, _) = two_coordinators(module_db)
    third = module_db.scalar(
        "SELECT min(username) FROM users WHERE role = 'coordinator' AND NOT disabled AND username NOT IN (?, ?)",
        [a, b],
    )
    return {name: accounts.get_user(module_db, user).actor for name, user in (("a", a), ("b", b), ("c", third))} | {
        "admin": accounts.get_user(module_db, "admin").actor,
        "analyst": accounts.get_user(module_db, "analyst").actor,
    }


_minutes = iter(range(2, 10_000, 2))


def later():
    """Posts two minutes apart: the board's rate limit never interferes."""
    return utc_now() + timedelta(minutes=next(_minutes))


def test_a_conversation_is_read_by_its_members_only_not_even_an_admin(module_db, people):
    db, a, b = module_db, people["a"], people["b"]
    channel, thread = boards.start_conversation(db, a, [b.username], "Can we share the ESD toolkit?", now=later())
    listed = boards.channels(db, b).filter(boards.pl.col("id") == channel)
    assert listed.height == 1 and listed["kind"][0] == "direct" and listed["unread"][0] == 1
    assert boards.thread_messages(db, b, thread)["body"].to_list() == ["Can we share the ESD toolkit?"]
    for outsider in (people["c"], people["admin"]):
        assert channel not in boards.channels(db, outsider)["id"].to_list()
        assert not boards.can_read(db, outsider, channel)
        with pytest.raises(PermissionDenied):
            boards.thread_messages(db, outsider, thread)
        with pytest.raises(PermissionDenied):
            boards.post(db, outsider, channel, "Let me in", now=later())
        assert boards.search(db, outsider, "ESD toolkit").filter(boards.pl.col("channel_id") == channel).height == 0
    found = boards.search(db, b, "esd toolkit")
    assert channel in found["channel_id"].to_list()
    members = boards.conversation_members(db, b, [channel])[channel]
    assert sorted(m["username"] for m in members) == sorted([a.username, b.username])
    assert boards.conversation_members(db, people["c"], [channel]) == {}


def test_two_people_keep_one_conversation_a_titled_group_is_new(module_db, people):
    db, a, b, c = module_db, people["a"], people["b"], people["c"]
    first, _ = boards.start_conversation(db, a, [b.username], "First", now=later())
    again, thread = boards.start_conversation(db, b, [a.username], "Second", now=later())
    assert again == first
    assert boards.thread_messages(db, a, thread)["body"].to_list() == ["Second"]
    group, _ = boards.start_conversation(db, a, [b.username, c.username], "All three", title="Toolkit", now=later())
    assert group != first and boards.can_read(db, c, group, write=True)
    assert not boards.can_read(db, c, first)


def test_a_reply_counts_as_unread_for_the_others_until_they_read_it(module_db, people):
    db, a, b = module_db, people["a"], people["b"]
    channel, thread = boards.start_conversation(db, a, [b.username], "Unread test", title="Unread", now=later())
    boards.mark_read(db, b, channel)
    boards.post(db, b, channel, "Reply from B", thread_id=thread, now=later())
    unread = boards.channels(db, a).filter(boards.pl.col("id") == channel)["unread"][0]
    assert unread == 1
    assert boards.channels(db, b).filter(boards.pl.col("id") == channel)["unread"][0] == 0
    boards.mark_read(db, a, channel)
    assert boards.channels(db, a).filter(boards.pl.col("id") == channel)["unread"][0] == 0


def test_starting_refuses_who_cannot_take_part_and_an_empty_message(module_db, people):
    db, a = module_db, people["a"]
    for members, body, field in (
        ([], "Hello", "members"),
        ([a.username], "Hello", "members"),  # oneself only
        (["nobody.at.all"], "Hello", "members"),
        ([people["analyst"].username], "Hello", "members"),  # analysts have no board
        ([people["b"].username], "   ", "body"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            boards.start_conversation(db, a, members, body, now=later())
        assert [e.field for e in refused.value.errors] == [field]
    with pytest.raises(PermissionDenied):
        boards.start_conversation(db, people["analyst"], [a.username], "Hello", now=later())


def test_people_are_found_by_name_network_and_role(module_db, people):
    db, a, b = module_db, people["a"], people["b"]
    everyone = boards.people(db, a, limit=200)
    assert a.username not in everyone["username"].to_list()
    assert set(everyone["role"]) <= {"admin", "coordinator"}
    of_b = boards.people(db, a, network=b.network)
    assert b.username in of_b["username"].to_list() and set(of_b["network"]) == {b.network}
    name = db.scalar("SELECT display_name FROM users WHERE username = ?", [b.username])
    assert b.username in boards.people(db, a, q=name.split()[-1].upper())["username"].to_list()
    admins = boards.people(db, a, role="admin")
    assert "admin" in admins["username"].to_list() and set(admins["role"]) == {"admin"}
    assert boards.people(db, a, q="' OR 1=1 --").height == 0


def test_a_member_reports_a_message_and_only_then_an_admin_hides_it(module_db, people):
    db, a, b, admin = module_db, people["a"], people["b"], people["admin"]
    channel, _ = boards.start_conversation(db, a, [b.username], "Report test", title="Reports", now=later())
    rude = boards.post(db, b, channel, "Something rude", now=later())
    with pytest.raises(PermissionDenied):
        boards.hide(db, admin, rude, "Curious")  # no report: moderators do not read conversations
    with pytest.raises(PermissionDenied):
        boards.report(db, people["c"], rude, "Not mine to report")
    boards.report(db, a, rude, "Insulting")
    boards.report(db, a, rude, "Insulting, again")  # once per member
    waiting = boards.reported(db, admin).filter(boards.pl.col("message_id") == rude)
    assert waiting["reports"][0] == 1 and waiting["body"][0] == "Something rude"
    boards.hide(db, admin, rude, "Insult")
    assert rude not in boards.reported(db, admin)["message_id"].to_list()
    shown = boards.threads(db, a, channel).filter(boards.pl.col("id") == rude)
    assert shown["hidden_reason"][0] == "Insult" and shown["body"][0] is None
    other = boards.post(db, b, channel, "Borderline", now=later())
    boards.report(db, a, other, "Unsure")
    boards.dismiss_report(db, admin, other)
    assert other not in boards.reported(db, admin)["message_id"].to_list()
    with pytest.raises(PermissionDenied):
        boards.hide(db, admin, other, "After the report was closed")
    actions = [r for (r,) in db.rows("SELECT action FROM audit_log WHERE entity_id IN (?, ?)", [str(rude), str(other)])]
    assert {"message.report", "message.hide", "message.report_dismissed"} <= set(actions)


def test_a_name_with_accents_is_found_typed_with_or_without_them(module_db, people):
    db, a, b = module_db, people["a"], people["b"]
    db.write(
        lambda cur: cur.execute(
            "UPDATE users SET display_name = 'Ana Rodríguez Núñez' WHERE username = ?", [b.username]
        )
    )
    for typed in ("Rodríguez", "rodriguez", "RODRIGUEZ", "núñez ana", "Nunez"):
        assert b.username in boards.people(db, a, q=typed)["username"].to_list(), typed
    assert b.username not in boards.people(db, a, q="Rodrigues")["username"].to_list()

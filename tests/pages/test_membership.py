"""AppTest of the Membership page: the coordinator's queue and proposal, UNESCO's decisions,
the candidacy period, in three languages; the profile's membership history."""

import pytest

from aspnet_data import membership
from aspnet_data.db import open_database
from aspnet_data.permissions import Actor

ADMIN = Actor("admin", "admin")
TITLES = {
    "en": "Membership: candidates and confirmations",
    "fr": "Adhésion : candidats et confirmations",
    "es": "Membresía: candidatas y confirmaciones",
}


def pick_key(at, prefix):
    """The key of a picker of the page (it is renewed after each decision)."""
    return next(w.key for w in [*at.selectbox, *at.text_area] if w.key and w.key.startswith(prefix + "_"))


def due_left(path, school):
    with open_database(path) as db:
        return membership.due_candidates(db, ADMIN, school["network"]).height > 0


def due_school(path):
    with open_database(path) as db:
        return membership.due_candidates(db, ADMIN).row(0, named=True)


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_the_page_in_three_languages(app_as, scratch_copy, lang):
    school = due_school(scratch_copy)
    at = app_as("app_pages/membership.py", f"coord.{school['network'].lower()}", lang=lang)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == TITLES[lang]
    assert at.selectbox(key=pick_key(at, "membership_candidate")).options
    admin = app_as("app_pages/membership.py", "admin", lang=lang)
    assert not admin.exception and len(admin.dataframe) == 2  # both queues


def test_a_coordinator_proposes_and_the_school_leaves_their_queue(app_as, scratch_copy):
    school = due_school(scratch_copy)
    at = app_as("app_pages/membership.py", f"coord.{school['network'].lower()}")
    picker = at.selectbox(key=pick_key(at, "membership_candidate"))
    option = next(o for o in picker.options if o.startswith(f"#{school['id']} "))
    picker.set_value(school["id"]).run()
    assert option
    at.text_area(key=pick_key(at, "membership_proposal_comment")).input("Projects with two schools abroad").run()
    at.button(key="membership_propose").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("is proposed for full membership" in s.value for s in at.success)
    pickers = [w for w in at.selectbox if w.key and w.key.startswith("membership_candidate_")]
    assert not any(o.startswith(f"#{school['id']} ") for w in pickers for o in w.options)
    assert all(w.value is None for w in pickers)  # a fresh picker for the next candidate
    with open_database(scratch_copy) as db:
        assert membership.standing(db, school["id"]).proposed_on is not None


def test_unesco_declines_without_a_reason_is_refused_next_to_the_field(app_as, scratch_copy):
    with open_database(scratch_copy) as db:
        waiting = membership.proposals(db, ADMIN).row(0, named=True)
    at = app_as("app_pages/membership.py", "admin")
    at.selectbox(key=pick_key(at, "membership_proposal")).set_value(waiting["id"]).run()
    at.radio(key="membership_decision").set_value("decline").run()
    at.button(key="membership_decide").click().run()
    assert "Required." in [e.value for e in at.error]
    with open_database(scratch_copy) as db:
        assert membership.standing(db, waiting["id"]).proposed_on is not None  # nothing stored


@pytest.mark.both_engines
def test_unesco_confirms_and_gets_the_certificate_number(app_as, scratch_copy):
    with open_database(scratch_copy) as db:
        waiting = membership.proposals(db, ADMIN).row(0, named=True)
    at = app_as("app_pages/membership.py", "admin")
    at.selectbox(key=pick_key(at, "membership_proposal")).set_value(waiting["id"]).run()
    at.button(key="membership_decide").click().run()
    (notice,) = [s.value for s in at.success]
    assert "is a member: certificate" in notice and "certificate?number=" in notice
    with open_database(scratch_copy) as db:
        assert db.scalar("SELECT status FROM institutions WHERE id = ?", [waiting["id"]]) == "member"


def test_the_profile_tells_the_membership_history(app_as, scratch_copy):
    with open_database(scratch_copy) as db:
        iid = db.scalar("SELECT institution_id FROM membership_events WHERE action = 'withdrawn' ORDER BY id LIMIT 1")
        reason = db.scalar(
            "SELECT reason FROM membership_events WHERE institution_id = ? AND action = 'withdrawn'", [iid]
        )
    at = app_as("app_pages/institution.py", None, id=str(iid), lang="fr")
    text = " ".join(m.value for m in at.markdown)
    assert (
        "Retirée depuis" in text
        and {
            "closed": "l'école a fermé",
            "left": "l'école a quitté le réseau",
            "inactive": "n'était plus active dans le réseau",
        }[reason]
        in text
    )


def test_my_network_withdraws_with_a_reason_and_admits_again(app_as, scratch_copy):
    with open_database(scratch_copy) as db:
        network = db.scalar("SELECT network FROM users WHERE username = 'coord.fra'")
        school = db.scalar("SELECT min(id) FROM institutions WHERE network = ? AND status = 'member'", [network])
    at = app_as("app_pages/manage.py", "coord.fra", edit=str(school))
    button = at.button(key=f"inst_{school}_withdraw")
    assert button.disabled  # no reason chosen yet
    at.selectbox(key=f"inst_{school}_reason").set_value("inactive").run()
    at.checkbox(key=f"inst_{school}_sure").check().run()
    at.button(key=f"inst_{school}_withdraw").click().run()
    assert not at.exception, [e.value for e in at.exception]
    with open_database(scratch_copy) as db:
        assert db.scalar("SELECT status FROM institutions WHERE id = ?", [school]) == "withdrawn"
        assert membership.history(db, school).row(-1, named=True)["reason"] == "inactive"
    at = app_as("app_pages/manage.py", "coord.fra", edit=str(school))
    at.button(key=f"inst_{school}_readmit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    with open_database(scratch_copy) as db:
        assert membership.standing(db, school).status == "candidate"

"""AppTest of the Join pages: the application form (valid, invalid, drafts, honeypot), tracking
with its timeline, and the reviewers' decision page."""

import re

import pytest

from aspnet_data import applications as apps
from aspnet_data import reference
from aspnet_data.db import open_database
from aspnet_data.permissions import Actor
from ui.safe import md

PORTO = reference.towns().filter(name="Porto", iso3="PRT").row(0, named=True)


def press(at, label):
    next(b for b in at.button if b.label == label).click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def fill(at, *, email="ana@school.example", plans=True):
    """A Portuguese school, as a person fills the form (the town picked from the list)."""
    at.selectbox(key="apply_f_network").set_value("PRT").run()
    at.text_input(key="apply_f_name").input("Escola Ribeira Azul")
    at.selectbox(key="apply_f_city").set_value("Porto").run()
    at.multiselect(key="apply_f_levels").set_value(["primary"])
    at.radio(key="apply_f_ownership").set_value("public")
    at.multiselect(key="apply_f_languages").set_value(["pt", "en"])
    at.number_input(key="apply_f_pupils").set_value(420)
    at.text_input(key="apply_f_school_email").input("secretaria@ribeira.example")
    at.text_input(key="apply_f_website").input("www.ecole-ribeira.pt")
    at.multiselect(key="apply_f_themes").set_value(["esd"]).run()
    if plans:
        at.text_area(key="apply_f_plan_esd").input("A school garden and a water audit.")
    at.text_input(key="apply_f_contact").input("Ana Pérez")
    at.text_input(key="apply_f_email").input(email)
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def summary_count(at) -> int:
    [line] = [e.value for e in at.error if "need" in e.value and "attention" in e.value]
    return int(re.match(r"(\d+) fields? needs? attention", line).group(1))


@pytest.mark.both_engines
def test_a_valid_application_gets_a_reference_code_and_a_summary(app_as, scratch_copy):
    at = app_as("app_pages/apply.py")
    fill(at)
    # The town came with its coordinates.
    assert (at.text_input(key="apply_f_lat").value, at.text_input(key="apply_f_lon").value) == (
        f"{PORTO['lat']:.5f}".rstrip("0"),
        f"{PORTO['lon']:.5f}".rstrip("0"),
    )
    press(at, "Submit the application")
    [code] = [c.value for c in at.code]
    assert re.fullmatch(r"ASP-[A-Z2-9]{10}", code)
    text = " ".join(m.value for m in at.markdown)
    assert md("ana@school.example") in text and "code **and** the email address" in text
    assert md("https://www.ecole-ribeira.pt") in text and "Portuguese, English" in text
    with open_database(scratch_copy) as db:
        app = apps.find(db, code, "ana@school.example")
    record = app.record
    assert app.stage == "submitted" and record["network"] == "PRT" and record["city"] == "Porto"
    assert (record["latitude"], record["longitude"]) == (round(PORTO["lat"], 5), round(PORTO["lon"], 5))
    assert record["languages"] == ["pt", "en"] and record["pupils"] == 420
    assert (record["website"], record["school_email"]) == ("https://www.ecole-ribeira.pt", "secretaria@ribeira.example")
    # Tracking in this session opens on it.
    assert (at.session_state["status_code"], at.session_state["status_email"]) == (code, "ana@school.example")


def test_plan_boxes_follow_the_themes_chosen(app_as):
    at = app_as("app_pages/apply.py")
    assert not at.text_area
    at.multiselect(key="apply_f_themes").set_value(["esd", "heritage"]).run()
    assert [a.key for a in at.text_area] == ["apply_f_plan_esd", "apply_f_plan_heritage"]
    at.text_area(key="apply_f_plan_heritage").input("Oral history with grandparents.").run()
    at.multiselect(key="apply_f_themes").set_value(["esd"]).run()
    assert [a.key for a in at.text_area] == ["apply_f_plan_esd"]
    at.multiselect(key="apply_f_themes").set_value(["esd", "heritage"]).run()
    assert at.text_area(key="apply_f_plan_heritage").value == "Oral history with grandparents."


def test_a_town_not_in_the_list_is_kept_as_typed(app_as, scratch_copy):
    at = app_as("app_pages/apply.py", session={"apply_f_city": "Ribeira de Baixo"})
    fill_network = at.selectbox(key="apply_f_network")
    fill_network.set_value("PRT").run()
    assert at.selectbox(key="apply_f_city").value == "Ribeira de Baixo"
    assert "Ribeira de Baixo" in at.selectbox(key="apply_f_city").options


def test_each_error_is_under_its_field_and_the_count_matches(app_as, scratch_copy):
    with open_database(scratch_copy) as db:
        before = db.scalar("SELECT count(*) FROM applications")
    at = app_as("app_pages/apply.py")
    fill(at, email="not-an-email", plans=False)
    at.text_input(key="apply_f_website").input("not a website")
    at.text_input(key="apply_f_contact").input("")
    press(at, "Submit the application")
    messages = [e.value for e in at.error]
    # Three fields: the contact's email, the website, the plan for the theme chosen; and the contact's name.
    assert summary_count(at) == len(messages) - 1 == 4
    # Each message sits in the column of its own field, not under the whole row.
    for key, expected in (
        ("apply_f_email", "Not a valid email address."),
        ("apply_f_contact", "Required."),
        ("apply_f_website", "Not a web address"),
    ):
        column = next(c for c in at.columns if any(w.key == key for w in c.text_input))
        assert any(e.value.startswith(expected) for e in column.error), (key, [e.value for e in column.error])
    assert "Required." in messages  # the plan
    assert not at.code
    assert at.text_input(key="apply_f_name").value == "Escola Ribeira Azul"  # input kept
    with open_database(scratch_copy) as db:
        assert db.scalar("SELECT count(*) FROM applications") == before


def test_an_error_about_a_field_the_form_lacks_is_shown_in_the_summary(app_as, scratch_copy):
    at = app_as("app_pages/apply.py", session={"apply_errors": [apps.FieldError("reference", "not_found")]})
    assert summary_count(at) == 1
    [line] = [e.value for e in at.error]
    assert "Not found." in line


def test_a_draft_comes_back_into_every_widget(app_as, scratch_copy):
    at = app_as("app_pages/apply.py")
    fill(at)
    at.multiselect(key="apply_f_themes").set_value(["esd", "gced"]).run()
    at.text_area(key="apply_f_plan_gced").input("Letters with a partner school.").run()
    press(at, "Save as draft")
    [saved] = [s.value for s in at.success]
    code = re.search(r"ASP-[A-Z2-9]{10}", saved).group(0)

    again = app_as("app_pages/apply.py")
    again.text_input(key="apply_f_name")  # a fresh form
    assert again.text_input(key="apply_f_name").value == ""
    expander_box = [t for t in again.text_input if t.label == "Reference code"][0]
    expander_box.input(code)
    [t for t in again.text_input if t.label == "Contact email" and t.key is None][0].input("ana@school.example")
    press(again, "Open it")
    assert again.selectbox(key="apply_f_network").value == "PRT"
    assert again.text_input(key="apply_f_name").value == "Escola Ribeira Azul"
    assert again.selectbox(key="apply_f_city").value == "Porto"
    assert again.text_input(key="apply_f_lat").value == f"{PORTO['lat']:.5f}".rstrip("0")
    assert again.multiselect(key="apply_f_levels").value == ["primary"]
    assert again.radio(key="apply_f_ownership").value == "public"
    assert again.multiselect(key="apply_f_languages").value == ["pt", "en"]
    assert again.number_input(key="apply_f_pupils").value == 420
    assert again.text_input(key="apply_f_website").value == "https://www.ecole-ribeira.pt"
    assert again.text_input(key="apply_f_school_email").value == "secretaria@ribeira.example"
    assert again.multiselect(key="apply_f_themes").value == ["esd", "gced"]
    assert again.text_area(key="apply_f_plan_gced").value == "Letters with a partner school."
    assert again.text_input(key="apply_f_contact").value == "Ana Pérez"
    assert any(code in i.value for i in again.info)
    press(again, "Submit the application")
    assert again.code[0].value == code


def test_a_returned_application_opens_in_the_form_with_the_coordinators_request(app_as, scratch_copy):
    with open_database(scratch_copy) as db:
        code, email, app_id = db.rows(
            "SELECT reference, contact_email, id FROM applications WHERE stage = 'returned' ORDER BY id LIMIT 1"
        )[0]
        record = apps._load(db, "id = ?", [app_id]).record
    at = app_as("app_pages/status.py", session={"status_code": code, "status_email": email})
    timeline = " ".join(m.value for m in at.markdown)
    assert "Review by the National Coordinator" in timeline and "Returned for changes on" in timeline
    press(at, "Edit and resubmit")
    at.switch_page("app_pages/apply.py").run()
    assert at.text_input(key="apply_f_name").value == record["institution_name"]
    assert at.multiselect(key="apply_f_themes").value == record["themes"]
    assert [a.value for a in at.text_area] == [record["theme_plans"][t] for t in record["themes"]]
    assert any("returned for changes" in i.value for i in at.info)
    assert any("Please describe" in m.value for m in at.markdown)


def test_the_honeypot_stores_nothing(app_as, scratch_copy):
    with open_database(scratch_copy) as db:
        before = db.scalar("SELECT count(*) FROM applications")
    at = app_as("app_pages/apply.py")
    fill(at)
    at.text_input(key="apply_hp").input("http://spam.example")
    press(at, "Submit the application")
    assert at.code  # looks like success
    with open_database(scratch_copy) as db:
        assert db.scalar("SELECT count(*) FROM applications") == before
        assert apps.find(db, at.code[0].value, "ana@school.example") is None


def test_tracking_shows_a_timeline_with_dates(app_as, scratch_copy):
    with open_database(scratch_copy) as db:
        code, email, app_id = db.rows(
            "SELECT reference, contact_email, id FROM applications WHERE stage = 'recommended' ORDER BY id LIMIT 1"
        )[0]
        recommended = db.scalar(
            "SELECT max(occurred_at) FROM application_events WHERE application_id = ? AND stage = 'recommended'",
            [app_id],
        )
    at = app_as("app_pages/status.py", session={"status_code": code, "status_email": email})
    [timeline] = [m.value for m in at.markdown if "Application submitted" in m.value]
    steps = timeline.split("\n\n")
    assert [s.split("**")[1] for s in steps] == [
        "Application submitted",
        "Review by the National Coordinator",
        "Decision by UNESCO",
        "Listed in ASPnet as a candidate",
    ]
    assert "Done" in steps[0] and "Done" in steps[1] and "Now" in steps[2] and "Next" in steps[3]
    assert f"Recommended to UNESCO on {recommended:%Y-%m-%d}" in steps[1]
    assert not at.dataframe


def test_tracking_with_a_wrong_email_reveals_nothing(app_as, scratch_copy):
    with open_database(scratch_copy) as db:
        code = db.scalar("SELECT reference FROM applications LIMIT 1")
    at = app_as("app_pages/status.py", session={"status_code": code, "status_email": "someone@else.example"})
    assert at.error and "No application matches" in at.error[0].value
    assert not at.main.subheader


def queue_references(at) -> list[str]:
    [table] = [m.value for m in at.markdown if m.value.startswith("| Reference")]
    return [line.split("|")[1].strip() for line in table.splitlines()[2:]]


def test_the_coordinator_queue_is_oldest_first_with_overdue_badges(app_as, scratch_copy):
    with open_database(scratch_copy) as db:
        username, network = db.rows(
            """SELECT u.username, u.network FROM users u JOIN applications a ON a.network = u.network
               WHERE a.stage = 'submitted' GROUP BY u.username, u.network ORDER BY count(*) DESC, u.username LIMIT 1"""
        )[0]
        queue = apps.queue(db, Actor(username, "coordinator", network))
    at = app_as("app_pages/review.py", username)
    assert queue_references(at) == queue["reference"].to_list()
    [table] = [m.value for m in at.markdown if m.value.startswith("| Reference")]
    assert table.count(":red-badge[Overdue]") == int(queue["overdue"].sum())
    assert not at.checkbox


@pytest.mark.both_engines
def test_a_decision_starts_unchosen_says_when_a_comment_is_needed_and_moves_on(app_as, scratch_copy):
    with open_database(scratch_copy) as db:
        username, network = db.rows(
            "SELECT username, network FROM users WHERE role = 'coordinator' ORDER BY username LIMIT 1"
        )[0]
        lat, lon, city = db.rows(
            "SELECT latitude, longitude, city FROM institutions WHERE network = ? AND latitude IS NOT NULL LIMIT 1",
            [network],
        )[0]
        app = apps.save(
            db,
            {
                "network": network,
                "institution_name": "Colegio Arco Iris",
                "city": city,
                "latitude": lat,
                "longitude": lon,
                "levels": ["primary"],
                "ownership": "private",
                "themes": ["gced"],
                "theme_plans": {"gced": "Pen friends."},
                "contact_name": "Eva",
                "contact_email": "eva@school.example",
            },
            submit=True,
        )
    code = app.record["reference"]
    at = app_as("app_pages/review.py", username)
    at.selectbox(key="review_pick").set_value(app.record["id"]).run()
    assert at.query_params["ref"] == code
    decision = at.radio(key=f"review_to_{app.record['id']}")
    assert decision.value is None and decision.options == ["Return for changes", "Recommend", "Decline"]
    press(at, "Confirm the decision")
    assert "Choose a decision." in [e.value for e in at.error]
    at.radio(key=f"review_to_{app.record['id']}").set_value("returned").run()
    box = at.text_area(key=f"review_comment_{app.record['id']}")
    assert box.label == "Comment for the applicant (required for this decision)"
    press(at, "Confirm the decision")
    assert any(e.value.startswith("Required") for e in at.error)
    at.radio(key=f"review_to_{app.record['id']}").set_value("recommended").run()
    assert at.text_area(key=f"review_comment_{app.record['id']}").label == "Comment for the applicant"
    at.text_area(key=f"review_comment_{app.record['id']}").input("A committed school.")
    press(at, "Confirm the decision")
    [done] = [s.value for s in at.success if "Decision recorded" in s.value]
    assert code in done and "Recommend" in done
    assert "ref" not in at.query_params and not at.main.subheader
    with open_database(scratch_copy) as db:
        assert apps.find(db, code, "eva@school.example").stage == "recommended"


def test_unesco_reads_the_recommendation_history_and_similar_members(app_as, scratch_copy):
    with open_database(scratch_copy) as db:
        network, name, city, member_id, lat, lon = db.rows(
            "SELECT network, name, city, id, latitude, longitude FROM institutions WHERE status = 'member' "
            "AND name = name_latin AND latitude IS NOT NULL ORDER BY id LIMIT 1"
        )[0]
        coordinator = db.scalar("SELECT username FROM users WHERE network = ?", [network])
        app = apps.save(
            db,
            {
                "network": network,
                "institution_name": name,
                "city": city,
                "latitude": lat,
                "longitude": lon,
                "levels": ["primary"],
                "ownership": "public",
                "themes": ["esd"],
                "theme_plans": {"esd": "Solar panels."},
                "contact_name": "Eva",
                "contact_email": "eva@school.example",
            },
            submit=True,
        )
        apps.move(
            db,
            Actor(coordinator, "coordinator", network),
            app.record["id"],
            "recommended",
            comment="Strong project, recommended.",
        )
    at = app_as("app_pages/review.py", "admin", ref=app.record["reference"])
    text = " ".join(m.value for m in at.markdown)
    assert "The National Coordinator's recommendation" in text and md("Strong project, recommended.") in text
    assert "Eva, the applicant, submitted the application." in text
    assert f"({md(coordinator)}) recommended it to UNESCO." in text
    [similar] = [w.value for w in at.warning if w.value.startswith("Similar institutions")]
    assert f"](institution?id={member_id})" in similar and app.record["reference"] not in similar
    assert at.radio(key=f"review_to_{app.record['id']}").value is None


def test_a_reference_of_another_network_or_garbage_shows_nothing(app_as, scratch_copy):
    with open_database(scratch_copy) as db:
        ((username, network),) = db.rows(
            "SELECT username, network FROM users WHERE role = 'coordinator' ORDER BY username LIMIT 1"
        )
        other = db.scalar("SELECT reference FROM applications WHERE network <> ? ORDER BY id LIMIT 1", [network])
    for ref in (other, "ASP-<script>", "'; DROP TABLE applications; --"):
        at = app_as("app_pages/review.py", username, ref=ref)
        assert [e.value for e in at.error][0].startswith("No application with the reference")
        assert not at.main.subheader

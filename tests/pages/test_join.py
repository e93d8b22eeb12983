"""AppTest of the Join pages: the application form (valid, invalid, honeypot), tracking, review."""

import re

from aspnet_data import applications as apps
from aspnet_data.db import open_database


def fill(at, db_path, *, email="ana@school.example", plans=True):
    with open_database(db_path) as db:
        network, city = db.rows("SELECT network, city FROM institutions ORDER BY id LIMIT 1")[0]
    at.selectbox(key="apply_f_network").set_value(network)
    at.text_input(key="apply_f_name").input("Escuela Nueva Esperanza")
    at.text_input(key="apply_f_city").input(city)
    at.multiselect(key="apply_f_levels").set_value(["primary"])
    at.multiselect(key="apply_f_themes").set_value(["esd"])
    if plans:
        at.text_area(key="apply_f_plan_esd").input("A school garden and a water audit.")
    at.text_input(key="apply_f_contact").input("Ana Pérez")
    at.text_input(key="apply_f_email").input(email)
    return network


def press(at, label):
    next(b for b in at.button if b.label == label).click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def test_a_valid_application_gets_a_reference_code(app_as, scratch_copy):
    at = app_as("pages/apply.py")
    network = fill(at, scratch_copy)
    press(at, "Submit the application")
    [success] = [s.value for s in at.success]
    code = re.search(r"ASP-[A-Z2-9]{10}", success).group(0)
    with open_database(scratch_copy) as db:
        app = apps.find(db, code, "ana@school.example")
        assert app.stage == "submitted" and app.record["network"] == network


def test_invalid_input_is_shown_next_to_the_fields_and_nothing_is_stored(app_as, scratch_copy):
    with open_database(scratch_copy) as db:
        before = db.scalar("SELECT count(*) FROM applications")
    at = app_as("pages/apply.py")
    fill(at, scratch_copy, email="not-an-email", plans=False)
    press(at, "Submit the application")
    errors = [e.value for e in at.error]
    assert "Not a valid email address." in errors and "Required." in errors
    assert not at.success
    assert at.text_input(key="apply_f_name").value == "Escuela Nueva Esperanza"   # input kept
    with open_database(scratch_copy) as db:
        assert db.scalar("SELECT count(*) FROM applications") == before


def test_the_honeypot_stores_nothing(app_as, scratch_copy):
    with open_database(scratch_copy) as db:
        before = db.scalar("SELECT count(*) FROM applications")
    at = app_as("pages/apply.py")
    fill(at, scratch_copy)
    at.text_input(key="apply_hp").input("http://spam.example")
    press(at, "Submit the application")
    with open_database(scratch_copy) as db:
        assert db.scalar("SELECT count(*) FROM applications") == before


def test_tracking_shows_the_stage_and_history(app_as, scratch_copy):
    with open_database(scratch_copy) as db:
        code, email, stage = db.rows("SELECT reference, contact_email, stage FROM applications "
                                     "WHERE stage = 'returned' LIMIT 1")[0]
    at = app_as("pages/status.py", session={"status_code": code, "status_email": email})
    assert any("asked for changes" in m.value for m in at.markdown)
    assert any(b.label == "Edit and resubmit" for b in at.button)


def test_tracking_with_a_wrong_email_reveals_nothing(app_as, scratch_copy):
    with open_database(scratch_copy) as db:
        code = db.scalar("SELECT reference FROM applications LIMIT 1")
    at = app_as("pages/status.py", session={"status_code": code, "status_email": "someone@else.example"})
    assert at.error and "No application matches" in at.error[0].value


def test_coordinator_queue_lists_own_submitted_applications_oldest_first(app_as, scratch_copy):
    with open_database(scratch_copy) as db:
        username, network = db.rows(
            """SELECT u.username, u.network FROM users u JOIN applications a ON a.network = u.network
               WHERE a.stage = 'submitted' GROUP BY ALL ORDER BY count(*) DESC LIMIT 1""")[0]
        expected = db.query("SELECT reference FROM applications WHERE network = ? AND stage = 'submitted' "
                            "ORDER BY submitted_at", [network])["reference"].to_list()
    at = app_as("pages/review.py", username)
    assert at.dataframe[0].value["reference"].tolist() == expected

"""AppTest of the annual report: the focal point's report on My school (saved at each change,
refused next to the field, submitted), the coordinator's Annual reports page (return, accept,
the network's schools, the national report), UNESCO's review of inactive members and the
calendar, the public profile's activities and the dashboard's reporting tab, in three languages
(each journey in one, the buttons it presses in all three)."""

from datetime import date

import pytest

from aspnet_data import reports
from aspnet_data.db import open_database, utc_now
from aspnet_data.permissions import Actor, pages_for
from ui.i18n import translate
from ui.safe import md

SUBMIT = {"en": "Submit the report", "fr": "Soumettre le rapport", "es": "Enviar el informe"}
ADD = {"en": "Add an activity", "fr": "Ajouter une activité", "es": "Añadir una actividad"}
SUBMITTED = {"en": "The report is submitted", "fr": "Le rapport est soumis", "es": "El informe está enviado"}
END_BEFORE = {lang: translate(lang, "error.end_before_start") for lang in ("en", "fr", "es")}
NO_ACTIVITY = {
    "en": "Add at least one activity.",
    "fr": "Ajoutez au moins une activité.",
    "es": "Añada al menos una actividad.",
}
ACCEPT = {"en": "Accept", "fr": "Accepter", "es": "Aceptar"}
RETURN = {"en": "Send back to the school", "fr": "Renvoyer à l'établissement", "es": "Devolver a la escuela"}


def press(at, label):
    next(b for b in at.button if b.label == label).click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def errors(at) -> list[str]:
    return [e.value for e in at.error]


def focal_school(path) -> tuple[str, int, str]:
    with open_database(path) as db:
        return db.rows(
            "SELECT u.username, u.institution_id, u.network FROM users u "
            "JOIN institutions i ON i.id = u.institution_id "
            "WHERE u.role = 'focal_point' AND NOT u.disabled AND u.last_login_at IS NOT NULL AND i.status = 'member' "
            "ORDER BY u.username LIMIT 1"
        )[0]


def current_year() -> int:
    return reports.Calendar().current_year(utc_now().date())


@pytest.mark.parametrize("lang", ["fr"])
def test_a_focal_point_fills_and_submits_the_report_of_the_school_year_under_way(app_as, scratch_copy, lang):
    username, iid, _ = focal_school(scratch_copy)
    at = app_as("app_pages/my_school.py", username, session={"lang": lang}, tab="report")
    year = current_year()
    picker = at.selectbox(key=f"ar{iid}_year")
    picker.select(picker.options[0]).run()  # by its label: the school year under way comes first
    base = f"ar{iid}_{year}_"
    press(at, ADD[lang])
    press(at, SUBMIT[lang])  # an empty activity and nothing else: refused, field by field
    assert NO_ACTIVITY[lang] in errors(at)
    cycle = reports.Calendar().cycle(year)
    at.text_input(key=base + "a0_title").input("Jardin <b>partagé</b>").run()
    with open_database(scratch_copy) as db:  # saved at once, as typed
        found = reports.report(db, Actor("admin", "admin"), iid, year)
        assert found.state == "draft" and found.activities[0]["title"] == "Jardin <b>partagé</b>"
    at.date_input(key=base + "a0_start_date").set_value(cycle.starts.replace(day=10)).run()
    at.date_input(key=base + "a0_end_date").set_value(cycle.starts.replace(day=3)).run()
    assert END_BEFORE[lang] in errors(at)  # next to the end date, and not saved
    at.date_input(key=base + "a0_end_date").set_value(cycle.starts.replace(day=12)).run()
    at.multiselect(key=base + "a0_themes").set_value(["esd"]).run()
    at.text_input(key=base + "a0_link").input("ecole.example/jardin").run()
    for theme in ("esd", "gced", "heritage"):
        for item in reports.ASSESSMENT_ITEMS:
            at.radio(key=f"{base}s_{theme}_{item}").set_value(3)
    at.checkbox(key=base + "contacts").check().run()
    press(at, SUBMIT[lang])
    assert not errors(at), errors(at)
    assert any(SUBMITTED[lang] in s.value for s in at.success)
    with open_database(scratch_copy) as db:
        found = reports.report(db, Actor("admin", "admin"), iid, year)
    assert found.state == "submitted" and found.activities[0]["link"] == "https://ecole.example/jardin"
    assert not [b for b in at.button if b.label == SUBMIT[lang]]  # read only while the coordinator reads it


def test_a_focal_point_has_no_coordinator_pages_and_my_school_is_always_their_own(app_as, scratch_copy):
    username, iid, _ = focal_school(scratch_copy)
    assert "reports" not in pages_for("focal_point") and "my_school" in pages_for("focal_point")
    mine = app_as("app_pages/my_school.py", username, id=str(iid + 1), tab="report")  # an id in the URL changes nothing
    assert mine.selectbox(key=f"ar{iid}_year") is not None


def _submitted(path, network: str) -> int:
    with open_database(path) as db:
        iid = db.scalar(
            "SELECT min(id) FROM institutions i WHERE network = ? AND status = 'member' "
            "AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.institution_id = i.id)",
            [network],
        )
        year = current_year()
        cycle = reports.Calendar().cycle(year)
        payload = {
            "activities": [{"title": "Semaine du climat", "themes": ["esd"], "start_date": cycle.starts}],
            "scores": {t: dict.fromkeys(reports.ASSESSMENT_ITEMS, 2) for t in ("esd", "gced", "heritage")},
            "contacts_confirmed": True,
        }
        found = reports.submit(db, Actor("admin", "admin"), iid, year, payload)
        return found.id, db.scalar("SELECT name FROM institutions WHERE id = ?", [iid])


def _a_network_with_silent_members(path) -> str:
    """The network with the most members that never reported."""
    with open_database(path) as db:
        return db.scalar(
            "SELECT network FROM institutions i WHERE status = 'member' "
            "AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.institution_id = i.id) "
            "GROUP BY network ORDER BY count(*) DESC, network LIMIT 1"
        )


def pick_report(at, name: str) -> None:
    box = at.selectbox(key="reports_pick")
    box.select(next(label for label in box.options if label.startswith(name))).run()


@pytest.mark.both_engines
@pytest.mark.parametrize("lang", ["es"])
def test_the_coordinator_returns_a_report_with_a_comment_then_accepts_it(app_as, scratch_copy, lang):
    network = _a_network_with_silent_members(scratch_copy)
    rid, name = _submitted(scratch_copy, network)
    at = app_as("app_pages/reports.py", f"coord.{network.lower()}", session={"lang": lang})
    pick_report(at, name)
    press(at, RETURN[lang])  # without a comment: refused next to it
    assert errors(at)
    at.text_area(key=f"decide_{rid}_comment").input("Ajoutez les dates, s'il vous plaît.").run()
    press(at, RETURN[lang])
    with open_database(scratch_copy) as db:
        assert db.rows("SELECT state, comment FROM reports WHERE id = ?", [rid])[0] == (
            "returned",
            "Ajoutez les dates, s'il vous plaît.",
        )
        found = reports.report_by_id(db, Actor("admin", "admin"), rid)
        reports.submit(db, Actor("admin", "admin"), found.institution_id, found.year,
                       {"activities": found.activities, "scores": found.scores, "contacts_confirmed": True},
                       version=found.version)  # fmt: skip
    at = app_as("app_pages/reports.py", f"coord.{network.lower()}", session={"lang": lang})
    pick_report(at, name)
    press(at, ACCEPT[lang])
    with open_database(scratch_copy) as db:
        assert db.scalar("SELECT state FROM reports WHERE id = ?", [rid]) == "accepted"


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_the_network_schools_and_the_national_report(page_as_coordinator, lang):
    schools = page_as_coordinator("schools", lang)
    assert len(schools.metric) == 4 and schools.dataframe
    national = page_as_coordinator("national", lang)
    downloads = national.get("download_button")
    assert len(downloads) == 2


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_the_report_journeys_buttons_are_in_each_language(app_as, scratch_copy, lang):
    """The journeys above, each in one language, press these buttons: here they are in all three."""
    username, iid, _ = focal_school(scratch_copy)
    at = app_as("app_pages/my_school.py", username, session={"lang": lang}, tab="report")
    picker = at.selectbox(key=f"ar{iid}_year")
    picker.select(picker.options[0]).run()
    assert {ADD[lang], SUBMIT[lang]} <= {b.label for b in at.button}
    network = _a_network_with_silent_members(scratch_copy)
    _, name = _submitted(scratch_copy, network)
    at = app_as("app_pages/reports.py", f"coord.{network.lower()}", session={"lang": lang})
    pick_report(at, name)
    assert {RETURN[lang], ACCEPT[lang]} <= {b.label for b in at.button}


@pytest.fixture()
def page_as_coordinator(app_as):
    def run(tab: str, lang: str):
        at = app_as("app_pages/reports.py", "coord.fra", session={"lang": lang}, tab=tab)
        assert not at.exception
        return at

    return run


def test_unesco_reviews_an_inactive_member_and_sets_the_calendar(app_as, scratch_copy):
    at = app_as("app_pages/reports.py", "admin", tab="inactive")
    picked = at.selectbox(key="inactive_pick").value
    press(at, "Record the decision")  # no decision chosen
    assert errors(at)
    at.radio(key="inactive_decision").set_value("keep").run()
    press(at, "Record the decision")
    with open_database(scratch_copy) as db:
        assert (
            db.scalar(
                "SELECT decision FROM inactive_reviews WHERE institution_id = ? ORDER BY decided_at DESC", [picked]
            )
            == "keep"
        )
    cal = app_as("app_pages/reports.py", "admin", tab="calendar")
    month = cal.selectbox(key="cal_due_month")
    month.select(month.options[1]).run()  # 02 · February
    cal.number_input(key="cal_due_day").set_value(30).run()
    press(cal, "Save the calendar")
    assert "That day does not exist in that month." in errors(cal)
    cal.number_input(key="cal_due_day").set_value(28).run()
    press(cal, "Save the calendar")
    with open_database(scratch_copy) as db:
        assert reports.calendar(db).due_month == 2 and reports.calendar(db).due_day == 28


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_accepted_activities_show_on_the_public_profile(page, _demo_file, lang):
    with open_database(_demo_file) as db:
        iid, title = db.rows(
            "SELECT r.institution_id, a.title FROM reports r JOIN report_activities a ON a.report_id = r.id "
            "WHERE r.state = 'accepted' ORDER BY r.year DESC, r.id, a.position LIMIT 1"
        )[0]
        draft_title = db.scalar(
            "SELECT a.title FROM reports r JOIN report_activities a ON a.report_id = r.id "
            "WHERE r.institution_id = ? AND r.state <> 'accepted' LIMIT 1",
            [iid],
        )
    at = page("app_pages/institution.py", lang=lang, id=str(iid))
    shown = " ".join(m.value for m in at.markdown)
    assert md(title) in shown  # as text (markdown's characters escaped)
    if draft_title and draft_title != title:
        assert md(draft_title) not in shown


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_the_dashboard_reporting_tab_is_for_staff(app_as, page, lang):
    at = app_as("app_pages/dashboard.py", "analyst", session={"lang": lang}, tab="reporting")
    assert len(at.metric) >= 4 + 4  # the headline, then the reporting cards
    public = page("app_pages/dashboard.py", lang=lang, tab="reporting")
    labels = {"en": "Annual reports", "fr": "Rapports annuels", "es": "Informes anuales"}
    assert labels[lang] not in [tab.label for tab in public.tabs]


def test_the_report_year_picker_offers_the_year_under_way_and_earlier_ones(scratch_copy):
    with open_database(scratch_copy) as db:
        iid = db.scalar("SELECT min(id) FROM institutions WHERE status = 'member' AND year_joined < 2015")
        years = [y["year"] for y in reports.years_of(db, iid, date(2026, 12, 3))]
    assert years == [2027, 2026, 2025, 2024, 2023]

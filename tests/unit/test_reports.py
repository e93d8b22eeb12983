"""The annual report: its calendar, what a school may type (and what is refused, next to which
field, with nothing stored), its life from draft to accepted through a return, the reminders,
the public activities, the inactive members and UNESCO's review, and the figures compiled from
the reports (checked against polars computations of the raw tables)."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import polars as pl
import pytest
from pypdf import PdfReader

from aspnet_data import accounts, focal_points, membership, national_report, quality, reporting, reports
from aspnet_data import todo as todo_summary
from aspnet_data.db import open_database
from aspnet_data.errors import Conflict, NotFound, PermissionDenied, TransitionRefused, ValidationFailed
from aspnet_data.permissions import Actor

ADMIN = Actor("admin", "admin")
ANALYST = Actor("analyst", "analyst")
NOW = datetime(2026, 12, 3, 10, 0)
TODAY = NOW.date()
YEAR = 2026  # the school year 2025-2026, due 2026-10-31: closed on TODAY
TABLES = ("reports", "report_activities", "report_scores", "outbox", "audit_log")


@pytest.fixture()
def db(scratch_copy):
    with open_database(scratch_copy) as database:
        yield database


@pytest.fixture()
def school(db):
    """(id, network, coordinator, focal point) of a member school without a report for YEAR."""
    iid, network = db.rows(
        "SELECT i.id, i.network FROM institutions i JOIN users u ON u.network = i.network AND u.role = 'coordinator' "
        "WHERE i.status = 'member' AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.institution_id = i.id) "
        "ORDER BY i.id LIMIT 1"
    )[0]
    coordinator = Actor(f"coord.{network.lower()}", "coordinator", network)
    invitation = focal_points.invite(
        db, coordinator, iid, display_name="Ana Pérez", email="ana@school.example", language="fr"
    )
    focal = focal_points.accept(db, invitation.token, "ana@school.example", "Garden-and-river-7").actor
    return iid, network, coordinator, focal


def activity(**overrides) -> dict:
    return {
        "title": "Clean-up of the river bank",
        "description": "Three classes and their families.",
        "themes": ["esd"],
        "start_date": "2026-03-02",
        "end_date": "2026-03-05",
        "pupils": "120",
        "teachers": 6,
        "partners": "Escuela Nueva Esperanza, Lima",
        "link": "www.school.example/river",
        **overrides,
    }


def complete(**overrides) -> dict:
    return {
        "activities": [activity()],
        "days": ["water", "environment"],
        "scores": {theme: dict.fromkeys(reports.ASSESSMENT_ITEMS, 3) for theme in ("esd", "gced", "heritage")},
        "contacts_confirmed": True,
        **overrides,
    }


def counts(db) -> dict[str, int]:
    return {t: db.scalar(f"SELECT count(*) FROM {t}") for t in TABLES}


def refused(db, call, *args, **kwargs) -> list:
    """The errors of a refused save, after checking that nothing was written."""
    before = counts(db)
    with pytest.raises(ValidationFailed) as failed:
        call(db, *args, **kwargs)
    assert counts(db) == before
    return [(e.field, e.code) for e in failed.value.errors]


# -- the calendar ------------------------------------------------------------------------------------


def test_the_default_calendar_is_the_school_year_ending_in_june_due_by_31_october():
    cal = reports.Calendar()
    cycle = cal.cycle(2026)
    assert (cycle.starts, cycle.ends, cycle.due) == (date(2025, 7, 1), date(2026, 6, 30), date(2026, 10, 31))
    assert cal.current_year(date(2026, 6, 30)) == 2026 and cal.current_year(date(2026, 7, 1)) == 2027
    assert cal.closed_years(date(2026, 10, 31), 2) == [2025, 2024]  # due day itself: still open
    assert cal.closed_years(date(2026, 11, 1), 2) == [2026, 2025]
    assert cycle.is_late(datetime(2026, 11, 1, 0, 1)) and not cycle.is_late(datetime(2026, 10, 31, 23, 59))


def test_a_calendar_year_school_is_due_the_next_spring():
    cycle = reports.Calendar(12, 3, 31).cycle(2026)
    assert (cycle.starts, cycle.ends, cycle.due) == (date(2026, 1, 1), date(2026, 12, 31), date(2027, 3, 31))


def test_admins_set_the_calendar_and_impossible_days_are_refused(db):
    with pytest.raises(PermissionDenied):
        reports.set_calendar(db, Actor("c", "coordinator", "FRA"), 6, 10, 31)
    assert [(e.field, e.code) for e in _errors(reports.set_calendar, db, ADMIN, 6, 2, 30)] == [
        ("due_day", "no_such_day")
    ]
    assert ("end_month", "out_of_range") in [
        (e.field, e.code) for e in _errors(reports.set_calendar, db, ADMIN, 13, 10, 1)
    ]
    assert reports.calendar(db) == reports.Calendar()  # nothing stored
    reports.set_calendar(db, ADMIN, "12", "3", "31")
    assert reports.calendar(db) == reports.Calendar(12, 3, 31)
    assert db.scalar("SELECT count(*) FROM audit_log WHERE action = 'report.calendar'") == 1


def _errors(call, *args):
    with pytest.raises(ValidationFailed) as failed:
        call(*args)
    return failed.value.errors


def test_the_shipped_international_days_have_a_name_in_each_language():
    days = reports.international_days()
    assert len(days) >= 40 and len({d["code"] for d in days}) == len(days)
    for day in days:
        assert day["name_en"] and day["name_fr"] and day["name_es"] and 1 <= day["month"] <= 12
    assert reports.day_name("mother_language", "fr") == "Journée internationale de la langue maternelle"


# -- what a school types ------------------------------------------------------------------------------


def test_an_activity_that_ends_before_it_starts_is_refused_next_to_its_end(db, school):
    iid, _, _, focal = school
    bad = {"activities": [activity(start_date="2026-03-05", end_date="2026-03-02")]}
    assert refused(db, reports.save_draft, focal, iid, YEAR, bad, now=NOW) == [
        ("activities.0.end_date", "end_before_start")
    ]


def test_a_report_for_a_future_year_and_dates_outside_the_year_are_refused(db, school):
    iid, _, _, focal = school
    assert refused(db, reports.save_draft, focal, iid, 2028, complete(), now=NOW) == [("year", "future_year")]
    outside = {"activities": [activity(start_date="2024-09-01", end_date="2024-09-02")]}
    errors = refused(db, reports.save_draft, focal, iid, YEAR, outside, now=NOW)
    assert errors == [("activities.0.start_date", "outside_year"), ("activities.0.end_date", "outside_year")]
    # The school year under way: nothing that has not happened yet.
    coming = {"activities": [activity(start_date="2027-01-10", end_date=None)]}
    assert refused(db, reports.save_draft, focal, iid, 2027, coming, now=NOW) == [
        ("activities.0.start_date", "in_future")
    ]


def test_oversize_unreadable_and_unknown_values_are_named(db, school):
    iid, _, _, focal = school
    payload = {
        "activities": [activity(title="x" * 201, description="y" * 4001, pupils="lots", themes=["gardening"])],
        "days": ["water", "talk_like_a_pirate"],
        "scores": {"esd": {"teaching": 5}},
    }
    errors = refused(db, reports.save_draft, focal, iid, YEAR, payload, now=NOW)
    assert set(errors) == {
        ("activities.0.title", "too_long"),
        ("activities.0.description", "too_long"),
        ("activities.0.themes", "unknown_choice"),
        ("activities.0.pupils", "out_of_range"),
        ("days", "unknown_choice"),
        ("scores.esd.teaching", "out_of_range"),
    }


def test_an_incomplete_report_is_not_submitted_and_says_what_is_missing(db, school):
    iid, _, _, focal = school
    errors = refused(
        db, reports.submit, focal, iid, YEAR, {"activities": [], "scores": {"esd": {"teaching": 2}}}, now=NOW
    )
    assert ("activities", "no_activity") in errors and ("contacts_confirmed", "confirm_contacts") in errors
    assert ("scores.esd.teaching", "required") not in errors and ("scores.heritage.learners", "required") in errors
    # An activity without a start or a theme may wait in a draft, not in a submitted report.
    errors = refused(
        db, reports.submit, focal, iid, YEAR, complete(activities=[activity(start_date=None, themes=[])]), now=NOW
    )
    assert {("activities.0.start_date", "required"), ("activities.0.themes", "choose_one")} <= set(errors)


def test_hostile_text_is_kept_as_typed_and_a_bare_website_gains_https(db, school):
    iid, _, _, focal = school
    hostile = '<script>alert(1)</script> **bold** =HYPERLINK("http://x")'
    saved = reports.save_draft(
        db, focal, iid, YEAR, {"activities": [activity(title=hostile, description=hostile)]}, now=NOW
    )
    assert saved.activities[0]["title"] == hostile and saved.activities[0]["description"] == hostile
    assert saved.activities[0]["link"] == "https://www.school.example/river"
    assert saved.activities[0]["pupils"] == 120 and saved.state == "draft"


# -- the report's life ----------------------------------------------------------------------------------


def test_draft_submit_return_resubmit_accept(db, school):
    iid, network, coordinator, focal = school
    draft = reports.save_draft(db, focal, iid, YEAR, {"activities": [activity()]}, now=NOW)
    assert (draft.state, draft.version, draft.submitted_at) == ("draft", 1, None)
    submitted = reports.submit(db, focal, iid, YEAR, complete(), version=draft.version, now=NOW)
    assert submitted.state == "submitted" and submitted.first_submitted_at == NOW
    assert reports.calendar(db).cycle(YEAR).is_late(submitted.first_submitted_at)  # due 2026-10-31
    queue = reports.waiting(db, coordinator, network, now=NOW + timedelta(days=3))
    assert queue.filter(pl.col("id") == submitted.id)["age_days"].to_list() == [3]
    with pytest.raises(TransitionRefused):  # submitted: not the school's to change now
        reports.save_draft(db, focal, iid, YEAR, complete(), version=submitted.version, now=NOW)
    with pytest.raises(ValidationFailed) as no_comment:
        reports.decide(db, coordinator, submitted.id, "returned", comment="  \u200b ")
    assert [(e.field, e.code) for e in no_comment.value.errors] == [("comment", "required")]
    returned = reports.decide(db, coordinator, submitted.id, "returned", comment="Add the partner school's town.")
    assert (returned.state, returned.comment, returned.decided_by) == (
        "returned",
        "Add the partner school's town.",
        coordinator.username,
    )
    to, subject, body = db.rows("SELECT to_email, subject, body FROM outbox ORDER BY id DESC LIMIT 1")[0]
    assert to == "ana@school.example" and subject.startswith("réSEAU") and "Add the partner school's town." in body
    later = NOW + timedelta(days=5)
    again = reports.submit(db, focal, iid, YEAR, complete(), version=returned.version, now=later)
    assert again.state == "submitted" and again.comment is None
    assert (again.first_submitted_at, again.submitted_at) == (NOW, later)  # late or not: the first one
    assert reports.waiting(db, coordinator, network, now=later).filter(pl.col("id") == again.id)[
        "resubmitted"
    ].to_list() == [True]
    accepted = reports.decide(db, coordinator, again.id, "accepted")
    assert accepted.state == "accepted"
    with pytest.raises(TransitionRefused):
        reports.decide(db, coordinator, again.id, "returned", comment="Too late")
    actions = [
        a
        for (a,) in db.rows(
            "SELECT action FROM audit_log WHERE entity = 'reports' AND entity_id = ? ORDER BY id", [str(again.id)]
        )
    ]
    assert actions == ["report.save", "report.submit", "report.return", "report.submit", "report.accept"]
    shown = reports.public_activities(db, iid)
    assert shown.columns == ["title", "themes", "year", "link"]
    assert shown.rows() == [("Clean-up of the river bank", ["esd"], YEAR, "https://www.school.example/river")]


def test_a_stale_version_or_a_second_report_for_the_same_year_is_a_conflict_and_loses_nothing(db, school):
    iid, _, _, focal = school
    first = reports.save_draft(db, focal, iid, YEAR, {"activities": [activity(title="First")]}, now=NOW)
    with pytest.raises(Conflict):  # a second report for the year: there is one already
        reports.save_draft(db, focal, iid, YEAR, {"activities": [activity(title="Second")]}, version=0, now=NOW)
    with pytest.raises(Conflict):
        reports.save_draft(
            db, focal, iid, YEAR, {"activities": [activity(title="Old")]}, version=first.version - 1, now=NOW
        )
    stored = reports.report(db, focal, iid, YEAR)
    assert [a["title"] for a in stored.activities] == ["First"] and stored.version == first.version
    assert db.scalar("SELECT count(*) FROM reports WHERE institution_id = ?", [iid]) == 1


def test_a_focal_point_reads_and_writes_only_their_own_school(db, school):
    iid, network, _, focal = school
    other = db.scalar(
        "SELECT min(id) FROM institutions WHERE network = ? AND id <> ? AND status <> 'withdrawn'", [network, iid]
    )
    for call in (
        lambda: reports.report(db, focal, other, YEAR),
        lambda: reports.save_draft(db, focal, other, YEAR, complete(), now=NOW),
        lambda: reports.submit(db, focal, other, YEAR, complete(), now=NOW),
        lambda: reports.waiting(db, focal, network),
        lambda: reports.network_reports(db, focal, network, YEAR),
    ):
        with pytest.raises(PermissionDenied):
            call()
    rid = reports.submit(db, focal, iid, YEAR, complete(), now=NOW).id
    with pytest.raises(PermissionDenied):
        reports.decide(db, focal, rid, "accepted")
    with pytest.raises(NotFound):
        reports.report_by_id(db, focal, 10**9)


def test_a_withdrawn_school_writes_no_report(db, school):
    iid, _, coordinator, focal = school
    membership.withdraw(db, coordinator, iid, "closed")
    for actor in (coordinator, focal):
        assert refused(db, reports.save_draft, actor, iid, YEAR, complete(), now=NOW) == [
            ("institution", "already_withdrawn")
        ]
    assert accounts.get_user(db, focal.username).disabled  # its focal point's account ended with it


# -- reminders ---------------------------------------------------------------------------------------------


def test_reminders_go_once_a_month_before_the_deadline_and_once_after_it(db, school):
    iid, _, _, focal = school
    db.write(lambda cur: cur.execute("DELETE FROM report_reminders"))
    assert reports.send_reminders(db, today=date(2027, 9, 29)) == 0  # more than a month before 2027-10-31
    before = reports.send_reminders(db, today=date(2027, 10, 1))
    assert before > 0 and reports.send_reminders(db, today=date(2027, 10, 20)) == 0
    mail = db.rows(
        "SELECT to_email, subject, body FROM outbox WHERE to_email = 'ana@school.example' ORDER BY id DESC LIMIT 1"
    )
    assert mail and "2027" in mail[0][1] and mail[0][1].startswith("réSEAU") and "/my_school" in mail[0][2]
    # A school that submitted is not reminded after the deadline; the others are, once.
    reports.submit(db, focal, iid, 2027, complete(activities=[activity(start_date="2027-03-01", end_date=None)]),
                   now=datetime(2027, 10, 2))  # fmt: skip
    after = reports.send_reminders(db, today=date(2027, 11, 2))
    assert after > 0 and reports.send_reminders(db, today=date(2027, 11, 3)) == 0
    assert not db.rows(
        "SELECT 1 FROM report_reminders WHERE institution_id = ? AND year = 2027 AND kind = 'after'", [iid]
    )
    condition = reports.expected_sql().replace("$year", "2027").replace("$ends", "DATE '2027-06-30'")
    reachable = db.scalar(
        f"SELECT count(*) FROM institutions i WHERE i.status IN ('candidate', 'member') AND {condition} "
        "AND (i.email IS NOT NULL OR EXISTS (SELECT 1 FROM users u WHERE u.institution_id = i.id "
        "AND u.role = 'focal_point' AND NOT u.disabled AND u.email IS NOT NULL))"
    )
    reminded = dict(db.rows("SELECT kind, count(*) FROM report_reminders WHERE year = 2027 GROUP BY kind"))
    # Every school that must report and can be reached, once; after the deadline, all but the one that submitted.
    assert reminded == {"before": reachable, "after": reachable - 1}


# -- inactive members ----------------------------------------------------------------------------------------


def test_inactive_members_are_those_without_an_accepted_report_in_the_two_closed_cycles(db):
    listed = reports.inactive(db, ADMIN, today=TODAY, pending_only=False)
    members = pl.DataFrame(
        db.rows("SELECT id, year_joined, created_at FROM institutions WHERE status = 'member'"),
        schema=["id", "year_joined", "created_at"],
        orient="row",
    ).filter((pl.col("year_joined") <= 2025) | (pl.col("created_at").dt.date() <= date(2025, 6, 30)))
    accepted = pl.DataFrame(
        db.rows("SELECT institution_id FROM reports WHERE state = 'accepted' AND year IN (2025, 2026)"),
        schema=["id"],
        orient="row",
    )
    silent = members.join(accepted, on="id", how="anti")
    assert sorted(listed["id"].to_list()) == sorted(silent["id"].to_list())
    pending = reports.inactive(db, ADMIN, today=TODAY)
    assert 0 < pending.height < listed.height  # most were reviewed already in the demo
    network = pending["network"][0]
    assert set(reports.inactive(db, ADMIN, network, today=TODAY)["network"]) == {network}


def test_the_coordinators_data_quality_list_holds_the_networks_inactive_members_even_when_reviewed(db):
    pending = reports.inactive(db, ADMIN, today=TODAY)
    school, network = pending["id"][0], pending["network"][0]
    coordinator = Actor(f"coord.{network.lower()}", "coordinator", network)
    reports.review_inactive(db, ADMIN, school, "keep", today=TODAY)
    todo = quality.todo(db, coordinator, network, now=NOW)
    everyone = reports.inactive(db, ADMIN, network, today=TODAY, pending_only=False)
    assert school in todo.inactive["id"].to_list()  # UNESCO kept it; its coordinator still chases the report
    assert todo.inactive["id"].to_list() == everyone["id"].to_list()
    assert todo.totals["inactive"] == everyone.height
    assert todo_summary.summary(db, coordinator, now=NOW).quality["inactive"] == everyone.height
    other = next(code for code in pending["network"].to_list() if code != network)
    with pytest.raises(PermissionDenied):
        quality.todo(db, coordinator, other, now=NOW)


def test_unesco_keeps_contacts_or_withdraws_an_inactive_member_audited(db):
    pending = reports.inactive(db, ADMIN, today=TODAY)
    keep, contact, withdraw = pending["id"].to_list()[:3]
    reports.review_inactive(db, ADMIN, keep, "keep", today=TODAY)
    before = db.scalar("SELECT count(*) FROM outbox")
    reports.review_inactive(db, ADMIN, contact, "contact", comment="Is the school still open?", today=TODAY)
    assert db.scalar("SELECT count(*) FROM outbox") > before
    assert "Is the school still open?" in db.rows("SELECT body FROM outbox ORDER BY id DESC LIMIT 1")[0][0]
    assert [(e.field, e.code) for e in _errors(reports.review_inactive, db, ADMIN, withdraw, "withdraw")] == [
        ("comment", "required")
    ]
    reports.review_inactive(db, ADMIN, withdraw, "withdraw", comment="Closed in 2025.", today=TODAY)
    assert membership.standing(db, withdraw).status == "withdrawn"
    assert membership.history(db, withdraw)["reason"].to_list()[-1] == "inactive"
    left = set(reports.inactive(db, ADMIN, today=TODAY)["id"])
    assert not {keep, contact, withdraw} & left
    assert [(e.field, e.code) for e in _errors(reports.review_inactive, db, ADMIN, keep, "keep")] == [
        ("institution", "not_inactive")
    ]
    actions = [a for (a,) in db.rows("SELECT action FROM audit_log WHERE action LIKE 'inactive.%' ORDER BY id")]
    assert actions == ["inactive.keep", "inactive.contact", "inactive.withdraw"]


# -- the figures -----------------------------------------------------------------------------------------------


def _raw(db):
    schools = pl.DataFrame(
        db.rows("SELECT id, network, status, year_joined, withdrawn_year, created_at, themes FROM institutions"),
        schema=["id", "network", "status", "year_joined", "withdrawn_year", "created_at", "themes"],
        orient="row",
    )
    rows = pl.DataFrame(
        db.rows("SELECT institution_id, year, state, first_submitted_at FROM reports"),
        schema=["id", "year", "state", "first"],
        orient="row",
    )
    return schools, rows


def test_the_reporting_shares_match_an_independent_count_of_the_raw_tables(db):
    figures = reporting.reporting(db, ANALYST, today=TODAY)
    assert figures.years == [2024, 2025, 2026, 2027]
    schools, rows = _raw(db)
    cal = reports.calendar(db)
    for year in (2024, 2025, 2026):
        cycle = cal.cycle(year)
        expected = schools.filter(
            ((pl.col("year_joined") <= year).fill_null(False) | (pl.col("created_at").dt.date() <= cycle.ends))
            & ~((pl.col("status") == "withdrawn") & (pl.col("withdrawn_year").fill_null(0) <= year))
        )
        joined = expected.join(rows.filter(pl.col("year") == year), on="id", how="left")
        on_time = joined.filter(pl.col("first").dt.date() <= cycle.due).height
        late = joined.filter(pl.col("first").dt.date() > cycle.due).height
        accepted = joined.filter(pl.col("state") == "accepted").height
        got = reporting.shares(figures.by_network, ["year"]).filter(pl.col("year") == year).row(0, named=True)
        assert (got["expected"], got["on_time"], got["late"], got["accepted"]) == (
            expected.height,
            on_time,
            late,
            accepted,
        )
        esd = joined.filter(pl.col("themes").list.contains("esd"))
        by_theme = figures.by_theme.filter((pl.col("year") == year) & (pl.col("theme") == "esd"))
        assert (
            by_theme["expected"].sum() == esd.height and by_theme["reported"].sum() == esd["first"].drop_nulls().len()
        )
    # Shares by region follow the regions' habits (European networks report most, African least).
    regions = reporting.shares(figures.by_network.filter(pl.col("year") == 2025), ["region"])
    share = dict(zip(regions["region"], regions["reported_share"], strict=True))
    assert share["EUR"] > share["AFR"] + 0.15


def test_the_pipeline_counts_proposals_and_confirmations_per_year(db):
    figures = reporting.reporting(db, ANALYST, today=TODAY)
    events = pl.DataFrame(
        db.rows("SELECT action, occurred_at FROM membership_events"), schema=["action", "at"], orient="row"
    ).with_columns(pl.col("at").dt.year().alias("year"))
    for row in figures.pipeline.iter_rows(named=True):
        of_year = events.filter(pl.col("year") == row["year"])
        assert row["proposed"] == of_year.filter(pl.col("action") == "proposed").height
        assert row["confirmed"] == of_year.filter(pl.col("action") == "confirmed").height
    confirmed = figures.pipeline.filter(pl.col("confirmed") > 0)
    assert confirmed.height and confirmed["median_months"].min() >= 24  # a candidacy of two years at least


def test_the_national_report_counts_the_accepted_reports_in_pdf_and_excel(db):
    network = db.scalar(
        "SELECT network FROM reports WHERE year = 2025 AND state = 'accepted' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
    )
    coordinator = Actor(f"coord.{network.lower()}", "coordinator", network)
    compiled = national_report.compile_report(db, coordinator, network, 2025)
    accepted = db.scalar(
        "SELECT count(*) FROM reports WHERE network = ? AND year = 2025 AND state = 'accepted'", [network]
    )
    activities = db.scalar(
        "SELECT count(*) FROM report_activities a JOIN reports r ON r.id = a.report_id "
        "WHERE r.network = ? AND r.year = 2025 AND r.state = 'accepted'",
        [network],
    )
    assert compiled.figures["accepted"] == accepted and compiled.figures["activities"] == activities
    assert compiled.figures["on_time"] + compiled.figures["late"] == compiled.figures["received"]
    assert (
        compiled.scores.height == 12 and 1 <= compiled.scores["average"].min() <= compiled.scores["average"].max() <= 4
    )
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(national_report.pdf(compiled, "fr"))).pages)
    assert "Rapport national réSEAU 2025" in text and "Rapports acceptés" in text
    book = national_report.excel(compiled, "es")
    summary = pl.read_excel(io.BytesIO(book), sheet_name="Resumen", has_header=False)
    assert summary[0, 0] == "Informe nacional redPEA 2025"
    listed = pl.read_excel(io.BytesIO(book), sheet_name="Actividades")
    assert listed.height == compiled.activities.height >= activities  # an activity of two themes, twice
    with pytest.raises(PermissionDenied):
        national_report.compile_report(
            db, Actor("x", "coordinator", "ZZZ" if network != "ZZZ" else "AAA"), network, 2025
        )


def test_a_formula_typed_as_a_title_stays_text_in_the_workbook(db, school):
    iid, network, coordinator, focal = school
    formula = '=HYPERLINK("http://evil.example","click")'
    rid = reports.submit(db, focal, iid, YEAR, complete(activities=[activity(title=formula)]), now=NOW).id
    reports.decide(db, coordinator, rid, "accepted")
    book = national_report.excel(national_report.compile_report(db, coordinator, network, YEAR), "en")
    import zipfile

    with zipfile.ZipFile(io.BytesIO(book)) as archive:
        sheet = archive.read("xl/worksheets/sheet2.xml").decode()
    assert "<f>" not in sheet  # written as a string, never as a formula

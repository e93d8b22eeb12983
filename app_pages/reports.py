"""Annual reports: the coordinator reads the reports the network's schools submitted, accepts
or returns each with a comment, follows who reported for a year and downloads the national
report; UNESCO also reviews the members that stopped reporting and sets the calendar."""

import polars as pl
import streamlit as st

from aspnet_data import national_report, reports
from aspnet_data.certificates import MONTHS
from aspnet_data.db import utc_now
from aspnet_data.errors import Conflict, FieldError, NotFound, PermissionDenied, TransitionRefused, ValidationFailed
from aspnet_data.permissions import can
from ui import annual_report, data
from ui.auth import current_actor
from ui.coordinators import pick_network
from ui.forms import field_errors
from ui.i18n import LANGUAGE_NAMES, current_language, named, number, percent, t
from ui.layout import figure_cards, url_tabs
from ui.safe import md
from ui.tables import height_for

lang = current_language()
network = pick_network("decide_report")
countries = dict(data.network_countries(lang))
db, actor = data.db(), current_actor()
staff = can(actor, "review_inactive")
st.title(t("reports.title", country=md(countries.get(network, network))))
st.caption(t("reports.intro"))
today = utc_now().date()
cal = reports.calendar(db)
current = cal.current_year(today)
years = list(range(current, current - 6, -1))
labels = {
    "waiting": t("reports.tab_waiting"),
    "schools": t("reports.tab_schools"),
    "national": t("reports.tab_national"),
}
if staff:
    labels |= {"inactive": t("reports.tab_inactive"), "calendar": t("reports.tab_calendar")}
tabs = url_tabs(labels, key="reports_tab")


def _year_picker(key: str) -> int:
    default = cal.default_year(today)
    names = {y: t("reports.year_option", start=y - 1, end=y, due=cal.cycle(y).due.isoformat()) for y in years}
    return st.selectbox(t("report.year"), years, index=years.index(default), key=key, format_func=named(names))


def _decision(found: reports.Report) -> None:
    """Accept, or return with a comment (required), a submitted report."""
    key = f"decide_{found.id}"
    errors = st.session_state.get(f"{key}_errors") or []
    st.text_area(
        t("reports.comment"), key=f"{key}_comment", max_chars=reports.COMMENT_LIMIT, help=t("reports.comment_help")
    )
    field_errors(errors, "comment")
    accept, send_back = st.columns(2)
    choice = None
    if accept.button(t("reports.accept"), type="primary", icon=":material/check:", key=f"{key}_accept"):
        choice = "accepted"
    if send_back.button(t("reports.return"), icon=":material/undo:", key=f"{key}_return"):
        choice = "returned"
    if choice is None:
        return
    try:
        reports.decide(db, actor, int(found.id or 0), choice, comment=st.session_state.get(f"{key}_comment"),
                       version=found.version)  # fmt: skip
    except ValidationFailed as failed:
        st.session_state[f"{key}_errors"] = failed.errors
    except (Conflict, TransitionRefused):
        st.session_state[f"{key}_errors"] = [FieldError("comment", "report_changed")]
    else:
        st.session_state.pop(f"{key}_errors", None)
        st.session_state["reports_notice"] = t(f"reports.done_{choice}")
        data.send_mail()  # the school's focal points hear of it
    st.rerun()


notice = st.session_state.pop("reports_notice", None)
if notice:
    st.success(notice, icon=":material/check_circle:")

if tabs["waiting"].open:
    with tabs["waiting"]:
        queue = reports.waiting(db, actor, network)
        if queue.is_empty():
            st.info(t("reports.none_waiting"), icon=":material/inbox:")
        else:
            st.caption(t("reports.waiting_count", count=queue.height))
            shown = queue.select(
                "name",
                "city",
                "year",
                pl.col("submitted_at").dt.strftime("%Y-%m-%d"),
                "age_days",
                pl.when(pl.col("resubmitted"))
                .then(pl.lit(t("reports.resubmitted")))
                .otherwise(pl.lit(""))
                .alias("note"),
            )
            st.dataframe(
                shown,
                hide_index=True,
                width="stretch",
                height=height_for(shown, rows=8),
                column_config={
                    "name": t("reports.col_school"),
                    "city": t("reports.col_city"),
                    "year": t("reports.col_year"),
                    "submitted_at": t("reports.col_submitted"),
                    "age_days": st.column_config.NumberColumn(t("reports.col_age"), format="%d"),
                    "note": t("reports.col_note"),
                },
            )
            ids = queue["id"].to_list()
            names = {
                row["id"]: f"{row['name']} · {row['year']} · {t('reports.age', days=row['age_days'])}"
                for row in queue.iter_rows(named=True)
            }
            picked = st.selectbox(t("reports.open"), ids, format_func=named(names), key="reports_pick")
            try:
                found = reports.report_by_id(db, actor, int(picked))
            except (NotFound, PermissionDenied):
                st.error(t("manage.not_allowed"))
            else:
                with st.container(border=True):
                    st.markdown(f"### {md(names[picked])}")
                    annual_report.view(found)
                    _decision(found)

if tabs["schools"].open:
    with tabs["schools"]:
        year = _year_picker("reports_year")
        rows = reports.network_reports(db, actor, network, year)
        received = rows.filter(pl.col("submitted_at").is_not_null())
        late = int(received["late"].sum() or 0)
        accepted = rows.filter(pl.col("state") == "accepted").height
        expected = rows.height
        figure_cards(
            [
                (t("reports.fig_expected"), number(expected)),
                (t("reports.fig_on_time"), number(received.height - late)),
                (t("reports.fig_late"), number(late)),
                (t("reports.fig_accepted"), f"{number(accepted)} ({percent(accepted / expected if expected else 0)})"),
            ]
        )
        if today > cal.cycle(year).due:
            missing = expected - received.height
            st.caption(t("reports.missing", count=missing, due=cal.cycle(year).due.isoformat()))
        states = {s: annual_report.state_label(s) for s in reports.STATES}
        shown = rows.select(
            "name",
            "city",
            pl.col("state").replace_strict(states, default=annual_report.state_label(None)),
            pl.col("submitted_at").dt.strftime("%Y-%m-%d").fill_null("—"),
            pl.when(pl.col("late")).then(pl.lit(t("reports.late"))).otherwise(pl.lit("")).alias("late"),
            "activities",
        )
        st.dataframe(
            shown,
            hide_index=True,
            width="stretch",
            height=height_for(shown),
            column_config={
                "name": t("reports.col_school"),
                "city": t("reports.col_city"),
                "state": t("reports.col_state"),
                "submitted_at": t("reports.col_submitted"),
                "late": t("reports.col_late"),
                "activities": t("reports.col_activities"),
            },
        )
        with_report = rows.filter(pl.col("report_id").is_not_null())
        if with_report.height:
            names = dict(zip(with_report["report_id"], with_report["name"], strict=True))
            picked = st.selectbox(
                t("reports.open_school"), list(names), index=None, format_func=named(names), key="reports_school"
            )
            if picked is not None:
                with st.container(border=True):
                    annual_report.view(reports.report_by_id(db, actor, int(picked)))

if tabs["national"].open:
    with tabs["national"]:
        st.caption(t("reports.national_intro"))
        year = _year_picker("national_year")
        language = (
            st.segmented_control(
                t("reports.national_language"),
                list(LANGUAGE_NAMES),
                default=lang,
                format_func=LANGUAGE_NAMES.get,
                key="national_lang",
            )
            or lang
        )
        compiled = national_report.compile_report(db, actor, network, year)
        f = compiled.figures
        figure_cards(
            [
                (t("reports.fig_expected"), number(f["expected"])),
                (t("reports.fig_received"), number(f["received"])),
                (t("reports.fig_accepted"), number(f["accepted"])),
                (t("reports.fig_activities"), number(f["activities"])),
            ]
        )
        stem = f"aspnet-national-report-{network}-{year}-{language}"
        pdf_col, xlsx_col = st.columns(2)
        pdf_col.download_button(
            t("reports.download_pdf"),
            national_report.pdf(compiled, language),
            file_name=f"{stem}.pdf",
            mime="application/pdf",
            icon=":material/picture_as_pdf:",
            key="national_pdf",
            on_click="ignore",
        )
        xlsx_col.download_button(
            t("reports.download_excel"),
            national_report.excel(compiled, language),
            file_name=f"{stem}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            icon=":material/table_view:",
            key="national_xlsx",
            on_click="ignore",
        )

if staff and tabs["inactive"].open:
    with tabs["inactive"]:
        later, earlier = cal.closed_years(today, 2)
        st.caption(t("reports.inactive_intro", earlier=earlier, later=later))
        listed = reports.inactive(db, actor)
        if listed.is_empty():
            st.success(t("reports.inactive_none"), icon=":material/check_circle:")
        else:
            st.caption(t("reports.inactive_count", count=listed.height))
            shown = listed.select(
                pl.col("network").replace_strict(countries, default=pl.col("network")),
                "name",
                "city",
                pl.col("last_accepted").cast(pl.String).fill_null("—"),
                pl.col("member_since").cast(pl.String).fill_null("—"),
            )
            st.dataframe(
                shown,
                hide_index=True,
                width="stretch",
                height=height_for(shown, rows=10),
                column_config={
                    "network": t("reports.col_network"),
                    "name": t("reports.col_school"),
                    "city": t("reports.col_city"),
                    "last_accepted": t("reports.col_last_accepted"),
                    "member_since": t("reports.col_member_since"),
                },
            )
            names = {
                row["id"]: f"{row['name']} · {countries.get(row['network'], row['network'])}"
                for row in listed.iter_rows(named=True)
            }
            picked = st.selectbox(
                t("reports.inactive_pick"), list(names), format_func=named(names), key="inactive_pick"
            )
            errors = st.session_state.get("inactive_errors") or []
            decision = st.radio(
                t("reports.inactive_decision"),
                reports.INACTIVE_DECISIONS,
                index=None,
                format_func=named({d: t(f"reports.inactive.{d}") for d in reports.INACTIVE_DECISIONS}),
                key="inactive_decision",
            )
            field_errors(errors, "decision")
            st.text_area(t("reports.comment"), key="inactive_comment", max_chars=reports.COMMENT_LIMIT,
                         help=t("reports.inactive_comment_help"))  # fmt: skip
            field_errors(errors, "comment")
            field_errors(errors, "institution")
            if st.button(t("reports.inactive_confirm"), type="primary", key="inactive_go"):
                try:
                    if decision is None:
                        raise ValidationFailed([FieldError("decision", "choose_decision")])
                    reports.review_inactive(
                        db, actor, int(picked), decision, comment=st.session_state.get("inactive_comment")
                    )
                except ValidationFailed as failed:
                    st.session_state["inactive_errors"] = failed.errors
                else:
                    st.session_state.pop("inactive_errors", None)
                    for key in ("inactive_decision", "inactive_comment"):
                        st.session_state.pop(key, None)
                    st.session_state["reports_notice"] = t(f"reports.inactive_done.{decision}", name=md(names[picked]))
                    data.send_mail()
                st.rerun()

if staff and tabs["calendar"].open:
    with tabs["calendar"]:
        st.caption(t("reports.calendar_intro"))
        errors = st.session_state.get("calendar_errors") or []
        months = list(range(1, 13))

        def month_name(m: int) -> str:
            return f"{m:02d} · {MONTHS[lang][m - 1]}"

        end_month = st.selectbox(t("reports.end_month"), months, index=cal.end_month - 1, format_func=month_name,
                                 key="cal_end")  # fmt: skip
        field_errors(errors, "end_month")
        due_month, due_day = st.columns(2)
        picked_month = due_month.selectbox(t("reports.due_month"), months, index=cal.due_month - 1,
                                           format_func=month_name, key="cal_due_month")  # fmt: skip
        picked_day = due_day.number_input(t("reports.due_day"), 1, 31, value=cal.due_day, step=1, key="cal_due_day")
        with due_day:
            field_errors(errors, "due_day")
        example = reports.Calendar(end_month, picked_month, int(picked_day))
        try:
            cycle = example.cycle(current)
            st.caption(t("reports.calendar_example", start=cycle.starts.isoformat(), end=cycle.ends.isoformat(),
                         due=cycle.due.isoformat()))  # fmt: skip
        except ValueError:
            pass
        if st.button(t("reports.calendar_save"), type="primary", key="cal_save"):
            try:
                reports.set_calendar(db, actor, end_month, picked_month, picked_day)
            except ValidationFailed as failed:
                st.session_state["calendar_errors"] = failed.errors
            else:
                st.session_state.pop("calendar_errors", None)
                st.session_state["reports_notice"] = t("reports.calendar_saved")
            st.rerun()

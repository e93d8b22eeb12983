"""Dashboard: coverage by priority theme, gaps, change over time and (staff) the application funnel
and the annual reporting."""

import streamlit as st

from aspnet_data import reports
from aspnet_data.permissions import can
from aspnet_data.vocab import THEMES
from ui import charts, dashboard_figures, data, filters, reporting_figures
from ui.auth import current_actor
from ui.i18n import current_language, t
from ui.layout import as_of_caption, url_tabs

TABS = ("coverage", "countries", "gaps", "change", "applications", "reporting")  # ?tab= values, in tab order
STAFF_TABS = {"applications", "reporting"}

lang = current_language()
actor = current_actor()
staff = can(actor, "read_staff_figures")
st.title(t("dash.title"))
st.caption(t("dash.intro"))
sel, _ = filters.selection_panel(
    search=False, facets=("region", "country", "level", "ownership", "status"), page_keys=("tab",)
)
with st.spinner(t("dash.loading")):
    dash = data.dashboard(sel)
regions = data.region_names(lang)
levels = dashboard_figures.level_names()

dashboard_figures.headline(dash)
as_of_caption(dash.as_of, dash.data_version)
if not staff:
    st.caption(t("dash.staff_note"))

# Only the open tab runs (each tab switch reruns the page); the open one is kept in the URL.
tabs = url_tabs({code: t(f"dash.tab_{code}") for code in TABS if staff or code not in STAFF_TABS}, key="dash_tab")
if tabs["coverage"].open:
    with tabs["coverage"]:
        st.subheader(t("dash.theme_by_region"))
        dashboard_figures.theme_shares(
            dash.theme_by_region,
            "region",
            regions,
            [regions[r] for r in dash.theme_by_region["region"]],
            t("common.region"),
            name="theme-by-region",
            table_key="theme_region",
            alt_text=t("dash.theme_by_region"),
        )
        st.caption(t("dash.share_definition"))

        st.subheader(t("dash.theme_by_level"))
        dashboard_figures.theme_shares(
            dash.theme_by_level,
            "level",
            levels,
            [levels[c] for c in dash.levels],
            t("facet.level"),
            name="theme-by-level",
            table_key="theme_level",
            alt_text=t("dash.theme_by_level"),
        )

# The country map in a tab of its own: the map library is loaded only by those who open it, not
# with every first view of the dashboard.
if tabs["countries"].open:
    with tabs["countries"]:
        st.subheader(t("dash.theme_map"))
        pick, measure = st.columns(2)
        theme = pick.selectbox(
            t("facet.theme"), THEMES, format_func=dashboard_figures.theme_names().get, key="dash_theme"
        )
        per_million = measure.toggle(t("dash.per_million_toggle"), key="dash_per_million")
        dashboard_figures.theme_by_country(dash, sel, theme, per_million=per_million)

if tabs["gaps"].open:
    with tabs["gaps"]:
        st.subheader(t("dash.states_without_title"))
        dashboard_figures.states_without_network(dash)

        st.subheader(t("dash.missing_theme_title"))
        if dash.missing_theme.height:
            dashboard_figures.networks_missing_a_theme(dash.missing_theme)
        else:
            st.success(t("dash.no_missing_theme"))

        st.subheader(t("dash.levels_title"))
        dashboard_figures.levels_by_region(dash)
        st.caption(t("dash.levels_definition"))

        if staff:
            st.subheader(t("dash.quality_title"))
            dashboard_figures.data_quality(data.staff_figures(actor, sel).quality)
            st.caption(t("dash.quality_definition"))

if tabs["change"].open:
    with tabs["change"]:
        years = charts.years_of(dash.joins_by_region)  # joins and withdrawals side by side, on one span
        st.subheader(t("dash.members_by_region"))
        dashboard_figures.members_by_region(dash)
        st.subheader(t("dash.members_by_theme"))
        dashboard_figures.members_by_theme(dash)
        joins, leaves = st.columns(2)
        with joins:
            st.subheader(t("dash.joins_per_year"))
            dashboard_figures.joins_per_year(dash, years)
        with leaves:
            st.subheader(t("dash.withdrawals"))
            dashboard_figures.withdrawals_per_year(dash, years)

if "applications" in tabs and tabs["applications"].open:
    with tabs["applications"]:
        applications = data.staff_figures(actor, sel).funnel
        st.subheader(t("dash.funnel"))
        dashboard_figures.funnel(applications)
        st.caption(t("dash.funnel_definition"))
        st.subheader(t("dash.median_days"))
        dashboard_figures.days_per_stage(applications)
        st.caption(t("dash.median_days_definition"))

if "reporting" in tabs and tabs["reporting"].open:
    with tabs["reporting"]:
        inactive = reports.inactive(data.db(), actor).height if can(actor, "review_inactive") else None
        st.caption(t("dash.report_scope"))
        reporting_figures.tab(data.reporting(actor), dash.by_country, inactive)

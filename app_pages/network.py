"""Network profile: /network?code=ISO3."""

import polars as pl
import streamlit as st

from aspnet_data.directory import Selection
from aspnet_data.maps import draws_each, zoom_for
from aspnet_data.profiles import parse_code
from aspnet_data.vocab import LEVELS, THEMES
from ui import charts, data, map_charts
from ui.i18n import current_language, level_labels, link_params, number, render, t, theme_labels
from ui.layout import figure_cards
from ui.palette import THEME_COLORS
from ui.safe import md, safe_email, safe_url
from ui.tables import linked_table

lang = current_language()
raw = st.query_params.get("code")
code = parse_code(raw)
profile = data.network_profile(code) if code else None
if profile is None:
    st.title(t("network.not_found_title"))
    st.error(t("network.not_found", code=md((raw or "")[:20])), icon=":material/travel_explore:")
    st.page_link(
        "app_pages/map.py", label=t("network.back_to_map"), icon=":material/arrow_back:", query_params=link_params()
    )
    st.page_link(
        "app_pages/directory.py",
        label=t("network.back_to_directory"),
        icon=":material/list:",
        query_params=link_params(),
    )
    st.stop()

net = profile.network
country = net[f"name_{lang}"]
st.title(md(country))
st.caption(t("network.subtitle", region=data.region_names(lang)[net["region"]], founded=net["founded_year"] or "—"))

per_million = (
    (profile.by_status["member"] + profile.by_status["candidate"]) / (net["population"] / 1e6)
    if net["population"]
    else None
)
figure_cards(
    [
        (t("status.member"), number(profile.by_status["member"])),
        (t("status.candidate"), number(profile.by_status["candidate"])),
        (t("status.withdrawn"), number(profile.by_status["withdrawn"])),
        (
            t("network.per_million"),
            number(per_million, 1) if per_million is not None else "—",
            t("network.per_million_help"),
        ),
    ]
)

about, contact = st.columns([3, 2], gap="large")
with about:
    description = data.network_description(code, lang)
    if description is not None:
        st.markdown(md(description.text))
        if description.language not in (None, lang):
            st.caption(t(f"network.written_in.{description.language}"), help=t("network.written_in_help"))
    st.page_link(
        "app_pages/directory.py",
        label=t("network.all_in_directory", count=profile.by_status["member"] + profile.by_status["candidate"]),
        icon=":material/list:",
        query_params=link_params(country=code),
    )
with contact, st.container(border=True):
    st.markdown(f"**{t('network.commission')}**  \n{md(net['national_commission'])}")
    lines = [f"**{t('network.coordinator')}**"]
    if net["coordinator_name"]:
        lines.append(md(net["coordinator_name"]))
    email = safe_email(net["coordinator_email"])
    if email:
        lines.append(f"[{md(email)}](mailto:{email})")
    st.markdown("  \n".join(lines))
    site = safe_url(net["website"])
    if site:
        st.markdown(f"[{md(site)}]({site})")
    st.caption(t("common.updated", when=net["updated_at"].strftime("%Y-%m-%d")))

levels_col, themes_col = st.columns(2, gap="large")
with levels_col:
    st.subheader(t("network.by_level"))
    level_frame = pl.DataFrame({"label": [t(f"level.{c}") for c in LEVELS], "n": [profile.by_level[c] for c in LEVELS]})
    charts.show(
        charts.bars(
            level_frame,
            x="label",
            y="n",
            x_title=None,
            y_title=t("home.col_institutions"),
            colour="#56B4E9",
            horizontal=True,
        ),
        alt_text=t("network.by_level"),
    )
with themes_col:
    st.subheader(t("network.by_theme"))
    theme_frame = pl.DataFrame({"label": [t(f"theme.{c}") for c in THEMES], "n": [profile.by_theme[c] for c in THEMES]})
    charts.show(
        charts.bars(
            theme_frame,
            x="label",
            y="n",
            x_title=None,
            y_title=t("home.col_institutions"),
            horizontal=True,
            colours={t(f"theme.{c}"): THEME_COLORS[c] for c in THEMES},
        ),
        alt_text=t("network.by_theme"),
    )

growth = charts.growth(profile.growth)
if growth is not None:
    st.subheader(t("network.growth"))
    charts.show(growth, alt_text=t("network.growth"))
    st.caption(t("network.growth_help"))

st.subheader(t("network.map"))
sel = Selection().with_values("country", [code])
total, bounds = data.selection_extent(sel)
zoomed = st.session_state.get("network_map_view")
centre = zoomed[1] if zoomed and zoomed[0] == code else zoom_for(bounds, width=900, height=420)
pick = map_charts.explorable_map(sel, centre=centre, key="network_map", height=420, alt=t("map.alt", count=total))
if pick is not None:
    st.session_state["network_map_view"] = (code, map_charts.zoom_into(pick))
    st.rerun()
map_charts.legend(False, groups=not draws_each(data.db(), sel))

st.subheader(t("network.institutions"))
rows = data.institutions_page(sel, 1, lang)
linked_table(
    rows.with_columns(render(rows["levels"], level_labels), render(rows["themes"], theme_labels)),
    key="network_schools",
    page="app_pages/institution.py",
    params=lambda row: {"id": row["id"]},
    columns=["name", "city", "levels", "themes", "year_joined"],
    column_config={
        "name": st.column_config.TextColumn(t("directory.col_name"), width="medium"),
        "city": t("directory.col_city"),
        "levels": t("facet.level"),
        "themes": t("facet.theme"),
        "year_joined": st.column_config.NumberColumn(t("directory.col_joined"), format="%d"),
    },
)

st.subheader(t("network.projects"))
if profile.projects.height:
    for project in profile.projects.iter_rows(named=True):
        st.page_link(
            "app_pages/projects.py",
            label=md(project["title"]),
            icon=":material/diversity_3:",
            query_params=link_params(id=project["id"]),
        )
        st.caption(
            f"{t('project_status.' + project['status'])} · {theme_labels(project['themes'])} · "
            f"{t('network.project_schools', count=project['institutions'])}"
        )
else:
    st.caption(t("network.no_projects"))

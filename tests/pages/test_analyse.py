"""AppTest of the dashboard (with filters, in three languages, its tab in the URL, the public and
signed-in staff) and of the country brief."""

import json
from urllib.parse import parse_qs, urlparse

import pytest

from aspnet_data import dashboard
from aspnet_data.directory import Selection, parse_params

from ..conftest import ROOT, use_database

CATALOGS = {
    lang: json.loads((ROOT / "ui" / "locales" / f"{lang}.json").read_text(encoding="utf-8"))
    for lang in ("en", "fr", "es")
}
SEPARATOR = {"en": ",", "fr": "\u202f", "es": "."}


def fmt(value, lang="en"):
    return f"{value:,}".replace(",", SEPARATOR[lang])


def url(at, key):
    """The values of ``key`` in the page's URL (AppTest keeps a value it was given as a string)."""
    value = at.query_params.get(key)
    return [value] if isinstance(value, str) else value


# Each filter in one language (the figures' number format is the language's), each language once.
@pytest.mark.parametrize(
    "lang, query",
    [("en", {}), ("fr", {"region": "AFR", "level": "primary"}), ("es", {"status": "withdrawn", "from": "1980"})],
)
def test_dashboard_headline_follows_the_filters(page, db, lang, query):
    at = page("app_pages/dashboard.py", lang=lang, **query)
    sel, _, _ = parse_params({k: [v] for k, v in query.items()}, countries=[])
    expected = dashboard.dashboard(db, sel)
    cat = CATALOGS[lang]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[cat["home.networks"]] == fmt(expected.networks, lang)
    assert metrics[cat["status.member"]] == fmt(expected.by_status["member"], lang)
    assert metrics[cat["status.withdrawn"]] == fmt(expected.by_status["withdrawn"], lang)
    assert metrics[cat["dash.states_without"]] == fmt(
        expected.without_network.filter(expected.without_network["unesco_status"] == "member").height, lang
    )
    # The public gets the aggregate coverage; the applications are for signed-in staff.
    assert [tab.label for tab in at.tabs] == [
        cat["dash.tab_coverage"],
        cat["dash.tab_countries"],
        cat["dash.tab_gaps"],
        cat["dash.tab_change"],
    ]
    assert cat["dash.staff_note"] in [c.value for c in at.caption]


def test_dashboard_has_no_search_or_theme_filter(page):
    at = page("app_pages/dashboard.py", theme="esd", q="ecole")
    assert "sel_q" not in [w.key for w in at.sidebar.text_input]
    assert at.session_state["sel_region"] == []
    # Themes are what the dashboard analyses: a theme in the link is not applied.
    assert at.query_params.get("theme") in (None, [])


def test_dashboard_tables_hold_the_figures(page, db):
    gaps = CATALOGS["en"]["dash.tab_gaps"]
    at = page("app_pages/dashboard.py", region="EUR", session={"dash_tab": gaps})
    expected = dashboard.dashboard(db, Selection().with_values("region", ["EUR"]))
    tables = [d.value for d in at.dataframe]
    # The states-without-a-network table lists exactly those of Europe and North America.
    without = next(tb for tb in tables if len(tb) == expected.without_network.height and "Region" in tb.columns)
    assert set(without["Region"]) == {"Europe and North America"}


def test_only_the_open_tab_is_computed(page):
    cat = CATALOGS["en"]
    first = page("app_pages/dashboard.py")
    subheaders = [h.value for h in first.subheader]
    assert cat["dash.theme_by_region"] in subheaders and cat["dash.members_by_region"] not in subheaders
    # The first view draws no map (its library is loaded only when its tab is opened).
    assert cat["dash.theme_map"] not in subheaders and not list(first.get("deck_gl_json_chart"))
    change = page("app_pages/dashboard.py", session={"dash_tab": cat["dash.tab_change"]})
    subheaders = [h.value for h in change.subheader]
    assert cat["dash.members_by_region"] in subheaders and cat["dash.theme_by_region"] not in subheaders


@pytest.mark.parametrize(
    "tab, heading",
    [
        ("coverage", "dash.theme_by_region"),
        ("countries", "dash.theme_map"),
        ("gaps", "dash.states_without_title"),
        ("change", "dash.members_by_region"),
    ],
)
def test_a_link_opens_its_tab(page, tab, heading):
    cat = CATALOGS["fr"]
    at = page("app_pages/dashboard.py", lang="fr", tab=tab, region="AFR")
    assert cat[heading] in [h.value for h in at.subheader]
    assert at.session_state["dash_tab"] == cat[f"dash.tab_{tab}"]
    assert url(at, "tab") == [tab] and url(at, "region") == ["AFR"]


@pytest.mark.parametrize("tab", ["nonsense", "", "'; DROP TABLE x; --", "applications"])  # applications: staff only
def test_an_unknown_tab_falls_back_to_the_first_one(page, tab):
    at = page("app_pages/dashboard.py", tab=tab)
    assert CATALOGS["en"]["dash.theme_by_region"] in [h.value for h in at.subheader]
    assert not url(at, "tab")


def test_switching_tabs_writes_the_tab_in_the_url(page):
    cat = CATALOGS["en"]
    at = page("app_pages/dashboard.py", region="EUR")
    assert not url(at, "tab")  # the first tab needs none
    at.session_state["dash_tab"] = cat["dash.tab_change"]  # what a click on the tab does
    at.run()
    assert url(at, "tab") == ["change"] and url(at, "region") == ["EUR"]
    assert cat["dash.members_by_region"] in [h.value for h in at.subheader]
    at.session_state["dash_tab"] = cat["dash.tab_coverage"]
    at.run()
    assert not url(at, "tab") and url(at, "region") == ["EUR"]


@pytest.mark.parametrize("tab", ["coverage", "countries", "gaps", "change"])
def test_a_region_filter_shows_only_that_region(page, tab):
    at = page("app_pages/dashboard.py", region="AFR", tab=tab)
    regional = [d.value for d in at.dataframe if "Region" in d.value.columns]
    assert regional
    for frame in regional:
        assert set(frame["Region"]) == {"Africa"}, frame


def test_the_public_does_not_get_the_staff_figures(page):
    cat = CATALOGS["en"]
    at = page("app_pages/dashboard.py", tab="gaps")
    subheaders = [h.value for h in at.subheader]
    assert cat["dash.levels_title"] in subheaders and cat["dash.quality_title"] not in subheaders


def test_signed_in_staff_get_data_quality_and_the_applications(app_as):
    cat = CATALOGS["en"]
    at = app_as("app_pages/dashboard.py", username="analyst", tab="gaps")
    assert cat["dash.tab_applications"] in [tab.label for tab in at.tabs]
    assert cat["dash.quality_title"] in [h.value for h in at.subheader]
    assert cat["dash.staff_note"] not in [c.value for c in at.caption]
    quality = next(d.value for d in at.dataframe if cat["dash.col_filled"] in d.value.columns)
    assert quality[cat["dash.col_filled"]].between(0, 100).all()
    at = app_as("app_pages/dashboard.py", username="analyst", tab="applications")
    assert cat["dash.funnel"] in [h.value for h in at.subheader]
    assert cat["dash.median_days"] in [h.value for h in at.subheader]


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_country_brief(page, db, lang):
    iso3, name = db.rows(
        f"SELECT n.iso3, c.name_{lang} FROM networks n JOIN countries c USING (iso3) ORDER BY n.iso3 LIMIT 1"
    )[0]
    at = page("app_pages/brief.py", lang=lang, code=iso3)
    assert name in at.title[0].value.replace("\\", "")
    members = db.scalar("SELECT count(*) FROM institutions WHERE network = ? AND status = 'member'", [iso3])
    assert {m.label: m.value for m in at.metric}[CATALOGS[lang]["status.member"]] == fmt(members, lang)


def test_country_brief_numbers_in_the_interface_language(page, db):
    iso3, population = db.rows(
        "SELECT n.iso3, c.population FROM networks n JOIN countries c USING (iso3) "
        "WHERE c.population > 0 ORDER BY n.iso3 LIMIT 1"
    )[0]
    active = db.scalar("SELECT count(*) FROM institutions WHERE network = ? AND status <> 'withdrawn'", [iso3])
    at = page("app_pages/brief.py", lang="es", code=iso3)
    per_million = f"{active / population * 1e6:,.1f}".replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    assert {m.label: m.value for m in at.metric}[CATALOGS["es"]["network.per_million"]] == per_million


def test_the_public_brief_leaves_out_the_staff_figures(page, app_as, db):
    iso3 = db.scalar("SELECT network FROM applications WHERE stage = 'submitted' ORDER BY network LIMIT 1")
    cat = CATALOGS["en"]
    public = page("app_pages/brief.py", code=iso3)
    gaps = "\n".join(m.value for m in public.markdown)
    assert "Applications awaiting a decision" not in gaps and "fields filled" not in gaps
    assert cat["brief.staff_note"] in [c.value for c in public.caption]
    staff = app_as("app_pages/brief.py", username="analyst", code=iso3)
    gaps = "\n".join(m.value for m in staff.markdown)
    assert "Applications awaiting a decision" in gaps and "fields filled" in gaps
    assert cat["brief.staff_note"] not in [c.value for c in staff.caption]


def test_country_brief_without_a_country_explains_itself(page):
    at = page("app_pages/brief.py")
    assert at.info and "one-page summary" in at.info[0].value


def test_country_brief_with_an_unknown_code_warns(page):
    at = page("app_pages/brief.py", code="ZZZ")
    assert at.warning and "ZZZ" in at.warning[0].value
    assert not at.metric


@pytest.mark.both_engines
def test_rerun_comes_from_cache_and_a_write_recomputes(scratch_copy, monkeypatch):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from aspnet_data.db import open_database

    calls = []
    real = dashboard.dashboard
    monkeypatch.setattr(dashboard, "dashboard", lambda *a, **k: calls.append(1) or real(*a, **k))
    use_database(monkeypatch, scratch_copy)
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.switch_page("app_pages/dashboard.py")
    at.run()
    at.run()
    assert len(calls) == 1
    with open_database(scratch_copy) as other:
        other.write(
            lambda cur: cur.execute("UPDATE networks SET website = NULL WHERE iso3 = (SELECT min(iso3) FROM networks)")
        )
    at.run()
    assert len(calls) == 2


def test_the_dashboards_country_map_names_its_values_not_its_outlines(page, db):
    """The map's outlines are fetched by the browser (./shaded.json, its values in the address):
    the page itself carries a few kilobytes, not the 2.7 MB of every country's outline."""
    at = page("app_pages/dashboard.py", region="EUR", tab="countries")
    [deck] = list(at.get("deck_gl_json_chart"))
    spec = json.loads(deck.proto.json)
    assert len(deck.proto.json) < 20_000
    [countries] = [layer for layer in spec["layers"] if layer["id"] == "countries"]
    values = parse_qs(urlparse(countries["data"]).query)["values"][0]
    # The basemap draws the same countries' colours; the deck's layer only picks the tooltips.
    assert spec["mapStyle"] == "./shaded-style.json?" + urlparse(countries["data"]).query
    assert countries["getFillColor"] == [0, 0, 0, 0] and countries["pickable"]
    counts = dict(
        db.rows(
            "SELECT network, count(*) FROM institutions i JOIN countries c ON c.iso3 = i.network "
            "WHERE c.region = 'EUR' AND i.status IN ('member', 'candidate') AND list_contains(i.themes, 'esd') "
            "GROUP BY 1"
        )
    )
    shown = dict(part.split(":") for part in values.split(","))
    assert {k: float(v) for k, v in shown.items() if float(v)} == {k: float(v) for k, v in counts.items()}

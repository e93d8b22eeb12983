"""The home page shows the database's headline figures, in each language."""

import json
import time

import pytest

from aspnet_data import stats

from ..conftest import ROOT, use_database

CATALOGS = {
    lang: json.loads((ROOT / "ui" / "locales" / f"{lang}.json").read_text(encoding="utf-8"))
    for lang in ("en", "fr", "es")
}
SEPARATOR = {"en": ",", "fr": "\u202f", "es": "."}


def fmt(value, lang):
    return f"{value:,}".replace(",", SEPARATOR[lang])


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_headline_figures_match_the_database(page, db, lang):
    at = page("app_pages/home.py", lang=lang)
    expected = stats.overview(db)
    cat = CATALOGS[lang]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[cat["home.networks"]] == "181"
    assert metrics[cat["home.active"]] == fmt(expected.active, lang)
    assert metrics[cat["status.member"]] == fmt(expected.by_status["member"], lang)
    assert metrics[cat["status.candidate"]] == fmt(expected.by_status["candidate"], lang)
    assert metrics[cat["status.withdrawn"]] == fmt(expected.by_status["withdrawn"], lang)
    text = " ".join(m.value for m in at.markdown)
    for theme in ("esd", "gced", "heritage"):
        assert cat[f"theme.{theme}"] in text
        assert fmt(expected.by_theme[theme], lang) in text


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_every_figure_is_defined_and_dated(page, lang):
    at = page("app_pages/home.py", lang=lang)
    captions = " ".join(c.value for c in at.caption)
    cat = CATALOGS[lang]
    assert cat["home.theme_definition"].split(".")[0] in captions
    assert cat["home.region_definition"].split(".")[0] in captions
    assert "UTC" in captions
    assert all(m.help for m in at.metric)


def test_regions_table_names_regions_in_the_chosen_language(page):
    at = page("app_pages/home.py", lang="es")
    table = at.dataframe[0].value
    assert "América Latina y el Caribe" in set(table.iloc[:, 0])
    assert int(table.iloc[:, 1].sum()) == 181


def test_router_takes_the_language_from_the_url(router):
    at = router(lang="fr")
    assert at.title[0].value == CATALOGS["fr"]["home.title"]
    assert at.sidebar.selectbox[0].value == "fr"
    assert CATALOGS["fr"]["home.networks"] in [m.label for m in at.metric]


def test_router_ignores_an_unknown_language(router):
    at = router(lang="xx")
    assert at.sidebar.selectbox[0].value == "en"
    assert CATALOGS["en"]["home.networks"] in [m.label for m in at.metric]


def test_switching_language_in_the_sidebar(router):
    at = router()
    at.sidebar.selectbox[0].set_value("es").run()
    assert not at.exception
    assert CATALOGS["es"]["home.networks"] in [m.label for m in at.metric]
    assert at.query_params["lang"] in (["es"], "es")


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_largest_networks_named_in_the_chosen_language(page, db, lang):
    at = page("app_pages/home.py", lang=lang)
    expected = db.query(
        f"""SELECT c.name_{lang} AS name, count(*) AS n FROM institutions i JOIN countries c ON c.iso3 = i.network
            WHERE i.status <> 'withdrawn' GROUP BY 1 ORDER BY n DESC, min(c.iso3) LIMIT 1"""
    ).row(0)
    table = at.dataframe[1].value
    assert table.shape[0] == 10
    assert (table.iloc[0, 0], int(table.iloc[0, 2])) == expected


@pytest.mark.both_engines
def test_a_write_shows_on_the_next_rerun(scratch_copy, monkeypatch):
    """Cached figures key on the data version: a write anywhere is seen on the next rerun."""
    from streamlit.testing.v1 import AppTest

    from aspnet_data.db import open_database

    from ..conftest import ROOT as root

    use_database(monkeypatch, scratch_copy)
    at = AppTest.from_file(str(root / "app.py"), default_timeout=30)
    at.run()
    before = {m.label: m.value for m in at.metric}["Withdrawn"]
    with open_database(scratch_copy) as other:
        other.write(
            lambda cur: cur.execute(
                "UPDATE institutions SET status = 'withdrawn' WHERE id = (SELECT min(id) FROM institutions "
                "WHERE status = 'member')"
            )
        )
    # On PostgreSQL the app hears of another process's write by a notification, a moment later:
    # a rerun within a few seconds shows it.
    for _ in range(50):
        at.run()
        after = {m.label: m.value for m in at.metric}["Withdrawn"]
        if after != before:
            break
        time.sleep(0.1)
    assert int(after.replace(",", "")) == int(before.replace(",", "")) + 1

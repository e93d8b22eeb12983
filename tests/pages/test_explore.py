"""AppTest of the directory, the map and both profiles, in three languages."""

import json

import pytest

from aspnet_data import directory
from aspnet_data.directory import Selection, facet_counts

from ..conftest import ROOT

CATALOGS = {
    lang: json.loads((ROOT / "ui" / "locales" / f"{lang}.json").read_text(encoding="utf-8"))
    for lang in ("en", "fr", "es")
}
SEPARATOR = {"en": ",", "fr": "\u202f", "es": "."}


def fmt(value, lang="en"):
    return f"{value:,}".replace(",", SEPARATOR[lang])


def markdown_text(at) -> str:
    return "\n".join(m.value for m in at.markdown)


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_directory_shows_total_and_first_page(page, db, lang):
    at = page("app_pages/directory.py", lang=lang)
    total = facet_counts(db, Selection()).total
    assert CATALOGS[lang]["filters.count"]["other"].format(count=fmt(total, lang)) in markdown_text(at)
    table = at.dataframe[0].value
    assert len(table) == directory.PAGE_SIZE
    first = directory.list_institutions(db, Selection(), lang=lang)
    assert list(table["id"]) == first["id"].to_list()  # each row keeps the id its click opens


def test_directory_reads_filters_from_the_url(page, db):
    at = page("app_pages/directory.py", theme="esd", region="EUR", q="school")
    sel = Selection(q="school").with_values("region", ["EUR"]).with_values("theme", ["esd"])
    assert "**" + fmt(facet_counts(db, sel).total) + " institutions" in markdown_text(at)
    assert at.text_input(key="sel_q").value == "school"
    assert at.session_state["sel_theme"] == ["esd"]
    assert at.session_state["sel_region"] == ["EUR"]


def test_bad_url_parameters_are_ignored_with_a_notice(page, db):
    at = page("app_pages/directory.py", theme="nonsense", bogus="1")
    assert len(at.toast) == 2
    total = facet_counts(db, Selection()).total
    assert fmt(total) + " institutions" in markdown_text(at)


def test_empty_result_offers_to_drop_the_last_filter(page):
    at = page("app_pages/directory.py", q="zzzzqqqq-no-such-school", theme="esd")
    assert at.info and CATALOGS["en"]["directory.empty"] in at.info[0].value
    [button] = [b for b in at.button if b.label.startswith("Drop the last filter")]
    assert button.label.endswith("Priority theme")
    button.click().run()
    # The theme went; the search that finds nothing stays, so the offer now drops the search.
    assert at.session_state["sel_theme"] == []
    assert [b.label for b in at.button if b.label.startswith("Drop")] == ["Drop the last filter: Search"]


def test_changing_a_filter_writes_the_url(page):
    at = page("app_pages/directory.py")
    at.text_input(key="sel_q").set_value("lycee").run()
    assert at.query_params["q"] in ("lycee", ["lycee"])


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_map_page_summarises_in_words(page, db, lang):
    at = page("app_pages/map.py", lang=lang, region="ARB")
    sel = Selection().with_values("region", ["ARB"])
    text = markdown_text(at)
    assert fmt(facet_counts(db, sel).total, lang) in text
    table = at.dataframe[0].value
    assert int(table["institutions"].sum()) == facet_counts(db, sel).total


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_network_profile(page, db, lang):
    iso3, name = db.rows(
        f"SELECT n.iso3, c.name_{lang} FROM networks n JOIN countries c USING (iso3) ORDER BY n.iso3 LIMIT 1"
    )[0]
    at = page("app_pages/network.py", lang=lang, code=iso3)
    assert at.title[0].value.replace("\\", "") == name
    members = db.scalar("SELECT count(*) FROM institutions WHERE network = ? AND status = 'member'", [iso3])
    assert {m.label: m.value for m in at.metric}[CATALOGS[lang]["status.member"]] == fmt(members, lang)
    assert "coordinator_phone" not in markdown_text(at)


@pytest.mark.parametrize("code", ["ZZZ", "fr'", "<script>", "", "A" * 500])
def test_unknown_network_is_a_clear_message(page, code):
    at = page("app_pages/network.py", code=code)
    assert at.error and "three letters" in at.error[0].value
    assert not at.metric


def test_network_code_is_case_insensitive(page, db):
    iso3 = db.scalar("SELECT iso3 FROM networks ORDER BY iso3 LIMIT 1")
    at = page("app_pages/network.py", code=iso3.lower())
    assert not at.error


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_institution_profile(page, db, lang):
    row = db.query("SELECT id, name, city FROM institutions WHERE status = 'member' ORDER BY id LIMIT 1").row(
        0, named=True
    )
    at = page("app_pages/institution.py", lang=lang, id=str(row["id"]))
    assert at.title[0].value.replace("\\", "") == row["name"]
    assert CATALOGS[lang]["institution.pupils"] in markdown_text(at)


def test_the_maps_of_schools_and_places_draw_their_land_as_the_charts_basemap(page, db):
    """The land comes with the chart's style (./land-style.json): the decks of the map, both
    profiles and a project space carry only what is drawn on top of it."""
    school = db.scalar("SELECT id FROM institutions WHERE status = 'member' AND latitude IS NOT NULL LIMIT 1")
    space = db.scalar("SELECT id FROM projects ORDER BY id LIMIT 1")
    pages = [
        ("app_pages/map.py", {}),
        ("app_pages/network.py", {"code": "FRA"}),
        ("app_pages/institution.py", {"id": str(school)}),
        ("app_pages/projects.py", {"id": str(space)}),
    ]
    for script, params in pages:
        at = page(script, **params)
        decks = [json.loads(deck.proto.json) for deck in at.get("deck_gl_json_chart")]
        assert decks, script
        for deck in decks:
            assert deck["mapStyle"] == "./land-style.json", script
            assert all("outlines.json" not in str(layer.get("data")) for layer in deck["layers"]), script


@pytest.mark.parametrize("raw", ["abc", "-1", "999999999", "1; DROP TABLE institutions", ""])
def test_unknown_institution_is_a_clear_message(page, raw):
    at = page("app_pages/institution.py", id=raw)
    assert at.error and "whole numbers" in at.error[0].value


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_directory_labels_are_in_the_chosen_language(page, lang):
    at = page("app_pages/directory.py", lang=lang, level="secondary")
    levels = " ".join(at.dataframe[0].value["levels"])
    assert CATALOGS[lang]["level.secondary"] in levels
    assert "Secondary" not in levels


def test_a_map_is_serialized_once_per_key_and_sent_as_built():
    import pydeck as pdk

    from ui import map_charts

    built = []

    def build():
        built.append(1)
        return pdk.Deck(
            layers=[pdk.Layer("ScatterplotLayer", [{"lat": 1.0, "lon": 2.0}], id="x", get_position=["lon", "lat"])],
            map_provider=None,
            tooltip={"text": "{tip}"},
        )

    first = map_charts.prepared(("test-db", 1, "map", "en"), build)
    again = map_charts.prepared(("test-db", 1, "map", "en"), build)
    assert len(built) == 1 and first.to_json() == again.to_json() == build().to_json()
    assert first._tooltip == {"text": "{tip}"}
    map_charts.prepared(("test-db", 2, "map", "en"), build)  # a write bumps the data version: built again
    assert len(built) == 3

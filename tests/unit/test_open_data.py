"""The open-data API's data layer: the same rows as the directory, pages that walk a selection
once, parameters refused by name, public fields only."""

import io
import json

import polars as pl
import pytest

from aspnet_data import dashboard, directory, open_data, profiles, stats
from aspnet_data.directory import Selection
from aspnet_data.profiles import INSTITUTION_PUBLIC

pytestmark = pytest.mark.analytic_copy

# The directory's five views, as the directory's own links write them.
VIEWS = {
    "everything": {},
    "search": {"q": ["école"]},
    "country": {"country": ["FRA"], "sort": ["-joined"]},
    "theme_and_level": {"theme": ["esd"], "level": ["primary", "secondary"], "sort": ["city"]},
    "region_and_years": {"region": ["EUR"], "from": ["2000"], "to": ["2020"], "sort": ["-updated"]},
}


@pytest.fixture(scope="module")
def networks(db):
    return [code for (code,) in db.rows("SELECT iso3 FROM networks")]


def ask(db, networks, name, query=None, path=None):
    request, errors = open_data.parse(open_data.BY_NAME[name], query or {}, networks=networks, path=path)
    assert errors == []
    return open_data.answer(db, request)


@pytest.mark.parametrize("view", VIEWS)
def test_institutions_are_the_directorys_rows_page_by_page(db, networks, view):
    query = VIEWS[view]
    sel, _, notices = directory.parse_params(query, countries=networks)
    assert notices == []
    for page in (1, 2):
        table = ask(db, networks, "institutions", query | {"per_page": ["25"], "page": [str(page)], "lang": ["fr"]})
        shown = directory.list_institutions(db, sel, page=page, lang="fr")
        assert table.frame["id"].to_list() == shown["id"].to_list()
        assert table.frame["country"].to_list() == shown["country"].to_list()
    assert table.total == directory.facet_counts(db, sel).total > 0


@pytest.fixture(scope="module")
def largest(db):
    return db.scalar("SELECT network FROM institutions GROUP BY network ORDER BY count(*) DESC, network LIMIT 1")


@pytest.mark.parametrize("view", VIEWS)
def test_following_next_cursors_walks_the_whole_selection_once_in_order(db, networks, largest, view):
    query = VIEWS[view] | ({"country": [largest]} if view in ("everything", "theme_and_level", "country") else {})
    sel, _, _ = directory.parse_params(query, countries=networks)
    expected = directory.export_frame(db, sel)["id"].to_list()
    seen, asked = [], query | {"per_page": ["37"]}
    for _ in range(1000):
        table = ask(db, networks, "institutions", asked)
        seen += table.frame["id"].to_list()
        if table.next_query is None:
            break
        assert table.frame.height == 37 and table.total == len(expected)
        asked = table.next_query
    assert seen == expected and len(expected) > 37


def test_a_cursor_keeps_its_place_when_rows_are_added_before_it(scratch_copy, networks, largest):
    from aspnet_data.db import open_database

    with open_database(scratch_copy) as db:
        first = ask(db, networks, "institutions", {"country": [largest], "per_page": ["10"]})
        after = first.frame["id"].to_list()[-1]
        expected = ask(db, networks, "institutions", first.next_query).frame["id"].to_list()
        # A school renamed to sort first in the network: an offset would now repeat a row.
        db.write(
            lambda cur: cur.execute(
                "UPDATE institutions SET name_latin = 'AAA ' || name_latin WHERE id = ?", [expected[-1]]
            )
        )
        again = ask(db, networks, "institutions", first.next_query).frame["id"].to_list()
        assert after not in again and again[:9] == expected[:9]


def test_a_cursor_made_for_another_selection_or_forged_is_refused(db, networks):
    table = ask(db, networks, "institutions", {"country": ["FRA"], "per_page": ["5"]})
    cursor = table.next_query["cursor"][0]
    endpoint = open_data.BY_NAME["institutions"]
    for query in (
        {"country": ["ESP"], "cursor": [cursor]},
        {"cursor": ["not-a-cursor"]},
        {"country": ["FRA"], "cursor": [cursor + "x"]},
        {"country": ["FRA"], "cursor": [cursor], "page": ["2"]},
    ):
        _, errors = open_data.parse(endpoint, query, networks=networks)
        assert [e.parameter for e in errors] == ["cursor"], query
        assert errors[0].reason in ("bad_cursor", "cursor_and_page")


@pytest.mark.parametrize(
    ("query", "parameter", "reason"),
    [
        ({"theme": ["sustainability"]}, "theme", "unknown_value"),
        ({"country": ["XXX"]}, "country", "unknown_value"),
        ({"country": ["fra"]}, "country", "unknown_value"),
        ({"from": ["1800"]}, "from", "not_a_year"),
        ({"to": ["next year"]}, "to", "not_a_year"),
        ({"sort": ["password_hash"]}, "sort", "unknown_value"),
        ({"sort": ["name", "city"]}, "sort", "repeated"),
        ({"per_page": ["5000"]}, "per_page", "not_a_number"),
        ({"per_page": ["-1"]}, "per_page", "not_a_number"),
        ({"page": ["²"]}, "page", "not_a_number"),
        ({"lang": ["de"]}, "lang", "unknown_value"),
        ({"format": ["xml"]}, "format", "unknown_parameter"),
    ],
)
def test_a_parameter_the_directory_would_ignore_is_refused_by_name(networks, query, parameter, reason):
    _, errors = open_data.parse(open_data.BY_NAME["institutions"], query, networks=networks)
    assert [(e.parameter, e.reason) for e in errors] == [(parameter, reason)]
    assert parameter in errors[0].message or errors[0].value in errors[0].message


def test_coverage_refuses_what_it_cannot_apply(networks):
    endpoint = open_data.BY_NAME["coverage_theme_region"]
    _, errors = open_data.parse(endpoint, {"q": ["paris"], "theme": ["esd"], "sort": ["name"]}, networks=networks)
    assert sorted(e.parameter for e in errors) == ["q", "sort", "theme"]
    assert all(e.reason == "unknown_parameter" for e in errors)


def test_formats_carry_the_same_rows(db, networks):
    query = {"region": ["EUR"], "per_page": ["50"], "lang": ["es"]}
    table = ask(db, networks, "institutions", query)
    meta = {"data_version": db.data_version}
    as_json = json.loads(open_data.encode(table, "json", meta=meta))
    ids = [row["id"] for row in as_json["institutions"]]
    assert as_json["count"] == 50 and as_json["total"] == table.total
    csv = pl.read_csv(io.BytesIO(open_data.encode(table, "csv", meta=meta)))
    assert csv["id"].to_list() == ids and csv["country"].to_list() == [r["country"] for r in as_json["institutions"]]
    assert "Alemania" in csv["country"].to_list() or "Francia" in csv["country"].to_list()
    assert set(csv["themes"].to_list()) <= {"; ".join(row["themes"]) for row in as_json["institutions"]}
    parquet = pl.read_parquet(io.BytesIO(open_data.encode(table, "parquet", meta=meta)))
    assert parquet["id"].to_list() == ids and parquet.schema["themes"] == pl.List(pl.String)
    geo = json.loads(open_data.encode(table, "geojson", meta=meta))
    assert geo["type"] == "FeatureCollection" and [f["properties"]["id"] for f in geo["features"]] == ids
    first, row = geo["features"][0], as_json["institutions"][0]
    assert first["geometry"]["coordinates"] == [row["longitude"], row["latitude"]]


def test_only_public_fields_leave(db, networks):
    rows = json.loads(open_data.encode(ask(db, networks, "institutions"), "json", meta={}))["institutions"]
    allowed = set(INSTITUTION_PUBLIC) | {"country", "region"}
    assert set(rows[0]) <= allowed and "withdrawn_year" not in rows[0]
    one = ask(db, networks, "institution", path={"id": str(rows[0]["id"])})
    assert set(one) <= allowed | {"projects"}
    network = ask(db, networks, "network", path={"iso3": "FRA"})
    assert "coordinator_phone" not in network and set(network) >= {"institutions_by_theme", "growth"}
    everything = json.dumps([rows, one, network], default=str).lower()
    assert "password" not in everything and "phone" not in everything


def test_withdrawn_institutions_only_when_asked_for(db, networks):
    default = ask(db, networks, "institutions", {"per_page": ["1000"]})
    assert "withdrawn" not in default.frame["status"].to_list()
    withdrawn = ask(db, networks, "institutions", {"status": ["withdrawn"], "per_page": ["1000"]})
    assert set(withdrawn.frame["status"]) == {"withdrawn"}
    assert withdrawn.total == db.scalar("SELECT count(*) FROM institutions WHERE status = 'withdrawn'") > 0


def test_coverage_and_figures_are_the_dashboards_and_the_homes(db, networks):
    sel = Selection().with_values("region", ["AFR"])
    board = dashboard.dashboard(db, sel)
    table = ask(db, networks, "coverage_theme_region", {"region": ["AFR"]})
    assert table.frame.to_dicts() == board.theme_by_region.to_dicts()
    by_level = ask(db, networks, "coverage_theme_level", {"region": ["AFR"]})
    assert by_level.frame.to_dicts() == board.theme_by_level.to_dicts()
    countries = ask(db, networks, "coverage_country", {"region": ["AFR"], "lang": ["fr"]})
    assert countries.frame["per_million"].to_list() == board.by_country["per_million"].to_list()
    assert "Kenya" in countries.frame["country"].to_list() and "name_en" not in countries.frame.columns
    overview = stats.overview(db)
    figures = ask(db, networks, "figures")
    assert figures["active_institutions"] == overview.active and figures["networks"] == overview.networks
    assert set(figures["definitions"]) >= {"active_institutions", "institutions_by_theme"}


def test_networks_list_and_one_networks_profile(db, networks):
    table = ask(db, networks, "networks", {"lang": ["fr"]})
    assert table.frame.height == len(networks)
    assert table.frame.drop("capital_lat", "capital_lon").to_dicts() == profiles.list_networks(db, lang="fr").to_dicts()
    one = ask(db, networks, "network", path={"iso3": "DEU"}, query={"lang": ["es"]})
    assert one["country"] == "Alemania" and sum(one["institutions_by_status"].values()) > 0
    assert ask(db, networks, "network", path={"iso3": "ATA"}) is None


def test_the_bulk_frame_is_every_member_and_candidate(db):
    frame = open_data.dump_frame(db)
    assert frame.height == db.scalar("SELECT count(*) FROM institutions WHERE status <> 'withdrawn'")
    body = open_data.dump_bytes(frame, "geojson", {"data_version": 1})
    geo = json.loads(body)
    assert geo["count"] == frame.height == len(geo["features"])
    located = frame.filter(pl.col("latitude").is_not_null()).row(0, named=True)
    feature = next(f for f in geo["features"] if f["properties"]["id"] == located["id"])
    assert feature["geometry"]["coordinates"] == [located["longitude"], located["latitude"]]
    assert feature["properties"]["themes"] == located["themes"]

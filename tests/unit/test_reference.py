"""The shipped reference data is complete and consistent."""

import shapely

from aspnet_data import reference
from aspnet_data.vocab import REGIONS


def test_unesco_membership_counts():
    countries = reference.countries()
    assert countries.filter(countries["unesco_status"] == "member").height == 194
    assert countries.filter(countries["unesco_status"] == "associate").height == 12
    assert countries["iso3"].n_unique() == countries.height
    assert countries["iso2"].n_unique() == countries.height


def test_every_region_has_countries_and_names_in_three_languages():
    countries = reference.countries()
    assert sorted(countries["region"].unique()) == sorted(REGIONS)
    regions = reference.regions()
    assert sorted(regions["code"]) == sorted(REGIONS)
    for column in ("name_en", "name_fr", "name_es"):
        assert countries[column].null_count() == 0
        assert (countries[column].str.len_chars() > 1).all()
    assert "," not in "".join(countries["name_en"])  # no "Korea, Republic of"


def test_member_states_have_an_electoral_group_and_associates_none():
    countries = reference.countries()
    members = countries.filter(countries["unesco_status"] == "member")
    assert set(members["electoral_group"]) <= {"I", "II", "III", "IV", "V(a)", "V(b)"}
    assert members["electoral_group"].null_count() == 0
    assert countries.filter(countries["unesco_status"] == "associate")["electoral_group"].null_count() == 12


def test_capitals_and_populations_are_plausible():
    countries = reference.countries()
    assert countries["capital_lat"].is_between(-90, 90).all()
    assert countries["capital_lon"].is_between(-180, 180).all()
    assert (countries["population"] > 0).all()


def test_outlines_are_small_valid_and_keyed_by_member_codes():
    assert reference.world_geojson_path().stat().st_size < 2_000_000
    shapes = reference.country_shapes()
    countries = reference.countries()
    assert set(shapes) <= set(countries["iso3"])
    assert len(shapes) >= 190
    assert all(shapely.is_valid(g) and not g.is_empty for g in shapes.values())
    flagged = set(countries.filter(countries["has_outline"])["iso3"])
    assert flagged == set(shapes)
    for small in ("AND", "MCO", "SMR", "SGP", "BHR", "MLT"):
        assert small in shapes


def test_every_country_has_a_town_inside_its_outline():
    towns = reference.towns()
    shapes = reference.country_shapes()
    assert set(towns["iso3"]) == set(reference.countries()["iso3"])
    for (iso3,), group in towns.group_by(["iso3"]):
        if iso3 in shapes:
            inside = shapely.contains_xy(shapes[iso3], group["lon"].to_numpy(), group["lat"].to_numpy())
            assert inside.all(), iso3

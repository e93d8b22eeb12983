"""AppTest of the list of national networks: search by name in any accents, filter by region."""

from aspnet_data import profiles


def shown(at):
    return at.dataframe[0].value


def test_every_network_is_listed_largest_first(page, db):
    at = page("app_pages/networks.py")
    table = shown(at)
    assert len(table) == db.scalar("SELECT count(*) FROM networks")
    assert f"**{len(table)} networks**" in [m.value for m in at.markdown]
    assert table["country"].iloc[0] == profiles.list_networks(db)["country"][0]


def test_a_search_finds_a_country_whatever_its_accents_and_case(page):
    at = page("app_pages/networks.py", lang="fr")
    at.text_input(key="networks_q").input("cote").run()
    assert list(shown(at)["country"]) == ["Côte d'Ivoire"]
    assert "**1 réseau**" in [m.value for m in at.markdown]


def test_regions_narrow_the_list(page, db):
    at = page("app_pages/networks.py", lang="es")
    at.pills(key="networks_regions").set_value(["AFR"]).run()
    expected = db.scalar("SELECT count(*) FROM networks JOIN countries USING (iso3) WHERE region = 'AFR'")
    assert len(shown(at)) == expected
    assert set(shown(at)["region_name"]) == {"África"}


def test_a_search_that_finds_nothing_says_so(page):
    at = page("app_pages/networks.py")
    at.text_input(key="networks_q").input("Atlantis").run()
    assert at.info and "No national network matches" in at.info[0].value

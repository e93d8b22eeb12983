"""Directory search, facets, paging and export, checked against independent polars computations."""

import io
import random

import polars as pl
import pytest

from aspnet_data import directory
from aspnet_data.directory import FACETS, Selection, facet_counts, list_institutions, parse_params, to_params
from aspnet_data.text import fold
from aspnet_data.vocab import LEVELS, OWNERSHIP, REGIONS, STATUSES, THEMES

INJECTIONS = [
    "' OR 1=1 --",
    "'; DROP TABLE institutions; --",
    '" OR ""="',
    "%",
    "_",
    "\\",
    "%' OR '%'='",
    "$1",
    "?",
    "name_latin) OR (1=1",
    "]]>",
    "*",
    ".*",
    "(a|b)",
    "[a-z]+",
    "\x00",
    "😀",
    "\u202eevil",
    "a" * 10_000,
]


@pytest.fixture(scope="module")
def frame(db):
    """Every institution with its country's region and folded names, for independent checks."""
    countries = db.query("SELECT iso3, region, name_en, name_fr, name_es FROM countries")
    folded = {
        r["iso3"]: " | ".join(fold(r[k]) for k in ("name_en", "name_fr", "name_es"))
        for r in countries.iter_rows(named=True)
    }
    region = dict(countries.select("iso3", "region").rows())
    inst = db.query(
        "SELECT id, network, name, name_latin, city, search_text, levels, themes, ownership, status, "
        "year_joined FROM institutions"
    )
    return inst.with_columns(
        pl.col("network").replace_strict(region).alias("region"),
        pl.col("network").replace_strict(folded).alias("country_text"),
    )


def expected(frame: pl.DataFrame, sel: Selection, *, skip: str | None = None) -> pl.DataFrame:
    out = frame
    for token in directory.search_tokens(sel.q):
        out = out.filter(
            pl.col("search_text").str.contains(token, literal=True)
            | pl.col("country_text").str.contains(token, literal=True)
        )
    for key, values in sel.filters:
        if key == skip:
            continue
        column = {
            "region": "region",
            "country": "network",
            "level": "levels",
            "theme": "themes",
            "ownership": "ownership",
            "status": "status",
        }[key]
        if key in ("level", "theme"):
            out = out.filter(pl.col(column).list.eval(pl.element().is_in(list(values))).list.any())
        else:
            out = out.filter(pl.col(column).is_in(list(values)))
    if skip != "status" and not sel.values("status"):
        out = out.filter(pl.col("status") != "withdrawn")
    if skip != "year":
        if sel.year_from is not None:
            out = out.filter(pl.col("year_joined") >= sel.year_from)
        if sel.year_to is not None:
            out = out.filter(pl.col("year_joined") <= sel.year_to)
    return out


def random_selections(frame, n=25):
    rng = random.Random(5)
    countries = sorted(frame["network"].unique())
    words = ["ecole", "school", "lycee", "colegio", "primary", "", "", "ma", "de"]
    for _ in range(n):
        sel = Selection(q=rng.choice(words))
        for key, vocab in (
            ("region", REGIONS),
            ("country", countries),
            ("level", LEVELS),
            ("theme", THEMES),
            ("ownership", OWNERSHIP),
            ("status", STATUSES),
        ):
            if rng.random() < 0.3:
                sel = sel.with_values(key, rng.sample(list(vocab), k=rng.randint(1, 2)))
        if rng.random() < 0.3:
            sel = Selection(
                q=sel.q, filters=sel.filters, year_from=rng.randint(1960, 2000), year_to=rng.choice([None, 2010, 2026])
            )
        yield sel


def test_facet_counts_match_polars(db, frame):
    for sel in random_selections(frame):
        got = facet_counts(db, sel)
        assert got.total == expected(frame, sel).height, sel
        for facet in FACETS:
            rows = expected(frame, sel, skip=facet.key)
            column = {"region": "region", "country": "network", "level": "levels", "theme": "themes"}.get(
                facet.key, facet.key
            )
            if facet.multi_valued:
                rows = rows.explode(column)
            want = dict(rows[column].value_counts().rows())
            assert got.counts[facet.key] == want, (sel, facet.key)


def test_choosing_a_value_narrows_other_facets_not_its_own(db):
    everything = facet_counts(db, Selection())
    esd = facet_counts(db, Selection().with_values("theme", ["esd"]))
    assert esd.counts["theme"] == everything.counts["theme"]  # own facet unchanged
    assert esd.total == everything.counts["theme"]["esd"]
    assert sum(esd.counts["region"].values()) == esd.total < everything.total


@pytest.mark.parametrize("q, fragment", [("ecole", "École"), ("ÉCOLE", "École"), ("lycee", "Lycée")])
def test_search_ignores_accents_and_case(db, q, fragment):
    rows = list_institutions(db, Selection(q=q), page_size=200)
    assert rows.height > 0
    assert rows.select(pl.concat_str("name", "name_latin").str.contains(fragment).any()).item()


def test_search_finds_names_in_other_scripts_by_their_latin_town(db):
    sample = db.query("""SELECT i.id, i.city, i.name FROM institutions i JOIN countries c ON c.iso3 = i.network
                         WHERE c.script IN ('Jpan', 'Hans', 'Kore', 'Cyrl', 'Arab', 'Grek') AND i.name <> i.name_latin
                           AND i.status <> 'withdrawn' LIMIT 20""")
    assert sample.height > 0
    for row in sample.iter_rows(named=True):
        ids = list_institutions(db, Selection(q=row["city"]), page_size=10_000)["id"].to_list()
        assert row["id"] in ids, row


def test_search_in_the_original_script(db):
    row = db.query("""SELECT i.id, i.name FROM institutions i JOIN countries c ON c.iso3 = i.network
                      WHERE c.script = 'Grek' AND i.status <> 'withdrawn' LIMIT 1""").row(0, named=True)
    word = row["name"].split()[-1]
    assert row["id"] in list_institutions(db, Selection(q=word), page_size=10_000)["id"].to_list()


def test_search_matches_country_names_in_every_language(db, frame):
    iso3, fr_name = db.rows(
        "SELECT n.iso3, c.name_fr FROM networks n JOIN countries c USING (iso3) "
        "WHERE c.name_fr <> c.name_en ORDER BY n.iso3 LIMIT 1"
    )[0]
    got = facet_counts(db, Selection(q=fr_name))
    assert (
        got.counts["country"].get(iso3, 0)
        == frame.filter((pl.col("network") == iso3) & (pl.col("status") != "withdrawn")).height
    )


@pytest.mark.parametrize("q", INJECTIONS)
def test_hostile_search_strings_never_fail_and_add_nothing(db, frame, q):
    sel = Selection(q=q)
    got = facet_counts(db, sel)
    assert got.total == expected(frame, sel).height
    assert list_institutions(db, sel).height == min(got.total, directory.PAGE_SIZE)
    assert db.scalar("SELECT count(*) FROM institutions") == frame.height  # nothing dropped


def test_pages_cover_the_selection_once_in_order(db, frame):
    sel = Selection().with_values("theme", ["heritage"]).with_values("region", ["LAC"])
    total = facet_counts(db, sel).total
    seen = []
    for page in range(1, total // 50 + 2):
        seen += list_institutions(db, sel, page=page, page_size=50)["name_latin"].to_list()
    assert len(seen) == total
    assert seen == sorted(seen, key=lambda s: s)  # DuckDB orders by bytes, as Python does


def test_sort_orders(db):
    newest = list_institutions(db, Selection(sort="joined", descending=True), page_size=30)["year_joined"].to_list()
    assert newest == sorted(newest, reverse=True)
    by_city = list_institutions(db, Selection(sort="city"), page_size=30)["city"].to_list()
    assert by_city == sorted(by_city)


def test_url_round_trip_and_notices():
    sel = (
        Selection(q="école 5", sort="joined", descending=True, year_from=1990, year_to=2001)
        .with_values("theme", ["esd", "gced"])
        .with_values("country", ["FRA"])
    )
    params = to_params(sel, page=3)
    back, page, notices = parse_params(params, countries=["FRA", "JPN"])
    assert (back, page, notices) == (sel, 3, [])


def test_bad_url_parameters_are_dropped_with_a_notice():
    params = {
        "theme": ["esd", "nonsense"],
        "country": ["ZZZ"],
        "from": ["abc"],
        "to": ["1800"],
        "sort": ["-bogus"],
        "page": ["-2"],
        "q": ["a", "b"],
        "utm_source": ["x"],
        "lang": ["fr"],
    }
    sel, page, notices = parse_params(params, countries=["FRA"])
    assert sel == Selection(q="a").with_values("theme", ["esd"])
    assert page == 1
    assert {(n.key, n.reason) for n in notices} == {
        ("theme", "unknown_value"),
        ("country", "unknown_value"),
        ("from", "not_a_year"),
        ("to", "not_a_year"),
        ("sort", "unknown_value"),
        ("page", "unknown_value"),
        ("q", "repeated"),
        ("utm_source", "unknown_parameter"),
    }


def test_a_pages_own_parameters_are_neither_selection_nor_unknown():
    params = {"tab": ["gaps"], "zoom": ["5"], "theme": ["esd"], "utm_source": ["x"]}
    sel, _, notices = parse_params(params, countries=[], page_keys=("tab", "zoom"))
    assert sel == Selection().with_values("theme", ["esd"])
    assert [(n.key, n.reason) for n in notices] == [("utm_source", "unknown_parameter")]


def test_reversed_years_are_swapped():
    sel, _, _ = parse_params({"from": ["2010"], "to": ["1990"]}, countries=[])
    assert (sel.year_from, sel.year_to) == (1990, 2010)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_export_holds_exactly_the_selection(db, frame, fmt):
    sel = Selection(q="school").with_values("level", ["secondary"])
    data = directory.export_bytes(directory.export_frame(db, sel, lang="fr"), fmt)
    if fmt == "csv":
        back = pl.read_csv(io.BytesIO(data[3:]))  # after the UTF-8 byte order mark
    elif fmt == "xlsx":
        back = pl.read_excel(io.BytesIO(data))
    else:
        back = pl.read_parquet(io.BytesIO(data))
    assert sorted(back["id"].to_list()) == sorted(expected(frame, sel)["id"].to_list())
    assert list(back.columns) == list(directory.EXPORT_COLUMNS)


def test_excel_refuses_more_rows_than_it_can_hold(monkeypatch, db):
    monkeypatch.setattr(directory, "MAX_EXCEL_ROWS", 10)
    with pytest.raises(directory.ExportTooLarge):
        directory.export_bytes(directory.export_frame(db, Selection()), "xlsx")


def test_full_export_is_for_analysts_and_admins_only(db):
    from aspnet_data.permissions import Actor, PermissionDenied

    sel = Selection().with_values("region", ["AFR"])
    for actor in (Actor(None), Actor("c", "coordinator", "FRA")):
        with pytest.raises(PermissionDenied):
            directory.export_full_frame(db, actor, sel)
    full = directory.export_full_frame(db, Actor("a", "analyst"), sel)
    assert "coordinator_phone" in full.columns and "version" in full.columns
    total = db.scalar(
        "SELECT count(*) FROM institutions i JOIN countries c ON c.iso3 = i.network WHERE c.region = 'AFR'"
    )
    assert full.height == total  # withdrawn included

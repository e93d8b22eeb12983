"""Every dashboard aggregate against an independent polars computation on the test network;
breakdowns keep to the chosen regions and levels; the staff figures are refused to the public."""

from datetime import datetime

import polars as pl
import pytest

from aspnet_data import dashboard
from aspnet_data.directory import Selection
from aspnet_data.permissions import ANONYMOUS, Actor, PermissionDenied
from aspnet_data.stats import through_year
from aspnet_data.vocab import LEVELS, REGIONS, THEMES

NOW = datetime(2026, 11, 1, 12, 0)
ANALYST = Actor("analyst", "analyst")
SELECTIONS = [
    Selection(),
    Selection().with_values("region", ["AFR", "LAC"]),
    Selection().with_values("level", ["secondary"]).with_values("ownership", ["private"]),
    Selection(year_from=1990, year_to=2015).with_values("status", ["member", "withdrawn"]),
]


@pytest.fixture(scope="module")
def frame(db):
    return db.query("""SELECT i.*, c.region, c.population FROM institutions i
                       JOIN countries c ON c.iso3 = i.network""")


def selected(frame, sel, *, history=False):
    out = frame
    for key, values in sel.filters:
        column = {
            "region": "region",
            "country": "network",
            "level": "levels",
            "ownership": "ownership",
            "status": "status",
        }[key]
        if key == "level":
            out = out.filter(pl.col("levels").list.eval(pl.element().is_in(list(values))).list.any())
        else:
            out = out.filter(pl.col(column).is_in(list(values)))
    if not sel.values("status") and not history:
        out = out.filter(pl.col("status") != "withdrawn")
    if sel.year_from is not None:
        out = out.filter(pl.col("year_joined") >= sel.year_from)
    if sel.year_to is not None:
        out = out.filter(pl.col("year_joined") <= sel.year_to)
    return out


@pytest.mark.parametrize("sel", SELECTIONS)
def test_headline_and_theme_coverage(db, frame, sel):
    got = dashboard.dashboard(db, sel, now=NOW)
    rows = selected(frame, sel)
    assert got.active == rows.height
    assert got.networks == rows["network"].n_unique()
    for theme in THEMES:
        assert got.theme_totals[theme] == rows.filter(pl.col("themes").list.contains(theme)).height
    by_region = {r["region"]: r for r in got.theme_by_region.iter_rows(named=True)}
    for (region,), group in rows.group_by(["region"]):
        assert by_region[region]["institutions"] == group.height
        assert by_region[region]["gced"] == group.filter(pl.col("themes").list.contains("gced")).height
    for row in got.theme_by_level.iter_rows(named=True):
        with_level = rows.filter(pl.col("levels").list.contains(row["level"]))
        assert row["institutions"] == with_level.height
        assert row["esd"] == with_level.filter(pl.col("themes").list.contains("esd")).height


@pytest.mark.parametrize("sel", SELECTIONS[:2])
def test_status_counts_ignore_the_default_active_filter(db, frame, sel):
    got = dashboard.dashboard(db, sel, now=NOW)
    rows = selected(frame, sel, history=True)
    assert got.by_status == {s: rows.filter(pl.col("status") == s).height for s in ("member", "candidate", "withdrawn")}


def test_states_without_a_network(db):
    got = dashboard.dashboard(db, Selection(), now=NOW).without_network
    expected = db.query("SELECT iso3 FROM countries WHERE iso3 NOT IN (SELECT iso3 FROM networks)")
    assert sorted(got["iso3"]) == sorted(expected["iso3"])
    assert got.filter(pl.col("unesco_status") == "member").height == 194 - 181
    africa = dashboard.dashboard(db, Selection().with_values("region", ["AFR"]), now=NOW).without_network
    assert set(africa["region"]) <= {"AFR"}


def test_per_country_and_missing_themes(db, frame):
    got = dashboard.dashboard(db, Selection(), now=NOW)
    rows = selected(frame, Selection())
    for row in got.by_country.head(10).iter_rows(named=True):
        country = rows.filter(pl.col("network") == row["iso3"])
        assert row["institutions"] == country.height
        assert row["per_million"] == pytest.approx(country.height / row["population"] * 1e6, abs=0.01)
    missing = set(got.missing_theme["iso3"])
    expected = {
        iso3
        for (iso3,), g in rows.group_by(["network"])
        if any(g.filter(pl.col("themes").list.contains(t)).height == 0 for t in THEMES)
    }
    assert missing == expected


def test_levels_by_region_and_under_representation(db, frame):
    got = dashboard.dashboard(db, Selection(), now=NOW).level_by_region
    rows = selected(frame, Selection())
    for level in LEVELS:
        overall = rows.filter(pl.col("levels").list.contains(level)).height / rows.height
        for (region,), group in rows.group_by(["region"]):
            share = group.filter(pl.col("levels").list.contains(level)).height / group.height
            row = got.filter((pl.col("region") == region) & (pl.col("level") == level)).row(0, named=True)
            assert row["share"] == pytest.approx(share)
            assert row["overall_share"] == pytest.approx(overall)
            assert row["under_represented"] == (share < dashboard.UNDER_REPRESENTED * overall)
    # The demo makes pre-primary rare in Africa's networks: the gap must show.
    assert got.filter((pl.col("region") == "AFR") & (pl.col("level") == "pre_primary"))["under_represented"][0]


def test_data_quality(db, frame):
    got = dashboard.staff_figures(db, ANALYST, Selection(), now=NOW).quality
    rows = selected(frame, Selection())
    row = got.row(0, named=True)
    mine = rows.filter(pl.col("network") == row["iso3"])
    stale = (mine["updated_at"] < NOW - dashboard.STALE_AFTER).mean()
    assert row["stale"] == pytest.approx(stale)
    filled = (
        mine.select(
            sum(
                pl.col(f).is_not_null().cast(pl.Int32)
                for f in ("website", "email", "pupils", "teachers", "latitude", "year_joined")
            )
            + (pl.col("languages").list.len() > 0).cast(pl.Int32)
        ).to_series()
        / 7
    )
    assert row["filled"] == pytest.approx(filled.mean())
    assert got["stale"].to_list() == sorted(got["stale"].to_list(), reverse=True)


def test_growth_over_time(db, frame):
    got = dashboard.dashboard(db, Selection(), now=NOW)
    rows = selected(frame, Selection(), history=True)
    eur = got.joins_by_region.filter(pl.col("region") == "EUR").sort("year")
    mine = rows.filter(pl.col("region") == "EUR")
    assert eur["joined"].sum() == mine["year_joined"].drop_nulls().len()
    assert eur["withdrawn"].sum() == mine["withdrawn_year"].drop_nulls().len()
    assert eur["members"][-1] == mine.filter(pl.col("status") == "member").height
    # Every year is there, up to this one: the lines end today, not at the last join.
    assert eur["year"].to_list() == list(range(eur["year"].min(), NOW.year + 1))
    by_year = dict(zip(eur["year"], eur["members"]))
    quiet = [
        y
        for y, j, w in eur.select("year", "joined", "withdrawn").iter_rows()
        if j == 0 and w == 0 and y > eur["year"].min()
    ]
    assert quiet and all(by_year[y] == by_year[y - 1] for y in quiet)
    assert got.withdrawals["withdrawn"].sum() == rows["withdrawn_year"].drop_nulls().len()
    esd = got.joins_by_theme.filter(pl.col("theme") == "esd")
    assert esd["joined"].sum() == rows.filter(pl.col("themes").list.contains("esd"))["year_joined"].drop_nulls().len()


def test_application_funnel(db):
    got = dashboard.staff_figures(db, ANALYST, Selection(), now=NOW).funnel
    apps = db.query("SELECT a.id, a.stage, c.region FROM applications a JOIN countries c ON c.iso3 = a.network")
    current = dict(got.group_by("stage").agg(pl.col("applications").sum()).rows())
    assert current == dict(apps["stage"].value_counts().rows())
    events = db.query("""SELECT e.application_id, e.stage, e.occurred_at, c.region FROM application_events e
                         JOIN applications a ON a.id = e.application_id JOIN countries c ON c.iso3 = a.network
                         ORDER BY e.application_id, e.occurred_at, e.id""")
    events = events.with_columns(pl.col("occurred_at").shift(-1).over("application_id").alias("left_at"))
    submitted = events.filter((pl.col("stage") == "submitted") & (pl.col("region") == "EUR"))
    days = (submitted["left_at"].fill_null(NOW) - submitted["occurred_at"]).dt.total_days()
    row = got.filter((pl.col("region") == "EUR") & (pl.col("stage") == "submitted")).row(0, named=True)
    assert row["median_days"] == pytest.approx(days.median())
    assert row["entered"] == submitted["application_id"].n_unique()
    assert (
        got.filter(pl.col("stage") == "approved")["median_days"].null_count()
        == got.filter(pl.col("stage") == "approved").height
    )


def test_country_filter_scopes_the_funnel(db):
    iso3 = db.scalar("SELECT network FROM applications GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
    got = dashboard.staff_figures(db, ANALYST, Selection().with_values("country", [iso3]), now=NOW).funnel
    assert got["applications"].sum() == db.scalar("SELECT count(*) FROM applications WHERE network = ?", [iso3])


def test_history_is_carried_to_this_year_when_nobody_joined_lately():
    history = pl.DataFrame(
        {
            "year": [2001, 2004, 2002],
            "region": ["A", "A", "B"],
            "joined": [2, 1, 5],
            "withdrawn": [0, 1, 0],
            "members": [2, 2, 5],
        }
    )
    got = through_year(history, 2006, series="region")
    a = got.filter(pl.col("region") == "A")
    assert a["year"].to_list() == [2001, 2002, 2003, 2004, 2005, 2006]
    assert a["members"].to_list() == [2, 2, 2, 2, 2, 2]
    assert a["joined"].to_list() == [2, 0, 0, 1, 0, 0] and a["withdrawn"].sum() == 1
    b = got.filter(pl.col("region") == "B")
    assert b["year"].to_list() == [2002, 2003, 2004, 2005, 2006] and set(b["members"]) == {5}
    assert through_year(history.head(0), 2006, series="region").height == 0


@pytest.mark.parametrize("regions", [["AFR"], ["ARB", "LAC"]])
def test_a_region_filter_keeps_every_breakdown_to_its_regions(db, regions):
    sel = Selection().with_values("region", regions)
    got = dashboard.dashboard(db, sel, now=NOW)
    staff = dashboard.staff_figures(db, ANALYST, sel, now=NOW)
    assert sorted(got.theme_by_region["region"]) == sorted(regions)
    assert set(got.level_by_region["region"]) == set(regions)
    assert set(got.joins_by_region["region"]) == set(regions)
    assert set(got.by_country["region"]) <= set(regions)
    assert set(staff.quality["region"]) <= set(regions)
    assert set(staff.funnel["region"]) <= set(regions)


def test_a_country_filter_shows_the_regions_of_its_countries(db):
    iso3, region = db.rows(
        "SELECT n.iso3, c.region FROM networks n JOIN countries c USING (iso3) ORDER BY n.iso3 LIMIT 1"
    )[0]
    got = dashboard.dashboard(db, Selection().with_values("country", [iso3]), now=NOW)
    assert got.theme_by_region["region"].to_list() == [region]
    assert got.by_country["iso3"].to_list() == [iso3]
    # Without a filter every region shows, in the order of the vocabulary.
    assert dashboard.dashboard(db, Selection(), now=NOW).theme_by_region["region"].to_list() == list(REGIONS)


def test_a_level_filter_keeps_the_breakdowns_by_level_to_its_levels(db, frame):
    sel = Selection().with_values("level", ["tvet", "primary"])
    got = dashboard.dashboard(db, sel, now=NOW)
    assert got.levels == ("primary", "tvet")  # in the vocabulary's order
    assert got.theme_by_level["level"].to_list() == ["primary", "tvet"]
    assert set(got.level_by_region["level"]) == {"primary", "tvet"}
    rows = selected(frame, sel)
    tvet = got.theme_by_level.filter(pl.col("level") == "tvet").row(0, named=True)
    assert tvet["institutions"] == rows.filter(pl.col("levels").list.contains("tvet")).height
    assert dashboard.dashboard(db, Selection(), now=NOW).levels == LEVELS


@pytest.mark.parametrize(
    "actor, allowed",
    [
        (ANONYMOUS, False),
        (Actor("analyst", "analyst"), True),
        (Actor("coord.fra", "coordinator", "FRA"), True),
        (Actor("admin", "admin"), True),
    ],
)
def test_staff_figures_are_for_signed_in_staff_only(db, actor, allowed):
    if allowed:
        got = dashboard.staff_figures(db, actor, Selection(), now=NOW)
        assert got.quality.height and got.funnel.height
    else:
        with pytest.raises(PermissionDenied):
            dashboard.staff_figures(db, actor, Selection(), now=NOW)
    # The public dashboard carries no per-network quality nor funnel to leak.
    public = dashboard.dashboard(db, Selection(), now=NOW)
    assert not hasattr(public, "quality") and not hasattr(public, "funnel")

"""The demo network: deterministic, realistic, and counted the same way everywhere."""

import polars as pl
import pytest
import shapely

from aspnet_data import demo, reference, stats
from aspnet_data.cli import TABLES
from aspnet_data.db import DatabaseError, open_database
from aspnet_data.vocab import APPLICATION_STAGES, LEVELS, REGIONS, THEMES

from ..conftest import TEST_INSTITUTIONS

CHECKED = [t for t in TABLES if t != "meta"]


def build(path, seed, n=600):
    with open_database(path, create=True) as db:
        demo.build(db, institutions=n, seed=seed)
        return db.checksums(CHECKED)


def test_same_seed_same_database_other_seed_other_database(tmp_path):
    first = build(tmp_path / "a.duckdb", seed=7)
    again = build(tmp_path / "b.duckdb", seed=7)
    other = build(tmp_path / "c.duckdb", seed=8)
    assert first == again
    assert first["institutions"] != other["institutions"]


def test_demo_refuses_a_database_that_has_data(db):
    with pytest.raises(DatabaseError, match="already holds data"):
        demo.build(db, institutions=10)


def test_181_networks_in_every_region(db):
    assert db.scalar("SELECT count(*) FROM networks") == 181
    regions = {r[0] for r in db.rows("SELECT DISTINCT c.region FROM networks n JOIN countries c USING (iso3)")}
    assert regions == set(REGIONS)
    assert (
        db.scalar("SELECT count(*) FROM networks n JOIN countries c USING (iso3) WHERE c.unesco_status <> 'member'")
        == 0
    )


def test_institution_count_and_heavy_tailed_network_sizes(db):
    sizes = db.query("SELECT network, count(*) AS n FROM institutions GROUP BY network")["n"]
    assert sizes.sum() == TEST_INSTITUTIONS
    assert sizes.len() == 181  # every network has at least one institution
    assert sizes.max() >= 0.09 * TEST_INSTITUTIONS  # the largest holds about 11%
    assert sizes.max() >= 10 * sizes.median()


def test_every_institution_is_inside_its_own_country(db):
    shapes = reference.country_shapes()
    frame = db.query("SELECT network, latitude, longitude FROM institutions")
    checked = 0
    for (iso3,), group in frame.group_by(["network"]):
        if iso3 not in shapes:
            continue
        inside = shapely.contains_xy(shapes[iso3], group["longitude"].to_numpy(), group["latitude"].to_numpy())
        assert inside.all(), f"{iso3}: {int((~inside).sum())} outside"
        checked += group.height
    assert checked > 0.95 * TEST_INSTITUTIONS


def test_vocabularies_and_years_are_valid(db):
    frame = db.query("SELECT levels, themes, status, year_joined, ownership FROM institutions")
    assert frame["levels"].explode().is_in(LEVELS).all()
    assert frame["themes"].explode().is_in(THEMES).all()
    assert (frame["themes"].list.len().is_between(1, 3)).all()
    one_or_two = frame["themes"].list.len().is_in([1, 2]).mean()
    assert one_or_two > 0.8  # most schools take one or two themes
    joined = frame.filter(pl.col("status") != "candidate")["year_joined"]
    assert joined.null_count() == 0 and joined.min() >= 1953 and joined.max() <= demo.DEFAULT_AS_OF.year
    assert (
        frame.filter(pl.col("status") == "candidate")["year_joined"].null_count()
        == frame.filter(pl.col("status") == "candidate").height
    )
    shares = frame["status"].value_counts(normalize=True)
    share = dict(zip(shares["status"], shares["proportion"]))
    assert 0.01 < share["candidate"] < 0.1 and 0.02 < share["withdrawn"] < 0.2
    # Growth over time: more schools joined in the last 20 years than in the first 40.
    assert (joined >= demo.DEFAULT_AS_OF.year - 20).sum() > (joined < 1993).sum()


def test_names_in_original_script_carry_a_latin_transliteration(db):
    japan = db.query("SELECT name, name_latin, search_text FROM institutions WHERE network = 'JPN' LIMIT 50")
    if japan.height == 0:
        pytest.skip("Japan not among the test networks")
    assert japan["name"].str.contains(r"[\u3040-\u30ff\u4e00-\u9fff]").any()
    assert not japan["name_latin"].str.contains(r"[\u3040-\u30ff\u4e00-\u9fff]").any()
    assert japan["search_text"].str.contains(r"^[\x00-\x7f]+$").all()


def test_non_latin_networks_have_local_names(db):
    frame = db.query(
        """SELECT c.script, i.name, i.name_latin FROM institutions i JOIN countries c ON c.iso3 = i.network
           WHERE c.script IN ('Arab', 'Cyrl', 'Hans', 'Kore', 'Grek')"""
    )
    assert frame.height > 0
    local = frame.filter(pl.col("name") != pl.col("name_latin"))
    assert local.height / frame.height > 0.5


def test_applications_in_every_stage_with_history(db):
    stages = {r[0] for r in db.rows("SELECT DISTINCT stage FROM applications")}
    assert stages == set(APPLICATION_STAGES)
    # Every submitted application has a history whose last event is its current stage.
    mismatched = db.analytics.scalar(
        """SELECT count(*) FROM applications a
           JOIN (SELECT application_id, arg_max(stage, occurred_at) AS last FROM application_events GROUP BY 1) e
             ON e.application_id = a.id
           WHERE a.stage <> e.last"""
    )
    assert mismatched == 0
    assert db.scalar("SELECT count(*) FROM applications WHERE stage <> 'draft' AND submitted_at IS NULL") == 0


def test_accounts_projects_and_board_have_life(db):
    roles = dict(db.rows("SELECT role, count(*) FROM users GROUP BY role"))
    assert roles["coordinator"] == 181 and roles["admin"] >= 2 and roles["analyst"] >= 2
    assert db.scalar("SELECT count(*) FROM users WHERE role = 'coordinator' AND network IS NULL") == 0
    assert db.scalar("SELECT count(*) FROM projects") >= 6
    assert (
        db.scalar(
            "SELECT min(n) FROM (SELECT count(DISTINCT i.network) AS n FROM project_members m "
            "JOIN institutions i ON i.id = m.institution_id GROUP BY m.project_id) AS per_project"
        )
        >= 1
    )
    assert db.scalar("SELECT count(DISTINCT kind) FROM channels") == 6
    # Conversations between coordinators, read by their members (each has two or more).
    talks = db.rows(
        "SELECT c.id, c.title, count(DISTINCT cm.username), count(DISTINCT m.id) FROM channels c "
        "JOIN channel_members cm ON cm.channel_id = c.id JOIN messages m ON m.channel_id = c.id "
        "WHERE c.kind = 'direct' GROUP BY c.id, c.title"
    )
    assert len(talks) >= 8 and all(members >= 2 and posts >= 1 for _, _, members, posts in talks)
    assert any(title for title, *_ in (row[1:] for row in talks))  # some titled groups
    schools = db.rows("SELECT network FROM channels WHERE kind = 'schools'")
    assert {"FRA", "ESP", "KEN"} <= {n for (n,) in schools} and 40 < len(schools) < 110
    assert db.scalar("SELECT min(n) FROM (SELECT count(m.id) AS n FROM channels c LEFT JOIN messages m "
                     "ON m.channel_id = c.id WHERE c.kind = 'schools' GROUP BY c.id) AS news") >= 2  # fmt: skip
    states = dict(db.rows("SELECT state, count(*) FROM change_requests GROUP BY state"))
    assert set(states) == {"pending", "approved", "declined"} and states["pending"] > states["declined"]
    assert not db.scalar(  # an approved request shows in the school's record
        "SELECT count(*) FROM change_requests r JOIN institutions i ON i.id = r.institution_id "
        "WHERE r.state = 'approved' AND ((r.themes IS NOT NULL AND i.themes <> r.themes) "
        "OR (r.levels IS NOT NULL AND i.levels <> r.levels))"
    )
    assert db.scalar("SELECT count(*) FROM messages") >= 120
    assert db.scalar("SELECT count(*) FROM messages WHERE thread_id IS NOT NULL") > 0


def test_overview_counts_match_an_independent_polars_computation(db):
    frame = db.query("SELECT i.status, i.themes, c.region FROM institutions i JOIN countries c ON c.iso3 = i.network")
    got = stats.overview(db)
    expected_status = dict(frame["status"].value_counts().rows())
    assert got.by_status == {s: expected_status.get(s, 0) for s in ("candidate", "member", "withdrawn")}
    active = frame.filter(pl.col("status") != "withdrawn")
    for theme in THEMES:
        assert got.by_theme[theme] == active.filter(pl.col("themes").list.contains(theme)).height
    by_region = dict(active["region"].value_counts().rows())
    assert dict(got.by_region.select("region", "institutions").rows()) == {r: by_region.get(r, 0) for r in REGIONS}
    assert got.by_region["networks"].sum() == 181 == got.networks
    assert got.member_states == 194 and got.associate_members == 12
    assert got.active == active.height


def test_demo_passwords_verify(db):
    import bcrypt

    for role, password in demo.DEMO_PASSWORDS.items():
        stored = db.scalar("SELECT password_hash FROM users WHERE role = ? LIMIT 1", [role])
        assert bcrypt.checkpw(password.encode(), stored.encode())


@pytest.mark.parametrize("seed", [demo.DEFAULT_SEED, 1, 2])
def test_network_sizes_follow_the_countries_sizes(seed):
    gen = demo._Generator(seed=seed, as_of=demo.DEFAULT_AS_OF)
    networks = gen.networks()
    sizes = pl.DataFrame({"iso3": networks["iso3"], "n": gen._network_sizes(networks, 10_000)}).join(
        gen.countries.select("iso3", "population"), on="iso3"
    )
    assert sizes["n"].sum() == 10_000 and sizes["n"].min() >= 1
    assert sizes["n"].max() == pytest.approx(1_100, rel=0.05)  # the largest holds about 11%, as Japan's does
    populous = sizes.sort("population", descending=True).head(20)
    small = sizes.filter(pl.col("population") < 1_000_000)  # small states: a handful each
    assert populous["n"].min() >= sizes["n"].median() and populous["n"].median() >= 4 * sizes["n"].median()
    assert small["n"].max() <= 50 and small["n"].median() <= 15

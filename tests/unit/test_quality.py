"""The data-quality to-do list finds exactly the problems planted in a copy of the test network."""

import re
from datetime import datetime, timedelta

import polars as pl
import pytest

from aspnet_data import quality
from aspnet_data.dashboard import QUALITY_FIELDS, STALE_AFTER
from aspnet_data.db import open_database
from aspnet_data.permissions import Actor
from aspnet_data.text import fold

ADMIN = Actor("admin", "admin")

NOW = datetime(2026, 11, 1, 12, 0)
ALL = 1_000_000  # a limit no list reaches
SEA = (30.0, -40.0)  # mid-Atlantic (latitude, longitude)
PARIS = (48.8566, 2.3522)


@pytest.fixture()
def scratch(scratch_copy):
    with open_database(scratch_copy) as database:
        yield database


def run(db, network, **kwargs):
    return quality.todo(db, ADMIN, network, now=NOW, limit=kwargs.pop("limit", ALL), **kwargs)


def ids(frame, column="id"):
    return set(frame[column].to_list())


def pairs(todo):
    return {(r["id_a"], r["id_b"]): r["similarity"] for r in todo.duplicates.iter_rows(named=True)}


def execute(db, sql, params=None):
    return db.write(lambda cur: cur.execute(sql, params).fetchall())


def copy_school(db, source_id, **values):
    """Insert a copy of an institution with a new id and some columns replaced; returns the id."""
    columns = [
        c
        for (c,) in db.rows("""SELECT column_name FROM information_schema.columns
                                        WHERE table_name = 'institutions' ORDER BY ordinal_position""")
    ]
    select, params = [], []
    for column in columns:
        if column == "id":
            select.append("nextval('institution_id_seq')")
        elif column in values:
            select.append("?")
            params.append(values[column])
        else:
            select.append(column)
    params.append(source_id)
    return execute(
        db,
        f"INSERT INTO institutions ({', '.join(columns)}) SELECT {', '.join(select)} "
        "FROM institutions WHERE id = ? RETURNING id",
        params,
    )[0][0]


def active(db, network):
    return db.query("SELECT * FROM institutions WHERE network = ? ORDER BY id", [network]).filter(
        pl.col("status") != "withdrawn"
    )


def expected_missing(db, network):
    out = []
    for row in active(db, network).iter_rows(named=True):
        gaps = [f for f in QUALITY_FIELDS if row[f] is None or row[f] == []]
        if gaps:
            out.append({"id": row["id"], "name": row["name"], "city": row["city"], "missing": gaps})
    return sorted(out, key=lambda r: (-len(r["missing"]), r["id"]))


def expected_stale(db, network):
    return (
        active(db, network)
        .filter(pl.col("updated_at") < NOW - STALE_AFTER)
        .sort("updated_at", "id")
        .select("id", "name", "city", "updated_at")
        .to_dicts()
    )


def pick(db, network, exclude=(), where="true", params=()):
    """An active institution of the network not in ``exclude``."""
    found = db.rows(
        f"""SELECT id FROM institutions WHERE network = ? AND status <> 'withdrawn'
                        AND city IS NOT NULL AND {where} ORDER BY id""",
        [network, *params],
    )
    return next(i for (i,) in found if i not in set(exclude))


@pytest.mark.parametrize("network", ["RUS", "ESP", "CHN", "TUV"])
def test_missing_and_stale_match_an_independent_computation(db, network):
    got = run(db, network)
    assert got.missing.columns == ["id", "name", "city", "missing"]
    assert got.stale.columns == ["id", "name", "city", "updated_at"]
    assert got.missing.to_dicts() == expected_missing(db, network)
    assert got.stale.to_dicts() == expected_stale(db, network)
    assert got.totals["missing"] == got.missing.height > 0
    assert got.totals["stale"] == got.stale.height


def test_planted_gaps_and_stale_records_are_listed_exactly(scratch):
    before = run(scratch, "RUS")
    seen = ids(before.missing) | ids(before.stale)
    no_email = pick(scratch, "RUS", seen)
    no_site_or_language = pick(scratch, "RUS", seen | {no_email})
    old = pick(scratch, "RUS", seen | {no_email, no_site_or_language})
    just_fresh = pick(scratch, "RUS", seen | {no_email, no_site_or_language, old})
    execute(scratch, "UPDATE institutions SET email = NULL WHERE id = ?", [no_email])
    execute(scratch, "UPDATE institutions SET website = NULL, languages = ? WHERE id = ?", [[], no_site_or_language])
    execute(scratch, "UPDATE institutions SET updated_at = ? WHERE id = ?", [NOW - timedelta(days=3 * 365), old])
    execute(scratch, "UPDATE institutions SET updated_at = ? WHERE id = ?", [NOW - STALE_AFTER, just_fresh])

    after = run(scratch, "RUS")
    assert ids(after.missing) - ids(before.missing) == {no_email, no_site_or_language}
    assert ids(before.missing) <= ids(after.missing)
    gaps = {r["id"]: r["missing"] for r in after.missing.iter_rows(named=True)}
    assert gaps[no_email] == ["email"]
    assert gaps[no_site_or_language] == ["website", "languages"]
    assert ids(after.stale) - ids(before.stale) == {old}
    assert ids(before.stale) <= ids(after.stale)
    assert after.missing.to_dicts() == expected_missing(scratch, "RUS")
    assert after.stale.to_dicts() == expected_stale(scratch, "RUS")


def test_planted_near_duplicates_are_found_across_scripts(scratch):
    before_esp, before_rus = run(scratch, "ESP"), run(scratch, "RUS")
    taken_esp = ids(before_esp.duplicates, "id_a") | ids(before_esp.duplicates, "id_b")
    taken_rus = ids(before_rus.duplicates, "id_a") | ids(before_rus.duplicates, "id_b")

    # A Latin-script school entered twice with different punctuation, accents and articles.
    original = pick(scratch, "ESP", taken_esp, "name = name_latin AND name LIKE '% % %'")
    name = scratch.scalar("SELECT name FROM institutions WHERE id = ?", [original])
    variant = "La " + name.upper().replace(" ", "-")
    assert fold(variant) != fold(name)
    latin_copy = copy_school(scratch, original, name=variant, name_latin=variant)

    # A Russian school entered again with only a Latin name, transliterated from its Cyrillic
    # name: it matches the original's name, not the original's Latin form.
    def words(text):
        return set(re.findall(r"[a-z]+|[0-9]+", fold(text)))

    rus = active(scratch, "RUS").filter(~pl.col("id").is_in(list(taken_rus)) & pl.col("city").is_not_null())
    russian = next(r for r in rus.iter_rows(named=True) if words(r["name"]) != words(r["name_latin"]))
    transliterated = fold(russian["name"]).title().replace(".", "")
    assert fold(transliterated) != fold(russian["name"])
    cross_copy = copy_school(scratch, russian["id"], name=transliterated, name_latin=transliterated)

    after_esp, after_rus = run(scratch, "ESP"), run(scratch, "RUS")
    assert after_esp.duplicates.columns == ["id_a", "name_a", "id_b", "name_b", "city", "similarity"]
    new_esp = {k: v for k, v in pairs(after_esp).items() if k not in pairs(before_esp)}
    new_rus = {k: v for k, v in pairs(after_rus).items() if k not in pairs(before_rus)}
    assert new_esp == {(original, latin_copy): 1.0}
    assert new_rus == {(russian["id"], cross_copy): 1.0}
    assert pairs(before_esp).items() <= pairs(after_esp).items()
    assert pairs(before_rus).items() <= pairs(after_rus).items()
    row = after_rus.duplicates.filter(pl.col("id_b") == cross_copy).row(0, named=True)
    assert (row["name_a"], row["name_b"], row["city"]) == (russian["name"], transliterated, russian["city"])


def test_a_name_with_one_extra_word_scores_its_jaccard_similarity(scratch):
    base = pick(scratch, "ESP")
    long_name = "Instituto de Educación Secundaria Domingo Faustino Sarmiento"  # 6 significant words
    first = copy_school(scratch, base, name=long_name, name_latin=long_name, city="Villa Prueba")
    second = copy_school(scratch, base, name="IES " + long_name, name_latin="IES " + long_name, city="villa  PRUEBA")
    third = copy_school(
        scratch, base, name="Instituto Técnico Sarmiento", name_latin="Instituto Técnico Sarmiento", city="Villa Prueba"
    )
    found = {k: v for k, v in pairs(run(scratch, "ESP")).items() if {first, second, third} & set(k)}
    assert found == {(first, second): round(6 / 7, 3)}


def test_numbered_schools_of_one_town_are_not_duplicates(scratch):
    # The long names share 13 of 15 words (Jaccard 0.87): only the number tells them apart.
    base = pick(scratch, "RUS")
    long_ru = (
        "Муниципальное бюджетное общеобразовательное учреждение средняя общеобразовательная школа № {} "
        "имени А. С. Пушкина г. Тестовск"
    )
    long_latin = (
        "Munitsipalnoe byudzhetnoe obshcheobrazovatelnoe uchrezhdenie srednyaya obshcheobrazovatelnaya "
        "shkola No. {} imeni A. S. Pushkina g. Testovsk"
    )
    school = {}
    for n in (5, 6):
        school[n] = copy_school(scratch, base, name=long_ru.format(n), name_latin=long_latin.format(n), city="Testovsk")
        school[f"short{n}"] = copy_school(
            scratch,
            base,
            name=f"Гимназия № {n} г. Тестовск",
            name_latin=f"Gimnaziya No. {n} g. Testovsk",
            city="Testovsk",
        )
    # The same No. 5 again, spelled differently: that one is a duplicate.
    again = copy_school(
        scratch,
        base,
        name=long_latin.format(5).replace("No. ", "N "),
        name_latin=long_latin.format(5).replace("No. ", "N "),
        city="Testovsk",
    )
    planted = set(school.values()) | {again}
    found = {k for k in pairs(run(scratch, "RUS")) if planted & set(k)}
    assert found == {(school[5], again)}


def test_planted_coordinates_outside_the_country_or_missing(scratch):
    assert run(scratch, "RUS").outside.height == 0
    at_sea = pick(scratch, "RUS")
    in_france = pick(scratch, "RUS", {at_sea})
    nowhere = pick(scratch, "RUS", {at_sea, in_france})
    execute(scratch, "UPDATE institutions SET latitude = ?, longitude = ? WHERE id = ?", [*SEA, at_sea])
    execute(scratch, "UPDATE institutions SET latitude = ?, longitude = ? WHERE id = ?", [*PARIS, in_france])
    execute(scratch, "UPDATE institutions SET latitude = NULL, longitude = NULL WHERE id = ?", [nowhere])

    got = run(scratch, "RUS")
    assert got.outside.columns == ["id", "name", "city", "latitude", "longitude", "problem"]
    assert {(r["id"], r["problem"]) for r in got.outside.iter_rows(named=True)} == {
        (at_sea, "outside_country"),
        (in_france, "outside_country"),
        (nowhere, "no_coordinates"),
    }
    placed = got.outside.filter(pl.col("id") == in_france).row(0, named=True)
    assert (placed["latitude"], placed["longitude"]) == PARIS
    assert got.totals["outside"] == 3


def test_countries_without_outline_only_report_missing_coordinates(scratch):
    assert not scratch.scalar("SELECT has_outline FROM countries WHERE iso3 = 'TUV'")
    moved = pick(scratch, "TUV")
    nowhere = pick(scratch, "TUV", {moved})
    execute(scratch, "UPDATE institutions SET latitude = ?, longitude = ? WHERE id = ?", [*PARIS, moved])
    execute(scratch, "UPDATE institutions SET longitude = NULL WHERE id = ?", [nowhere])
    got = run(scratch, "TUV")
    assert got.outside.select("id", "problem").rows() == [(nowhere, "no_coordinates")]


def test_withdrawn_institutions_are_never_listed(scratch):
    withdrawn = scratch.scalar("SELECT min(id) FROM institutions WHERE network = 'RUS' AND status = 'withdrawn'")
    twin = copy_school(scratch, pick(scratch, "RUS"), status="withdrawn", withdrawn_year=2020)
    for school in (withdrawn, twin):
        execute(
            scratch,
            """UPDATE institutions SET email = NULL, website = NULL, updated_at = ?,
                            latitude = ?, longitude = ? WHERE id = ?""",
            [NOW - timedelta(days=4000), *SEA, school],
        )
    got = run(scratch, "RUS")
    gone = {withdrawn, twin}
    for frame in (got.missing, got.stale, got.outside):
        assert not ids(frame) & gone
    assert not (ids(got.duplicates, "id_a") | ids(got.duplicates, "id_b")) & gone
    every_withdrawn = set(scratch.query("SELECT id FROM institutions WHERE status = 'withdrawn'")["id"].to_list())
    for network in ("RUS", "ESP", "CHN", "COD"):
        got = run(scratch, network)
        listed = (
            ids(got.missing)
            | ids(got.stale)
            | ids(got.outside)
            | ids(got.duplicates, "id_a")
            | ids(got.duplicates, "id_b")
        )
        assert not listed & every_withdrawn


def test_limit_truncates_each_list_and_totals_keep_the_full_count(scratch):
    # The largest network of the test demo: more than three items in every list.
    for _ in range(4):
        nowhere = pick(scratch, "CHN", where="latitude IS NOT NULL")
        execute(scratch, "UPDATE institutions SET latitude = NULL WHERE id = ?", [nowhere])
    full = run(scratch, "CHN")
    cut = run(scratch, "CHN", limit=3)
    assert cut.totals == full.totals
    assert all(total > 3 for total in full.totals.values())
    for name in ("missing", "stale", "duplicates", "outside", "inactive"):
        frame = getattr(cut, name)
        assert frame.height == min(3, full.totals[name])
        assert frame.equals(getattr(full, name).head(3))
    assert run(scratch, "CHN", limit=0).missing.height == 0


def test_a_huge_city_is_compared_within_a_bounded_window(scratch):
    base = pick(scratch, "RUS")
    identical, numbered = 120, 600
    execute(
        scratch,
        """INSERT INTO institutions (id, network, name, name_latin, search_text, city, latitude,
                            longitude, levels, ownership, themes, status, languages, created_at, updated_at)
        SELECT nextval('institution_id_seq'), network, n, n, search_text, 'Testovsk', latitude, longitude, levels,
               ownership, themes, status, languages, created_at, updated_at
        FROM institutions,
             (SELECT CASE WHEN r < ? THEN 'Gimnaziya g. Testovsk'
                          ELSE 'Srednyaya shkola No. ' || r || ' g. Testovsk' END AS n
              FROM generate_series(0, ? - 1) t(r)) AS names
        WHERE id = ?""",
        [identical, identical + numbered, base],
    )
    got = run(scratch, "RUS")
    in_town = got.duplicates.filter(pl.col("city") == "Testovsk")
    assert set(in_town["name_a"]) == set(in_town["name_b"]) == {"Gimnaziya g. Testovsk"}
    # Every school is paired with its WINDOW next neighbours in name order, not with all 119 others.
    assert in_town.height == sum(min(quality.WINDOW, identical - 1 - k) for k in range(identical))
    assert in_town.height < identical * (identical - 1) // 2


def test_duplicates_are_compared_once_per_data_version(scratch, monkeypatch):
    """The To do and the quality page read the same pairs: compared again only after a write."""
    compared = []
    find = quality._find_duplicates
    monkeypatch.setattr(quality, "_find_duplicates", lambda db, network: compared.append(network) or find(db, network))
    first = run(scratch, "ESP")
    assert run(scratch, "ESP", limit=0).totals["duplicates"] == first.totals["duplicates"] and compared == ["ESP"]
    school = pick(scratch, "ESP", ids(first.duplicates, "id_a") | ids(first.duplicates, "id_b"))
    copy_school(scratch, school)  # entered twice
    again = run(scratch, "ESP")
    assert compared == ["ESP", "ESP"] and again.totals["duplicates"] == first.totals["duplicates"] + 1
    assert {school} <= ids(again.duplicates, "id_a") | ids(again.duplicates, "id_b")

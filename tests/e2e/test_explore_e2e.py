"""Directory, map and profiles in a real browser: what AppTest cannot drive."""

import csv
import io
import re

import polars as pl
import pytest

from aspnet_data import directory
from aspnet_data.directory import Selection, export_frame, facet_counts

from .conftest import click_map, download, screenshot, settle

pytestmark = pytest.mark.e2e
DECK = "[data-testid='stDeckGlJsonChart']"


def wait_idle(page):
    settle(page)


def test_map_draws_offline_without_failed_requests(server, web):
    page = web.page
    page.goto(server + "/map")
    page.locator(f"{DECK} canvas").first.wait_for(timeout=30_000)
    page.get_by_text("The map shows").wait_for()
    wait_idle(page)
    settle(page)
    screenshot(page, "map-desktop")
    assert web.failures == []


def test_clicking_a_school_opens_its_profile(server, web, db):
    iso3, name, school_id = db.rows(
        """SELECT network, name_latin, min(id) FROM institutions WHERE status = 'member'
           GROUP BY network, name_latin HAVING count(*) = 1 ORDER BY min(id) LIMIT 1"""
    )[0]
    page = web.page
    page.goto(f"{server}/map?country={iso3}&q={name}")
    canvas = page.locator(f"{DECK} canvas").first
    canvas.wait_for(timeout=30_000)
    page.get_by_text("The map shows 1 institution in 1 country").wait_for()
    page.wait_for_timeout(1500)  # let deck.gl draw and build its picking buffer
    box = canvas.bounding_box()
    # A selection of one school is centred on it.
    click_map(
        page, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, re.compile(rf"/institution\?id={school_id}\b")
    )
    page.get_by_role("heading", level=1).wait_for()
    assert web.failures == []


def test_a_filtered_link_reproduces_the_view(server, web, db):
    page = web.page
    page.goto(f"{server}/directory?theme=esd&region=EUR&q=school&sort=-joined")
    sel = (
        Selection(q="school", sort="joined", descending=True)
        .with_values("region", ["EUR"])
        .with_values("theme", ["esd"])
    )
    total = facet_counts(db, sel).total
    page.get_by_text(f"{total:,} institutions · search “school”").wait_for(timeout=30_000)
    wait_idle(page)
    assert page.get_by_role("textbox", name="Search").input_value() == "school"
    pressed = page.locator(
        "[data-testid='stSidebar'] button[kind='pillsActive'], "
        "[data-testid='stSidebar'] [aria-pressed='true'], "
        "[data-testid='stSidebar'] [aria-checked='true']"
    ).all_inner_texts()
    assert any(text.startswith("Europe and North America") for text in pressed), pressed
    assert any(text.startswith("Education for Sustainable") for text in pressed), pressed
    screenshot(page, "directory-filtered")


def test_csv_export_holds_exactly_the_filtered_rows(server, web, db):
    page = web.page
    page.goto(f"{server}/directory?theme=heritage&level=primary")
    page.get_by_text("Download the selection").wait_for(timeout=30_000)
    wait_idle(page)
    info = download(page, page.get_by_role("button", name="CSV", exact=True))
    text = open(info.path(), encoding="utf-8-sig").read()
    rows = list(csv.DictReader(io.StringIO(text)))
    sel = Selection().with_values("level", ["primary"]).with_values("theme", ["heritage"])
    expected = export_frame(db, sel)
    assert len(rows) == expected.height == facet_counts(db, sel).total
    assert sorted(int(r["id"]) for r in rows) == sorted(expected["id"].to_list())
    assert all("Intercultural" not in r["themes"] and "heritage" in r["themes"] for r in rows[:20])


def test_back_button_restores_the_previous_selection(server, web, db):
    page = web.page
    page.goto(f"{server}/directory?theme=gced")
    gced = facet_counts(db, Selection().with_values("theme", ["gced"])).total
    page.get_by_text(f"{gced:,} institutions").first.wait_for(timeout=30_000)
    wait_idle(page)
    search = page.get_by_role("textbox", name="Search")
    search.fill("lycee")
    search.press("Enter")
    page.wait_for_url(re.compile(r"q=lycee"), timeout=30_000)
    narrowed = facet_counts(db, Selection(q="lycee").with_values("theme", ["gced"])).total
    page.get_by_text(f"{narrowed:,} institutions · search “lycee”").wait_for()
    page.go_back()
    page.wait_for_url(re.compile(r"/directory\?theme=gced$"), timeout=30_000)
    page.get_by_text(f"{gced:,} institutions", exact=False).first.wait_for()
    wait_idle(page)
    assert search.input_value() == ""


@pytest.mark.screenshots
@pytest.mark.parametrize("width", [1400, 390])
def test_screenshots_of_every_explore_page(server, browser, db, width):
    """Pictures to look at (test-artifacts/); the test checks each page renders without error."""
    iso3 = db.scalar("SELECT network FROM institutions GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
    school = db.scalar("SELECT min(id) FROM institutions WHERE network = ?", [iso3])
    context = browser.new_context(viewport={"width": width, "height": 1400})
    page = context.new_page()
    for name, path in (
        ("directory", "/directory"),
        ("map", "/map?region=LAC"),
        ("network", f"/network?code={iso3}"),
        ("institution", f"/institution?id={school}"),
        ("not-found", "/network?code=ZZZ"),
    ):
        page.goto(server + path)
        page.get_by_role("heading", level=1).first.wait_for(timeout=30_000)
        for chart in page.locator(DECK).all():
            chart.locator("canvas").first.wait_for(timeout=30_000)
        wait_idle(page)
        page.wait_for_timeout(800)
        assert page.locator("[data-testid='stException']").count() == 0, name
        screenshot(page, f"{name}-{width}")
    context.close()


def test_a_click_on_a_row_opens_the_schools_profile_in_the_same_tab(server, web, db):
    page = web.page
    page.goto(f"{server}/directory?country=FRA")
    page.get_by_text("Click a row to open it.").wait_for(timeout=30_000)
    wait_idle(page)
    first = directory.list_institutions(db, Selection().with_values("country", ["FRA"]))
    grid = page.locator("[data-testid='stDataFrame']").first
    box = grid.bounding_box()
    # The first data row, under the header (rows are 35 px high).
    page.mouse.click(box["x"] + 60, box["y"] + 35 + 18)
    page.wait_for_url(re.compile(rf"/institution\?id={first['id'][0]}\b"), timeout=30_000)
    page.get_by_role("heading", level=1, name=first["name"][0]).wait_for(timeout=30_000)
    assert len(page.context.pages) == 1  # no new tab
    assert web.failures == []


def read_back(path, fmt):
    if fmt == "csv":
        return pl.read_csv(path, encoding="utf8-lossy", infer_schema=False)
    if fmt == "xlsx":
        return pl.read_excel(path, infer_schema_length=0)
    return pl.read_parquet(path)


def test_every_download_of_the_directory_holds_the_selection_for_who_asks(server, browser, db):
    from aspnet_data import demo

    from .test_coordinators_e2e import log_in

    sel = Selection().with_values("country", ["FRA"])
    public = export_frame(db, sel)
    context = browser.new_context(viewport={"width": 1400, "height": 1800}, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{server}/directory?country=FRA")
    page.get_by_text("Download the selection").wait_for(timeout=30_000)
    wait_idle(page)
    assert page.get_by_text("Full export, every field").count() == 0  # not for the public
    for fmt, label in (("csv", "CSV"), ("xlsx", "Excel"), ("parquet", "Parquet")):
        info = download(page, page.get_by_role("button", name=label, exact=True).first)
        got = read_back(info.path(), fmt)
        assert sorted(int(i) for i in got["id"]) == sorted(public["id"].to_list()), fmt
        assert "coordinator_phone" not in got.columns
    context.close()

    # An analyst's full export: every field, withdrawn institutions too, private contacts, in each format.
    context = browser.new_context(viewport={"width": 1400, "height": 1800}, accept_downloads=True)
    page = context.new_page()
    log_in(page, server, "analyst", demo.DEMO_PASSWORDS["analyst"])
    page.goto(f"{server}/directory?country=FRA")
    page.get_by_text("Full export, every field").wait_for(timeout=30_000)
    wait_idle(page)
    every = db.rows("SELECT id FROM institutions WHERE network = 'FRA'")
    buttons = page.get_by_role("button", name=re.compile(r"^(CSV|Excel|Parquet)$"))
    for index, fmt in ((3, "csv"), (4, "xlsx"), (5, "parquet")):
        info = download(page, buttons.nth(index))
        assert info.suggested_filename == f"aspnet-institutions-full.{fmt}"
        got = read_back(info.path(), fmt)
        assert sorted(int(i) for i in got["id"]) == sorted(i for (i,) in every), fmt
        assert {"coordinator_phone", "withdrawn_year", "updated_by"} <= set(got.columns), fmt
    screenshot(page, "directory-analyst-exports")
    context.close()

"""Directory, map and profiles in a real browser: what AppTest cannot drive."""

import csv
import io
import re

import pytest

from aspnet_data.directory import Selection, export_frame, facet_counts

from .conftest import screenshot, settle

pytestmark = pytest.mark.e2e
DECK = "[data-testid='stDeckGlJsonChart']"


def wait_idle(page):
    page.wait_for_timeout(800)
    page.wait_for_function("() => !document.querySelector(\"[data-testid='stStatusWidget']\")", timeout=30_000)


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
           GROUP BY network, name_latin HAVING count(*) = 1 ORDER BY min(id) LIMIT 1""")[0]
    page = web.page
    page.goto(f"{server}/map?country={iso3}&q={name}")
    canvas = page.locator(f"{DECK} canvas").first
    canvas.wait_for(timeout=30_000)
    page.get_by_text("The map shows 1 institution in 1 country").wait_for()
    page.wait_for_timeout(1500)   # let deck.gl draw and build its picking buffer
    box = canvas.bounding_box()
    # A selection of one school is centred on it.
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(re.compile(rf"/institution\?id={school_id}\b"), timeout=30_000)
    page.get_by_role("heading", level=1).wait_for()
    assert web.failures == []


def test_a_filtered_link_reproduces_the_view(server, web, db):
    page = web.page
    page.goto(f"{server}/directory?theme=esd&region=EUR&q=school&sort=-joined")
    sel = Selection(q="school", sort="joined", descending=True).with_values("region", ["EUR"]).with_values("theme", ["esd"])
    total = facet_counts(db, sel).total
    page.get_by_text(f"{total:,} institutions · search “school”").wait_for(timeout=30_000)
    wait_idle(page)
    page.wait_for_timeout(1000)   # the login cookie component reports back once after a page load
    assert page.get_by_role("textbox", name="Search").input_value() == "school"
    pressed = page.locator("[data-testid='stSidebar'] button[kind='pillsActive'], "
                           "[data-testid='stSidebar'] [aria-pressed='true'], "
                           "[data-testid='stSidebar'] [aria-checked='true']").all_inner_texts()
    assert any(text.startswith("Europe and North America") for text in pressed), pressed
    assert any(text.startswith("Education for Sustainable") for text in pressed), pressed
    screenshot(page, "directory-filtered")


def test_csv_export_holds_exactly_the_filtered_rows(server, web, db):
    page = web.page
    page.goto(f"{server}/directory?theme=heritage&level=primary")
    page.get_by_text("Download the selection").wait_for(timeout=30_000)
    wait_idle(page)
    with page.expect_download(timeout=30_000) as info:
        page.get_by_role("button", name="CSV", exact=True).click()
    text = open(info.value.path(), encoding="utf-8-sig").read()
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
    page.wait_for_timeout(1000)   # typing during the login cookie component's rerun would be lost
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


@pytest.mark.parametrize("width", [1400, 390])
def test_screenshots_of_every_explore_page(server, browser, db, width):
    """Pictures to look at (test-artifacts/); the test checks each page renders without error."""
    iso3 = db.scalar("SELECT network FROM institutions GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
    school = db.scalar("SELECT min(id) FROM institutions WHERE network = ?", [iso3])
    context = browser.new_context(viewport={"width": width, "height": 1400})
    page = context.new_page()
    for name, path in (("directory", "/directory"), ("map", "/map?region=LAC"), ("network", f"/network?code={iso3}"),
                       ("institution", f"/institution?id={school}"), ("not-found", "/network?code=ZZZ")):
        page.goto(server + path)
        page.get_by_role("heading", level=1).first.wait_for(timeout=30_000)
        for chart in page.locator(DECK).all():
            chart.locator("canvas").first.wait_for(timeout=30_000)
        wait_idle(page)
        page.wait_for_timeout(800)
        assert page.locator("[data-testid='stException']").count() == 0, name
        screenshot(page, f"{name}-{width}")
    context.close()

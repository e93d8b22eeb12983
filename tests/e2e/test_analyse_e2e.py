"""Dashboard and country brief in a real browser: charts draw, downloads hold the right rows,
a filtered link reproduces the view, the brief prints without the app's furniture."""

import csv
import io
import re

import pytest

from aspnet_data import dashboard
from aspnet_data.directory import Selection

from .conftest import screenshot, settle

pytestmark = pytest.mark.e2e
CHART = "[data-testid='stVegaLiteChart']"


def test_dashboard_charts_draw_and_the_filtered_link_reproduces_the_view(server, web, db):
    page = web.page
    page.goto(f"{server}/dashboard?region=AFR&region=ARB&level=secondary")
    page.get_by_role("heading", name="Network dashboard").wait_for(timeout=30_000)
    settle(page)
    expected = dashboard.dashboard(db, Selection().with_values("region", ["AFR", "ARB"]).with_values("level", ["secondary"]))
    members = page.locator("[data-testid='stMetric']").filter(
        has=page.get_by_text("Members", exact=True)).inner_text()
    assert f"{expected.by_status['member']:,}" in members
    page.locator(f"{CHART} canvas, {CHART} svg").first.wait_for(timeout=30_000)
    for tab in page.locator("[data-testid='stTab']").all():
        tab.click()
        settle(page)
        page.wait_for_timeout(600)
        panel = page.locator("[data-testid='stTabs'] [role='tabpanel']:visible")
        assert panel.locator(f"{CHART}").count() > 0 or panel.locator("[data-testid='stDataFrame']").count() > 0
        screenshot(page, f"dashboard-{tab.inner_text().lower().replace(' ', '-')}")
    assert web.failures == []


def test_a_dashboard_download_holds_the_right_rows(server, web, db):
    page = web.page
    page.goto(f"{server}/dashboard?level=tvet")
    page.get_by_role("heading", name="Priority themes by region").wait_for(timeout=30_000)
    settle(page)
    first_table = page.locator("[data-testid='stExpander']").filter(has_text="Table and data").first
    first_table.get_by_text("Table and data").click()
    with page.expect_download(timeout=30_000) as info:
        first_table.get_by_role("button", name="Download CSV").click()
    rows = list(csv.DictReader(io.StringIO(open(info.value.path(), encoding="utf-8-sig").read())))
    expected = dashboard.dashboard(db, Selection().with_values("level", ["tvet"])).theme_by_region
    got = {(r["Region"], r["Priority theme"]): int(r["Institutions"]) for r in rows}
    names = {"AFR": "Africa", "ARB": "Arab States", "APA": "Asia and the Pacific", "EUR": "Europe and North America",
             "LAC": "Latin America and the Caribbean"}
    short = {"esd": "ESD", "gced": "GCED", "heritage": "Intercultural & heritage"}
    want = {(names[r["region"]], short[t]): r[t] for r in expected.iter_rows(named=True) for t in short}
    assert got == want


def test_country_brief_prints_on_two_pages_without_the_side_panel(server, web, db, tmp_path):
    iso3 = db.scalar("SELECT network FROM institutions GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
    page = web.page
    page.goto(f"{server}/brief?code={iso3}")
    page.get_by_role("heading", level=1).wait_for(timeout=30_000)
    page.locator(f"{CHART} canvas, {CHART} svg").first.wait_for(timeout=30_000)
    settle(page)
    page.wait_for_timeout(1000)
    screenshot(page, "brief")
    page.emulate_media(media="print")
    assert not page.locator("[data-testid='stSidebar']").is_visible()
    assert not page.locator("[data-testid='stMainBlockContainer'] [data-testid='stSelectbox']").is_visible()
    pdf = page.pdf(format="A4", print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert 1 <= pages <= 2
    assert web.failures == []

"""The home page in a real browser: figures show, the language switches, nothing fails to load."""

import re
import shutil

import pytest

from aspnet_data import stats

from .conftest import screenshot, serving, settle

pytestmark = pytest.mark.e2e


def test_home_shows_figures_and_switches_language(server, web, db):
    page = web.page
    page.goto(server + "/")
    page.get_by_text("National networks", exact=True).first.wait_for(timeout=30_000)
    active = stats.overview(db).active
    # The menu says "National networks" too: the figure itself is waited for.
    metric = page.locator("[data-testid='stMetric']", has_text="Active institutions")
    metric.wait_for(timeout=30_000)
    assert f"{active:,}" in metric.inner_text()
    page.locator("[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg").first.wait_for()
    screenshot(page, "home-en")

    page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").click()
    page.get_by_role("option", name="Français").click()
    page.get_by_text("Réseaux nationaux", exact=True).first.wait_for(timeout=30_000)
    assert re.search(r"[?&]lang=fr\b", page.url)
    # The menu turns French before the figures are drawn again: the French figure is waited for.
    page.locator("[data-testid='stMetric']", has_text="Établissements actifs").wait_for(timeout=30_000)
    assert "Établissements actifs" in page.locator("[data-testid='stMetric']").all_inner_texts()[1]
    screenshot(page, "home-fr")
    settle(page)
    assert web.failures == []


def test_a_french_link_opens_in_french(server, web):
    page = web.page
    page.goto(server + "/?lang=es")
    page.get_by_text("Redes nacionales", exact=True).first.wait_for(timeout=30_000)
    settle(page)
    assert web.failures == []


def test_deep_links_opened_first_get_the_whole_menu_and_the_language_picker(demo_path, tmp_path, browser):
    """A fresh server's first visitor may arrive on any page: the router's menu and picker are there."""
    db_copy = tmp_path / "aspnet.duckdb"
    shutil.copy(demo_path, db_copy)
    with serving(db_copy) as url:
        for path, directory in (
            ("/network?code=FRA", "Directory"),
            ("/map", "Directory"),
            ("/apply?lang=fr", "Annuaire"),
        ):
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            page.goto(url + path)
            page.locator("[data-testid='stMain'] h1").first.wait_for(timeout=30_000)
            sidebar = page.locator("[data-testid='stSidebar']")
            sidebar.locator("[data-testid='stSelectbox']").first.wait_for()
            links = sidebar.locator("[data-testid='stSidebarNav'] a").all_inner_texts()
            assert any(directory in text for text in links), (path, links)
            assert len(links) >= 6, (path, links)
            context.close()

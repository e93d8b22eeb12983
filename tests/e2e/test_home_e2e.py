"""The home page in a real browser: figures show, the language switches, nothing fails to load."""

import re

import pytest

from aspnet_data import stats

from .conftest import screenshot, settle

pytestmark = pytest.mark.e2e


def test_home_shows_figures_and_switches_language(server, web, db):
    page = web.page
    page.goto(server + "/")
    page.get_by_text("National networks", exact=True).first.wait_for(timeout=30_000)
    active = stats.overview(db).active
    metric = page.locator("[data-testid='stMetric']", has_text="Active institutions")
    assert f"{active:,}" in metric.inner_text()
    page.locator("[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg").first.wait_for()
    screenshot(page, "home-en")

    page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").click()
    page.get_by_role("option", name="Français").click()
    page.get_by_text("Réseaux nationaux", exact=True).first.wait_for(timeout=30_000)
    assert re.search(r"[?&]lang=fr\b", page.url)
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

"""A coordinator imports the network's list in the ministry's own format, in a real browser:
one column mapping changed, one unknown value mapped, previewed, applied, and the new schools
found on the map at their towns."""

import re
import shutil

import pytest

from aspnet_data import demo, gazetteer
from aspnet_data.db import open_database

from .. import national_lists
from .conftest import screenshot, serving, settle
from .test_coordinators_e2e import log_in
from .test_map_e2e import EachSchool, canvas_of, on_screen, tooltip_at

pytestmark = pytest.mark.e2e


def choose(page, label, option):
    """Pick ``option`` in the picker labelled ``label`` (a pattern: a label from the file is
    escaped for markdown in its accessible name)."""
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=True).first.click()
    settle(page, 500)


def metric(page, label):
    card = page.locator("[data-testid='stMetric']").filter(has=page.get_by_text(label, exact=True))
    return int(card.inner_text().split()[-1].replace(",", ""))


@pytest.fixture(scope="module")
def importing_server(demo_path, tmp_path_factory):
    """A server of its own: this journey writes to the network it imports into."""
    copy = tmp_path_factory.mktemp("import") / "aspnet.duckdb"
    shutil.copy(demo_path, copy)
    with open_database(copy) as db:
        made = national_lists.french_ministry_csv(db)
    with serving(copy) as url:
        yield url, made


def test_a_ministry_list_is_mapped_applied_and_its_schools_are_on_the_map_at_their_towns(
    importing_server, browser, tmp_path
):
    server, made = importing_server
    path = tmp_path / made.filename
    path.write_bytes(made.data)
    context = browser.new_context(viewport={"width": 1400, "height": 1800})
    page = context.new_page()
    log_in(page, server, "coord.fra", demo.DEMO_PASSWORDS["coordinator"])
    page.goto(server + "/bulk")
    page.get_by_text("1. Download the current list").wait_for(timeout=30_000)
    settle(page)
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(path))
    page.get_by_text("3. What each column holds").wait_for(timeout=30_000)
    settle(page)
    assert page.get_by_role("combobox", name="Commune", exact=True).input_value() == "Town"
    assert metric(page, "Left out") == 1

    choose(page, re.compile(r"^Site internet$"), "Not imported")
    choose(page, re.compile(r"Priority themes.*Paix.*1 row"), "Global Citizenship Education")
    assert metric(page, "Left out") == 0
    assert metric(page, "To add") == len(made.new) + 1
    assert metric(page, "Problems") == 0
    page.get_by_role("tab", name="To add").click()
    page.get_by_text("town not found: no point on the map").wait_for(state="attached", timeout=10_000)
    assert page.get_by_text("placed at town centre (", exact=False).count() >= 1
    screenshot(page, "bulk-import-mapped")

    page.get_by_role("button", name="Apply all changes").click()
    page.get_by_text(f"Applied: {len(made.new) + 1} added, {len(made.known)} changed, 0 withdrawn.").wait_for(
        timeout=30_000
    )
    screenshot(page, "bulk-import-applied")

    # A school of the file without coordinates is on the map at the centre of its town.
    name, town = made.new[1]
    ((found, lat, lon),) = gazetteer.place("FRA", [town]).rows()
    assert found
    each = EachSchool(page)
    page.goto(f"{server}/map?lat={lat}&lon={lon}&zoom=14")
    box = canvas_of(page)
    ours = [school for school in each.seen.values() if school["tip"].startswith(name)]
    assert ours, f"{name} is among the schools the map draws"
    got_lon, got_lat = ours[0]["p"]
    assert abs(got_lat - lat) < 1e-4 and abs(got_lon - lon) < 1e-4
    x, y = on_screen(box, (lat, lon, 14), lat, lon)
    assert tooltip_at(page, x, y).startswith(name)
    screenshot(page, "bulk-import-on-the-map")
    context.close()

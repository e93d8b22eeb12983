"""The whole membership journey in a real browser: apply, track, recommend, approve, then the
school is in the directory and on the map, and its certificate downloads."""

import re
import uuid

import pytest

from aspnet_data import demo

from .conftest import screenshot, settle
from .test_coordinators_e2e import log_in

pytestmark = pytest.mark.e2e


def choose(page, label, option):
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=True).first.click()


def test_apply_track_recommend_approve_certificate(server, browser, db):
    # A network without applications waiting, so the coordinator's queue holds just ours.
    network, country, city, lat, lon, coordinator = db.rows(
        """SELECT n.iso3, c.name_en, i.city, i.latitude, i.longitude, u.username
           FROM networks n JOIN countries c USING (iso3) JOIN institutions i ON i.network = n.iso3
           JOIN users u ON u.network = n.iso3 AND u.role = 'coordinator'
           WHERE c.has_outline AND n.iso3 NOT IN (SELECT network FROM applications WHERE stage = 'submitted')
           ORDER BY n.iso3, i.id LIMIT 1""")[0]
    name = f"Escola Ribeira Azul {uuid.uuid4().hex[:6]}"
    email = "ana.ribeira@school.example"

    visitor = browser.new_context(viewport={"width": 1400, "height": 2400})
    page = visitor.new_page()
    page.goto(server + "/apply")
    page.get_by_role("heading", name="Apply to join ASPnet").wait_for(timeout=30_000)
    settle(page)
    choose(page, "Country", country)
    page.get_by_role("textbox", name="Name (in its own script)").fill(name)
    page.get_by_role("textbox", name="Town").fill(city)
    page.get_by_role("textbox", name="Latitude").fill(str(lat))
    page.get_by_role("textbox", name="Longitude").fill(str(lon))
    choose(page, "Education level", "Primary")
    page.keyboard.press("Escape")
    choose(page, "Priority theme", "Education for Sustainable Development")
    page.keyboard.press("Escape")
    page.get_by_role("textbox", name="What you plan to do for: Education for Sustainable Development").fill(
        "A school garden and a water audit with our partner school.")
    page.get_by_role("textbox", name="Name", exact=True).fill("Ana Ribeira")
    page.get_by_role("textbox", name="Email").fill(email)
    page.get_by_role("button", name="Submit the application").click()
    page.get_by_text("Application received.").wait_for(timeout=30_000)
    code = re.search(r"ASP-[A-Z2-9]{10}", page.get_by_text("Application received.").inner_text()).group(0)
    screenshot(page, "apply-received")

    page.goto(server + "/application-status")
    page.get_by_role("heading", name="Application status").wait_for(timeout=30_000)
    settle(page)
    page.get_by_role("textbox", name="Reference code").fill(code)
    page.get_by_role("textbox", name="Contact email").first.fill(email)
    page.get_by_role("button", name="Show").click()
    page.get_by_text("Waiting for the National Coordinator's review.").wait_for(timeout=30_000)
    visitor.close()

    for username, password, decision in ((coordinator, demo.DEMO_PASSWORDS["coordinator"], "Recommend"),
                                         ("admin", demo.DEMO_PASSWORDS["admin"], "Approve")):
        context = browser.new_context(viewport={"width": 1400, "height": 2000})
        reviewer = context.new_page()
        log_in(reviewer, server, username, password)
        reviewer.get_by_role("link", name="Applications").click()
        reviewer.get_by_role("heading", name="Applications to review").wait_for(timeout=30_000)
        settle(reviewer)
        choose(reviewer, "Select an application to read it and decide.", re.compile(re.escape(code)))
        reviewer.get_by_text(decision, exact=True).click()
        reviewer.get_by_role("textbox", name="Comment for the applicant").fill("Well prepared.")
        reviewer.get_by_role("button", name="Confirm the decision").click()
        settle(reviewer)
        screenshot(reviewer, f"review-{decision.lower()}")
        context.close()

    page = browser.new_context(viewport={"width": 1400, "height": 1800}, accept_downloads=True).new_page()
    page.goto(f"{server}/directory?q={name.replace(' ', '+')}")
    page.get_by_text("1 institution", exact=True).first.wait_for(timeout=30_000)
    page.goto(f"{server}/map?q={name.replace(' ', '+')}")
    canvas = page.locator("[data-testid='stDeckGlJsonChart'] canvas").first
    canvas.wait_for(timeout=30_000)
    page.get_by_text("The map shows 1 institution in 1 country").wait_for(timeout=30_000)
    page.wait_for_timeout(1500)
    box = canvas.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(re.compile(r"/institution\?id=\d+"), timeout=30_000)
    page.get_by_text("Membership certificate").wait_for(timeout=30_000)
    settle(page)
    with page.expect_download(timeout=30_000) as info:
        page.get_by_role("button", name="Download (PDF)").click()
    assert open(info.value.path(), "rb").read(5) == b"%PDF-"
    screenshot(page, "approved-profile")

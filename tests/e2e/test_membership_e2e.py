"""Membership in a real browser: a coordinator proposes a candidate past its candidacy period,
UNESCO confirms it, and its new certificate checks as valid at /certificate?number=...; the
school's profile tells its membership history."""

import re
import shutil

import pytest

from aspnet_data import demo, membership
from aspnet_data.db import open_database
from aspnet_data.permissions import Actor

from .conftest import screenshot, serving, settle
from .test_coordinators_e2e import log_in, log_out

pytestmark = pytest.mark.e2e


@pytest.fixture()  # a fresh copy for a rerun too: the first attempt changed the data
def site(demo_path, tmp_path_factory):
    copy = tmp_path_factory.mktemp("membership") / "aspnet.duckdb"
    shutil.copy(demo_path, copy)
    with open_database(copy) as db:
        due = membership.due_candidates(db, Actor("admin", "admin"))
        school = due.row(0, named=True)
    with serving(copy) as url:
        yield url, school


def pick(page, label, text):
    """Choose in a picker the option that holds ``text``, typed to filter the list."""
    box = page.get_by_role("combobox", name=label, exact=True)
    box.click()
    box.fill(text)
    page.get_by_role("option").filter(has_text=text).first.click()
    settle(page, 500)


def test_a_candidate_past_its_period_is_proposed_confirmed_and_its_certificate_verifies(site, browser):
    url, school = site
    coordinator = f"coord.{school['network'].lower()}"
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    page = context.new_page()
    log_in(page, url, coordinator, demo.DEMO_PASSWORDS["coordinator"])
    page.goto(url + "/membership")
    page.get_by_role("heading", name="Candidates due for a proposal").wait_for(timeout=30_000)
    settle(page)
    pick(page, "Candidate to propose", f"#{school['id']}")
    page.get_by_role("textbox", name="What the school has done as a candidate (optional)").fill(
        "Two projects with schools abroad; reports sent every year."
    )
    page.get_by_role("button", name="Propose for full membership").click()
    page.get_by_text("is proposed for full membership: UNESCO decides next.").wait_for(timeout=30_000)
    settle(page)
    assert page.get_by_text(f"#{school['id']} ").count() == 0  # no longer in the coordinator's queue
    screenshot(page, "membership-proposed")
    log_out(page)

    log_in(page, url, "admin", demo.DEMO_PASSWORDS["admin"])
    page.goto(url + "/membership?lang=fr")
    page.get_by_role("heading", name="Propositions en attente de l'UNESCO").wait_for(timeout=30_000)
    settle(page)
    pick(page, "Proposition à trancher", f"#{school['id']}")
    page.get_by_text("Confirmer l'adhésion", exact=True).click()
    page.get_by_role("button", name="Enregistrer la décision").click()
    notice = page.get_by_text(re.compile(r"est membre : certificat"))
    notice.wait_for(timeout=30_000)
    settle(page)
    screenshot(page, "membership-confirmed-fr")
    number = re.search(r"[A-Z]{3}-\d{4}-\d{4,}", notice.inner_text()).group(0)

    # The certificate's link, as printed on it, says it is valid for that school.
    check = context.new_page()
    check.goto(f"{url}/certificate?number={number}&lang=fr")
    check.get_by_text("Certificat valide.").wait_for(timeout=30_000)
    # The school's details are drawn after the verdict: waited for, not read at once.
    check.locator("[data-testid='stMain']").get_by_text(school["name"]).first.wait_for(timeout=30_000)
    settle(check)
    screenshot(check, "membership-certificate-valid")

    profile = context.new_page()
    profile.goto(f"{url}/institution?id={school['id']}")
    profile.get_by_text("Membership confirmed by UNESCO").wait_for(timeout=30_000)
    assert profile.get_by_text("Proposed for full membership").count() == 1
    assert profile.get_by_text(re.compile(r"^Member since ")).count() == 1
    context.close()

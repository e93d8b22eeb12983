"""The membership journey in a real browser, walked as people walk it: a Portuguese school
applies with what a person types (a first try misses a field), reads its reference code on
the page, follows the timeline; its National Coordinator recommends it and UNESCO approves it,
each choosing their decision themselves; the school ends on its public profile as a candidate
with its public details only. Then the form on a phone, in French."""

import re

import pytest

from aspnet_data import demo

from .conftest import screenshot, settle
from .test_coordinators_e2e import log_in

pytestmark = pytest.mark.e2e

# A member of the Portuguese network of the test network: the new school's name is close to it.
LOOKALIKE, LOOKALIKE_TOWN = "Colégio Machado de Assis", "Figueira da Foz"
NAME = "Colégio Machado de Assis do Porto"
CONTACT, CONTACT_EMAIL = "Ana Ribeira", "ana.ribeira@mail.example"
SCHOOL_EMAIL = "secretaria@machado-assis-porto.example"


def pick(page, label, typed, option):
    """Type into a searchable list and click the option (what a person does), once the page has
    taken the field left before."""
    settle(page, 600)
    page.get_by_role("combobox", name=label).click()
    page.keyboard.type(typed)
    page.get_by_role("option", name=option, exact=True).click()
    settle(page, 600)


def column_of(page, label):
    """The column holding the text box ``label`` (a two-column row has two)."""
    box = page.get_by_role("textbox", name=label, exact=True)
    return page.locator("[data-testid='stColumn']").filter(has=box)


def test_apply_track_recommend_approve_and_the_public_profile(server, browser, db):
    coordinator = db.scalar("SELECT username FROM users WHERE network = 'PRT' AND role = 'coordinator'")
    lookalike_id = db.scalar("SELECT id FROM institutions WHERE network = 'PRT' AND name = ?", [LOOKALIKE])

    school = browser.new_context(viewport={"width": 1400, "height": 2600})
    page = school.new_page()
    page.goto(server + "/apply")
    page.get_by_role("heading", name="Apply to join ASPnet").wait_for(timeout=30_000)
    settle(page)
    assert page.get_by_text("Fields marked * are needed to submit").is_visible()
    pick(page, "Country", "Portu", "Portugal")
    page.get_by_role("textbox", name="Name (in its own script)").fill(NAME)
    page.keyboard.press("Tab")
    pick(page, "Town", "Porto", "Porto")
    assert page.get_by_role("textbox", name="Latitude").input_value() == "41.1485"
    assert page.get_by_text("Similar institutions are already members").is_visible()
    pick(page, "Education level", "Prim", "Primary")
    page.keyboard.press("Escape")
    page.get_by_text("Public", exact=True).click()
    pick(page, "Languages of instruction", "Eng", "English")
    page.keyboard.type("Swa")
    page.get_by_role("option", name="Swahili", exact=True).click()
    page.keyboard.press("Escape")
    page.get_by_role("spinbutton", name="Pupils").fill("420")
    page.get_by_role("spinbutton", name="Teachers").fill("24")
    page.get_by_role("textbox", name="School email").fill(SCHOOL_EMAIL)
    page.get_by_role("textbox", name="Website").fill("www.ecole-ribeira.pt")
    # No plan box until a theme is chosen; then one for it.
    plan = page.get_by_role("textbox", name="What you plan to do for: Education for Sustainable Development")
    assert plan.count() == 0
    pick(page, "Priority theme", "Sustain", "Education for Sustainable Development")
    page.keyboard.press("Escape")
    plan.fill("A school garden and a water audit with our partner school.")
    # The contact person's name is forgotten on the first try.
    page.get_by_role("textbox", name="Contact email").fill(CONTACT_EMAIL)
    page.keyboard.press("Tab")
    settle(page)
    page.get_by_role("button", name="Submit the application").click()
    page.get_by_text("1 field needs attention").wait_for(timeout=30_000)
    errors = page.locator("[data-testid='stAlertContentError']")
    assert errors.count() == 2  # the message and the count
    name_column = column_of(page, "Name *")
    assert name_column.get_by_text("Required.").is_visible()
    assert column_of(page, "Contact email *").locator("[data-testid='stAlertContentError']").count() == 0
    screenshot(page, "apply-missing-field")

    page.get_by_role("textbox", name="Name *", exact=True).fill(CONTACT)
    page.keyboard.press("Tab")
    settle(page)
    page.get_by_role("button", name="Submit the application").click()
    page.get_by_text("Application sent to the National Coordinator of Portugal").wait_for(timeout=30_000)
    code = page.locator("[data-testid='stCode']").inner_text().strip()
    assert re.fullmatch(r"ASP-[A-Z2-9]{10}", code), code
    sent = page.locator("[data-testid='stMain']").inner_text()
    assert "this code and the email address you gave" in sent and CONTACT_EMAIL in sent
    assert "https://www.ecole-ribeira.pt" in sent and "English, Swahili" in sent and "420" in sent
    screenshot(page, "apply-sent")

    page.get_by_role("link", name="Track an application").click()
    page.get_by_role("heading", name="Application status").wait_for(timeout=30_000)
    page.get_by_text("Review by the National Coordinator").wait_for(timeout=30_000)
    settle(page)
    timeline = page.locator("[data-testid='stMain']").inner_text()
    assert re.search(r"Application submitted\s+Done\s+\d{4}-\d\d-\d\d", timeline), timeline
    assert re.search(r"Review by the National Coordinator\s+Now\s+Since \d{4}-\d\d-\d\d", timeline), timeline
    assert re.search(r"Decision by UNESCO\s+Next", timeline), timeline
    screenshot(page, "status-submitted")

    for username, password, decision in (
        (coordinator, demo.DEMO_PASSWORDS["coordinator"], "Recommend"),
        ("admin", demo.DEMO_PASSWORDS["admin"], "Approve"),
    ):
        context = browser.new_context(viewport={"width": 1400, "height": 2200})
        reviewer = context.new_page()
        log_in(reviewer, server, username, password)
        reviewer.get_by_role("link", name="Applications").click()
        reviewer.get_by_role("heading", name="Applications to review").wait_for(timeout=30_000)
        settle(reviewer)
        pick(reviewer, "Select an application to read it and decide.", code, re.compile(re.escape(code)))
        reviewer.get_by_role("heading", name=NAME).wait_for(timeout=30_000)
        settle(reviewer)
        main = reviewer.locator("[data-testid='stMain']")
        # Nothing is decided for the reviewer.
        assert reviewer.get_by_role("radio", checked=True).count() == 0
        text = main.inner_text()
        assert f"{CONTACT}, the applicant, submitted the application." in text
        assert f"{CONTACT} · {CONTACT_EMAIL}" in text and SCHOOL_EMAIL in text
        if decision == "Approve":
            assert "The National Coordinator's recommendation" in text and "Close to the community." in text
            assert f"({coordinator}) recommended it to UNESCO." in text
        # The look-alike member opens on its profile (in a new tab).
        with context.expect_page() as opened:
            main.get_by_role("link", name=f"{LOOKALIKE} ({LOOKALIKE_TOWN})").click()
        profile = opened.value
        profile.wait_for_url(re.compile(rf"/institution\?id={lookalike_id}$"), timeout=30_000)
        profile.get_by_role("heading", name=LOOKALIKE).wait_for(timeout=30_000)
        profile.close()
        reviewer.get_by_text(decision, exact=True).click()
        settle(reviewer)
        assert reviewer.get_by_text("Optional for this decision").is_visible()
        reviewer.get_by_role("textbox", name="Comment for the applicant").fill(
            "Close to the community." if decision == "Recommend" else "Welcome to ASPnet!"
        )
        screenshot(reviewer, f"review-{decision.lower()}")
        reviewer.get_by_role("button", name="Confirm the decision").click()
        reviewer.get_by_text(f"Decision recorded for {NAME} ({code}): {decision}.").wait_for(timeout=30_000)
        settle(reviewer)
        assert not reviewer.get_by_role("heading", name=NAME).is_visible()  # back to the queue
        assert code not in main.inner_text().replace(f"({code})", "")
        context.close()

    # The school comes back another day: a fresh visit, the code and the email typed.
    page.goto(server + "/application-status")
    page.get_by_role("heading", name="Application status").wait_for(timeout=30_000)
    settle(page)
    page.get_by_role("textbox", name="Reference code").fill(code)
    page.get_by_role("textbox", name="Contact email").first.fill(CONTACT_EMAIL)
    page.get_by_role("button", name="Show").click()
    page.get_by_text("Listed in ASPnet as a candidate").wait_for(timeout=30_000)
    settle(page)
    assert re.search(r"Decision by UNESCO\s+Done\s+Approved on \d{4}-\d\d-\d\d", page.inner_text("body"))
    screenshot(page, "status-approved")
    page.get_by_role("link", name="Your school's profile").click()
    page.wait_for_url(re.compile(r"/institution\?id=\d+"), timeout=30_000)
    page.get_by_role("heading", name=NAME).wait_for(timeout=30_000)
    settle(page)
    profile = page.locator("[data-testid='stMain']").inner_text()
    assert "Candidate" in profile and "Porto · Portugal" in profile
    assert (
        page.get_by_role("link", name="https://www.ecole-ribeira.pt").get_attribute("href")
        == "https://www.ecole-ribeira.pt"
    )
    assert page.get_by_role("link", name=SCHOOL_EMAIL).get_attribute("href") == f"mailto:{SCHOOL_EMAIL}"
    assert "English, Swahili" in profile
    assert CONTACT not in profile and CONTACT_EMAIL not in profile
    screenshot(page, "approved-profile")
    school.close()


def test_the_form_on_a_phone_in_french(server, browser):
    phone = browser.new_context(viewport={"width": 390, "height": 3400})
    page = phone.new_page()
    page.goto(server + "/apply?lang=fr")
    page.get_by_role("heading", name="Poser sa candidature au réSEAU").wait_for(timeout=30_000)
    settle(page)
    pick(page, "Pays", "Portu", "Portugal")
    page.get_by_role("textbox", name="Nom (dans son écriture d'origine)").fill("Escola Ribeira Azul")
    page.keyboard.press("Tab")
    pick(page, "Ville", "Brag", "Braga")
    # Coordinates read as a French person writes them: a decimal comma.
    assert page.get_by_role("textbox", name="Latitude").input_value().startswith("41,55")
    pick(page, "Langues d'enseignement", "angl", "Anglais")
    page.keyboard.type("espa")
    page.get_by_role("option", name="Espagnol", exact=True).click()
    page.keyboard.press("Escape")
    page.get_by_role("textbox", name="Site web").fill("ecole-ribeira.pt")
    page.get_by_role("textbox", name="Courriel du contact").fill("pas-une-adresse")
    page.keyboard.press("Tab")
    settle(page)
    page.get_by_role("button", name="Soumettre la candidature").click()
    page.get_by_text("champs à corriger").wait_for(timeout=30_000)
    settle(page)
    main = page.locator("[data-testid='stMain']")
    messages = main.locator("[data-testid='stAlertContentError']").all_inner_texts()
    count = int(re.search(r"(\d+) champs à corriger", messages[-1]).group(1))
    assert count == len(messages) - 1
    assert any("Adresse de courriel non valide." in m for m in messages)
    # Nothing wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "apply-phone-fr")
    phone.close()

"""Certificates in a real browser: a member's profile gives its certificate in French, whose
printed number and link check as valid for that school; a candidate's profile gives its letter."""

import io
import re
import shutil

import pytest
from pypdf import PdfReader

from aspnet_data import certificates

from .conftest import download, screenshot, serving, settle

pytestmark = pytest.mark.e2e

PUBLIC_URL = "https://atlas.aspnet.example"


@pytest.fixture(scope="module")
def site(demo_path, tmp_path_factory):
    """The app served with its public address set, as a deployment sets it."""
    db_copy = tmp_path_factory.mktemp("certificates") / "aspnet.duckdb"
    shutil.copy(demo_path, db_copy)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ASPNET_PUBLIC_URL", PUBLIC_URL)
        with serving(db_copy) as url:
            yield url


def pdf_text(path) -> str:
    reader = PdfReader(io.BytesIO(open(path, "rb").read()))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def choose(page, label, option):
    page.get_by_role("combobox", name=label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).first.click()


def download_pdf(page):
    settle(page)
    return download(page, page.get_by_role("button", name="Download (PDF)"))


def test_a_members_certificate_in_french_checks_as_valid_for_that_school(site, browser, db):
    school = db.query(
        "SELECT i.id, i.name, i.name_latin, i.city FROM institutions i JOIN certificates c ON c.institution_id = i.id "
        "WHERE i.network = 'FRA' AND i.status = 'member' ORDER BY i.id LIMIT 1"
    ).row(0, named=True)
    context = browser.new_context(viewport={"width": 1400, "height": 1800}, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{site}/institution?id={school['id']}")
    page.get_by_text("Membership certificate", exact=True).wait_for(timeout=30_000)
    settle(page)
    choose(page, "Language", "Français")
    settle(page)
    got = download_pdf(page)
    assert re.fullmatch(r"aspnet-certificate-FRA-\d{4}-\d{4,}-fr\.pdf", got.suggested_filename)
    text = pdf_text(got.path())
    assert "Certificat d'adhésion" in text and "Date de délivrance" in text
    assert " ".join(certificates.display_name(school["name"], school["name_latin"]).split()) in text
    number = re.search(r"Certificat n° (FRA-\d{4}-\d{4,})", text).group(1)
    link = f"{PUBLIC_URL}/certificate?number={number}"
    assert link in text
    screenshot(page, "certificate-profile-member")

    # Whoever holds the paper opens the printed link (here on this server) and sees it valid.
    check = browser.new_context(viewport={"width": 1400, "height": 1200}).new_page()
    check.goto(site + link.removeprefix(PUBLIC_URL) + "&lang=fr")
    check.get_by_text("Certificat valide.").wait_for(timeout=30_000)
    settle(check)
    assert check.get_by_role("link", name=school["name"]).count() == 1
    assert number in check.locator("[data-testid='stMarkdownContainer']").all_inner_texts()[-1]
    screenshot(check, "certificate-check-valid-fr-1400")
    with check.context.expect_page(timeout=30_000) as opened:  # links in text open a new tab
        check.get_by_role("link", name=school["name"]).click()
    profile = opened.value
    profile.wait_for_url(re.compile(rf"/institution\?id={school['id']}&lang=fr$"), timeout=30_000)
    profile.get_by_role("heading", name=school["name"]).wait_for(timeout=30_000)
    profile.get_by_text("Certificat d'adhésion", exact=True).wait_for(timeout=30_000)
    check.context.close()
    context.close()


def test_a_number_typed_into_the_box_is_checked(site, browser, db):
    number, name = db.rows(
        "SELECT c.number, i.name FROM certificates c JOIN institutions i ON i.id = c.institution_id "
        "WHERE i.name = i.name_latin ORDER BY c.number DESC LIMIT 1"
    )[0]
    page = browser.new_context(viewport={"width": 390, "height": 1000}).new_page()
    page.goto(f"{site}/certificate?lang=es")
    box = page.get_by_role("textbox", name="Número del certificado")
    box.wait_for(timeout=30_000)
    settle(page)
    box.fill("no es un número")
    page.get_by_role("button", name="Verificar").click()
    page.get_by_text("«no es un número» no es un número de certificado").wait_for(timeout=30_000)
    settle(page)
    screenshot(page, "certificate-check-malformed-es-390")
    box.fill(number.lower().replace("-", " "))
    page.get_by_role("button", name="Verificar").click()
    page.get_by_text("Certificado válido.").wait_for(timeout=30_000)
    settle(page)
    assert page.get_by_role("link", name=name).count() == 1
    assert f"number={number}" in page.url
    screenshot(page, "certificate-check-valid-es-390")
    page.context.close()


def test_a_candidates_profile_gives_the_candidacy_letter(site, browser, db):
    candidate = db.query(
        "SELECT id, name, name_latin FROM institutions WHERE status = 'candidate' ORDER BY id LIMIT 1"
    ).row(0, named=True)
    page = browser.new_context(viewport={"width": 390, "height": 1600}, accept_downloads=True).new_page()
    page.goto(f"{site}/institution?id={candidate['id']}")
    page.get_by_text("Candidacy letter", exact=True).wait_for(timeout=30_000)
    settle(page)
    assert page.get_by_text("Membership certificate", exact=True).count() == 0
    got = download_pdf(page)
    assert got.suggested_filename == f"aspnet-candidacy-letter-{candidate['id']}-en.pdf"
    text = pdf_text(got.path())
    assert "Letter of candidacy" in text
    assert " ".join(certificates.display_name(candidate["name"], candidate["name_latin"]).split()) in text
    assert "is a candidate for membership of the UNESCO Associated Schools Network (ASPnet) since" in text
    assert "Certificate no." not in text and "/certificate?number=" not in text
    screenshot(page, "certificate-profile-candidate-390")
    page.context.close()

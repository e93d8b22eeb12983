"""A project space's materials in Chromium: the project's owner shares a PDF from the page, a
coordinator of a partner network downloads it and gets the same bytes, and a coordinator
whose network takes no part in the project sees neither it nor any download of it; the page
at 1400 and 390 px in French."""

import shutil

import pytest

from aspnet_data import demo
from aspnet_data.db import open_database

from .conftest import download, screenshot, serving, settle
from .test_coordinators_e2e import log_in

pytestmark = pytest.mark.e2e
TITLE = "Carnet des rivières du trimestre"


def a_pdf() -> bytes:
    from fpdf import FPDF

    document = FPDF()
    document.add_page()
    document.set_font("Helvetica", size=14)
    document.cell(text="Rivers of the term: what each school measured")
    return bytes(document.output())


@pytest.fixture()  # a fresh copy for a rerun too: the first attempt shared the file already
def site(demo_path, tmp_path_factory):
    copy = tmp_path_factory.mktemp("materials") / "aspnet.duckdb"
    shutil.copy(demo_path, copy)
    with open_database(copy) as db:
        project, owner, partner = db.rows(
            """SELECT p.id, p.owner, min(u.username)
               FROM projects p JOIN project_members m ON m.project_id = p.id AND m.state = 'member'
               JOIN institutions i ON i.id = m.institution_id
               JOIN users u ON u.role = 'coordinator' AND u.network = i.network AND i.network <> p.network
               WHERE p.owner LIKE 'coord.%'
               GROUP BY p.id, p.owner ORDER BY p.id LIMIT 1"""
        )[0]
        outsider = db.scalar(
            """SELECT u.username FROM users u WHERE u.role = 'coordinator'
                 AND u.network <> (SELECT network FROM projects WHERE id = $p)
                 AND NOT EXISTS (SELECT 1 FROM project_members m JOIN institutions i ON i.id = m.institution_id
                                 WHERE m.project_id = $p AND i.network = u.network)
               ORDER BY u.username LIMIT 1""",
            {"p": project},
        )
        public = db.scalar(
            "SELECT count(*) FROM project_materials WHERE project_id = ? AND public AND deleted_at IS NULL", [project]
        )
    with serving(copy) as url:
        yield {
            "url": url,
            "project": project,
            "owner": owner,
            "partner": partner,
            "outsider": outsider,
            "public": public,
        }


def project_page(browser, site, username, *, width=1400, lang="en"):
    context = browser.new_context(viewport={"width": 1400, "height": 2400}, accept_downloads=True)
    page = context.new_page()
    log_in(page, site["url"], username, demo.DEMO_PASSWORDS["coordinator"])
    page.set_viewport_size({"width": width, "height": 2400})
    page.goto(f"{site['url']}/projects?id={site['project']}&lang={lang}")
    page.get_by_role("heading", name="Ressources" if lang == "fr" else "Materials").wait_for(timeout=30_000)
    settle(page)
    return context, page


def card(page, title):
    return page.locator("[class*='st-key-material_']").filter(has_text=title)


def test_a_shared_pdf_downloads_byte_for_byte_for_a_partner_and_not_for_an_outsider(site, browser, tmp_path):
    sent = tmp_path / "carnet rivières.pdf"
    sent.write_bytes(a_pdf())

    context, page = project_page(browser, site, site["owner"], lang="fr")
    page.locator("[data-testid='stExpander'] summary", has_text="Partager un fichier").click()
    settle(page, 500)
    form = page.locator("[data-testid='stForm']").filter(has_text="Partager")
    form.locator("input[type='file']").set_input_files(str(sent))
    page.get_by_text("carnet rivières.pdf").first.wait_for(timeout=30_000)  # uploaded to the widget
    form.get_by_role("textbox", name="Titre").fill(TITLE)
    form.get_by_role("textbox", name="Description").fill("Les mesures de chaque école, semaine par semaine.")
    form.get_by_role("button", name="Partager").click()
    page.get_by_text(f"« {TITLE} » est partagé avec le projet.").wait_for(timeout=30_000)
    settle(page)
    assert card(page, TITLE).count() == 1
    assert "carnet rivières.pdf" in card(page, TITLE).inner_text()
    screenshot(page, "materials-fr-1400")
    page.set_viewport_size({"width": 390, "height": 2400})
    settle(page, 800)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    screenshot(page, "materials-fr-390")
    context.close()

    context, page = project_page(browser, site, site["partner"])
    got = download(page, card(page, TITLE).get_by_role("button", name="Download"))
    assert got.suggested_filename == "carnet rivières.pdf"
    with open(got.path(), "rb") as received:
        assert received.read() == sent.read_bytes()
    context.close()

    context, page = project_page(browser, site, site["outsider"])
    assert page.get_by_text(TITLE).count() == 0 and card(page, TITLE).count() == 0
    assert page.get_by_text("You see the materials shared with everyone").count() == 1
    # The downloads it has are the public materials' only.
    downloads = page.locator("[class*='st-key-material_'] [data-testid='stDownloadButton']")
    assert downloads.count() == site["public"]
    assert page.get_by_text("Partager un fichier").count() == page.get_by_text("Share a file").count() == 0
    context.close()

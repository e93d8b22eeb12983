"""A school's focal point in a real browser, in French: the coordinator invites them, the mail
arrives at a real mail server, its link sets the password, the focal point signs in to My school
and changes the school's website as a person types it; the public profile shows it; the
coordinator finds the change among the schools' changes and undoes it."""

import re
import shutil

import pytest

from aspnet_data import demo
from aspnet_data.db import open_database

from .conftest import mail_server, screenshot, serving, settle
from .test_annual_report_e2e import choose
from .test_coordinators_e2e import log_in
from .test_membership_e2e import pick

pytestmark = pytest.mark.e2e
PASSWORD = "Jardin-et-riviere-26"
EMAIL = "amelie.durand@ecole.example"


@pytest.fixture()  # a fresh copy for a rerun too: the first attempt changed the data
def site(demo_path, tmp_path_factory):
    copy = tmp_path_factory.mktemp("focal") / "aspnet.duckdb"
    shutil.copy(demo_path, copy)
    with open_database(copy) as db:
        school = db.query(
            """SELECT i.id, i.name, i.network FROM institutions i JOIN networks n ON n.iso3 = i.network
               WHERE i.status = 'member'
                 AND NOT EXISTS (SELECT 1 FROM users u WHERE u.institution_id = i.id)
               ORDER BY i.network = 'FRA' DESC, i.id LIMIT 1"""
        ).row(0, named=True)
    with mail_server() as (settings, received), serving(copy, settings=settings) as url:
        yield url, school, received


def wait_for_mail(page, received, to: str):
    for _ in range(100):
        found = [m for m in received if m["To"] == to]
        if found:
            return found[-1]
        page.wait_for_timeout(200)
    raise AssertionError(f"no mail to {to}: {[m['To'] for m in received]}")


def test_invited_focal_point_sets_a_password_updates_the_school_and_the_coordinator_undoes_it(site, browser):
    url, school, received = site
    coordinator = f"coord.{school['network'].lower()}"
    context = browser.new_context(viewport={"width": 1400, "height": 1500})
    page = context.new_page()
    log_in(page, url, coordinator, demo.DEMO_PASSWORDS["coordinator"])
    page.goto(url + "/focal_points?lang=fr")
    page.get_by_role("heading", name=re.compile("Points focaux des établissements")).wait_for(timeout=30_000)
    settle(page)
    page.get_by_role("textbox", name="Trouver l'établissement").fill(school["name"])
    page.get_by_role("textbox", name="Trouver l'établissement").press("Enter")
    settle(page)
    pick(page, "Établissement", f"#{school['id']}")
    page.get_by_role("textbox", name="Nom du point focal").fill("Amélie Durand")
    page.get_by_role("textbox", name="Son adresse e-mail").fill(EMAIL)
    page.get_by_role("button", name="Envoyer l'invitation").click()
    page.get_by_text("Invitation envoyée à").wait_for(timeout=30_000)
    settle(page)
    screenshot(page, "focal-points-invited-fr")

    mail = wait_for_mail(page, received, EMAIL)
    assert mail["Subject"].startswith("ASPnet : vous êtes invité") and school["name"] in mail["Subject"]
    link = re.search(r"http://\S+/welcome\?invitation=\S+", mail.get_content()).group(0)
    assert link.startswith(url) and link.endswith("&lang=fr")

    # The focal point, on a phone, follows the link and sets a password.
    phone = browser.new_context(viewport={"width": 390, "height": 1100})
    school_page = phone.new_page()
    school_page.goto(link)
    school_page.get_by_role("heading", name="Bienvenue sur ASPnet Atlas").wait_for(timeout=30_000)
    settle(school_page)
    school_page.get_by_role("textbox", name="L'adresse e-mail à laquelle l'invitation a été envoyée").fill(
        "amelie@ecole.example"
    )
    school_page.get_by_role("textbox", name="Nouveau mot de passe", exact=True).fill(PASSWORD)
    school_page.get_by_role("textbox", name="Confirmer le nouveau mot de passe").fill(PASSWORD)
    school_page.get_by_role("button", name="Choisir mon mot de passe").click()
    school_page.get_by_text("Ce n'est pas l'adresse à laquelle l'invitation a été envoyée.").wait_for(timeout=30_000)
    school_page.get_by_role("textbox", name="L'adresse e-mail à laquelle l'invitation a été envoyée").fill(EMAIL)
    school_page.get_by_role("textbox", name="Nouveau mot de passe", exact=True).fill(PASSWORD)
    school_page.get_by_role("textbox", name="Confirmer le nouveau mot de passe").fill(PASSWORD)
    school_page.get_by_role("button", name="Choisir mon mot de passe").click()
    done = school_page.get_by_text("Votre mot de passe est enregistré.")
    done.wait_for(timeout=30_000)
    settle(school_page)
    screenshot(school_page, "focal-point-welcome-390-fr")
    username = re.search(r"utilisateur est (\S+)\.$", done.inner_text().strip()).group(1)

    # Signed in, the focal point lands on My school and gives the website as people write it.
    desk = browser.new_context(viewport={"width": 1400, "height": 1500})
    mine = desk.new_page()
    log_in(mine, url, username, PASSWORD)
    mine.get_by_role("heading", name=school["name"]).wait_for(timeout=30_000)
    settle(mine)
    assert "/my_school" in mine.url
    mine.goto(url + "/my_school?lang=fr")
    mine.get_by_role("heading", name=school["name"]).wait_for(timeout=30_000)
    settle(mine)
    assert mine.get_by_text("Fixé par votre coordinateur national").is_visible()
    assert mine.get_by_role("combobox", name="Thème prioritaire").count() == 0  # not theirs to change
    website = mine.get_by_role("textbox", name="Site web")
    website.fill("www.ecole-amelie.example")
    mine.get_by_role("button", name="Enregistrer").click()
    mine.get_by_text(re.compile("Enregistré")).first.wait_for(timeout=30_000)
    settle(mine)
    screenshot(mine, "my-school-saved-fr")
    mine.set_viewport_size({"width": 390, "height": 1400})
    settle(mine)
    screenshot(mine, "my-school-390-fr")
    mine.get_by_role("link", name="Voir le profil public de l'établissement").click()
    mine.get_by_role("link", name=re.compile(r"ecole-amelie\.example")).wait_for(timeout=30_000)

    # The coordinator sees the change under the schools' changes and undoes it.
    page.reload()
    page.get_by_role("tab", name="Modifications des établissements").wait_for(timeout=30_000)
    settle(page)
    page.get_by_role("tab", name="Modifications des établissements").click()
    settle(page)
    pick(page, "Modification à annuler", school["name"])
    page.get_by_role("button", name="Annuler cette modification").click()
    page.get_by_text(re.compile("^Annulée :")).wait_for(timeout=30_000)
    settle(page)
    screenshot(page, "focal-points-undone-fr")
    public = browser.new_context(viewport={"width": 1400, "height": 1200}).new_page()
    public.goto(f"{url}/institution?id={school['id']}")
    public.get_by_role("heading", name=school["name"]).wait_for(timeout=30_000)
    settle(public)
    assert public.get_by_role("link", name=re.compile(r"ecole-amelie\.example")).count() == 0


@pytest.fixture()
def spanish_school(demo_path, tmp_path_factory):
    """A copy served, with a demo focal point (school.<iso3>) of a Spanish-speaking network whose
    coordinator has not opened a channel for its schools, and a theme its school lacks."""
    copy = tmp_path_factory.mktemp("requests") / "aspnet.duckdb"
    shutil.copy(demo_path, copy)
    with open_database(copy) as db:
        school = db.query(
            """SELECT u.username, i.id, i.name, i.network, i.themes FROM users u
               JOIN institutions i ON i.id = u.institution_id JOIN networks n ON n.iso3 = i.network
               JOIN countries c ON c.iso3 = i.network
               WHERE u.username = 'school.' || lower(i.network) AND c.language = 'es' AND len(i.themes) < 3
                 AND i.network NOT IN (SELECT network FROM channels WHERE kind = 'schools' AND network IS NOT NULL)
                 AND NOT EXISTS (SELECT 1 FROM change_requests r WHERE r.institution_id = i.id)
               ORDER BY i.network LIMIT 1"""
        ).row(0, named=True)
    with serving(copy) as url:
        yield url, school


def test_a_school_asks_for_a_theme_the_coordinator_approves_and_writes_in_the_schools_channel(spanish_school, browser):
    url, school = spanish_school
    names = {"esd": "Educación para el Desarrollo Sostenible", "gced": "Educación para la Ciudadanía Mundial",
             "heritage": "Aprendizaje intercultural y del patrimonio"}  # fmt: skip
    missing = next(code for code in ("heritage", "gced", "esd") if code not in school["themes"])
    # The school's focal point, on a phone, asks for the theme it lacks.
    phone = browser.new_context(viewport={"width": 1400, "height": 1300})
    mine = phone.new_page()
    log_in(mine, url, school["username"], demo.DEMO_PASSWORDS["focal_point"])
    mine.set_viewport_size({"width": 390, "height": 1300})
    mine.goto(url + "/my_school?tab=themes&lang=es")
    mine.get_by_role("button", name="Pedir el cambio").wait_for(timeout=30_000)
    settle(mine)
    mine.get_by_role("button", name="Pedir el cambio").click()
    mine.get_by_text("Es lo que la escuela ya tiene").wait_for(timeout=30_000)  # nothing changed yet: said so
    choose(mine, "Temas prioritarios", names[missing].split()[0], names[missing])
    mine.get_by_role("textbox", name="Por qué (opcional)").fill("Abrimos un club con el museo de la ciudad.")
    mine.get_by_role("button", name="Pedir el cambio").click()
    mine.get_by_text("Su solicitud se envió a su coordinador nacional.").wait_for(timeout=30_000)
    settle(mine)
    assert mine.get_by_text("Esperando al coordinador").is_visible()
    screenshot(mine, "my-school-request-390-es")

    # The coordinator approves it, then opens the channel for the network's schools and writes there.
    desk = browser.new_context(viewport={"width": 1400, "height": 1500})
    page = desk.new_page()
    log_in(page, url, f"coord.{school['network'].lower()}", demo.DEMO_PASSWORDS["coordinator"])
    page.goto(url + "/focal_points?tab=requests&lang=es")
    page.get_by_text("Abrimos un club con el museo de la ciudad.").wait_for(timeout=30_000)
    settle(page)
    screenshot(page, "focal-points-requests-es")
    page.get_by_role("button", name="Aprobar").click()
    page.get_by_text(re.compile("^Aprobada:")).wait_for(timeout=30_000)
    settle(page)
    page.get_by_role("tab", name="Canal de las escuelas").click()
    settle(page)
    page.get_by_role("button", name="Abrir el canal").click()
    page.get_by_role("link", name="Escribir en el canal").wait_for(timeout=30_000)
    settle(page)
    page.get_by_role("link", name="Escribir en el canal").click()
    page.get_by_role("textbox", name="Iniciar un hilo").wait_for(timeout=30_000)
    settle(page)
    page.get_by_role("textbox", name="Iniciar un hilo").fill("Los informes anuales se esperan antes del 31 de octubre.")
    page.get_by_role("button", name="Publicar").click()
    page.get_by_text("Los informes anuales se esperan antes del 31 de octubre.").first.wait_for(timeout=30_000)
    settle(page)
    screenshot(page, "board-schools-channel-es")

    # The school reads the news on its Message board page, where it cannot write, and the theme
    # is on its public profile.
    mine.goto(url + "/board?lang=es")
    mine.get_by_text("Los informes anuales se esperan antes del 31 de octubre.").first.wait_for(timeout=30_000)
    settle(mine)
    assert mine.get_by_role("textbox", name="Iniciar un hilo").count() == 0
    screenshot(mine, "board-schools-channel-390-es")
    mine.goto(url + "/my_school?tab=themes&lang=es")
    mine.get_by_text("Aprobada", exact=True).first.wait_for(timeout=30_000)
    mine.goto(f"{url}/institution?id={school['id']}&lang=es")
    mine.get_by_text(names[missing]).first.wait_for(timeout=30_000)

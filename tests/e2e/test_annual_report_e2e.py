"""The annual report in a real browser, in Spanish: a focal point invited by mail sets a
password from the outbox message and, on a phone, fills in the school's report as a person
types it (a website without https://, a date typed, the days celebrated, the self-assessment)
and submits it; the coordinator sends it back with a comment; the school corrects and submits
it again; the coordinator accepts it and downloads the national report (PDF and Excel); the
activity shows on the school's public profile. Then UNESCO reviews an inactive member and
reads the dashboard's reporting tab."""

import io
import re
import shutil

import polars as pl
import pytest
from pypdf import PdfReader

from aspnet_data import demo, focal_points, reports
from aspnet_data.db import open_database, utc_now
from aspnet_data.permissions import Actor

from .conftest import download, screenshot, serving, settle
from .test_coordinators_e2e import log_in
from .test_membership_e2e import pick

pytestmark = pytest.mark.e2e
PASSWORD = "Huerto-y-rio-2026"
EMAIL = "lucia.gomez@escuela.example"
TITLE = "Huerto escolar y compost"


@pytest.fixture()  # a fresh copy for a rerun too: the first attempt changed the data
def site(demo_path, tmp_path_factory):
    copy = tmp_path_factory.mktemp("report") / "aspnet.duckdb"
    shutil.copy(demo_path, copy)
    with open_database(copy) as db:
        school = db.query(
            """SELECT i.id, i.name, i.network FROM institutions i
               WHERE i.status = 'member' AND i.network = 'ESP'
                 AND NOT EXISTS (SELECT 1 FROM users u WHERE u.institution_id = i.id)
                 AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.institution_id = i.id)
               ORDER BY i.id LIMIT 1"""
        ).row(0, named=True)
        # The coordinator's invitation (the Focal points page's button has its own test): its mail.
        focal_points.invite(
            db, Actor("coord.esp", "coordinator", "ESP"), school["id"], display_name="Lucía Gómez", email=EMAIL,
            language="es",
        )  # fmt: skip
        body = db.scalar("SELECT body FROM outbox WHERE to_email = ? ORDER BY id DESC LIMIT 1", [EMAIL])
    with serving(copy) as url:
        yield url, school, body


def choose(page, label, typed, option) -> None:
    """Type into a list of choices and click the option, as a person does; then close the list."""
    settle(page, 600)
    page.get_by_role("combobox", name=label).click()
    page.keyboard.type(typed, delay=30)
    page.get_by_role("option", name=option).first.click()
    page.keyboard.press("Escape")
    settle(page)


def fill_activity(page, cycle: reports.Cycle) -> None:
    page.get_by_role("button", name="Añadir una actividad").click()
    settle(page)
    page.get_by_role("textbox", name="Título").fill(TITLE)
    page.get_by_role("textbox", name="Título").press("Tab")
    settle(page)
    start = cycle.starts.replace(month=3, day=2, year=cycle.ends.year)
    for label, day in (("Inicio", start), ("Fin", start.replace(day=6))):
        # Typed as a person types a date: year, month and day, each field moving to the next.
        page.get_by_role("spinbutton", name=f"year, {label}", exact=True).click()
        page.keyboard.type(day.strftime("%Y%m%d"), delay=40)
        page.keyboard.press("Tab")
        settle(page)
    choose(page, "Temas", "sostenible", "Educación para el desarrollo sostenible")
    page.get_by_role("spinbutton", name="Alumnos participantes").fill("120")
    page.get_by_role("spinbutton", name="Alumnos participantes").press("Tab")
    settle(page)
    page.get_by_role("textbox", name="Enlace web").fill("www.escuela-lucia.example/huerto")
    page.get_by_role("textbox", name="Enlace web").press("Tab")
    settle(page)


def test_a_report_is_submitted_returned_resubmitted_accepted_and_shown(site, browser):
    url, school, body = site
    # The invitation was made outside this server: its link names the default public address.
    link = url + re.search(r"/welcome\?invitation=\S+", body).group(0)
    assert link.endswith("&lang=es")

    # On a phone, the focal point follows the mail's link and sets a password.
    phone = browser.new_context(viewport={"width": 390, "height": 1400}).new_page()
    phone.goto(link)
    phone.get_by_role("heading", name=re.compile("Bienvenid")).wait_for(timeout=30_000)
    settle(phone)
    phone.get_by_role("textbox", name="La dirección de correo a la que se envió la invitación").fill(EMAIL)
    phone.get_by_role("textbox", name="Nueva contraseña", exact=True).fill(PASSWORD)
    phone.get_by_role("textbox", name="Repita la nueva contraseña").fill(PASSWORD)
    phone.get_by_role("button", name="Elegir mi contraseña").click()
    done = phone.get_by_text("Su contraseña está guardada.", exact=False)
    done.wait_for(timeout=30_000)
    username = re.search(r"usuario es (\S+)\.$", done.inner_text().strip()).group(1)
    phone.set_viewport_size({"width": 1400, "height": 1400})  # the sign-in form is in the side panel
    log_in(phone, url, username, PASSWORD)
    phone.set_viewport_size({"width": 390, "height": 1400})
    phone.goto(url + "/my_school?lang=es&tab=report")
    phone.get_by_role("tab", name="Informe anual").wait_for(timeout=30_000)
    settle(phone)
    calendar = reports.Calendar()  # the demo's: the school year ends in June, due by 31 October
    cycle = calendar.cycle(calendar.default_year(utc_now().date()))

    # An incomplete report is refused with the reasons next to the fields; nothing is lost.
    phone.get_by_role("button", name="Enviar el informe").click()
    phone.get_by_text("Añada al menos una actividad.").first.wait_for(timeout=30_000)
    settle(phone)
    fill_activity(phone, cycle)
    choose(phone, "Días que la escuela celebró este año", "agua", re.compile("Día Mundial del Agua"))
    for group in phone.get_by_role("radiogroup").all():
        group.get_by_text("3", exact=True).click()
        settle(phone, 150)
    phone.get_by_text("Estos datos de contacto están al día").click()
    settle(phone)
    screenshot(phone, "annual-report-filled-390-es")
    phone.get_by_role("button", name="Enviar el informe").click()
    phone.get_by_text(re.compile("El informe está enviado")).wait_for(timeout=30_000)
    settle(phone)
    screenshot(phone, "annual-report-submitted-390-es")
    assert phone.get_by_text("Su Coordinador nacional está leyendo este informe").is_visible()
    assert phone.get_by_role("button", name="Enviar el informe").count() == 0  # read only meanwhile

    # The coordinator sends it back with a comment.
    desk = browser.new_context(viewport={"width": 1400, "height": 1600}).new_page()
    log_in(desk, url, "coord.esp", demo.DEMO_PASSWORDS["coordinator"])
    desk.goto(url + "/reports?lang=es")
    desk.get_by_role("heading", name=re.compile("Informes anuales")).wait_for(timeout=30_000)
    settle(desk)
    pick(desk, "Informe que leer", school["name"])
    desk.get_by_role("textbox", name="Comentario para la escuela").fill("Indique la escuela asociada, por favor.")
    desk.get_by_role("button", name="Devolver a la escuela").click()
    desk.get_by_text("Informe devuelto con su comentario").wait_for(timeout=30_000)
    settle(desk)

    # The school reads the comment, adds the partner school and submits again.
    phone.reload()
    phone.get_by_text(re.compile("Indique la escuela asociada")).wait_for(timeout=30_000)
    settle(phone)
    partners = phone.get_by_role("textbox", name="Escuelas asociadas")
    partners.fill("Collège Jean Zay, París")
    partners.press("Tab")
    settle(phone)
    phone.get_by_role("button", name="Enviar el informe").click()
    phone.get_by_text(re.compile("El informe está enviado")).wait_for(timeout=30_000)
    settle(phone)

    # The coordinator accepts it and downloads the national report.
    desk.reload()
    desk.get_by_role("heading", name=re.compile("Informes anuales")).wait_for(timeout=30_000)
    settle(desk)
    pick(desk, "Informe que leer", school["name"])
    assert desk.get_by_text("Collège Jean Zay, París").first.is_visible()
    desk.get_by_role("button", name="Aceptar").click()
    desk.get_by_text("Informe aceptado").wait_for(timeout=30_000)
    settle(desk)
    desk.get_by_role("tab", name="Informe nacional").click()
    settle(desk)
    pick(desk, "Año del informe", f"{cycle.year - 1}–{cycle.year}")
    screenshot(desk, "national-report-es")
    pdf = download(desk, desk.get_by_role("button", name="Descargar el PDF"))
    assert pdf.suggested_filename == f"aspnet-national-report-ESP-{cycle.year}-es.pdf"
    text = "".join(p.extract_text() for p in PdfReader(pdf.path()).pages)
    assert f"Informe nacional redPEA {cycle.year}" in text and TITLE in text
    assert "120 alumnos participantes" in text and "Día Mundial del Agua" in text
    workbook = download(desk, desk.get_by_role("button", name="Descargar el libro Excel"))
    listed = pl.read_excel(io.BytesIO(open(workbook.path(), "rb").read()), sheet_name="Actividades")
    assert TITLE in listed["Actividad"].to_list()

    # Anyone sees the activity on the school's profile, with its link.
    public = browser.new_context(viewport={"width": 1400, "height": 1200}).new_page()
    public.goto(f"{url}/institution?id={school['id']}&lang=es")
    public.get_by_role("heading", name="Actividades informadas").wait_for(timeout=30_000)
    settle(public)
    shown = public.get_by_role("link", name=TITLE)
    assert shown.get_attribute("href") == "https://www.escuela-lucia.example/huerto"
    screenshot(public, "profile-activities-es")

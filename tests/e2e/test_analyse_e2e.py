"""Dashboard and country brief in a real browser: charts draw, downloads hold the right rows,
a filtered link reproduces the view and its tab, numbers read in the interface language, the
brief prints without the app's furniture and downloads as a PDF for the person who asks."""

import csv
import io
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import pytest
from pypdf import PdfReader

from aspnet_data import dashboard
from aspnet_data.directory import Selection

from .conftest import download, screenshot, settle
from .test_coordinators_e2e import log_in

pytestmark = pytest.mark.e2e
CHART = "[data-testid='stVegaLiteChart']"
THIS_YEAR = datetime.now(UTC).year


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def panel(page):
    """The open tab's panel."""
    return page.locator("[data-testid='stTabs'] [role='tabpanel']:visible")


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    settle(page)
    panel(page).locator(f"{CHART} svg").first.wait_for(timeout=30_000)


def axis_labels(chart, axis: str = "y") -> list[str]:
    """The tick labels of one axis of a chart (Streamlit draws Vega-Lite charts as SVG)."""
    axes = chart.locator("g.role-axis")
    texts = []
    for k in range(axes.count()):
        one = axes.nth(k)
        label = one.get_attribute("aria-label") or ""
        if label.startswith(f"{axis.upper()}-axis"):
            texts.append([t.strip() for t in one.locator("g.role-axis-label text").all_text_contents()])
    return texts[0] if texts else []


def download_csv(page, box) -> list[dict[str, str]]:
    """Open a chart's table (if in an expander), click its CSV download, read the file back."""
    info = download(page, box.locator("[data-testid='stDownloadButton'] button"))
    return list(csv.DictReader(io.StringIO(open(info.path(), encoding="utf-8-sig").read())))


def expander(page, title: str, n: int):
    box = panel(page).locator("[data-testid='stExpander']").nth(n)
    box.get_by_text(title).click()
    return box


def test_dashboard_charts_draw_and_the_filtered_link_reproduces_the_view(server, web, db):
    page = web.page
    page.goto(f"{server}/dashboard?region=AFR&region=ARB&level=secondary")
    page.get_by_role("heading", name="Network dashboard").wait_for(timeout=30_000)
    settle(page)
    expected = dashboard.dashboard(
        db, Selection().with_values("region", ["AFR", "ARB"]).with_values("level", ["secondary"])
    )
    members = page.locator("[data-testid='stMetric']").filter(has=page.get_by_text("Members", exact=True)).inner_text()
    assert f"{expected.by_status['member']:,}" in members
    page.locator(f"{CHART} canvas, {CHART} svg").first.wait_for(timeout=30_000)
    for tab in page.locator("[data-testid='stTab']").all():
        tab.click()
        settle(page)
        panel = page.locator("[data-testid='stTabs'] [role='tabpanel']:visible")
        # A chart or a table in every tab (By country's wait for its map's library to load).
        panel.locator(f"{CHART}, [data-testid='stDataFrame']").first.wait_for(timeout=30_000)
        page.wait_for_timeout(600)
        screenshot(page, f"dashboard-{tab.inner_text().lower().replace(' ', '-')}")
    assert web.failures == []


def test_a_dashboard_download_holds_the_right_rows(server, web, db):
    page = web.page
    page.goto(f"{server}/dashboard?level=tvet")
    page.get_by_role("heading", name="Priority themes by region").wait_for(timeout=30_000)
    settle(page)
    first_table = page.locator("[data-testid='stExpander']").filter(has_text="Table and data").first
    first_table.get_by_text("Table and data").click()
    info = download(page, first_table.get_by_role("button", name="Download CSV"))
    rows = list(csv.DictReader(io.StringIO(open(info.path(), encoding="utf-8-sig").read())))
    expected = dashboard.dashboard(db, Selection().with_values("level", ["tvet"])).theme_by_region
    got = {(r["Region"], r["Priority theme"]): int(r["Institutions"]) for r in rows}
    names = {
        "AFR": "Africa",
        "ARB": "Arab States",
        "APA": "Asia and the Pacific",
        "EUR": "Europe and North America",
        "LAC": "Latin America and the Caribbean",
    }
    short = {"esd": "ESD", "gced": "GCED", "heritage": "Intercultural & heritage"}
    want = {(names[r["region"]], short[t]): r[t] for r in expected.iter_rows(named=True) for t in short}
    assert got == want


def test_country_brief_prints_on_two_pages_without_the_side_panel(server, web, db, tmp_path):
    iso3 = db.scalar("SELECT network FROM institutions GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
    page = web.page
    page.goto(f"{server}/brief?code={iso3}")
    page.get_by_role("heading", level=1).wait_for(timeout=30_000)
    page.locator(f"{CHART} canvas, {CHART} svg").first.wait_for(timeout=30_000)
    settle(page)
    page.wait_for_timeout(1000)
    screenshot(page, "brief")
    page.emulate_media(media="print")
    assert not page.locator("[data-testid='stSidebar']").is_visible()
    assert not page.locator("[data-testid='stMainBlockContainer'] [data-testid='stSelectbox']").is_visible()
    pdf = page.pdf(format="A4", print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert 1 <= pages <= 2
    assert web.failures == []


def test_a_link_opens_its_tab_with_only_its_region_and_switching_tabs_writes_the_url(server, web, db):
    page = web.page
    page.goto(f"{server}/dashboard?region=AFR&tab=change&lang=fr")
    page.get_by_role("heading", name="Tableau de bord du réseau").wait_for(timeout=30_000)
    settle(page)
    assert page.get_by_role("tab", name="Évolution").get_attribute("aria-selected") == "true"
    charts = panel(page).locator(CHART)
    charts.first.locator("svg").wait_for(timeout=30_000)
    # Members by region: one line (Africa's), its years on a time axis in whole years.
    first = charts.first
    assert first.locator("g.mark-line path").count() == 1
    years = axis_labels(first, "x")
    assert years and all(re.fullmatch(r"(19|20)\d\d", y) for y in years), years
    expected = dashboard.dashboard(db, Selection().with_values("region", ["AFR"])).joins_by_region
    rows = download_csv(page, expander(page, "Tableau et données", 0))
    assert {r["Région"] for r in rows} == {"Afrique"}
    assert [(int(r["Année"]), int(r["Membres en fin d'année"])) for r in rows] == list(
        zip(expected["year"], expected["members"])
    )
    assert int(rows[-1]["Année"]) == THIS_YEAR  # members carried to this year
    screenshot(page, "dashboard-change-africa")

    open_tab(page, "Lacunes")
    assert query(page)["tab"] == ["gaps"] and query(page)["region"] == ["AFR"]
    levels = panel(page).locator(CHART).first
    assert axis_labels(levels, "y") == ["Afrique"]
    open_tab(page, "Couverture")
    assert "tab" not in query(page) and query(page)["region"] == ["AFR"]  # the first tab needs none
    for heat in panel(page).locator(CHART).all()[:1]:
        assert axis_labels(heat, "y") == ["Afrique"]
    rows = download_csv(page, expander(page, "Tableau et données", 0))
    assert {r["Région"] for r in rows} == {"Afrique"}

    # The copied link opens the same tab.
    open_tab(page, "Évolution")
    link = page.url
    other = web.page.context.new_page()
    other.goto(link)
    other.get_by_role("heading", name="Tableau de bord du réseau").wait_for(timeout=30_000)
    settle(other)
    assert other.get_by_role("tab", name="Évolution").get_attribute("aria-selected") == "true"
    assert web.failures == []


def test_chart_numbers_read_in_the_interface_language(server, web):
    page = web.page
    page.goto(f"{server}/dashboard?tab=change&lang=fr")
    page.get_by_role("heading", name="Tableau de bord du réseau").wait_for(timeout=30_000)
    settle(page)
    by_theme = panel(page).locator(CHART).nth(1)  # members by theme: past a thousand in the test network
    by_theme.locator("svg").wait_for(timeout=30_000)
    counts = axis_labels(by_theme, "y")
    assert any(re.fullmatch(r"\d\u202f\d{3}", c) for c in counts), counts
    assert not any("," in c or "." in c for c in counts), counts
    assert all(re.fullmatch(r"(19|20)\d\d", y) for y in axis_labels(by_theme, "x"))
    page.goto(f"{server}/dashboard?tab=change&lang=es")
    page.get_by_role("heading", level=1).wait_for(timeout=30_000)
    settle(page)
    by_region, by_theme = panel(page).locator(CHART).nth(0), panel(page).locator(CHART).nth(1)
    by_theme.locator("svg").wait_for(timeout=30_000)
    counts = axis_labels(by_theme, "y")
    assert any(re.fullmatch(r"\d\.\d{3}", c) for c in counts) and not any("," in c for c in counts), counts
    # Labels show whole, never cut with an ellipsis.
    legend = " ".join(by_region.locator("g.role-legend-label text").all_text_contents())
    assert "…" not in legend and "América Latina y el Caribe" in legend, legend


def test_a_tables_csv_is_what_the_table_shows_in_the_interface_language(server, web, db):
    page = web.page
    page.goto(f"{server}/dashboard?lang=fr&region=EUR&tab=countries")
    page.get_by_role("heading", name="Où chaque thème est retenu").wait_for(timeout=30_000)
    settle(page)
    box = panel(page).locator("[data-testid='stDownloadButton']").filter(has_text="Télécharger en CSV").last
    info = download(page, box.get_by_role("button"))
    assert info.suggested_filename == "aspnet-countries.csv"
    rows = list(csv.DictReader(io.StringIO(open(info.path(), encoding="utf-8-sig").read())))
    expected = dashboard.dashboard(db, Selection().with_values("region", ["EUR"])).by_country
    assert list(rows[0]) == [
        "Pays",
        "Région",
        "Établissements",
        "Éducation au développement durable",
        "Éducation à la citoyenneté mondiale",
        "Apprentissage interculturel et du patrimoine",
        "Par million d'habitants",
    ]
    assert [(r["Pays"], int(r["Établissements"])) for r in rows] == list(
        zip(expected["name_fr"], expected["institutions"])
    )
    assert {r["Région"] for r in rows} == {"Europe et Amérique du Nord"}


def _brief_pdf(page, server, iso3: str, lang: str) -> str:
    page.goto(f"{server}/brief?code={iso3}&lang={lang}")
    page.get_by_role("heading", level=1).wait_for(timeout=30_000)
    settle(page)
    info = download(page, page.get_by_role("button", name=re.compile("PDF")))
    assert info.suggested_filename == f"aspnet-brief-{iso3}-{lang}.pdf"
    reader = PdfReader(info.path())
    return "\n".join(p.extract_text() for p in reader.pages).replace("\u00a0", " ")


def test_the_brief_downloads_as_a_pdf_for_the_person_who_asks(server, web, browser, db):
    iso3 = db.scalar(
        "SELECT network FROM applications WHERE stage = 'submitted' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    )
    name = db.scalar("SELECT name_es FROM countries WHERE iso3 = ?", [iso3])
    members = db.scalar("SELECT count(*) FROM institutions WHERE network = ? AND status = 'member'", [iso3])
    public = _brief_pdf(web.page, server, iso3, "es")
    assert f"{name}: ficha de país de la redPEA" in public
    assert f"Miembros\n{members:,}".replace(",", ".") in public
    assert "Solicitudes pendientes de decisión" not in public  # staff figures stay out for the public
    screenshot(web.page, "brief-es")

    context = browser.new_context(viewport={"width": 1400, "height": 1800})
    page = context.new_page()
    from aspnet_data import demo

    log_in(page, server, "analyst", demo.DEMO_PASSWORDS["analyst"])
    staff = _brief_pdf(page, server, iso3, "es")
    assert f"{name}: ficha de país de la redPEA" in staff
    waiting = db.scalar(
        "SELECT count(*) FROM applications WHERE network = ? AND stage IN ('submitted', 'returned', 'recommended')",
        [iso3],
    )
    assert f"Solicitudes pendientes de decisión: {waiting}." in staff
    context.close()
    assert web.failures == []


@pytest.mark.screenshots
@pytest.mark.parametrize("width", [390, 1400])
def test_screenshots_of_the_analysts_pages(server, browser, db, width):
    """Pictures to look at (test-artifacts/): the dashboard in French, the brief in Spanish."""
    iso3 = db.scalar("SELECT network FROM institutions GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
    # Streamlit scrolls inside its own container: a viewport as tall as the page shows all of it.
    context = browser.new_context(viewport={"width": width, "height": 6000 if width < 600 else 2800})
    page = context.new_page()
    charts, deck = f"{CHART} svg", "[data-testid='stDeckGlJsonChart'] canvas"
    for name, path, drawn in (
        (f"dashboard-fr-coverage-{width}", "/dashboard?lang=fr", charts),
        (f"dashboard-fr-countries-{width}", "/dashboard?lang=fr&tab=countries", deck),
        (f"dashboard-fr-gaps-{width}", "/dashboard?lang=fr&tab=gaps", charts),
        (f"dashboard-fr-change-{width}", "/dashboard?lang=fr&tab=change", charts),
        (f"brief-es-{width}", f"/brief?code={iso3}&lang=es", charts),
        (f"network-es-{width}", f"/network?code={iso3}&lang=es", charts),
    ):
        page.goto(server + path)
        page.get_by_role("heading", level=1).first.wait_for(timeout=30_000)
        page.locator(drawn).first.wait_for(timeout=30_000)
        settle(page)
        page.wait_for_timeout(800)
        assert page.locator("[data-testid='stException']").count() == 0, name
        screenshot(page, name)
    context.close()


def test_the_dashboards_country_map_shades_the_countries_and_names_them_under_the_pointer(server, web, db):
    """The shading and the borders are the chart's basemap (/shaded-style.json); the deck over
    it, drawn transparent, still tells the country and its count under the pointer."""
    from PIL import Image

    from ui.palette import LAND, SEA

    from .test_map_e2e import on_screen, tooltip_at

    page = web.page
    page.goto(f"{server}/dashboard?lang=fr")
    page.get_by_role("tab", name="Par pays").click()  # the map has a tab of its own
    deck = page.locator("[data-testid='stDeckGlJsonChart']").first
    deck.locator("canvas").first.wait_for(timeout=30_000)
    deck.scroll_into_view_if_needed()
    settle(page)
    box = deck.bounding_box()
    x, y = on_screen(box, (20.0, 10.0, 1.0), 46.6, 2.4)  # the map's world view (maps.zoom_for(None))
    tip = ""
    for _ in range(20):
        tip = tooltip_at(page, x, y)
        if tip:
            break
        page.wait_for_timeout(500)
    assert tip.startswith("France"), tip
    page.mouse.move(box["x"] + 2, box["y"] + box["height"] - 2)  # the tooltip out of the way
    page.wait_for_timeout(300)
    picture = Image.open(io.BytesIO(deck.screenshot())).convert("RGB")
    france = picture.getpixel((int(x - box["x"]), int(y - box["y"])))
    assert all(abs(a - b) > 12 for a, b in zip(france, LAND)) and france != tuple(SEA), france  # shaded
    screenshot(page, "dashboard-country-map-fr")
    assert web.failures == []

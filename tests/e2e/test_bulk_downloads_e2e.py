"""The bulk update's Excel template downloads for the coordinator who asks, holding their network."""

import polars as pl
import pytest

from aspnet_data import bulk, bulk_mapping, demo
from aspnet_data.permissions import Actor

from .conftest import download, settle
from .test_coordinators_e2e import log_in

pytestmark = pytest.mark.e2e


def test_the_excel_template_holds_the_coordinators_network(server, browser, db):
    username, network = db.rows(
        "SELECT username, network FROM users WHERE role = 'coordinator' ORDER BY username LIMIT 1 OFFSET 2"
    )[0]
    context = browser.new_context(viewport={"width": 1400, "height": 1600}, accept_downloads=True)
    page = context.new_page()
    log_in(page, server, username, demo.DEMO_PASSWORDS["coordinator"])
    page.goto(server + "/bulk")
    page.get_by_text("1. Download the current list").wait_for(timeout=30_000)
    settle(page)
    info = download(page, page.get_by_role("button", name="Excel", exact=True))
    assert info.suggested_filename == f"aspnet-{network}.xlsx"
    sheet = pl.read_excel(info.path(), infer_schema_length=0)
    expected = {
        i for (i,) in db.rows("SELECT id FROM institutions WHERE network = ? AND status <> 'withdrawn'", [network])
    }
    # Headers and codes are the interface's labels; the file reads back as what it says.
    label = {f: bulk_mapping.label("en", f"field.{f}") for f in ("id", "name", "city", "levels", "themes", "email")}
    assert set(label.values()) <= set(sheet.columns)
    assert {int(i) for i in sheet[label["id"]]} == expected
    levels = {v for cell in sheet[label["levels"]].drop_nulls() for v in cell.split("; ")}
    assert levels and levels <= {bulk_mapping.label("en", f"level.{c}") for c in bulk_mapping.CHOICES["levels"]}
    workbook = open(info.path(), "rb").read()
    plan = bulk.plan(db, Actor("admin", "admin"), network, bulk.read_file(workbook, "back.xlsx"))
    assert plan.empty and plan.errors.is_empty() and plan.unchanged == len(expected)
    context.close()

"""Direct conversations in two browsers: A starts one with B, found by typing part of B's name;
B sees it appear in the channel list and A's message without reloading, and replies with a
PDF; A sees the reply without reloading and downloads the PDF: the same file, byte for byte."""

from pathlib import Path

import pytest
from fpdf import FPDF

from .conftest import download, screenshot, settle
from .test_annual_report_e2e import choose
from .test_board_e2e import open_as

pytestmark = pytest.mark.e2e


def toolkit_pdf(folder: Path) -> Path:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text="ESD toolkit, translated")
    path = folder / "ESD toolkit.pdf"
    path.write_bytes(bytes(pdf.output()))
    return path


def test_a_starts_a_conversation_with_b_who_sees_it_live_and_replies_with_a_pdf(server, browser, db, tmp_path):
    (a_user, a_name), (b_user, b_name) = db.rows(
        "SELECT username, display_name FROM users WHERE role = 'coordinator' AND NOT disabled "
        "ORDER BY username DESC LIMIT 2"
    )
    a_context, a, _ = open_as(browser, server, a_user, "Message board")
    b_context, b, _ = open_as(browser, server, b_user, "Message board")
    a.get_by_role("button", name="New conversation").click()
    choose(a, "With", b_name.split()[-1][:5], b_name)
    a.get_by_role("textbox", name="First message").fill("Could you send me the translated ESD toolkit?")
    a.get_by_role("button", name="Start the conversation").click()
    a.get_by_text("Conversation started: it is open below.").wait_for(timeout=15_000)
    a.keyboard.press("Escape")  # the form's popover closes
    assert a.get_by_text("Only its members read this conversation:").count() == 1
    # B: the conversation appears in the list, named after A, without a reload.
    b.get_by_role("radio", name=a_name).wait_for(timeout=20_000)
    b.locator("label").filter(has_text=a_name).first.click()
    settle(b)
    b.get_by_text("Could you send me the translated ESD toolkit?").wait_for(timeout=15_000)
    b.get_by_text("Reply", exact=True).first.click()
    settle(b)
    b.get_by_role("textbox", name="Your reply").fill("Of course: here it is.")
    pdf = toolkit_pdf(tmp_path)
    b.locator("[data-testid='stFileUploader'] input[type=file]").last.set_input_files(str(pdf))
    b.get_by_text("ESD toolkit.pdf").first.wait_for(timeout=15_000)
    b.get_by_role("button", name="Post reply").click()
    b.get_by_text("Your reply is posted.").wait_for(timeout=15_000)
    # A: the reply without a reload (the thread counts it; opened, it shows it).
    a.get_by_text("1 reply", exact=False).first.wait_for(timeout=20_000)
    a.get_by_text("1 reply", exact=False).first.click()
    a.get_by_text("Of course: here it is.").wait_for(timeout=15_000)
    settle(a)
    saved = download(a, a.get_by_role("button", name="ESD toolkit.pdf", exact=False).first)
    assert Path(saved.path()).read_bytes() == pdf.read_bytes() and saved.suggested_filename == "ESD toolkit.pdf"
    screenshot(a, "conversation-a-1400")
    b.set_viewport_size({"width": 390, "height": 1800})
    settle(b)
    screenshot(b, "conversation-b-390")
    a_context.close()
    b_context.close()

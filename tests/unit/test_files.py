"""Files: checked by their content (each refusal stores nothing), names sanitised, quotas kept
in the inserting transaction, who reads a project space's materials and a message's files,
a deleted message's files gone with it, hostile uploads (property test) and hostile searches
(the injection list)."""

from __future__ import annotations

import io
import json
import threading
import zipfile
from datetime import timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aspnet_data import accounts, board, files, focal_points, projects
from aspnet_data.db import utc_now
from aspnet_data.errors import EditWindowPassed, FileRefused, NotFound, PermissionDenied, ValidationFailed
from aspnet_data.files import KINDS, Upload
from aspnet_data.permissions import ANONYMOUS, Actor
from aspnet_data.text import fold

from ..conftest import ROOT, two_coordinators
from .test_injection import IDS, INJECTIONS

MESSAGES = json.loads((ROOT / "ui" / "locales" / "en.json").read_text(encoding="utf-8"))
ADMIN = Actor("admin", "admin")


# -- samples of every kind ------------------------------------------------------------------------


def zipped(entries: dict[str, bytes], *, stored_first: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for k, (name, data) in enumerate(entries.items()):
            archive.writestr(name, data, compress_type=zipfile.ZIP_STORED if stored_first and k == 0 else None)
    return out.getvalue()


CONTENT_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def ooxml(main: str, extra: dict[str, bytes] | None = None) -> bytes:
    return zipped(
        {"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": b"<Relationships/>", main: b"<x/>"} | (extra or {})
    )


def opendocument(kind: str, extra: dict[str, bytes] | None = None) -> bytes:
    entries = {
        "mimetype": f"application/vnd.oasis.opendocument.{kind}".encode(),
        "content.xml": b"<office:document-content/>",
        "META-INF/manifest.xml": b"<manifest:manifest/>",
    }
    return zipped(entries | (extra or {}), stored_first=True)


def picture(fmt: str, mode: str = "RGB", size=(64, 40)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new(mode, size, (10, 120, 200) if mode == "RGB" else None).save(out, format=fmt)
    return out.getvalue()


def pdf(text: str = "Rivers of the world") -> bytes:
    from fpdf import FPDF

    document = FPDF()
    document.add_page()
    document.set_font("Helvetica", size=12)
    document.cell(text=text)
    return bytes(document.output())


def workbook() -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.add_worksheet().write(0, 0, "Rivers")
    book.close()
    return out.getvalue()


ACCEPTED = {  # name given -> (content, kind, stored name)
    "report": (pdf(), "pdf", "report.pdf"),
    "letter.docx": (ooxml("word/document.xml"), "docx", "letter.docx"),
    "figures.xlsx": (workbook(), "xlsx", "figures.xlsx"),
    "talk.bin": (ooxml("ppt/presentation.xml"), "pptx", "talk.pptx"),
    "essay.odt": (opendocument("text"), "odt", "essay.odt"),
    "sheet.ods": (opendocument("spreadsheet"), "ods", "sheet.ods"),
    "slides.odp": (opendocument("presentation"), "odp", "slides.odp"),
    "photo.PNG": (picture("PNG"), "png", "photo.png"),
    "photo.jpeg": (picture("JPEG"), "jpeg", "photo.jpeg"),
    "moving.gif": (picture("GIF"), "gif", "moving.gif"),
    "clear.webp": (picture("WEBP", "RGBA"), "webp", "clear.webp"),
    "notes.txt": ("Rivers: la Seine, el Ebro, 北京\n".encode(), "text", "notes.txt"),
    "table.csv": (b"\xef\xbb\xbfweek,school,rain_mm\n1,Lyce\xc3\xa9e,12\n", "text", "table.csv"),
}
ZEROS = b"\x00" * (20 * files.MB)
REFUSED = {  # what -> (name, content, code)
    "a program renamed .pdf": ("report.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, "executable"),
    "a Linux program": ("notes.txt", b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "executable"),
    "a macOS program": ("photo.png", b"\xcf\xfa\xed\xfe" + b"\x00" * 100, "executable"),
    "a script": ("notes.txt", b"#!/bin/sh\nrm -rf ~\n", "executable"),
    "a script after a byte-order mark": ("run.csv", b"\xef\xbb\xbf#!/usr/bin/env python\n", "executable"),
    "an HTML page": ("notes.txt", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", "html"),
    "HTML without a doctype": ("page.csv", b"  <html>\n<p>hello</p></html>", "html"),
    "a script tag in a text": ("notes.txt", b"hello <script src=x></script>", "html"),
    "an SVG with a script": (
        "logo.png",
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "svg",
    ),
    "a zip archive": ("letter.docx", zipped({"notes.txt": b"hello"}), "archive"),
    "an empty zip": ("a.zip", b"PK\x05\x06" + b"\x00" * 18, "archive"),
    "a rar archive": ("a.pdf", b"Rar!\x1a\x07\x01\x00" + b"\x00" * 40, "archive"),
    "a 7z archive": ("a.pdf", b"7z\xbc\xaf\x27\x1c" + b"\x00" * 40, "archive"),
    "a gzip file": ("a.txt", b"\x1f\x8b\x08\x00" + b"\x00" * 40, "archive"),
    "a tar file": ("a.txt", b"notes.txt".ljust(257, b"\x00") + b"ustar\x0000" + b"\x00" * 300, "archive"),
    "an OpenDocument of another kind": ("a.odt", opendocument("graphics-template-x"), "archive"),
    "a zip bomb (20 MB of zeros in a small file)": (
        "a.docx",
        ooxml("word/document.xml", {"word/a.bin": ZEROS}),
        "zip_bomb",
    ),
    "Word with macros": ("a.docx", ooxml("word/document.xml", {"word/vbaProject.bin": b"macro"}), "macros"),
    "OpenDocument with macros": ("a.odt", opendocument("text", {"Basic/Standard/Module1.xml": b"<x/>"}), "macros"),
    "a PDF with JavaScript": (
        "a.pdf",
        b"%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>\n%%EOF\n",
        "pdf_active",
    ),
    "a PDF spelling JavaScript with escapes": (
        "a.pdf",
        b"%PDF-1.4\n1 0 obj << /S /J#61vaScript >>\n%%EOF\n",
        "pdf_active",
    ),
    "a PDF that launches a program": ("a.pdf", b"%PDF-1.4\n<< /S /Launch /F (cmd.exe) >>\n%%EOF\n", "pdf_active"),
    "a truncated PDF": ("a.pdf", pdf()[:400], "damaged"),
    "a truncated PNG": ("a.png", picture("PNG")[:60], "damaged"),
    "a damaged office file": ("a.docx", b"PK\x03\x04" + b"\x00" * 50, "damaged"),
    "an old Word file": ("a.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "unsupported"),
    "text in Latin-1": ("a.txt", "Lycée".encode("latin-1"), "unsupported"),
    "text with a NUL": ("a.txt", b"abc\x00def", "unsupported"),
    "UTF-16 text": ("a.txt", "Rivers".encode("utf-16"), "unsupported"),
    "an empty file": ("a.txt", b"", "empty"),
    "a file over 10 MB": ("a.txt", b"a" * (files.MAX_BYTES + 1), "too_large"),
}


# -- the world: a project of A with a school of B, their coordinators, an outsider, a focal point ---


@pytest.fixture(scope="module")
def world(module_db):
    db = module_db
    (own, a), (other, b) = two_coordinators(db)
    outsider = db.scalar(
        "SELECT username FROM users WHERE role = 'coordinator' AND network NOT IN (?, ?) ORDER BY username LIMIT 1",
        [a, b],
    )
    actors = {
        "anonymous": ANONYMOUS,
        "analyst": accounts.get_user(db, "analyst").actor,
        "admin": ADMIN,
        "own": accounts.get_user(db, own).actor,
        "member": accounts.get_user(db, other).actor,
        "outsider": accounts.get_user(db, outsider).actor,
    }
    project = projects.create_project(db, actors["own"], {"title": "Rivers shared", "themes": ["esd"]})
    school_a = db.scalar("SELECT min(id) FROM institutions WHERE network = ? AND status = 'member'", [a])
    school_b = db.scalar("SELECT min(id) FROM institutions WHERE network = ? AND status = 'member'", [b])
    projects.add_institution(db, actors["own"], project, school_a)
    projects.add_institution(db, actors["member"], project, school_b)
    projects.decide(db, actors["own"], project, school_b, accept=True)
    invitation = focal_points.invite(db, ADMIN, school_a, display_name="Focal", email="focal.files@school.example")
    actors["focal"] = focal_points.accept(db, invitation.token, "focal.files@school.example", "Focal-point-pw-1").actor
    other_school = db.scalar(
        "SELECT min(id) FROM institutions WHERE network = ? AND status = 'member' AND id <> ?", [a, school_a]
    )
    invitation = focal_points.invite(db, ADMIN, other_school, display_name="Other", email="other.files@school.example")
    actors["other focal"] = focal_points.accept(
        db, invitation.token, "other.files@school.example", "Focal-point-pw-1"
    ).actor
    tables = [t for (t,) in db.rows("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'")]
    return {"db": db, "project": project, "actors": actors, "tables": tables, "channel": board_channel(db, project)}


def board_channel(db, project: int) -> int:
    return db.scalar("SELECT id FROM channels WHERE project_id = ?", [project])


def share(world, role="own", name="notes.txt", data=b"Week 1: rivers", **values) -> int:
    return files.add_material(
        world["db"], world["actors"][role], world["project"], Upload(name, data), {"title": "Notes"} | values
    )


def file_of(world, material: int) -> int:
    return world["db"].scalar("SELECT file_id FROM project_materials WHERE id = ?", [material])


_minutes = iter(range(10, 100_000, 3))


def post(world, role="own", channel=None) -> int:
    """A message a little later than the last (the posting limit never interferes)."""
    when = utc_now() + timedelta(minutes=next(_minutes))
    return board.post(world["db"], world["actors"][role], channel or world["channel"], "See the file", now=when)


def posted(world, message: int):
    return world["db"].scalar("SELECT created_at FROM messages WHERE id = ?", [message])


# -- checks by content --------------------------------------------------------------------------


@pytest.mark.parametrize("given_name", sorted(ACCEPTED))
def test_each_kind_is_told_by_its_content(given_name):
    data, code, stored = ACCEPTED[given_name]
    found = files.inspect(Upload(given_name, data))
    assert (found.code, found.name, found.size) == (code, stored, len(data))
    assert found.media_type == (KINDS[code].media_type if given_name != "table.csv" else "text/csv")
    assert (found.preview is not None) == (code in files.IMAGE_KINDS)


def test_a_preview_is_a_small_image_drawn_again():
    from PIL import Image

    found = files.inspect(Upload("big.png", picture("PNG", size=(3000, 1200))))
    with Image.open(io.BytesIO(found.preview)) as small:
        assert max(small.size) == files.PREVIEW_PIXELS and small.format == "JPEG"
    clear = files.inspect(Upload("clear.png", picture("PNG", "RGBA")))
    with Image.open(io.BytesIO(clear.preview)) as small:
        assert small.format == "PNG"  # transparency kept


@pytest.mark.parametrize("what", sorted(REFUSED))
def test_each_refusal_names_its_reason_and_stores_nothing(world, what):
    name, data, code = REFUSED[what]
    db = world["db"]
    before = db.checksums(world["tables"])
    with pytest.raises(FileRefused) as refused:
        share(world, name=name, data=data)
    assert refused.value.code == code and refused.value.field == "file"
    assert refused.value.code in files.REFUSALS
    MESSAGES[refused.value.key].format(**refused.value.params)  # the page can say why
    assert db.checksums(world["tables"]) == before


def test_a_pdf_whose_stream_spells_a_script_by_chance_is_kept():
    # Compressed bytes spell "/JS" about once in 20 MB: only the objects outside streams count.
    noise = b"\x9c/JS \x00/Launch\x01" * 50
    data = b"%PDF-1.7\n1 0 obj << /Length 900 >>\nstream\n" + noise + b"\nendstream\nendobj\n%%EOF\n"
    assert files.inspect(Upload("scan.pdf", data)).code == "pdf"


def test_a_declared_content_past_the_limit_is_a_zip_bomb(monkeypatch):
    import random

    noise = random.Random(7).randbytes(2 * files.MB)  # does not compress: small ratio, large content
    monkeypatch.setattr(files, "MAX_UNZIPPED_BYTES", files.MB)
    with pytest.raises(FileRefused) as refused:
        files.inspect(Upload("a.xlsx", ooxml("xl/workbook.xml", {"xl/media/noise.bin": noise})))
    assert refused.value.code == "zip_bomb"


def test_an_image_with_too_many_pixels_is_refused(monkeypatch):
    monkeypatch.setattr(files, "MAX_PIXELS", 1000)
    with pytest.raises(FileRefused) as refused:
        files.inspect(Upload("a.png", picture("PNG", size=(50, 50))))
    assert refused.value.code == "image_too_large" and refused.value.params == {"max_mp": 0}


@pytest.mark.parametrize(
    "given, kind, stored",
    [
        ("../../etc/passwd", "text", "passwd.txt"),
        ("C:\\Users\\ana\\Desktop\\plan.txt", "text", "plan.txt"),
        ("report\u202efdp.exe", "pdf", "reportfdp.pdf"),  # a right-to-left override: "reportexe.pdf" shown
        ("tab\tand\nnew\x00line.txt", "text", "tabandnewline.txt"),
        ("zero\u200bwidth.png", "png", "zerowidth.png"),
        ("invoice.pdf.exe", "pdf", "invoice.pdf"),
        ("photo.jpg", "jpeg", "photo.jpg"),
        ("photo.exe", "jpeg", "photo.jpg"),
        ("a<b>c:d|e?f*.txt", "text", "a_b_c_d_e_f_.txt"),
        ("   ...   ", "pdf", "file.pdf"),
        ("", "text", "file.txt"),
        ("CON.txt", "text", "_CON.txt"),
        ("nul", "text", "_nul.txt"),
        ("école  d'été.odt", "odt", "école d'été.odt"),
        ("e\u0301cole.txt", "text", "\u00e9cole.txt"),  # composed
        ("x" * 300 + ".pdf", "pdf", "x" * (files.MAX_NAME - 4) + ".pdf"),
        ("notes.CSV", "text", "notes.csv"),
        ("data.tar.gz", "text", "data.tar.txt"),
    ],
)
def test_names_are_sanitised(given, kind, stored):
    assert files.sanitise_name(given, KINDS[kind]) == stored


def test_a_name_is_never_longer_than_the_cap_nor_holds_a_path():
    for hostile in ("é" * 500, "a/" * 200 + "b.txt", "\u202e" * 400 + "x.txt", "." * 500):
        name = files.sanitise_name(hostile, KINDS["text"])
        assert 0 < len(name) <= files.MAX_NAME and "/" not in name and "\\" not in name


# -- materials: who reads, adds, deletes ---------------------------------------------------------


def test_a_material_is_stored_byte_for_byte_and_audited(world):
    db, data = world["db"], pdf("Stored as sent")
    material = share(world, name="Plan de clase.pdf", data=data, description="Dos sesiones", language="Spanish")
    file_id = file_of(world, material)
    assert files.download(db, world["actors"]["member"], file_id) == ("Plan de clase.pdf", "application/pdf", data)
    row = (
        files.materials(db, world["actors"]["own"], world["project"])
        .filter(pl.col("id") == material)
        .row(0, named=True)
    )
    assert (row["language"], row["size"], row["public"], row["added_by"]) == (
        "es",
        len(data),
        False,
        world["actors"]["own"].username,
    )
    actions = db.rows(
        "SELECT action FROM audit_log WHERE (entity = 'files' AND entity_id = ?) "
        "OR (entity = 'project_materials' AND entity_id = ?) ORDER BY id",
        [str(file_id), str(material)],
    )
    assert [a for (a,) in actions] == ["file.upload", "material.add"]


def test_fields_are_checked_before_the_file_and_refused_together(world):
    before = world["db"].checksums(world["tables"])
    with pytest.raises(ValidationFailed) as failed:
        share(world, title=" \u200b ", language="Klingonish", theme="sports", description="x" * 2001)
    assert {(e.field, e.code) for e in failed.value.errors} == {
        ("title", "required"),
        ("language", "unknown_language"),
        ("theme", "unknown_choice"),
        ("description", "too_long"),
    }
    assert world["db"].checksums(world["tables"]) == before


READERS = {"own", "member", "focal", "analyst", "admin"}  # of a project space's materials
EVERYONE = ("anonymous", "analyst", "admin", "own", "member", "outsider", "focal", "other focal")


@pytest.mark.parametrize("role", EVERYONE)
def test_who_reads_a_private_and_a_public_material(world, role):
    db, actor = world["db"], world["actors"][role]
    private = share(world, title=f"Private for {role}")
    public = share(world, title=f"Public for {role}", public=True)
    listed = set(files.materials(db, actor, world["project"])["id"])
    assert public in listed
    assert (private in listed) == (role in READERS)
    assert files.download(db, actor, file_of(world, public))[2] == b"Week 1: rivers"
    if role in READERS:
        assert files.download(db, actor, file_of(world, private))[2] == b"Week 1: rivers"
    else:
        with pytest.raises(PermissionDenied):
            files.download(db, actor, file_of(world, private))
    assert files.may_read_materials(db, actor, world["project"]) == (role in READERS)


@pytest.mark.parametrize("role", EVERYONE)
def test_who_adds_materials_and_makes_them_public(world, role):
    db = world["db"]
    if role in ("own", "member", "admin"):
        share(world, role=role)
    else:
        before = db.checksums(world["tables"])
        with pytest.raises(PermissionDenied):
            share(world, role=role)
        assert db.checksums(world["tables"]) == before
    if role in ("own", "admin"):  # the project's owner, and UNESCO
        share(world, role=role, public=True)
    else:
        with pytest.raises(PermissionDenied):
            share(world, role=role, public=True)


@pytest.mark.parametrize("role", EVERYONE)
def test_who_deletes_a_material(world, role):
    db = world["db"]
    by_member = share(world, role="member", title="Member's table")
    if role in ("member", "own", "admin"):  # who added it, the project's owner, UNESCO
        files.delete_material(db, world["actors"][role], by_member)
        assert by_member not in set(files.materials(db, ADMIN, world["project"])["id"])
        file_id = file_of(world, by_member)
        assert db.rows("SELECT content IS NULL, deleted_at IS NOT NULL FROM files WHERE id = ?", [file_id]) == [
            (True, True)
        ]
        with pytest.raises(NotFound):
            files.download(db, ADMIN, file_id)
        assert db.scalar(
            "SELECT count(*) FROM audit_log WHERE action = 'file.delete' AND entity_id = ?", [str(file_id)]
        )
    else:
        before = db.checksums(world["tables"])
        with pytest.raises(PermissionDenied):
            files.delete_material(db, world["actors"][role], by_member)
        assert db.checksums(world["tables"]) == before


def test_a_material_made_public_then_private(world):
    db = world["db"]
    material = share(world, title="Soon public")
    files.set_public(db, world["actors"]["own"], material, True)
    assert files.download(db, ANONYMOUS, file_of(world, material))
    files.set_public(db, world["actors"]["own"], material, False)
    with pytest.raises(PermissionDenied):
        files.download(db, ANONYMOUS, file_of(world, material))
    with pytest.raises(PermissionDenied):
        files.set_public(db, world["actors"]["member"], material, True)


def test_the_focal_point_of_a_school_outside_the_project_reads_only_public_materials(world):
    db, focal = world["db"], world["actors"]["other focal"]
    assert not files.may_read_materials(db, focal, world["project"])  # their school is not in it
    assert files.materials(db, focal, world["project"])["public"].all()


# -- quota -----------------------------------------------------------------------------------------


def test_the_quota_counts_the_network_and_refuses_past_it(world, monkeypatch):
    db, own = world["db"], world["actors"]["own"]
    used = {role: files.quota(db, world["actors"][role]).used for role in ("own", "member", "admin")}
    monkeypatch.setattr(files, "QUOTA", max(used.values()) + 100)
    share(world, data=b"x" * (files.QUOTA - used["own"] - 40))  # 40 bytes of room left
    before = db.checksums(world["tables"])
    with pytest.raises(FileRefused) as refused:
        share(world, data=b"y" * 60)
    assert refused.value.code == "quota" and refused.value.params["quota_mb"] == 0
    assert db.checksums(world["tables"]) == before
    # Another network's coordinator, and an admin, have their own room.
    share(world, role="member", data=b"z" * 60)
    share(world, role="admin", data=b"z" * 60)
    # A deleted file frees its room.
    material = db.scalar("SELECT max(id) FROM project_materials WHERE added_by = ?", [own.username])
    files.delete_material(db, own, material)
    share(world, data=b"y" * 60)


def test_admins_have_a_quota_each(world, monkeypatch):
    db = world["db"]
    admin2 = Actor("admin2", "admin")
    monkeypatch.setattr(files, "QUOTA", files.quota(db, ADMIN).used + 50)
    share(world, role="admin", data=b"a" * 40)
    with pytest.raises(FileRefused):
        share(world, role="admin", data=b"a" * 40)
    other_before = files.quota(db, admin2).used
    files.add_material(db, admin2, world["project"], Upload("a.txt", b"b" * 10), {"title": "Other admin"})
    assert files.quota(db, admin2).used == other_before + 10


def test_the_quota_holds_when_uploads_race(world, monkeypatch):
    db, member = world["db"], world["actors"]["member"]
    monkeypatch.setattr(files, "QUOTA", files.quota(db, member).used + 250)
    outcomes: list[str] = []

    def upload(k: int) -> None:
        try:
            files.add_material(db, member, world["project"], Upload("r.txt", b"r" * 100), {"title": f"Race {k}"})
            outcomes.append("stored")
        except FileRefused as refused:
            outcomes.append(refused.code)

    threads = [threading.Thread(target=upload, args=(k,)) for k in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["quota"] * 4 + ["stored"] * 2
    assert files.quota(db, member).left == 50


# -- attachments of board messages -----------------------------------------------------------------


def test_the_author_attaches_while_they_may_edit_and_readers_of_the_channel_read(world):
    db, own = world["db"], world["actors"]["own"]
    message = post(world)
    data = picture("PNG")
    file_id = files.attach(db, own, message, Upload("map.png", data))
    for role in EVERYONE:
        found = files.message_attachments(db, world["actors"][role], [message])
        reads = board.can_read(db, world["actors"][role], world["channel"])
        assert (message in found) == reads, role
        if reads:
            [info] = found[message]
            assert (info.name, info.size, info.is_image, info.preview is not None) == ("map.png", len(data), True, True)
            assert files.download(db, world["actors"][role], file_id)[2] == data
        else:
            with pytest.raises(PermissionDenied):
                files.download(db, world["actors"][role], file_id)
    assert db.scalar("SELECT count(*) FROM audit_log WHERE action = 'file.upload' AND entity_id = ?", [str(file_id)])


def test_only_the_author_attaches_and_only_in_time(world):
    db = world["db"]
    message = post(world)
    for role in ("member", "admin", "analyst", "anonymous", "outsider"):
        with pytest.raises(PermissionDenied):
            files.attach(db, world["actors"][role], message, Upload("a.txt", b"hello"))
    late = posted(world, message) + board.EDIT_WINDOW + timedelta(seconds=1)
    with pytest.raises(EditWindowPassed):
        files.attach(db, world["actors"]["own"], message, Upload("a.txt", b"hello"), now=late)
    assert files.message_attachments(db, ADMIN, [message]) == {}


def test_at_most_five_files_on_a_message(world):
    db, own = world["db"], world["actors"]["own"]
    message = post(world)
    for k in range(files.MAX_ATTACHMENTS):
        files.attach(db, own, message, Upload(f"{k}.txt", b"part %d" % k))
    with pytest.raises(FileRefused) as refused:
        files.attach(db, own, message, Upload("6.txt", b"one too many"))
    assert refused.value.code == "too_many"
    assert [f.name for f in files.message_attachments(db, own, [message])[message]] == [
        f"{k}.txt" for k in range(files.MAX_ATTACHMENTS)
    ]


def test_a_deleted_message_takes_its_files_with_it(world):
    db, own = world["db"], world["actors"]["own"]
    message = post(world)
    first = files.attach(db, own, message, Upload("a.txt", b"first"))
    second = files.attach(db, own, message, Upload("b.csv", b"a,b\n1,2\n"))
    board.delete(db, own, message, now=posted(world, message) + timedelta(minutes=1))
    assert files.message_attachments(db, ADMIN, [message]) == {}
    for file_id in (first, second):
        with pytest.raises(NotFound):
            files.download(db, own, file_id)
    assert db.rows(
        "SELECT count(*) FROM files WHERE id IN (?, ?) AND content IS NULL AND deleted_at IS NOT NULL", [first, second]
    ) == [(2,)]
    deletions = db.rows(
        "SELECT actor FROM audit_log WHERE action = 'file.delete' AND entity_id IN (?, ?)", [str(first), str(second)]
    )
    assert deletions == [(own.username,), (own.username,)]


def test_delete_for_message_in_the_callers_transaction(world):
    db, own = world["db"], world["actors"]["own"]
    message = post(world)
    files.attach(db, own, message, Upload("a.txt", b"first"))
    assert db.write(lambda cur: files.delete_for_message(cur, message)) == 1
    assert db.write(lambda cur: files.delete_for_message(cur, message)) == 0  # once
    assert files.message_attachments(db, own, [message]) == {}


def test_a_hidden_message_hides_its_files(world):
    db, own = world["db"], world["actors"]["own"]
    message = post(world)
    file_id = files.attach(db, own, message, Upload("a.txt", b"first"))
    board.hide(db, ADMIN, message, "Off topic")
    assert files.message_attachments(db, ADMIN, [message]) == {}
    with pytest.raises(PermissionDenied):
        files.download(db, own, file_id)


def test_a_networks_schools_read_the_files_of_its_channel_for_schools(world):
    db = world["db"]
    channel = board.open_schools_channel(db, world["actors"]["own"], world["actors"]["own"].network, title="Schools")
    message = post(world, channel=channel)
    files.attach(db, world["actors"]["own"], message, Upload("news.txt", b"news for schools"))
    focal = world["actors"]["focal"]
    assert [f.name for f in files.message_attachments(db, focal, [message])[message]] == ["news.txt"]
    assert files.message_attachments(db, world["actors"]["member"], [message]) == {}
    with pytest.raises(PermissionDenied):  # a focal point writes nowhere
        files.attach(db, focal, message, Upload("reply.txt", b"thanks"))


# -- hostile uploads: stored exactly or refused, never half-written --------------------------------


PREFIXES = [
    b"",
    b"%PDF-1.7\n",
    b"MZ",
    b"\x7fELF",
    b"PK\x03\x04",
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"GIF89a",
    b"RIFF\x00\x00\x00\x00WEBP",
    b"\xef\xbb\xbf",
    b"#!",
    b"<svg ",
    b"<html>",
    b"\x1f\x8b",
]
hostile_name = st.one_of(
    st.text(max_size=300),
    st.lists(
        st.sampled_from(["..", "/", "\\", "\u202e", "\u200b", "\x00", "\n", "CON", ".exe", ".pdf", "é", "北京", " "]),
        max_size=20,
    ).map("".join),
)
hostile_bytes = st.one_of(
    st.builds(lambda prefix, tail: prefix + tail, st.sampled_from(PREFIXES), st.binary(max_size=3000)),
    st.text(max_size=2000).map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.sampled_from([data for data, _, _ in ACCEPTED.values()]),
    st.builds(
        lambda data, cut: data[:cut], st.sampled_from([data for data, _, _ in ACCEPTED.values()]), st.integers(0, 4000)
    ),
)
PROPERTY = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)


@PROPERTY
@given(name=hostile_name, data=hostile_bytes)
@example(name="report.pdf", data=b"MZ\x90\x00")
@example(name="../../x.png", data=ACCEPTED["photo.PNG"][0])
def test_an_upload_is_stored_byte_for_byte_or_refused_and_nothing_written(world, name, data):
    db = world["db"]
    before = db.checksums(world["tables"])
    try:
        material = files.add_material(db, world["actors"]["own"], world["project"], Upload(name, data), {"title": "P"})
    except FileRefused as refused:
        assert refused.code in files.REFUSALS
        MESSAGES[refused.key].format(**refused.params)
        assert db.checksums(world["tables"]) == before
        return
    file_id = file_of(world, material)
    stored_name, media_type, content = files.download(db, ADMIN, file_id)
    assert content == data
    assert 0 < len(stored_name) <= files.MAX_NAME
    assert not any(ch in stored_name for ch in "/\\\x00\n\u202e\u200b")
    kind = next(k for k in KINDS.values() if media_type == k.media_type or k.code == "text")
    assert stored_name.endswith(tuple(kind.extensions))
    assert (
        db.scalar("SELECT count(*) FROM audit_log WHERE action = 'file.upload' AND entity_id = ?", [str(file_id)]) == 1
    )


# -- hostile searches ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def searchable(world):
    """A few materials with titles in several scripts, and every table's checksum after them."""
    for title in ("Rivières du Sahel", "Ríos de los Andes", "Water '; DROP TABLE files; --", "河流 100%"):
        share(world, title=title, description="Mesures_2026")
    return world["db"].checksums(world["tables"])


@pytest.mark.parametrize("payload", INJECTIONS, ids=IDS)
def test_hostile_material_searches_find_only_what_the_words_match(world, searchable, payload):
    db = world["db"]
    found = files.materials(db, ADMIN, world["project"], q=payload)
    every = db.query(
        "SELECT m.id, m.search_text FROM project_materials m JOIN files f ON f.id = m.file_id "
        "WHERE m.project_id = ? AND m.deleted_at IS NULL AND f.deleted_at IS NULL",
        [world["project"]],
    )
    expected = every
    for word in fold(payload).split()[:8]:
        expected = expected.filter(pl.col("search_text").str.contains(word[:60], literal=True))
    assert expected.height <= files.MATERIALS_SHOWN
    assert sorted(found["id"]) == sorted(expected["id"])
    assert db.checksums(world["tables"]) == searchable


def test_the_demos_conversations_carry_the_toolkit_their_members_download(db):
    """The demo's conversations where the translated toolkit is on its way carry it: a PDF
    its members download byte for byte, that nobody outside the conversation reads."""
    sent = db.rows(
        """SELECT mf.message_id, mf.file_id, m.channel_id, m.author FROM message_files mf
           JOIN messages m ON m.id = mf.message_id JOIN channels c ON c.id = m.channel_id
           WHERE c.kind = 'direct' ORDER BY 1"""
    )
    assert 1 <= len(sent) <= 6
    for message, file_id, channel, author in sent:
        members = [n for (n,) in db.rows("SELECT username FROM channel_members WHERE channel_id = ?", [channel])]
        assert author in members
        reader = next(n for n in members if n != author)
        actor = accounts.get_user(db, reader).actor
        [info] = files.message_attachments(db, actor, [message])[message]
        name, media_type, content = files.download(db, actor, file_id)
        assert media_type == "application/pdf" and name.endswith(".pdf") and content.startswith(b"%PDF")
        assert info.name == name
        outsider = db.scalar(
            "SELECT username FROM users WHERE role = 'coordinator' AND username NOT IN "
            "(SELECT username FROM channel_members WHERE channel_id = ?) ORDER BY 1 LIMIT 1",
            [channel],
        )
        assert files.message_attachments(db, accounts.get_user(db, outsider).actor, [message]) == {}
        with pytest.raises(PermissionDenied):
            files.download(db, accounts.get_user(db, outsider).actor, file_id)

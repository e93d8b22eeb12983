"""AppTest of the certificate check (/certificate) and of the document block of a school's profile."""

import pytest

from aspnet_data import certificates, editing
from aspnet_data.db import open_database
from aspnet_data.permissions import Actor
from ui.safe import md

from .test_explore import CATALOGS, markdown_text


def member_with_number(db, network: str = "FRA") -> dict:
    return db.query(
        "SELECT i.id, i.name, i.name_latin, i.city, i.network, i.version, c.number, c.issued_on "
        "FROM institutions i JOIN certificates c ON c.institution_id = i.id "
        "WHERE i.network = ? ORDER BY i.id LIMIT 1",
        [network],
    ).row(0, named=True)


def shown(at) -> str:
    return "\n".join(
        [
            markdown_text(at),
            *(e.value for e in at.error),
            *(s.value for s in at.success),
            *(c.value for c in at.caption),
        ]
    )


def check_box(at):
    """The page's one text box (the side panel has none)."""
    (box,) = at.main.text_input
    return box


# -- the certificate check -----------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_a_valid_certificate_names_its_school_network_and_date(page, db, lang):
    school = member_with_number(db)
    at = page("app_pages/certificate.py", lang=lang, number=school["number"])
    words = CATALOGS[lang]
    assert at.title[0].value == words["verify.title"]
    assert [s.value for s in at.success] == [words["verify.valid"]]
    assert not at.error
    text = markdown_text(at)
    suffix = "" if lang == "en" else f"&lang={lang}"
    assert f"(institution?id={school['id']}{suffix})" in text
    assert f"(network?code=FRA{suffix})" in text
    assert school["name"] in text.replace("\\", "")
    assert certificates.long_date(school["issued_on"], lang) in text
    assert school["number"] in text.replace("\\", "")
    assert (check_box(at).label, check_box(at).value) == (words["verify.number"], school["number"])


def test_a_number_typed_loosely_is_found(page, db):
    school = member_with_number(db)
    loose = school["number"].lower().replace("-", " ")
    at = page("app_pages/certificate.py", number=f"  {loose} ")
    assert at.success and f"(institution?id={school['id']})" in markdown_text(at)


@pytest.mark.both_engines
def test_the_certificate_of_a_school_that_withdrew_says_it_is_no_longer_valid(app_as, scratch_copy):
    with open_database(scratch_copy) as db:
        school = member_with_number(db, "RWA")
        editing.withdraw_institution(
            db, Actor("admin", "admin"), school["id"], expected_version=school["version"], year=2026
        )
    at = app_as("app_pages/certificate.py", session={"lang": "fr"}, number=school["number"])
    assert not at.success
    assert [e.value for e in at.error] == [CATALOGS["fr"]["verify.withdrawn"].format(year=2026)]
    assert f"(institution?id={school['id']}&lang=fr)" in markdown_text(at)


def test_an_unknown_number_says_so_and_offers_the_box(page):
    at = page("app_pages/certificate.py", number="zzz-2026-42")
    assert [e.value for e in at.error] == [CATALOGS["en"]["verify.unknown"].format(number="ZZZ-2026-0042")]
    assert not at.success and "institution?id=" not in markdown_text(at)
    assert check_box(at).value == "zzz-2026-42"


@pytest.mark.parametrize(
    "raw",
    [
        "hello",
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        "FRA-2026",
        "'; DROP TABLE certificates; --",
        "**bold** :material/home:",
        "x" * 5000,
        "FRA-2026-0001\x00",
        "١٢٣",
    ],
)
def test_a_malformed_number_is_a_clear_message_and_nothing_is_injected(page, db, raw):
    before = db.checksums(["certificates", "institutions"])
    at = page("app_pages/certificate.py", number=raw)
    # What was typed is shown as text (escaped, cut to 40 characters), never as markup.
    assert [e.value for e in at.error] == [
        CATALOGS["en"]["verify.malformed"].format(typed=md(raw[:60].strip()[:40]), example=certificates.NUMBER_EXAMPLE)
    ]
    assert not at.success and "institution?id=" not in markdown_text(at)
    assert len(check_box(at).value) <= 60
    assert db.checksums(["certificates", "institutions"]) == before


def test_without_a_number_the_page_offers_the_box_only(page):
    at = page("app_pages/certificate.py")
    assert not at.error and not at.success
    assert check_box(at).value == ""
    assert at.main.button[0].label == "Check"


def test_a_number_typed_in_the_box_is_checked_and_put_in_the_address(page, db):
    school = member_with_number(db)
    at = page("app_pages/certificate.py")
    check_box(at).input(school["number"].lower())
    at.main.button[0].click().run()
    assert not at.exception
    assert at.success and f"(institution?id={school['id']})" in markdown_text(at)
    assert at.query_params["number"] == school["number"]


def test_a_second_number_typed_is_the_one_checked(page, db):
    school = member_with_number(db)
    at = page("app_pages/certificate.py")
    check_box(at).input("not-a-number")
    at.main.button[0].click().run()
    assert at.error and at.query_params["number"] == "not-a-number"
    check_box(at).input(school["number"])
    at.main.button[0].click().run()
    assert not at.error and at.success and f"(institution?id={school['id']})" in markdown_text(at)
    assert at.query_params["number"] == school["number"]
    at.run()  # any later run (a language change, say) still shows the number checked last
    assert at.success and check_box(at).value == school["number"]


def test_a_malformed_number_typed_in_the_box_is_refused_next_to_it(page):
    at = page("app_pages/certificate.py")
    check_box(at).input("not a number")
    at.main.button[0].click().run()
    assert len(at.error) == 1 and "“not a number” is not a certificate number" in at.error[0].value


# -- the document on the school's profile ----------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_a_members_profile_offers_its_certificate(page, db, lang):
    school = member_with_number(db)
    at = page("app_pages/institution.py", lang=lang, id=str(school["id"]))
    words = CATALOGS[lang]
    assert f"**{words['certificate.title']}**" in markdown_text(at)
    assert words["certificate.issued"].format(
        number=school["number"], day=certificates.long_date(school["issued_on"], lang)
    ) in [c.value for c in at.caption]
    buttons = at.get("download_button")
    assert [b.proto.label for b in buttons] == [words["certificate.download"]]
    check = next(p.proto for p in at.get("page_link") if p.proto.page == "certificate")
    assert check.label == words["certificate.check"]
    assert check.query_string == f"number={school['number']}" + ("" if lang == "en" else f"&lang={lang}")
    assert next(s for s in at.selectbox if s.key == "certificate_lang").value == lang


def test_a_candidates_profile_offers_the_candidacy_letter(page, db):
    candidate = db.scalar("SELECT id FROM institutions WHERE status = 'candidate' ORDER BY id LIMIT 1")
    at = page("app_pages/institution.py", lang="es", id=str(candidate))
    words = CATALOGS["es"]
    assert f"**{words['certificate.letter_title']}**" in markdown_text(at)
    assert f"**{words['certificate.title']}**" not in markdown_text(at)
    assert words["certificate.letter_help"] in [c.value for c in at.caption]
    assert [b.proto.label for b in at.get("download_button")] == [words["certificate.download"]]
    assert not [p for p in at.get("page_link") if p.proto.page == "certificate"]


def test_a_withdrawn_schools_profile_offers_no_document(page, db):
    withdrawn = db.scalar("SELECT id FROM institutions WHERE status = 'withdrawn' ORDER BY id LIMIT 1")
    at = page("app_pages/institution.py", id=str(withdrawn))
    assert not at.get("download_button")
    text = markdown_text(at)
    assert CATALOGS["en"]["certificate.title"] not in text and CATALOGS["en"]["certificate.letter_title"] not in text

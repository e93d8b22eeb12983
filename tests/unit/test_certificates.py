"""Membership certificates: one number per member, issued on every path that makes a member,
backfilled by the migration, verified from the school's status; the right document per status."""

import io
from datetime import date

import polars as pl
import pytest
from pypdf import PdfReader

from aspnet_data import bulk, certificates, demo, editing
from aspnet_data.db import migrations, utc_now
from aspnet_data.editing import NotFound
from aspnet_data.permissions import Actor

ADMIN = Actor("admin", "admin")
NEW_SCHOOL = {
    "name": "Escola Certificada",
    "city": "Kigali",
    "latitude": -1.9441,
    "longitude": 30.0619,
    "levels": ["primary"],
    "ownership": "public",
    "themes": ["esd"],
    "languages": ["rw"],
}


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)


def members_without_number(db) -> int:
    return db.scalar(
        "SELECT count(*) FROM institutions i WHERE status = 'member' "
        "AND NOT EXISTS (SELECT 1 FROM certificates c WHERE c.institution_id = i.id)"
    )


def a_school(db, status: str, extra: str = "") -> dict:
    return db.query(f"SELECT * FROM institutions WHERE status = ? {extra} ORDER BY id LIMIT 1", [status]).row(
        0, named=True
    )


# -- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "FRA-2026-0042",
        " fra-2026-0042 ",
        "FRA 2026 0042",
        "fra-2026-42",
        "FRA–2026–0042",
        "FRA.2026.0042",
        "FRA/2026/42",
        "FRA-2026-00042",
    ],
)
def test_a_number_is_read_however_it_is_typed(typed):
    assert certificates.parse_number(typed) == "FRA-2026-0042"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "FRA",
        "FR-2026-0042",
        "FRAN-2026-0042",
        "FRA-26-0042",
        "FRA-2026-0000",
        "FRA-2026-12345678",
        "FRA2026",
        "FRA-٢٠٢٦-0042",
        "FRA-2026-0042'; DROP TABLE certificates; --",
        "<script>",
        "x" * 10_000,
        None,
        42,
        ["FRA-2026-0042"],
    ],
)
def test_anything_else_is_not_a_number(typed):
    assert certificates.parse_number(typed) is None


def test_long_numbers_keep_every_digit():
    assert certificates.format_number("JPN", 2026, 123456) == "JPN-2026-123456"
    assert certificates.parse_number("JPN-2026-123456") == "JPN-2026-123456"


def test_every_member_of_the_demo_holds_exactly_one_number_and_no_one_else_does(db):
    assert members_without_number(db) == 0
    assert (
        db.scalar(
            "SELECT count(*) FROM certificates c JOIN institutions i ON i.id = c.institution_id "
            "WHERE i.status <> 'member'"
        )
        == 0
    )
    assert db.scalar("SELECT count(*) FROM certificates") == db.scalar(
        "SELECT count(*) FROM institutions WHERE status = 'member'"
    )
    assert db.scalar(
        "SELECT count(DISTINCT number) = count(*) AND count(DISTINCT institution_id) = count(*) FROM certificates"
    )


def test_demo_numbers_count_up_within_a_network_and_year_and_date_from_joining(db):
    numbers = db.query(
        "SELECT c.*, i.network AS of_network, CAST(extract(year FROM i.created_at) AS INTEGER) AS joined, "
        "i.year_joined "
        "FROM certificates c JOIN institutions i ON i.id = c.institution_id"
    )
    assert (numbers["network"] == numbers["of_network"]).all()
    assert (numbers["year"] == numbers["joined"]).all()
    assert (numbers["year"] == numbers["year_joined"]).all()
    for row in numbers.head(200).iter_rows(named=True):
        assert row["number"] == certificates.format_number(row["network"], row["year"], row["sequence"])
        assert certificates.parse_number(row["number"]) == row["number"]
    assert numbers["issued_on"].max() <= demo.DEFAULT_AS_OF.date()  # none issued after the demo's date
    runs = numbers.group_by("network", "year").agg(
        pl.len().alias("n"), pl.col("sequence").min().alias("low"), pl.col("sequence").max().alias("high")
    )
    assert (runs["low"] == 1).all() and (runs["high"] == runs["n"]).all()


# -- every path that makes a member issues one ------------------------------------------------------


def test_a_school_added_by_hand_gets_the_next_number_of_its_network_and_year(module_db):
    db = module_db
    year = utc_now().year
    top = db.scalar("SELECT coalesce(max(sequence), 0) FROM certificates WHERE network = 'RWA' AND year = ?", [year])
    new_id = editing.create_institution(db, ADMIN, "RWA", NEW_SCHOOL)
    issued = certificates.certificate_of(db, new_id)
    assert issued == {"number": certificates.format_number("RWA", year, top + 1), "issued_on": utc_now().date()}
    second = editing.create_institution(db, ADMIN, "RWA", {**NEW_SCHOOL, "name": "Escola Certificada Dois"})
    assert certificates.certificate_of(db, second)["number"] == certificates.format_number("RWA", year, top + 2)


def test_a_number_is_issued_once_per_membership(module_db):
    db = module_db
    member = a_school(db, "member")
    before = certificates.certificate_of(db, member["id"])
    assert db.write(lambda cur: certificates.issue_certificates(cur, [member["id"]], when=utc_now())) == 0
    assert certificates.certificate_of(db, member["id"]) == before


def test_a_candidate_or_withdrawn_school_gets_no_number(module_db):
    db = module_db
    record = {
        **dict.fromkeys(editing.INSTITUTION_FIELDS),
        **editing.normalise_institution(NEW_SCHOOL),
        "name_latin": "Escola Candidata",
        "name": "Escola Candidata",
    }
    new_id = db.write(lambda cur: editing.insert_institution(cur, ADMIN, "RWA", record, status="candidate"))
    assert certificates.certificate_of(db, new_id) is None
    withdrawn = a_school(db, "withdrawn")
    assert db.write(lambda cur: certificates.issue_certificates(cur, [new_id, withdrawn["id"]])) == 0
    assert certificates.certificate_of(db, withdrawn["id"]) is None


def test_a_write_that_fails_takes_its_number_back(module_db):
    db = module_db
    count = db.scalar("SELECT count(*) FROM certificates")
    record = {
        **dict.fromkeys(editing.INSTITUTION_FIELDS),
        **editing.normalise_institution(NEW_SCHOOL),
        "name_latin": "Escola Perdida",
        "name": "Escola Perdida",
    }

    def fails(cur):
        editing.insert_institution(cur, ADMIN, "RWA", record)
        raise RuntimeError("the disk is full")

    with pytest.raises(RuntimeError):
        db.write(fails)
    assert db.scalar("SELECT count(*) FROM certificates") == count
    assert members_without_number(db) == 0


def test_a_bulk_upload_numbers_each_new_school(module_db):
    db = module_db
    template = bulk.read_file(bulk.template(db, ADMIN, "RWA", "csv"), "template.csv")
    rows = [
        {
            "name": f"Bulk Certificate School {k}",
            "city": "Kigali",
            "latitude": "-1.9441",
            "longitude": "30.0619",
            "levels": "primary",
            "ownership": "public",
            "themes": "gced",
        }
        for k in range(3)
    ]
    frame = pl.concat(
        [
            template,
            pl.DataFrame(
                [{c: r.get(c) for c in template.columns} for r in rows],
                schema=dict.fromkeys(template.columns, pl.String),
            ),
        ]
    )
    plan = bulk.plan(db, ADMIN, "RWA", frame)
    assert bulk.apply(db, ADMIN, "RWA", plan)["added"] == 3
    issued = db.query(
        "SELECT c.number, c.sequence, c.issued_on FROM certificates c JOIN institutions i "
        "ON i.id = c.institution_id WHERE i.name LIKE 'Bulk Certificate School %' ORDER BY i.id"
    )
    assert issued.height == 3 and issued["number"].n_unique() == 3
    assert issued["sequence"].diff().drop_nulls().to_list() == [1, 1]
    assert (issued["issued_on"] == utc_now().date()).all()
    assert members_without_number(db) == 0


@pytest.mark.duckdb_only
def test_the_migration_gives_every_existing_member_a_number(scratch_copy):
    from aspnet_data.db import open_database

    sql = next(text for version, _, text in migrations() if version == 7)
    with open_database(scratch_copy) as db:
        # The database as it was before migration 007: members, and no certificates.
        db.cursor().execute("DROP TABLE certificates")
        with db.transaction() as cur:
            cur.execute(sql)
        numbers = db.query(
            "SELECT c.*, i.year_joined FROM certificates c JOIN institutions i "
            "ON i.id = c.institution_id ORDER BY c.network, c.sequence"
        )
        assert members_without_number(db) == 0
        assert numbers.height == db.scalar("SELECT count(*) FROM institutions WHERE status = 'member'")
        assert (numbers["issued_on"] == utc_now().date()).all()
        assert numbers["number"].n_unique() == numbers.height
        for row in numbers.head(50).iter_rows(named=True):
            assert row["number"] == certificates.format_number(row["network"], utc_now().year, row["sequence"])
        # The older members first within each network.
        for _, group in numbers.group_by("network"):
            years = group.sort("sequence")["year_joined"].drop_nulls().to_list()
            assert years == sorted(years)
        # A school that becomes a member afterwards continues its network's count.
        top = numbers.filter(pl.col("network") == "RWA")["sequence"].max()
        new_id = editing.create_institution(db, ADMIN, "RWA", NEW_SCHOOL)
        assert certificates.certificate_of(db, new_id)["number"] == certificates.format_number(
            "RWA", utc_now().year, top + 1
        )


# -- verification ---------------------------------------------------------------------------------


def test_a_members_certificate_is_valid(db):
    member = a_school(db, "member")
    number = certificates.certificate_of(db, member["id"])["number"]
    found = certificates.verify(db, number.lower().replace("-", " "))
    assert found.valid and found.state == "valid"
    assert (found.number, found.institution_id, found.name, found.network) == (
        number,
        member["id"],
        member["name"],
        member["network"],
    )
    assert found.issued_on == certificates.certificate_of(db, member["id"])["issued_on"]
    assert set(found.country) == {"en", "fr", "es"}


def test_the_certificate_of_a_school_that_withdrew_says_when(module_db):
    db = module_db
    member = a_school(db, "member", "AND network = 'COD'")
    number = certificates.certificate_of(db, member["id"])["number"]
    editing.withdraw_institution(db, ADMIN, member["id"], expected_version=member["version"], year=2027)
    found = certificates.verify(db, number)
    assert (found.state, found.valid, found.withdrawn_year, found.name) == ("withdrawn", False, 2027, member["name"])
    # Its number stays its own: it is never given to another school.
    assert certificates.certificate_of(db, member["id"])["number"] == number
    new_id = editing.create_institution(
        db, ADMIN, "COD", {**NEW_SCHOOL, "city": "Kinshasa", "latitude": -4.32, "longitude": 15.31}
    )
    assert certificates.certificate_of(db, new_id)["number"] != number


def test_a_certificate_whose_school_is_no_longer_a_member_is_not_valid(module_db):
    db = module_db
    member = a_school(db, "member", "AND network = 'KEN'")
    number = certificates.certificate_of(db, member["id"])["number"]
    db.write(lambda cur: cur.execute("UPDATE institutions SET status = 'candidate' WHERE id = ?", [member["id"]]))
    assert certificates.verify(db, number).state == "not_member"


@pytest.mark.parametrize("typed", ["ZZZ-2026-0001", "FRA-1900-0001", "FRA-2026-999999"])
def test_an_unknown_number_is_unknown(db, typed):
    found = certificates.verify(db, typed)
    assert (found.state, found.valid, found.number, found.name) == ("unknown", False, typed, None)


@pytest.mark.parametrize("typed", ["", "hello", "1' OR '1'='1", "FRA-2026-0001' OR 1=1 --", "\x00", "é" * 50, None])
def test_a_malformed_number_is_malformed(db, typed):
    found = certificates.verify(db, typed)
    assert (found.state, found.valid, found.number) == ("malformed", False, None)


# -- documents --------------------------------------------------------------------------------


def test_each_status_gets_its_document():
    assert certificates.document_kind("member") == "certificate"
    assert certificates.document_kind("candidate") == "letter"
    assert certificates.document_kind("withdrawn") is None
    assert certificates.document_kind(None) is None


@pytest.mark.parametrize(
    "lang, title, issued",
    [
        ("en", "Certificate of Membership", "Date of issue:"),
        ("fr", "Certificat d'adhésion", "Date de délivrance :"),
        ("es", "Certificado de membresía", "Fecha de expedición:"),
    ],
)
def test_a_members_certificate_carries_its_number_date_and_verification_link(db, lang, title, issued):
    member = db.query(
        "SELECT i.*, c.number, c.issued_on, n.national_commission, n.coordinator_name FROM institutions i "
        "JOIN certificates c ON c.institution_id = i.id JOIN networks n ON n.iso3 = i.network "
        "WHERE i.network = 'FRA' ORDER BY i.id LIMIT 1"
    ).row(0, named=True)
    pdf = certificates.certificate_pdf(db, member["id"], lang, public_url="https://atlas.example.org/")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4 landscape, in points
    text = text_of(pdf)
    for expected in (
        title,
        member["name"],
        member["city"],
        member["national_commission"],
        member["coordinator_name"],
        f"{issued} {certificates.long_date(member['issued_on'], lang)}",
        member["number"],
        f"https://atlas.example.org/certificate?number={member['number']}",
        {
            "en": "United Nations Educational, Scientific and Cultural Organization",
            "fr": "Organisation des Nations Unies pour l'éducation, la science et la culture",
            "es": "Organización de las Naciones Unidas para la Educación, la Ciencia y la Cultura",
        }[lang],
        {"en": "National Coordinator", "fr": "Coordinateur national", "es": "Coordinador nacional"}[lang],
        {"en": "For UNESCO", "fr": "Pour l'UNESCO", "es": "Por la UNESCO"}[lang],
    ):
        assert expected in text, expected
    links = [a.get_object()["/A"]["/URI"] for a in reader.pages[0]["/Annots"]]
    assert links == [f"https://atlas.example.org/certificate?number={member['number']}"]


def test_a_name_in_another_script_is_printed_in_its_latin_spelling(db):
    schools = db.query(
        "SELECT i.id, i.name, i.name_latin FROM institutions i JOIN countries c ON c.iso3 = i.network "
        "WHERE i.status = 'member' AND c.script NOT IN ('Latn') AND i.name <> i.name_latin "
        "ORDER BY i.id LIMIT 100"
    )
    # A Latin spelling the fonts hold (letters outside them: the test below).
    school = next(row for row in schools.iter_rows(named=True) if row["name_latin"].isascii())
    text = text_of(certificates.certificate_pdf(db, school["id"], "en"))
    assert " ".join(school["name_latin"].split()) in text


def test_letters_outside_the_fonts_are_spelled_one_by_one():
    assert certificates.printable("Łódź Liceum Ogólnokształcące") == "Lódz Liceum Ogólnoksztalcace"
    assert certificates.printable("Lycée Œuvre « cœur » – 5 €") == "Lycée Œuvre « cœur » – 5 €"
    assert certificates.display_name("東京都立高校", "Tokyo Toritsu Koko") == "Tokyo Toritsu Koko"
    assert certificates.display_name("Szkoła Podstawowa", "Szkola Podstawowa") == "Szkola Podstawowa"
    assert certificates.display_name("École Saint-Exupéry", "Ecole Saint-Exupery") == "École Saint-Exupéry"


def test_the_verification_link_takes_the_public_address_as_given_or_the_default():
    assert (
        certificates.verification_url("https://atlas.example.org/", "FRA-2026-0001")
        == "https://atlas.example.org/certificate?number=FRA-2026-0001"
    )
    assert (
        certificates.verification_url("https://example.org/aspnet", "FRA-2026-0001")
        == "https://example.org/aspnet/certificate?number=FRA-2026-0001"
    )
    for bad in ("javascript:alert(1)", "", "atlas.example.org", "https://a.org/?x=1"):
        assert (
            certificates.verification_url(bad, "FRA-2026-0001")
            == "http://localhost:8501/certificate?number=FRA-2026-0001"
        )


@pytest.mark.parametrize(
    "day, lang, written",
    [
        (date(2026, 3, 1), "fr", "1er mars 2026"),
        (date(2026, 3, 12), "fr", "12 mars 2026"),
        (date(2026, 8, 3), "es", "3 de agosto de 2026"),
        (date(2026, 12, 25), "en", "25 December 2026"),
    ],
)
def test_dates_are_written_out_in_each_language(day, lang, written):
    assert certificates.long_date(day, lang) == written


@pytest.mark.parametrize(
    "lang, words",
    [
        ("en", "is a candidate for membership of the UNESCO Associated Schools Network (ASPnet) since"),
        ("fr", "est candidat à l'adhésion au Réseau du système des écoles associées de l'UNESCO (réSEAU) depuis"),
        ("es", "es candidata a la membresía de la Red del Plan de Escuelas Asociadas de la UNESCO (redPEA) desde"),
    ],
)
def test_a_candidate_gets_a_letter_not_a_certificate(db, lang, words):
    candidate = db.analytics.query(
        """SELECT i.id, i.name, i.name_latin, year(max(e.occurred_at)) AS approved FROM institutions i
           JOIN applications a ON a.institution_id = i.id
           JOIN application_events e ON e.application_id = a.id AND e.stage = 'approved'
           WHERE i.status = 'candidate' GROUP BY ALL ORDER BY i.id LIMIT 1"""
    ).row(0, named=True)
    pdf = certificates.document_pdf(db, candidate["id"], lang)
    text = text_of(pdf)
    assert f"{words} {candidate['approved']}" in text
    assert " ".join(certificates.display_name(candidate["name"], candidate["name_latin"]).split()) in text
    assert not any(n in text for n in ("Certificate no.", "Certificat n°", "Certificado n.º", "/certificate?number="))
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 portrait
    with pytest.raises(NotFound):
        certificates.certificate_pdf(db, candidate["id"], lang)


def test_a_candidate_without_an_application_is_a_candidate_since_its_record_was_created(db):
    candidate = db.query(
        "SELECT id, created_at FROM institutions i WHERE status = 'candidate' AND NOT EXISTS "
        "(SELECT 1 FROM applications a WHERE a.institution_id = i.id) ORDER BY id LIMIT 1"
    ).row(0, named=True)
    text = text_of(certificates.candidacy_letter_pdf(db, candidate["id"], "en", today=date(2026, 11, 2)))
    assert f"since {candidate['created_at'].year}" in text and "2 November 2026" in text


def test_a_withdrawn_school_gets_no_document(db):
    withdrawn = a_school(db, "withdrawn")
    for build in (certificates.document_pdf, certificates.certificate_pdf, certificates.candidacy_letter_pdf):
        with pytest.raises(NotFound):
            build(db, withdrawn["id"], "en")
    with pytest.raises(NotFound):
        certificates.document_pdf(db, 999_999_999, "en")


def test_an_unknown_language_falls_back_to_english(db):
    member = a_school(db, "member")
    assert "Certificate of Membership" in text_of(certificates.certificate_pdf(db, member["id"], "de; DROP"))

"""National lists in their own formats: column and value mapping in three languages, towns
placed from the gazetteer, rows matched with stored institutions, files read by calamine."""

import io
import json
import zipfile
from pathlib import Path

import polars as pl
import pytest

from aspnet_data import bulk, bulk_mapping, gazetteer, quality
from aspnet_data.bulk_mapping import IGNORE, LEAVE_OUT, Mapping
from aspnet_data.db import open_database
from aspnet_data.permissions import Actor

from .. import national_lists

ADMIN = Actor("admin", "admin")
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.fixture()
def db(scratch_copy):
    with open_database(scratch_copy) as database:
        yield database


def coordinator(network):
    return Actor(f"coord.{network.lower()}", "coordinator", network)


def frame_of(rows, header):
    return pl.DataFrame([dict(zip(header, r)) for r in rows], schema=dict.fromkeys(header, pl.String))


# -- suggestion of columns ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Nom de l'établissement", "name"),
        ("Nombre de la escuela", "name"),
        ("School name", "name"),
        ("NOM ETABLISSEMENT", "name"),
        ("Commune", "city"),
        ("Ville", "city"),
        ("Municipio", "city"),
        ("Town", "city"),
        ("Secteur", "ownership"),
        ("Sector", "ownership"),
        ("Public/Private", "ownership"),
        ("Titularidad", "ownership"),
        ("Latitude", "latitude"),
        ("Lng", "longitude"),
        ("Coordonnées GPS", "coordinates"),
        ("Année d'adhésion", "year_joined"),
        ("Fecha de adhesión", "year_joined"),
        ("Courriel", "email"),
        ("Correo electrónico", "email"),
        ("E-mail", "email"),
        ("Site internet", "website"),
        ("Página web", "website"),
        ("Effectif", "pupils"),
        ("Nombre d'élèves", "pupils"),
        ("Número de alumnos", "pupils"),
        ("Docentes", "teachers"),
        ("Type d'établissement", "levels"),
        ("Nivel educativo", "levels"),
        ("Thématiques", "themes"),
        ("Langues d'enseignement", "languages"),
        ("Identifiant ASPnet", "id"),
        ("Nom de l'établissement scolaire", "name"),  # a known header inside a longer one
        ("Remarques", None),
    ],
)
def test_headers_in_three_languages_suggest_their_field(header, field):
    frame = frame_of([["x"]], [header])
    (column,) = bulk_mapping.suggest_columns(frame)
    assert (column.field, column.reason) == (field, "header" if field else None)


def test_a_column_without_a_telling_header_is_recognised_by_its_values():
    header = ["A", "B", "C", "D", "E", "F"]
    rows = [
        ["info@lycee.fr", "www.lycee.fr", "Collège", "Privé sous contrat", "EDD/ECM", "48.85, 2.35"],
        ["contact@ecole.fr", "ecole.fr/accueil", "Lycée professionnel", "Public", "ECM", "45.76, 4.84"],
        ["direction@ecole2.fr", "https://ecole2.fr", "Maternelle", "Publique", "EDD", "43.3, 5.37"],
    ]
    suggested = [c.field for c in bulk_mapping.suggest_columns(frame_of(rows, header))]
    assert suggested == ["email", "website", "levels", "ownership", "themes", "coordinates"]


def test_a_header_that_names_one_choice_field_but_holds_another_follows_its_values():
    # "Type" usually holds school types; here it holds public/private.
    frame = frame_of([["Public"], ["Privé"], ["Public"]], ["Type"])
    assert bulk_mapping.suggest_columns(frame)[0].field == "ownership"


def test_school_names_are_not_taken_for_levels():
    frame = frame_of([["Kigali Primary School"], ["Huye High School"], ["Musanze Nursery School"]], ["Col"])
    assert bulk_mapping.suggest_columns(frame)[0].field is None


def test_each_field_is_suggested_for_one_column_only_except_lists():
    frame = frame_of([["a", "b", "Lycée", "Collège"]], ["Nom", "Nom de l'école", "Type", "Niveau"])
    assert [c.field for c in bulk_mapping.suggest_columns(frame)] == ["name", None, "levels", "levels"]


# -- values ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "text", "code"),
    [
        ("levels", "Primaire", "primary"),
        ("levels", "Préprimaire", "pre_primary"),
        ("levels", "maternelle", "pre_primary"),
        ("levels", "École élémentaire", "primary"),
        ("levels", "Collège", "secondary"),
        ("levels", "LYCÉE", "secondary"),
        ("levels", "Lycée professionnel", "tvet"),
        ("levels", "Escuela infantil", "pre_primary"),
        ("levels", "Primaria", "primary"),
        ("levels", "Secundaria", "secondary"),
        ("levels", "Liceo", "secondary"),
        ("levels", "Instituto técnico", "tvet"),
        ("levels", "Kindergarten", "pre_primary"),
        ("levels", "High school", "secondary"),
        ("levels", "Vocational school", "tvet"),
        ("levels", "Teacher-training college", "teacher_training"),
        ("levels", "Formación docente", "teacher_training"),
        ("levels", "Collège public Jean Zay", "secondary"),  # by its words
        ("levels", "pre_primary", "pre_primary"),
        ("themes", "Éducation au développement durable", "esd"),
        ("themes", "EDD", "esd"),
        ("themes", "ECM", "gced"),
        ("themes", "ESD", "esd"),
        ("themes", "GCED", "gced"),
        ("themes", "EDS", "esd"),
        ("themes", "ECG", "gced"),
        ("themes", "Patrimoine", "heritage"),
        ("themes", "Aprendizaje intercultural y del patrimonio", "heritage"),
        ("ownership", "Privé", "private"),
        ("ownership", "Privé sous contrat", "private"),
        ("ownership", "Concertada", "private"),
        ("ownership", "Pública", "public"),
        ("ownership", "Government", "public"),
        ("ownership", "Public", "public"),
        ("levels", "Université", None),
        ("themes", "Paix", None),
    ],
)
def test_values_in_three_languages_and_their_common_forms_map_to_codes(field, text, code):
    assert bulk_mapping.choice_value(field, text) == code


def test_lists_split_at_commas_semicolons_slashes_and_line_breaks():
    frame = frame_of([["EDD/ECM"], ["EDD; Patrimoine"], ["ECM, EDD"], ["Patrimoine\nEDD"], ["ESD + GCED"]], ["Thèmes"])
    table, left_out = bulk_mapping.canonical(frame, Mapping({"Thèmes": "themes"}))
    assert table["themes"].to_list() == ["esd; gced", "esd; heritage", "gced; esd", "heritage; esd", "esd; gced"]
    assert left_out == {}


def test_numbers_years_and_coordinates_as_people_write_them():
    header = ["Effectif", "Année", "GPS"]
    rows = [
        ["1 200", "01/09/2019", "48,8566; 2,3522"],
        ["1.200", "2019-09-01 00:00:00", "48.8566, 2.3522"],
        ["350.0", "sept. 2019", "-1.95 30.06"],
        ["lots", "long ago", "somewhere"],
    ]
    table, _ = bulk_mapping.canonical(
        frame_of(rows, header), Mapping({"Effectif": "pupils", "Année": "year_joined", "GPS": "coordinates"})
    )
    assert table["pupils"].to_list() == ["1200", "1200", "350", "lots"]
    assert table["year_joined"].to_list() == ["2019", "2019", "2019", "long ago"]
    assert table["latitude"].to_list()[:3] == ["48,8566", "48.8566", "-1.95"]
    assert table["longitude"].to_list()[:3] == ["2,3522", "2.3522", "30.06"]


def test_unknown_values_are_listed_once_with_their_row_count_and_can_be_mapped(db):
    network = "FRA"
    header = ["Nom", "Ville", "Type", "Secteur", "Thèmes"]
    rows = [
        ["École Jean Zay 1", "Lyon", "Groupe scolaire", "Public", "EDD, Paix"],
        ["École Jean Zay 2", "Lyon", "groupe scolaire", "Public", "EDD"],
        ["École Jean Zay 3", "Lyon", "Collège", "Associatif", "Paix"],
        ["École Jean Zay 4", "Lyon", "Collège", "Public", "ECM"],
    ]
    frame = frame_of(rows, header)
    suggestion = bulk.suggest_mapping(db, network, frame)
    assert suggestion.unknown.select("field", "value", "rows").rows() == [
        ("levels", "Groupe scolaire", 2),
        ("themes", "Paix", 2),
        ("ownership", "Associatif", 1),
    ]
    # As suggested, those rows are left out (warnings), the others planned.
    plan = bulk.plan(db, ADMIN, network, frame)
    assert plan.left_out == 3 and plan.added["name"].to_list() == ["École Jean Zay 4"] and plan.blocking == 0
    # Mapped in the page: a code, a list value ignored, one value leaving its rows out.
    values = {
        "levels": {"groupe scolaire": "primary"},
        "themes": {"paix": IGNORE},
        "ownership": {"associatif": LEAVE_OUT},
    }
    plan = bulk.plan(db, ADMIN, network, frame, Mapping(suggestion.mapping.columns, values))
    assert plan.added["name"].to_list() == ["École Jean Zay 1", "École Jean Zay 2", "École Jean Zay 4"]
    assert plan.added["levels"].to_list()[0] == ["primary"] and plan.added["themes"].to_list()[0] == ["esd"]
    assert plan.left_out == 1
    left = plan.errors.filter(pl.col("code") == "value_left_out")
    assert left.select("row", "field").rows() == [(4, "ownership")] and left["warning"].all()


# -- the realistic files -----------------------------------------------------------------------------

LISTS = {
    "french_ministry_csv": national_lists.french_ministry_csv,
    "spanish_xlsx": national_lists.spanish_xlsx,
    "spanish_ods": national_lists.spanish_ods,
    "english_csv": national_lists.english_csv,
}


@pytest.mark.parametrize("name", list(LISTS))
def test_a_national_list_imports_with_no_edit_of_the_file(db, name):
    made = LISTS[name](db)
    frame = bulk.read_file(made.data, made.filename)
    suggestion = bulk.suggest_mapping(db, made.network, frame)
    assert set(suggestion.unknown.select("field", "value").rows()) == set(made.unknown)
    plan = bulk.plan(db, coordinator(made.network), made.network, frame)
    assert plan.blocking == 0, plan.errors.filter(~pl.col("warning")).to_dicts()
    assert plan.left_out == made.unknown_rows
    # Every new school is to be added, at its town when the file gives no coordinates.
    assert sorted(plan.added.select("name", "city").rows()) == sorted(made.new)
    placed = plan.placed.filter(pl.col("found") & pl.col("id").is_null())
    for row in placed.iter_rows(named=True):
        (town,) = gazetteer.place(made.network, [row["city"]]).rows()
        added = plan.added.filter(pl.col("row") == row["row"]).row(0, named=True)
        assert (added["latitude"], added["longitude"]) == (town[1], town[2])
    assert sorted(plan.placed.filter(~pl.col("found"))["city"].to_list()) == sorted(made.unplaced)
    # The stored schools it names without their id are updates of them, not new schools.
    assert dict(plan.matches.select("name", "id").rows()) == made.known
    assert set(plan.changed["id"].to_list()) <= set(made.known.values())

    counts = bulk.apply(db, coordinator(made.network), made.network, plan)
    assert counts["added"] == len(made.new)
    stored = db.query(
        "SELECT name, city, latitude, longitude, levels, themes, ownership FROM institutions WHERE network = ? "
        "AND name IN (SELECT unnest(?::VARCHAR[]))",
        [made.network, [n for n, _ in made.new]],
    )
    assert stored.height == len(made.new)
    assert stored.filter(pl.col("levels").list.len() == 0).is_empty()
    assert stored.filter(pl.col("ownership").is_null()).is_empty()
    # The same file again adds nothing: its schools are now matched by name in their town.
    again = bulk.plan(db, coordinator(made.network), made.network, bulk.read_file(made.data, made.filename))
    assert again.added.is_empty(), again.added.select("row", "name").rows()


def test_the_french_template_filled_in_with_the_labels_of_the_french_interface(db):
    made = national_lists.french_template_with_labels(db, coordinator("FRA"))
    frame = bulk.read_file(made.data, made.filename)
    plan = bulk.plan(db, coordinator("FRA"), "FRA", frame)
    assert plan.blocking == 0 and plan.left_out == 0 and plan.changed.is_empty()
    assert sorted(plan.added.select("name", "city").rows()) == sorted(made.new)
    assert plan.added["levels"].to_list() == [["pre_primary", "primary"]] * len(made.new)
    assert set(plan.added["ownership"]) == {"private"} and plan.added["themes"].to_list()[0] == ["esd"]


@pytest.mark.parametrize("lang", ["fr", "es", "en"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_template_in_the_interface_language_reads_back_unchanged(db, lang, fmt):
    data = bulk.template(db, coordinator("ESP"), "ESP", fmt, lang)
    frame = bulk.read_file(data, f"t.{fmt}")
    assert frame.columns[0] == bulk_mapping.label(lang, "field.id") and "levels" not in frame.columns
    levels = {bulk_mapping.label(lang, f"level.{code}") for code in bulk_mapping.CHOICES["levels"]}
    written = {v for cell in frame[bulk_mapping.label(lang, "field.levels")].drop_nulls() for v in cell.split("; ")}
    assert written <= levels and written
    plan = bulk.plan(db, coordinator("ESP"), "ESP", frame)
    assert plan.errors.is_empty() and plan.empty and plan.unchanged == frame.height


def test_the_excel_template_offers_drop_down_lists_of_labels(db):
    data = bulk.template(db, coordinator("FRA"), "FRA", "xlsx", "fr")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
        lists = archive.read("xl/worksheets/sheet2.xml").decode()
        strings = archive.read("xl/sharedStrings.xml").decode()
    assert sheet.count('<dataValidation type="list"') == 3
    assert "lists!$A$1:$A$5" in sheet and "lists!$C$1:$C$2" in sheet
    assert 'state="hidden"' in archive_workbook(data)
    assert "Primaire" in strings and "Privé" in strings and "<row" in lists


def archive_workbook(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("xl/workbook.xml").decode()


# -- matching --------------------------------------------------------------------------------------


def test_rows_without_an_id_match_by_email_website_or_a_similar_name_in_the_same_town(db):
    stored = db.query(
        "SELECT id, name, city, email, website FROM institutions WHERE network = 'FRA' AND status <> 'withdrawn' "
        "AND email IS NOT NULL AND website IS NOT NULL ORDER BY id LIMIT 4"
    ).to_dicts()
    a, b, c, d = stored
    header = ["Nom", "Ville", "Courriel", "Site"]
    rows = [
        ["Un autre nom", "Ailleurs", a["email"].upper(), ""],
        ["Encore un autre", "Ailleurs", "", b["website"].removeprefix("https://") + "/"],
        [c["name"].lower().replace("é", "e") + " annexe", c["city"], "", ""],
        [d["name"], "Une autre ville", "", ""],  # the same name elsewhere is another school
        [c["name"].replace(c["name"].split()[-1], "Totalement Différent"), c["city"], "", ""],
    ]
    plan = bulk.plan(db, ADMIN, "FRA", frame_of(rows, header))
    assert plan.matches.select("row", "id", "reason").rows() == [
        (2, a["id"], "same_email"),
        (3, b["id"], "same_website"),
        (4, c["id"], "similar_name"),
    ]
    assert plan.matches["stored"].to_list() == [a["name"], b["name"], c["name"]]


def test_school_numbers_tell_schools_apart():
    assert bulk._similar("ecole primaire no 5", "ecole primaire no 6") == 0
    assert bulk._similar("lycee", "lycee victor hugo") == 0
    assert bulk._similar("lycee victor hugo", "lycee victor hugo de besancon") >= bulk._NAME_SIMILARITY
    assert bulk._similar("lycee victor hugo", "lycee v hugo") >= bulk._NAME_SIMILARITY


def test_names_match_across_scripts(db):
    stored = db.query(
        "SELECT id, name, name_latin, city FROM institutions WHERE network = 'RUS' AND status <> 'withdrawn' "
        "ORDER BY id LIMIT 1"
    ).row(0, named=True)
    assert not stored["name"].isascii()
    # Written in Latin letters, the town too: the same school.
    frame = frame_of([[stored["name_latin"], stored["city"]]], ["Name", "Town"])
    plan = bulk.plan(db, ADMIN, "RUS", frame)
    assert plan.matches.select("id", "reason").rows() == [(stored["id"], "same_name")]
    assert plan.added.is_empty()


def test_a_rejected_match_is_a_new_institution(db):
    made = national_lists.french_ministry_csv(db)
    frame = bulk.read_file(made.data, made.filename)
    suggested = bulk.suggest_mapping(db, "FRA", frame).mapping
    first = bulk.plan(db, ADMIN, "FRA", frame, suggested)
    row = first.matches["row"][0]
    plan = bulk.plan(db, ADMIN, "FRA", frame, Mapping(suggested.columns, suggested.values, frozenset({row})))
    assert plan.matches.filter(pl.col("row") == row)["accepted"].to_list() == [False]
    assert row in plan.added["row"].to_list() and plan.added.height == first.added.height + 1


def test_two_rows_matching_one_institution_are_an_error_not_two_updates(db):
    stored = db.query("SELECT id, name, city FROM institutions WHERE network = 'FRA' ORDER BY id LIMIT 1").row(
        0, named=True
    )
    frame = frame_of(
        [[stored["name"], stored["city"], "1"], [stored["name"], stored["city"], "2"]], ["Nom", "Ville", "Effectif"]
    )
    plan = bulk.plan(db, ADMIN, "FRA", frame)
    assert plan.errors.filter(~pl.col("warning")).select("row", "code").rows() == [(3, "duplicate_id")]


# -- locations -----------------------------------------------------------------------------------------


def test_towns_are_found_whatever_their_accents_case_script_or_district():
    found = gazetteer.place("FRA", ["SAINT-ETIENNE", "st étienne", "Commune de Bordeaux", "Paris 5e", "Lyon 03"])
    assert found["town"].to_list() == ["Saint-Étienne", "Saint-Étienne", "Bordeaux", "Paris", "Lyon 03"]
    assert gazetteer.place("RUS", ["Москва", "moskva"])["town"].to_list() == ["Moscow", "Moscow"]
    # In the network's country only: Paris, Texas is not Paris.
    (paris_us,) = gazetteer.place("USA", ["Paris"]).rows()
    (paris_fr,) = gazetteer.place("FRA", ["Paris"]).rows()
    assert paris_us[1] != paris_fr[1] and paris_us[1] < 40


def test_a_town_not_found_is_a_warning_and_coordinates_outside_the_country_stay_an_error(db):
    header = ["Nom", "Ville", "Latitude", "Longitude"]
    rows = [["École A", "Nulle-Part-sur-Rien", "", ""], ["École B", "Lyon", "40,4168", "-3,7038"]]  # B: Madrid
    plan = bulk.plan(db, ADMIN, "FRA", frame_of(rows, header))
    got = plan.errors.select("row", "code", "warning").rows()
    assert (2, "town_not_found", True) in got and (3, "outside_country", False) in got


def test_placed_institutions_are_listed_in_the_data_quality_list(db):
    frame = frame_of(
        [["Collège Aimé Césaire", "Besançon", "Collège", "Public", "EDD"]],
        ["Nom", "Ville", "Type", "Secteur", "Thèmes"],
    )
    plan = bulk.plan(db, ADMIN, "FRA", frame)
    assert plan.errors.filter(pl.col("code") == "placed_at_town")["params"].to_list() == [
        json.dumps({"town": "Besançon"}, ensure_ascii=False)
    ]
    bulk.apply(db, ADMIN, "FRA", plan)
    (new_id,) = db.rows("SELECT id FROM institutions WHERE network = 'FRA' AND name = 'Collège Aimé Césaire'")[0]
    todo = quality.todo(db, ADMIN, "FRA")
    assert todo.outside.filter(pl.col("id") == new_id)["problem"].to_list() == ["town_centre"]


def test_an_update_fills_missing_coordinates_from_the_town_and_keeps_stored_ones(db):
    with_point, without = db.query(
        "SELECT id, city FROM institutions WHERE network = 'FRA' AND status <> 'withdrawn' ORDER BY id LIMIT 2"
    ).rows()
    db.write(
        lambda cur: cur.execute("UPDATE institutions SET latitude = NULL, longitude = NULL WHERE id = ?", [without[0]])
    )
    frame = frame_of([[str(with_point[0]), "999"], [str(without[0]), "999"]], ["id", "pupils"])
    plan = bulk.plan(db, ADMIN, "FRA", frame)
    assert plan.placed["id"].to_list() == [without[0]]
    fields = set(plan.changed.filter(pl.col("id") == without[0])["field"])
    assert {"latitude", "longitude", "pupils"} <= fields
    assert set(plan.changed.filter(pl.col("id") == with_point[0])["field"]) == {"pupils"}


# -- the mapping is remembered ---------------------------------------------------------------------------


def test_the_mapping_used_for_a_network_is_offered_next_time(db):
    header = ["Désignation", "Localité", "Réf. rectorat", "Type", "Secteur", "Axes"]
    rows = [["Collège Jean Zay", "Lyon", "0691234A", "CRA", "Public", "EDD"]]
    frame = frame_of(rows, header)
    before = bulk.suggest_mapping(db, "FRA", frame)
    assert {c.column: c.field for c in before.columns}["Désignation"] is None
    columns = {**before.mapping.columns, "Désignation": "name", "Réf. rectorat": None}
    plan = bulk.plan(db, coordinator("FRA"), "FRA", frame, Mapping(columns, {"levels": {"cra": "primary"}}))
    bulk.apply(db, coordinator("FRA"), "FRA", plan)
    later = bulk.suggest_mapping(
        db, "FRA", frame_of([["Collège Jean Zay 2", "Lyon", "x", "CRA", "Public", "EDD"]], header)
    )
    by_column = {c.column: (c.field, c.reason) for c in later.columns}
    assert by_column["Désignation"] == ("name", "remembered")
    assert later.mapping.values["levels"] == {"cra": "primary"} and later.unknown.is_empty()
    # Another network does not see it.
    other = bulk.suggest_mapping(db, "ESP", frame)
    assert {c.column: c.field for c in other.columns}["Désignation"] is None


# -- reading files -----------------------------------------------------------------------------------------


def test_encodings_separators_title_rows_and_trailing_empty_columns():
    header, row = ["Nom", "Ville", "Secteur"], ["École Hélène Boucher", "Besançon", "Privé"]
    expected = frame_of([row], header)
    title = "Liste des établissements au 1er septembre 2026"
    cases = {
        "latin-1, semicolons": ("\n".join([";".join(header), ";".join(row)])).encode("cp1252"),
        "utf-8 BOM, commas": ("\ufeff" + ",".join(header) + "\n" + ",".join(row)).encode(),
        "utf-16 BOM, tabs (Excel's Unicode text)": ("\t".join(header) + "\r\n" + "\t".join(row)).encode("utf-16"),
        "pipes": ("|".join(header) + "\n" + "|".join(row)).encode(),
        "title row and trailing separators": (
            f"{title};;\n;;\n" + ";".join(header) + ";\n" + ";".join(row) + ";\n"
        ).encode("cp1252"),
    }
    for case, data in cases.items():
        assert bulk.read_file(data, "liste.csv").equals(expected), case


def test_rows_are_named_as_the_spreadsheet_numbers_them_below_a_title(db):
    text = "Liste des écoles;;\n;;\nNom;Ville;Secteur\nÉcole A;Lyon;Public\nÉcole B;Lyon;Mystère\n"
    table = bulk.read_table(text.encode("cp1252"), "liste.csv")
    assert table.first_row == 4 and table.frame.height == 2
    plan = bulk.plan(db, ADMIN, "FRA", table.frame, first_row=table.first_row)
    # École B is on the file's row 5: its unknown sector is reported there.
    assert plan.errors.filter(pl.col("code") == "value_left_out")["row"].to_list() == [5]
    assert bulk.read_table(b"Nom,Ville\nA,Lyon\n", "l.csv").first_row == 2


def test_cyrillic_in_windows_1251_is_read_as_cyrillic():
    text = "Название;Город\nСредняя школа № 5;Москва\nГимназия № 1;Казань\nЛицей № 2;Новосибирск\n"
    frame = bulk.read_file(text.encode("cp1251"), "list.csv")
    assert frame.columns == ["Название", "Город"] and frame["Город"].to_list()[0] == "Москва"


def test_xls_and_ods_workbooks_are_read(db):
    xls = bulk.read_file((FIXTURES / "centros_redpea.xls").read_bytes(), "centros_redpea.xls")
    assert xls.columns[:2] == ["Nombre del centro", "Municipio"]
    assert xls.row(1) == (
        "Instituto Técnico Leonardo Torres Quevedo",
        "A Coruña",
        "Instituto Técnico",
        "Concertada",
        "EDS, ECG",
        "2020",
        "640",
    )
    made = national_lists.spanish_ods(db)
    ods = bulk.read_file(made.data, made.filename)
    xlsx = bulk.read_file(national_lists.spanish_xlsx(db).data, "same.xlsx")
    assert ods.equals(xlsx)


def test_a_zip_bomb_in_an_ods_file_is_refused_before_it_is_read(monkeypatch):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", b"<a>" + b" " * 5_000_000 + b"</a>")
    monkeypatch.setattr(bulk, "MAX_UNZIPPED_BYTES", 1_000_000)
    with pytest.raises(bulk.BulkError) as refused:
        bulk.read_file(buffer.getvalue(), "bomb.ods")
    assert refused.value.code == "too_large"


@pytest.mark.parametrize("name", ["broken.ods", "broken.xls"])
def test_broken_workbooks_are_not_tables(name):
    data = (
        (FIXTURES / "centros_redpea.xls").read_bytes()[:3000] if name.endswith(".xls") else b"PK\x03\x04" + b"x" * 500
    )
    with pytest.raises(bulk.BulkError) as refused:
        bulk.read_file(data, name)
    assert refused.value.code == "not_a_table"

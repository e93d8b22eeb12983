"""AppTest of the bulk update with a national list in its own format: columns and values mapped
in the page, matches rejected, the preview and the apply."""

import pytest

from aspnet_data import bulk_mapping
from aspnet_data.db import open_database
from ui.safe import md

from .. import national_lists


def upload(at, made):
    at.file_uploader(key="bulk_file").set_value((made.filename, made.data, "application/octet-stream"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def picker(at, label):
    """The selectbox of a label as shown (labels are escaped: they come from the file)."""
    (found,) = [s for s in at.selectbox if s.label == md(label)]
    return found


def metric(at, label):
    (found,) = [m for m in at.metric if m.label == label]
    return int(found.value.replace(",", ""))


@pytest.mark.both_engines
def test_a_french_ministry_list_is_mapped_previewed_and_applied_in_the_page(app_as, scratch_copy):
    with open_database(scratch_copy) as db:
        made = national_lists.french_ministry_csv(db)
    at = upload(app_as("app_pages/bulk.py", "coord.fra"), made)
    # Every column with its suggested field; the French headers need no edit.
    assert picker(at, "Nom de l'établissement").value == "name"
    assert picker(at, "Commune").value == "city"
    assert picker(at, "Type d'établissement").value == "levels"
    assert picker(at, "Secteur").value == "ownership"
    assert any("recognised from its header" in c.value for c in at.caption)
    # The value nothing reads leaves its row out until it is mapped.
    paix = picker(at, "Priority themes: “Paix” (1 row)")
    assert paix.value == bulk_mapping.LEAVE_OUT
    assert metric(at, "Left out") == 1 and metric(at, "To add") == len(made.new)
    paix.set_value("gced").run()
    picker(at, "Site internet").set_value("-").run()  # "Not imported"
    assert metric(at, "Left out") == 0 and metric(at, "To add") == len(made.new) + 1  # and the Paix row
    assert metric(at, "Problems") == 0
    # The matches: one rejected, so its row becomes a new institution.
    (reject,) = [m for m in at.multiselect if m.key and m.key.endswith("_reject")]
    assert len(reject.options) == len(made.known) and reject.value == []
    added = at.dataframe[1].value  # the "To add" tab: row, name, city, location
    assert any(v.startswith("placed at town centre (") for v in added["location"])
    assert "town not found: no point on the map" in set(added["location"])
    reject.set_value([reject.options[0]]).run()
    assert metric(at, "To add") == len(made.new) + 2  # the rejected match, and the Paix row

    at.button(key=next(b.key for b in at.button if b.key and b.key.startswith("bulk_apply_"))).click().run()
    assert not at.exception
    assert any("Applied:" in s.value for s in at.success)
    with open_database(scratch_copy) as db:
        stored = db.query("SELECT themes FROM institutions WHERE network = 'FRA' AND name = 'Lycée Simone Veil'")
        assert stored["themes"].to_list() == [["gced"]]
        websites = db.query("SELECT website FROM institutions WHERE network = 'FRA' AND name LIKE '%Aimé Césaire%'")[
            "website"
        ]
        assert websites.null_count() == websites.len()  # the column set to "Not imported"
        remembered = db.scalar("SELECT mapping FROM import_mappings WHERE network = 'FRA'")
        assert '"site internet": null' in remembered and '"paix": "gced"' in remembered


def test_a_field_chosen_for_two_columns_is_shown_next_to_the_column(app_as, scratch_copy):
    with open_database(scratch_copy) as db:
        made = national_lists.english_csv(db)
    at = upload(app_as("app_pages/bulk.py", "coord.rwa"), made)
    picker(at, "Town").set_value("name").run()
    assert "Another column already fills this field: choose one of them." in [e.value for e in at.error]
    assert not [b for b in at.button if b.key and b.key.startswith("bulk_apply_")]


def test_the_page_in_spanish_reads_a_spanish_workbook(app_as, scratch_copy):
    with open_database(scratch_copy) as db:
        made = national_lists.spanish_xlsx(db)
    at = app_as("app_pages/bulk.py", "coord.esp", lang="es")
    at = upload(at, made)
    assert picker(at, "Titularidad").value == "ownership"
    assert picker(at, "Niveles educativos: «CRA» (1 fila)").value == bulk_mapping.LEAVE_OUT
    assert metric(at, "Por añadir") == len(made.new)
    assert any(isinstance(t, str) for t in [at.title[0].value])

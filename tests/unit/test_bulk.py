"""Bulk updates from a file: template round trip, plan, all-or-nothing apply, hostile files."""

import csv
import io
import json
import os

import polars as pl
import pytest

from aspnet_data import audit, bulk, editing
from aspnet_data.db import open_database
from aspnet_data.permissions import Actor, PermissionDenied

NET, OTHER = "RWA", "COD"  # two networks of the test database, both with a country outline
ADMIN = Actor("admin", "admin")
COORD = Actor("coord.rwa", "coordinator", NET)
TABLES = ["institutions", "audit_log"]
NEW_SCHOOL = {
    "name": "Bulk Upload Academy",
    "city": "Kigali",
    "latitude": "-1.9441",
    "longitude": "30.0619",
    "levels": "primary; secondary",
    "ownership": "public",
    "themes": "esd",
    "languages": "rw; en",
    "email": "office@bulk-academy.example",
}


@pytest.fixture()
def db(scratch_copy):
    with open_database(scratch_copy) as database:
        yield database


def downloaded(db, fmt="csv"):
    return bulk.read_file(bulk.template(db, COORD, NET, fmt), f"template.{fmt}")


def set_cell(frame, institution_id, column, value):
    return frame.with_columns(
        pl.when(pl.col("id") == str(institution_id))
        .then(pl.lit(value, pl.String))
        .otherwise(pl.col(column))
        .alias(column)
    )


def add_row(frame, values):
    return pl.concat(
        [
            frame,
            pl.DataFrame([{c: values.get(c) for c in frame.columns}], schema=dict.fromkeys(frame.columns, pl.String)),
        ]
    )


def as_csv(frame, *, separator=",", encoding="utf-8"):
    return frame.write_csv(separator=separator).encode(encoding)


def line_of(frame, institution_id):
    """The spreadsheet row of an institution in a file (the header is row 1)."""
    return frame["id"].to_list().index(str(institution_id)) + 2


def snapshot(db):
    return db.checksums(TABLES), db.data_version


def active_ids(db, network=NET):
    return [
        r[0]
        for r in db.rows(
            "SELECT id FROM institutions WHERE network = ? AND status <> 'withdrawn' ORDER BY id", [network]
        )
    ]


def edited(frame, ids, *, with_new=True):
    """The test's edits: three cells, one withdrawal and (optionally) one new school."""
    a, b, c, d = ids
    frame = set_cell(frame, a, "pupils", "777")
    frame = set_cell(frame, b, "email", "new.address@school.example")
    frame = set_cell(frame, c, "levels", "pre_primary; teacher_training")
    frame = set_cell(frame, d, "withdraw", "yes")
    return add_row(frame, NEW_SCHOOL) if with_new else frame


# -- template and reading ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_template_reuploaded_unchanged_is_an_empty_plan(db, fmt):
    frame = downloaded(db, fmt)
    assert frame.columns == list(bulk.COLUMNS)
    assert frame["id"].to_list() == [str(i) for i in active_ids(db)]
    assert frame["withdraw"].null_count() == frame.height
    plan = bulk.plan(db, COORD, NET, frame)
    assert plan.errors.is_empty() and plan.empty
    assert plan.added.is_empty() and plan.changed.is_empty() and plan.withdrawn.is_empty()
    assert plan.unchanged == frame.height
    assert bulk.apply(db, COORD, NET, plan) == {"added": 0, "changed": 0, "withdrawn": 0}


def test_csv_and_xlsx_templates_read_identically(db):
    csv_frame, xlsx_frame = downloaded(db, "csv"), downloaded(db, "xlsx")
    assert csv_frame.equals(xlsx_frame)
    assert bulk.template(db, COORD, NET, "csv").startswith("\ufeff".encode())
    # Lists are joined with "; " and every column is text.
    assert all(dtype == pl.String for dtype in csv_frame.dtypes)
    assert any("; " in (v or "") for v in csv_frame["levels"].to_list() + csv_frame["languages"].to_list())


def test_latin1_semicolon_bom_and_xlsx_files_all_read(db):
    frame = downloaded(db)
    latin = frame.filter(
        pl.all_horizontal(pl.all().fill_null("").map_elements(lambda v: v.isascii(), return_dtype=pl.Boolean))
    ).head(5)
    target = latin["id"][0]
    latin = set_cell(latin, target, "name", "École Sainte-Thérèse de l'Enfant-Jésus")
    latin = set_cell(latin, target, "name_latin", "École Sainte-Thérèse de l'Enfant-Jésus")
    # Decimal commas, as a French spreadsheet writes them with semicolons.
    latin = latin.with_columns(pl.col("latitude").str.replace(r"\.", ","), pl.col("longitude").str.replace(r"\.", ","))
    files = {
        "latin1;": (as_csv(latin, separator=";", encoding="latin-1"), "ecoles.csv"),
        "cp1252;txt": (as_csv(latin, separator=";", encoding="cp1252"), "ecoles.txt"),
        "bom,": ("\ufeff".encode() + as_csv(latin), "ecoles.csv"),
        "utf8,": (as_csv(latin), "ECOLES.CSV"),
        "xlsx": (_xlsx(latin), "ecoles.xlsx"),
    }
    for label, (data, name) in files.items():
        read = bulk.read_file(data, name)
        assert read.columns == list(bulk.COLUMNS), label
        assert read.filter(pl.col("id") == target)["name"].item() == "École Sainte-Thérèse de l'Enfant-Jésus", label
        plan = bulk.plan(db, COORD, NET, read)
        assert plan.errors.is_empty(), (label, plan.errors)
        assert plan.changed.select("id", "field").rows() == [(int(target), "name"), (int(target), "name_latin")], label
        assert plan.unchanged == latin.height - 1, label


def _xlsx(frame):
    buffer = io.BytesIO()
    frame.write_excel(buffer)
    return buffer.getvalue()


def test_headers_are_matched_loosely_and_blank_rows_ignored(db):
    text = bulk.template(db, COORD, NET, "csv").decode("utf-8-sig")
    header, first, rest = text.split("\n", 2)
    text = " , ".join(h.upper() for h in header.split(",")) + ",\n" + first + "\n,,,\n" + rest + "\n,,\n\n"
    frame = bulk.read_file(text.encode(), "upper.csv")
    assert frame.columns == [c.upper() for c in bulk.COLUMNS]  # the file as it is
    assert [c.field for c in bulk.suggest_mapping(db, NET, frame).columns] == list(bulk.COLUMNS)
    plan = bulk.plan(db, COORD, NET, frame)
    assert plan.errors.is_empty() and plan.empty and plan.unchanged == len(active_ids(db))


# -- plan, apply, apply again ---------------------------------------------------------------------


def test_edits_new_row_and_withdrawal_are_planned_applied_and_audited(db):
    ids = active_ids(db)[:4]
    a, b, c, d = ids
    original = {i: editing.institution_record(db, i) for i in ids}
    assert original[c]["levels"] != ["pre_primary", "teacher_training"]
    frame = bulk.read_file(as_csv(edited(downloaded(db), ids)), "edited.csv")

    plan = bulk.plan(db, COORD, NET, frame)
    assert plan.errors.is_empty()
    assert sorted(plan.changed.select("id", "field").rows()) == [(a, "pupils"), (b, "email"), (c, "levels")]
    changed = {r["field"]: r for r in plan.changed.to_dicts()}
    assert changed["pupils"]["before"] == str(original[a]["pupils"]) and changed["pupils"]["after"] == "777"
    assert changed["levels"]["after"] == "pre_primary; teacher_training"
    assert changed["email"]["row"] == line_of(frame, b)
    assert plan.withdrawn.select("id", "name").rows() == [(d, original[d]["name"])]
    assert plan.added.height == 1 and plan.added["name"].item() == NEW_SCHOOL["name"]
    assert plan.added["row"].item() == frame.height + 1
    assert plan.added["levels"].item().to_list() == ["primary", "secondary"]
    assert plan.unchanged == frame.height - 5

    seen = []
    counts = bulk.apply(db, COORD, NET, plan, progress=lambda done, total: seen.append((done, total)))
    assert counts == {"added": 1, "changed": 3, "withdrawn": 1}
    assert seen == [(1, 5), (4, 5), (5, 5)]  # after the inserts, the updates, the withdrawals

    assert editing.institution_record(db, a)["pupils"] == 777
    assert editing.institution_record(db, b)["email"] == "new.address@school.example"
    assert editing.institution_record(db, c)["levels"] == ["pre_primary", "teacher_training"]
    assert editing.institution_record(db, d)["status"] == "withdrawn"
    for i in (a, b, c, d):
        assert editing.institution_record(db, i)["version"] == original[i]["version"] + 1
        assert editing.institution_record(db, i)["updated_by"] == COORD.username
    new = db.query("SELECT * FROM institutions WHERE name = ?", [NEW_SCHOOL["name"]]).row(0, named=True)
    assert (new["network"], new["status"], new["city"], new["latitude"]) == (NET, "member", "Kigali", -1.9441)
    assert new["languages"] == ["rw", "en"] and new["name_latin"] == NEW_SCHOOL["name"]

    audit = db.query(
        "SELECT entity_id, action, before, after FROM audit_log WHERE actor = ? ORDER BY id", [COORD.username]
    )
    assert sorted(audit.select("entity_id", "action").rows()) == sorted(
        [
            (str(new["id"]), "institution.create"),
            (str(a), "institution.update"),
            (str(b), "institution.update"),
            (str(c), "institution.update"),
            (str(d), "institution.withdraw"),
        ]
    )
    update_a = audit.filter(pl.col("entity_id") == str(a)).row(0, named=True)
    assert json.loads(update_a["after"]) == {"network": NET, "pupils": 777}

    # The same file again: its edits and withdrawal are already there (only its new row is not, see below).
    again = bulk.plan(db, COORD, NET, bulk.read_file(as_csv(edited(downloaded(db), ids, with_new=False)), "x.csv"))
    assert again.errors.is_empty() and again.empty
    # The same edits made to a fresh template (where the new school has its id): nothing to do.
    fresh = downloaded(db)
    assert str(new["id"]) in fresh["id"].to_list() and str(d) not in fresh["id"].to_list()
    for column, value in (
        ("pupils", "777"),
        ("email", "new.address@school.example"),
        ("levels", "pre_primary; teacher_training"),
    ):
        fresh = set_cell(fresh, {"pupils": a, "email": b, "levels": c}[column], column, value)
    again = bulk.plan(db, COORD, NET, fresh)
    assert again.errors.is_empty() and again.empty and again.unchanged == fresh.height
    before = snapshot(db)
    assert bulk.apply(db, COORD, NET, again) == {"added": 0, "changed": 0, "withdrawn": 0}
    assert snapshot(db) == before


@pytest.mark.parametrize(
    "mark, withdraws",
    [
        ("yes", True),
        ("Oui", True),
        ("sí", True),
        ("SI", True),
        ("TRUE", True),
        ("1", True),
        ("x", True),
        ("no", False),
        ("", False),
    ],
)
def test_withdraw_marks(db, mark, withdraws):
    target = active_ids(db)[0]
    plan = bulk.plan(db, COORD, NET, set_cell(downloaded(db), target, "withdraw", mark or None))
    assert plan.errors.is_empty()
    assert plan.withdrawn["id"].to_list() == ([target] if withdraws else [])


def test_an_unknown_withdraw_mark_is_an_error_not_a_guess(db):
    target = active_ids(db)[0]
    frame = set_cell(downloaded(db), target, "withdraw", "maybe")
    plan = bulk.plan(db, COORD, NET, frame)
    assert plan.errors.select("row", "field", "code").rows() == [(line_of(frame, target), "withdraw", "unknown_choice")]
    assert plan.withdrawn.is_empty()


# -- errors block everything ----------------------------------------------------------------------------


def test_a_bad_email_is_reported_by_row_and_blocks_the_whole_file(db):
    ids = active_ids(db)
    frame = set_cell(downloaded(db), ids[0], "pupils", "555")
    frame = set_cell(frame, ids[5], "email", "not-an-email")
    frame = add_row(frame, {**NEW_SCHOOL, "email": "also@bad"})
    plan = bulk.plan(db, COORD, NET, frame)
    errors = plan.errors.select("row", "id", "field", "code").rows()
    assert errors == [
        (line_of(frame, ids[5]), str(ids[5]), "email", "email"),
        (frame.height + 1, None, "email", "email"),
    ]
    assert plan.blocking == 2
    assert plan.changed.select("id", "field").rows() == [(ids[0], "pupils")]  # the valid rows are still previewed

    before = snapshot(db)
    with pytest.raises(bulk.BulkError) as refused:
        bulk.apply(db, COORD, NET, plan)
    assert refused.value.code == "has_errors" and refused.value.params == {"count": 2}
    assert snapshot(db) == before

    report = bulk.report_csv(plan)
    assert report.startswith("\ufeff".encode())
    back = pl.read_csv(io.BytesIO(report[3:]), infer_schema=False)
    assert back.columns == ["row", "id", "field", "code", "params", "warning"]
    assert back.select("row", "field", "code").rows() == [
        (str(line_of(frame, ids[5])), "email", "email"),
        (str(frame.height + 1), "email", "email"),
    ]


def test_invalid_values_are_reported_with_their_parameters(db):
    ids = active_ids(db)
    frame = downloaded(db)
    for i, (column, value) in enumerate(
        [
            ("pupils", "lots"),
            ("levels", "primary; university"),
            ("latitude", "48.85"),
            ("name", None),
            ("ownership", None),
        ]
    ):
        frame = set_cell(frame, ids[i], column, value)
    plan = bulk.plan(db, COORD, NET, frame)
    got = {(r["row"], r["field"], r["code"]): json.loads(r["params"]) for r in plan.errors.to_dicts()}
    assert got == {
        (line_of(frame, ids[0]), "pupils", "out_of_range"): {"min": 0, "max": 100_000},
        # A value nothing maps leaves its row out (a warning): the other rows still apply.
        (line_of(frame, ids[1]), "levels", "value_left_out"): {"value": "university"},
        (line_of(frame, ids[2]), "latitude", "outside_country"): {"network": NET},
        (line_of(frame, ids[3]), "name", "required"): {},
        (line_of(frame, ids[4]), "ownership", "choose_one"): {},
    }
    assert plan.changed.is_empty() and plan.left_out == 1


def test_another_networks_ids_are_errors_and_that_network_is_untouched(db):
    foreign = active_ids(db, OTHER)[:2]
    stored = [editing.institution_record(db, i) for i in foreign]
    frame = set_cell(downloaded(db), active_ids(db)[0], "pupils", "555")
    for record, withdraw in zip(stored, (None, "yes")):
        frame = add_row(
            frame,
            {
                **{k: bulk._show(record[k]) for k in editing.INSTITUTION_FIELDS},
                "id": str(record["id"]),
                "name": "Taken Over",
                "withdraw": withdraw,
            },
        )
    frame = add_row(frame, {**NEW_SCHOOL, "id": "99999999"})
    frame = add_row(frame, {**NEW_SCHOOL, "id": "not a number"})
    before = db.checksums(TABLES)
    for actor in (COORD, ADMIN):  # even an admin's file for NET can only touch NET
        plan = bulk.plan(db, actor, NET, frame)
        assert plan.errors.select("row", "id", "code").rows() == [
            (frame.height - 2, str(foreign[0]), "foreign_id"),
            (frame.height - 1, str(foreign[1]), "foreign_id"),
            (frame.height, "99999999", "unknown_id"),
            (frame.height + 1, "not a number", "unknown_id"),
        ]
        assert plan.withdrawn.is_empty() and plan.added.is_empty()
        with pytest.raises(bulk.BulkError, match="has_errors"):
            bulk.apply(db, actor, NET, plan)
    assert db.checksums(TABLES) == before
    assert [editing.institution_record(db, i) for i in foreign] == stored


def test_a_plan_is_applied_only_to_its_own_network(db):
    plan = bulk.plan(db, ADMIN, NET, set_cell(downloaded(db), active_ids(db)[0], "pupils", "555"))
    before = snapshot(db)
    with pytest.raises(bulk.BulkError) as refused:
        bulk.apply(db, ADMIN, OTHER, plan)
    assert refused.value.code == "wrong_network"
    assert snapshot(db) == before


def test_duplicate_ids_are_errors(db):
    frame = downloaded(db)
    target = active_ids(db)[3]
    frame = add_row(
        frame, set_cell(frame.filter(pl.col("id") == str(target)), target, "pupils", "1").row(0, named=True)
    )
    plan = bulk.plan(db, COORD, NET, frame)
    assert plan.errors.select("row", "id", "field", "code").rows() == [
        (frame.height + 1, str(target), "id", "duplicate_id")
    ]
    assert json.loads(plan.errors["params"].item()) == {"id": target, "first_row": line_of(frame, target)}


# -- hostile and broken files -----------------------------------------------------------------------------


def test_broken_and_binary_files_are_not_tables(db):
    xlsx = bulk.template(db, COORD, NET, "xlsx")
    csv = bulk.template(db, COORD, NET, "csv")
    cases = [
        (xlsx[: len(xlsx) // 2], "cut.xlsx"),  # truncated download
        (xlsx, "renamed.csv"),  # a zip called .csv
        (csv, "renamed.xlsx"),  # text called .xlsx
        (b"PK\x03\x04" + os.urandom(4000), "fake.xlsx"),  # zip magic, garbage after
        (os.urandom(4000), "noise.csv"),
        (b"\x89PNG\r\n\x1a\n" + os.urandom(500), "image.csv"),
        (b"id,name\x01,city\n", "control.csv"),
        (csv, "schools.pdf"),
        (csv, "schools.xls"),
    ]
    for data, name in cases:
        with pytest.raises(bulk.BulkError) as refused:
            bulk.read_file(data, name)
        assert refused.value.code == "not_a_table", name


def test_empty_files(db):
    header = bulk.template(db, COORD, NET, "csv").split(b"\n", 1)[0] + b"\n"
    for data in (b"", b"   \n\n", header, header + b",,,,\n\n"):
        with pytest.raises(bulk.BulkError) as refused:
            bulk.read_file(data, "empty.csv")
        assert refused.value.code == "empty"


def test_a_file_without_names_is_refused_and_unknown_columns_are_not_imported(db):
    frame = downloaded(db)
    for changed in (frame.drop("name", "id"), frame.rename({"name": "notes", "id": "ref"})):
        for data, name in ((as_csv(changed), "f.csv"), (_xlsx(changed), "f.xlsx")):
            with pytest.raises(bulk.BulkError) as refused:
                bulk.plan(db, COORD, NET, bulk.read_file(data, name))
            assert (refused.value.code, refused.value.params) == ("missing_columns", {"columns": ["name"]}), name
    extra = frame.with_columns(pl.lit("x").alias("notes"), pl.lit("y").alias("network"))
    suggestion = bulk.suggest_mapping(db, NET, extra)
    assert {c.column: c.field for c in suggestion.columns}["notes"] is None
    assert {c.column: c.field for c in suggestion.columns}["network"] is None
    plan = bulk.plan(db, COORD, NET, extra)
    assert plan.errors.is_empty() and plan.empty


def test_a_header_twice_is_kept_apart_and_a_field_mapped_twice_is_refused(db):
    text = bulk.template(db, COORD, NET, "csv").decode("utf-8-sig").replace("name_latin", "name", 1)
    frame = bulk.read_file(text.encode(), "twice.csv")
    assert frame.columns[1:3] == ["name", "name (2)"]
    suggested = bulk.suggest_mapping(db, NET, frame).mapping
    assert suggested.columns["name"] == "name" and suggested.columns["name (2)"] is None
    twice = bulk.Mapping({**suggested.columns, "name (2)": "name"})
    with pytest.raises(bulk.BulkError) as refused:
        bulk.plan(db, COORD, NET, frame, twice)
    assert (refused.value.code, refused.value.params) == ("mapped_twice", {"columns": ["name", "name (2)"]})


def test_limits_on_size_and_rows(db, monkeypatch):
    csv, xlsx = bulk.template(db, COORD, NET, "csv"), bulk.template(db, COORD, NET, "xlsx")
    monkeypatch.setattr(bulk, "MAX_ROWS", 10)
    for data, name in ((csv, "big.csv"), (xlsx, "big.xlsx")):
        with pytest.raises(bulk.BulkError) as refused:
            bulk.read_file(data, name)
        assert (refused.value.code, refused.value.params) == ("too_many_rows", {"max": 10})
    small = b"\n".join(csv.split(b"\n")[:11])  # header + 10 rows: allowed
    assert bulk.read_file(small, "ok.csv").height == 10
    monkeypatch.setattr(bulk, "MAX_BYTES", 1000)
    for data, name in ((csv, "big.csv"), (xlsx, "big.xlsx")):
        with pytest.raises(bulk.BulkError) as refused:
            bulk.read_file(data, name)
        assert refused.value.code == "too_large"


# -- all or nothing ---------------------------------------------------------------------------------------


def _fail_on(n, real):
    calls = []

    def wrapper(*args, **kwargs):
        calls.append(1)
        if len(calls) == n:
            raise RuntimeError("disk on fire")
        return real(*args, **kwargs)

    return wrapper


@pytest.mark.parametrize(
    "module, target",
    [(bulk, "_insert_rows"), (bulk, "_update_rows"), (bulk, "_withdraw_rows"), (audit, "record_many")],
)
def test_a_failure_at_any_step_leaves_the_database_exactly_as_before(db, monkeypatch, module, target):
    ids = active_ids(db)[:4]
    plan = bulk.plan(db, COORD, NET, edited(downloaded(db), ids))
    assert plan.errors.is_empty() and plan.updates and plan.withdrawn.height and plan.added.height
    before = snapshot(db)
    monkeypatch.setattr(module, target, _fail_on(1, getattr(module, target)))
    with pytest.raises(RuntimeError, match="disk on fire"):
        bulk.apply(db, COORD, NET, plan)
    assert snapshot(db) == before
    monkeypatch.undo()
    assert bulk.apply(db, COORD, NET, plan) == {"added": 1, "changed": 3, "withdrawn": 1}


def test_an_edit_saved_after_the_preview_is_kept_and_the_file_applies_on_top(db):
    target = active_ids(db)[0]
    plan = bulk.plan(db, COORD, NET, set_cell(downloaded(db), target, "pupils", "4321"))
    stored = editing.institution_record(db, target)
    editing.update_institution(db, COORD, target, {"teachers": 99}, expected_version=stored["version"])
    assert bulk.apply(db, COORD, NET, plan)["changed"] == 1
    after = editing.institution_record(db, target)
    assert (after["pupils"], after["teachers"], after["version"]) == (4321, 99, stored["version"] + 2)


def test_a_large_file_applies_set_based_with_one_audit_row_per_change(db):
    frame = downloaded(db)
    ids = [int(i) for i in frame["id"].to_list()]
    frame = frame.with_columns(pupils=pl.Series([str(100 + n) for n in range(frame.height)]))
    frame = pl.concat(
        [
            frame,
            pl.DataFrame(
                [
                    {c: {**NEW_SCHOOL, "name": f"{NEW_SCHOOL['name']} {n}"}.get(c) for c in frame.columns}
                    for n in range(300)
                ],
                schema=dict.fromkeys(frame.columns, pl.String),
            ),
        ]
    )
    plan = bulk.plan(db, COORD, NET, frame)
    assert plan.blocking == 0
    audit_before = db.scalar("SELECT count(*) FROM audit_log")
    counts = bulk.apply(db, COORD, NET, plan)
    assert counts["added"] == 300 and counts["changed"] == len(plan.updates)
    assert db.scalar("SELECT count(*) FROM audit_log") == audit_before + 300 + counts["changed"]
    stored = dict(db.rows("SELECT id, pupils FROM institutions WHERE id IN (SELECT unnest(?::BIGINT[]))", [ids]))
    assert stored == {i: 100 + n for n, i in enumerate(ids)}
    names = db.rows(
        "SELECT name, search_text FROM institutions WHERE name LIKE ? ORDER BY id", [NEW_SCHOOL["name"] + " %"]
    )
    assert [n for n, _ in names] == [f"{NEW_SCHOOL['name']} {n}" for n in range(300)]
    assert all(text == editing.search_text({"name": n, "name_latin": n, "city": "Kigali"}) for n, text in names)


# -- permissions --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "actor",
    [
        Actor("coord.cod", "coordinator", OTHER),
        Actor("analyst", "analyst"),
        Actor(None),
        Actor("nobody", "coordinator", None),
    ],
)
def test_only_the_networks_coordinator_or_an_admin_may_plan_or_apply(db, actor):
    frame = set_cell(downloaded(db), active_ids(db)[0], "pupils", "555")
    with pytest.raises(PermissionDenied):
        bulk.plan(db, actor, NET, frame)
    plan = bulk.plan(db, ADMIN, NET, frame)
    before = snapshot(db)
    with pytest.raises(PermissionDenied):
        bulk.apply(db, actor, NET, plan)
    assert snapshot(db) == before
    assert bulk.apply(db, ADMIN, NET, plan)["changed"] == 1


def test_a_field_saved_since_the_preview_is_not_overwritten(db):
    target, other = active_ids(db)[:2]
    frame = set_cell(set_cell(downloaded(db), target, "pupils", "777"), other, "pupils", "778")
    plan = bulk.plan(db, COORD, NET, frame)
    stored = editing.institution_record(db, target)
    editing.update_institution(db, COORD, target, {"pupils": 555}, expected_version=stored["version"])
    before = snapshot(db)
    with pytest.raises(bulk.BulkError) as refused:
        bulk.apply(db, COORD, NET, plan)
    assert refused.value.code == "changed_since_preview"
    assert refused.value.params == {"rows": str(line_of(frame, target))}
    assert snapshot(db) == before and editing.institution_record(db, target)["pupils"] == 555
    # Previewed again, the file shows 555 -> 777 and applies.
    again = bulk.plan(db, COORD, NET, frame)
    assert again.changed.filter(pl.col("id") == target)["before"].to_list() == ["555"]
    assert bulk.apply(db, COORD, NET, again)["changed"] == 2


@pytest.mark.parametrize("name", ['=HYPERLINK("http://evil.example","x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)"])
def test_a_name_a_spreadsheet_would_run_is_exported_as_text_and_reads_back_unchanged(db, name):
    target = active_ids(db)[0]
    stored = editing.institution_record(db, target)
    db.write(
        lambda cur: cur.execute("UPDATE institutions SET name = ?, name_latin = ? WHERE id = ?", [name, name, target])
    )
    data = bulk.template(db, COORD, NET, "csv")
    cell = next(r for r in csv.reader(io.StringIO(data.decode("utf-8-sig"))) if r[0] == str(target))[1]
    assert cell == "'" + name
    plan = bulk.plan(db, COORD, NET, bulk.read_file(data, "template.csv"))
    assert plan.errors.filter(~pl.col("warning")).is_empty() and plan.empty  # the round trip changes nothing
    assert stored["name"] != name

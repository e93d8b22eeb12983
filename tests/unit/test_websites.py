"""A website typed without its scheme is completed with https:// wherever text comes in (the
institution form, the network form, bulk files, applications); real garbage is still refused."""

import pytest

from aspnet_data import applications as apps
from aspnet_data import editing, validation
from aspnet_data.db import open_database
from aspnet_data.permissions import Actor


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("www.ecole-ribeira.pt", "https://www.ecole-ribeira.pt"),
        ("ecole-ribeira.pt", "https://ecole-ribeira.pt"),
        (" ecole-ribeira.pt/contact?lang=pt ", "https://ecole-ribeira.pt/contact?lang=pt"),
        ("school.example:8080/a", "https://school.example:8080/a"),
        ("www.école.fr", "https://www.école.fr"),
        ("xn--80a.xn--p1ai", "https://xn--80a.xn--p1ai"),
        ("https://school.example", "https://school.example"),
        ("http://school.example/a", "http://school.example/a"),
    ],
)
def test_a_bare_address_is_completed(typed, stored):
    assert validation.normalise_website(typed) == stored
    assert validation.is_url(stored)


@pytest.mark.parametrize(
    "typed",
    [
        "not a website",
        "javascript:alert(1)",
        "data:text/html,x",
        "ftp://x.org",
        "head@school.example",
        "localhost",
        "192.168.0.1",
        "1.5",
        "x.y",
        "-bad-.com",
        "a..b.com",
        "www.",
        ".com",
        "school .example",
        "<b>x</b>.com",
        "https://",
        "http//school.example",
    ],
)
def test_garbage_is_left_as_typed_and_refused(typed):
    normalised = validation.normalise_website(typed)
    assert normalised == validation.clean_text(typed)
    problems = editing.validate_institution(
        {
            "name": "x",
            "city": "y",
            "levels": ["primary"],
            "themes": ["esd"],
            "ownership": "public",
            "website": normalised,
        },
        network="FRA",
    )
    assert ("website", "url") in [(e.field, e.code) for e in problems]


def test_the_institution_form_network_form_and_application_complete_it(scratch_copy):
    with open_database(scratch_copy) as db:
        sid, network = db.rows("SELECT id, network FROM institutions WHERE status = 'member' ORDER BY id LIMIT 1")[0]
        coordinator = Actor(f"coord.{network.lower()}", "coordinator", network)
        version = editing.institution_record(db, sid)["version"]
        saved = editing.update_institution(
            db, coordinator, sid, {"website": "www.lycee.example"}, expected_version=version
        )
        assert saved["website"] == "https://www.lycee.example"
        record = editing.network_record(db, coordinator, network)
        saved = editing.update_network(
            db, coordinator, network, {"website": "aspnet.example.org/fr"}, expected_version=record["version"]
        )
        assert saved["website"] == "https://aspnet.example.org/fr"
        with pytest.raises(editing.ValidationFailed) as failed:
            editing.update_network(
                db, coordinator, network, {"website": "our web page"}, expected_version=saved["version"]
            )
        assert [(e.field, e.code) for e in failed.value.errors] == [("website", "url")]
        draft = apps.save(
            db, {"network": network, "contact_email": "ana@school.example", "website": "ecole-ribeira.pt"}, submit=False
        )
        assert draft.record["website"] == "https://ecole-ribeira.pt"

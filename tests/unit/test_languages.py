"""Languages of instruction: the codes offered, their names in three languages, typed names
read back to codes, and the institution and application forms that take them as text."""

import pytest

from aspnet_data import editing, languages


@pytest.mark.parametrize(
    "typed, code",
    [
        ("Swahili", "sw"),
        ("swahili", "sw"),
        ("Kiswahili", "sw"),
        ("sw", "sw"),
        ("swa", "sw"),
        ("English", "en"),
        ("anglais", "en"),
        ("inglés", "en"),
        ("ingles", "en"),
        ("INGLÉS", "en"),
        ("eng", "en"),
        ("français", "fr"),
        ("French", "fr"),
        ("fre", "fr"),
        ("fra", "fr"),
        ("Espagnol", "es"),
        ("Castellano", "es"),
        ("Portuguese", "pt"),
        ("Modern Greek", "el"),
        ("Greek", "el"),
        ("Grec", "el"),
        ("Filipino", "fil"),
        ("Cantonese", "yue"),
        ("Tetum", "tet"),
        ("  Arabic ", "ar"),
        ("árabe", "ar"),
    ],
)
def test_a_typed_name_or_code_is_read_as_its_code(typed, code):
    assert languages.parse(typed) == code


@pytest.mark.parametrize("typed", ["", None, "xx", "Elvish", "en; fr", "<script>", "e", "1234"])
def test_what_is_not_a_language_is_not_read_as_one(typed):
    assert languages.parse(typed) is None


@pytest.mark.parametrize(
    "code, lang, expected",
    [
        ("sw", "en", "Swahili"),
        ("sw", "fr", "Swahili"),
        ("sw", "es", "Suajili"),
        ("en", "fr", "Anglais"),
        ("en", "es", "Inglés"),
        ("ar", "es", "Árabe"),
        ("el", "en", "Greek"),
        ("uz", "fr", "Ouzbek"),
        ("fil", "es", "Filipino"),
        ("zz", "fr", "zz"),
        ("ms", "en", "Malay"),
    ],
)
def test_a_code_is_named_in_the_interface_language(code, lang, expected):
    assert languages.name(code, lang) == expected


def test_the_codes_offered_are_stored_codes_with_a_distinct_name_in_each_language():
    offered = languages.offered()
    assert {"en", "fr", "es", "sw", "pt", "ar", "zh", "fil"} <= set(offered) and len(offered) > 180
    assert all(languages.is_known(code) for code in offered)
    for lang in languages.NAME_LANGUAGES:
        names = [languages.name(code, lang) for code in offered]
        assert len(set(names)) == len(names), lang
        # Every name is a name: no code left over, no "(macrolanguage)" qualifier.
        assert not [n for n in names if "(" in n or n == n.lower()], lang
        # Each name reads back to its code.
        assert [c for c in offered if languages.parse(languages.name(c, lang)) != c] == [], lang


def test_the_list_is_sorted_by_name_in_the_interface_language_and_keeps_what_was_chosen():
    spanish = languages.by_name("es", extra=("tpi",))
    assert spanish.index("de") < spanish.index("ar") < spanish.index("en")  # Alemán, Árabe, ..., Inglés
    assert "tpi" in spanish and len(spanish) == len(languages.offered()) + ("tpi" not in languages.offered())


def test_institution_languages_typed_as_names_are_stored_as_codes():
    assert editing.normalise_institution({"languages": "English, Swahili; anglais"})["languages"] == ["en", "sw"]
    assert editing.normalise_institution({"languages": ["Portugais", "en"]})["languages"] == ["pt", "en"]
    record = editing.normalise_institution({"languages": "English; Elvish; Swahili"})
    [error] = [
        e
        for e in editing.validate_institution(
            {"name": "x", "city": "y", "levels": ["primary"], "themes": ["esd"], "ownership": "public", **record},
            network="FRA",
        )
        if e.field == "languages"
    ]
    assert (error.code, error.params) == ("unknown_language", {"values": "elvish"})

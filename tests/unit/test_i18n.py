"""Every catalog has every key of the English one, with the same {placeholders}; counted texts
have the plural forms of their language and pick the right one."""

import json
import re
from pathlib import Path

import pytest

from aspnet_data.vocab import LANGUAGES, LEVELS, OWNERSHIP, STATUSES, THEMES

LOCALES = Path(__file__).resolve().parents[2] / "ui" / "locales"
FIELD = re.compile(r"{(\w+)}")


def load(lang):
    return json.loads((LOCALES / f"{lang}.json").read_text(encoding="utf-8"))


def forms(value) -> list[str]:
    """The texts of a catalog value: itself, or each of its plural forms."""
    return list(value.values()) if isinstance(value, dict) else [value]


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_catalog_has_every_english_key(lang):
    english, other = load("en"), load(lang)
    assert sorted(set(english) - set(other)) == []
    assert sorted(set(other) - set(english)) == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_placeholders_match_english(lang):
    english, other = load("en"), load(lang)

    def fields(value) -> set[str]:
        # The "one" form may say the number in words ("the one institution"): compare "other".
        return set(FIELD.findall(value["other"] if isinstance(value, dict) else value))

    wrong = {k: v for k, v in other.items() if fields(v) != fields(english[k])}
    assert wrong == {}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_counted_texts_have_exactly_the_plural_forms_and_take_a_count(lang):
    counted = {k: v for k, v in load(lang).items() if isinstance(v, dict)}
    assert counted, "no counted text: plural forms are not used"
    assert {k: sorted(v) for k, v in counted.items() if sorted(v) != ["one", "other"]} == {}
    assert [k for k, v in counted.items() if "{count}" not in v["other"]] == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_empty_text(lang):
    assert [k for k, v in load(lang).items() if any(not text.strip() for text in forms(v))] == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_text_hedges_its_plural(lang):
    """ "1 field(s)" reads badly in every language: counted texts take plural forms."""
    assert [k for k, v in load(lang).items() if any("(s)" in text or "(es)" in text for text in forms(v))] == []


@pytest.mark.parametrize(
    ("lang", "count", "expected"),
    [
        ("en", 0, "0 countries"),
        ("en", 1, "1 country"),
        ("en", 2, "2 countries"),
        ("en", 1234, "1,234 countries"),
        ("fr", 0, "0 pays"),
        ("fr", 1, "1 établissement"),
        ("fr", 2, "2 établissements"),
        ("fr", 1234, "1\u202f234 établissements"),
        ("es", 1, "1 institución"),
        ("es", 2, "2 instituciones"),
        ("es", 1234, "1.234 instituciones"),
    ],
)
def test_a_count_picks_its_plural_form_and_the_number_format_of_the_language(monkeypatch, lang, count, expected):
    from ui import i18n

    monkeypatch.setattr(i18n, "current_language", lambda: lang)
    key = "count.countries" if expected.endswith(("countries", "country", "pays")) else "count.institutions"
    assert i18n.t(key, count=count) == expected


def test_every_vocabulary_code_has_a_label():
    english = load("en")
    keys = (
        [f"level.{c}" for c in LEVELS]
        + [f"theme.{c}" for c in THEMES]
        + [f"status.{c}" for c in STATUSES]
        + [f"ownership.{c}" for c in OWNERSHIP]
    )
    assert [k for k in keys if k not in english] == []


def test_interface_code_uses_only_known_keys():
    """Every literal t("...") key in app_pages/, ui/ and app.py exists in the English catalog."""
    root = LOCALES.parents[1]
    english = load("en")
    used = set()
    for path in [root / "app.py", *root.glob("app_pages/*.py"), *root.glob("ui/*.py")]:
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z0-9_.]+)["']""", path.read_text(encoding="utf-8")))
    assert used, "no t() call found: the pattern is out of date"
    assert sorted(used - set(english)) == []


@pytest.mark.parametrize(("lang", "shown"), [("en", "48.85661"), ("fr", "48,85661"), ("es", "-0,1")])
def test_coordinates_are_shown_with_the_languages_decimal_mark_and_read_back(monkeypatch, lang, shown):
    from aspnet_data.editing import normalise_institution
    from ui import join

    monkeypatch.setattr(join, "current_language", lambda: lang)
    value = -0.1 if lang == "es" else 48.85661
    assert join.coordinate(value) == shown
    assert normalise_institution({"latitude": shown})["latitude"] == pytest.approx(value)

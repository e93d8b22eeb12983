"""Every catalog has every key of the English one, with the same {placeholders}."""

import json
import re
from pathlib import Path

import pytest

from aspnet_data.vocab import LANGUAGES, LEVELS, OWNERSHIP, STATUSES, THEMES

LOCALES = Path(__file__).resolve().parents[2] / "ui" / "locales"
FIELD = re.compile(r"{(\w+)}")


def load(lang):
    return json.loads((LOCALES / f"{lang}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_catalog_has_every_english_key(lang):
    english, other = load("en"), load(lang)
    assert sorted(set(english) - set(other)) == []
    assert sorted(set(other) - set(english)) == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_placeholders_match_english(lang):
    english, other = load("en"), load(lang)
    wrong = {k: v for k, v in other.items() if set(FIELD.findall(v)) != set(FIELD.findall(english[k]))}
    assert wrong == {}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_empty_text(lang):
    assert [k for k, v in load(lang).items() if not v.strip()] == []


def test_every_vocabulary_code_has_a_label():
    english = load("en")
    keys = [f"level.{c}" for c in LEVELS] + [f"theme.{c}" for c in THEMES] + \
           [f"status.{c}" for c in STATUSES] + [f"ownership.{c}" for c in OWNERSHIP]
    assert [k for k in keys if k not in english] == []


def test_interface_code_uses_only_known_keys():
    """Every literal t("...") key in pages/, ui/ and app.py exists in the English catalog."""
    root = LOCALES.parents[1]
    english = load("en")
    used = set()
    for path in [root / "app.py", *root.glob("pages/*.py"), *root.glob("ui/*.py")]:
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z0-9_.]+)["']""", path.read_text(encoding="utf-8")))
    assert used, "no t() call found: the pattern is out of date"
    assert sorted(used - set(english)) == []

"""AppTest of the Open data page (the API, examples, bulk files, licence, the map to embed), in
three languages, and of the directory's link to its selection in the API."""

import html
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from aspnet_data import open_data

from ..conftest import ROOT

PUBLIC = "https://atlas.example.org"
CATALOGS = {
    lang: json.loads((ROOT / "ui" / "locales" / f"{lang}.json").read_text(encoding="utf-8"))
    for lang in ("en", "fr", "es")
}


@pytest.fixture()
def open_data_page(page, monkeypatch):
    monkeypatch.setenv("ASPNET_PUBLIC_URL", PUBLIC + "/")  # the trailing slash is not doubled

    def run(lang: str = "en"):
        return page("app_pages/open_data.py", lang=lang)

    return run


def codes(at) -> list[str]:
    return [c.value for c in at.code]


def text(at) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def embed_src(at) -> tuple[str, dict[str, list[str]]]:
    """The address and parameters of the iframe in the snippet to copy."""
    [snippet] = [c for c in codes(at) if c.startswith("<iframe")]
    src = html.unescape(re.search(r'src="([^"]+)"', snippet)[1])
    parts = urlsplit(src)
    return f"{parts.scheme}://{parts.netloc}{parts.path}", parse_qs(parts.query)


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_the_page_shows_the_api_the_licence_and_the_attribution(open_data_page, lang):
    at = open_data_page(lang)
    catalog = CATALOGS[lang]
    assert at.title[0].value == catalog["open_data.title"]
    shown = text(at)
    assert "CC BY 4.0" in shown and "creativecommons.org/licenses/by/4.0" in shown
    assert "opendefinition.org" in shown
    [attribution] = [c for c in codes(at) if c.startswith(open_data.ATTRIBUTION)]
    assert re.fullmatch(re.escape(open_data.ATTRIBUTION) + r", data as of \d{4}-\d{2}-\d{2}", attribution)
    for endpoint in open_data.ENDPOINTS:
        assert f"`{open_data.BASE}{endpoint.path}`" in shown
        assert catalog[f"open_data.endpoint_{endpoint.name}"] in shown
    assert f"{PUBLIC}/api/v1/openapi.json" in shown
    assert f"{PUBLIC}/api/v1/dumps/manifest.json" in shown
    assert "`status=withdrawn`" in shown and "429" in shown


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_examples_use_full_public_addresses_in_the_readers_language(open_data_page, lang):
    at = open_data_page(lang)
    [curl] = [c for c in codes(at) if c.startswith('curl "')]
    assert f'"{PUBLIC}/api/v1/institutions?country=FRA&theme=esd' in curl
    assert ("lang=fr" in curl) is (lang == "fr")
    examples = "\n".join(codes(at))
    assert "pl.read_parquet(" in examples and "pl.read_csv(" in examples
    assert 'page["next"]' in examples and "Retry-After" in examples
    assert "read.csv(" in examples and "jsonlite::fromJSON(" in examples and "arrow::read_parquet(" in examples
    assert f"{PUBLIC}/api/v1/dumps/institutions.parquet" in examples
    assert "localhost" not in examples


def test_the_embed_snippet_follows_the_countries_theme_view_and_language_chosen(open_data_page):
    at = open_data_page()
    address, params = embed_src(at)
    assert address == f"{PUBLIC}/embed/map" and params == {}
    [snippet] = [c for c in codes(at) if c.startswith("<iframe")]
    for attribute in ('width="100%"', 'height="480"', 'style="border:0"', 'loading="lazy"', "title="):
        assert attribute in snippet

    at.multiselect(key="embed_countries").set_value(["KEN", "FRA"]).run()
    at.pills(key="embed_themes").set_value(["gced"]).run()
    assert not at.exception
    assert embed_src(at) == (f"{PUBLIC}/embed/map", {"country": ["KEN", "FRA"], "theme": ["gced"]})

    at.radio(key="embed_view").set_value("countries").run()
    at.radio(key="embed_lang").set_value("es").run()
    _, params = embed_src(at)
    assert params == {"country": ["KEN", "FRA"], "theme": ["gced"], "view": ["countries"], "lang": ["es"]}
    [snippet] = [c for c in codes(at) if c.startswith("<iframe")]
    assert f'title="{html.escape(CATALOGS["es"]["open_data.embed_frame_title"])}"' in snippet


def test_the_directory_links_its_selection_in_the_api_and_the_open_data_page(page):
    at = page("app_pages/directory.py", lang="fr", theme="esd", country="FRA")
    [line] = [m.value for m in at.markdown if "/api/v1/institutions" in m.value]
    assert "(/api/v1/institutions?country=FRA&theme=esd&lang=fr)" in line
    assert "(open-data?lang=fr)" in line

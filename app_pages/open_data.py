"""Open data: what the public API answers, how to read it, the bulk files, the licence, and
the map to put on another site.

Examples show full addresses from ASPNET_PUBLIC_URL, so that they work once copied; the
endpoints, the formats, the attribution and the fields come from aspnet_data.open_data, the
declarations the API itself answers from.
"""

import html
from urllib.parse import urlencode

import streamlit as st

from aspnet_data import maps, open_data, settings
from aspnet_data.directory import Selection, to_params
from aspnet_data.vocab import LANGUAGES, THEMES
from ui import data
from ui.i18n import LANGUAGE_NAMES, current_language, named, number, t, translate
from ui.safe import md, safe_url

EMBED_PATH = "/embed/map"
OPEN_DEFINITION = "https://opendefinition.org/licenses/cc-by/"
FORMAT_NAMES = {"json": "JSON", "csv": "CSV", "geojson": "GeoJSON", "parquet": "Parquet"}
# An example selection every demo and real network has: the French network's ESD schools.
EXAMPLE = {"country": "FRA", "theme": "esd"}

lang = current_language()
base = settings.public_url()
api = base + open_data.BASE
overview = data.overview()
as_of = overview.as_of.strftime("%Y-%m-%d") if overview.as_of else "—"


def link(path: str, text: str | None = None) -> str:
    """A markdown link to ``path`` on the public site, showing the address itself by default."""
    address = base + path
    target = safe_url(address)
    label = md(text if text is not None else address)
    return f"[{label}]({target})" if target else label


def attribute(value: str) -> str:
    """``value`` for an HTML attribute in double quotes (an apostrophe stays as typed)."""
    return html.escape(value, quote=False).replace('"', "&quot;")


def example_query(**more: str) -> str:
    """The example selection's query string, in the reader's language (English needs none)."""
    params = {**EXAMPLE, **more}
    if lang != "en":
        params["lang"] = lang
    return urlencode(params)


st.title(t("open_data.title"))
st.markdown(t("open_data.intro"))

# -- the API ---------------------------------------------------------------------------

st.subheader(t("open_data.api"))
st.markdown(t("open_data.base", base=link(open_data.BASE)))
# A list rather than a table: three columns of addresses and sentences do not fit a phone.
dumps = f"{open_data.BASE}/dumps/institutions.*"
entries = [
    *((f"{open_data.BASE}{e.path}", e.formats, t(f"open_data.endpoint_{e.name}")) for e in open_data.ENDPOINTS),
    (dumps, open_data.DUMP_FORMATS, t("open_data.endpoint_dumps")),
    (f"{open_data.BASE}/dumps/manifest.json", ("json",), t("open_data.endpoint_manifest")),
    (f"{open_data.BASE}/openapi.json", ("json",), t("open_data.endpoint_openapi")),
]
st.markdown(
    "\n".join(
        f"- `{path}`  \n  {' · '.join(FORMAT_NAMES[fmt] for fmt in formats)} — {what}"
        for path, formats, what in entries
    )
)
st.markdown(t("open_data.parameters"))
st.markdown(t("open_data.openapi", link=link(f"{open_data.BASE}/openapi.json")))
st.caption(t("open_data.errors"))

# -- examples --------------------------------------------------------------------------

st.subheader(t("open_data.examples"))
selection = f"/institutions?{example_query()}"
table = f"/institutions.csv?{example_query(per_page='1000')}"
dump = "/dumps/institutions.parquet"
curl, python, r = st.tabs(["curl", "Python", "R"])
# Shell lines wrap (one long address each); Python and R scroll sideways, keeping their indentation.
with curl:
    st.caption(t("open_data.curl_json"))
    st.code(f'curl "{api}{selection}"', language="bash", wrap_lines=True)
    st.caption(t("open_data.curl_csv"))
    st.code(f'curl -o institutions.csv "{api}{table}"', language="bash", wrap_lines=True)
    st.caption(t("open_data.curl_dump"))
    st.code(f'curl -O "{api}{dump}"\ncurl "{api}/dumps/manifest.json"', language="bash", wrap_lines=True)
with python:
    st.caption(t("open_data.python_tables"))
    st.code(
        f"""import polars as pl

BASE = "{api}"

schools = pl.read_csv(f"{{BASE}}{table}")
network = pl.read_parquet(f"{{BASE}}{dump}")""",
        language="python",
    )
    st.caption(t("open_data.python_pages"))
    st.code(
        f"""import json
import time
from urllib.error import HTTPError
from urllib.parse import urljoin
from urllib.request import urlopen

import polars as pl

BASE = "{api}"


def get(url):
    while True:
        try:
            with urlopen(url) as answer:
                return json.load(answer)
        except HTTPError as error:
            if error.code != 429:
                raise
            time.sleep(int(error.headers.get("Retry-After", "1")))


url = f"{{BASE}}{selection}&per_page=1000"
rows = []
while url:
    page = get(url)
    rows += page["institutions"]
    url = page["next"] and urljoin(url, page["next"])
schools = pl.DataFrame(rows)""",
        language="python",
    )
with r:
    st.caption(t("open_data.r_intro"))
    st.code(
        f"""base <- "{api}"

schools <- read.csv(paste0(base, "{table}"),
                    encoding = "UTF-8")

page <- jsonlite::fromJSON(paste0(base, "{selection}"))
page$total
head(page$institutions)

download.file(paste0(base, "{dump}"), "institutions.parquet", mode = "wb")
network <- arrow::read_parquet("institutions.parquet")""",
        language="r",
    )

# -- bulk files ------------------------------------------------------------------------

st.subheader(t("open_data.bulk"))
files = {fmt: link(f"{open_data.BASE}/dumps/institutions.{fmt}", FORMAT_NAMES[fmt]) for fmt in open_data.DUMP_FORMATS}
st.markdown(t("open_data.bulk_files", files=" · ".join(files.values())))
st.markdown(t("open_data.bulk_manifest", manifest=link(f"{open_data.BASE}/dumps/manifest.json", "manifest.json")))

# -- the map for another site ----------------------------------------------------------

st.subheader(t("open_data.embed"))
st.caption(t("open_data.embed_intro"))
countries = dict(data.network_countries(lang))
with st.container(border=True):
    left, right = st.columns(2)
    chosen = left.multiselect(
        t("open_data.embed_countries"),
        list(countries),
        format_func=named(countries),
        placeholder=t("open_data.embed_every_network"),
        key="embed_countries",
    )
    view = right.radio(
        t("open_data.embed_view"),
        maps.MAP_MODES,
        horizontal=True,
        format_func=lambda mode: t(f"map.layer_{mode}"),
        key="embed_view",
    )
    embed_lang = right.radio(
        t("open_data.embed_language"),
        LANGUAGES,
        index=LANGUAGES.index(lang),
        horizontal=True,
        format_func=LANGUAGE_NAMES.get,
        key="embed_lang",
    )
    # Full width: the themes' names are long, and pills in half a page scroll out of sight.
    themes = st.pills(
        t("facet.theme"),
        THEMES,
        selection_mode="multi",
        format_func=lambda code: t(f"theme.{code}"),
        key="embed_themes",
    )
shown = Selection().with_values("country", chosen).with_values("theme", themes)
params = {**to_params(shown), **maps.view_params(maps.View(view))}
if embed_lang != "en":
    params["lang"] = [embed_lang]
query = urlencode(params, doseq=True)
src = f"{EMBED_PATH}?{query}" if query else EMBED_PATH
title = translate(embed_lang, "open_data.embed_frame_title")
st.caption(t("open_data.embed_code"))
st.code(
    f'<iframe src="{attribute(base + src)}"\n'
    f'        title="{attribute(title)}"\n'
    '        width="100%" height="480" style="border:0" loading="lazy"></iframe>',
    language="html",
    wrap_lines=True,
)
st.caption(t("open_data.embed_preview"))
st.iframe(src, height=480, alt=title)

# -- licence, public fields, fair use --------------------------------------------------

st.subheader(t("open_data.licence"))
st.markdown(t("open_data.licence_why", licence=open_data.LICENCE["url"], definition=OPEN_DEFINITION))
st.markdown(t("open_data.attribution"))
st.code(f"{open_data.ATTRIBUTION}, data as of {as_of}", language=None, wrap_lines=True)

st.subheader(t("open_data.public"))
fields = ", ".join(f"`{name}`" for name, _ in open_data.INSTITUTION_FIELDS)
st.markdown(t("open_data.public_fields", fields=fields))
st.markdown(t("open_data.withdrawn"))

st.subheader(t("open_data.fair_use"))
rate = settings.number("ASPNET_API_RATE")
if rate > 0:
    st.markdown(t("open_data.rate", rate=number(rate)))
st.markdown(t("open_data.too_many"))
st.markdown(t("open_data.caching"))

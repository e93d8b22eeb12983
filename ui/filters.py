"""The selection panel shared by the directory and the map, bound to the URL.

The URL is the source of truth: a pasted link, a reload or the browser's back button
set the widgets from it; a change to a widget writes the URL (only when it differs, since
every write adds a history entry). Facet labels carry live counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import streamlit as st

from aspnet_data import directory
from aspnet_data.directory import FACETS, Notice, Selection

from . import data
from .i18n import current_language, link_params, number, t
from .safe import md

_KEYS = {f.key: f"sel_{f.key}" for f in FACETS}
_Q, _YEARS, _SORT, _PAGE, _SYNCED = "sel_q", "sel_years", "sel_sort", "sel_page", "sel_synced"
_PAGE_KEYS = "sel_page_keys"


def url_selection(page_keys: tuple[str, ...] = ()) -> tuple[Selection, int, list[Notice]]:
    """The selection, page and notices in the current URL (``page_keys``: the page's own
    parameters, kept apart from the selection)."""
    params = {key: st.query_params.get_all(key) for key in st.query_params}
    return directory.parse_params(params, countries=data.network_codes(), page_keys=page_keys)


def _load_widgets(sel: Selection, page: int, bounds: tuple[int, int]) -> None:
    st.session_state[_Q] = sel.q
    for facet in FACETS:
        st.session_state[_KEYS[facet.key]] = list(sel.values(facet.key))
    low, high = bounds
    st.session_state[_YEARS] = (max(low, sel.year_from or low), min(high, sel.year_to or high))
    st.session_state[_SORT] = ("-" if sel.descending else "") + sel.sort
    st.session_state[_PAGE] = page


def _widget_selection(
    bounds: tuple[int, int], *, search: bool = True, shown: tuple[str, ...] | None = None
) -> Selection:
    sel = Selection(q=(st.session_state.get(_Q, "") or "") if search else "")
    for facet in FACETS:
        if shown is None or facet.key in shown:
            sel = sel.with_values(facet.key, st.session_state.get(_KEYS[facet.key]) or [])
    low, high = st.session_state.get(_YEARS, bounds)
    sort = st.session_state.get(_SORT, "name")
    return replace(
        sel,
        year_from=low if low > bounds[0] else None,
        year_to=high if high < bounds[1] else None,
        sort=sort.lstrip("-"),
        descending=sort.startswith("-"),
    )


def clear_all() -> None:
    """Callback: drop every filter and the search."""
    st.session_state[_Q] = ""
    for key in _KEYS.values():
        st.session_state[key] = []
    st.session_state.pop(_YEARS, None)
    st.session_state[_PAGE] = 1


def drop(part: str) -> None:
    """Callback: drop one part of the selection ("q", "year" or a facet key)."""
    if part == "q":
        st.session_state[_Q] = ""
    elif part == "year":
        st.session_state.pop(_YEARS, None)
    else:
        st.session_state[_KEYS[part]] = []
    st.session_state[_PAGE] = 1


def selection_panel(
    *,
    with_sort: bool = False,
    search: bool = True,
    facets: tuple[str, ...] | None = None,
    page_keys: tuple[str, ...] = (),
) -> tuple[Selection, directory.FacetCounts]:
    """Draw the search (and sort) where the panel is called, the facets in the side panel;
    return the selection and its counts.

    The search sits in the page itself, above what it finds, so that it is there on a phone
    without opening the side panel. ``facets`` limits the facets shown (the dashboard has no
    theme filter, themes being what it analyses); ``search=False`` leaves the search out.
    ``page_keys`` are URL parameters the page owns (the dashboard's ?tab=, the map's view):
    kept in the URL as they are when the selection is written there.
    """
    shown = facets or tuple(f.key for f in FACETS)
    lang = current_language()
    bounds = data.year_bounds()
    st.session_state[_PAGE_KEYS] = page_keys
    url_sel, url_page, notices = url_selection(page_keys)
    if st.session_state.get(_SYNCED) != (url_sel, url_page):
        _load_widgets(url_sel, url_page, bounds)
    for notice in notices:
        st.toast(
            t(f"notice.{notice.reason}", key=md(notice.key[:30]), value=md(notice.value[:40])), icon=":material/info:"
        )

    sel = _widget_selection(bounds, search=search, shown=shown)
    counts = data.facet_counts(sel)
    side = st.sidebar
    # Facet labels wrap inside their pills instead of being cut ("Education for Sustainable Develop…").
    side.html(
        "<style>[data-testid='stSidebar'] [data-testid='stButtonGroup'] button {max-width: 100%; height: auto}"
        "[data-testid='stSidebar'] [data-testid='stButtonGroup'] button p {white-space: normal; "
        "overflow: visible; text-overflow: clip; text-align: left}</style>"
    )
    query_col = sort_col = st.container()
    if search and with_sort:
        query_col, sort_col = st.columns([3, 1], vertical_alignment="bottom")
    if search:
        query_col.text_input(
            t("filters.search"),
            key=_Q,
            placeholder=t("filters.search_placeholder"),
            max_chars=500,
            help=t("filters.search_help"),
        )
    names = {
        "region": data.region_names(lang),
        "country": dict(data.network_countries(lang)),
    }

    def label(key: str) -> Callable[[str], str]:
        def fmt(code: str) -> str:
            text = names[key].get(code, code) if key in names else t(f"{key}.{code}")
            return f"{text} ({number(counts.of(key, code))})"

        return fmt

    for facet in FACETS:
        if facet.key not in shown:
            continue
        options = list(names["country"]) if facet.key == "country" else list(facet.vocabulary or ())
        if facet.key == "country":
            side.multiselect(
                t("facet.country"),
                options,
                key=_KEYS["country"],
                format_func=label("country"),
                placeholder=t("filters.any_country"),
            )
        else:
            side.pills(
                t(f"facet.{facet.key}"),
                options,
                selection_mode="multi",
                key=_KEYS[facet.key],
                format_func=label(facet.key),
            )
            if facet.key == "status" and not sel.values("status"):
                side.caption(t("filters.status_default"))
    st.session_state.setdefault(_YEARS, bounds)
    side.slider(t("facet.year"), bounds[0], bounds[1], key=_YEARS)
    if sel.narrowed:
        side.button(t("filters.clear_all"), on_click=clear_all, icon=":material/filter_alt_off:")
    if with_sort:
        sort_options = list(directory.SORTS) + ["-" + key for key in directory.SORTS]
        sort_col.selectbox(
            t("filters.sort"),
            sort_options,
            key=_SORT,
            format_func=lambda key: t(f"sort.{key.lstrip('-')}") + (" ↓" if key.startswith("-") else " ↑"),
        )

    sel = _widget_selection(bounds, search=search, shown=shown)
    page = st.session_state.get(_PAGE, 1)
    if sel != url_sel:
        page = st.session_state[_PAGE] = 1
    write_url(sel, page)
    return sel, counts


def current_page() -> int:
    return int(st.session_state.get(_PAGE, 1))


def set_page(page: int, sel: Selection) -> None:
    """Move to ``page`` (before the pagination widget is drawn in this run)."""
    st.session_state[_PAGE] = page
    write_url(sel, page)


def write_url(sel: Selection, page: int) -> None:
    """Put the selection in the URL if it is not there already (keeps the language and the
    page's own parameters)."""
    st.session_state[_SYNCED] = (sel, page)
    wanted = directory.to_params(sel, page=page)
    for key in ("lang", *st.session_state.get(_PAGE_KEYS, ())):
        if key in st.query_params:
            wanted[key] = st.query_params.get_all(key)
    current = {key: st.query_params.get_all(key) for key in st.query_params}
    if current != wanted:
        st.query_params.from_dict(wanted)


def selection_link(sel: Selection) -> dict[str, str | list[str]]:
    """The query parameters of a link that opens ``sel`` on another page (the map, the
    directory), in the interface language; the directory's sort order stays behind."""
    return link_params({key: values for key, values in directory.to_params(sel).items() if key != "sort"})


def summary(sel: Selection, counts: directory.FacetCounts) -> str:
    """The selection in words: "312 institutions · search “ecole” · Theme: ESD"."""
    lang = current_language()
    parts = [t("filters.count", count=counts.total)]
    if sel.q.strip():
        parts.append(t("filters.searching", q=md(sel.q.strip()[:60])))
    names = {"region": data.region_names(lang), "country": dict(data.network_countries(lang))}
    for key, values in sel.filters:
        shown = [names[key].get(v, v) if key in names else t(f"{key}.{v}") for v in values]
        parts.append(t("filters.part", facet=t(f"facet.{key}"), values=", ".join(shown)))
    if sel.year_from or sel.year_to:
        parts.append(t("filters.years", start=sel.year_from or "…", end=sel.year_to or "…"))
    return " · ".join(parts)

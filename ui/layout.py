"""Page furniture shared by every page: figures in cards, tabs kept in the URL, the as-of
line, printing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import streamlit as st

from .i18n import t

if TYPE_CHECKING:
    from streamlit.elements.lib.mutable_tab_container import TabContainer

# A card's figure: its label, the value as shown, and optionally what it counts (a help tip).
Figure = tuple[str, str] | tuple[str, str, str | None]


def figure_cards(row: Sequence[Figure]) -> None:
    """Figures side by side in bordered cards, a column each (on a phone, one under the other)."""
    for column, figure in zip(st.columns(len(row)), row):
        label, value, *more = figure
        column.metric(label, value, border=True, help=more[0] if more else None)


def url_tabs(labels: Mapping[str, str], *, key: str, param: str = "tab") -> dict[str, TabContainer]:
    """Tabs (code -> label) whose open one is kept in the URL (``?tab=code``), so that a copied
    link, the back button or a reload opens it; the first tab needs no parameter. Only the
    open tab's content needs drawing: each switch reruns the page."""
    codes = list(labels)
    requested = st.query_params.get(param)
    synced = f"{key}_synced"
    if st.session_state.get(synced) != requested or st.session_state.get(key) not in labels.values():
        # a link, the back button, a new language
        st.session_state[key] = labels.get(requested or "", labels[codes[0]])
    tabs = dict(zip(codes, st.tabs(list(labels.values()), key=key, on_change="rerun")))
    opened = next((code for code, tab in tabs.items() if tab.open), codes[0])
    wanted = opened if opened != codes[0] or requested == codes[0] else None
    if requested != wanted:
        if wanted is None:
            del st.query_params[param]
        else:
            st.query_params[param] = wanted
    st.session_state[synced] = wanted
    return tabs


def as_of_caption(as_of: datetime | None, version: int) -> None:
    """A caption that dates every figure on the page (UTC, with the data version)."""
    when = as_of.strftime("%Y-%m-%d %H:%M") if as_of else "—"
    st.caption(t("common.as_of", when=when, version=version))


_PRINT_CSS = """
<style>
@media print {
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"],
  [data-testid="stDecoration"], [data-testid="stSelectbox"], [data-testid="stDownloadButton"],
  [data-testid="stElementToolbar"], [data-testid="stStatusWidget"] { display: none !important; }
  [data-testid="stAppViewContainer"], [data-testid="stMain"], [data-testid="stMainBlockContainer"] {
    overflow: visible !important; height: auto !important; position: static !important;
  }
  [data-testid="stMainBlockContainer"] { padding: 0 1rem !important; max-width: 100% !important; }
  [data-testid="stMetric"], [data-testid="stVegaLiteChart"],
  [data-testid="stElementContainer"]:has([data-testid="stVegaLiteChart"]) { break-inside: avoid; }
  h2, h3, [data-testid="stHeading"] { break-after: avoid; }
  h1 { margin-top: 0 !important; padding-top: 0 !important; }
}
</style>
"""


def print_friendly() -> None:
    """Hide the app's furniture (side panel, toolbar, pickers) when the page is printed."""
    st.html(_PRINT_CSS)

"""Page furniture shared by every page: header, as-of line, notices."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from .i18n import t


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

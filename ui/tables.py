"""Tables whose rows open a page: a click on any cell of a row opens it, in the same tab.

Example::

    linked_table(rows, key="directory_table", page="pages/institution.py",
                 params=lambda row: {"id": row["id"]}, columns=["name", "city"],
                 column_config={"name": "Name", "city": "Town"})
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import polars as pl
import streamlit as st

from .i18n import lang_params, t


def linked_table(frame: pl.DataFrame, *, key: str, page: str, params: Callable[[dict], dict[str, Any]],
                 columns: Sequence[str], column_config: dict | None = None, hint: bool = True) -> None:
    """``frame`` as a table sized to its rows, showing ``columns``; a click on a row opens
    ``page`` with ``params(row)`` (and the interface language) in the URL.

    The rows keep every column of ``frame`` (an id the table does not show, say) for ``params``.
    """
    # Sized to its rows up to a page of the directory; a longer list scrolls inside a fixed height.
    height = "content" if frame.height <= 25 else 36 + 35 * 15
    event = st.dataframe(frame, hide_index=True, width="stretch", height=height, key=key,
                         column_order=list(columns), column_config=column_config,
                         on_select="rerun", selection_mode="single-cell")
    if hint:
        st.caption(t("table.open_row"))
    cells = event.selection.cells if event else []
    if cells:
        row = frame.row(cells[0][0], named=True)
        st.switch_page(page, query_params={k: str(v) for k, v in params(row).items()} | lang_params())

"""Tables as people read them: numbers in the interface language, sized to their rows, and
(``linked_table``) rows that open a page on a click, in the same tab.

Example::

    linked_table(rows, key="directory_table", page="app_pages/institution.py",
                 params=lambda row: {"id": row["id"]}, columns=["name", "city"],
                 column_config={"name": "Name", "city": "Town"})
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

import polars as pl
import streamlit as st

from .i18n import link_params, number, t

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler


def _plain(name: str) -> bool:
    """Whole numbers that are names rather than quantities: years and ids are not grouped (1953, not 1 953)."""
    return name == "id" or name.endswith("_id") or "year" in name


def localized(frame: pl.DataFrame) -> Styler:
    """``frame`` with its numbers shown in the interface language's format ("1 015" in French,
    "1.015" in Spanish) while the table still sorts them as numbers (a pandas Styler: Streamlit
    shows its text and sorts on the values underneath)."""
    numeric = [c for c, dtype in frame.schema.items() if dtype.is_numeric() and not _plain(c)]
    pandas = frame.to_pandas()

    def shown(digits: int) -> Callable[[float], str]:
        return lambda v: "" if v != v else number(v, digits)  # v != v: NaN, a missing value

    formats = {c: shown(0 if frame.schema[c].is_integer() else 1) for c in numeric}
    return pandas.style.format(formats, na_rep="")


def table(
    frame: pl.DataFrame,
    *,
    key: str | None = None,
    column_config: dict | None = None,
    columns: Sequence[str] | None = None,
) -> None:
    """``frame`` as a table sized to its rows (a long one scrolls inside), numbers localized."""
    st.dataframe(
        localized(frame),
        hide_index=True,
        width="stretch",
        height=_height(frame),
        key=key,
        column_order=list(columns) if columns else None,
        column_config=column_config,
    )


def height_for(frame: pl.DataFrame, rows: int = 15) -> int | Literal["content"]:
    """A table's height: sized to its rows up to ``rows``, a longer one scrolls inside that height."""
    return "content" if frame.height <= rows else 36 + 35 * rows


def _height(frame: pl.DataFrame) -> int | Literal["content"]:
    # Sized to its rows up to a page of the directory; a longer list scrolls inside a fixed height.
    return "content" if frame.height <= 25 else 36 + 35 * 15


def linked_table(
    frame: pl.DataFrame,
    *,
    key: str,
    page: str,
    params: Callable[[dict], dict[str, Any]],
    columns: Sequence[str],
    column_config: dict | None = None,
    hint: bool = True,
) -> None:
    """``frame`` as a table sized to its rows, showing ``columns``; a click on a row opens
    ``page`` with ``params(row)`` (and the interface language) in the URL.

    The rows keep every column of ``frame`` (an id the table does not show, say) for ``params``.
    """
    event = st.dataframe(
        localized(frame),
        hide_index=True,
        width="stretch",
        height=_height(frame),
        key=key,
        column_order=list(columns),
        column_config=column_config,
        on_select="rerun",
        selection_mode="single-cell",
    )
    if hint:
        st.caption(t("table.open_row"))
    cells = event.selection.cells if event else []
    if cells:
        row = frame.row(cells[0][0], named=True)
        st.switch_page(page, query_params=link_params(params(row)))

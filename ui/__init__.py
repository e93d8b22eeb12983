"""Streamlit glue shared by the pages."""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def require_router() -> None:
    """Make sure this page runs inside app.py's st.navigation. Call first in every page.

    A `pages/` folder beside app.py makes Streamlit start in its legacy multipage mode
    until a run of app.py calls st.navigation. A visitor whose first request is a deep link
    (/map, /network?code=FRA) would get the legacy menu, without the language picker or
    the shared sidebar: switch to st.navigation and run again through app.py.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()

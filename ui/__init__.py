"""Streamlit glue shared by the pages."""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

# A `pages/` folder beside app.py makes Streamlit start in its legacy multipage mode until
# some session has run app.py (which calls st.navigation). A visitor whose first request is
# a deep link (/map, /network?code=FRA) would get the legacy menu and no language picker;
# switch the process to st.navigation and run again through app.py.
if PagesManager.uses_pages_directory:
    PagesManager.uses_pages_directory = False
    st.rerun()

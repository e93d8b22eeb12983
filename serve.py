"""ASPnet Atlas with its HTTP routes: ``streamlit run serve.py`` (what ``make run`` does).

Streamlit runs app.py for every visitor; the routes (map tiles) answer plain HTTP requests
from the same process, with the same database.
"""

import streamlit as st

from routes import ROUTES

app = st.App("app.py", routes=ROUTES)

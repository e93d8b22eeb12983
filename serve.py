"""ASPnet Atlas with its HTTP routes: ``streamlit run serve.py`` (what ``make run`` does).

Streamlit runs app.py for every visitor; the routes (map tiles, the open-data API, the map for
other sites, health checks) answer plain HTTP requests from the same process, with the same
database. Only /embed/ may be framed by other sites (routes/embed.py).
"""

import streamlit as st
from starlette.middleware import Middleware

from routes import ROUTES
from routes.embed import FramingPolicy
from routes.nodelay import send_without_delay
from routes.server_base import ServerBase

# uvicorn imports this module before it accepts a connection: each one then sends at once.
send_without_delay()

app = st.App("app.py", routes=ROUTES, middleware=[Middleware(ServerBase), Middleware(FramingPolicy)])

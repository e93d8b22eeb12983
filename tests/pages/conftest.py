"""AppTest helpers: run one page script against the test network."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit.runtime.pages_manager as pages_manager
from streamlit.testing.v1 import AppTest

from ..conftest import ROOT


class _NoLegacyPagesFolder(type(Path())):
    def exists(self, *args, **kwargs) -> bool:
        return False if self.name == "pages" else super().exists(*args, **kwargs)


@pytest.fixture(autouse=True)
def no_legacy_multipage(monkeypatch):
    """AppTest forgets before every run that app.py uses st.navigation, so each run would
    start in legacy multipage mode and be rerun by ui.require_router(), which drops the
    click being tested (a form submit, for one). A running server flips once and stays."""
    monkeypatch.setattr(pages_manager, "Path", _NoLegacyPagesFolder)


@pytest.fixture()
def page(demo_path, monkeypatch):
    """``page("pages/home.py", lang="fr", **query)`` -> the app run on that page (through app.py,
    so links between pages resolve as in the browser)."""
    monkeypatch.setenv("ASPNET_DB", str(demo_path))

    def run(script: str, *, lang: str = "en", session: dict | None = None, **query) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
        at.session_state["lang"] = lang
        for key, value in (session or {}).items():
            at.session_state[key] = value
        for key, value in query.items():
            at.query_params[key] = value
        at.run()   # st.navigation registers the pages (custom url_paths) on the first run
        at.switch_page(script)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return run


@pytest.fixture()
def router(demo_path, monkeypatch):
    """``router(lang="fr")`` -> the whole app (app.py) run once with those query parameters."""
    monkeypatch.setenv("ASPNET_DB", str(demo_path))

    def run(**query) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
        for key, value in query.items():
            at.query_params[key] = value
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return run

"""AppTest helpers: run one page script against the test network."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from ..conftest import ROOT, use_database


@pytest.fixture(scope="session", autouse=True)
def _components_looked_up_once():
    """A server looks for installed Streamlit components (reading every installed package's
    metadata) once, when it starts; AppTest does it at the first run of each AppTest, a tenth
    of a second of CPU each time. Nothing is installed while the tests run: here too, once per
    process."""
    from streamlit.components.v2 import manifest_scanner

    found = manifest_scanner.scan_component_manifests()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(manifest_scanner, "scan_component_manifests", lambda max_workers=None: list(found))
        yield


def run_app(
    db_path,
    script: str | None,
    *,
    username: str | None = None,
    session: dict | None = None,
    query: dict | None = None,
) -> AppTest:
    """The whole app (app.py) on ``script`` (None: the page it opens on), optionally signed in
    as ``username``."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    if username:
        from aspnet_data import accounts
        from aspnet_data.db import open_database

        with open_database(db_path) as db:
            # A database shared by several tests keeps the session the first one opened: opening
            # it again would write, and a write starts every cached reader afresh.
            if accounts.check_session(db, username, 1234.5) is None:
                accounts.open_session(db, username, 1234.5)
        at.session_state["authentication_status"] = True
        at.session_state["username"] = username
        at.session_state["auth_stamp"] = 1234.5
    for key, value in (session or {}).items():
        at.session_state[key] = value
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()  # st.navigation registers the pages (custom url_paths) on the first run
    if script is not None:
        at.switch_page(script)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture()
def page(_demo_file, monkeypatch):
    """``page("app_pages/home.py", lang="fr", **query)`` on the shared test network (read only).

    Read-only pages run on the embedded file only: on PostgreSQL their reads go to the same
    DuckDB SQL (the analytic copy), which the data-layer tests check on both engines; the
    pages that sign in and write (``app_as``) run on both."""
    use_database(monkeypatch, _demo_file)

    def run(script: str, *, lang: str = "en", session: dict | None = None, **query) -> AppTest:
        return run_app(_demo_file, script, session={"lang": lang, **(session or {})}, query=query)

    return run


@pytest.fixture()
def app_as(scratch_copy, monkeypatch):
    """``app_as(script, username=None, session=None, **query)`` on a private, writable copy."""
    use_database(monkeypatch, scratch_copy)
    monkeypatch.setenv("ASPNET_COOKIE_SECRET", "test-secret-for-apptest-0123456789abcdef")

    def run(
        script: str = "app_pages/home.py", username: str | None = None, session: dict | None = None, **query
    ) -> AppTest:
        return run_app(scratch_copy, script, username=username, session=session, query=query)

    return run


@pytest.fixture()
def router(_demo_file, monkeypatch):
    """``router(lang="fr")`` -> the whole app (app.py) run once with those query parameters (embedded file)."""
    use_database(monkeypatch, _demo_file)

    def run(**query) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
        for key, value in query.items():
            at.query_params[key] = value
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return run


# -- the application-status form ------------------------------------------------------------


def box(at, label: str):
    """The first text box of the page (not the side panel) with this label."""
    return next(t for t in at.main.text_input if t.label == label)


def look_up(at, code: str, email: str) -> None:
    """Fill in and submit the status form. Its boxes take their default from the last lookup,
    so a box can change identity between runs: submit until the page has read both values."""
    for _ in range(3):
        box(at, "Reference code").input(code)
        box(at, "Contact email").input(email)
        next(b for b in at.button if b.label == "Show").click().run()
        assert not at.exception, (code, email)
        if (at.session_state["status_code"], at.session_state["status_email"]) == (code.strip(), email.strip()):
            return
    raise AssertionError(f"the status form did not take {code!r} / {email!r}")


@pytest.fixture(scope="session")
def db(_demo_file):
    """The test network (embedded file) for the expectations of read-only pages."""
    from aspnet_data.db import open_database

    database = open_database(_demo_file)
    yield database
    database.close()

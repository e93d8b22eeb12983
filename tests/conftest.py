"""A small fixed demo network shared by the whole suite (built once per session)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg
import pytest

from aspnet_data import accounts, demo, pg, transfer
from aspnet_data.db import close_shared, open_database
from ops import postgres

TEST_INSTITUTIONS = 3_000
TEST_SEED = 42
ROOT = Path(__file__).resolve().parent.parent


# The app's own daily reminders would add mail to the outbox of every database a test opens;
# the tests of reminders call them themselves (and one checks the daily run).
os.environ["ASPNET_REMINDERS"] = "off"
# Likewise the e-mail of mentions and direct messages (tests/unit/test_notifications.py runs it).
os.environ["ASPNET_NOTIFICATIONS"] = "off"

# The cost of the hashes the app makes (what tests/unit/test_accounts.py pins).
APP_BCRYPT_ROUNDS = accounts.BCRYPT_ROUNDS

BACKENDS = [b for b in os.environ.get("ASPNET_TEST_BACKENDS", "duckdb,postgres").split(",") if b]


def _backend(item) -> str | None:
    return getattr(getattr(item, "callspec", None), "params", {}).get("backend")


def pytest_collection_modifyitems(config, items):
    """A test marked duckdb_only (a DuckDB migration, the file-based commands) runs on DuckDB
    only; one marked postgres_only (several processes on one database) on PostgreSQL only.

    Page tests (AppTest) run on the embedded file; on PostgreSQL only those marked
    both_engines (a write seen by the next run, one journey per page that writes): the pages
    call the same data-layer functions, whose own tests run on both engines. A test marked
    analytic_copy reads only through ``db.analytics``, the same DuckDB SQL on both engines (the
    copy keeping up with PostgreSQL is tests/unit/test_postgres.py's): embedded only."""
    pages = ROOT / "tests" / "pages"
    dropped = [
        item
        for item in items
        if _backend(item) == "postgres"
        and (
            (item.path.is_relative_to(pages) and not item.get_closest_marker("both_engines"))
            or item.get_closest_marker("analytic_copy")
        )
    ]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        kept = set(map(id, dropped))
        items[:] = [item for item in items if id(item) not in kept]
    for item in items:
        backend = _backend(item)
        if item.get_closest_marker("duckdb_only") and backend == "postgres":
            item.add_marker(pytest.mark.skip(reason="about the DuckDB file only"))
        if item.get_closest_marker("postgres_only") and backend == "duckdb":
            item.add_marker(pytest.mark.skip(reason="several processes share only a PostgreSQL database"))


class _Postgres:
    """The suite's throwaway PostgreSQL: ASPNET_TEST_POSTGRES (a server URL) if given, else a
    cluster that ops.postgres starts in a temporary folder and removes at the end."""

    def __init__(self, folder: Path) -> None:
        given = os.environ.get("ASPNET_TEST_POSTGRES")
        self.folder = None if given else folder
        self.server = given.rstrip("/") if given else postgres.start(folder).rsplit("/", 1)[0]
        self._count = 0
        self.template: str | None = None

    def url(self, name: str) -> str:
        return f"{self.server}/{name}"

    def admin(self, sql: str) -> None:
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(sql)

    def new_database(self, template: str | None = None) -> str:
        self._count += 1
        name = f"t{os.getpid()}_{self._count}"
        self.admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return self.url(name)

    def close(self) -> None:
        if self.folder is not None:
            postgres.stop(self.folder, mode="immediate")
            # Hundreds of test databases: removed in the background, not waited for.
            subprocess.Popen(["rm", "-rf", str(self.folder)], start_new_session=True)


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashes():
    """Passwords the tests set (accounts created, invitations accepted, passwords changed) are
    hashed at bcrypt's lowest cost: each costs a millisecond instead of a quarter of a second.
    The demo's accounts keep their hashes, and so does the one an unknown user's login is
    checked against, so refusals cost what they cost in the app (test_accounts.py compares
    them). The browser tests' servers are processes of their own, at the app's cost."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "BCRYPT_ROUNDS", 4)
        yield


@pytest.fixture(scope="session")
def _postgres(tmp_path_factory):
    server = _Postgres(Path(tempfile.mkdtemp(prefix="aspnet-test-pg-")))
    yield server
    server.close()


@pytest.fixture(scope="session")
def _demo_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "aspnet.duckdb"
    with open_database(path, create=True) as db:
        demo.build(db, institutions=TEST_INSTITUTIONS, seed=TEST_SEED)
    return path


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    """The engine under test: every test that uses the test network runs on both."""
    return request.param


@pytest.fixture(scope="session")
def _pg_template(backend, request, _demo_file) -> str | None:
    """A PostgreSQL database holding the test network, never opened: new ones are cloned from it."""
    if backend != "postgres":
        return None
    server = request.getfixturevalue("_postgres")
    if server.template is None:
        url = server.new_database()
        with open_database(_demo_file) as source, open_database(url) as target:
            transfer.copy_database(source, target)
        server.template = url.rsplit("/", 1)[1]
    return server.template


def copy_of(demo_path, folder: Path):
    """A new writable copy of the test network: a file in ``folder``, or a PostgreSQL database."""
    if pg.is_url(demo_path):
        template = str(demo_path).rsplit("/", 1)[1]
        return _SERVERS[0].new_database(_TEMPLATE_OF.get(template, template))
    target = folder / "copy.duckdb"
    shutil.copy(demo_path, target)
    return target


_SERVERS: list[_Postgres] = []
_TEMPLATE_OF: dict[str, str] = {}


@pytest.fixture(scope="session")
def demo_path(backend, _demo_file, _pg_template, request):
    """Where the test network is (do not write to it): a DuckDB file, or a PostgreSQL URL."""
    if backend == "duckdb":
        return _demo_file
    server = request.getfixturevalue("_postgres")
    if server not in _SERVERS:
        _SERVERS.append(server)
    url = server.new_database(_pg_template)
    _TEMPLATE_OF[url.rsplit("/", 1)[1]] = _pg_template
    return url


def use_database(monkeypatch, target) -> None:
    """Point the app's settings at ``target`` (a file or a PostgreSQL URL)."""
    if pg.is_url(target):
        monkeypatch.setenv("ASPNET_DATABASE_URL", str(target))
        monkeypatch.delenv("ASPNET_DB", raising=False)
    else:
        monkeypatch.delenv("ASPNET_DATABASE_URL", raising=False)
        monkeypatch.setenv("ASPNET_DB", str(target))


@pytest.fixture(autouse=True)
def _close_shared():
    """Databases the app opened during a test are closed after it (PostgreSQL counts connections)."""
    yield
    close_shared()


@pytest.fixture(scope="session")
def db(demo_path):
    """The test network, open for reading."""
    database = open_database(demo_path)
    yield database
    database.close()


@pytest.fixture(scope="module")
def module_db(demo_path, tmp_path_factory):
    """A writable copy of the test network, open, shared by the tests of one module."""
    target = copy_of(demo_path, tmp_path_factory.mktemp("module"))
    with open_database(target) as database:
        yield database


@pytest.fixture()
def scratch_copy(demo_path, tmp_path):
    """A private copy of the test network that a test may change (a path or a URL)."""
    return copy_of(demo_path, tmp_path)


def forget_school_changes(db, network: str) -> None:
    """Remove the demo's records of changes by the network's focal points (a network where
    nothing happened)."""
    db.write(
        lambda cur: cur.execute(
            "DELETE FROM audit_log WHERE action = 'institution.school_update' AND after ->> 'network' = ?", [network]
        )
    )


def two_coordinators(db) -> tuple[tuple[str, str], tuple[str, str]]:
    """(user name, network) of two coordinators whose networks are in different regions."""
    own, a, region = db.rows(
        "SELECT u.username, u.network, c.region FROM users u JOIN countries c ON c.iso3 = u.network "
        "WHERE u.role = 'coordinator' ORDER BY u.username LIMIT 1"
    )[0]
    other, b = db.rows(
        "SELECT u.username, u.network FROM users u JOIN countries c ON c.iso3 = u.network "
        "WHERE u.role = 'coordinator' AND c.region <> ? ORDER BY u.username LIMIT 1",
        [region],
    )[0]
    return (own, a), (other, b)

"""A small fixed demo network shared by the whole suite (built once per session)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from aspnet_data import demo
from aspnet_data.db import open_database

TEST_INSTITUTIONS = 3_000
TEST_SEED = 42
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def demo_path(tmp_path_factory) -> Path:
    """Path of the test network's database file (do not write to it)."""
    path = tmp_path_factory.mktemp("demo") / "aspnet.duckdb"
    with open_database(path, create=True) as db:
        demo.build(db, institutions=TEST_INSTITUTIONS, seed=TEST_SEED)
    return path


@pytest.fixture(scope="session")
def db(demo_path):
    """The test network, open for reading."""
    database = open_database(demo_path)
    yield database
    database.close()


@pytest.fixture(scope="module")
def module_db(demo_path, tmp_path_factory):
    """A writable copy of the test network, open, shared by the tests of one module."""
    target = tmp_path_factory.mktemp("module") / "copy.duckdb"
    shutil.copy(demo_path, target)
    with open_database(target) as database:
        yield database


@pytest.fixture()
def scratch_copy(demo_path, tmp_path) -> Path:
    """A private copy of the test network that a test may change."""
    target = tmp_path / "copy.duckdb"
    shutil.copy(demo_path, target)
    return target


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

"""Shared pytest fixtures: the `database` fixture, the session header, and the
Hypothesis profile (loaded here so that every test module runs under it).

See tests/dbs.py for the environment variables that enable the server databases.
"""

from __future__ import annotations

import sqlite3

import hypothesis_profiles  # noqa: F401  (registers and loads the profile)
import pytest

from dbs import DATABASE_NAMES, URL_VARIABLES, describe_server, open_database


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Name the exact database versions once, so a CI log says what was tested."""
    lines = [f"SQLite {sqlite3.sqlite_version} (a file per test)"]
    lines += [describe_server(name) for name in URL_VARIABLES]
    return lines


@pytest.fixture(params=DATABASE_NAMES)
def database(request: pytest.FixtureRequest, tmp_path):
    """Each database in turn, emptied of tables; its connections are closed afterwards.

    Skips (or fails, with MIGRATION_FIX_REQUIRE_DBS=1) when a server is not configured.
    """
    db = open_database(request.param, tmp_path)
    try:
        db.reset()
        yield db
    finally:
        db.engine.dispose()

"""Real databases for the end-to-end tests: SQLite, PostgreSQL and MySQL/MariaDB.

SQLite always runs (a file in the test's tmp_path).  The servers are opt-in
through environment variables, because a developer laptop may not have them:

    MIGRATION_FIX_TEST_POSTGRES_URL   e.g. postgresql+psycopg2://postgres@127.0.0.1:5432/test
    MIGRATION_FIX_TEST_MYSQL_URL      e.g. mysql+pymysql://root@127.0.0.1:3306/test

A missing URL or an unreachable server skips the test, except when
MIGRATION_FIX_REQUIRE_DBS=1 (set by CI): then it is a failure, so CI can never
go green while silently testing SQLite only.

Everything a test creates is wiped by `Database.reset`; "schemas" are
CREATE SCHEMA on PostgreSQL, databases on MySQL/MariaDB and ATTACHed database
files on SQLite, so a fixture can say `schema = "billing"` on all three.
"""

from __future__ import annotations

import atexit
import functools
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, NoReturn

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.schema import CreateSchema

DATABASE_NAMES = ("sqlite", "postgresql", "mysql")

URL_VARIABLES = {
    "postgresql": "MIGRATION_FIX_TEST_POSTGRES_URL",
    "mysql": "MIGRATION_FIX_TEST_MYSQL_URL",
}
SERVER_LABELS = {"postgresql": "PostgreSQL", "mysql": "MySQL/MariaDB"}
REQUIRE_VARIABLE = "MIGRATION_FIX_REQUIRE_DBS"

# Bounded, so a firewalled host makes the test fail quickly instead of hanging.
CONNECT_TIMEOUT_SECONDS = 10


class DatabaseUnavailable(Exception):
    """A server database cannot be used: its URL is unset or it does not answer."""


def server_url(name: str) -> URL:
    """The URL configured for server database `name`, or DatabaseUnavailable."""
    variable = URL_VARIABLES[name]
    value = os.environ.get(variable, "").strip()
    if not value:
        raise DatabaseUnavailable(f"{variable} is not set")
    return make_url(value)


def safe_url(url: URL) -> str:
    """`url` for messages: the password must never reach a test report or CI log."""
    return url.render_as_string(hide_password=True)


def where(url: URL) -> str:
    """host:port, the short form used in headers."""
    return f"{url.host}:{url.port}" if url.port else str(url.host)


def connect_server(name: str) -> Engine:
    """An engine for server database `name` after proving the server answers."""
    return _connect(server_url(name))


def connect_private(name: str) -> Engine:
    """An engine for a database of this test process's own on server `name`.

    Two test runs at once (nox sessions, a developer and an editor plugin)
    would otherwise drop each other's tables mid-test. Schemas that a fixture
    names are still shared on MySQL/MariaDB, where a schema is a database.
    """
    return _connect(_private_url(name))


@functools.lru_cache(maxsize=None)
def _private_url(name: str) -> URL:
    base = server_url(name)
    private = f"migration_fix_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    engine = _connect(base)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text(f"CREATE DATABASE {private}"))
    finally:
        engine.dispose()
    atexit.register(_drop_database, base, private)
    return base.set(database=private)


def _drop_database(base: URL, private: str) -> None:
    engine = _connect(base)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(sa.text(f"DROP DATABASE IF EXISTS {private} WITH (FORCE)"))
            else:
                connection.execute(sa.text(f"DROP DATABASE IF EXISTS {private}"))
    finally:
        engine.dispose()


def _connect(url: URL) -> Engine:
    engine = sa.create_engine(url, connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS})
    try:
        with engine.connect():
            pass
    except sa.exc.DBAPIError as error:
        engine.dispose()
        detail = " ".join(str(error.orig).split())  # psycopg2 spreads it over lines
        raise DatabaseUnavailable(f"{safe_url(url)} is unreachable: {detail}") from None
    return engine


def server_version(engine: Engine) -> str:
    """"PostgreSQL 15.20" / "MariaDB 10.11.19" / "MySQL 8.0.36" for the header."""
    with engine.connect() as connection:
        dialect = connection.dialect
        version = ".".join(str(part) for part in dialect.server_version_info)
    if dialect.name == "postgresql":
        product = "PostgreSQL"
    else:
        product = "MariaDB" if dialect.is_mariadb else "MySQL"
    return f"{product} {version}"


def describe_server(name: str) -> str:
    """One header line about server `name`; never raises, the header is informative only."""
    try:
        engine = connect_server(name)
    except DatabaseUnavailable as reason:
        return f"{SERVER_LABELS[name]}: {reason}"
    try:
        return f"{server_version(engine)} at {where(engine.url)}"
    finally:
        engine.dispose()


def require_dbs() -> bool:
    """True in CI: unavailable server databases fail instead of skipping."""
    return os.environ.get(REQUIRE_VARIABLE) == "1"


def skip_or_fail(name: str, reason: str) -> NoReturn:
    """Skip the test locally; fail it when REQUIRE_VARIABLE asks for every database."""
    label = SERVER_LABELS[name]
    if require_dbs():
        pytest.fail(f"{reason}, but {REQUIRE_VARIABLE}=1 requires {label}", pytrace=False)
    pytest.skip(f"{reason}: {label} tests skipped")


@dataclass
class Database:
    """One database a test runs against, with the means to wipe it."""

    name: str  # "sqlite" | "postgresql" | "mysql": the names used in expect.toml
    engine: Engine
    sqlite_dir: Path | None = None  # where SQLite keeps attached schema files
    attached: set[str] = field(default_factory=set)

    def reset(self, schemas: Iterable[str] = ()) -> None:
        """Drop every table in the default schema and in `schemas`, creating those if missing.

        Tests call this again before each phase that needs a fresh state.
        """
        schemas = sorted(set(schemas))
        if self.name == "sqlite":
            self._attach(schemas)
        with self.engine.begin() as connection:
            if self.name != "sqlite":
                for schema in schemas:
                    connection.execute(CreateSchema(schema, if_not_exists=True))
            drop_all_tables(connection, [None, *schemas])
            if self.name == "postgresql":
                drop_enum_types(connection, [None, *schemas])

    def _attach(self, schemas: list[str]) -> None:
        """Make every new SQLite connection attach a file per schema.

        ATTACH is per connection, so the `connect` listener does it; the pool
        is disposed so no connection without the new attachments survives.
        """
        missing = set(schemas) - self.attached
        if missing:
            self.attached |= missing
            self.engine.dispose()

    def attach_on_connect(self, dbapi_connection, _connection_record) -> None:
        """SQLAlchemy `connect` listener: ATTACH DATABASE '<dir>/<schema>.db' AS <schema>."""
        for schema in sorted(self.attached):
            path = self.sqlite_dir / f"{schema}.db"
            quoted = '"' + schema.replace('"', '""') + '"'
            dbapi_connection.execute(f"ATTACH DATABASE ? AS {quoted}", (str(path),))


def drop_all_tables(connection: sa.Connection, schemas: list[str | None]) -> None:
    """Reflect the tables of all `schemas` into one MetaData and drop them.

    One MetaData, so foreign keys across schemas are dropped in a valid order.
    """
    metadata = sa.MetaData()
    for schema in schemas:
        metadata.reflect(connection, schema=schema)
    metadata.drop_all(connection)


def drop_enum_types(connection: sa.Connection, schemas: list[str | None]) -> None:
    """PostgreSQL ENUM types outlive their tables; a migration re-creating one would fail."""
    inspector = sa.inspect(connection)
    preparer = connection.dialect.identifier_preparer
    for schema in schemas:
        for enum in inspector.get_enums(schema=schema):
            name = preparer.quote(enum["name"])
            if enum["schema"]:
                name = f"{preparer.quote_schema(enum['schema'])}.{name}"
            connection.exec_driver_sql(f"DROP TYPE {name}")


def open_database(name: str, tmp_path: Path) -> Database:
    """Connect to database `name`; skips or fails the test if it is unavailable."""
    if name == "sqlite":
        return open_sqlite(tmp_path / "sqlite")
    try:
        engine = connect_private(name)
    except DatabaseUnavailable as error:
        reason = str(error)  # skip/fail outside the except block: no chained traceback
    else:
        return Database(name=name, engine=engine)
    skip_or_fail(name, reason)


def open_sqlite(directory: Path) -> Database:
    """A file database (not :memory:, so Alembic's own connections see the same data)."""
    directory.mkdir()
    engine = sa.create_engine(f"sqlite:///{directory / 'main.db'}")
    database = Database(name="sqlite", engine=engine, sqlite_dir=directory)
    sa.event.listen(engine, "connect", database.attach_on_connect)
    return database

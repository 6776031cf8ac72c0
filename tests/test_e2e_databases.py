"""Golden fixture pairs, run through real Alembic on SQLite, PostgreSQL and MySQL/MariaDB.

For every `fixtures/<case>/` with an `expect.toml`, on every database:

  (a) before.py adds the columns and leaves the seeded rows NULL (the bug the
      tool fixes; if before.py already fills them, the fixture proves nothing);
  (b) after.py, run online, leaves every seeded row holding the expected value;
  (c) after.py's `alembic upgrade --sql` output, executed on the database, does too.

expect.toml format
------------------

    # Optional: run only on these databases ("mysql" covers MariaDB).
    dialects = ["sqlite", "postgresql", "mysql"]
    # Optional: where the `--sql` output is run (default: as dialects). Alembic
    # cannot render a SQLite batch ALTER offline without a copy_from Table.
    offline_dialects = ["postgresql", "mysql"]

    # The tables that exist before the migration, each created with
    # `id INTEGER PRIMARY KEY` and 3 rows (ids 1..3).  Names are quoted as
    # needed, so "order" or "Invoices" are fine.
    [[tables]]
    name = "invoices"
    schema = "billing"          # optional: PostgreSQL schema / MySQL database /
                                # SQLite attached file; created for the test
    columns = [                 # optional: extra pre-existing columns
        { name = "status", type = "VARCHAR(20)", seed = "paid" },
    ]                           # type: a sqlalchemy.types name with integer
                                # arguments (VARCHAR(20), NUMERIC(10, 2), Boolean);
                                # seed: value in every row (default NULL)

    # One per column the migration adds: its value in every pre-existing row
    # after the backfill.  Exactly one of value / value_json / value_kind.
    [[expect]]
    table = "invoices"
    schema = "billing"          # optional, as above
    column = "enable_downloads"
    value = false               # bool: compared as 0/1 (MySQL and SQLite return ints)
                                # int: exactly; float: approximately (rel. 1e-6)
                                # string: against the value's text form, exactly
                                # (so a DATE compares as "2024-01-31")
    # value_json = '{"tier": "free"}'   JSON text, compared after json.loads
    # value_kind = "not_null"           any non-NULL value (CURRENT_TIMESTAMP & co.)
    not_null = true             # optional: the column must end up NOT NULL
                                # (reflection); before.py must then fail, or on
                                # MySQL/MariaDB fill a value other than the default

Fixture folders without expect.toml (findings, not backfills) are not run here,
but a pair whose after.py differs from before.py must have one.
"""

from __future__ import annotations

import json
import math
import re
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from alembic_harness import (
    ColumnSpec,
    TableSpec,
    column_names,
    column_values,
    execute_sql_script,
    render_upgrade_sql,
    run_upgrade,
    seed_tables,
)
from dbs import DATABASE_NAMES, Database

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = REPO_ROOT / "fixtures"
ROWS = 3

CASE_DIRS = [path.parent for path in sorted(FIXTURES.glob("*/expect.toml"))]
BACKFILL_PAIRS = [
    path.parent
    for path in sorted(FIXTURES.glob("*/after.py"))
    if (path.parent / "before.py").is_file()
    and path.read_bytes() != (path.parent / "before.py").read_bytes()
]

TYPE_SYNTAX = re.compile(r"^\s*(\w+)\s*(?:\(([\d\s,]*)\))?\s*$")


@dataclass(frozen=True)
class ExpectedValue:
    """What one added column must hold in every pre-existing row after the backfill."""

    table: str
    schema: str | None
    column: str
    kind: str  # "value" | "json" | "not_null"
    value: Any = None
    not_null: bool = False  # the column must end up NOT NULL (checked by reflection)

    @property
    def target(self) -> str:
        """schema.table.column, for messages."""
        return ".".join(part for part in (self.schema, self.table, self.column) if part)

    def matches(self, actual: Any) -> bool:
        """Compare as the format promises, absorbing driver differences (0/1, Decimal, JSON text)."""
        if actual is None:
            return False
        if self.kind == "not_null":
            return True
        if self.kind == "json":
            decoded = json.loads(actual) if isinstance(actual, (str, bytes)) else actual
            return decoded == json.loads(self.value)
        expected = self.value
        if isinstance(expected, bool):
            return isinstance(actual, int) and int(actual) == int(expected)
        if isinstance(expected, (int, float)) and isinstance(actual, bool):
            return False
        if isinstance(expected, int):
            return isinstance(actual, (int, float, Decimal)) and actual == expected
        if isinstance(expected, float):
            return isinstance(actual, (int, float, Decimal)) and math.isclose(
                float(actual), expected, rel_tol=1e-6
            )
        return str(actual) == expected

    def describe(self) -> str:
        """The expectation as written in expect.toml."""
        if self.kind == "not_null":
            return "NOT NULL"
        if self.kind == "json":
            return f"JSON {self.value}"
        return repr(self.value)


@dataclass(frozen=True)
class Case:
    """One fixture folder: its migrations and what its expect.toml promises."""

    directory: Path
    tables: tuple[TableSpec, ...]
    expected: tuple[ExpectedValue, ...]
    dialects: tuple[str, ...]
    offline_dialects: tuple[str, ...] = DATABASE_NAMES

    @property
    def schemas(self) -> set[str]:
        """Extra schemas the tables live in; the database creates them for the test."""
        return {table.schema for table in self.tables if table.schema}


def check_keys(entry: dict, allowed: set[str], where: str) -> None:
    """Reject unknown keys, so a typo like `vaule` cannot silently weaken a test."""
    unknown = set(entry) - allowed
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(allowed)}")


def parse_type(text: str) -> sa.types.TypeEngine:
    """"VARCHAR(20)" -> sqlalchemy.types.VARCHAR(20), without eval."""
    match = TYPE_SYNTAX.match(text)
    type_class = getattr(sa.types, match.group(1), None) if match else None
    if not (isinstance(type_class, type) and issubclass(type_class, sa.types.TypeEngine)):
        raise ValueError(f"{text!r} is not a sqlalchemy.types name with integer arguments")
    arguments = match.group(2)
    return type_class(*(int(a) for a in arguments.split(","))) if arguments else type_class()


def parse_table(entry: dict, where: str) -> TableSpec:
    """A [[tables]] entry."""
    check_keys(entry, {"name", "schema", "columns"}, where)
    columns = []
    for column in entry.get("columns", []):
        check_keys(column, {"name", "type", "seed"}, f"{where} column")
        columns.append(ColumnSpec(column["name"], parse_type(column["type"]), column.get("seed")))
    return TableSpec(entry["name"], entry.get("schema"), tuple(columns))


def parse_expected(entry: dict, where: str) -> ExpectedValue:
    """An [[expect]] entry; exactly one of value / value_json / value_kind."""
    check_keys(
        entry, {"table", "schema", "column", "value", "value_json", "value_kind", "not_null"}, where
    )
    given = [key for key in ("value", "value_json", "value_kind") if key in entry]
    if len(given) != 1:
        raise ValueError(f"{where}: needs exactly one of value, value_json, value_kind; got {given}")
    kind, value = {
        "value": ("value", entry.get("value")),
        "value_json": ("json", entry.get("value_json")),
        "value_kind": (entry.get("value_kind"), None),
    }[given[0]]
    if kind not in ("value", "json", "not_null"):
        raise ValueError(f"{where}: value_kind must be \"not_null\", not {kind!r}")
    if kind == "json":
        json.loads(value)  # fail on the fixture, not on the database comparison
    elif kind == "value" and not isinstance(value, (bool, int, float, str)):
        raise ValueError(f"{where}: value must be a bool, number or string, not {value!r}")
    return ExpectedValue(
        entry["table"], entry.get("schema"), entry["column"], kind, value, entry.get("not_null", False)
    )


def load_case(directory: Path) -> Case:
    """Read and validate fixtures/<case>/expect.toml."""
    path = directory / "expect.toml"
    for migration in ("before.py", "after.py"):
        if not (directory / migration).is_file():
            raise ValueError(f"{path} needs a {migration} beside it")
    data = tomllib.loads(path.read_text())
    check_keys(data, {"dialects", "offline_dialects", "tables", "expect"}, str(path))
    dialects = tuple(data.get("dialects", DATABASE_NAMES))
    offline_dialects = tuple(data.get("offline_dialects", dialects))
    if not set(dialects) | set(offline_dialects) <= set(DATABASE_NAMES):
        raise ValueError(f"{path}: dialects must be among {DATABASE_NAMES}, not {dialects}")
    tables = tuple(parse_table(t, f"{path} [[tables]] {t.get('name')}") for t in data.get("tables", []))
    expected = tuple(parse_expected(e, f"{path} [[expect]] {e.get('column')}") for e in data.get("expect", []))
    if not expected:
        raise ValueError(f"{path} has no [[expect]] entry")
    return Case(directory, tables, expected, dialects, offline_dialects)


@pytest.fixture(params=CASE_DIRS, ids=[directory.name for directory in CASE_DIRS])
def case(request: pytest.FixtureRequest) -> Case:
    """Each fixture folder that has an expect.toml."""
    return load_case(request.param)


def prepare(database: Database, case: Case) -> None:
    """Fresh tables with ROWS rows each; skips databases the case is not meant for."""
    if database.name not in case.dialects:
        pytest.skip(f"{case.directory.name} runs only on {', '.join(case.dialects)}")
    database.reset(case.schemas)
    seed_tables(database.engine, case.tables, rows=ROWS)


def assert_backfilled(database: Database, case: Case, how: str, script: str = "") -> None:
    """Every expected column holds its value in all ROWS rows; reports all mismatches at once."""
    problems = []
    for expected in case.expected:
        values = column_values(database.engine, expected.table, expected.column, expected.schema)
        if len(values) != ROWS or not all(expected.matches(value) for value in values):
            problems.append(f"{expected.target}: expected {expected.describe()} in {ROWS} rows, got {values!r}")
        if expected.not_null and is_nullable(database, expected):
            problems.append(f"{expected.target}: expected NOT NULL, but the column is nullable")
    message = f"{how} on {database.name} did not backfill:\n" + "\n".join(problems)
    if script:
        message += f"\n\nThe SQL that was executed:\n{script}"
    assert not problems, message


def is_nullable(database: Database, expected: ExpectedValue) -> bool:
    columns = sa.inspect(database.engine).get_columns(expected.table, schema=expected.schema)
    return next(column["nullable"] for column in columns if column["name"] == expected.column)


def test_before_adds_columns_and_leaves_rows_null(case: Case, database: Database, tmp_path: Path):
    """Proves the fixture shows the bug: a Python-side default does not fill existing rows.

    A NOT NULL column added without a server default is worse: the ALTER fails on
    a table with rows (PostgreSQL, SQLite), or MySQL/MariaDB silently fill 0/''.
    """
    prepare(database, case)
    if any(expected.not_null for expected in case.expected):
        try:
            run_upgrade(case.directory / "before.py", database.engine, tmp_path)
        except Exception:  # noqa: BLE001 - any failure of the ALTER shows the bug
            assert database.name != "mysql", "MySQL/MariaDB accept the column and fill 0/''"
            return
        assert database.name == "mysql", f"before.py should fail on {database.name}"
        for expected in case.expected:
            values = column_values(database.engine, expected.table, expected.column, expected.schema)
            assert not any(expected.matches(value) for value in values), (
                f"before.py already fills {expected.target} with the default ({values!r})"
            )
        return
    run_upgrade(case.directory / "before.py", database.engine, tmp_path)
    for expected in case.expected:
        names = column_names(database.engine, expected.table, expected.schema)
        assert expected.column in names, f"before.py did not add {expected.target}; columns: {names}"
        values = column_values(database.engine, expected.table, expected.column, expected.schema)
        assert values == [None] * ROWS, (
            f"before.py already fills {expected.target} ({values!r}) on {database.name}: "
            "the fixture does not show a missing backfill"
        )


def test_after_backfills_online(case: Case, database: Database, tmp_path: Path):
    """`alembic upgrade head` with after.py fills the pre-existing rows."""
    prepare(database, case)
    run_upgrade(case.directory / "after.py", database.engine, tmp_path)
    assert_backfilled(database, case, "after.py (online)")


def test_after_backfills_offline(case: Case, database: Database, tmp_path: Path):
    """`alembic upgrade head --sql` output of after.py, run by hand, fills them too.

    Offline rendering uses literal SQL and no connection, so a backfill that only
    works with bound parameters or a live dialect would fail here.
    """
    if database.name not in case.offline_dialects:
        pytest.skip(f"{case.directory.name}: --sql runs only on {', '.join(case.offline_dialects)}")
    prepare(database, case)
    script = render_upgrade_sql(case.directory / "after.py", database.engine, tmp_path)
    execute_sql_script(database.engine, script)
    assert_backfilled(database, case, "after.py (--sql)", script)


@pytest.mark.parametrize("directory", BACKFILL_PAIRS, ids=[d.name for d in BACKFILL_PAIRS])
def test_every_fixture_that_gets_a_backfill_has_an_expect_toml(directory: Path):
    """A backfill without expect.toml would never be run against a real database."""
    assert (directory / "expect.toml").is_file(), (
        f"{directory.relative_to(REPO_ROOT)}: after.py differs from before.py but there is "
        "no expect.toml, so its backfill is never run on a database"
    )

"""Run one migration file through real Alembic against a real database.

A fixture migration names a parent (`down_revision = "713af8a4cb34"`) that
exists nowhere.  Rather than rewriting the file under test, the harness builds a
throwaway Alembic project around an untouched copy of it, plus an empty stub
revision per parent, so `alembic upgrade head` runs exactly that file.

    seed_tables(engine, tables, rows=3)                 tables + rows for the migration to alter
    run_upgrade(migration_file, engine, tmp_path)       `alembic upgrade head` (online)
    render_upgrade_sql(migration_file, engine, tmp_path) -> str
                                                        `alembic upgrade head --sql` for engine's dialect
    execute_sql_script(engine, script)                  run that output on the real database
    column_names(engine, table, schema=None) -> list[str]
    column_values(engine, table, column, schema=None) -> list

The Engine, not a URL, is what the harness takes: for SQLite it carries the
`connect` listener that ATTACHes schema files (tests/dbs.py), and Alembic's
online run must use it to see schema-qualified tables.
"""

from __future__ import annotations

import ast
import io
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

# The standard env.py template, minus logging and metadata; the engine (online)
# or the URL and an output buffer (offline) come in through Config.attributes.
ENV_PY = '''\
"""env.py of a throwaway project written by tests/alembic_harness.py."""
from alembic import context

config = context.config


def run_migrations_offline():
    context.configure(
        url=config.attributes["url"],
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        output_buffer=config.attributes["output_buffer"],
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    with config.attributes["engine"].connect() as connection:
        context.configure(connection=connection, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
'''

STUB_REVISION = '''\
"""Stand-in for {revision!r}, the parent named by the migration under test."""
revision = {revision!r}
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
'''


@dataclass(frozen=True)
class ColumnSpec:
    """A pre-existing column a migration relies on; every seeded row gets `seed`."""

    name: str
    type: sa.types.TypeEngine
    seed: Any = None


@dataclass(frozen=True)
class TableSpec:
    """A table that exists before the migration: `id INTEGER PRIMARY KEY` plus `columns`."""

    name: str
    schema: str | None = None
    columns: tuple[ColumnSpec, ...] = ()


def seed_tables(engine: Engine, tables: Iterable[TableSpec], rows: int = 3) -> None:
    """Create `tables` with ids 1..rows, the state the migration meets in production.

    Built with SQLAlchemy Core so reserved and mixed-case names are quoted per dialect.
    """
    metadata = sa.MetaData()
    seeded = []
    for spec in tables:
        table = sa.Table(
            spec.name,
            metadata,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
            *(sa.Column(column.name, column.type) for column in spec.columns),
            schema=spec.schema,
        )
        seeds = {column.name: column.seed for column in spec.columns}
        seeded.append((table, [{"id": row, **seeds} for row in range(1, rows + 1)]))
    with engine.begin() as connection:
        metadata.create_all(connection)
        for table, values in seeded:
            if values:
                connection.execute(table.insert(), values)


def parent_revisions(migration_file: Path) -> tuple[str, ...]:
    """The file's `down_revision` (None, one id or a merge tuple), read without importing it.

    Accepts both `down_revision = ...` and the annotated form newer templates write.
    """
    # Bytes, so ast honours a PEP 263 coding cookie or BOM as Python itself would.
    for node in ast.parse(migration_file.read_bytes()).body:
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets = [node.target]
        else:
            continue
        if any(isinstance(target, ast.Name) and target.id == "down_revision" for target in targets):
            value = ast.literal_eval(node.value)
            if value is None:
                return ()
            return (value,) if isinstance(value, str) else tuple(value)
    raise ValueError(f"{migration_file} has no down_revision")


def alembic_project(migration_file: Path, tmp_path: Path) -> Config:
    """A fresh project dir under tmp_path: env.py, the copied file and its parent stubs."""
    project = Path(tempfile.mkdtemp(prefix="alembic-", dir=tmp_path))
    versions = project / "versions"
    versions.mkdir()
    (project / "env.py").write_text(ENV_PY)
    shutil.copyfile(migration_file, versions / migration_file.name)
    for revision in parent_revisions(migration_file):
        (versions / f"parent_{revision}.py").write_text(STUB_REVISION.format(revision=revision))
    config = Config()
    # Config values go through configparser interpolation, where % is special.
    config.set_main_option("script_location", str(project).replace("%", "%%"))
    return config


def run_upgrade(migration_file: Path, engine: Engine, tmp_path: Path) -> None:
    """`alembic upgrade head` against the live database behind `engine`."""
    config = alembic_project(migration_file, tmp_path)
    config.attributes["engine"] = engine
    command.upgrade(config, "head")


def render_upgrade_sql(migration_file: Path, engine: Engine, tmp_path: Path) -> str:
    """The script `alembic upgrade head --sql` prints for engine's dialect (no connection made).

    Includes the alembic_version DDL and, on PostgreSQL, BEGIN/COMMIT.
    """
    config = alembic_project(migration_file, tmp_path)
    output = io.StringIO()
    config.attributes["url"] = engine.url
    config.attributes["output_buffer"] = output
    command.upgrade(config, "head", sql=True)
    return output.getvalue()


def sql_statements(script: str) -> list[str]:
    """Split `alembic --sql` output into statements.

    Alembic ends every statement with ";" and a blank line, and writes
    "-- Running upgrade ..." comment lines between them.
    """
    statements = []
    for chunk in script.split(";\n\n"):
        lines = chunk.strip().splitlines()
        while lines and lines[0].startswith("--"):
            lines.pop(0)
        statement = "\n".join(lines).strip()
        if statement:
            statements.append(statement)
    return statements


def execute_sql_script(engine: Engine, script: str) -> None:
    """Run `alembic --sql` output statement by statement, as a DBA would with psql/mysql.

    AUTOCOMMIT leaves transaction control to the script's own BEGIN/COMMIT;
    no_parameters keeps the driver from reading "%" in literals as placeholders.
    """
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT", no_parameters=True)
        for statement in sql_statements(script):
            connection.exec_driver_sql(statement)


def column_names(engine: Engine, table: str, schema: str | None = None) -> list[str]:
    """The columns the table has now, as the database reports them."""
    return [column["name"] for column in sa.inspect(engine).get_columns(table, schema=schema)]


def column_values(engine: Engine, table: str, column: str, schema: str | None = None) -> list:
    """Every row's value of `column`, as the driver returns it (bools may be 0/1)."""
    query = sa.select(sa.column(column)).select_from(sa.table(table, schema=schema))
    with engine.connect() as connection:
        return list(connection.execute(query).scalars())

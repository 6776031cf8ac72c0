"""Decide, for each defaulted column, the backfill to write or the finding to report.

Knows nothing of parsers: ``backfill_for`` reads a NewColumn, which the
codemod and the autogenerate hook both produce, so the rules live in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .model import (
    CallableDefault,
    ColumnAddition,
    Edit,
    Finding,
    InsertKeyword,
    Insertion,
    Literal,
    Migration,
    NewColumn,
    Plan,
    ReplaceExpression,
    Runtime,
    SqlFunction,
    Unresolved,
)
from .render import (
    alter_column_statement,
    core_statement,
    execute_statement,
    name_text,
    python_string,
)
from .settings import Settings
from .sql import (
    TEMPORAL_TYPES,
    dialect_literal,
    dialect_update,
    is_sqlalchemy_type,
    portable_literal,
    portable_update,
)

SQLALCHEMY_IMPORT = "import sqlalchemy as sa"


@dataclass(frozen=True)
class Backfill:
    """The Python statements that fill existing rows, and what else they need.

    ``make_nullable``: the add_column must say ``nullable=True`` (NOT NULL is
    set after the backfill). ``server_default``: Python source of a
    ``server_default=`` to add to the column instead of an UPDATE.
    """

    statements: tuple[str, ...]
    uses_sqlalchemy: bool
    make_nullable: bool = False
    server_default: str | None = None


@dataclass(frozen=True)
class Refusal:
    """Why a column gets no backfill from us: a code and a message."""

    code: str
    message: str


def backfill_for(
    column: NewColumn,
    settings: Settings,
    receiver: str = "op",
    sa: str = "sa",
    indent_unit: str = "    ",
) -> Backfill | Refusal | None:
    """The backfill this column needs, a refusal, or None when none is needed."""
    if column.has_server_default:
        return None  # the database fills existing rows itself
    refusal = refusal_for(column, settings.dialect)
    if refusal is not None:
        return refusal
    update = update_backfill(column, settings, receiver, sa)
    if isinstance(update, Refusal) or column.nullable is not False:
        return update
    return not_null_backfill(column, settings, update, receiver, sa, indent_unit)


def update_backfill(
    column: NewColumn, settings: Settings, receiver: str, sa: str
) -> Backfill | Refusal:
    """The UPDATE: SQL where one text is right, else a Core statement."""
    runtime = [
        value.source
        for value in (column.default, column.table, column.name, column.schema)
        if isinstance(value, Runtime)
    ]
    sql = None
    if not runtime and settings.style != "core":
        assert isinstance(column.default, (Literal, SqlFunction))
        sql = update_sql(column, column.default, settings.dialect)
    if sql is not None:
        return Backfill((execute_statement(receiver, sql),), uses_sqlalchemy=False)
    if settings.style == "sql":
        why = (
            f"{runtime[0]} is known only when the migration runs"
            if runtime
            else "no text is right for every database, or the type is a custom one"
        )
        return Refusal(
            "MF106",
            f"no plain SQL for {describe(column)}: {why}; pass --dialect or use --style core",
        )
    return Backfill((core_statement(column, receiver, sa),), uses_sqlalchemy=True)


def not_null_backfill(
    column: NewColumn,
    settings: Settings,
    update: Backfill,
    receiver: str,
    sa: str,
    indent_unit: str,
) -> Backfill:
    """A NOT NULL column with a Python-side default, added in steps that work on rows.

    ``backfill``: add it nullable, UPDATE, then set NOT NULL. ``server-default``:
    add it with a server default (which fills the rows, without an UPDATE on
    PostgreSQL 11+, MySQL 8.0.12+, MariaDB 10.3+), then drop that default.
    """
    in_batch = settings.dialect in (None, "sqlite")
    if settings.not_null_strategy == "server-default":
        server_default = server_default_source(column, settings.dialect, sa)
        if server_default is not None:
            drop = alter_column_statement(
                column, receiver, "server_default=None, existing_nullable=False", in_batch, indent_unit
            )
            return Backfill(
                (drop,),
                uses_sqlalchemy=server_default.startswith(f"{sa}."),
                server_default=server_default,
            )
    set_not_null = alter_column_statement(column, receiver, "nullable=False", in_batch, indent_unit)
    return Backfill(
        (*update.statements, set_not_null), update.uses_sqlalchemy, make_nullable=True
    )


def server_default_source(column: NewColumn, dialect: str | None, sa: str) -> str | None:
    """Python source for ``server_default=``: a plain string SQLAlchemy quotes
    itself, else ``sa.text(<SQL literal>)``; None where no literal fits."""
    server_default = server_default_for(column, dialect)
    if server_default is None:
        return None
    text, is_sql = server_default
    return f"{sa}.text({python_string(text)})" if is_sql else python_string(text)


def server_default_for(column: NewColumn, dialect: str | None) -> tuple[str, bool] | None:
    """The server default that gives existing rows the column's default, and
    whether it is SQL (for ``text()``) rather than a string SQLAlchemy quotes
    itself; None where no literal fits (run-time values, JSON documents). Shared
    with the autogenerate hook, which builds the column object itself."""
    value = column.default
    if isinstance(value, Runtime) or isinstance(value, Literal) and isinstance(value.value, (dict, list)):
        return None
    if isinstance(value, Literal) and isinstance(value.value, str):
        return value.value, False
    assert isinstance(value, (Literal, SqlFunction))
    if dialect is None:
        sql = portable_literal(value, column.type_name)
    else:
        sql = dialect_literal(dialect, value, column.type_name)
    return (sql, True) if sql is not None else None


def refusal_for(column: NewColumn, dialect: str | None = None) -> Refusal | None:
    default = column.default
    if default is None:
        return Refusal(
            "MF105",
            f"{describe(column)} is NOT NULL with neither default= nor server_default=: "
            "adding it fails on a table with rows",
        )
    if isinstance(default, CallableDefault):
        return Refusal(
            "MF102",
            f"{describe(column)} has the callable default {default.source}: "
            "no single value to backfill existing rows with" + callable_suggestion(column, dialect),
        )
    unresolved = [
        value.source
        for value in (default, column.table, column.name, column.schema)
        if isinstance(value, Unresolved)
    ]
    if unresolved:
        return Refusal(
            "MF103",
            f"{describe(column)}: cannot tell what {unresolved[0]} is (a value or a callable?); "
            "write the backfill by hand",
        )
    return None


UUID_FUNCTIONS = {
    "postgresql": "gen_random_uuid()",
    "mysql": "UUID()",
    "mariadb": "UUID()",
    "mssql": "NEWID()",
    "oracle": "SYS_GUID()",
}


def callable_suggestion(column: NewColumn, dialect: str | None) -> str:
    """A ready-to-paste backfill for the usual per-row callables, if one fits."""
    source = column.default.source.lower() if isinstance(column.default, CallableDefault) else ""
    if column.type_name in TEMPORAL_TYPES or any(word in source for word in ("now", "today", "time")):
        value = "CURRENT_TIMESTAMP"
    elif "uuid" in source or (column.type_name or "").lower() == "uuid":
        if dialect not in UUID_FUNCTIONS:
            return (
                "; per row: gen_random_uuid() on PostgreSQL 13+, UUID() on MySQL/MariaDB, "
                "or a Python loop on SQLite"
            )
        value = UUID_FUNCTIONS[dialect]
    else:
        return ""
    names = [column.schema, column.table] if column.schema else [column.table]
    table = ".".join(name_text(part) for part in names if part is not None)
    name = name_text(column.name)
    return f"; e.g. op.execute(\"UPDATE {table} SET {name} = {value} WHERE {name} IS NULL\")"


def update_sql(column: NewColumn, value: Literal | SqlFunction, dialect: str | None) -> str | None:
    """Portable SQL without a dialect (None if there is none), else the dialect's."""
    assert isinstance(column.table, str) and isinstance(column.name, str)
    schema = column.schema if isinstance(column.schema, str) else None
    if dialect is None:
        return portable_update(column.table, column.name, schema, value, column.type_name)
    if not is_sqlalchemy_type(column.type_name, dialect):
        return None  # a custom type may convert values on the way in: only Core runs it
    return dialect_update(dialect, column.table, column.name, schema, value, column.type_name)


def describe(column: NewColumn) -> str:
    """``billing.invoices.paid``: how messages name a column."""
    parts = [column.schema, column.table, column.name]
    return ".".join(name_text(part) for part in parts if part is not None)


# -- one file --------------------------------------------------------------------


def plan_migration(
    migration: Migration, settings: Settings, ignore: frozenset[str] = frozenset()
) -> Plan:
    """Every backfill the file needs and every finding, in line order.

    Codes in ``ignore`` (``--ignore``, or not ``--select``-ed) are neither
    reported nor fixed, as if every call carried ``# migration-fix: ignore[...]``.
    """
    plan = Plan()
    needs_import = False
    for addition in migration.additions:
        if ignore:
            addition = ignoring(addition, ignore)
        decision = decide_in_file(addition, settings, migration.sqlalchemy_alias or "sa")
        if isinstance(decision, Refusal):
            if not addition.is_ignored(decision.code):
                plan.findings.append(Finding(decision.code, decision.message, addition.location))
            continue
        code = "MF104" if addition.column.nullable is False else "MF101"
        if decision is None or addition.is_ignored(code):
            continue
        needs_import |= decision.uses_sqlalchemy and migration.sqlalchemy_alias is None
        add_statements(plan, addition, decision.statements)
        plan.edits.extend(column_edits(addition, decision))
        plan.findings.append(Finding(code, fixable_message(addition), addition.location, fixable=True))
    if needs_import:
        plan.insertions.insert(
            0,
            Insertion(
                *migration.last_import,
                (SQLALCHEMY_IMPORT,),
                "",
                migration.newline,
                migration.last_import_path,
            ),
        )
    return plan


def ignoring(addition: ColumnAddition, codes: frozenset[str]) -> ColumnAddition:
    """The addition as if its line also said ``# migration-fix: ignore[<codes>]``."""
    if addition.ignored_codes is not None and not addition.ignored_codes:
        return addition  # a bare ignore already silences everything
    return replace(addition, ignored_codes=(addition.ignored_codes or frozenset()) | codes)


def fixable_message(addition: ColumnAddition) -> str:
    if addition.column.nullable is False:
        return (
            f"{describe(addition.column)} is NOT NULL with only a Python-side default: "
            "adding it fails on a table with rows"
        )
    return f"{describe(addition.column)} has a Python-side default only: existing rows stay NULL"


def decide_in_file(
    addition: ColumnAddition, settings: Settings, sa: str
) -> Backfill | Refusal | None:
    """``backfill_for``, plus what only a file can say (placement, existing backfills)."""
    decision = backfill_for(addition.column, settings, addition.receiver, sa, addition.indent_unit)
    if not isinstance(decision, Backfill):
        return decision
    rewrites_column = decision.make_nullable or decision.server_default is not None
    if addition.already_backfilled and not rewrites_column:
        return None
    if not addition.insertable:
        return Refusal(
            "MF107",
            f"{describe(addition.column)} shares its line with a compound statement: "
            "no line to put the backfill after",
        )
    missing_position = (decision.make_nullable and addition.nullable_at is None) or (
        decision.server_default is not None and addition.default_keyword_at is None
    )
    if rewrites_column and (addition.already_backfilled or missing_position):
        return Refusal(
            "MF104",
            f"{describe(addition.column)} is NOT NULL with only a Python-side default: "
            "adding it fails on a table with rows; add it nullable, backfill, then set NOT NULL",
        )
    return decision


def column_edits(addition: ColumnAddition, decision: Backfill) -> list[Edit]:
    """The changes to the add_column call itself that a NOT NULL rewrite needs."""
    edits: list[Edit] = []
    if decision.make_nullable and addition.nullable_at is not None:
        edits.append(
            ReplaceExpression(
                *addition.nullable_at,
                "False",
                "True",
                path=addition.call_path,
                ordinal=addition.nullable_ordinal,
            )
        )
    if decision.server_default is not None and addition.default_keyword_at is not None:
        edits.append(
            InsertKeyword(
                *addition.default_keyword_at,
                f"server_default={decision.server_default}",
                path=addition.call_path,
                ordinal=addition.default_ordinal,
            )
        )
    return edits


def add_statements(plan: Plan, addition: ColumnAddition, statements: tuple[str, ...]) -> None:
    """Statements after the same anchor (a batch block) share one Insertion."""
    previous = plan.insertions[-1] if plan.insertions else None
    if previous is not None and previous.anchor_line == addition.anchor_line:
        plan.insertions[-1] = replace(previous, statements=(*previous.statements, *statements))
        return
    plan.insertions.append(
        Insertion(
            addition.anchor_line,
            addition.anchor_end_line,
            statements,
            addition.indent,
            addition.newline,
            addition.anchor_path,
        )
    )

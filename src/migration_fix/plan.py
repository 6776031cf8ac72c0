"""Decide, for each defaulted column, the backfill to write or the finding to report.

Knows nothing of parsers: it reads ColumnAddition records, which the codemod
and the autogenerate hook both produce, so the rules live in one place.
"""

from __future__ import annotations

from dataclasses import replace

from .model import (
    CallableDefault,
    ColumnAddition,
    Finding,
    Insertion,
    Literal,
    Migration,
    Plan,
    Settings,
    SqlFunction,
    Unresolved,
)
from .render import core_statement, execute_statement
from .sql import dialect_update, portable_update

SQLALCHEMY_IMPORT = "import sqlalchemy as sa"


def plan_migration(migration: Migration, settings: Settings) -> Plan:
    """Every backfill the file needs and every finding, in line order."""
    plan = Plan()
    needs_import = False
    for addition in migration.additions:
        decision = decide(addition, settings, migration.sqlalchemy_alias or "sa")
        if isinstance(decision, Finding):
            if not addition.is_ignored(decision.code):
                plan.findings.append(decision)
            continue
        if decision is None or addition.is_ignored("MF101"):
            continue
        statement, uses_sqlalchemy = decision
        needs_import |= uses_sqlalchemy and migration.sqlalchemy_alias is None
        add_statement(plan, addition, statement)
        plan.findings.append(missing_backfill(addition))
    if needs_import:
        plan.insertions.insert(
            0, Insertion(*migration.last_import, (SQLALCHEMY_IMPORT,), "", migration.newline)
        )
    return plan


def add_statement(plan: Plan, addition: ColumnAddition, statement: str) -> None:
    """Statements after the same anchor (a batch block) share one Insertion."""
    previous = plan.insertions[-1] if plan.insertions else None
    if previous is not None and previous.anchor_line == addition.anchor_line:
        plan.insertions[-1] = replace(previous, statements=(*previous.statements, statement))
        return
    plan.insertions.append(
        Insertion(
            addition.anchor_line,
            addition.anchor_end_line,
            (statement,),
            addition.indent,
            addition.newline,
        )
    )


def decide(
    addition: ColumnAddition, settings: Settings, sqlalchemy_alias: str
) -> Finding | tuple[str, bool] | None:
    """A finding, None (nothing to do), or the statement and whether it needs ``sa``."""
    if addition.has_server_default:
        return None  # the database fills existing rows itself
    finding = refusal(addition)
    if finding is not None or addition.already_backfilled:
        return finding
    assert isinstance(addition.default, (Literal, SqlFunction))
    assert isinstance(addition.table, str) and isinstance(addition.column, str)
    assert addition.schema is None or isinstance(addition.schema, str)
    if settings.style != "core":
        sql = update_sql(addition, addition.default, settings.dialect)
        if sql is not None:
            return execute_statement(addition.receiver, sql), False
        if settings.style == "sql":
            return Finding(
                "MF106",
                f"no SQL for {describe(addition)} is valid on PostgreSQL, MySQL and SQLite: "
                "pass --dialect or use --style core",
                addition.location,
            )
    return core_statement(addition, sqlalchemy_alias), True


def refusal(addition: ColumnAddition) -> Finding | None:
    """Why this column gets no backfill from us, if it gets none."""
    default = addition.default
    if default is None:
        return Finding(
            "MF105",
            f"{describe(addition)} is NOT NULL with neither default= nor server_default=: "
            "adding it fails on a table with rows",
            addition.location,
        )
    if not addition.insertable:
        return Finding(
            "MF107",
            f"{describe(addition)} shares its line with a compound statement: "
            "no line to put the backfill after",
            addition.location,
        )
    if isinstance(default, CallableDefault):
        return Finding(
            "MF102",
            f"{describe(addition)} has the callable default {default.source}: "
            "no single value to backfill existing rows with",
            addition.location,
        )
    unresolved = [
        value.source
        for value in (default, addition.table, addition.column, addition.schema)
        if isinstance(value, Unresolved)
    ]
    if unresolved:
        return Finding(
            "MF103",
            f"{describe(addition)}: cannot evaluate {unresolved[0]} before the migration runs; "
            "write the backfill by hand",
            addition.location,
        )
    if addition.nullable is False:
        return Finding(
            "MF104",
            f"{describe(addition)} is NOT NULL with only a Python-side default: "
            "adding it fails on a table with rows; add it nullable, backfill, then set NOT NULL",
            addition.location,
        )
    return None


def update_sql(
    addition: ColumnAddition, value: Literal | SqlFunction, dialect: str | None
) -> str | None:
    assert isinstance(addition.table, str) and isinstance(addition.column, str)
    schema = addition.schema if isinstance(addition.schema, str) else None
    if dialect is None:
        return portable_update(addition.table, addition.column, schema, value, addition.type_name)
    return dialect_update(dialect, addition.table, addition.column, schema, value, addition.type_name)


def missing_backfill(addition: ColumnAddition) -> Finding:
    return Finding(
        "MF101",
        f"{describe(addition)} has a Python-side default only: existing rows stay NULL",
        addition.location,
        fixable=True,
    )


def describe(addition: ColumnAddition) -> str:
    """``billing.invoices.paid``: how messages name a column."""
    parts = [addition.schema, addition.table, addition.column]
    return ".".join(
        part if isinstance(part, str) else part.source for part in parts if part is not None
    )


"""Decide, for each defaulted column, the backfill to write or the finding to report.

Knows nothing of parsers: ``backfill_for`` reads a NewColumn, which the
codemod and the autogenerate hook both produce, so the rules live in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .model import (
    CallableDefault,
    ColumnAddition,
    Finding,
    Insertion,
    Literal,
    Migration,
    NewColumn,
    Plan,
    Settings,
    SqlFunction,
    Unresolved,
)
from .render import core_statement, execute_statement
from .sql import dialect_update, portable_update

SQLALCHEMY_IMPORT = "import sqlalchemy as sa"


@dataclass(frozen=True)
class Backfill:
    """The Python statement that fills existing rows, and whether it needs ``sa``."""

    statement: str
    uses_sqlalchemy: bool


@dataclass(frozen=True)
class Refusal:
    """Why a column gets no backfill from us: a code and a message."""

    code: str
    message: str


def backfill_for(
    column: NewColumn, settings: Settings, receiver: str = "op", sa: str = "sa"
) -> Backfill | Refusal | None:
    """The backfill this column needs, a refusal, or None when none is needed."""
    if column.has_server_default:
        return None  # the database fills existing rows itself
    refusal = refusal_for(column)
    if refusal is not None:
        return refusal
    assert isinstance(column.default, (Literal, SqlFunction))
    if settings.style != "core":
        sql = update_sql(column, column.default, settings.dialect)
        if sql is not None:
            return Backfill(execute_statement(receiver, sql), uses_sqlalchemy=False)
        if settings.style == "sql":
            return Refusal(
                "MF106",
                f"no SQL for {describe(column)} is valid on PostgreSQL, MySQL and SQLite: "
                "pass --dialect or use --style core",
            )
    return Backfill(core_statement(column, receiver, sa), uses_sqlalchemy=True)


def refusal_for(column: NewColumn) -> Refusal | None:
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
            "no single value to backfill existing rows with",
        )
    unresolved = [
        value.source
        for value in (default, column.table, column.name, column.schema)
        if isinstance(value, Unresolved)
    ]
    if unresolved:
        return Refusal(
            "MF103",
            f"{describe(column)}: cannot evaluate {unresolved[0]} before the migration runs; "
            "write the backfill by hand",
        )
    if column.nullable is False:
        return Refusal(
            "MF104",
            f"{describe(column)} is NOT NULL with only a Python-side default: "
            "adding it fails on a table with rows; add it nullable, backfill, then set NOT NULL",
        )
    return None


def update_sql(column: NewColumn, value: Literal | SqlFunction, dialect: str | None) -> str | None:
    """Portable SQL without a dialect (None if there is none), else the dialect's."""
    assert isinstance(column.table, str) and isinstance(column.name, str)
    schema = column.schema if isinstance(column.schema, str) else None
    if dialect is None:
        return portable_update(column.table, column.name, schema, value, column.type_name)
    return dialect_update(dialect, column.table, column.name, schema, value, column.type_name)


def describe(column: NewColumn) -> str:
    """``billing.invoices.paid``: how messages name a column."""
    parts = [column.schema, column.table, column.name]
    return ".".join(
        part if isinstance(part, str) else part.source for part in parts if part is not None
    )


# -- one file --------------------------------------------------------------------


def plan_migration(migration: Migration, settings: Settings) -> Plan:
    """Every backfill the file needs and every finding, in line order."""
    plan = Plan()
    needs_import = False
    for addition in migration.additions:
        decision = decide_in_file(addition, settings, migration.sqlalchemy_alias or "sa")
        if isinstance(decision, Refusal):
            if not addition.is_ignored(decision.code):
                plan.findings.append(Finding(decision.code, decision.message, addition.location))
            continue
        if decision is None or addition.is_ignored("MF101"):
            continue
        needs_import |= decision.uses_sqlalchemy and migration.sqlalchemy_alias is None
        add_statement(plan, addition, decision.statement)
        plan.findings.append(
            Finding(
                "MF101",
                f"{describe(addition.column)} has a Python-side default only: "
                "existing rows stay NULL",
                addition.location,
                fixable=True,
            )
        )
    if needs_import:
        plan.insertions.insert(
            0, Insertion(*migration.last_import, (SQLALCHEMY_IMPORT,), "", migration.newline)
        )
    return plan


def decide_in_file(
    addition: ColumnAddition, settings: Settings, sa: str
) -> Backfill | Refusal | None:
    """``backfill_for``, plus what only a file can say (placement, existing backfills)."""
    decision = backfill_for(addition.column, settings, addition.receiver, sa)
    if isinstance(decision, Backfill):
        if addition.already_backfilled:
            return None
        if not addition.insertable:
            return Refusal(
                "MF107",
                f"{describe(addition.column)} shares its line with a compound statement: "
                "no line to put the backfill after",
            )
    return decision


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

"""``backfill_for``: the rules every entry point shares, on NewColumn records."""

from __future__ import annotations

import pytest

from migration_fix.model import CallableDefault, Literal, NewColumn, SqlFunction, Unresolved
from migration_fix.plan import Backfill, Refusal, backfill_for
from migration_fix.settings import Settings


def column(**changes) -> NewColumn:
    values = dict(
        table="invoices",
        name="paid",
        schema=None,
        default=Literal(False),
        type_name="Boolean",
        nullable=True,
        has_server_default=False,
        default_source="False",
        type_source="sa.Boolean()",
    )
    values.update(changes)
    return NewColumn(**values)


def test_portable_sql_by_default() -> None:
    assert backfill_for(column(), Settings()) == Backfill(
        ('op.execute("UPDATE invoices SET paid = false WHERE paid IS NULL")',), uses_sqlalchemy=False
    )


def test_receiver_is_the_files_own_name_for_op() -> None:
    decision = backfill_for(column(), Settings(), receiver="o")
    assert isinstance(decision, Backfill) and decision.statements[0].startswith("o.execute(")


def test_style_core_forces_a_core_statement() -> None:
    decision = backfill_for(column(), Settings(style="core"), sa="sqlalchemy")
    assert isinstance(decision, Backfill) and decision.uses_sqlalchemy
    assert 'sqlalchemy.table("invoices", sqlalchemy.column("paid", sa.Boolean()))' in decision.statements[0]
    assert '.values({"paid": False})' in decision.statements[0]


def test_style_sql_without_a_portable_text_is_mf106() -> None:
    decision = backfill_for(column(table="order"), Settings(style="sql"))
    assert isinstance(decision, Refusal) and decision.code == "MF106"


def test_style_sql_with_a_dialect_writes_that_dialects_sql() -> None:
    decision = backfill_for(column(table="order"), Settings(style="sql", dialect="postgresql"))
    assert decision == Backfill(
        ("""op.execute('UPDATE "order" SET paid=false WHERE paid IS NULL')""",), uses_sqlalchemy=False
    )


def test_server_default_needs_nothing() -> None:
    assert backfill_for(column(has_server_default=True), Settings()) is None


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"default": CallableDefault("uuid.uuid4")}, "MF102"),
        ({"default": Unresolved("settings.PAID")}, "MF103"),
        ({"table": Unresolved("TABLE")}, "MF103"),
        ({"nullable": False, "default": None}, "MF105"),
    ],
)
def test_refusals(changes, code) -> None:
    decision = backfill_for(column(**changes), Settings())
    assert isinstance(decision, Refusal) and decision.code == code


def test_expression_default_with_a_dialect() -> None:
    decision = backfill_for(
        column(name="seen", default=SqlFunction("now"), type_name="DateTime"), Settings(dialect="mysql")
    )
    assert decision == Backfill(('op.execute("UPDATE invoices SET seen=now() WHERE seen IS NULL")',), False)


def test_custom_type_with_a_dialect_gets_core() -> None:
    """A TypeDecorator may convert values on the way in: only a Core UPDATE runs it."""
    decision = backfill_for(column(type_name="EncryptedString", type_source="EncryptedString()"), Settings(dialect="postgresql"))
    assert isinstance(decision, Backfill) and decision.uses_sqlalchemy


def test_dialect_type_with_a_dialect_gets_sql() -> None:
    decision = backfill_for(
        column(name="doc", default=Literal({"a": 1}), type_name="JSONB", type_source="postgresql.JSONB()"),
        Settings(dialect="postgresql"),
    )
    assert decision == Backfill(("""op.execute("UPDATE invoices SET doc='{\\"a\\": 1}' WHERE doc IS NULL")""",), False)


@pytest.mark.parametrize(
    ("strategy", "dialect", "expected"),
    [
        (
            "backfill",
            "mysql",
            (
                'op.execute("UPDATE invoices SET paid=false WHERE paid IS NULL")',
                'op.alter_column("invoices", "paid", nullable=False, existing_type=sa.Boolean())',
            ),
        ),
        (
            "server-default",
            "mssql",
            ('op.alter_column("invoices", "paid", server_default=None, existing_nullable=False, existing_type=sa.Boolean())',),
        ),
    ],
)
def test_not_null_strategies(strategy, dialect, expected) -> None:
    decision = backfill_for(column(nullable=False), Settings(dialect=dialect, not_null_strategy=strategy))
    assert isinstance(decision, Backfill) and decision.statements == expected
    assert decision.make_nullable is (strategy == "backfill")
    assert decision.server_default == (None if strategy == "backfill" else 'sa.text("0")')

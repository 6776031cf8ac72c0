"""SQL rendering: the portable rules, the dialect compiler, and text() escaping."""

from __future__ import annotations

import ast
import datetime
import decimal
import importlib.util
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from migration_fix.model import Literal, SqlFunction
from migration_fix.render import execute_statement, python_string
from migration_fix.reserved_words import PORTABLE_RESERVED_WORDS
from migration_fix.sql import dialect_update, escape_bind_colons, portable_update

ROOT = Path(__file__).resolve().parent.parent


def load_generator():
    spec = importlib.util.spec_from_file_location("gen", ROOT / "tools" / "generate_reserved_words.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reserved_words_match_installed_sqlalchemy() -> None:
    """Regenerate with ``python tools/generate_reserved_words.py`` when this fails."""
    generator = load_generator()
    assert PORTABLE_RESERVED_WORDS == generator.reserved_words()
    assert (ROOT / "src" / "migration_fix" / "reserved_words.py").read_text() == generator.module_text(
        PORTABLE_RESERVED_WORDS
    )


@pytest.mark.parametrize(
    ("table", "column", "schema", "value", "type_name", "expected"),
    [
        ("invoices", "paid", None, Literal(False), "Boolean", "UPDATE invoices SET paid = false WHERE paid IS NULL"),
        ("invoices", "paid", "billing", Literal(True), None, "UPDATE billing.invoices SET paid = true WHERE paid IS NULL"),
        ("t", "n", None, Literal(-7), "Integer", "UPDATE t SET n = -7 WHERE n IS NULL"),
        ("t", "n", None, Literal(1e-05), "Float", "UPDATE t SET n = 1e-05 WHERE n IS NULL"),
        ("t", "n", None, Literal(decimal.Decimal("9.50")), "Numeric", "UPDATE t SET n = 9.50 WHERE n IS NULL"),
        ("t", "s", None, Literal("O'Hara"), "String", "UPDATE t SET s = 'O''Hara' WHERE s IS NULL"),
        ("t", "d", None, Literal(datetime.date(2024, 2, 29)), "Date", "UPDATE t SET d = '2024-02-29' WHERE d IS NULL"),
        ("t", "d", None, Literal(datetime.datetime(2024, 2, 29, 8, 5)), "DateTime", "UPDATE t SET d = '2024-02-29 08:05:00' WHERE d IS NULL"),
        ("t", "j", None, Literal({"a": [1, None]}), "JSON", "UPDATE t SET j = '{\"a\": [1, null]}' WHERE j IS NULL"),
        ("t", "c", None, SqlFunction("now"), "DateTime", "UPDATE t SET c = CURRENT_TIMESTAMP WHERE c IS NULL"),
        ("t", "b", None, SqlFunction("false"), "Boolean", "UPDATE t SET b = false WHERE b IS NULL"),
    ],
)
def test_portable_sql(table, column, schema, value, type_name, expected) -> None:
    assert portable_update(table, column, schema, value, type_name) == expected


@pytest.mark.parametrize(
    ("table", "column", "schema", "value", "type_name"),
    [
        ("order", "paid", None, Literal(False), None),  # reserved table
        ("t", "user", None, Literal(False), None),  # reserved column
        ("t", "c", "select", Literal(1), None),  # reserved schema
        ("Invoices", "paid", None, Literal(False), None),  # mixed case
        ("t", "my col", None, Literal(1), None),  # needs quoting
        ("t", "s", None, Literal("C:\\temp"), None),  # MySQL reads \ as an escape
        ("t", "n", None, Literal(float("nan")), None),
        ("t", "n", None, Literal(float("inf")), "Float"),
        ("t", "n", None, Literal(2**70), None),
        ("t", "n", None, Literal(True), "Integer"),  # PostgreSQL: integer = boolean fails
        ("t", "b", None, Literal(1), "Boolean"),  # PostgreSQL: boolean = 1 fails
        ("t", "s", None, Literal("x"), "Integer"),
        ("t", "j", None, Literal({"a": 1}), None),  # a dict for an unknown type
        ("t", "d", None, Literal(datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)), None),
        ("t", "c", None, SqlFunction("text", "'x'"), None),
        ("t", "c", None, SqlFunction("random"), None),
    ],
)
def test_no_portable_sql(table, column, schema, value, type_name) -> None:
    assert portable_update(table, column, schema, value, type_name) is None


@pytest.mark.parametrize(
    ("dialect", "value", "type_name", "expected"),
    [
        ("mssql", Literal(True), "Boolean", "UPDATE [order] SET flag=1 WHERE flag IS NULL"),
        ("oracle", Literal(False), "Boolean", 'UPDATE "order" SET flag=0 WHERE flag IS NULL'),
        ("postgresql", Literal("50%"), "String", "UPDATE \"order\" SET flag='50%' WHERE flag IS NULL"),
        ("mysql", Literal("a\\b"), "String", "UPDATE `order` SET flag='a\\\\b' WHERE flag IS NULL"),
        ("mariadb", Literal("it's"), None, "UPDATE `order` SET flag='it''s' WHERE flag IS NULL"),
        ("sqlite", SqlFunction("now"), "DateTime", 'UPDATE "order" SET flag=CURRENT_TIMESTAMP WHERE flag IS NULL'),
        ("postgresql", Literal({"k": "v"}), "JSONB", "UPDATE \"order\" SET flag='{\"k\": \"v\"}' WHERE flag IS NULL"),
    ],
)
def test_dialect_sql(dialect, value, type_name, expected) -> None:
    assert dialect_update(dialect, "order", "flag", None, value, type_name) == expected


def test_dialect_sql_quotes_mixed_case_schema() -> None:
    sql = dialect_update("postgresql", "Invoices", "Paid", "Billing", Literal(True), "Boolean")
    assert sql == 'UPDATE "Billing"."Invoices" SET "Paid"=true WHERE "Paid" IS NULL'


@pytest.mark.parametrize(
    "sql",
    [
        "SET a = ':x'",
        "SET a = ' :x' WHERE b IS NULL",
        "SET a = '12:30'",
        "SET a = '::x'",
        "SET a = ':x:y'",
        "SET a = 'a\\:b'",
        "SET a = ':'",
        "SET a = ': x'",
        "SET a = ':é'",
    ],
)
def test_escaped_colons_reach_the_database_as_written(sql: str) -> None:
    """What Alembic does with a string: text(), compiled. No bind parameters, same text."""
    clause = sa.text(escape_bind_colons(sql))
    assert clause._bindparams == {}
    assert str(clause.compile()) == sql


@given(st.text())
def test_escaped_colons_round_trip_through_text(sql: str) -> None:
    clause = sa.text(escape_bind_colons(sql))
    assert clause._bindparams == {}
    assert str(clause.compile()) == sql


@given(st.text())
def test_python_string_round_trips(text: str) -> None:
    assert ast.literal_eval(python_string(text)) == text


def test_execute_statement_prefers_double_quotes() -> None:
    assert execute_statement("op", "UPDATE t SET a = 'x'") == "op.execute(\"UPDATE t SET a = 'x'\")"
    assert execute_statement("o", 'UPDATE "t" SET a=1') == "o.execute('UPDATE \"t\" SET a=1')"

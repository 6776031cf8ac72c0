"""The UPDATE statement of a backfill, as SQL text.

Two ways to write it. With no known database, only a text that PostgreSQL,
MySQL/MariaDB and SQLite all read the same way (checked by hand-kept rules that
import nothing). With a known dialect, SQLAlchemy's own compiler, which knows
that dialect's quoting, escaping and booleans better than any copy of it would.
"""

from __future__ import annotations

import datetime
import decimal
import json
import math
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .model import Literal, SqlFunction
from .reserved_words import PORTABLE_RESERVED_WORDS

if TYPE_CHECKING:
    from sqlalchemy.engine import Dialect

PLAIN_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*\Z")
BIGINT = 2**63

# SQLAlchemy type names by the kind of literal they take.
BOOLEAN_TYPES = frozenset({"Boolean", "BOOLEAN"})
INTEGER_TYPES = frozenset(
    {"Integer", "INTEGER", "INT", "BigInteger", "BIGINT", "SmallInteger", "SMALLINT"}
)
NUMERIC_TYPES = INTEGER_TYPES | frozenset(
    {"Numeric", "NUMERIC", "DECIMAL", "Float", "FLOAT", "REAL", "Double", "DOUBLE",
     "DOUBLE_PRECISION"}
)
STRING_TYPES = frozenset(
    {"String", "VARCHAR", "Text", "TEXT", "Unicode", "UnicodeText", "CHAR", "NVARCHAR",
     "NCHAR", "CLOB", "Enum", "ENUM"}
)
JSON_TYPES = frozenset({"JSON", "JSONB"})
TEMPORAL_TYPES = frozenset(
    {"DateTime", "DATETIME", "TIMESTAMP", "Date", "DATE", "Time", "TIME"}
)
TIMESTAMP_FUNCTIONS = frozenset({"now", "current_timestamp", "localtimestamp"})

# ``text()`` reads ``:name`` as a bind parameter and ``\:name`` as an escaped
# colon (SQLAlchemy 2's own patterns).
BIND_PARAMETER = re.compile(r"(?<![:\w\\]):(?=\w+(?![:\w]))")
ESCAPED_COLON = re.compile(r"\\(?=:\w*(?![:\w]))")


def escape_bind_colons(sql: str) -> str:
    """Make ``text(result)`` send exactly ``sql``: Alembic's ``op.execute``
    reads a string as ``text()``, where ``':x'`` would be a parameter."""
    return BIND_PARAMETER.sub(r"\\:", ESCAPED_COLON.sub(r"\\\\", sql))


# -- portable SQL ------------------------------------------------------------


def portable_update(
    table: str, column: str, schema: str | None, value: Literal | SqlFunction, type_name: str | None
) -> str | None:
    """The one UPDATE text all three databases accept, or None if there is none."""
    names = [table, column] + ([schema] if schema else [])
    if not all(is_portable_identifier(name) for name in names):
        return None
    literal = portable_literal(value, type_name)
    if literal is None:
        return None
    target = f"{schema}.{table}" if schema else table
    return f"UPDATE {target} SET {column} = {literal} WHERE {column} IS NULL"


def is_portable_identifier(name: str) -> bool:
    return bool(PLAIN_IDENTIFIER.match(name)) and name not in PORTABLE_RESERVED_WORDS


def portable_literal(value: Literal | SqlFunction, type_name: str | None) -> str | None:
    """SQL for ``value`` when its spelling means the same on every database."""
    if isinstance(value, SqlFunction):
        if value.name in TIMESTAMP_FUNCTIONS and _accepts(type_name, TEMPORAL_TYPES):
            return "CURRENT_TIMESTAMP"
        if value.name in ("true", "false") and _accepts(type_name, BOOLEAN_TYPES):
            return value.name
        return None
    raw = value.value
    if isinstance(raw, bool):
        return ("true" if raw else "false") if _accepts(type_name, BOOLEAN_TYPES) else None
    if isinstance(raw, int):
        return str(raw) if -BIGINT <= raw < BIGINT and _accepts(type_name, NUMERIC_TYPES) else None
    if isinstance(raw, float):
        return repr(raw) if math.isfinite(raw) and _accepts(type_name, NUMERIC_TYPES) else None
    if isinstance(raw, decimal.Decimal):
        return str(raw) if _accepts(type_name, NUMERIC_TYPES) else None
    if isinstance(raw, (datetime.date, datetime.time)):
        return _portable_string(temporal_text(raw), type_name, TEMPORAL_TYPES)
    if isinstance(raw, (dict, list)):
        return _portable_string(json_text(raw), type_name or "", JSON_TYPES)
    return _portable_string(raw, type_name, STRING_TYPES | TEMPORAL_TYPES)


def _portable_string(text: str | None, type_name: str | None, kinds: frozenset[str]) -> str | None:
    """A quoted string, unless MySQL would read a backslash in it as an escape."""
    if text is None or "\\" in text or "\x00" in text or not _accepts(type_name, kinds):
        return None
    return "'" + text.replace("'", "''") + "'"


def temporal_text(value: datetime.date | datetime.time) -> str | None:
    """ISO text every database casts to its date/time types; None if zone-aware."""
    if isinstance(value, (datetime.datetime, datetime.time)) and value.tzinfo is not None:
        return None
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    return value.isoformat()


def json_text(value: dict | list) -> str:
    """The JSON document as SQLAlchemy's JSON type would serialise it."""
    return json.dumps(value)


def _accepts(type_name: str | None, kinds: frozenset[str]) -> bool:
    """An unknown type takes the literal as written; a known one must match."""
    return type_name is None or type_name in kinds


# -- dialect SQL ---------------------------------------------------------------


def dialect_update(
    dialect_name: str,
    table: str,
    column: str,
    schema: str | None,
    value: Literal | SqlFunction,
    type_name: str | None,
) -> str:
    """The UPDATE as SQLAlchemy compiles it for ``dialect_name``, values inlined."""
    import sqlalchemy as sa

    column_type = sqlalchemy_type(type_name, value)
    target = sa.table(table, sa.column(column, column_type), schema=schema)
    statement = (
        target.update()
        .where(sa.column(column).is_(None))
        .values({column: sqlalchemy_value(value, column_type)})
    )
    compiled = statement.compile(
        dialect=dialect(dialect_name), compile_kwargs={"literal_binds": True}
    )
    return str(compiled)


def is_sqlalchemy_type(type_name: str | None, dialect_name: str) -> bool:
    """A type of SQLAlchemy or of the dialect (no custom bind processing), or none given."""
    if type_name is None:
        return True
    import importlib

    from sqlalchemy import types

    package = "mysql" if dialect_name == "mariadb" else dialect_name
    dialect_types = importlib.import_module(f"sqlalchemy.dialects.{package}")
    declared = getattr(types, type_name, None) or getattr(dialect_types, type_name, None)
    return isinstance(declared, type) and issubclass(declared, types.TypeEngine)


def dialect_literal(dialect_name: str, value: Literal | SqlFunction, type_name: str | None) -> str:
    """One value as ``dialect_name`` writes it inline (for a server default)."""
    expression = sqlalchemy_value(value, sqlalchemy_type(type_name, value))
    compiled = expression.compile(
        dialect=dialect(dialect_name), compile_kwargs={"literal_binds": True}
    )
    return str(compiled)


@lru_cache(maxsize=None)
def dialect(name: str) -> Dialect:
    """A dialect with the named paramstyle: pyformat would double every ``%``."""
    from sqlalchemy.engine import URL

    compiler_dialect = URL.create(name).get_dialect()(paramstyle="named")
    if name == "postgresql":
        # SQLAlchemy 2.0 assumes backslash escapes until it has asked a live
        # server; PostgreSQL has had standard_conforming_strings on since 9.1.
        compiler_dialect._backslash_escapes = False
    return compiler_dialect


def sqlalchemy_type(type_name: str | None, value: Literal | SqlFunction) -> Any:
    """The declared type where SQLAlchemy knows it, else the value's own."""
    import sqlalchemy as sa
    from sqlalchemy import types

    raw = value.value if isinstance(value, Literal) else None
    if isinstance(raw, (dict, list)):
        return sa.String()  # literal_binds cannot render JSON: write its text
    declared = getattr(types, type_name, None) if type_name else None
    if isinstance(declared, type) and issubclass(declared, types.TypeEngine):
        if not issubclass(declared, (types.Enum, types.JSON, types.ARRAY)):
            try:
                instance = declared()
            except TypeError:
                instance = None
            if instance is not None and (raw is None or _takes(instance, raw)):
                return instance
    if isinstance(raw, bool):
        return sa.Boolean()
    if isinstance(raw, int):
        return sa.BigInteger()
    if isinstance(raw, float):
        return sa.Float()
    if isinstance(raw, decimal.Decimal):
        return sa.Numeric()
    if isinstance(raw, datetime.datetime):
        return sa.DateTime()
    if isinstance(raw, datetime.date):
        return sa.Date()
    if isinstance(raw, datetime.time):
        return sa.Time()
    return sa.String()


def _takes(column_type: Any, raw: object) -> bool:
    """Whether the type's literal renderer accepts this Python value."""
    try:
        python_type = column_type.python_type
    except NotImplementedError:
        return False
    if isinstance(raw, bool) or python_type is bool:
        return python_type is bool and isinstance(raw, bool)
    if isinstance(raw, (int, float)):
        return python_type in (int, float) or python_type.__name__ == "Decimal"
    return isinstance(raw, python_type)


def sqlalchemy_value(value: Literal | SqlFunction, column_type: Any) -> Any:
    import sqlalchemy as sa

    if isinstance(value, Literal):
        raw = value.value
        return sa.literal(json_text(raw) if isinstance(raw, (dict, list)) else raw, column_type)
    if value.name == "true":
        return sa.true()
    if value.name == "false":
        return sa.false()
    if value.name == "text":
        return sa.text(value.text or "")
    return getattr(sa.func, value.name)()

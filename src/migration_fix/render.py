"""Python source for the statements a backfill adds to a migration."""

from __future__ import annotations

from .model import Name, NewColumn, Runtime
from .sql import escape_bind_colons

ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\x00": "\\x00"}


def python_string(text: str) -> str:
    """A string literal for ``text``: double quotes unless the text holds them.

    Characters that are not printable (a form feed, U+2028...) are escaped, so
    that an editor, or ``str.splitlines``, sees the line the parser sees.
    """
    quote = "'" if '"' in text and "'" not in text else '"'
    escaped = "".join(ESCAPES.get(char, char if char.isprintable() else _escape(char)) for char in text)
    if quote == '"':
        escaped = escaped.replace('"', '\\"')
    return f"{quote}{escaped}{quote}"


def _escape(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def escape_unencodable(source: str, encoding: str) -> str:
    """Inserted code the file's encoding cannot hold (a Euro sign in a latin-1
    file) spelled with escapes; it only ever stands in our string literals."""
    try:
        source.encode(encoding)
        return source
    except UnicodeEncodeError:
        return "".join(char if _encodable(char, encoding) else _escape(char) for char in source)


def _encodable(char: str, encoding: str) -> bool:
    try:
        char.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def execute_statement(receiver: str, sql: str) -> str:
    """``op.execute("UPDATE ...")``: Alembic runs a string through ``text()``."""
    return f"{receiver}.execute({python_string(escape_bind_colons(sql))})"


def core_statement(column: NewColumn, receiver: str, sa: str) -> str:
    """A SQLAlchemy Core UPDATE that Alembic compiles for the live database.

    The default and the type are the migration's own expressions, so Python
    evaluates them exactly as it evaluates the ``default=``.
    """
    name = name_source(column.name)
    column_type = f", {column.type_source}" if column.type_source else ""
    schema = f", schema={name_source(column.schema)}" if column.schema is not None else ""
    table = name_source(column.table)
    return "\n".join(
        (
            f"{receiver}.execute(",
            f"    {sa}.table({table}, {sa}.column({name}{column_type}){schema})",
            "    .update()",
            f"    .where({sa}.column({name}).is_(None))",
            f"    .values({{{name}: {column.default_source}}})",
            ")",
        )
    )


def name_source(name: Name) -> str:
    """A table, column or schema name as Python: a string, or the expression."""
    if isinstance(name, str):
        return python_string(name)
    assert isinstance(name, Runtime), name
    return name.source


def name_text(name: Name) -> str:
    """A name as messages show it."""
    return name if isinstance(name, str) else name.source


def _table_arguments(column: NewColumn) -> str:
    schema = f", schema={name_source(column.schema)}" if column.schema is not None else ""
    return f"{name_source(column.table)}{schema}"


def alter_column_statement(
    column: NewColumn, receiver: str, changes: str, in_batch: bool, indent_unit: str
) -> str:
    """``op.alter_column(...)`` carrying the column's existing facts.

    MySQL's MODIFY rewrites the whole column, so the type and comment must be
    restated or they are lost. SQLite cannot ALTER a column at all: there the
    change goes through a ``batch_alter_table`` block (on other databases that
    block just issues the ALTER).
    """
    facts = changes
    if column.type_source:
        facts += f", existing_type={column.type_source}"
    if column.comment_source:
        facts += f", existing_comment={column.comment_source}"
    name = name_source(column.name)
    if not in_batch:
        return f"{receiver}.alter_column({_table_arguments(column)}, {name}, {facts})"
    return (
        f"with {receiver}.batch_alter_table({_table_arguments(column)}) as batch_op:\n"
        f"{indent_unit}batch_op.alter_column({name}, {facts})"
    )

"""Recognise a backfill that is already written after an add_column.

Many styles count (an UPDATE string or f-string, ``text()``, a Core
``update().values(...)``, an ORM assignment in a loop, ours after a formatter
rewrapped it) when they write that column of that table, later in the same
function. Then nothing is added: a hand-written backfill may be computed.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator

from .model import Name, Runtime


def has_backfill_after(
    scope: ast.AST,
    after_line: int,
    table: Name,
    column: Name,
    schema: Name | None = None,
    constant: Callable[[ast.expr], object] = lambda node: None,
) -> bool:
    """Whether a statement after ``after_line`` in ``scope`` writes the column.

    ``constant`` evaluates a name to the value it is bound to (module
    constants), so ``sa.table(T, ...)`` counts when ``T`` is the table.
    """
    if not isinstance(column, (str, Runtime)) or not isinstance(table, (str, Runtime)):
        return False
    pattern = None  # compiled at the first execute: most scopes have none after the add
    for node in nodes_in_scope(scope, after_line):
        if getattr(node, "lineno", 0) <= after_line:
            continue
        if isinstance(node, ast.Call) and call_name(node) == "execute" and node.args:
            pattern = pattern or update_pattern(table, column, schema)
            if any(pattern.search(text) for text in sql_texts(node.args[0], scope)):
                return True
        if isinstance(node, ast.Call) and call_name(node) == "values":
            if writes_column(node, table, column, scope, constant):
                return True
        if isinstance(node, ast.For) and assigns_attribute(node, column):
            return True
    return False


def nodes_in_scope(scope: ast.AST, after_line: int = 0) -> Iterator[ast.AST]:
    """Every node of the function (or module), but not of functions nested in it;
    with ``after_line``, none of a statement that ends by then (a backfill is after
    the add_column, and most of a function is before it)."""
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.stmt) and (node.end_lineno or node.lineno) <= after_line:
            continue
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))


def update_pattern(
    table: str | Runtime, column: str | Runtime, schema: Name | None = None
) -> re.Pattern[str]:
    """SQL text of an UPDATE of ``table`` that sets ``column``, in any quoting.

    A name known only at run time matches the f-string placeholder that spells
    the same expression (``{table}``); a run-time table matches any table. The
    schema must be the column's: none for none, that one (or any, when it is
    known only at run time) otherwise.
    """

    def name(value: str | Runtime, anything: str) -> str:
        if isinstance(value, Runtime):
            return rf"(?:\{{{re.escape(value.source)}[^}}]*\}}|{anything})"
        return rf"[`\"\[]?{re.escape(value)}[`\"\]]?"

    table_part = name(table, r"\S+")
    column_part = name(column, r"(?!)")
    if schema is None:
        schema_part = ""
    elif isinstance(schema, Runtime):
        schema_part = r"(?:[`\"\[]?[^\s.]+[`\"\]]?\.)?"
    else:
        schema_part = name(schema, "") + r"\."
    return re.compile(
        rf"\bUPDATE\s+{schema_part}{table_part}\s+SET\b"
        rf"(?:(?:(?!\bWHERE\b).)*?[\s,])?{column_part}\s*=",
        re.IGNORECASE | re.DOTALL,
    )


def sql_texts(node: ast.expr, scope: ast.AST) -> Iterator[str]:
    """The SQL an ``execute`` argument spells out: strings, f-strings (with
    ``{expr}`` for their fields), ``text(...)``, ``"..." % x``, a variable."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.JoinedStr):
        yield "".join(
            part.value if isinstance(part, ast.Constant) else "{" + ast.unparse(part.value) + "}"
            for part in node.values
            if isinstance(part, (ast.Constant, ast.FormattedValue))
        )
    elif isinstance(node, ast.Call) and node.args:
        yield from sql_texts(node.args[0], scope)
        if isinstance(node.func, ast.Attribute):
            yield from sql_texts(node.func.value, scope)
    elif isinstance(node, ast.BinOp):
        yield from sql_texts(node.left, scope)
    elif isinstance(node, ast.Name):
        for value in assigned_values(scope, node.id):
            yield from sql_texts(value, scope)


def writes_column(
    values_call: ast.Call,
    table: str | Runtime,
    column: str | Runtime,
    scope: ast.AST,
    constant: Callable[[ast.expr], object] = lambda node: None,
) -> bool:
    """``<update of table>.values(column=...)`` or ``.values({"column": ...})``."""
    keys: set[str] = {keyword.arg for keyword in values_call.keywords if keyword.arg}
    for argument in values_call.args:
        if isinstance(argument, ast.Dict):
            keys |= {
                key.value if isinstance(key, ast.Constant) else ast.unparse(key)
                for key in argument.keys
                if key is not None
            }
    if (column if isinstance(column, str) else column.source) not in keys:
        return False
    chain = [values_call.func]
    for node in ast.walk(values_call.func):
        if isinstance(node, ast.Name):
            chain.extend(assigned_values(scope, node.id))
    if not any("update" in ast.unparse(part) for part in chain):
        return False
    if isinstance(table, Runtime):
        return True
    return any(
        (isinstance(node, ast.Constant) and node.value == table)
        or (isinstance(node, ast.Name) and constant(node) == table)
        for part in chain
        for node in ast.walk(part)
    )


def assigns_attribute(loop: ast.For, column: str | Runtime) -> bool:
    """``for invoice in query: invoice.<column> = ...``: an ORM backfill."""
    if not isinstance(column, str):
        return False
    return any(
        isinstance(target, ast.Attribute) and target.attr == column
        for node in ast.walk(loop)
        if isinstance(node, (ast.Assign, ast.AugAssign))
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
    )


def assigned_values(scope: ast.AST, name: str) -> list[ast.expr]:
    return [
        node.value
        for node in nodes_in_scope(scope)
        if isinstance(node, ast.Assign)
        and any(isinstance(target, ast.Name) and target.id == name for target in node.targets)
    ]


def call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    if isinstance(node.func, ast.Name):
        return node.func.id
    return None

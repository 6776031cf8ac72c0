"""Find the ``add_column`` calls of a migration and what their columns say.

Reads Python's own syntax tree (``ast``): it is implemented in C and costs a
fraction of a libcst parse, so a file that needs nothing never reaches libcst.
"""

from __future__ import annotations

import ast
import datetime
import decimal
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from .model import (
    CallableDefault,
    ColumnAddition,
    DefaultValue,
    Literal,
    Location,
    Migration,
    NewColumn,
    SqlFunction,
    Unresolved,
)

COLUMN_CLASSES = frozenset(
    {"sqlalchemy.Column", "sqlalchemy.schema.Column", "sqlalchemy.sql.schema.Column"}
)
ALEMBIC_OP = "alembic.op"
SQLALCHEMY_FUNC = frozenset(
    {"sqlalchemy.func", "sqlalchemy.sql.func", "sqlalchemy.sql.functions.func"}
)
SQLALCHEMY_MODULES = frozenset({"sqlalchemy", "sqlalchemy.sql", "sqlalchemy.sql.expression"})
CALLABLE_MODULES = ("datetime.", "uuid.", "time.", "random.", "secrets.")
VALUE_CONSTRUCTORS = {
    "datetime.date": datetime.date,
    "datetime.datetime": datetime.datetime,
    "datetime.time": datetime.time,
    "decimal.Decimal": decimal.Decimal,
}
IGNORE_COMMENT = re.compile(r"#\s*migration-fix:\s*ignore\b(?:\[(?P<codes>[^\]]*)\])?")


@dataclass
class SourceText:
    """The decoded file, split into lines that keep their line endings."""

    text: str
    lines: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.lines = self.text.splitlines(keepends=True) or [""]

    def line(self, number: int) -> str:
        return self.lines[number - 1] if 0 < number <= len(self.lines) else ""

    def column(self, node: ast.expr | ast.stmt | ast.keyword) -> int:
        """1-based character column; ``ast`` counts UTF-8 bytes."""
        prefix = self.line(node.lineno).encode("utf-8")[: node.col_offset]
        return len(prefix.decode("utf-8", errors="replace")) + 1

    def indent(self, number: int) -> str:
        line = self.line(number)
        return line[: len(line) - len(line.lstrip(" \t\f"))]

    def newline(self, number: int) -> str:
        line = self.line(number)
        for ending in ("\r\n", "\n", "\r"):
            if line.endswith(ending):
                return ending
        return self.first_newline()

    def first_newline(self) -> str:
        match = re.search(r"\r\n|\n|\r", self.text)
        return match.group(0) if match else "\n"

    def segment(self, node: ast.expr | None) -> str | None:
        """The expression as the user wrote it, if on one line; else normalised."""
        if node is None:
            return None
        if node.lineno == node.end_lineno:
            line = self.line(node.lineno).encode("utf-8")
            return line[node.col_offset : node.end_col_offset].decode("utf-8")
        return ast.unparse(node)

    def indent_unit(self, scope: ast.AST) -> str:
        """One level of indentation, as the enclosing function (or file) writes it."""
        if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)) and scope.body:
            outer, inner = self.indent(scope.lineno), self.indent(scope.body[0].lineno)
            if inner.startswith(outer) and len(inner) > len(outer):
                return inner[len(outer) :]
        for line in self.lines:
            if line[:1] in (" ", "\t") and line.strip():
                return "\t" if line[0] == "\t" else "    "
        return "    "

    def starts_its_line(self, node: ast.stmt) -> bool:
        """False for ``if x: op.add_column(...)``: no line of its own to follow."""
        return self.column(node) == len(self.indent(node.lineno)) + 1

    def ignored_codes(self, number: int) -> frozenset[str] | None:
        match = IGNORE_COMMENT.search(self.line(number))
        if match is None:
            return None
        codes = match.group("codes") or ""
        return frozenset(code.strip() for code in codes.split(",") if code.strip())


class Imports:
    """Maps the names a module binds by importing to their dotted origin."""

    def __init__(self, tree: ast.Module) -> None:
        self.origins: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.origins[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        self.origins[top] = top
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    self.origins[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    def qualified_name(self, node: ast.expr) -> str | None:
        """``sa.Column`` -> ``sqlalchemy.Column`` when ``sa`` is sqlalchemy."""
        if isinstance(node, ast.Name):
            return self.origins.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self.qualified_name(node.value)
            return f"{base}.{node.attr}" if base else None
        return None


class ModuleConstants:
    """Module-level names bound exactly once, to a literal."""

    def __init__(self, tree: ast.Module) -> None:
        bindings: dict[str, int] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                bindings[node.id] = bindings.get(node.id, 0) + 1
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                bindings[node.name] = bindings.get(node.name, 0) + 1
            elif isinstance(node, ast.arg):
                bindings[node.arg] = bindings.get(node.arg, 0) + 1
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                for name in node.names:
                    bindings[name] = bindings.get(name, 0) + 2
        self.values: dict[str, ast.expr] = {}
        for statement in tree.body:
            target, value = _single_target_assignment(statement)
            if target is not None and value is not None and bindings.get(target) == 1:
                self.values[target] = value
        self.functions = {
            node.name
            for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        }
        self.enums = {
            node.name: _enum_members(node)
            for node in tree.body
            if isinstance(node, ast.ClassDef) and _is_enum_class(node)
        }

    def enum_member(self, node: ast.expr) -> Literal | None:
        """``Status.ACTIVE`` -> its name (how sa.Enum stores it); ``.value`` -> its value."""
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            members = self.enums.get(node.value.id, {})
            return Literal(node.attr) if node.attr in members else None
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "value"
            and isinstance(node.value, ast.Attribute)
            and isinstance(node.value.value, ast.Name)
        ):
            return self.enums.get(node.value.value.id, {}).get(node.value.attr)
        return None


def _is_enum_class(node: ast.ClassDef) -> bool:
    return any(ast.unparse(base).split(".")[-1].endswith("Enum") for base in node.bases)


def _enum_members(node: ast.ClassDef) -> dict[str, Literal]:
    members = {}
    for statement in node.body:
        target, value = _single_target_assignment(statement)
        literal = _literal(value)
        if target is not None and literal is not None and not target.startswith("_"):
            members[target] = literal
    return members


def _single_target_assignment(statement: ast.stmt) -> tuple[str | None, ast.expr | None]:
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target = statement.targets[0]
        if isinstance(target, ast.Name):
            return target.id, statement.value
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return statement.target.id, statement.value
    return None, None


@dataclass(frozen=True)
class BatchContext:
    """The table of an enclosing ``with op.batch_alter_table(...) as name:``."""

    table: str | Unresolved
    schema: str | Unresolved | None
    statement: ast.With
    op_receiver: str


class MigrationReader:
    """Walks one module and yields a ColumnAddition per defaulted column."""

    def __init__(self, tree: ast.Module, source: SourceText) -> None:
        self.tree = tree
        self.source = source
        self.imports = Imports(tree)
        self.constants = ModuleConstants(tree)

    def column_additions(self) -> list[ColumnAddition]:
        additions = list(self._walk_body(self.tree.body, self.tree, {}))
        return sorted(additions, key=lambda addition: addition.location.line)

    # -- walking ------------------------------------------------------------

    def _walk_body(
        self, body: list[ast.stmt], scope: ast.AST, batches: dict[str, BatchContext]
    ) -> Iterator[ColumnAddition]:
        for index, statement in enumerate(body):
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield from self._walk_body(statement.body, statement, {})
                continue
            if isinstance(statement, ast.ClassDef):
                yield from self._walk_body(statement.body, scope, batches)
                continue
            if isinstance(statement, (ast.With, ast.AsyncWith)):
                inner = {**batches, **self._batch_targets(statement)}
                yield from self._walk_body(statement.body, scope, inner)
                continue
            if _is_compound(statement):
                for child in _child_bodies(statement):
                    yield from self._walk_body(child, scope, batches)
                continue
            group = _semicolon_group(body, index)
            for call in _calls_in(statement):
                addition = self._read_call(call, group, body, scope, batches)
                if addition is not None:
                    yield addition

    def _batch_targets(self, statement: ast.With | ast.AsyncWith) -> dict[str, BatchContext]:
        targets: dict[str, BatchContext] = {}
        for item in statement.items:
            call = item.context_expr
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
                continue
            if call.func.attr != "batch_alter_table" or not self._is_op(call.func.value):
                continue
            if isinstance(item.optional_vars, ast.Name) and isinstance(statement, ast.With):
                table = self._name_value(_argument(call, 0, "table_name"))
                schema = self._schema_value(_argument(call, None, "schema"))
                targets[item.optional_vars.id] = BatchContext(
                    table, schema, statement, ast.unparse(call.func.value)
                )
        return targets

    def _is_op(self, node: ast.expr) -> bool:
        return self.imports.qualified_name(node) == ALEMBIC_OP

    # -- one call ------------------------------------------------------------

    def _read_call(
        self,
        call: ast.Call,
        group: list[ast.stmt],
        body: list[ast.stmt],
        scope: ast.AST,
        batches: dict[str, BatchContext],
    ) -> ColumnAddition | None:
        if not (isinstance(call.func, ast.Attribute) and call.func.attr == "add_column"):
            return None
        receiver = call.func.value
        batch = batches.get(receiver.id) if isinstance(receiver, ast.Name) else None
        if batch is not None:
            table: str | Unresolved = batch.table
            schema = batch.schema
            column_node = _argument(call, 0, "column")
            anchor: list[ast.stmt] = [batch.statement]
        elif self._is_op(receiver):
            table = self._name_value(_argument(call, 0, "table_name"))
            schema = self._schema_value(_argument(call, None, "schema"))
            column_node = _argument(call, 1, "column")
            anchor = group
        else:
            return None
        if not isinstance(column_node, ast.Call) or not self._is_column(column_node.func):
            return None
        keywords = {keyword.arg: keyword.value for keyword in column_node.keywords if keyword.arg}
        default_node = keywords.get("default", keywords.get("insert_default"))
        type_node = _argument(column_node, 1, "type_")
        default = (
            self._default_value(default_node, _type_name(type_node))
            if default_node is not None
            else None
        )
        nullable = _bool_constant(keywords.get("nullable"))
        if nullable is None and "nullable" not in keywords:
            nullable = _bool_constant(keywords.get("primary_key")) is not True
        server_default = keywords.get("server_default")
        has_server_default = server_default is not None and not _is_none(server_default)
        if default is None and (nullable is not False or has_server_default):
            return None
        first, last = anchor[0], anchor[-1]
        end_line = last.end_lineno or last.lineno
        name = self._name_value(_argument(column_node, 0, "name"))
        return ColumnAddition(
            column=NewColumn(
                table=table,
                name=name,
                schema=schema,
                default=default,
                type_name=_type_name(type_node),
                nullable=nullable,
                has_server_default=has_server_default,
                default_source=self.source.segment(default_node),
                type_source=self.source.segment(type_node),
                comment_source=self.source.segment(keywords.get("comment")),
            ),
            receiver=batch.op_receiver if batch is not None else ast.unparse(receiver),
            location=Location(call.lineno, self.source.column(call)),
            anchor_line=first.lineno,
            anchor_end_line=end_line,
            indent=self.source.indent(first.lineno),
            newline=self.source.newline(end_line),
            already_backfilled=self._has_backfill_after(scope, end_line, table, name),
            ignored_codes=self.source.ignored_codes(call.lineno),
            in_batch=batch is not None,
            insertable=self.source.starts_its_line(first),
            indent_unit=self.source.indent_unit(scope),
            nullable_at=self._false_position(keywords.get("nullable")),
            default_keyword_at=self._keyword_position(column_node, "default", "insert_default"),
        )

    def _false_position(self, node: ast.expr | None) -> tuple[int, int] | None:
        if isinstance(node, ast.Constant) and node.value is False and node.lineno == node.end_lineno:
            return node.lineno, self.source.column(node) - 1
        return None

    def _keyword_position(self, call: ast.Call, *names: str) -> tuple[int, int] | None:
        for keyword in call.keywords:
            if keyword.arg in names:
                return keyword.lineno, self.source.column(keyword) - 1
        return None

    def _is_column(self, node: ast.expr) -> bool:
        return self.imports.qualified_name(node) in COLUMN_CLASSES

    def _name_value(self, node: ast.expr | None) -> str | Unresolved:
        """A table, column or schema name, when it is written as a literal."""
        resolved = self._resolve_constant(node)
        if isinstance(resolved, ast.Constant) and isinstance(resolved.value, str):
            return resolved.value
        return Unresolved(ast.unparse(node) if node is not None else "")

    def _schema_value(self, node: ast.expr | None) -> str | Unresolved | None:
        return None if node is None or _is_none(node) else self._name_value(node)

    def _resolve_constant(self, node: ast.expr | None) -> ast.expr | None:
        if isinstance(node, ast.Name) and node.id in self.constants.values:
            return self.constants.values[node.id]
        return node

    # -- defaults ------------------------------------------------------------

    def _default_value(self, node: ast.expr, type_name: str | None) -> DefaultValue | None:
        if _is_none(node):
            return None
        literal = _literal(self._resolve_constant(node))
        if literal is not None:
            return literal
        if isinstance(node, ast.Lambda):
            return CallableDefault(ast.unparse(node))
        if isinstance(node, ast.Call):
            return self._call_default(node)
        if isinstance(node, (ast.Name, ast.Attribute)):
            return self._named_default(node, type_name)
        return Unresolved(ast.unparse(node))

    def _call_default(self, node: ast.Call) -> DefaultValue:
        source = ast.unparse(node)
        func = node.func
        qualified = self.imports.qualified_name(func) or ""
        module, _, attr = qualified.rpartition(".")
        if isinstance(func, ast.Attribute) and self.imports.qualified_name(func.value) in SQLALCHEMY_FUNC:
            if not node.args and not node.keywords:
                return SqlFunction(func.attr.lower())
        if qualified in VALUE_CONSTRUCTORS:
            return _constructed_value(node, VALUE_CONSTRUCTORS[qualified]) or Unresolved(source)
        if module in SQLALCHEMY_MODULES:
            if attr in ("true", "false") and not node.args:
                return SqlFunction(attr)
            if attr == "text" and len(node.args) == 1:
                text = _literal(node.args[0])
                if text is not None and isinstance(text.value, str):
                    return SqlFunction("text", text.value)
            if attr == "literal" and node.args:
                literal = _literal(self._resolve_constant(node.args[0]))
                if literal is not None:
                    return literal
        return Unresolved(source)

    def _named_default(self, node: ast.Name | ast.Attribute, type_name: str | None) -> DefaultValue:
        source = ast.unparse(node)
        qualified = self.imports.qualified_name(node) or ""
        if isinstance(node, ast.Name) and node.id in self.constants.functions:
            return CallableDefault(source)
        if qualified.startswith(CALLABLE_MODULES):
            return CallableDefault(source)
        if isinstance(node, ast.Attribute) and self.imports.qualified_name(node.value) in SQLALCHEMY_FUNC:
            return CallableDefault(source)
        member = self.constants.enum_member(node)
        is_member_itself = isinstance(node, ast.Attribute) and node.attr != "value"
        if member is not None and (type_name == "Enum" or not is_member_itself):
            return member
        return Unresolved(source)

    # -- backfills already written ---------------------------------------------

    def _has_backfill_after(
        self, scope: ast.AST, after_line: int, table: str | Unresolved, column: str | Unresolved
    ) -> bool:
        if not isinstance(table, str) or not isinstance(column, str):
            return False
        pattern = update_pattern(table, column)
        for node in ast.walk(scope):
            if not isinstance(node, ast.Call) or node.lineno <= after_line:
                continue
            if _call_name(node) == "execute" and node.args:
                if any(pattern.search(text) for text in _texts(node.args[0])):
                    return True
            if _call_name(node) == "values" and _writes_column(node, table, column):
                return True
        return False


def update_pattern(table: str, column: str) -> re.Pattern[str]:
    """SQL text of an UPDATE of ``table`` that sets ``column``, in any quoting."""

    def quoted(name: str) -> str:
        return rf"[`\"\[]?{re.escape(name)}[`\"\]]?"

    return re.compile(
        rf"\bUPDATE\s+(?:[`\"\[]?[^\s.]+[`\"\]]?\.)?{quoted(table)}\s+SET\b"
        rf"(?:.*?[\s,])?{quoted(column)}\s*=",
        re.IGNORECASE | re.DOTALL,
    )


def _writes_column(values_call: ast.Call, table: str, column: str) -> bool:
    """``<update of table>.values(column=...)`` or ``.values({"column": ...})``."""
    keys = {keyword.arg for keyword in values_call.keywords}
    for argument in values_call.args:
        if isinstance(argument, ast.Dict):
            keys |= {key.value for key in argument.keys if isinstance(key, ast.Constant)}
    if column not in keys:
        return False
    chain = ast.unparse(values_call.func)
    return "update" in chain and any(
        isinstance(node, ast.Constant) and node.value == table
        for node in ast.walk(values_call.func)
    )


def _texts(node: ast.expr) -> Iterator[str]:
    """The SQL text an ``execute`` argument spells out, as far as it is literal."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.JoinedStr):
        yield "".join(
            part.value if isinstance(part, ast.Constant) else "{}" for part in node.values
        )
    elif isinstance(node, ast.Call) and node.args:
        yield from _texts(node.args[0])
        if isinstance(node.func, ast.Attribute):
            yield from _texts(node.func.value)
    elif isinstance(node, ast.BinOp):
        yield from _texts(node.left)


def _call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    if isinstance(node.func, ast.Name):
        return node.func.id
    return None


def _constructed_value(node: ast.Call, constructor: type) -> Literal | None:
    """``datetime.date(2024, 1, 31)``, ``Decimal("9.99")``: values known before run time."""
    if node.keywords or not all(isinstance(argument, ast.Constant) for argument in node.args):
        return None
    arguments = [argument.value for argument in node.args]  # type: ignore[attr-defined]
    if constructor is decimal.Decimal:
        if len(arguments) != 1 or not isinstance(arguments[0], (str, int)):
            return None
    elif not all(type(argument) is int for argument in arguments):
        return None
    try:
        value = constructor(*arguments)
    except (ValueError, TypeError, ArithmeticError):
        return None
    if isinstance(value, decimal.Decimal) and not value.is_finite():
        return None
    return Literal(value)


def _literal(node: ast.expr | None) -> Literal | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, (bool, int, float, str)):
        return Literal(node.value)
    if isinstance(node, (ast.Dict, ast.List)):
        return _json_document(node)
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, (ast.USub, ast.UAdd))
        and isinstance(node.operand, ast.Constant)
        and type(node.operand.value) in (int, float)
    ):
        value = node.operand.value
        return Literal(-value if isinstance(node.op, ast.USub) else value)
    return None


def _json_document(node: ast.Dict | ast.List) -> Literal | None:
    """A dict or list literal that is also a JSON document (a JSON column's default)."""
    try:
        value = ast.literal_eval(node)
        json.dumps(value, allow_nan=False)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    return Literal(value)


def _bool_constant(node: ast.expr | None) -> bool | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        return node.value
    return None


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _type_name(node: ast.expr | None) -> str | None:
    """``sa.Boolean()`` -> ``Boolean``; the class name decides literal rendering."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def _argument(call: ast.Call, position: int | None, keyword: str) -> ast.expr | None:
    for item in call.keywords:
        if item.arg == keyword:
            return item.value
    if position is not None and position < len(call.args):
        argument = call.args[position]
        return None if isinstance(argument, ast.Starred) else argument
    return None


def _calls_in(statement: ast.stmt) -> Iterator[ast.Call]:
    for node in ast.walk(statement):
        if isinstance(node, ast.Call):
            yield node


def _is_compound(statement: ast.stmt) -> bool:
    return any(getattr(statement, name, None) for name in ("body", "orelse", "finalbody", "handlers", "cases"))


def _child_bodies(statement: ast.stmt) -> Iterator[list[ast.stmt]]:
    for name in ("body", "orelse", "finalbody"):
        body = getattr(statement, name, None)
        if body:
            yield body
    for handler in getattr(statement, "handlers", []) or []:
        yield handler.body
    for case in getattr(statement, "cases", []) or []:
        yield case.body


def _semicolon_group(body: list[ast.stmt], index: int) -> list[ast.stmt]:
    """The statements that share physical lines with ``body[index]``."""
    start = index
    while start > 0 and (body[start - 1].end_lineno or 0) >= body[start].lineno:
        start -= 1
    end = index
    while end + 1 < len(body) and body[end + 1].lineno <= (body[end].end_lineno or 0):
        end += 1
    return body[start : end + 1]


def _module_alias(imports: list[ast.Import | ast.ImportFrom], module: str) -> str | None:
    """The name a top-level ``import module [as name]`` binds, if any."""
    for statement in imports:
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                if alias.name == module:
                    return alias.asname or module
    return None


def read_migration(tree: ast.Module, text: str) -> Migration:
    """Every add_column with a default (or NOT NULL without one), in line order."""
    source = SourceText(text)
    reader = MigrationReader(tree, source)
    imports = [
        statement for statement in tree.body if isinstance(statement, (ast.Import, ast.ImportFrom))
    ]
    last = imports[-1] if imports else None
    last_import = (last.lineno, last.end_lineno or last.lineno) if last else (0, 0)
    return Migration(
        additions=reader.column_additions(),
        sqlalchemy_alias=_module_alias(imports, "sqlalchemy"),
        last_import=last_import,
        newline=source.newline(last_import[1]) if imports else source.first_newline(),
    )

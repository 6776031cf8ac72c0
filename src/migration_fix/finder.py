"""Find the ``add_column`` calls of a migration and what their columns say.

Reads Python's own syntax tree (``ast``): it is implemented in C and costs a
fraction of a libcst parse, so a file that needs nothing never reaches libcst.
"""

from __future__ import annotations

import ast
from bisect import bisect_left
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from .existing import has_backfill_after
from .model import ColumnAddition, Location, Migration, Name, NewColumn, StatementPath
from .names import Imports, ModuleNames, SingleAssignments
from .source_text import SourceText
from .values import ValueReader, is_none

COLUMN_CLASSES = frozenset(
    {"sqlalchemy.Column", "sqlalchemy.schema.Column", "sqlalchemy.sql.schema.Column"}
)
ALEMBIC_OP = "alembic.op"
OPERATIONS_CLASSES = ("Operations", "BatchOperations")


@dataclass(frozen=True)
class BatchContext:
    """The table of an enclosing ``with op.batch_alter_table(...) as name:``."""

    table: Name
    schema: Name | None
    statement: ast.With
    op_receiver: str
    path: StatementPath


@dataclass(frozen=True)
class Scope:
    """The function (or module) being walked: its own op names and variables."""

    node: ast.AST
    op_names: frozenset[str] = frozenset()
    local: Mapping[str, ast.expr] = field(default_factory=dict)
    batches: Mapping[str, BatchContext] = field(default_factory=dict)


class MigrationReader:
    """Walks one module and yields a ColumnAddition per add_column that matters."""

    def __init__(self, tree: ast.Module, source: SourceText) -> None:
        self.tree = tree
        self.source = source
        self.imports = Imports(tree)
        self.values = ValueReader(self.imports, ModuleNames(tree))
        # The lines that can hold an add_column: a non-ASCII one may spell it in
        # letters Python's NFKC normalisation turns into "add_column".
        self.call_lines = [
            number for number, line in enumerate(source.lines, 1) if "add_column" in line or not line.isascii()
        ]

    def column_additions(self) -> list[ColumnAddition]:
        additions = self._walk_body(self.tree.body, Scope(self.tree), ())
        return sorted(additions, key=lambda addition: addition.location.line)

    # -- walking ------------------------------------------------------------

    def _walk_body(
        self,
        body: list[ast.stmt],
        scope: Scope,
        prefix: StatementPath,
        field: tuple[str | int, ...] = ("body",),
    ) -> Iterator[ColumnAddition]:
        """Each statement with its path; ``;``-joined ones share an index, as in libcst."""
        for index, path in zip(range(len(body)), statement_paths(body, prefix, field)):
            statement = body[index]
            if not self._may_call_add_column(statement):
                continue
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield from self._walk_body(statement.body, self._function_scope(statement), path)
            elif isinstance(statement, ast.ClassDef):
                yield from self._walk_body(statement.body, scope, path)
            elif isinstance(statement, (ast.With, ast.AsyncWith)):
                batches = {**scope.batches, **self._batch_targets(statement, scope, path)}
                inner = Scope(scope.node, scope.op_names, scope.local, batches)
                yield from self._walk_body(statement.body, inner, path)
            elif _is_compound(statement):
                yield from self._walk_compound(statement, scope, path)
            else:
                group = _semicolon_group(body, index)
                for node in ast.walk(statement):
                    if isinstance(node, ast.Call):
                        addition = self._read_call(node, group, scope, path)
                        if addition is not None:
                            yield addition

    def _may_call_add_column(self, statement: ast.stmt) -> bool:
        """Whether one of the statement's lines is a call line: most statements
        are not, and walking their nodes is most of the finder's time."""
        index = bisect_left(self.call_lines, statement.lineno)
        return index < len(self.call_lines) and self.call_lines[index] <= (statement.end_lineno or statement.lineno)

    def _walk_compound(self, statement: ast.stmt, scope: Scope, path: StatementPath) -> Iterator[ColumnAddition]:
        """if/for/while/try/match bodies, with libcst's shape: an ``elif`` is the
        ``orelse`` If itself, an ``else:`` block holds a body."""
        yield from self._walk_body(getattr(statement, "body", None) or [], scope, path)  # match: cases only
        orelse = getattr(statement, "orelse", None) or []
        if isinstance(statement, ast.If) and len(orelse) == 1 and self._is_elif(orelse[0]):
            yield from self._walk_compound(orelse[0], scope, (*path, ("elif",)))
        elif orelse:
            yield from self._walk_body(orelse, scope, path, ("orelse",))
        for number, handler in enumerate(getattr(statement, "handlers", None) or []):
            yield from self._walk_body(handler.body, scope, path, ("handlers", number))
        if getattr(statement, "finalbody", None):
            yield from self._walk_body(statement.finalbody, scope, path, ("finalbody",))  # type: ignore[attr-defined]
        for number, case in enumerate(getattr(statement, "cases", None) or []):
            yield from self._walk_body(case.body, scope, path, ("cases", number))

    def _is_elif(self, statement: ast.stmt) -> bool:
        return isinstance(statement, ast.If) and self.source.line(statement.lineno).lstrip().startswith("elif")

    def _function_scope(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> Scope:
        """``def upgrade(op):`` and ``op: Operations`` make ``op`` a receiver."""
        op_names = {
            argument.arg
            for argument in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs)
            if argument.arg == "op"
            or (argument.annotation is not None and ast.unparse(argument.annotation).endswith(OPERATIONS_CLASSES))
        }
        return Scope(function, frozenset(op_names), SingleAssignments(function.body, function))

    def _batch_targets(
        self, statement: ast.With | ast.AsyncWith, scope: Scope, path: StatementPath
    ) -> dict[str, BatchContext]:
        targets: dict[str, BatchContext] = {}
        values = self.values.in_scope(scope.local)
        for item in statement.items:
            call = item.context_expr
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
                continue
            if call.func.attr != "batch_alter_table" or not self._is_op(call.func.value, scope):
                continue
            if isinstance(item.optional_vars, ast.Name) and isinstance(statement, ast.With):
                targets[item.optional_vars.id] = BatchContext(
                    values.name(_argument(call, 0, "table_name")),
                    values.schema(_argument(call, None, "schema")),
                    statement,
                    ast.unparse(call.func.value),
                    path,
                )
        return targets

    def _is_op(self, node: ast.expr, scope: Scope) -> bool:
        if isinstance(node, ast.Name) and node.id in scope.op_names:
            return True
        return self.imports.qualified_name(node) == ALEMBIC_OP

    # -- one call ------------------------------------------------------------

    def _read_call(
        self, call: ast.Call, group: list[ast.stmt], scope: Scope, path: StatementPath
    ) -> ColumnAddition | None:
        if not (isinstance(call.func, ast.Attribute) and call.func.attr == "add_column"):
            return None
        values = self.values.in_scope(scope.local)
        receiver = call.func.value
        batch = scope.batches.get(receiver.id) if isinstance(receiver, ast.Name) else None
        if batch is not None:
            table, schema = batch.table, batch.schema
            column_node = _argument(call, 0, "column")
            anchor: list[ast.stmt] = [batch.statement]
            op_receiver = batch.op_receiver
            anchor_path = batch.path
        elif self._is_op(receiver, scope):
            table = values.name(_argument(call, 0, "table_name"))
            schema = values.schema(_argument(call, None, "schema"))
            column_node = _argument(call, 1, "column")
            anchor = group
            op_receiver = ast.unparse(receiver)
            anchor_path = path
        else:
            return None
        in_variable = isinstance(column_node, ast.Name)
        if isinstance(column_node, ast.Name):
            column_node = scope.local.get(column_node.id, column_node)  # col = sa.Column(...)
        if not isinstance(column_node, ast.Call) or not self._is_column(column_node.func):
            return None
        new_column = self._new_column(column_node, table, schema, values)
        if new_column is None:
            return None
        first, last = anchor[0], anchor[-1]
        end_line = self.source.block_end(last) if batch is not None else last.end_lineno or last.lineno
        return ColumnAddition(
            column=new_column,
            receiver=op_receiver,
            location=Location(call.lineno, self.source.column(call)),
            anchor_line=first.lineno,
            anchor_end_line=end_line,
            indent=self.source.indent(first.lineno),
            newline=self.source.newline(end_line),
            already_backfilled=has_backfill_after(
                scope.node, end_line, table, new_column.name, schema, values.constant
            ),
            ignored_codes=self.source.ignored_codes(call.lineno),
            insertable=self.source.starts_its_line(first),
            indent_unit=self.source.indent_unit(scope.node),
            anchor_path=anchor_path,
            call_path=path,
            **({} if in_variable else self._edit_places(column_node, group)),
        )

    def _edit_places(self, column: ast.Call, group: list[ast.stmt]) -> dict[str, object]:
        """Where the NOT NULL rewrites would edit the Column call (not one
        built in a variable elsewhere: those are reported instead)."""
        keywords = _keywords_in_order(group)
        return {
            "nullable_at": self._false_position(_keywords(column).get("nullable")),
            "default_keyword_at": self._keyword_position(column, "default", "insert_default"),
            "nullable_ordinal": _keyword_ordinal(keywords, column, ("nullable",)),
            "default_ordinal": _keyword_ordinal(keywords, column, ("default", "insert_default")),
        }

    def _new_column(
        self, column_node: ast.Call, table: Name, schema: Name | None, values: ValueReader
    ) -> NewColumn | None:
        """The column's facts; None when it needs no look (no default, nullable)."""
        keywords = _keywords(column_node)
        default_node = keywords.get("default", keywords.get("insert_default"))
        type_node = _argument(column_node, 1, "type_")
        type_name = _type_name(type_node)
        default = values.default(default_node, type_name) if default_node is not None else None
        nullable = _bool_constant(keywords.get("nullable"))
        if nullable is None and "nullable" not in keywords:
            nullable = _bool_constant(keywords.get("primary_key")) is not True
        server_default = keywords.get("server_default")
        has_server_default = server_default is not None and not is_none(values.bound(server_default))
        if default is None and (nullable is not False or has_server_default):
            return None
        return NewColumn(
            table=table,
            name=values.name(_argument(column_node, 0, "name")),
            schema=schema,
            default=default,
            type_name=type_name,
            nullable=nullable,
            has_server_default=has_server_default,
            default_source=self.source.segment(default_node),
            type_source=self.source.segment(type_node),
            comment_source=self.source.segment(keywords.get("comment")),
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


def statement_paths(
    body: list[ast.stmt], prefix: StatementPath, field: tuple[str | int, ...]
) -> Iterator[StatementPath]:
    """The path of each statement of ``body``; ``a; b`` share theirs."""
    index = -1
    for position, statement in enumerate(body):
        if position == 0 or (body[position - 1].end_lineno or 0) < statement.lineno:
            index += 1
        yield (*prefix, (*field, index))


def _keywords_in_order(group: list[ast.stmt]) -> list[ast.keyword]:
    """The keywords of every call in the statements, in source order (walked
    once for both ordinals)."""
    keywords = (
        keyword
        for statement in group
        for node in ast.walk(statement)
        if isinstance(node, ast.Call)
        for keyword in node.keywords
    )
    return sorted(keywords, key=lambda keyword: (keyword.lineno, keyword.col_offset, id(keyword)))


def _keyword_ordinal(keywords: list[ast.keyword], call: ast.Call, names: tuple[str, ...]) -> int:
    """How many ``name=`` keywords come before this call's own in the statement."""
    own = [id(keyword) for keyword in call.keywords if keyword.arg in names]
    return [id(keyword) for keyword in keywords if keyword.arg in names].index(own[0]) if own else 0


def _keywords(call: ast.Call) -> dict[str, ast.expr]:
    return {keyword.arg: keyword.value for keyword in call.keywords if keyword.arg}


def _bool_constant(node: ast.expr | None) -> bool | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        return node.value
    return None


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


def _is_compound(statement: ast.stmt) -> bool:
    return any(
        getattr(statement, name, None) for name in ("body", "orelse", "finalbody", "handlers", "cases")
    )


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
    paths = dict(zip(map(id, tree.body), statement_paths(tree.body, (), ("body",))))
    return Migration(
        additions=reader.column_additions(),
        sqlalchemy_alias=_module_alias(imports, "sqlalchemy"),
        last_import=last_import,
        newline=source.newline(last_import[1]) if imports else source.first_newline(),
        last_import_path=paths[id(last)] if last else (),
    )

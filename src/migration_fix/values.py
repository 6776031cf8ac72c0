"""What a default (or a table or column name) evaluates to, read from its syntax.

Values the tool can compute (literals, arithmetic on literals, constants bound
once) become Literal; expressions only the running migration can evaluate
(an imported constant, a variable, ``datetime.now()``) become Runtime, reused
verbatim by a Core backfill; callables and the undecidable are reported.
"""

from __future__ import annotations

import ast
import datetime
import decimal
import json
import operator
from collections.abc import Callable, Mapping
from typing import Any

from .model import (
    CallableDefault,
    DefaultValue,
    Literal,
    Name,
    Runtime,
    SqlFunction,
    Unresolved,
)
from .names import Imports, ModuleNames

SQLALCHEMY_FUNC = frozenset(
    {"sqlalchemy.func", "sqlalchemy.sql.func", "sqlalchemy.sql.functions.func"}
)
SQLALCHEMY_MODULES = frozenset({"sqlalchemy", "sqlalchemy.sql", "sqlalchemy.sql.expression"})
CALLABLE_MODULES = ("datetime.", "uuid.", "time.", "random.", "secrets.")
# Names that are callables wherever they come from (django.utils.timezone.now...).
CALLABLE_NAMES = frozenset(
    {"now", "utcnow", "today", "uuid1", "uuid4", "uuid7", "token_hex", "token_urlsafe", "random"}
)
VALUE_CONSTRUCTORS: dict[str, Callable[..., Any]] = {
    "datetime.date": datetime.date,
    "datetime.datetime": datetime.datetime,
    "datetime.time": datetime.time,
    "decimal.Decimal": decimal.Decimal,
}
ARITHMETIC: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
LARGEST = 2**64
NOT_CONSTANT = object()


class ValueReader:
    """Evaluates expressions of one module, in the scope of one function."""

    def __init__(
        self, imports: Imports, module: ModuleNames, local: Mapping[str, ast.expr] | None = None
    ) -> None:
        self.imports = imports
        self.module = module
        self.local = local if local is not None else {}

    def in_scope(self, local: Mapping[str, ast.expr]) -> ValueReader:
        return ValueReader(self.imports, self.module, local)

    # -- names ------------------------------------------------------------------

    def name(self, node: ast.expr | None) -> Name:
        """A table, column or schema name: a literal, else an expression to reuse."""
        if node is None:
            return Unresolved("")
        value = self.constant(node)
        if isinstance(value, str):
            return value
        if is_reusable(node, calls=False):
            return Runtime(ast.unparse(node))
        return Unresolved(ast.unparse(node))

    def schema(self, node: ast.expr | None) -> Name | None:
        return None if node is None or is_none(node) else self.name(node)

    def bound(self, node: ast.expr) -> ast.expr:
        """The value a name was bound to once, locally or at module level."""
        for _ in range(8):
            if not isinstance(node, ast.Name):
                return node
            value = self.local.get(node.id) or self.module.constants.get(node.id)
            if value is None:
                return node
            node = value
        return node

    # -- constants ----------------------------------------------------------------

    def constant(self, node: ast.expr, depth: int = 0) -> Any:
        """The Python value of literal arithmetic and constants, else NOT_CONSTANT."""
        if depth > 16:
            return NOT_CONSTANT
        node = self.bound(node)
        if isinstance(node, ast.Constant) and isinstance(node.value, (bool, int, float, str)):
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = self.constant(node.operand, depth + 1)
            if type(operand) in (int, float):
                return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            return self._arithmetic(node, depth)
        if isinstance(node, ast.JoinedStr):
            parts = [self._fstring_part(part, depth) for part in node.values]
            if all(isinstance(part, str) for part in parts):
                return "".join(parts)
        return NOT_CONSTANT

    def _arithmetic(self, node: ast.BinOp, depth: int) -> Any:
        left = self.constant(node.left, depth + 1)
        right = self.constant(node.right, depth + 1)
        if left is NOT_CONSTANT or right is NOT_CONSTANT or isinstance(left, bool) or isinstance(right, bool):
            return NOT_CONSTANT
        if isinstance(node.op, ast.Pow) and type(left) is int and type(right) is int and 0 <= right <= 64:
            result = left**right
        elif type(node.op) in ARITHMETIC and type(left) is type(right) is str and isinstance(node.op, ast.Add):
            return left + right
        elif type(node.op) in ARITHMETIC and {type(left), type(right)} <= {int, float}:
            try:
                result = ARITHMETIC[type(node.op)](left, right)
            except (ArithmeticError, ValueError):
                return NOT_CONSTANT
        else:
            return NOT_CONSTANT
        return result if abs(result) < LARGEST else NOT_CONSTANT

    def _fstring_part(self, part: ast.expr, depth: int) -> Any:
        if isinstance(part, ast.Constant):
            return part.value
        if isinstance(part, ast.FormattedValue) and part.conversion == -1 and part.format_spec is None:
            value = self.constant(part.value, depth + 1)
            return value if isinstance(value, str) else NOT_CONSTANT
        return NOT_CONSTANT

    # -- defaults -------------------------------------------------------------------

    def default(self, node: ast.expr, type_name: str | None) -> DefaultValue | None:
        """What ``default=node`` gives existing rows, or None for ``default=None``."""
        if is_none(node):
            return None
        value = self.constant(node)
        if value is not NOT_CONSTANT:
            return Literal(value)
        bound = self.bound(node)
        if isinstance(bound, (ast.Dict, ast.List)):
            return json_document(bound) or Unresolved(ast.unparse(node))
        if isinstance(bound, ast.Lambda):
            return CallableDefault(ast.unparse(node))
        if isinstance(bound, ast.Call):
            return self._call(bound, node)
        if isinstance(bound, (ast.Name, ast.Attribute)):
            return self._named(bound, type_name)
        if is_reusable(bound):
            return Runtime(ast.unparse(node))
        return Unresolved(ast.unparse(node))

    def _call(self, call: ast.Call, written: ast.expr) -> DefaultValue:
        """A call in ``default=`` runs once, when the module is imported."""
        func = call.func
        qualified = self.imports.qualified_name(func) or ""
        module, _, attr = qualified.rpartition(".")
        if isinstance(func, ast.Attribute) and self.imports.qualified_name(func.value) in SQLALCHEMY_FUNC:
            if not call.args and not call.keywords:
                return SqlFunction(func.attr.lower())
        if qualified in VALUE_CONSTRUCTORS:
            constructed = self._constructed(call, VALUE_CONSTRUCTORS[qualified])
            if constructed is not None:
                return constructed
        if module in SQLALCHEMY_MODULES:
            return self._sqlalchemy_call(attr, call, written)
        if is_reusable(call):
            return Runtime(ast.unparse(written))
        return Unresolved(ast.unparse(written))

    def _sqlalchemy_call(self, attr: str, call: ast.Call, written: ast.expr) -> DefaultValue:
        if attr in ("true", "false") and not call.args:
            return SqlFunction(attr)
        if attr == "text" and len(call.args) == 1:
            text = self.constant(call.args[0])
            if isinstance(text, str):
                return SqlFunction("text", text)
        if attr == "literal" and call.args:
            value = self.constant(call.args[0])
            if value is not NOT_CONSTANT:
                return Literal(value)
        return Unresolved(ast.unparse(written))

    def _constructed(self, call: ast.Call, constructor: Callable[..., Any]) -> Literal | None:
        """``datetime.date(2024, 1, 31)``, ``Decimal("9.99")``: known before run time."""
        if call.keywords:
            return None
        arguments = [self.constant(argument) for argument in call.args]
        if constructor is decimal.Decimal:
            if len(arguments) != 1 or type(arguments[0]) not in (str, int):
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

    def _named(self, node: ast.Name | ast.Attribute, type_name: str | None) -> DefaultValue:
        """A name is a value (``DEFAULT_TIMEOUT``, ``Status.ACTIVE.value``) or a
        callable (``uuid.uuid4``): by where it comes from, else by convention."""
        source = ast.unparse(node)
        qualified = self.imports.qualified_name(node) or ""
        last = qualified.rpartition(".")[2] or (node.attr if isinstance(node, ast.Attribute) else node.id)
        if isinstance(node, ast.Name) and node.id in self.module.functions:
            return CallableDefault(source)
        if isinstance(node, ast.Attribute) and self.imports.qualified_name(node.value) in SQLALCHEMY_FUNC:
            return CallableDefault(source)  # sa.func.now, uncalled: SQLAlchemy calls it
        member = self._enum_member(node, type_name)
        if member is not None:
            return member
        if last in CALLABLE_NAMES or (qualified.startswith(CALLABLE_MODULES) and last.islower()):
            return CallableDefault(source)
        if last == "value" or last[:1].isupper():
            return Runtime(source)  # a CONSTANT, an Enum.MEMBER or its .value
        return Unresolved(source)

    def _enum_member(self, node: ast.expr, type_name: str | None) -> DefaultValue | None:
        """``Status.ACTIVE`` of a module enum: its name, which sa.Enum stores;
        ``Status.ACTIVE.value``: its value."""
        if not isinstance(node, ast.Attribute):
            return None
        if isinstance(node.value, ast.Name) and node.value.id in self.module.enums:
            if node.attr in self.module.enums[node.value.id] and type_name == "Enum":
                return Literal(node.attr)
            return None
        inner = node.value
        if node.attr == "value" and isinstance(inner, ast.Attribute) and isinstance(inner.value, ast.Name):
            members = self.module.enums.get(inner.value.id, {})
            if inner.attr in members:
                value = self.constant(members[inner.attr])
                return Literal(value) if value is not NOT_CONSTANT else None
        return None


def is_reusable(node: ast.expr, calls: bool = True) -> bool:
    """Whether evaluating the expression again is safe: names, attributes,
    subscripts, literals, f-strings and arithmetic; calls only in defaults
    (which SQLAlchemy itself evaluated once, at import)."""
    for child in ast.walk(node):
        if isinstance(child, (ast.Lambda, ast.NamedExpr, ast.Await, ast.Yield, ast.YieldFrom)):
            return False
        if isinstance(child, ast.Call) and not calls:
            return False
        if isinstance(child, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            return False
    return True


def json_document(node: ast.Dict | ast.List) -> Literal | None:
    """A dict or list literal that is also a JSON document (a JSON column's default)."""
    try:
        value = ast.literal_eval(node)
        json.dumps(value, allow_nan=False)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    return Literal(value)


def is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None

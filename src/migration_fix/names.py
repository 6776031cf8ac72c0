"""What the names of a module are bound to: imports, constants, local variables."""

from __future__ import annotations

import ast
from collections import Counter, deque
from collections.abc import Iterator, Mapping


class Imports:
    """Maps the names a module binds by importing to their dotted origin."""

    def __init__(self, tree: ast.Module) -> None:
        self.origins: dict[str, str] = {}
        for node in _statements(tree):
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


def _statements(tree: ast.Module) -> Iterator[ast.AST]:
    """The module and its statements (with except and case clauses), breadth
    first like ``ast.walk``, so a name imported twice keeps the same origin:
    imports are statements, their expressions need no visit."""
    queue: deque[ast.AST] = deque([tree])
    while queue:
        node = queue.popleft()
        yield node
        for name in ("body", "handlers", "orelse", "finalbody", "cases"):
            queue.extend(getattr(node, name, None) or ())


class SingleAssignments(Mapping[str, ast.expr]):
    """Names assigned exactly once in ``scope``, by a plain assignment in ``body``.

    Only those have one value the tool may read; a name also bound by a loop,
    a parameter, ``global`` or a second assignment is left out. Counting the
    bindings walks the whole scope, so it waits for the first look-up: most
    scopes never resolve a name.
    """

    def __init__(self, body: list[ast.stmt], scope: ast.AST) -> None:
        self._body = body
        self._scope = scope
        self._values: dict[str, ast.expr] | None = None

    def _computed(self) -> dict[str, ast.expr]:
        if self._values is None:
            bindings = Counter(_bound_names(self._scope))
            self._values = {}
            for statement in self._body:
                target, value = single_target_assignment(statement)
                if target is not None and value is not None and bindings[target] == 1:
                    self._values[target] = value
        return self._values

    def __getitem__(self, name: str) -> ast.expr:
        return self._computed()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._computed())

    def __len__(self) -> int:
        return len(self._computed())


def _bound_names(scope: ast.AST):
    for node in ast.walk(scope):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            yield node.id
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node.name
        elif isinstance(node, ast.arg):
            yield node.arg
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            yield from node.names
            yield from node.names
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                yield alias.asname or alias.name.split(".")[0]


def single_target_assignment(statement: ast.stmt) -> tuple[str | None, ast.expr | None]:
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target = statement.targets[0]
        if isinstance(target, ast.Name):
            return target.id, statement.value
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return statement.target.id, statement.value
    return None, None


class ModuleNames:
    """Module-level constants, functions and enum classes."""

    def __init__(self, tree: ast.Module) -> None:
        self.constants = SingleAssignments(tree.body, tree)
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


def _is_enum_class(node: ast.ClassDef) -> bool:
    return any(ast.unparse(base).split(".")[-1].endswith("Enum") for base in node.bases)


def _enum_members(node: ast.ClassDef) -> dict[str, ast.expr]:
    members = {}
    for statement in node.body:
        target, value = single_target_assignment(statement)
        if target is not None and value is not None and not target.startswith("_"):
            members[target] = value
    return members

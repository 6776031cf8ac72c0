"""Write a plan into the libcst tree: statements after their anchors, keyword edits.

The finder names every statement by its path (``StatementPath``), so this
walks straight down to it: no position metadata, which would cost a full
code-generation pass per file. Everything else in the tree, and so every byte
of the file, is left as libcst read it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Union

import libcst as cst

from .model import Edit, Insertion, ReplaceExpression, StatementPath
from .verify import SafetyError

Node = Union[cst.Module, cst.CSTNode]
Statements = list[cst.BaseStatement]
ChangeStatements = Callable[[Statements, int], Statements]


class EditArguments(cst.CSTTransformer):
    """In one statement: replace the value of the n-th ``keyword=`` argument, or
    add a keyword argument before the n-th argument with one of some names."""

    def __init__(self, edit: Edit) -> None:
        super().__init__()
        self.edit = edit
        self.seen = 0
        self.done = False

    def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg | cst.FlattenSentinel[cst.Arg]:
        names = (self.edit.keyword,) if isinstance(self.edit, ReplaceExpression) else self.edit.before
        if original.keyword is None or original.keyword.value not in names:
            return updated
        self.seen += 1
        if self.seen - 1 != self.edit.ordinal:
            return updated
        if isinstance(self.edit, ReplaceExpression):
            if not (isinstance(original.value, cst.Name) and original.value.value == self.edit.old):
                return updated
            self.done = True
            return updated.with_changes(value=planned(cst.parse_expression, self.edit.new))
        self.done = True
        return cst.FlattenSentinel([keyword_argument(self.edit.text), updated])


def planned(parse: Callable[..., cst.CSTNode], source: str, **options: object) -> cst.CSTNode:
    """Code the tool wrote itself: libcst failing on it is a bug of ours (an
    internal error, nothing written), not the file's fault."""
    try:
        return parse(source, **options)
    except cst.ParserSyntaxError as error:
        raise SafetyError(f"cannot parse the planned code {source!r}: {error.message}") from error


def keyword_argument(text: str) -> cst.Arg:
    """``name=value, `` as an argument placed before another."""
    keyword, _, value = text.partition("=")
    return cst.Arg(
        keyword=cst.Name(keyword),
        value=planned(cst.parse_expression, value),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
        comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
    )


def change_at(node: Node, path: StatementPath, change: ChangeStatements) -> Node:
    """``node`` rebuilt with ``change`` applied to the statement list the path ends in."""
    step, rest = path[0], path[1:]
    if step[0] == "elif":
        assert isinstance(node, cst.If) and isinstance(node.orelse, cst.If)
        return node.with_changes(orelse=change_at(node.orelse, rest, change))
    statements, rebuild = statement_list(node, step)
    index = int(step[-1])
    if not rest:
        return rebuild(change(list(statements), index))
    changed = list(statements)
    changed[index] = change_at(statements[index], rest, change)
    return rebuild(changed)


def statement_list(
    node: Node, step: tuple[str | int, ...]
) -> tuple[Sequence[cst.BaseStatement], Callable[[Statements], Node]]:
    """The statements a step leads to, and how to put a new list in their place."""
    field = step[0]
    if isinstance(node, cst.Module):
        return node.body, lambda body: node.with_changes(body=body)
    if field == "body":
        block = node.body  # type: ignore[attr-defined]
        return block.body, lambda body: node.with_changes(body=block.with_changes(body=body))
    if field in ("orelse", "finalbody"):
        clause = getattr(node, field)
        return clause.body.body, lambda body: node.with_changes(
            **{field: clause.with_changes(body=clause.body.with_changes(body=body))}
        )
    position = int(step[1])
    items = list(getattr(node, str(field)))  # handlers / cases
    item = items[position]

    def rebuild(body: Statements) -> Node:
        items[position] = item.with_changes(body=item.body.with_changes(body=body))
        return node.with_changes(**{str(field): items})

    return item.body.body, rebuild


class SetNewlines(cst.CSTTransformer):
    """Give every line break of an inserted statement the anchor line's ending,
    where it differs from the file's first (libcst's default)."""

    def __init__(self, newline: str) -> None:
        super().__init__()
        self.newline = newline

    def leave_Newline(self, original: cst.Newline, updated: cst.Newline) -> cst.Newline:
        return updated.with_changes(value=self.newline)


def insert_after(insertion: Insertion, module: cst.Module) -> ChangeStatements:
    def change(statements: Statements, index: int) -> Statements:
        added = [
            planned(cst.parse_statement, source, config=module.config_for_parsing)
            for source in insertion.statement_sources()
        ]
        if insertion.newline != module.default_newline:
            added = [statement.visit(SetNewlines(insertion.newline)) for statement in added]  # type: ignore[misc]
        return [*statements[: index + 1], *added, *statements[index + 1 :]]

    return change


def edit_statement(edit: Edit) -> ChangeStatements:
    def change(statements: Statements, index: int) -> Statements:
        editor = EditArguments(edit)
        statements[index] = statements[index].visit(editor)  # type: ignore[assignment]
        if not editor.done:
            raise LookupError(f"no argument to edit on line {edit.line}")
        return statements

    return change


def apply_plan(source: bytes, insertions: Sequence[Insertion], edits: Sequence[Edit]) -> bytes:
    """Parse, edit, insert, and give the file's bytes back in its own encoding.

    Later places first, so that an insertion never shifts an index another
    change still has to find.
    """
    if b"\r" in source and b"\n" not in source:
        return _with_line_feeds(source, insertions, edits)
    module = cst.parse_module(source)
    changes: list[tuple[StatementPath, int, ChangeStatements]] = [
        (edit.path, 1, edit_statement(edit)) for edit in edits
    ]
    changes += [(item.path, 0, insert_after(item, module)) for item in insertions]
    for path, _, change in sorted(changes, key=lambda entry: (_sort_key(entry[0]), entry[1]), reverse=True):
        module = change_at(module, path, change)  # type: ignore[assignment]
    assert isinstance(module, cst.Module)
    return module.bytes


def _with_line_feeds(source: bytes, insertions: Sequence[Insertion], edits: Sequence[Edit]) -> bytes:
    """A file whose lines end in a bare CR, which libcst does not round-trip:
    transform it with LF endings and put the CRs back. Lossless, since Python
    itself reads every CR in such a file as a line break."""
    as_lf = [replace(item, newline="\n") for item in insertions]
    return apply_plan(source.replace(b"\r", b"\n"), as_lf, edits).replace(b"\n", b"\r")


def _sort_key(path: StatementPath) -> tuple:
    return tuple(tuple((0, part) if isinstance(part, int) else (1, part) for part in step) for step in path)

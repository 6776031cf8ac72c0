"""The safety check every rewrite passes before it may reach the disk.

Independent of libcst on purpose: it rebuilds the expected output from the
input's own lines and the plan, so a transform that drops, moves or re-spaces
a single byte is caught, not trusted.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from .model import Edit, InsertKeyword, Insertion
from .source_text import split_lines


class SafetyError(Exception):
    """The rewrite is not exactly the input plus the planned lines."""


def expected_output(
    text: str, insertions: Sequence[Insertion], edits: Sequence[Edit] = ()
) -> str:
    """The input with the planned edits made, the planned lines inserted after
    their anchors, and nothing else."""
    lines = apply_edits(split_lines(text), edits)
    by_line = sorted(insertions, key=lambda item: item.after_line)
    result: list[str] = []
    cursor = 0
    for insertion in by_line:
        result.extend(lines[cursor : insertion.after_line])
        cursor = insertion.after_line
        added = insertion.lines()
        if result and not result[-1].endswith(("\n", "\r")):
            result[-1] += insertion.newline
            if cursor == len(lines):
                added[-1] = added[-1].rstrip("\r\n")
        result.extend(added)
    result.extend(lines[cursor:])
    return "".join(result)


def apply_edits(lines: list[str], edits: Sequence[Edit]) -> list[str]:
    """Make each edit at its line and column; right to left, so columns hold."""
    result = list(lines)
    for edit in sorted(edits, key=lambda item: (item.line, item.column), reverse=True):
        line = result[edit.line - 1]
        if isinstance(edit, InsertKeyword):
            result[edit.line - 1] = f"{line[: edit.column]}{edit.text}, {line[edit.column :]}"
            continue
        if line[edit.column : edit.column + len(edit.old)] != edit.old:
            raise SafetyError(f"line {edit.line} does not hold {edit.old!r} where planned")
        result[edit.line - 1] = line[: edit.column] + edit.new + line[edit.column + len(edit.old) :]
    return result


def check_rewrite(
    text: str, output: str, insertions: Sequence[Insertion], edits: Sequence[Edit] = ()
) -> None:
    """Raise SafetyError unless ``output`` is ``text`` with exactly the planned
    edits and inserted lines: undo those and the input comes back byte for byte."""
    if output != expected_output(text, insertions, edits):
        raise SafetyError("the rewrite changed more than the planned lines")


def check_syntax_tree(
    before: ast.Module, output: str, insertions: Sequence[Insertion], edits: Sequence[Edit] = ()
) -> None:
    """Raise SafetyError unless the output's syntax tree is the input's plus
    exactly the planned statements and keyword changes.

    The byte check's twin, as black compares trees (``before`` is the input's
    tree, left as the finder read it): it takes the inserted
    statements out of the output's tree by their lines, undoes the keyword
    edits there, and compares what is left with the input's tree.
    """
    try:
        after = ast.parse(output)
    except SyntaxError as error:
        raise SafetyError(f"the rewrite does not parse: {error.msg}") from error
    inserted = inserted_line_ranges(insertions)
    removed = remove_statements(after, inserted)
    planned = [
        ast.dump(statement)
        for item in sorted(insertions, key=lambda item: item.after_line)
        for source in item.statements
        for statement in ast.parse(source).body
    ]
    if [ast.dump(statement) for statement in removed] != planned:
        raise SafetyError("the inserted statements are not the planned ones")
    undo_edits(after, output, edits, insertions)
    if ast.dump(before) != ast.dump(after):
        raise SafetyError("the syntax tree changed beyond the planned statements and keywords")


def inserted_line_ranges(insertions: Sequence[Insertion]) -> list[range]:
    """The output lines each insertion occupies."""
    ranges = []
    shift = 0
    for item in sorted(insertions, key=lambda item: item.after_line):
        count = len(item.lines())
        ranges.append(range(item.after_line + shift + 1, item.after_line + shift + count + 1))
        shift += count
    return ranges


def output_line(line: int, insertions: Sequence[Insertion]) -> int:
    """Where input line ``line`` stands in the output."""
    return line + sum(len(item.lines()) for item in insertions if item.after_line < line)


def remove_statements(tree: ast.AST, ranges: list[range]) -> list[ast.stmt]:
    """Take out of every body the statements that start on inserted lines
    (not looking inside those: a planned ``with`` block goes out whole)."""
    removed: list[ast.stmt] = []
    for field in ("body", "orelse", "finalbody", "handlers", "cases"):
        body = getattr(tree, field, None)
        if not isinstance(body, list):
            continue
        kept = []
        for statement in body:
            if isinstance(statement, ast.stmt) and any(statement.lineno in span for span in ranges):
                removed.append(statement)
            else:
                kept.append(statement)
                removed.extend(remove_statements(statement, ranges))
        setattr(tree, field, kept)
    return sorted(removed, key=lambda statement: statement.lineno)


def undo_edits(
    tree: ast.Module, output: str, edits: Sequence[Edit], insertions: Sequence[Insertion]
) -> None:
    """Put back ``nullable=False`` and drop an added ``server_default=``."""
    lines = split_lines(output)
    for edit in edits:
        line = output_line(edit.line, insertions)
        shift = sum(
            len(other.text) + 2
            for other in edits
            if isinstance(other, InsertKeyword) and other.line == edit.line and other.column < edit.column
        )
        found = keywords_at(tree, line, edit.column + shift, lines[line - 1])
        if len(found) != 1:
            raise SafetyError(f"the planned edit of line {edit.line} is not in the output")
        call, keyword = found[0]
        if isinstance(edit, InsertKeyword) and edit.text.startswith(f"{keyword.arg}="):
            call.keywords.remove(keyword)
        elif not isinstance(edit, InsertKeyword) and ast.unparse(keyword.value) == edit.new:
            keyword.value = ast.parse(edit.old, mode="eval").body
        else:
            raise SafetyError(f"the planned edit of line {edit.line} is not in the output")


def keywords_at(
    tree: ast.Module, line: int, column: int, text: str
) -> list[tuple[ast.Call, ast.keyword]]:
    """The keyword whose name (or value) starts at the 0-based character column."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:
            for part in (keyword, keyword.value):
                offset = len(text.encode("utf-8")[: part.col_offset].decode("utf-8", "replace"))
                if part.lineno == line and offset == column:
                    found.append((node, keyword))
                    break
    return found

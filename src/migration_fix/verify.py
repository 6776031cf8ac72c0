"""The safety check every rewrite passes before it may reach the disk.

Independent of libcst on purpose: it rebuilds the expected output from the
input's own lines and the plan, so a transform that drops, moves or re-spaces
a single byte is caught, not trusted.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from .model import Edit, InsertKeyword, Insertion


class SafetyError(Exception):
    """The rewrite is not exactly the input plus the planned lines."""


def expected_output(
    text: str, insertions: Sequence[Insertion], edits: Sequence[Edit] = ()
) -> str:
    """The input with the planned edits made, the planned lines inserted after
    their anchors, and nothing else."""
    lines = apply_edits(text.splitlines(keepends=True), edits)
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
    """Raise SafetyError unless ``output`` parses and is ``text`` with exactly
    the planned edits and inserted lines: undo those and the input comes back
    byte for byte."""
    if output != expected_output(text, insertions, edits):
        raise SafetyError("the rewrite changed more than the planned lines")
    try:
        ast.parse(output)
    except SyntaxError as error:
        raise SafetyError(f"the rewrite does not parse: {error.msg}") from error

"""The safety check every rewrite passes before it may reach the disk.

Independent of libcst on purpose: it rebuilds the expected output from the
input's own lines and the plan, so a transform that drops, moves or re-spaces
a single byte is caught, not trusted.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from .model import Insertion


class SafetyError(Exception):
    """The rewrite is not exactly the input plus the planned lines."""


def expected_output(text: str, insertions: Sequence[Insertion]) -> str:
    """The input with the planned lines inserted after their anchors, and nothing else."""
    lines = text.splitlines(keepends=True)
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


def check_rewrite(text: str, output: str, insertions: Sequence[Insertion]) -> None:
    """Raise SafetyError unless ``output`` parses and removing the planned
    lines from it gives back ``text`` byte for byte."""
    if output != expected_output(text, insertions):
        raise SafetyError("the rewrite changed more than the planned lines")
    try:
        ast.parse(output)
    except SyntaxError as error:
        raise SafetyError(f"the rewrite does not parse: {error.msg}") from error

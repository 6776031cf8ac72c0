"""A decoded file with the line-level facts the finder and planner need."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

IGNORE_COMMENT = re.compile(r"#\s*migration-fix:\s*ignore\b(?:\[(?P<codes>[^\]]*)\])?")
NEWLINE = re.compile(r"\r\n|\n|\r")
LINE = re.compile(r"[^\r\n]*(?:\r\n|\n|\r)|[^\r\n]+$")


def split_lines(text: str) -> list[str]:
    """Lines as Python's tokenizer counts them, endings kept.

    Not ``str.splitlines``, which also breaks at form feeds, ``\x1c``-``\x1e``,
    ``\x85`` and U+2028/2029: Python does not, and line numbers would drift.
    """
    return LINE.findall(text)


@dataclass
class SourceText:
    """The decoded file, split into lines that keep their line endings."""

    text: str
    lines: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.lines = split_lines(self.text) or [""]

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
        """The line's own ending; the file's first for a last line without one."""
        line = self.line(number)
        for ending in ("\r\n", "\n", "\r"):
            if line.endswith(ending):
                return ending
        return self.first_newline()

    def first_newline(self) -> str:
        match = NEWLINE.search(self.text)
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

    def block_end(self, statement: ast.stmt) -> int:
        """The last line of a compound statement as libcst sees it: after its last
        statement come the lines indented as its body, comments or whitespace
        (its footer), with any empty lines between them."""
        end = statement.end_lineno or statement.lineno
        body = getattr(statement, "body", None)
        if not body:
            return end
        body_indent = len(self.indent(body[0].lineno))
        last = end
        for number in range(end + 1, len(self.lines) + 1):
            line = self.line(number)
            stripped = line.strip()
            indented = len(self.indent(number)) >= body_indent
            if stripped.startswith("#") and indented or not stripped and indented and line.strip("\r\n"):
                last = number
            elif stripped:
                break
        return last

    def starts_its_line(self, node: ast.stmt) -> bool:
        """False for ``if x: op.add_column(...)``: no line of its own to follow."""
        return self.column(node) == len(self.indent(node.lineno)) + 1

    def ignored_codes(self, number: int) -> frozenset[str] | None:
        """None: no ignore comment; empty: ignore all; else the codes listed."""
        match = IGNORE_COMMENT.search(self.line(number))
        if match is None:
            return None
        codes = match.group("codes") or ""
        return frozenset(code.strip() for code in codes.split(",") if code.strip())

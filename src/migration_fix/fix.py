"""The core: one migration's bytes in, its fixed bytes and findings out.

Touches no disk, so the CLI, the pre-commit hook and the libcst codemod runner
all share it. libcst is imported only when a file really gets a backfill.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from .model import Edit, Finding, Insertion, Plan
from .prefilter import might_need_fix
from .settings import Settings
from .verify import SafetyError

Transform = Callable[[bytes, Sequence[Insertion], Sequence[Edit]], bytes]


class SourceError(Exception):
    """The file cannot be decoded or parsed; ``line``/``column`` say where."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass
class FixResult:
    source: bytes
    output: bytes
    plan: Plan = field(default_factory=Plan)
    encoding: str = "utf-8"
    planned_only: bool = False

    @property
    def changed(self) -> bool:
        """Whether the file changes (with ``plan_only``: would change)."""
        if self.planned_only:
            return bool(self.plan.insertions or self.plan.edits)
        return self.output != self.source

    @property
    def findings(self) -> list[Finding]:
        return self.plan.findings


def fix_source(
    source: bytes,
    settings: Settings,
    transform: Transform | None = None,
    ignore: frozenset[str] = frozenset(),
    plan_only: bool = False,
) -> FixResult:
    """Plan the backfills for ``source`` and write them in, safety-checked.

    Codes in ``ignore`` are neither reported nor fixed. ``plan_only`` stops
    after planning (``--check`` needs no output: libcst is never loaded).
    """
    if b"\x00" in source:
        raise SourceError("not a Python source file (it holds NUL bytes)", line_of(source, source.index(b"\x00")))
    if not might_need_fix(source):
        return FixResult(source, source)
    # Only now: a file that needs nothing never imports the finder and planner.
    from .finder import read_migration
    from .plan import plan_migration
    from .render import escape_unencodable
    from .verify import check_rewrite, check_syntax_tree

    encoding, text = decode(source)
    tree = parse(text)
    plan = plan_migration(read_migration(tree, text), settings, ignore)
    if not plan.insertions or plan_only:
        return FixResult(source, source, plan, encoding, planned_only=plan_only)
    plan.insertions = [
        replace(item, statements=tuple(escape_unencodable(text, encoding) for text in item.statements))
        for item in plan.insertions
    ]
    output = (transform or libcst_transform)(source, plan.insertions, plan.edits)
    try:
        output_text = output.decode(encoding)
    except UnicodeDecodeError as error:
        raise SafetyError(f"the rewrite is not valid {encoding}") from error
    check_rewrite(text, output_text, plan.insertions, plan.edits)
    check_syntax_tree(tree, output_text, plan.insertions, plan.edits)
    return FixResult(source, output, plan, encoding)


def decode(source: bytes) -> tuple[str, str]:
    """The encoding Python itself would use for this file, and the text."""
    try:
        # tokenize reads lines at LF only: a CR-only file's cookie needs LFs.
        head = re.sub(rb"\r\n?", b"\n", source[:4096])
        encoding, _ = tokenize.detect_encoding(io.BytesIO(head).readline)
    except (SyntaxError, LookupError) as error:
        raise SourceError(f"cannot decode: {error}") from error
    try:
        return encoding, source.decode(encoding)
    except UnicodeDecodeError as error:
        line = line_of(source, error.start)
        raise SourceError(f"cannot decode as {encoding}: byte {source[error.start]:#04x}", line) from error
    except LookupError as error:
        raise SourceError(f"cannot decode: unknown encoding {encoding}") from error


def line_of(source: bytes, offset: int) -> int:
    return source.count(b"\n", 0, offset) + 1


def parse(text: str) -> ast.Module:
    try:
        return ast.parse(text)
    except SyntaxError as error:
        raise SourceError(f"cannot parse: {error.msg}", error.lineno or 1, error.offset or 1) from error
    except (RecursionError, MemoryError) as error:
        raise SourceError("cannot parse: nested too deeply") from error
    except ValueError as error:
        raise SourceError(f"cannot parse: {error}") from error


def libcst_transform(
    source: bytes, insertions: Sequence[Insertion], edits: Sequence[Edit] = ()
) -> bytes:
    """Imported late: a run that fixes nothing never pays for libcst."""
    import libcst

    from .transform import apply_plan

    try:
        return apply_plan(source, insertions, edits)
    except libcst.ParserSyntaxError as error:
        raise SourceError(f"cannot parse: {error.message}", error.raw_line, error.raw_column + 1) from error
    except RecursionError as error:
        raise SourceError("cannot parse: nested too deeply") from error
    except LookupError as error:
        raise SafetyError(f"the transform lost its place: {error}") from error

"""How results are shown: unified diffs, ``path:line:col: CODE message`` lines,
JSON records and GitHub Actions workflow commands."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from .model import Finding

COLORS = {"+": "\033[32m", "-": "\033[31m", "@": "\033[36m"}
BOLD, RESET = "\033[1m", "\033[0m"
DOCS_URL = "https://github.com/migration-fix/migration-fix/blob/main/docs/rules/{code}.md"


def use_color(choice: str, stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """``always``/``never`` as said; ``auto``: never with NO_COLOR
    (https://no-color.org), always with FORCE_COLOR, else on a terminal."""
    if choice == "always":
        return True
    if choice == "never":
        return False
    environ = os.environ if environ is None else environ
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


def unified_diff(path: str, before: str, after: str, color: bool = False) -> str:
    import difflib  # only when a file changes

    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=path,
        tofile=path,
    )
    text = []
    for line in lines:
        if not line.endswith(("\n", "\r")):
            line += "\n\\ No newline at end of file\n"
        text.append(line)
    diff = "".join(text)
    return colorize_diff(diff) if color else diff


def colorize_diff(diff: str) -> str:
    """ANSI colours for a unified diff: headers bold, +/-/@@ lines coloured."""
    out = []
    for line in diff.splitlines(keepends=True):
        start = BOLD if line.startswith(("---", "+++")) else COLORS.get(line[:1], "")
        if start:
            line = f"{start}{line.rstrip(chr(10))}{RESET}\n"
        out.append(line)
    return "".join(out)


def finding_line(path: str, finding: Finding) -> str:
    marker = " [*]" if finding.fixable else ""
    location = finding.location
    return f"{path}:{location.line}:{location.column}: {finding.code}{marker} {finding.message}"


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def print_to(stream: TextIO, text: str) -> None:
    stream.write(text if text.endswith("\n") else text + "\n")
    stream.flush()



# -- JSON ---------------------------------------------------------------------------------


def finding_record(path: str, finding: Finding, fixed: bool) -> dict[str, Any]:
    """One finding of ``--output-format json``; ``fixed``: its fix was written."""
    return {
        "type": "finding",
        "path": path,
        "line": finding.location.line,
        "column": finding.location.column,
        "code": finding.code,
        "message": finding.message,
        "fixable": finding.fixable,
        "fixed": fixed,
        "url": DOCS_URL.format(code=finding.code),
    }


def fix_record(
    path: str,
    backfills: int,
    applied: bool,
    diff: str,
    insertions: Sequence[tuple[int, str]],
) -> dict[str, Any]:
    """One changed file of ``--output-format json``: what is (or would be) inserted
    after which line of the original file, and the whole change as a diff."""
    return {
        "type": "fix",
        "path": path,
        "backfills": backfills,
        "applied": applied,
        "insertions": [{"after_line": line, "text": text} for line, text in insertions],
        "diff": diff,
    }


def error_record(path: str, message: str, at: tuple[int, int] | None) -> dict[str, Any]:
    return {
        "type": "error",
        "path": path,
        "line": at[0] if at else None,
        "column": at[1] if at else None,
        "code": None,
        "message": message,
    }


# -- GitHub Actions ------------------------------------------------------------------------


def github_annotation(
    level: str, path: str, message: str, at: tuple[int, int] | None = None, title: str | None = None
) -> str:
    """``::error file=...,line=...,col=...,title=...::message`` with the
    workflow-command escaping of properties and data."""
    properties = [f"file={_property(path)}"]
    if at is not None:
        properties += [f"line={at[0]}", f"col={at[1]}"]
    if title:
        properties.append(f"title={_property(title)}")
    return f"::{level} {','.join(properties)}::{_data(message)}"


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")

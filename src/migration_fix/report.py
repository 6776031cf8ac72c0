"""How results are shown: unified diffs, ``path:line:col: CODE message`` lines."""

from __future__ import annotations

import difflib
import os
import sys
from typing import TextIO

from .model import Finding

COLORS = {"+": "\033[32m", "-": "\033[31m", "@": "\033[36m"}
BOLD, RESET = "\033[1m", "\033[0m"


def use_color(choice: str, stream: TextIO) -> bool:
    """``auto`` colours a terminal unless NO_COLOR is set (https://no-color.org)."""
    if choice == "always":
        return True
    if choice == "never":
        return False
    return not os.environ.get("NO_COLOR") and hasattr(stream, "isatty") and stream.isatty()


def unified_diff(path: str, before: str, after: str, color: bool) -> str:
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
        if color:
            start = BOLD if line.startswith(("---", "+++")) else COLORS.get(line[:1], "")
            line = f"{start}{line.rstrip(chr(10))}{RESET if start else ''}\n" if start else line
        text.append(line)
    return "".join(text)


def finding_line(path: str, finding: Finding) -> str:
    marker = " [*]" if finding.fixable else ""
    location = finding.location
    return f"{path}:{location.line}:{location.column}: {finding.code}{marker} {finding.message}"


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def print_to(stream: TextIO, text: str) -> None:
    stream.write(text if text.endswith("\n") else text + "\n")
    stream.flush()


def stdout() -> TextIO:
    return sys.stdout

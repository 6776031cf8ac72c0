"""The cheap test that spares a file the parse: does any add_column need a look?

A hook runs on every commit and CI runs the tool on thousands of migrations,
most of which add columns without any default. Scanning the text of each
``add_column(...)`` call costs microseconds; a parse costs a millisecond, libcst
ten. The scan errs on the side of parsing: anything it cannot rule out counts.
"""

from __future__ import annotations

import re

ADD_COLUMN = re.compile(rb"\badd_column\s*\(")
# What makes an add_column need the planner: a Python-side default (or its
# server_default twin, cheaper to include than to tell apart), NOT NULL
# (also implied by primary_key), keywords passed as **kwargs; or a column the
# call does not spell out (a variable, a helper's result).
NEEDS_A_LOOK = re.compile(rb"default|nullable\s*=\s*False|primary_key|\*\*")
SPELLED_OUT_COLUMN = re.compile(rb"^\s*(?:[\w.]+\s*=\s*)?[\w.]*Column\s*\(", re.MULTILINE)
OPENING, CLOSING = b"([{", b")]}"
QUOTES = b"'\""


def might_need_fix(source: bytes) -> bool:
    """False only when no add_column call in ``source`` can need a backfill or a
    finding, and the file is not binary (NUL bytes: the core reports it)."""
    if b"\x00" in source:
        return True
    for match in ADD_COLUMN.finditer(source):
        arguments = call_arguments(source, match.end())
        if arguments is None or NEEDS_A_LOOK.search(arguments):
            return True
        if not column_is_spelled_out(arguments):
            return True
    return False


def column_is_spelled_out(arguments: bytes) -> bool:
    """``add_column("t", sa.Column(...))``: the column's keywords are in the call."""
    return any(SPELLED_OUT_COLUMN.match(part) for part in top_level_arguments(arguments))


def call_arguments(source: bytes, start: int) -> bytes | None:
    """The text between ``(`` (just before ``start``) and its ``)``, strings and
    comments skipped; None if the call does not close (let the parser decide)."""
    depth = 1
    index = start
    length = len(source)
    while index < length:
        char = source[index]
        if char in QUOTES:
            index = skip_string(source, index)
            if index < 0:
                return None
            continue
        if char == ord("#"):
            newline = source.find(b"\n", index)
            index = length if newline < 0 else newline
            continue
        if char in OPENING:
            depth += 1
        elif char in CLOSING:
            depth -= 1
            if depth == 0:
                return source[start:index]
        index += 1
    return None


def skip_string(source: bytes, index: int) -> int:
    """The index after the string literal that starts at ``index``; -1 if unclosed."""
    quote = source[index : index + 1]
    delimiter = quote * 3 if source[index : index + 3] == quote * 3 else quote
    position = index + len(delimiter)
    while True:
        end = source.find(delimiter, position)
        if end < 0:
            return -1
        backslashes = 0
        while source[end - 1 - backslashes] == ord("\\"):
            backslashes += 1
        if backslashes % 2 == 0:
            return end + len(delimiter)
        position = end + 1


def top_level_arguments(arguments: bytes) -> list[bytes]:
    """Split a call's argument text on its top-level commas."""
    parts: list[bytes] = []
    depth = 0
    start = 0
    index = 0
    while index < len(arguments):
        char = arguments[index]
        if char in QUOTES:
            end = skip_string(arguments, index)
            index = len(arguments) if end < 0 else end
            continue
        if char in OPENING:
            depth += 1
        elif char in CLOSING:
            depth -= 1
        elif char == ord(",") and depth == 0:
            parts.append(arguments[start:index])
            start = index + 1
        index += 1
    parts.append(arguments[start:])
    return parts

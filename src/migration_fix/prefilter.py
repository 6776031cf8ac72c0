"""The cheap test that spares a file the parse: does any add_column need a look?

A hook runs on every commit and CI runs the tool on thousands of migrations,
most of which add columns that need nothing. Scanning the text of each
``add_column(...)`` call costs microseconds; a parse costs a millisecond, libcst
ten. The scan errs on the side of parsing: anything it cannot rule out counts.

The finder keeps a column, which the planner then fixes or reports, when it
has a Python-side default (``default=``/``insert_default=``) or is NOT NULL
(``nullable=False``, or ``primary_key=True``) without a server default. So a
call needs a look when its text

- says ``default`` other than in ``server_default``, or ``**`` (keywords we
  cannot see);
- holds an f-string (since Python 3.12 one may nest its own quotes, which
  the scan would misread: it stops there) or a string that never closes;
- does not spell out the Column the finder reads (a variable, a helper's result);
- may be NOT NULL (``nullable`` but not ``nullable=True``, or ``primary_key``)
  and that Column has no ``server_default=`` whose value starts with a string
  or a call: ``server_default=None`` is none, and a name may be bound to None.

A file with NUL bytes, or in an encoding whose bytes below 0x80 are not all
ASCII, always needs a look.
"""

from __future__ import annotations

import re

# Not \badd_column: a pattern that starts with a literal is searched for in C
# at memchr speed, one that starts with \b is tried at every byte (5x slower).
ADD_COLUMN = re.compile(rb"add_column(?<!\wadd_column)(?:[\s\\]|#[^\r\n]*[\r\n])*\(")
NEEDS_A_LOOK = re.compile(rb"default(?<!server_default)|\*\*")
MAYBE_NOT_NULL = re.compile(rb"nullable(?!\s*=\s*True\b)|primary_key")
# The scan reads bytes below 0x80 as ASCII, which is what UTF-8 and the
# one-byte encodings keep them; in Shift-JIS, Big5, GBK... the second byte of
# a character may be a quote or a backslash. A file that declares any other
# encoding (PEP 263, on line 1 or 2) is left to the parser.
CODING = re.compile(rb"\A(?:[^\r\n]*(?:\r\n?|\n))?[ \t\f]*#[^\r\n]*?coding[:=][ \t]*([-\w.]+)")
ASCII_BYTES_ARE_ASCII = (
    b"utf-8", b"utf8", b"latin-1", b"latin1", b"iso-8859-", b"iso8859-", b"ascii", b"us-ascii", b"cp125"
)

# How one argument begins, after whitespace and comment lines.
TRIVIA = rb"(?:\s|#[^\r\n]*[\r\n])*"
ARGUMENT_HEAD = re.compile(
    TRIVIA
    + rb"(?:(?P<keyword>\w+)\s*=(?!=)\s*)?"
    + rb"(?:(?P<column>[\w.]*Column\s*\()|(?P<string>[rRbBuUfF]{0,2}['\"]))?"
)
SERVER_DEFAULT = re.compile(TRIVIA + rb"server_default\s*=\s*(?P<value>[rRbBuUfF]{0,2}['\"]|[\w.]+\s*\()?")

# One argument of a call: text up to a top-level comma or closing bracket,
# strings, comments and bracketed groups taken whole. Written
# as "plain (special plain)*", where a special starts only with a quote, a #
# or a bracket, so no text matches two ways and a failed match gives up at
# once. One regex call per argument; the engine walks the bytes in C. A
# quote after an f prefix is no string here: the scan stops at an f-string.
STRING = (
    rb"(?<![fF])(?<![fF][rR])"
    rb"(?:'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''"
    rb'|"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""'
    rb"|'(?!'')[^'\\]*(?:\\.[^'\\]*)*'"
    rb'|"(?!"")[^"\\]*(?:\\.[^"\\]*)*")'
)
COMMENT = rb"#[^\r\n]*(?![^\r\n])"


def balanced(depth: int, plain: bytes) -> bytes:
    """A pattern for ``plain`` text, strings, comments and groups of brackets
    nested up to ``depth`` deep (``re`` has no recursion: one level each)."""
    special = STRING + b"|" + COMMENT
    if depth:
        special += rb"|[(\[{]" + balanced(depth - 1, rb"[^][(){}'\"#]*") + rb"[)\]}]"
    return plain + b"(?:(?:" + special + b")" + plain + b")*"


# Brackets nested deeper in one argument make the call need a look; each
# level costs 0.2 ms of compiling at import, paid by every hook run, and
# Column("c", ARRAY(String(50))) is 3: autogenerate writes no deeper.
DEPTH = 3
ARGUMENT = re.compile(balanced(DEPTH, rb"[^][(){},'\"#]*"), re.DOTALL)


def might_need_fix(source: bytes) -> bool:
    """False only when no add_column call in ``source`` can need a backfill or a
    finding, and the file is neither binary (NUL bytes: the core reports it)
    nor in an encoding the scan cannot read."""
    if b"\x00" in source:
        return True
    cookie = CODING.match(source)
    if cookie and not cookie[1].lower().replace(b"_", b"-").startswith(ASCII_BYTES_ARE_ASCII):
        return True
    return any(call_needs_a_look(source, match.end()) for match in ADD_COLUMN.finditer(source))


def call_needs_a_look(source: bytes, start: int) -> bool:
    """The add_column call whose arguments begin at ``start``, by the rules above."""
    spans = argument_spans(source, start)
    if spans is None:
        return True
    end = spans[-1][1]
    if NEEDS_A_LOOK.search(source, start, end):
        return True
    columns = column_calls(source, spans)
    if columns is None:
        return True
    if not MAYBE_NOT_NULL.search(source, start, end):
        return False
    return not all(has_server_default(source, column) for column in columns)


def column_calls(source: bytes, spans: list[tuple[int, int]]) -> list[int] | None:
    """Where the arguments of each ``Column(`` the finder may read begin; None
    when it may read a column built elsewhere.

    The finder reads ``column=``, else the second positional argument
    (``op.add_column(table, column)``), else the first
    (``batch_op.add_column(column, insert_before)``). Each it may read must be
    a Column call, or a string, which it ignores.
    """
    named, positional = [], []
    for span in spans:
        head = ARGUMENT_HEAD.match(source, *span)
        keyword = head["keyword"]
        if keyword is None:
            positional.append(head)
        elif keyword == b"column":
            named.append(head)
    candidates = named or positional[:2]
    if not named and len(candidates) == 2 and candidates[1]["column"]:
        candidates = candidates[1:]  # the first is the table
    if any(not (head["column"] or head["string"]) for head in candidates):
        return None
    return [head.end() for head in candidates if head["column"]]


def has_server_default(source: bytes, start: int) -> bool:
    """The call whose arguments begin at ``start`` has ``server_default=`` a
    string or a call (never None, unlike a name, which may be bound to it).
    ``ast`` keeps a repeated keyword (only compiling rejects it): the last counts."""
    spans = argument_spans(source, start) or []
    keywords = [match for span in spans if (match := SERVER_DEFAULT.match(source, *span))]
    return bool(keywords and keywords[-1]["value"])


def argument_spans(source: bytes, start: int) -> list[tuple[int, int]] | None:
    """The top-level arguments of the call whose ``(`` is just before ``start``,
    as (start, end) offsets; None if the call does not close where the scan
    can see it (an unclosed string, nesting deeper than DEPTH): let the parser decide."""
    spans = []
    while True:
        end = ARGUMENT.match(source, start).end()
        spans.append((start, end))
        after = source[end : end + 1]
        if after == b")":
            return spans
        if after != b",":
            return None
        start = end + 1

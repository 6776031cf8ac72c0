"""The facts that flow between the stages, free of any parser.

The finder turns source code into these records, the autogenerate hook turns
Alembic operations into them, and the planner reads nothing else: that is what
lets every entry point share one planner and one SQL renderer.
"""

from __future__ import annotations

import datetime
import decimal
from dataclasses import dataclass, field
from typing import Union

LiteralValue = Union[
    bool, int, float, str, decimal.Decimal, datetime.date, datetime.time, dict, list
]


@dataclass(frozen=True)
class Literal:
    """A default whose value is known before the migration runs.

    Dicts and lists are JSON documents; dates and decimals come from
    ``datetime.date(...)`` and ``Decimal("...")`` calls with literal arguments.
    """

    value: LiteralValue


@dataclass(frozen=True)
class SqlFunction:
    """A SQL expression default such as ``sa.func.now()`` or ``sa.true()``.

    ``name`` is the lowercase SQL function (``now``, ``current_timestamp``) or
    one of ``true``/``false``; ``text`` holds the SQL of ``sa.text(...)``.
    """

    name: str
    text: str | None = None


@dataclass(frozen=True)
class CallableDefault:
    """A Python callable: SQLAlchemy calls it per inserted row."""

    source: str


@dataclass(frozen=True)
class Runtime:
    """An expression Python evaluates when the migration runs (a name in a
    variable, an imported constant, ``datetime.now()``): a Core backfill
    reuses its source so it gets the very value the ``default=`` gets."""

    source: str


@dataclass(frozen=True)
class Unresolved:
    """An expression the tool cannot evaluate: a name bound elsewhere, a call..."""

    source: str


DefaultValue = Union[Literal, SqlFunction, Runtime, CallableDefault, Unresolved]
Name = Union[str, Runtime, Unresolved]


@dataclass(frozen=True)
class Location:
    """1-based line and column, as editors and ruff count them."""

    line: int
    column: int


@dataclass(frozen=True)
class NewColumn:
    """A column being added and its defaults, wherever it was read from.

    ``default_source``/``type_source`` are Python source for the expressions,
    reused verbatim by a SQLAlchemy Core backfill.
    """

    table: Name
    name: Name
    schema: Name | None
    default: DefaultValue | None
    type_name: str | None
    nullable: bool | None
    has_server_default: bool
    default_source: str | None = None
    type_source: str | None = None
    comment_source: str | None = None


# Where a statement stands in the tree: steps from the module down, each a
# field and the indices in it, e.g. (("body", 3), ("body", 0)) for the first
# statement of the fourth top-level statement. Statements sharing a line
# through ``;`` count as one, as libcst groups them. An ``elif`` is ("elif",).
StatementPath = tuple[tuple[Union[str, int], ...], ...]


@dataclass(frozen=True)
class ReplaceExpression:
    """Replace the expression ``old`` that starts at ``line``/``column`` (0-based),
    the value of the ``ordinal``-th ``keyword=old`` argument of the statement at
    ``path``."""

    line: int
    column: int
    old: str
    new: str
    path: StatementPath = ()
    keyword: str = "nullable"
    ordinal: int = 0


@dataclass(frozen=True)
class InsertKeyword:
    """Insert ``text, `` before the keyword argument at ``line``/``column``, the
    ``ordinal``-th argument named one of ``before`` in the statement at ``path``."""

    line: int
    column: int
    text: str
    path: StatementPath = ()
    before: tuple[str, ...] = ("default", "insert_default")
    ordinal: int = 0


Edit = Union[ReplaceExpression, InsertKeyword]


@dataclass(frozen=True)
class ColumnAddition:
    """One ``add_column`` call in a file, and where a backfill would go.

    ``anchor_line``/``anchor_end_line`` delimit the statement after which a
    backfill goes (the ``with`` block in batch mode); ``indent`` is its
    indentation, ``indent_unit`` one level of the file's indentation and
    ``newline`` the line ending of its last line. ``nullable_at`` is where the
    ``False`` of ``nullable=False`` stands and ``default_keyword_at`` where
    ``default=`` does (line, 0-based column), for the NOT NULL rewrites.
    """

    column: NewColumn
    receiver: str
    location: Location
    anchor_line: int
    anchor_end_line: int
    indent: str
    newline: str
    already_backfilled: bool = False
    ignored_codes: frozenset[str] | None = None
    insertable: bool = True
    indent_unit: str = "    "
    nullable_at: tuple[int, int] | None = None
    default_keyword_at: tuple[int, int] | None = None
    anchor_path: StatementPath = ()
    call_path: StatementPath = ()
    nullable_ordinal: int = 0
    default_ordinal: int = 0

    def is_ignored(self, code: str) -> bool:
        """``# migration-fix: ignore`` silences all codes, ``ignore[X]`` only X."""
        if self.ignored_codes is None:
            return False
        return not self.ignored_codes or code in self.ignored_codes


@dataclass(frozen=True)
class Migration:
    """What the finder read from one file."""

    additions: list[ColumnAddition]
    sqlalchemy_alias: str | None
    last_import: tuple[int, int]
    newline: str
    last_import_path: StatementPath = ()


@dataclass(frozen=True)
class Finding:
    """Something a person has to look at: ``path:line:col: CODE message``."""

    code: str
    message: str
    location: Location
    fixable: bool = False


@dataclass(frozen=True)
class Insertion:
    """Statements to place after the statement on lines ``anchor_line..after_line``.

    A statement may span lines (``\n``-separated); its continuation lines are
    indented relative to the statement, so ``indent`` applies to every line.
    """

    anchor_line: int
    after_line: int
    statements: tuple[str, ...]
    indent: str
    newline: str
    path: StatementPath = ()

    def lines(self) -> list[str]:
        """The inserted physical lines, each with indentation and line ending."""
        return [
            f"{self.indent}{line}{self.newline}"
            for statement in self.statements
            for line in statement.split("\n")
        ]

    def statement_sources(self) -> list[str]:
        """Each statement as libcst parses it: unindented, since libcst
        prefixes every line of a statement with its block's indentation."""
        return [
            self.newline.join(statement.split("\n")) + self.newline
            for statement in self.statements
        ]


@dataclass
class Plan:
    """What the planner decided for one file."""

    insertions: list[Insertion] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def backfill_count(self) -> int:
        return sum(1 for finding in self.findings if finding.fixable)

"""Hypothesis strategies: Alembic-shaped migration modules and what the tool must do to them.

``modules()`` draws a whole migration file as bytes together with an
independent oracle: for every ``add_column`` the outcome the tool has to reach
(a backfill, a finding, or nothing), the line a backfill has to follow, and the
value every existing row must hold once the fixed migration ran. The oracle is
computed from the drawn *intent* (kind of default, nullability, comments...),
never by calling migration_fix.

What varies: tables (reserved words, odd spellings, module constants, schema=),
column names (reserved words such as ``order``/``user``, SQLite keywords,
mixed case, spaces, non-ASCII), every supported default kind (bool, int,
negative, hex, float, str with quotes/backslashes/colons, implicit
concatenation, module constant, ``sa.true()``, ``sa.func.now()``,
``sa.literal()``, ``sa.text()``), no default at all, ``insert_default=``,
``server_default`` (or ``server_default=None``), ``nullable``, unfixable
defaults (lambda, calls), ``batch_alter_table`` blocks, ``if`` blocks, a
helper function, hand-written backfills, ``# migration-fix: ignore``; and
the formatting: calls on one line or exploded, trailing commas, comments
everywhere, backslash continuations, semicolons, trailing blanks,
spaces/tabs, LF/CRLF/mixed, BOM, coding cookies, no final newline.

Every drawn module records its features in ``Module.features``; the tests
turn them into ``hypothesis.event``s so ``--hypothesis-show-statistics``
shows how often each one was generated.

The oracle follows the README: MF101 and MF104 (NOT NULL with a Python-side
default: added nullable, backfilled, then set NOT NULL; the ``nullable=False``
becomes ``nullable=True``) are fixed; MF104 where a backfill is already written,
MF102/MF103/MF105/MF107 are reported and the file is left alone there.

Open bugs (``KNOWN_BUGS``) stay out of the default draw; ``modules(bugs={...})``
lets them back in. The bugs these properties found and that are fixed are in
``FIXED_BUGS``: every draw exercises them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Union

from hypothesis import strategies as st

# -- bugs ---------------------------------------------------------------------------

# Features that tripped a bug when the properties found it; all fixed since
# (commits d5ce3bd, c788ba1), so every draw has them. Their regression tests, with the
# minimal reproductions, are in test_properties.py.
FIXED_BUGS = frozenset(
    {
        # A form feed / NEL / LINE SEPARATOR line, comment or raw string
        # character: str.splitlines() and Python disagreed on line numbers.
        "splitlines_breaks",
        # A default or name the file's declared encoding cannot hold.
        "unencodable_text",
        # Old-Mac CR-only line endings.
        "cr_newlines",
        # Mixed line endings.
        "mixed_newlines",
        # A comment or whitespace-only line last in a batch_alter_table block.
        "batch_block_footer",
        # A hand-written Core backfill naming its table by the module constant
        # the add_column uses.
        "handwritten_core_via_constant",
        # A hand-written backfill of schema_b.t.c counted for t.c elsewhere.
        "handwritten_other_schema",
        # Fixed in c788ba1: a whitespace-only line indented as the body, last
        # in a batch_alter_table block (libcst's footer).
        "batch_block_whitespace_footer",
        # Fixed in c788ba1: CR-only line endings with a latin-1 coding cookie.
        "cr_newlines_coding_cookie",
    }
)

# Open bugs, left out of the default draw; modules(bugs={...}) lets them in.
KNOWN_BUGS = frozenset(
    {
        # Not the tool's: SQLAlchemy's SQLite dialect does not quote the
        # keyword "nothing" (SQLite 3.35+), so Alembic's own ALTER TABLE ... ADD
        # COLUMN nothing fails before any backfill runs.
        "sqlalchemy_sqlite_keyword",
    }
)

# -- names ---------------------------------------------------------------------

PLAIN_NAMES = (
    "paid", "copies", "flag", "note", "amount", "status", "level", "name", "value",
    "type", "tier", "retries", "enable_downloads", "label", "ratio", "kind", "c",
    "x1", "_private", "created", "price", "region", "comment_text", "state",
)
RESERVED_NAMES = (
    "order", "user", "group", "select", "key", "index", "values", "default", "check",
    "limit", "offset", "range", "rank", "row", "from", "where", "table", "column",
    "desc", "all", "case", "end", "when", "to", "current_date", "primary", "union",
)
# SQLite keywords fine unquoted (fallback identifiers); "nothing" is not.
SQLITE_FALLBACK_KEYWORDS = (
    "abort", "action", "always", "current", "exclude", "filter", "first", "following",
    "last", "materialized", "no", "nulls", "preceding", "savepoint", "ties", "unbounded",
)
SQLITE_BROKEN_KEYWORDS = ("nothing",)  # KNOWN_BUGS: sqlalchemy_sqlite_keyword
ODD_NAMES = (
    "Flag", "isActive", "ALLCAPS", "two words", "with-dash", "dotted.name", "café",
    "naïve", "名前", "$cost", "1st", "percent%", "colon:name", "quote'name",
)
TABLE_NAMES = (
    "invoices", "accounts", "orders", "products", "audit_log", "events", "users",
    "order", "user", "group", "select", "My Table", "Invoices2", "événements",
)
SCHEMAS = ("billing", "archive", "user")

# Values that quoting, escaping and text() binds are about.
TRICKY_STRINGS = (
    "O'Brien", 'say "hi"', "it's \"both\"", "C:\\temp", ":name", "a :b", "'' :x", "\\:x",
    "100%", "%(x)s", "?", "--", "/* */", "'); DROP TABLE t; --", "multi\nline", "tab\there",
    "\u2019curly\u2019", "", " ", "NULL", "0", "true",
)

# -- small helpers ---------------------------------------------------------------


def encodable(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


# Characters str.splitlines() breaks on that Python's tokenizer does not.
SPLITLINES_ONLY = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def needs_escape(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Zl", "Zp", "Cs") or char in SPLITLINES_ONLY


def escape_char(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


@dataclass
class Line:
    """One physical line while rendering: code, an optional comment, the indentation."""

    code: str
    comment: str = ""

    def text(self) -> str:
        if self.comment:
            assert not self.code.endswith("\\"), "a comment after a line continuation"
            return f"{self.code}  {self.comment}" if self.code.strip() else self.code + self.comment
        return self.code


@dataclass
class Call:
    """``func(args)``; each argument is ``(keyword or None, expression)``."""

    func: str
    args: list[tuple[Union[str, None], "Expr"]]


Expr = Union[str, Call]


def flat(expr: Expr) -> str:
    if isinstance(expr, str):
        return expr
    parts = [f"{key}={flat(value)}" if key else flat(value) for key, value in expr.args]
    return f"{expr.func}({', '.join(parts)})"


# -- what is drawn -------------------------------------------------------------------


@dataclass
class Default:
    """A ``default=`` and what it means.

    ``kind``: literal kinds bool/int/float/str, ``const`` (module constant),
    ``true_fn``/``false_fn``/``now``/``literal_fn``/``text_fn`` (SQLAlchemy
    constructs), ``none`` (``default=None``), ``callable`` (MF102),
    ``unresolved`` (MF103). ``value`` is what a backfilled row must hold
    (``NOW`` for a timestamp: any non-NULL value).
    """

    kind: str
    source: str
    value: Any = None
    constant: tuple[str, str] | None = None  # (NAME, literal source) for kind "const"


NOW = object()
# server_default= spellings that are no server default
NO_SERVER_DEFAULT = ("None", "(None)")


@dataclass
class Column:
    """One add_column: its column, its place in the file and the expected outcome."""

    table: str
    schema: str | None
    name: str
    type_kind: str
    default: Default | None
    nullable: bool | None
    server_default: str | None  # source, "None" or "(None)" for an explicit server_default=None
    ignore: str | None  # None, "" (bare ignore) or a code: "MF101"
    handwritten: str | None = None  # None, "text", "text_no_where", "core"
    in_batch: bool = False
    one_line_compound: bool = False
    # Filled in while rendering:
    call_line: int = 0
    call_end_line: int = 0
    anchor_end_line: int = 0
    anchor_indent: str = ""
    receiver: str = "op"
    type_src: str = ""

    @property
    def has_server_default(self) -> bool:
        return self.server_default not in (None, *NO_SERVER_DEFAULT)

    @property
    def expected(self) -> str | None:
        """The code the tool must report for this column, or None."""
        outcome = expected_outcome(self)
        return outcome[0] if outcome else None

    @property
    def fixed(self) -> bool:
        """Whether the tool must write a backfill for it (MF101, MF104)."""
        outcome = expected_outcome(self)
        return bool(outcome and outcome[1])

    @property
    def made_nullable(self) -> bool:
        """A fixed NOT NULL column: its ``nullable=False`` must become ``nullable=True``."""
        return self.fixed and self.nullable is False

    @property
    def key(self) -> tuple[str | None, str, str]:
        return (self.schema, self.table, self.name)


def expected_outcome(column: Column) -> tuple[str, bool] | None:
    """The README's rules restated: ``(code, fixed)`` for this column, or None."""
    default = column.default
    not_null = column.nullable is False
    if column.has_server_default:
        return None  # the database fills existing rows itself
    if default is None or default.kind == "none":
        outcome = ("MF105", False) if not_null else None
    elif default.kind == "callable":
        outcome = ("MF102", False)
    elif default.kind == "unresolved":
        outcome = ("MF103", False)
    elif column.handwritten and not not_null:
        return None  # already backfilled by hand
    elif column.one_line_compound:
        outcome = ("MF107", False)  # no line of its own to put the backfill after
    elif not_null and column.handwritten:
        outcome = ("MF104", False)  # cannot make it nullable around a backfill it did not write
    else:
        outcome = ("MF104" if not_null else "MF101", True)
    if outcome is None:
        return None
    # "# migration-fix: ignore" silences every code, "ignore[X]" only X
    if column.ignore == "" or column.ignore == outcome[0]:
        return None
    return outcome


@dataclass
class Module:
    """A drawn migration: its bytes and the oracle for them."""

    source: bytes
    encoding: str
    columns: list[Column]
    tables: list[tuple[str | None, str]]
    receiver: str
    sqlalchemy_module: str | None  # the name of a plain ``import sqlalchemy [as x]``
    last_import_line: int
    features: set[str] = field(default_factory=set)
    final_newline: bool = True

    def backfilled(self) -> list[Column]:
        return [column for column in self.columns if column.fixed]

    def expected_anchor_lines(self) -> set[int]:
        return {column.anchor_end_line for column in self.backfilled()}

    def findings(self) -> list[tuple[int, str, bool]]:
        """(line, code, fixable) of every diagnostic the tool must report."""
        return sorted(
            (column.call_line, column.expected, column.fixed)
            for column in self.columns
            if column.expected is not None
        )

    def expected_input_after_edits(self) -> bytes:
        """The input with the one edit the tool may make to existing lines:
        ``nullable=False`` -> ``nullable=True`` on a fixed NOT NULL column."""
        lines = self.source.splitlines(keepends=True)
        for column in self.columns:
            if column.made_nullable:
                for number in range(column.call_line, column.call_end_line + 1):
                    if b"nullable=False" in lines[number - 1]:
                        lines[number - 1] = lines[number - 1].replace(b"nullable=False", b"nullable=True", 1)
                        break
                else:
                    raise AssertionError(f"no nullable=False for {column.name}")
        return b"".join(lines)

    def text(self) -> str:
        return self.source.decode(self.encoding)

    def __repr__(self) -> str:  # what Hypothesis prints for a falsifying example
        oracle = ", ".join(
            f"{c.schema + '.' if c.schema else ''}{c.table}.{c.name}@{c.call_line}->"
            f"{c.expected}{' fixed' if c.fixed else ''}"
            for c in self.columns
        )
        return f"Module(source={self.source!r}, oracle=[{oracle}])"

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(repr(self))


# -- drawing pieces ------------------------------------------------------------


class Drawer:
    """Draws one module's pieces; ``feature`` records what was drawn."""

    def __init__(self, draw, encoding: str, bugs: frozenset[str], not_null: bool) -> None:
        self.draw = draw
        self.encoding = encoding
        self.bugs = bugs
        self.not_null = not_null
        self.features: set[str] = set()
        self.constants: list[tuple[str, str]] = []
        self.imports: set[str] = set()
        self.counter = 0
        self.plain_names = False

    def feature(self, name: str) -> None:
        self.features.add(name)

    def boolean(self, p_true: float = 0.5) -> bool:
        # weighted, and shrinking (towards 0) turns the feature off
        return self.draw(st.integers(0, 99)) >= 100 - round(p_true * 100)

    def choice(self, options):
        return self.draw(st.sampled_from(options))

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}_{self.counter}"

    # -- strings --

    def text_value(self, max_size: int = 10) -> str:
        if self.boolean(0.2):
            self.feature("str: a known tricky value")
            value = self.choice(TRICKY_STRINGS)
            if "unencodable_text" in self.bugs or encodable(value, self.encoding):
                return value
        specials = st.sampled_from(list("'\"\\:%?;()\n\t"))  # what quoting and escaping are about
        alphabet = st.one_of(
            st.sampled_from(list("abcXYZ019 _-.,é€ñ")),
            specials,
            specials,
            st.characters(exclude_categories=("Cs",)),
        )
        value = self.draw(st.text(alphabet, max_size=max_size))
        if "unencodable_text" not in self.bugs and not encodable(value, self.encoding):
            value = value.encode(self.encoding, "ignore").decode(self.encoding)
        if "splitlines_breaks" not in self.bugs:
            # the tool writes these raw into its output (render.python_string)
            value = "".join(char for char in value if char not in SPLITLINES_ONLY)
        return value

    def py_str(self, value: str, allow_concat: bool = True) -> str:
        """A Python string literal for ``value``, in one of several spellings."""
        if allow_concat and len(value) >= 2 and self.boolean(0.3):
            cut = self.draw(st.integers(1, len(value) - 1))
            self.feature("str: implicit concatenation")
            return f"{self.py_str(value[:cut], False)} {self.py_str(value[cut:], False)}"
        quote = self.choice(['"', "'"])
        raw_ok = (
            quote not in value
            and not value.endswith("\\")
            and not any(needs_escape(c) or c in "\n\r" for c in value)
            and encodable(value, self.encoding)
        )
        if raw_ok and "\\" in value and self.boolean(0.5):
            self.feature("str: raw string")
            return f"r{quote}{value}{quote}"
        prefix = "u" if self.boolean(0.1) else ""
        out = []
        for char in value:
            if char == "\\":
                out.append("\\\\")
            elif char == quote:
                out.append("\\" + quote)
            elif char == "\n":
                out.append("\\n")
            elif char == "\r":
                out.append("\\r")
            elif char == "\t" and self.boolean(0.5):
                out.append("\t")  # a raw tab inside the literal
            elif needs_escape(char) and not (
                "splitlines_breaks" in self.bugs and char in SPLITLINES_ONLY and self.boolean(0.5)
            ):
                out.append(escape_char(char))
            elif not encodable(char, self.encoding):
                out.append(escape_char(char))
            else:
                out.append(char)
        return f"{prefix}{quote}{''.join(out)}{quote}"

    def comment(self) -> str:
        options = [
            "# note",
            "#",
            "# noqa: E501",
            "# type: ignore",
            "# UPDATE t SET c = 1 WHERE c IS NULL",
            "# add_column(",
            "# ) ] }",
            "# migration-fix",
            '# "quoted" \'text\'',
            "# ### end Alembic commands ###",
            "# é à ü",
            "# 漢字",
        ]
        text = self.choice(options)
        if not encodable(text, self.encoding):
            text = "# (not encodable)"
        return text


# -- SQLAlchemy spellings ------------------------------------------------------------


@dataclass(frozen=True)
class Spelling:
    """How this module spells SQLAlchemy names, after its import style."""

    style: str
    module: str | None  # "sa", "sqlalchemy", "sqla" or None ("from sqlalchemy import ...")
    column: str  # "sa.Column", "Col", ...

    def name(self, attr: str) -> str:
        return f"{self.module}.{attr}" if self.module else attr


FROM_IMPORTS = (
    "Boolean", "Integer", "BigInteger", "SmallInteger", "Float", "Numeric", "String",
    "Text", "Unicode", "Date", "DateTime", "TIMESTAMP", "func", "true", "false", "text", "literal",
)

TYPES = {
    "decimal": ("Numeric(10, 2)", "Numeric(precision=12, scale=2)"),
    "date": ("Date()",),
    "bool": ("Boolean()", "Boolean", "BOOLEAN()"),
    "int": ("Integer()", "Integer", "BigInteger()", "SmallInteger()", "Numeric(10, 0)", "INTEGER()"),
    "float": ("Float()", "Float", "Numeric()", "Float(precision=53)"),
    "str": ("String()", "String(40)", "String(length=40)", "Text()", "Unicode(20)", "VARCHAR(10)"),
    "datetime": ("DateTime()", "DateTime(timezone=True)", "TIMESTAMP()"),
}
UPPER_TYPES = {"BOOLEAN", "INTEGER", "VARCHAR"}


def type_source(spelling: Spelling, source: str) -> str:
    head = source.split("(")[0]
    if spelling.module is None and head in UPPER_TYPES:
        source = source.replace(head, {"BOOLEAN": "Boolean", "INTEGER": "Integer", "VARCHAR": "String"}[head], 1)
    return spelling.name(source)


# -- one column ----------------------------------------------------------------------


def draw_int_source(d: Drawer, value: int) -> str:
    style = d.choice(["dec", "dec", "hex", "underscore", "plus"])
    magnitude = abs(value)
    if style == "hex":
        d.feature("int: hex literal")
        body = hex(magnitude)
    elif style == "underscore" and magnitude >= 1000:
        d.feature("int: underscores")
        body = f"{magnitude:_}"
    else:
        body = str(magnitude)
    if value < 0:
        d.feature("int: negative")
        return f"-{body}"
    if style == "plus":
        d.feature("int: unary plus")
        return f"+{body}"
    return body


def draw_default(d: Drawer, spelling: Spelling, kind: str) -> Default:
    """A default for a column of type ``kind`` (mostly one the tool can backfill)."""
    roll = d.draw(st.integers(0, 99))
    if roll >= 95:
        d.feature("default: None")
        return Default("none", "None")
    if roll >= 91:
        d.feature("default: callable (MF102)")
        if kind == "datetime":
            d.imports.add("import datetime")
            return Default("callable", "datetime.datetime.utcnow")
        if kind == "str" and d.not_null and d.boolean(0.5):
            # not in a module run on SQLite: a batch table copy would call it and
            # bind the UUID object it returns, which sqlite3 cannot store
            d.imports.add("import uuid")
            return Default("callable", "uuid.uuid4")
        # a value of the column's kind: a batch table copy on SQLite calls it
        # (lambda: None on a NOT NULL column would fail by itself)
        source = {
            "bool": "lambda: True",
            "int": "lambda: 1",
            "float": "lambda: 1.5",
            "str": 'lambda: "x"',
            "decimal": "lambda: 1.5",
            "date": "lambda: datetime.date(2000, 1, 1)",
        }[kind]
        if kind == "date":
            d.imports.add("import datetime")
        return Default("callable", source)
    if roll >= 88 and kind in ("str", "float"):
        d.feature("default: lowercase name from elsewhere (MF103)")
        module, attribute = ("string", "ascii_lowercase") if kind == "str" else ("math", "pi")
        d.imports.add(f"import {module}")
        value = __import__(module).__dict__[attribute]
        return Default("unresolved", f"{module}.{attribute}", value)
    if roll >= 82 and kind in ("bool", "int", "float", "str"):
        d.feature("default: evaluated when the migration runs (Core backfill)")
        if kind == "int" and d.boolean(0.5):
            d.imports.add("import calendar")
            return Default("runtime", "calendar.FRIDAY", 4)
        source, value = {
            "bool": ("bool(1)", True),
            "int": ('int("5")', 5),
            "float": ('float("2.5")', 2.5),
            "str": ('"ab".upper()', "AB"),
        }[kind]
        return Default("runtime", source, value)
    use_constant = d.boolean(0.12)
    if kind == "bool":
        if d.boolean(0.25):
            which = d.choice(["true", "false"])
            d.feature("default: sa.true()/sa.false()")
            return Default(f"{which}_fn", f"{spelling.name(which)}()", which == "true")
        value = d.draw(st.booleans())
        default = Default("bool", repr(value), value)
        d.feature("default: bool")
    elif kind == "int":
        if d.boolean(0.15):
            value = d.draw(st.integers(-1000, 1000))
            d.feature("default: sa.literal()")
            return Default("literal_fn", f"{spelling.name('literal')}({value})", value)
        if d.boolean(0.08):
            value = d.draw(st.integers(0, 1000))
            d.feature("default: sa.text()")
            return Default("text_fn", f'{spelling.name("text")}("{value}")', value)
        value = d.draw(
            st.one_of(st.integers(-(2**31), 2**31), st.sampled_from([0, -1, 2**62, -(2**62)]))
        )
        if d.boolean(0.1):
            step = d.draw(st.integers(1, 100))
            d.feature("int: arithmetic")
            default = Default("int", f"{draw_int_source(d, value - step)} + {step}", value)
        else:
            default = Default("int", draw_int_source(d, value), value)
        d.feature("default: int")
    elif kind == "float":
        value = d.draw(st.floats(allow_nan=False, allow_infinity=False))
        default = Default("float", repr(value), value)
        d.feature("default: float")
        if str(value).startswith("-"):
            d.feature("float: negative")
    elif kind == "decimal":
        cents = d.draw(st.integers(-(10**8), 10**8))
        text = f"{'-' if cents < 0 else ''}{abs(cents) // 100}.{abs(cents) % 100:02d}"
        d.imports.add("import decimal")
        d.feature("default: Decimal(...)")
        return Default("decimal", f'decimal.Decimal("{text}")', float(text))
    elif kind == "date":
        year, month, day = d.draw(st.dates()).timetuple()[:3]
        d.imports.add("import datetime")
        d.feature("default: datetime.date(...)")
        return Default("date", f"datetime.date({year}, {month}, {day})", f"{year:04d}-{month:02d}-{day:02d}")
    elif kind == "str":
        value = d.text_value()
        default = Default("str", d.py_str(value), value)
        d.feature("default: str")
        if "'" in value:
            d.feature("str: single quote")
        if '"' in value:
            d.feature('str: double quote')
        if "\\" in value:
            d.feature("str: backslash")
        if ":" in value:
            d.feature("str: colon")
        if re.search(r"(?<![:\w\\]):\w", value):
            d.feature("str: colon that text() would read as a parameter")
        if value and not value.isascii():
            d.feature("str: non-ASCII")
        if not value:
            d.feature("str: empty")
    else:  # datetime
        which = d.choice(["now", "current_timestamp"])
        d.feature("default: sa.func.now()")
        return Default("now", f"{spelling.name('func')}.{which}()", NOW)
    if use_constant:
        name = d.fresh("DEFAULT")
        d.constants.append((name, default.source))
        d.feature("default: module constant")
        return Default("const", name, default.value, (name, default.source))
    return default


def draw_server_default(d: Drawer, spelling: Spelling, kind: str) -> str:
    if d.boolean(0.15):
        return d.choice(NO_SERVER_DEFAULT)
    options = {
        "bool": [f"{spelling.name('false')}()", f'{spelling.name("text")}("0")', '"1"'],
        "int": ['"0"', f'{spelling.name("text")}("7")'],
        "float": ['"0.5"', f'{spelling.name("text")}("1.5")'],
        "decimal": ['"0.50"'],
        "str": ['"x"', "''", f"{spelling.name('text')}(\"'y'\")"],
        "date": ['"2000-01-01"'],
        "datetime": ['"2000-01-01 00:00:00"'],
    }[kind]
    return d.choice(options)


def draw_column(
    d: Drawer, spelling: Spelling, table: str, schema: str | None, name: str, in_batch: bool
) -> Column:
    kind = d.choice(["bool", "bool", "int", "float", "str", "str", "datetime", "decimal", "date"])
    default = None
    if d.boolean(0.1):
        # no default= at all: the prefilter may skip the file, unless the
        # column is NOT NULL without a server default (MF105)
        d.feature("default: absent")
    else:
        default = draw_default(d, spelling, kind)
    server_default = None
    if d.boolean(0.5 if default is None else 0.12):
        server_default = draw_server_default(d, spelling, kind)
        d.feature("server_default=" if server_default not in NO_SERVER_DEFAULT else "server_default=None")
    nullable: bool | None = d.choice([None, None, True, False])
    ignore = None
    if d.boolean(0.1):
        ignore = d.choice(["", "MF101", "MF104"])
        d.feature("# migration-fix: ignore" + (f"[{ignore}]" if ignore else ""))
    column = Column(table, schema, name, kind, default, nullable, server_default, ignore, in_batch=in_batch)
    if column.expected in ("MF101", "MF104") and d.boolean(0.12):
        column.handwritten = d.choice(["text", "text", "text_no_where", "core"])
        if column.handwritten == "core" and spelling.module is None:
            column.handwritten = "text"
        if column.handwritten.startswith("text") and not handwritten_sql_ok(column):
            column.handwritten = "core" if spelling.module else None
        if column.handwritten:
            d.feature("hand-written backfill")
    settle_for_sqlite(d, column)
    if column.nullable is False and not column.has_server_default:
        d.feature("nullable=False, no server_default")
    if default is None and column.nullable is False:
        d.feature("default: absent, nullable=False" + (", server_default=" if column.has_server_default else ""))
    return column


def settle_for_sqlite(d: Drawer, column: Column) -> None:
    """In a module meant to run on SQLite, a NOT NULL column without a server
    default must end up fixed: the ALTER of one the tool leaves alone fails on rows."""
    if d.not_null or column.nullable is not False or column.has_server_default:
        return
    if not column.fixed:
        column.nullable = None


def handwritten_sql_ok(column: Column) -> bool:
    default = column.default
    assert default is not None
    if isinstance(default.value, str) and "\x00" in default.value:
        return False
    return True


def column_call(d: Drawer, spelling: Spelling, column: Column) -> Call:
    """``sa.Column("name", sa.Type(), default=..., ...)`` in a drawn spelling."""
    name = d.py_str(column.name, allow_concat=False)
    type_src = type_source(spelling, d.choice(TYPES[column.type_kind]))
    column.type_src = type_src
    keywords: list[tuple[str | None, Expr]] = []
    if column.default is not None:
        keyword = "default"
        if d.boolean(0.1):
            keyword = "insert_default"
            d.feature("insert_default=")
        keywords.append((keyword, column.default.source))
    if column.nullable is not None:
        keywords.append(("nullable", repr(column.nullable)))
    if column.server_default is not None:
        keywords.append(("server_default", column.server_default))
    if d.boolean(0.1):
        keywords.append(("comment", d.py_str("a column comment", allow_concat=False)))
    keywords = d.draw(st.permutations(keywords)) if len(keywords) > 1 else keywords
    if d.boolean(0.12):
        d.feature("Column(name=..., type_=...) keywords")
        args: list[tuple[str | None, Expr]] = [("name", name), ("type_", type_src)]
        args = list(d.draw(st.permutations(args))) + list(keywords)
    else:
        args = [(None, name), (None, type_src), *keywords]
    return Call(spelling.column, args)


# -- rendering calls -------------------------------------------------------------------


def render_expr(d: Drawer, expr: Expr, indent: str, unit: str, backslash_ok: bool = True) -> list[Line]:
    """Physical lines for ``expr``; the first continues the current line."""
    if isinstance(expr, str) or not expr.args:
        return [Line(flat(expr))]
    style = d.choice(["flat", "flat", "exploded", "exploded", "backslash"])
    if style == "backslash" and (len(expr.args) < 2 or not backslash_ok):
        style = "flat"
    if style == "flat":
        trailing = "," if d.boolean(0.1) else ""
        if trailing:
            d.feature("layout: trailing comma")
        return [Line(flat(expr)[:-1] + trailing + ")")]
    parts = [f"{key}={flat(value)}" if key else flat(value) for key, value in expr.args]
    if style == "backslash":
        d.feature("layout: backslash continuation")
        cut = d.draw(st.integers(1, len(parts) - 1))
        return [
            Line(f"{expr.func}({', '.join(parts[:cut])}, \\"),
            Line(f"{indent}{unit}{', '.join(parts[cut:])})"),
        ]
    d.feature("layout: call over several lines")
    lines = [Line(f"{expr.func}(")]
    if d.boolean(0.15):
        lines[0].comment = d.comment()
        d.feature("comment: inside a call")
    inner = indent + unit
    hug = d.boolean(0.2)
    trailing = d.boolean(0.6)
    for index, (key, value) in enumerate(expr.args):
        last = index == len(expr.args) - 1
        sub = render_expr(d, value, inner, unit, backslash_ok=False)
        sub[0].code = inner + (f"{key}=" if key else "") + sub[0].code
        if not last or (trailing and not hug):
            sub[-1].code += ","
        if last and hug:
            sub[-1].code += ")"
        if d.boolean(0.1) and not sub[-1].code.endswith("\\"):
            sub[-1].comment = d.comment()
            d.feature("comment: inside a call")
        lines.extend(sub)
        if not last and d.boolean(0.08):
            lines.append(Line(inner + d.comment()))
            d.feature("comment: own line inside a call")
        if not last and d.boolean(0.05):
            lines.append(Line(""))
            d.feature("layout: blank line inside a call")
    if trailing and not hug:
        d.feature("layout: trailing comma")
    if not hug:
        lines.append(Line(indent + ")"))
    return lines


# -- the module ------------------------------------------------------------------------


@dataclass
class Renderer:
    """Appends physical lines and knows their 1-based numbers."""

    lines: list[Line] = field(default_factory=list)

    @property
    def next_line(self) -> int:
        return len(self.lines) + 1

    def add(self, *lines: Line) -> tuple[int, int]:
        first = self.next_line
        self.lines.extend(lines)
        return first, len(self.lines)


@dataclass
class Scope:
    """Names in use: (schema, table) -> column names (lowercase, SQLite is case-blind)."""

    tables: list[tuple[str | None, str, str]]  # (schema, table, table source expression)
    used: dict[tuple[str | None, str], set[str]] = field(default_factory=dict)

    other_schema_bug: bool = False

    def taken(self, schema: str | None, table: str) -> set[str]:
        # The tool's hand-written-backfill check ignores the schema (bug
        # "handwritten_other_schema"), so keep (table, column) unique across schemas.
        return self.used.setdefault((schema if self.other_schema_bug else None, table.lower()), {"id"})


def draw_column_name(d: Drawer, scope: Scope, schema: str | None, table: str) -> str | None:
    taken = scope.taken(schema, table)
    pools = [PLAIN_NAMES, PLAIN_NAMES, RESERVED_NAMES, ODD_NAMES, SQLITE_FALLBACK_KEYWORDS]
    if d.plain_names:
        pools = [PLAIN_NAMES]
    if "sqlalchemy_sqlite_keyword" in d.bugs:
        pools.append(SQLITE_BROKEN_KEYWORDS)
    pool = d.choice(pools)
    name = d.choice(pool)
    if d.boolean(0.05) and not d.plain_names:
        name = d.draw(st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True))
    if name.lower() in taken:
        return None
    if "unencodable_text" not in d.bugs and not encodable(name, d.encoding):
        return None
    taken.add(name.lower())
    if pool is RESERVED_NAMES:
        d.feature("column name: reserved word")
    elif pool is ODD_NAMES:
        d.feature("column name: mixed case / not an identifier")
    elif pool is SQLITE_FALLBACK_KEYWORDS:
        d.feature("column name: SQLite keyword")
    return name


def render_statement(
    d: Drawer, r: Renderer, call: Call, indent: str, unit: str, comment: str = "", semicolon: bool = False
) -> tuple[int, int]:
    lines = render_expr(d, call, indent, unit, backslash_ok=not comment)
    lines[0].code = indent + lines[0].code
    if comment:
        lines[0].comment = comment
    if semicolon:
        lines[-1].code += "; n = 0"
        d.feature("layout: semicolon")
    if not lines[-1].comment and d.boolean(0.12):
        lines[-1].comment = d.comment()
        d.feature("comment: after a statement")
    return r.add(*lines)


def add_column_call(
    d: Drawer, spelling: Spelling, receiver: str, column: Column, table_expr: str, batch: str | None
) -> Call:
    col = column_call(d, spelling, column)
    if batch is not None:
        if d.boolean(0.1):
            return Call(f"{batch}.add_column", [("column", col)])
        return Call(f"{batch}.add_column", [(None, col)])
    schema_arg = [("schema", d.py_str(column.schema, False))] if column.schema else []
    if column.schema is None and d.boolean(0.05):
        schema_arg = [("schema", "None")]
    if d.boolean(0.1):
        d.feature("add_column(table_name=..., column=...)")
        return Call(f"{receiver}.add_column", [("table_name", table_expr), ("column", col), *schema_arg])
    return Call(f"{receiver}.add_column", [(None, table_expr), (None, col), *schema_arg])


def sqlite_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return repr(value)
    if value is NOW:
        return "CURRENT_TIMESTAMP"
    return "'" + str(value).replace("'", "''") + "'"


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def handwritten_backfill(d: Drawer, spelling: Spelling, receiver: str, column: Column, table_expr: str) -> str:
    """A backfill a person wrote, which the tool must recognise and leave alone."""
    default = column.default
    assert default is not None
    if column.handwritten == "core":
        if table_expr.startswith("TABLE_") and "handwritten_core_via_constant" not in d.bugs:
            table_expr = d.py_str(column.table, False)
        module = spelling.module
        schema = f", schema={d.py_str(column.schema, False)}" if column.schema else ""
        name = d.py_str(column.name, False)
        return (
            f"{receiver}.execute({module}.table({table_expr}, {module}.column({name}, {column.type_src}){schema})"
            f".update().where({module}.column({name}).is_(None)).values({{{name}: {default.source}}}))"
        )
    target = quote_ident(column.table)
    if column.schema:
        target = f"{quote_ident(column.schema)}.{target}"
    if default.kind in ("true_fn", "false_fn"):
        value = "1" if default.value else "0"
    else:
        value = sqlite_literal(default.value)
    value = value.replace(":", "\\:")  # text(): a colon would start a bind parameter
    sql = f"UPDATE {target} SET {quote_ident(column.name)} = {value}"
    if column.handwritten != "text_no_where":
        sql += f" WHERE {quote_ident(column.name)} IS NULL"
    return f"{receiver}.execute({d.py_str(sql, allow_concat=False)})"


@st.composite
def modules(
    draw,
    *,
    not_null: bool = True,
    bugs: frozenset[str] = frozenset(),
    max_items: int = 5,
    plain_names: bool = False,
) -> Module:
    """A migration module and its oracle.

    ``not_null=False``: a module meant to run on SQLite tables with rows; no
    NOT NULL column without a server default that the tool leaves alone
    (MF105, an ignored or already-backfilled MF104), whose ALTER would fail.
    ``bugs`` lets the named KNOWN_BUGS into the draw. ``plain_names``:
    lowercase unreserved table, column and schema names only, which the tool
    writes as plain SQL rather than Core (the mutation tests use it).
    """
    unknown = set(bugs) - KNOWN_BUGS
    assert not unknown, unknown
    bugs = frozenset(bugs) | FIXED_BUGS
    encoding_style = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "bom", "cookie-utf8", "latin-1"]))
    encoding = "latin-1" if encoding_style == "latin-1" else "utf-8"
    d = Drawer(draw, encoding, frozenset(bugs), not_null)
    d.plain_names = plain_names
    d.feature(f"encoding: {encoding_style}")
    cr_ok = "cr_newlines" in bugs and (encoding == "utf-8" or "cr_newlines_coding_cookie" in bugs)
    newline_style = d.choice(
        ["LF", "LF", "LF", "CRLF", "CRLF"]
        + (["mixed"] if "mixed_newlines" in bugs else [])
        + (["CR"] if cr_ok else [])
    )
    d.feature(f"newline: {newline_style}")
    unit = d.choice(["    ", "    ", "  ", "\t"])
    d.feature({"    ": "indent: 4 spaces", "  ": "indent: 2 spaces", "\t": "indent: tab"}[unit])
    op_style = d.choice(["op", "op", "op as o", "alembic.op"])
    receiver = {"op": "op", "op as o": "o", "alembic.op": "alembic.op"}[op_style]
    d.feature(f"import: alembic {op_style}")
    sa_style = d.choice(["sa", "sa", "sqlalchemy", "sqla", "from"])
    d.feature(f"import: sqlalchemy {sa_style}")
    if sa_style == "from":
        spelling = Spelling("from", None, d.choice(["Column", "Col"]))
    else:
        spelling = Spelling(sa_style, sa_style, f"{sa_style}.Column")

    # -- tables ------------------------------------------------------------------
    scope_tables: list[tuple[str | None, str, str]] = []
    seen = set()
    for _ in range(draw(st.integers(1, 3))):
        table = d.choice(TABLE_NAMES[:7] if plain_names else TABLE_NAMES)
        if not encodable(table, encoding) and "unencodable_text" not in bugs:
            continue
        schema = d.choice([None, None, None, *(SCHEMAS[:2] if plain_names else SCHEMAS)])
        if (schema, table.lower()) in seen:
            continue
        seen.add((schema, table.lower()))
        if table in ("order", "user", "group", "select"):
            d.feature("table name: reserved word")
        if schema:
            d.feature("schema=")
        scope_tables.append((schema, table, ""))
    if not scope_tables:
        scope_tables.append((None, "invoices", ""))
    scope = Scope(scope_tables, other_schema_bug="handwritten_other_schema" in bugs)
    table_exprs: dict[tuple[str | None, str], str] = {}
    table_constants: list[tuple[str, str]] = []
    for schema, table, _ in scope_tables:
        if d.boolean(0.15):
            name = d.fresh("TABLE")
            table_constants.append((name, d.py_str(table, False)))
            table_exprs[(schema, table)] = name
            d.feature("table name: module constant")
        else:
            table_exprs[(schema, table)] = d.py_str(table, False)

    # -- what upgrade() (and a helper) do, drawn as a tree of items -----------------
    def draw_items(depth: int) -> list[tuple]:
        items: list[tuple] = []
        for _ in range(draw(st.integers(1, max_items if depth == 0 else 2))):
            kind = d.choice(["add", "add", "add", "batch", "filler"] + (["if"] if depth < 2 else []))
            if kind == "add":
                schema, table, _ = d.choice(scope_tables)
                name = draw_column_name(d, scope, schema, table)
                if name is None:
                    continue
                column = draw_column(d, spelling, table, schema, name, in_batch=False)
                if d.boolean(0.05):
                    column.one_line_compound = True
                    column.handwritten = None
                    settle_for_sqlite(d, column)
                    d.feature("one-line compound statement (MF107)")
                items.append(("add", column, d.boolean(0.05)))
            elif kind == "batch":
                schema, table, _ = d.choice(scope_tables)
                cols = []
                for _ in range(draw(st.integers(1, 3))):
                    name = draw_column_name(d, scope, schema, table)
                    if name is not None:
                        cols.append(draw_column(d, spelling, table, schema, name, in_batch=True))
                if cols:
                    d.feature("batch_alter_table block")
                    items.append(("batch", schema, table, cols))
            elif kind == "if":
                inner = draw_items(depth + 1)
                if inner:
                    d.feature("if block")
                    items.append(("if", inner))
            else:
                items.append(("filler", d.choice(["comment", "blank", "pass", "assign", "docstring-like"])))
        return items

    upgrade_items = draw_items(0)
    helper_items = draw_items(1) if d.boolean(0.15) else []
    if helper_items:
        d.feature("add_column in a helper function")

    # -- rendering -------------------------------------------------------------------
    r = Renderer()
    columns: list[Column] = []
    if encoding_style in ("latin-1", "cookie-utf8"):
        if d.boolean(0.3):
            r.add(Line("#!/usr/bin/env python"))
            d.feature("shebang before the coding cookie")
        cookie = "latin-1" if encoding == "latin-1" else "utf-8"
        r.add(Line(d.choice([f"# -*- coding: {cookie} -*-", f"# coding: {cookie}", f"# vim: set fileencoding={cookie} :"])))
    if d.boolean(0.7):
        r.add(Line('"""Add columns.'), Line(""), Line("Revision ID: 1a2b3c4d5e6f"), Line('"""'))
    op_line = {
        "op": "from alembic import op",
        "op as o": "from alembic import op as o",
        "alembic.op": "import alembic.op",
    }[op_style]
    if sa_style == "from":
        names = ", ".join(("Column as Col" if spelling.column == "Col" else "Column",) + FROM_IMPORTS)
        sa_line = f"from sqlalchemy import {names}"
    elif sa_style in ("sa", "sqla"):
        sa_line = f"import sqlalchemy as {sa_style}"
    else:
        sa_line = "import sqlalchemy"
    import_lines = sorted(d.imports) + [op_line, sa_line]
    if d.boolean(0.5):
        import_lines = import_lines[::-1]
    for text in import_lines:
        r.add(Line(text))
    last_import_line = r.next_line - 1
    if table_constants or d.constants:
        r.add(Line(""))
    for name, source in table_constants + d.constants:
        r.add(Line(f"{name} = {source}"))
    r.add(Line(""), Line('revision = "1a2b3c4d5e6f"'), Line("down_revision = None"))
    if "splitlines_breaks" in bugs and d.boolean(0.5):
        r.add(Line(""), Line(d.choice(["\x0c", "# \x0c page", "# \x85", "# \u2028"])))
        d.feature("form feed / NEL / LS before the migration")
    r.add(Line(""), Line(""))

    def handwritten(column: Column, indent: str) -> None:
        table_expr = table_exprs[(column.schema, column.table)]
        r.add(Line(indent + handwritten_backfill(d, spelling, receiver, column, table_expr)))

    def render_items(items: list[tuple], indent: str) -> None:
        if all(item[0] == "filler" and item[1] in ("comment", "blank") for item in items):
            r.add(Line(indent + "pass"))  # a body needs one statement
        for item in items:
            if item[0] == "filler":
                what = item[1]
                if what == "comment":
                    r.add(Line(indent + d.comment()))
                    d.feature("comment: own line")
                elif what == "blank":
                    # indented, it may end a batch block (KNOWN_BUGS: batch_block_whitespace_footer)
                    indented = "batch_block_whitespace_footer" in d.bugs and d.boolean(0.2)
                    r.add(Line(indent if indented else ""))
                elif what == "pass":
                    r.add(Line(indent + "pass"))
                elif what == "assign":
                    r.add(Line(indent + "n = 0"))
                else:
                    r.add(Line(indent + '"""A string statement."""'))
            elif item[0] == "add":
                _, column, semicolon = item
                column.receiver = receiver
                table_expr = table_exprs[(column.schema, column.table)]
                call = add_column_call(d, spelling, receiver, column, table_expr, None)
                comment = ignore_comment(column)
                if column.one_line_compound:
                    lines = render_expr(d, call, indent, unit, backslash_ok=not comment)
                    lines[0].code = indent + "if True: " + lines[0].code
                    lines[0].comment = comment
                    first, last = r.add(*lines)
                else:
                    first, last = render_statement(d, r, call, indent, unit, comment, semicolon)
                column.call_line, column.call_end_line = first, last
                column.anchor_end_line, column.anchor_indent = last, indent
                columns.append(column)
                if column.handwritten:
                    handwritten(column, indent)
            elif item[0] == "batch":
                _, schema, table, cols = item
                batch_name = d.choice(["batch_op", "b", "bop"])
                args: list[tuple[str | None, Expr]] = [(None, table_exprs[(schema, table)])]
                if schema is not None:
                    args.append(("schema", d.py_str(schema, False)))
                elif d.boolean(0.5):
                    args.append(("schema", "None"))
                r.add(Line(f"{indent}with {flat(Call(f'{receiver}.batch_alter_table', args))} as {batch_name}:"))
                inner = indent + unit
                block_end = 0
                for index, column in enumerate(cols):
                    column.receiver = receiver
                    call = add_column_call(d, spelling, receiver, column, "", batch_name)
                    first, block_end = render_statement(d, r, call, inner, unit, ignore_comment(column))
                    column.call_line, column.call_end_line = first, block_end
                    columns.append(column)
                    if index < len(cols) - 1 and d.boolean(0.1):
                        r.add(Line(inner + d.comment()))
                        d.feature("comment: own line in a batch block")
                    if index < len(cols) - 1 and d.boolean(0.05):
                        r.add(Line(""))
                if "batch_block_footer" in d.bugs and d.boolean(0.15):
                    footers = ["# batch_op.drop_column('legacy')", d.comment()]
                    if "batch_block_whitespace_footer" in d.bugs:
                        footers.append("")
                    footer = d.choice(footers)
                    _, footer_line = r.add(Line(inner + footer))
                    # comment and whitespace lines indented as the body end the
                    # block (libcst's footer): the backfill goes after them
                    block_end = footer_line
                    d.feature("comment ends a batch block" if footer else "whitespace-only line ends a batch block")
                for column in cols:
                    column.anchor_end_line, column.anchor_indent = block_end, indent
                for column in cols:
                    if column.handwritten:
                        handwritten(column, indent)
            else:
                r.add(Line(indent + "if True:"))
                render_items(item[1], indent + unit)

    if helper_items:
        r.add(Line("def _add_more():"))
        render_items(helper_items, unit)
        r.add(Line(""), Line(""))
    r.add(Line("def upgrade():"))
    if d.boolean(0.3):
        r.add(Line(unit + "# ### commands auto generated by Alembic - please adjust! ###"))
    render_items(upgrade_items, unit)
    if helper_items:
        r.add(Line(unit + "_add_more()"))
    if d.boolean(0.7):
        r.add(Line(""), Line(""), Line("def downgrade():"), Line(unit + "pass"))
    else:
        d.feature("upgrade() ends the file")

    # -- bytes -------------------------------------------------------------------------
    final_newline = d.boolean(0.85)
    if not final_newline:
        d.feature("no final newline")
    chunks = []
    for index, line in enumerate(r.lines):
        text = line.text()
        if text.strip() and not text.endswith("\\") and d.boolean(0.03):
            text += " "
            d.feature("layout: trailing whitespace")
        if newline_style == "mixed":
            newline = d.choice(["\n", "\r\n"])
        else:
            newline = {"LF": "\n", "CRLF": "\r\n", "CR": "\r"}[newline_style]
        last = index == len(r.lines) - 1
        chunks.append(text + ("" if last and not final_newline else newline))
    errors = "backslashreplace" if "unencodable_text" in bugs else "strict"
    source = "".join(chunks).encode(encoding, errors)
    if encoding_style == "bom":
        source = b"\xef\xbb\xbf" + source

    fixed = [column for column in columns if column.fixed]
    d.feature("backfills expected: " + ("0" if not fixed else "1" if len(fixed) == 1 else "2+"))
    for column in columns:
        if column.expected:
            d.feature(f"outcome: {column.expected} {'fixed' if column.fixed else 'reported'}")
    return Module(
        source=source,
        encoding=encoding,
        columns=columns,
        tables=sorted({(c.schema, c.table) for c in columns}, key=repr),
        receiver=receiver,
        sqlalchemy_module=spelling.module,
        last_import_line=last_import_line,
        features=d.features,
        final_newline=final_newline,
    )


def ignore_comment(column: Column) -> str:
    if column.ignore is None:
        return ""
    return "# migration-fix: ignore" + (f"[{column.ignore}]" if column.ignore else "")

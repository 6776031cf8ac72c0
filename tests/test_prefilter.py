"""The prefilter never skips a file the full pipeline would change or report."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from migration_fix.finder import read_migration
from migration_fix.fix import decode, parse
from migration_fix.plan import plan_migration
from migration_fix.prefilter import DEPTH, argument_spans, might_need_fix
from migration_fix.settings import Settings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
HEADER = (
    "from alembic import op\n"
    "import sqlalchemy as sa\n"
    "from sqlalchemy import Column as Col, text\n"
    "OPTIONS = {}\n"
    "NOTHING = None\n"
    "NOT_NULL = False\n"
    'TABLE = "t"\n'
    "def upgrade():\n"
    "    nothing = None\n"
)


def needs_something(source: bytes) -> bool:
    """The full pipeline's verdict, without the prefilter."""
    _, text = decode(source)
    plan = plan_migration(read_migration(parse(text), text), Settings())
    return bool(plan.insertions or plan.findings)


def test_every_fixture() -> None:
    for path in sorted(FIXTURES.glob("*/*.py")):
        source = path.read_bytes()
        if needs_something(source):
            assert might_need_fix(source), path


def test_skips_what_needs_nothing() -> None:
    source = (
        b"from alembic import op\nimport sqlalchemy as sa\n"
        b'op.add_column("t", sa.Column("c", sa.String(length=20), nullable=True))\n'
        b'op.create_table("u", sa.Column("id", sa.Integer(), nullable=False))\n'
    )
    assert not needs_something(source)
    assert not might_need_fix(source)


@pytest.mark.parametrize(
    "statement",
    [
        'op.add_column("t", sa.Column("c", sa.Integer(), nullable=False, server_default=sa.text("0")))',
        'op.add_column("t", sa.Column("c", sa.Integer(), nullable=False, server_default="x"))',
        'op.add_column("t", sa.Column("c", sa.DateTime(), nullable=False, server_default=sa.func.now()))',
        'op.add_column("t", sa.Column("c", sa.Integer(), primary_key=True, server_default=text("1")))',
        'op.add_column("t", sa.Column("c", sa.Integer(), server_default="x"))',
        'op.add_column("t", sa.Column("c", sa.Integer(), server_default=None))',
        'op.add_column(TABLE, sa.Column("c", sa.Integer(), nullable=False, server_default="0"))',
        (
            'op.add_column(\n        "t",  # the table\n        sa.Column(\n            "c",\n'
            "            sa.Integer(),\n            nullable=False,\n            # filled\n"
            '            server_default="1",\n        ),\n    )'
        ),
        (
            'with op.batch_alter_table("t") as b:\n'
            '        b.add_column(sa.Column("c", sa.Integer(), nullable=False, server_default="1"), "d")'
        ),
        'op.add_column("t", "c")',
    ],
)
def test_skips_a_column_the_database_fills(statement: str) -> None:
    source = (HEADER + "    " + statement + "\n").encode()
    assert not needs_something(source)
    assert not might_need_fix(source)


@pytest.mark.parametrize(
    "statement",
    [
        # server_default=None is no server default: MF105
        'op.add_column("t", sa.Column("c", sa.Integer(), nullable=False, server_default=None))',
        'op.add_column("t", sa.Column("c", sa.Integer(), nullable=False, server_default=(None)))',
        'op.add_column("t", sa.Column("c", sa.Integer(), primary_key=True, server_default=None))',
        # ast.parse keeps a repeated keyword (compile() rejects it), the finder reads the last
        'op.add_column("t", sa.Column("c", sa.Integer(), nullable=False, server_default="x", server_default=None))',
        # a server_default that is not the Column's own
        'op.add_column("t", sa.Column("c", sa.Typed(server_default="1"), nullable=False))',
        'op.add_column("t", sa.Column("c", sa.Integer(), nullable=False, info={"server_default": "x"}))',
        'op.add_column("t", sa.Column("c", sa.Integer(), nullable=False, **{"server_default": None}))',
        # the prefilter before 0.2 skipped these
        'op.add_column("t", sa.Column("c", sa.Integer(), nullable=(False)))',
        'op.add_column("t", sa.Column("c", sa.Integer(), nullable=\\\n        False))',
        'op.add_column("t", sa.Column("c", sa.Integer(), nullable=  # why\n        False))',
        'col = sa.Column("c", sa.Integer(), nullable=False)\n    op.add_column(sa.Column("t"), col)',
        (
            'col = sa.Column("c", sa.Integer(), nullable=False)\n'
            '    op.add_column(table_name="t", column=col, info=sa.Column("x"))'
        ),
        'col = sa.Column("c", sa.Integer(), nullable=False)\n    (op.add_column  # c\n        ("t", col))',
    ],
)
def test_looks_at_a_column_that_needs_something(statement: str) -> None:
    source = (HEADER + "    " + statement + "\n").encode()
    assert needs_something(source)
    assert might_need_fix(source)


@pytest.mark.parametrize(
    "statement",
    [
        # a name may be bound to None, a value may be None only at run time
        'op.add_column("t", sa.Column("c", sa.Integer(), nullable=False, server_default=NOTHING))',
        'op.add_column("t", sa.Column("c", sa.Integer(), nullable=False, server_default=lambda: None))',
        'op.add_column("t", sa.Column("c", sa.Integer(), nullable=NOT_NULL))',
        'op.add_column("t", sa.Column("c", sa.Integer(), nullable=False, default=None, server_default="1"))',
        'op.add_column("t", Col("c", sa.Integer(), nullable=False, server_default="1"))',
        'op.add_column("t", sa.Column(f"c{1}", sa.Integer(), nullable=False, server_default="1"))',
    ],
)
def test_looks_at_what_it_cannot_rule_out(statement: str) -> None:
    assert might_need_fix((HEADER + "    " + statement + "\n").encode())


def test_looks_at_a_file_in_an_encoding_the_scan_cannot_read() -> None:
    """In cp932 the second byte of \u30bd is a backslash: read as ASCII, it
    would escape the quote and the comment would read as a server default."""
    statement = 'op.add_column("t", sa.Column("\u30bd", sa.Integer(), nullable=False, comment=", server_default=\'1\'))"))'
    source = ("# -*- coding: cp932 -*-\n" + HEADER + "    " + statement + "\n").encode("cp932")
    assert b"\\" in source
    assert needs_something(source)
    assert might_need_fix(source)
    skipped = 'op.add_column("t", sa.Column("\u00e9", sa.Integer(), nullable=False, server_default="1"))'
    for cookie, encoding in (
        ("# -*- coding: latin-1 -*-\n", "latin-1"),
        ("#!/usr/bin/env python\n# vim: set fileencoding=utf_8 :\n", "utf-8"),
    ):
        assert not might_need_fix((cookie + HEADER + "    " + skipped + "\n").encode(encoding))


def test_argument_spans_skip_strings_comments_and_brackets() -> None:
    source = b'add_column("a)b", # x)\n  \'\'\'c,)\'\'\', "d\\")", f((1, 2), [3]))'
    spans = argument_spans(source, len(b"add_column("))
    assert spans is not None
    assert [source[start:end] for start, end in spans] == [
        b'"a)b"',
        b" # x)\n  '''c,)'''",
        b' "d\\")"',
        b" f((1, 2), [3])",
    ]


def test_argument_spans_follow_brackets_up_to_depth() -> None:
    nested = b"([{" * DEPTH
    nested = nested[:DEPTH] + b"x" + nested[:DEPTH][::-1].translate(bytes.maketrans(b"([{", b")]}"))
    assert argument_spans(b"f(" + nested + b", y)", 2) == [(2, 2 + len(nested)), (3 + len(nested), 5 + len(nested))]


@pytest.mark.parametrize(
    "arguments",
    [b'"a', b"'''a'", b"(" * (DEPTH + 1) + b")" * (DEPTH + 1) + b")", b"x", b'f"{x}")', b"#)"],
)
def test_argument_spans_give_up_where_the_parser_should_decide(arguments: bytes) -> None:
    assert argument_spans(b"f(" + arguments, 2) is None


@pytest.mark.parametrize(
    "filler",
    [b"a,", b"'a'", b"#", b"# ( ' \n", b"\\'", b"([{", b"'\"", b"(", b"'''a'"],
)
def test_no_input_makes_the_scan_slow(filler: bytes) -> None:
    """The patterns match each text one way only: 200 kB takes milliseconds,
    where a backtracking pattern would take years."""
    source = b"op.add_column('t', " + filler * (200_000 // len(filler))
    started = time.perf_counter()
    might_need_fix(source)
    assert time.perf_counter() - started < 2


# -- the property --------------------------------------------------------------------

NAMES = st.sampled_from(["invoices", "order", "t"])
STRINGS = st.sampled_from(['"x"', '"x"', '"x"', '"a)b"', "'#)'", '"""q)"""', '"\\")"', 'f"c{1}"', "'default'"])
# Python-side defaults and the like, each a reason to look
KEYWORDS = st.sampled_from(
    [
        "default=False",
        "default=None",
        "insert_default=3",
        "server_default='x'",
        "nullable=False",
        "nullable = False",
        "nullable=True",
        "primary_key=True",
        "comment={s}",
        "info={{'k': {s}}}",
        "**OPTIONS",
        "default=lambda: {s}",
    ]
)
# What the prefilter tells apart: NOT NULL or not, however spelled, and a
# server default that is a value, None, or a name (bound to None here).
NULLABILITY = {
    "NOT NULL": [
        "nullable=False",
        "nullable = False",
        "nullable=(False)",
        "nullable=\\\n        False",
        "nullable=  # why\n        False",
        "primary_key=True",
    ],
    "NOT NULL by name": ["nullable=NOT_NULL"],
    "nullable": ["nullable=True", "primary_key=False", "primary_key=True, nullable=True"],
}
SERVER_DEFAULTS = {
    "a value": [
        "server_default={s}",
        "server_default=sa.text({s})",
        "server_default=text({s})",
        "server_default=sa.func.now()",
        "server_default=sa.false()",
        "server_default=({s})",
        "server_default={s} if NOTHING else None",
    ],
    "None": ["server_default=None", "server_default=(None)", "server_default = None"],
    "a name bound to None": ["server_default=NOTHING", "server_default=nothing"],
}
DECOYS = ["info={{'server_default': {s}}}", "comment='nullable=True'", "comment={s}"]
TYPES = ["sa.Integer()", "sa.String(length=5)", "Typed(server_default={s}, nullable=True)"]
COLUMN_CLASSES = st.one_of(st.just("sa.Column"), st.sampled_from(["sa.schema.Column", "Col"]))
ADD_COLUMN = ["op.add_column(", "op.add_column (", "op.add_column\\\n        (", "op.add_column  # c\n        ("]
FORMS = ["inline", "batch", "keywords", "constant table", "insert_before", "variable", "column as table"]
# Calls that need nothing, around the drawn one: they must not hide it.
NEEDS_NOTHING = [
    'op.add_column("t", sa.Column("b", sa.Integer(), nullable=True))',
    'op.add_column("t", sa.Column("b", sa.Boolean(), nullable=False, server_default=sa.false()))',
    'op.add_column("t", sa.Column("b", sa.String(), server_default="x"))',
    'op.drop_column("t", "b")',
]


def one_of(draw, options: dict[str, list[str]]) -> tuple[str, str]:
    """A keyword from ``options``, or none, and its kind (the first kind, the
    one the prefilter has to look past, twice as often as the others)."""
    kind = draw(st.sampled_from(["absent", *options, next(iter(options))]))
    return (draw(st.sampled_from(options[kind])) if kind != "absent" else ""), kind


@st.composite
def migrations(draw) -> tuple[bytes, set[str]]:
    """A module with one drawn add_column among calls that need nothing, and
    the features of the drawn one (its column's nullability and server
    default, how the call is written)."""

    def string() -> str:
        return draw(STRINGS)

    nullability, not_null = one_of(draw, NULLABILITY)
    server_default, kind = one_of(draw, SERVER_DEFAULTS)
    keywords = [nullability, server_default, *draw(st.lists(st.sampled_from(DECOYS), max_size=1))]
    if draw(st.integers(0, 3)) == 0:
        keywords += draw(st.lists(KEYWORDS, min_size=1, max_size=3))
    keywords = draw(st.permutations([keyword for keyword in keywords if keyword]))
    text = ", ".join(keyword.format(s=string()) for keyword in keywords)
    separator = draw(st.sampled_from([", ", ",\n        ", ",  # note)\n        "]))
    type_ = draw(st.sampled_from(TYPES)).format(s=string())
    column = f"{draw(COLUMN_CLASSES)}({string()}, {type_}{separator if text else ''}{text})"
    spelling = draw(st.sampled_from(ADD_COLUMN))

    def call(arguments: str) -> str:
        text = f"{spelling}{arguments})"
        return f"({text})" if "#" in spelling else text  # a comment needs brackets around it

    form = draw(st.sampled_from(FORMS))
    statements = {
        "inline": [call(f"{draw(NAMES)!r}, {column}")],
        "constant table": [call(f"TABLE, {column}")],
        "keywords": [call(f"table_name={draw(NAMES)!r}, column={column}, schema=None")],
        "batch": [f"with op.batch_alter_table({draw(NAMES)!r}) as b:", f"    b.add_column({column})"],
        "insert_before": ["with op.batch_alter_table('t') as b:", f"    b.add_column({column}, {string()})"],
        "variable": [f"col = {column}", call('"t", col')],
        "column as table": [f"col = {column}", call("sa.Column('t'), col")],
    }[form]
    others = draw(st.lists(st.sampled_from(NEEDS_NOTHING), max_size=2))
    place = draw(st.integers(0, len(others)))
    lines = [*others[:place], *statements, *others[place:]]
    source = HEADER + "".join(f"    {line}\n" for line in lines)
    features = {
        f"{not_null}, server_default: {kind}",
        f"form: {form}",
        f"extra keywords (defaults, **, repeats): {'yes' if len(keywords) > 3 else 'no'}",
    }
    return source.encode(), features


@settings(max_examples=1000, deadline=None)
@given(migrations())
def test_never_skips_a_file_that_needs_something(drawn: tuple[bytes, set[str]]) -> None:
    source, features = drawn
    needs, looks = needs_something(source), might_need_fix(source)
    outcome = "needs something" if needs else "parsed, needs nothing" if looks else "skipped"
    event(outcome)
    for feature in sorted(features):
        event(f"{outcome}; {feature}")
    if needs:
        assert looks

"""The prefilter never skips a file the full pipeline would change or report."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from migration_fix.finder import read_migration
from migration_fix.fix import decode, parse
from migration_fix.plan import plan_migration
from migration_fix.prefilter import call_arguments, might_need_fix
from migration_fix.settings import Settings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


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


def test_call_arguments_skip_strings_and_comments() -> None:
    source = b'add_column("a)b", # x)\n  \'\'\'c)\'\'\', "d\\")")'
    assert call_arguments(source, len(b"add_column(")) == source[len(b"add_column(") : -1]


NAMES = st.sampled_from(["invoices", "order", "t"])
STRINGS = st.sampled_from(['"x"', '"a)b"', "'#)'", '"""q)"""', '"\\")"'])
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


@st.composite
def migrations(draw) -> bytes:
    lines = ["from alembic import op", "import sqlalchemy as sa", "from sqlalchemy import Column as Col", "OPTIONS = {}"]
    lines.append("def upgrade():")
    for _ in range(draw(st.integers(1, 4))):
        keywords = draw(st.lists(KEYWORDS, max_size=3))
        text = ", ".join(keyword.format(s=draw(STRINGS)) for keyword in keywords)
        separator = draw(st.sampled_from([", ", ",\n        ", ",  # note)\n        "]))
        column_class = draw(st.sampled_from(["sa.Column", "Col", "sa.schema.Column"]))
        column = f"{column_class}({draw(STRINGS)}, sa.Integer(){separator if text else ''}{text})"
        form = draw(st.sampled_from(["inline", "variable", "batch"]))
        if form == "variable":
            lines.append(f"    col = {column}")
            lines.append(f'    op.add_column("{draw(NAMES)}", col)')
        elif form == "batch":
            lines.append(f'    with op.batch_alter_table("{draw(NAMES)}") as b:')
            lines.append(f"        b.add_column({column})")
        else:
            lines.append(f'    op.add_column("{draw(NAMES)}", {column})')
    return ("\n".join(lines) + "\n").encode()


@settings(max_examples=300, deadline=None)
@given(migrations())
def test_never_skips_a_file_that_needs_something(source: bytes) -> None:
    if needs_something(source):
        assert might_need_fix(source)

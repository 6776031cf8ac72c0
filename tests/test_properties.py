"""Property-based tests: random Alembic-shaped migrations (tests/strategies.py) through fix_source.

Properties, each checked independently of the tool's own safety check (verify.py):

    compiles            the output compiles
    idempotent          a second run changes nothing and plans no backfill
    pure insertion      difflib sees only added lines; dropping them gives back
                        the input byte for byte; they sit right after the
                        statements the oracle expects and hold one backfill each
    findings            the findings (line, code, fixable) are exactly the oracle's;
                        a column reported but not fixed (MF102, MF103, MF105,
                        MF107, MF104 with a backfill already written) is left
                        untouched
    sqlite              the fixed upgrade() run by real Alembic on SQLite tables
                        with rows leaves no NULL in a backfilled column, every
                        row holds the default, a row written between the
                        ALTER and the backfill keeps its value, and a fixed
                        NOT NULL column (MF104) ends up NOT NULL

The check_* functions are plain so the mutation tests at the bottom can run them
against deliberately broken variants of the tool.
"""

from __future__ import annotations

import ast
import difflib
import math
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from hypothesis import HealthCheck, event, find, given, settings
from hypothesis import strategies as st

import hypothesis_profiles  # noqa: F401  (registers and loads the profile)
from migration_fix.fix import FixResult, fix_source
from migration_fix.model import Settings
from strategies import NOW, Column, Module, modules

SETTINGS = Settings()
SENTINEL = "written-between-alter-and-backfill"


def record_events(module: Module) -> None:
    for feature in sorted(module.features):
        event(feature)


def fix(module: Module, transform=None) -> FixResult:
    return fix_source(module.source, SETTINGS, transform)


# -- the checks ------------------------------------------------------------------


def check_compiles(module: Module, result: FixResult) -> None:
    try:
        compile(result.output, "<fixed migration>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as error:
        raise AssertionError(f"compiles: the output does not compile: {error}") from error


def check_idempotent(module: Module, result: FixResult) -> None:
    again = fix_source(result.output, SETTINGS)
    assert again.output == result.output, "idempotent: a second run changed the file:\n" + unified(
        result.output, again.output, module.encoding
    )
    assert again.plan.backfill_count == 0, "idempotent: a second run still plans a backfill"


@dataclass
class Chunk:
    """Lines of the output that are not in the input, inserted after input line ``after``."""

    after: int
    lines: list[bytes]


def unified(before: bytes, after: bytes, encoding: str) -> str:
    return "".join(
        difflib.unified_diff(
            before.decode(encoding, "replace").splitlines(keepends=True),
            after.decode(encoding, "replace").splitlines(keepends=True),
            "before.py",
            "after.py",
        )
    )


def inserted_chunks(before: bytes, after: bytes, encoding: str) -> list[Chunk]:
    """What the rewrite added, per difflib; fails unless it only added whole lines.

    Lines are split as Python splits them (bytes.splitlines: \\n, \\r\\n, \\r)
    and compared without their endings, so that a changed line ending shows
    up in the byte-for-byte rebuild below rather than as a difflib 'replace'.
    """
    a = before.splitlines(keepends=True)
    b = after.splitlines(keepends=True)
    body = lambda line: line.rstrip(b"\r\n")  # noqa: E731
    matcher = difflib.SequenceMatcher(None, [body(x) for x in a], [body(x) for x in b], autojunk=False)
    kept: list[bytes] = []
    chunks: list[Chunk] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            kept.extend(b[j1:j2])
        elif tag == "insert":
            chunks.append(Chunk(i1, b[j1:j2]))
        else:
            raise AssertionError(
                f"pure insertion: the diff {tag}s input lines {i1 + 1}-{i2}:\n"
                + unified(before, after, encoding)
            )
    ends_with_newline = before.endswith((b"\n", b"\r"))
    assert after.endswith((b"\n", b"\r")) == ends_with_newline or not before, (
        "pure insertion: the file's final newline was added or removed"
    )
    rebuilt = b"".join(kept)
    if not ends_with_newline and chunks and chunks[-1].after == len(a):
        rebuilt = rebuilt.rstrip(b"\r\n")  # the last input line gained a line break
    assert rebuilt == before, (
        "pure insertion: removing the added lines does not give back the input:\n"
        + unified(before, rebuilt, encoding)
    )
    return chunks


def slide(chunk: Chunk, a: list[bytes], targets: set[int]) -> Chunk:
    """Equal lines let difflib place an insertion one line off (a core backfill
    ending in ')' after a call ending in ')'); move it onto a target if it can go there."""
    if chunk.after in targets:
        return chunk
    for step in (-1, 1):
        lines, after = list(chunk.lines), chunk.after
        while True:
            if step < 0 and after > 0 and lines[-1] == a[after - 1]:
                lines, after = [a[after - 1], *lines[:-1]], after - 1
            elif step > 0 and after < len(a) and lines[0] == a[after]:
                lines, after = [*lines[1:], a[after]], after + 1
            else:
                break
            if after in targets:
                return Chunk(after, lines)
    return chunk


def import_line(module: Module) -> bytes:
    return b"import sqlalchemy as sa"


def check_pure_insertion(module: Module, result: FixResult) -> None:
    """Only whole lines added, in the expected places; the one edit allowed to
    an existing line (nullable=False -> True of a fixed MF104 column) is made
    on the input first, by the oracle."""
    before, after = module.expected_input_after_edits(), result.output
    chunks = inserted_chunks(before, after, module.encoding)
    a = before.splitlines(keepends=True)
    expected = module.expected_anchor_lines()
    targets = expected | {module.last_import_line}
    chunks = [slide(chunk, a, targets) for chunk in chunks]
    by_anchor = {chunk.after: chunk for chunk in chunks}
    # at most one import of sqlalchemy, after the last import, only when none is importable
    if module.last_import_line in by_anchor and module.last_import_line not in expected:
        chunk = by_anchor.pop(module.last_import_line)
        assert [line.rstrip(b"\r\n") for line in chunk.lines] == [import_line(module)], (
            f"pure insertion: unexpected lines after the imports: {chunk.lines!r}"
        )
        assert module.sqlalchemy_module is None, (
            "pure insertion: added an import although sqlalchemy is imported as "
            f"{module.sqlalchemy_module}"
        )
    placed = set(by_anchor)
    assert placed == expected, (
        "pure insertion: backfills inserted after input lines "
        f"{sorted(placed)}, expected after {sorted(expected)}:\n" + unified(before, after, module.encoding)
    )
    receiver = re.escape(module.receiver.encode())
    statement = re.compile(rb"^[ \t]*" + receiver + rb"\.execute\(")
    count = sum(1 for chunk in chunks for line in chunk.lines if statement.match(line))
    assert count == len(module.backfilled()), (
        f"pure insertion: {count} backfill statements inserted, expected {len(module.backfilled())}"
    )
    for column in module.backfilled():
        chunk = by_anchor[column.anchor_end_line]
        for line in chunk.lines:
            text = line.decode(module.encoding)
            assert text.startswith(column.anchor_indent), (
                f"pure insertion: {text!r} is not indented like its anchor ({column.anchor_indent!r})"
            )
            assert len(text.splitlines()) == 1, (
                f"pure insertion: {text!r} holds a character str.splitlines() breaks on"
            )


def check_findings(module: Module, result: FixResult) -> None:
    got = sorted(
        (finding.location.line, finding.code, finding.fixable) for finding in result.findings
    )
    assert got == module.findings(), f"findings: got {got}, expected {module.findings()}"


def check_reported_columns_untouched(module: Module, result: FixResult) -> None:
    """A column reported but not fixed keeps its lines, and nothing follows it
    (unless it shares a batch block with a fixed column)."""
    fixed_anchors = module.expected_anchor_lines()
    chunks = inserted_chunks(module.expected_input_after_edits(), result.output, module.encoding)
    source_lines = module.source.splitlines(keepends=True)
    output = result.output
    for column in module.columns:
        if column.expected is None or column.fixed:
            continue
        call = b"".join(source_lines[column.call_line - 1 : column.call_end_line])
        assert call in output, f"untouched: the add_column of {column.name} ({column.expected}) changed"
        if column.anchor_end_line not in fixed_anchors:
            assert all(chunk.after != column.anchor_end_line for chunk in chunks), (
                f"untouched: something was inserted after {column.name} ({column.expected})"
            )


# -- SQLite ------------------------------------------------------------------------


def run_on_sqlite(module: Module, fixed: bytes) -> dict[tuple, dict[int, object]]:
    """Tables with three rows, then the fixed upgrade() through real Alembic Operations.

    Right after Alembic adds a column the tool backfills, a "concurrent" row
    with that column already set is inserted (as an application would between
    the ALTER and the UPDATE, e.g. on MySQL where DDL commits at once).
    Returns {column key: {row id: value}} for every backfilled column.
    """
    watched = {column.key: column for column in module.backfilled()}
    engine = sa.create_engine("sqlite://")
    try:
        with engine.connect() as connection:
            for schema in sorted({schema for schema, _ in module.tables if schema}):
                connection.exec_driver_sql(f"ATTACH DATABASE ':memory:' AS \"{schema}\"")
            metadata = sa.MetaData()
            tables = [
                sa.Table(table, metadata, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False), schema=schema)
                for schema, table in module.tables
            ]
            metadata.create_all(connection)
            for table in tables:
                connection.execute(table.insert(), [{"id": row} for row in (1, 2, 3)])

            context = MigrationContext.configure(connection)
            original_add_column = context.impl.add_column
            sentinel_ids: dict[tuple, int] = {}

            def add_column(table_name, column, *args, schema=None, **kwargs):
                original_add_column(table_name, column, *args, schema=schema, **kwargs)
                key = (schema, table_name, column.name)
                if key in watched:
                    # a copy of row 1 with the new column set: valid for every other column
                    sentinel_ids[key] = 100 + len(sentinel_ids)
                    names = [item["name"] for item in sa.inspect(connection).get_columns(table_name, schema=schema)]
                    target = sa.table(table_name, *(sa.column(name) for name in names), schema=schema)
                    copied = [
                        sa.literal(sentinel_ids[key]) if name == "id"
                        else sa.literal(SENTINEL) if name == column.name
                        else target.c[name]
                        for name in names
                    ]
                    connection.execute(
                        target.insert().from_select(names, sa.select(*copied).where(target.c.id == 1))
                    )

            context.impl.add_column = add_column
            namespace: dict[str, object] = {"__name__": "fixed_migration"}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                exec(compile(fixed, "<fixed migration>", "exec", dont_inherit=True), namespace)
                with Operations.context(context):
                    namespace["upgrade"]()  # type: ignore[operator]
            values: dict[tuple, dict[object, object]] = {}
            inspector = sa.inspect(connection)
            for key, column in watched.items():
                schema, table, name = key
                query = sa.select(sa.column("id"), sa.column(name)).select_from(sa.table(table, schema=schema))
                values[key] = {row[0]: row[1] for row in connection.execute(query)}
                values[key]["sentinel"] = sentinel_ids.get(key)
                reflected = {item["name"]: item for item in inspector.get_columns(table, schema=schema)}
                values[key]["nullable"] = reflected[name]["nullable"]
            return values
    finally:
        engine.dispose()


def holds(column: Column, stored: object) -> bool:
    """Whether a row's ``stored`` value is the column's default as SQLite keeps it."""
    expected = column.default.value
    if stored is None:
        return False
    if expected is NOW:
        return True
    if column.type_kind == "date":
        return stored == expected
    if isinstance(expected, float) or "Numeric" in column.type_src:
        try:
            return math.isclose(float(stored), expected, rel_tol=1e-12, abs_tol=1e-300)
        except (TypeError, ValueError):
            return False
    if isinstance(expected, bool):
        return stored == int(expected)
    return stored == expected and type(stored) is type(expected)


def check_sqlite(module: Module, result: FixResult) -> None:
    values = run_on_sqlite(module, result.output)
    for column in module.backfilled():
        rows = values[column.key]
        sentinel = rows.pop("sentinel")
        nullable = rows.pop("nullable")
        if column.made_nullable:
            assert not nullable, f"sqlite: {column.key} is nullable, the model says NOT NULL"
        for row_id in (1, 2, 3):
            assert rows[row_id] is not None, f"sqlite: {column.key} is NULL in row {row_id}"
            assert holds(column, rows[row_id]), (
                f"sqlite: {column.key} row {row_id} holds {rows[row_id]!r}, expected {column.default.value!r}"
            )
        if sentinel is not None:
            assert rows[sentinel] == SENTINEL, (
                f"sqlite: the backfill of {column.key} overwrote a row written after the ALTER "
                f"({rows[sentinel]!r})"
            )


# -- the properties ------------------------------------------------------------------


@given(modules())
def test_output_compiles(module: Module) -> None:
    record_events(module)
    check_compiles(module, fix(module))


@given(modules())
def test_second_run_changes_nothing(module: Module) -> None:
    record_events(module)
    check_idempotent(module, fix(module))


@given(modules())
def test_change_is_a_pure_insertion_in_the_right_places(module: Module) -> None:
    record_events(module)
    check_pure_insertion(module, fix(module))


@given(modules())
def test_findings_match_the_oracle(module: Module) -> None:
    record_events(module)
    result = fix(module)
    check_findings(module, result)
    check_reported_columns_untouched(module, result)


@given(modules(not_null=False))
def test_backfills_leave_no_null_on_sqlite(module: Module) -> None:
    record_events(module)
    check_sqlite(module, fix(module))

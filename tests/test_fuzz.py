"""Fuzzing fix_source with arbitrary valid Python from hypothesmith.

    never crashes       the only exception is SourceError, and only where
                        ast.parse cannot parse the bytes either
    never changes       a module without a defaulted add_column comes back
                        byte for byte (the LOOK_AT_ME variant gets past the
                        cheap prefilter, so the finder and the planner read
                        every generated module)
    stays an insertion  arbitrary code followed by one real defaulted
                        add_column: if anything changes, it is lines added,
                        and the output compiles

hypothesmith.from_grammar() writes source from Python's grammar (odd spacing,
comments, backslashes, every statement kind); from_node() builds it from libcst
nodes (deeper trees) but is about five times slower, so it gets one property and
at most 100 examples.
"""

from __future__ import annotations

import ast
import re
import warnings

import hypothesmith
import pytest
from hypothesis import HealthCheck, event, given, settings

from migration_fix.fix import SourceError, fix_source
from migration_fix.settings import Settings
from test_properties import inserted_chunks

SETTINGS = Settings()
# hypothesmith gives up on many draws itself ("max depth exceeded"): that is
# its filtering, not ours, so filter_too_much is off; too_slow stays on.
FUZZ = settings(suppress_health_check=[HealthCheck.filter_too_much])

python_source = hypothesmith.from_grammar()
FEWER = settings(FUZZ, max_examples=min(settings.default.max_examples, 100))
ADDED_COLUMN = (
    "from alembic import op as _op",
    "import sqlalchemy as _sa",
    '_op.add_column("t", _sa.Column("c", _sa.Integer(), default=1))',
)
NEWLINES = re.compile(r"\r\n|\r|\n")
# A comment the tool's cheap prefilter cannot rule out, so that the finder
# and the planner read every generated module after it.
LOOK_AT_ME = b"# add_column(default=1)\n"


def encode(source: str) -> bytes:
    return source.encode("utf-8", "surrogatepass")


def ast_parses(data: bytes) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like
            ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def has_defaulted_add_column(data: bytes) -> bool:
    """Independently of the tool: any ``<x>.add_column(...)`` with a Column
    call that has ``default=``/``insert_default=`` (or NOT NULL)."""
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add_column":
            for inner in ast.walk(node):
                if isinstance(inner, ast.keyword) and inner.arg in ("default", "insert_default", "nullable"):
                    return True
    return False


def fix_or_source_error(data: bytes):
    """fix_source's result, or None after a SourceError on bytes ast rejects too."""
    try:
        return fix_source(data, SETTINGS)
    except SourceError as error:
        assert not ast_parses(data), f"SourceError on source that ast parses: {error.message}"
        event("SourceError (ast cannot parse either)")
        return None


def test_the_finder_variant_gets_past_the_prefilter() -> None:
    """Behind LOOK_AT_ME a module is parsed: a syntax error is reported, not skipped."""
    with pytest.raises(SourceError):
        fix_source(LOOK_AT_ME + b"def (:\n", SETTINGS)
    assert fix_source(b"def (:\n", SETTINGS).output == b"def (:\n"  # without it: not even parsed


@FUZZ
@given(python_source)
def test_arbitrary_python_is_left_alone(source: str) -> None:
    """As it is (most stop at the prefilter), and behind LOOK_AT_ME (the finder
    and the planner read it): one draw, both ways, since drawing costs most."""
    for data in (encode(source), LOOK_AT_ME + encode(source)):
        result = fix_or_source_error(data)
        if result is None:
            continue
        if data.startswith(LOOK_AT_ME):
            event(f"read by the finder, findings: {len(result.findings)}")
        if not has_defaulted_add_column(data):
            assert result.output == data
            assert not result.plan.insertions


@FEWER
@given(hypothesmith.from_node())
def test_arbitrary_libcst_trees_are_left_alone(source: str) -> None:
    test_arbitrary_python_is_left_alone.hypothesis.inner_test(source)


@FUZZ
@given(python_source)
def test_arbitrary_python_then_an_add_column_gets_only_insertions(source: str) -> None:
    newline = (NEWLINES.findall(source) or ["\n"])[0]
    data = encode(source + newline + newline.join(ADDED_COLUMN) + newline)
    result = fix_or_source_error(data)
    if result is None:
        return
    event("changed" if result.changed else "unchanged")
    if result.changed:
        inserted_chunks(data, result.output, "utf-8")  # only lines added, nothing else moved
        compile(result.output, "<fuzzed>", "exec", dont_inherit=True)

"""Golden pairs: ``fixtures/<case>/before.py`` must become ``after.py`` byte for byte.

The after files are written by hand, never copied from the tool's output. An
optional ``findings.txt`` lists the expected ``line:col: CODE`` diagnostics, and
an optional ``options.toml`` the settings (``dialect``, ``style``) of the run.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from migration_fix.fix import fix_source
from migration_fix.settings import Settings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CASES = sorted(path.parent.name for path in FIXTURES.glob("*/before.py"))


if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib


def read(case: str, name: str) -> bytes:
    return (FIXTURES / case / name).read_bytes()


def settings(case: str) -> Settings:
    options = FIXTURES / case / "options.toml"
    return Settings(**tomllib.loads(options.read_text())) if options.exists() else Settings()


def test_there_are_fixtures() -> None:
    assert len(CASES) >= 10


@pytest.mark.parametrize("case", CASES)
def test_before_becomes_after(case: str) -> None:
    result = fix_source(read(case, "before.py"), settings(case))
    assert result.output == read(case, "after.py")


@pytest.mark.parametrize("case", CASES)
def test_after_is_a_fixed_point(case: str) -> None:
    after = read(case, "after.py")
    result = fix_source(after, settings(case))
    assert result.output == after
    assert result.plan.backfill_count == 0


@pytest.mark.parametrize("case", CASES)
def test_after_compiles(case: str) -> None:
    compile(read(case, "after.py"), f"{case}/after.py", "exec", flags=ast.PyCF_ONLY_AST)


@pytest.mark.parametrize("case", [case for case in CASES if (FIXTURES / case / "findings.txt").exists()])
def test_findings(case: str) -> None:
    expected = (FIXTURES / case / "findings.txt").read_text().split("\n")
    result = fix_source(read(case, "before.py"), settings(case))
    found = [
        f"{finding.location.line}:{finding.location.column}: {finding.code}"
        for finding in sorted(result.findings, key=lambda item: item.location.line)
    ]
    assert found == [line for line in expected if line]

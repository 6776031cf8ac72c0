"""docs/rules/: one page per code, generated from codes.py and in agreement with it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from migration_fix.cli import main
from migration_fix.codes import CODES, FIXABLE, explain, rule_page, write_rule_pages

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "docs" / "rules"


def test_every_code_has_a_page_and_no_page_lacks_a_code() -> None:
    assert sorted(path.stem for path in RULES.glob("*.md")) == sorted(CODES)


@pytest.mark.parametrize("code", list(CODES))
def test_page_is_what_codes_py_generates(code: str) -> None:
    page = (RULES / f"{code}.md").read_text(encoding="utf-8")
    assert page == rule_page(code), (
        f"docs/rules/{code}.md is out of date: run python -m migration_fix.codes docs/rules"
    )


@pytest.mark.parametrize("code", list(CODES))
def test_page_and_explain_say_the_same(code: str, capsys) -> None:
    entry = CODES[code]
    page = rule_page(code)
    assert page.splitlines()[1] == f"# {code}: {entry.summary}"
    for text in (entry.why, entry.example):
        assert text in page and text in explain(code)
    assert ("Fixed automatically" in page) is (code in FIXABLE)
    assert main(["--explain", code.lower()]) == 0
    assert capsys.readouterr().out == explain(code)


def test_fixable_codes_are_codes() -> None:
    assert FIXABLE <= set(CODES)


def test_generator_writes_and_prunes(tmp_path: Path) -> None:
    (tmp_path / "MF999.md").write_text("stale")
    result = subprocess.run(
        [sys.executable, "-m", "migration_fix.codes", str(tmp_path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert sorted(path.stem for path in tmp_path.glob("*.md")) == sorted(CODES)
    assert write_rule_pages(tmp_path) and (tmp_path / "MF101.md").read_text() == rule_page("MF101")

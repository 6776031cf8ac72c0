"""Linter controls and output: --select/--ignore, --exit-zero, JSON and GitHub
output, stdin, colour. Real files in tmp_path; real processes where bytes matter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from migration_fix.cli import main
from migration_fix.fix import fix_source
from migration_fix.report import github_annotation, use_color
from migration_fix.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
GUIDE_BEFORE = (FIXTURES / "guide_boolean" / "before.py").read_bytes()
GUIDE_AFTER = (FIXTURES / "guide_boolean" / "after.py").read_bytes()

MIXED = b"""\
import uuid

from alembic import op
import sqlalchemy as sa

revision = "m1"
down_revision = None


def upgrade():
    op.add_column("invoices", sa.Column("paid", sa.Boolean(), default=False))
    op.add_column("invoices", sa.Column("token", sa.String(36), default=uuid.uuid4))
    op.add_column("invoices", sa.Column("total", sa.Integer(), nullable=False))
    op.add_column("invoices", sa.Column("status", sa.String(20), nullable=False, default="open"))
"""
PAID_BACKFILL = b'op.execute("UPDATE invoices SET paid = false WHERE paid IS NULL")'


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    for name in ("NO_COLOR", "FORCE_COLOR", "ALEMBIC_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.fixture
def mixed(repo: Path) -> Path:
    path = repo / "mixed.py"
    path.write_bytes(MIXED)
    return path


def codes(out: str) -> list[str]:
    return [line.split(": ")[1].split()[0] for line in out.splitlines() if ": MF" in line]


# -- --select / --ignore --------------------------------------------------------------------


def test_all_codes_by_default(mixed: Path, capsys) -> None:
    assert main(["--check", str(mixed)]) == 1
    assert codes(capsys.readouterr().out) == ["MF101", "MF102", "MF105", "MF104"]


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--select", "MF102"], ["MF102"]),
        (["--select", "mf102,MF105"], ["MF102", "MF105"]),
        (["--select", "MF10", "--ignore", "MF101"], ["MF102", "MF105", "MF104"]),
        (["--ignore", "MF1"], []),
        (["--select", "MF101", "--ignore", "MF1"], ["MF101"]),  # the more specific wins
        (["--select", "MF1", "--ignore", "MF1"], []),  # a tie: ignore wins
        (["--select", "ALL", "--ignore", "MF104", "--ignore", "MF105"], ["MF101", "MF102"]),
    ],
)
def test_select_and_ignore(mixed: Path, capsys, flags: list[str], expected: list[str]) -> None:
    main(["--check", *flags, str(mixed)])
    assert codes(capsys.readouterr().out) == expected


def test_ignored_fixable_code_is_not_fixed(mixed: Path, capsys) -> None:
    assert main(["--write", "-q", "--ignore", "MF104", str(mixed)]) == 1  # MF102/MF105 remain
    fixed = mixed.read_bytes()
    assert PAID_BACKFILL in fixed
    assert b"'open'" not in fixed and b'nullable=False, default="open"' in fixed
    assert "MF104" not in capsys.readouterr().out


def test_ignoring_every_fixable_code_leaves_the_file_alone(mixed: Path, capsys) -> None:
    assert main(["--write", "--ignore", "MF101,MF104", "--select", "MF101,MF104", str(mixed)]) == 0
    assert mixed.read_bytes() == MIXED
    assert "0 files rewritten" in capsys.readouterr().err


def test_config_select_and_ignore_layer_under_the_command_line(
    repo: Path, mixed: Path, capsys
) -> None:
    (repo / "pyproject.toml").write_text(
        '[tool.migration-fix]\nselect = ["MF1"]\nignore = ["MF105"]\n'
    )
    main(["--check", str(mixed)])
    assert codes(capsys.readouterr().out) == ["MF101", "MF102", "MF104"]
    main(["--check", "--ignore", "MF102", str(mixed)])  # refines the file's selection
    assert codes(capsys.readouterr().out) == ["MF101", "MF104"]
    main(["--check", "--select", "MF105", str(mixed)])  # selects afresh
    assert codes(capsys.readouterr().out) == ["MF105"]


def test_comment_and_selection_combine(repo: Path, capsys) -> None:
    path = repo / "m.py"
    path.write_bytes(
        MIXED.replace(
            b"default=uuid.uuid4))", b"default=uuid.uuid4))  # migration-fix: ignore[MF102]"
        )
    )
    main(["--check", "--ignore", "MF105", str(path)])
    assert codes(capsys.readouterr().out) == ["MF101", "MF104"]


@pytest.mark.parametrize("flag", ["--select", "--ignore"])
def test_unknown_code_is_a_usage_error(mixed: Path, capsys, flag: str) -> None:
    assert main(["--check", flag, "MF9", str(mixed)]) == 2
    assert "unknown code or prefix 'MF9'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('select = "MF101"', "must be a list of codes"),
        ('ignore = ["XX1"]', "unknown code or prefix 'XX1'"),
        ('exclude = "old"', "must be a list of strings"),
        ("force-exclude = 1", "must be true or false"),
        ("baseline = 3", "must be a revision id"),
        ('output-format = "sarif"', "is not one of text, json, github"),
        ('extend-select = ["MF1"]', "unknown key [tool.migration-fix] extend-select"),
    ],
)
def test_bad_config_value_exits_2_naming_the_file(
    repo: Path, mixed: Path, capsys, text: str, message: str
) -> None:
    (repo / "pyproject.toml").write_text(f"[tool.migration-fix]\n{text}\n")
    assert main(["--check", str(mixed)]) == 2
    err = capsys.readouterr().err
    assert str(repo / "pyproject.toml") in err and message in err


@pytest.mark.parametrize(
    "case", sorted(path.name for path in FIXTURES.iterdir() if (path / "before.py").is_file())
)
@pytest.mark.parametrize("code", ["MF101", "MF104"])
def test_deselecting_a_fixable_code_drops_exactly_its_fixes(case: str, code: str) -> None:
    """On every fixture: the other findings stay as fix_source reports them,
    the output compiles and is a fixed point, and a file whose only fixes were
    of that code is left as it was."""
    source = (FIXTURES / case / "before.py").read_bytes()
    settings = Settings()
    try:
        full = fix_source(source, settings)
    except Exception as error:  # noqa: BLE001 - both paths must fail alike
        with pytest.raises(type(error)):
            fix_source(source, settings, ignore=frozenset({code}))
        return
    got = fix_source(source, settings, ignore=frozenset({code}))
    assert got.findings == [finding for finding in full.findings if finding.code != code]
    if not any(finding.fixable for finding in got.findings):
        assert got.output == source
    else:
        compile(got.output, case, "exec", dont_inherit=True)
        assert not fix_source(got.output, settings, ignore=frozenset({code})).changed
    if not any(finding.code == code for finding in full.findings):
        assert got.output == full.output


# -- --exit-zero --------------------------------------------------------------------------


def test_exit_zero_with_findings_and_changes(mixed: Path, capsys) -> None:
    assert main(["--check", "--exit-zero", str(mixed)]) == 0
    assert "MF102" in capsys.readouterr().out
    assert main(["--exit-zero", str(mixed)]) == 0


def test_exit_zero_keeps_errors(repo: Path, mixed: Path) -> None:
    assert main(["--check", "--exit-zero", str(mixed), "missing.py"]) == 2


# -- JSON --------------------------------------------------------------------------------------


def test_json_check(repo: Path, mixed: Path, capsys) -> None:
    assert main(["--check", "--output-format", "json", str(mixed)]) == 1
    records = json.loads(capsys.readouterr().out)
    findings = [record for record in records if record["type"] == "finding"]
    assert [(r["code"], r["line"], r["column"], r["fixable"], r["fixed"]) for r in findings] == [
        ("MF101", 11, 5, True, False),
        ("MF102", 12, 5, False, False),
        ("MF105", 13, 5, False, False),
        ("MF104", 14, 5, True, False),
    ]
    assert all(record["path"] == str(mixed) for record in records)
    assert findings[0]["url"].endswith("docs/rules/MF101.md")
    (fix,) = [record for record in records if record["type"] == "fix"]
    assert fix["applied"] is False and fix["backfills"] == 2
    assert fix["insertions"][0] == {
        "after_line": 11,
        "text": "    " + PAID_BACKFILL.decode() + "\n",
    }
    assert fix["diff"].startswith(f"--- {mixed}\n+++ {mixed}\n")
    assert mixed.read_bytes() == MIXED


def test_json_write_marks_fixes_applied(repo: Path, capsys) -> None:
    path = repo / "m.py"
    path.write_bytes(GUIDE_BEFORE)
    assert main(["--write", "--output-format", "json", str(path)]) == 0
    out, err = capsys.readouterr()
    records = json.loads(out)
    assert [record["type"] for record in records] == ["finding", "fix"]
    assert records[0]["fixed"] is True and records[1]["applied"] is True
    assert "Rewriting" in err  # stderr, never inside the JSON
    assert path.read_bytes() == GUIDE_AFTER


def test_json_default_mode_prints_no_diff_outside_the_array(repo: Path, capsys) -> None:
    path = repo / "m.py"
    path.write_bytes(GUIDE_BEFORE)
    assert main(["--output-format", "json", str(path)]) == 1
    assert json.loads(capsys.readouterr().out)[1]["type"] == "fix"


def test_json_nothing_found_is_an_empty_array(repo: Path, capsys) -> None:
    path = repo / "m.py"
    path.write_bytes(GUIDE_AFTER)
    assert main(["--check", "--output-format", "json", str(path)]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_json_errors_are_records_too(repo: Path, capsys) -> None:
    broken = repo / "broken.py"
    broken.write_bytes(b'revision = "x"\ndown_revision = None\nop.add_column("t", sa.Column(\n')
    assert main(["--check", "--output-format", "json", str(broken), "missing.py"]) == 2
    out, err = capsys.readouterr()
    records = json.loads(out)
    assert [(record["type"], record["path"], record["code"]) for record in records] == [
        ("error", str(broken), None),
        ("error", "missing.py", None),
    ]
    assert records[0]["line"] == 3 and "cannot parse" in records[0]["message"]
    assert "missing.py: error: no such file or folder" in err


def test_output_format_from_config(repo: Path, mixed: Path, capsys) -> None:
    (repo / "pyproject.toml").write_text('[tool.migration-fix]\noutput-format = "json"\n')
    main(["--check", str(mixed)])
    assert json.loads(capsys.readouterr().out)
    main(["--check", "--output-format", "text", str(mixed)])
    assert capsys.readouterr().out.startswith(str(mixed))


# -- GitHub --------------------------------------------------------------------------------------


def test_github_annotations(repo: Path, mixed: Path, capsys) -> None:
    assert main(["--check", "--output-format", "github", str(mixed)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        f"::error file={mixed},line=11,col=5,title=MF101::invoices.paid has a Python-side default "
        "only%3A existing rows stay NULL (fixable%3A run migration-fix --write)".replace("%3A", ":")
    )
    assert lines[1].startswith(f"::error file={mixed},line=12,col=5,title=MF102::invoices.token")
    assert len(lines) == 4


def test_github_after_write_fixed_findings_are_notices(repo: Path, capsys) -> None:
    path = repo / "m.py"
    path.write_bytes(GUIDE_BEFORE)
    assert main(["--write", "-q", "--output-format", "github", str(path)]) == 0
    assert capsys.readouterr().out.startswith(f"::notice file={path},line=14,col=5,title=MF101::")


def test_github_error_annotation(repo: Path, capsys) -> None:
    assert main(["--output-format", "github", "missing.py"]) == 2
    assert (
        "::error file=missing.py,title=migration-fix::no such file or folder"
        in capsys.readouterr().out
    )


def test_github_escaping() -> None:
    line = github_annotation("error", "a,b:c%.py", "50% done\nnext: line", (1, 2), "T,1")
    assert line == "::error file=a%2Cb%3Ac%25.py,line=1,col=2,title=T%2C1::50%25 done%0Anext: line"


# -- stdin ---------------------------------------------------------------------------------------


def run_cli(
    args: list[str], stdin: bytes, cwd: Path, **env: str
) -> subprocess.CompletedProcess[bytes]:
    environment = {
        key: value for key, value in os.environ.items() if key not in ("NO_COLOR", "FORCE_COLOR")
    }
    return subprocess.run(
        [sys.executable, "-m", "migration_fix", *args],
        input=stdin,
        capture_output=True,
        cwd=cwd,
        env={**environment, **env},
    )


def test_stdin_write_prints_the_fixed_source(tmp_path: Path) -> None:
    result = run_cli(["--write", "-"], GUIDE_BEFORE, tmp_path)
    assert result.returncode == 0
    assert result.stdout == GUIDE_AFTER
    assert b"1 file rewritten" in result.stderr


@pytest.mark.parametrize(
    "case", ["crlf_tabs", "latin1_cookie", "bom_non_ascii", "no_final_newline"]
)
def test_stdin_write_keeps_bytes(tmp_path: Path, case: str) -> None:
    before = (FIXTURES / case / "before.py").read_bytes()
    after = (FIXTURES / case / "after.py").read_bytes()
    result = run_cli(["--write", "-q", "-"], before, tmp_path)
    assert result.stdout == after


def test_stdin_write_unchanged_and_unfixable(tmp_path: Path) -> None:
    clean = run_cli(["--write", "-q", "-"], GUIDE_AFTER, tmp_path)
    assert (clean.returncode, clean.stdout) == (0, GUIDE_AFTER)
    mixed = run_cli(["--write", "-q", "--stdin-filename", "m.py", "-"], MIXED, tmp_path)
    assert mixed.returncode == 1
    assert PAID_BACKFILL in mixed.stdout and b"MF102" not in mixed.stdout  # the code only
    assert b"m.py:12:5: MF102" in mixed.stderr


def test_stdin_write_echoes_the_source_on_error(tmp_path: Path) -> None:
    broken = b'revision = "x"\ndown_revision = None\nop.add_column("t", sa.Column(\n'
    result = run_cli(["--write", "-"], broken, tmp_path)
    assert result.returncode == 2
    assert result.stdout == broken
    assert b"-:3:" in result.stderr and b"cannot parse" in result.stderr


def test_stdin_default_mode_prints_a_diff_named_after_stdin_filename(tmp_path: Path) -> None:
    result = run_cli(["--stdin-filename", "db/versions/a.py", "-"], GUIDE_BEFORE, tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith(b"--- db/versions/a.py\n+++ db/versions/a.py\n")


def test_stdin_filename_alone_reads_stdin(tmp_path: Path) -> None:
    result = run_cli(["--check", "--stdin-filename", "a.py"], GUIDE_BEFORE, tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith(b"a.py:14:5: MF101 [*]")


def test_stdin_json(tmp_path: Path) -> None:
    result = run_cli(["--check", "--output-format", "json", "-"], MIXED, tmp_path)
    records = json.loads(result.stdout)
    assert {record["path"] for record in records} == {"-"}


def test_stdin_write_with_json_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli(["--write", "--output-format", "json", "-"], MIXED, tmp_path)
    assert result.returncode == 2
    assert b"cannot go with it" in result.stderr


def test_stdin_with_other_paths_is_a_usage_error(repo: Path, capsys) -> None:
    assert main(["-", "x.py"]) == 2
    assert "cannot be combined" in capsys.readouterr().err


def test_stdin_force_exclude_passes_the_source_through(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text('[tool.migration-fix]\nexclude = ["old_*.py"]\n')
    args = ["--write", "--stdin-filename", "versions/old_a.py", "-"]
    assert run_cli(args, GUIDE_BEFORE, tmp_path).stdout == GUIDE_AFTER
    excluded = run_cli(["--force-exclude", *args], GUIDE_BEFORE, tmp_path)
    assert (excluded.returncode, excluded.stdout) == (0, GUIDE_BEFORE)


def test_stdin_baseline_reads_the_revision_from_stdin(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    parent = GUIDE_BEFORE.replace(b'"9c386e4052be"', b'"713af8a4cb34"').replace(
        b'down_revision = "713af8a4cb34"', b"down_revision = None"
    )
    (versions / "parent.py").write_bytes(parent)
    args = ["--write", "-q", "--force-exclude", "--stdin-filename", "versions/new.py", "-"]
    newer = run_cli([*args, "--baseline", "713af8a4cb34"], GUIDE_BEFORE, tmp_path)
    assert newer.stdout == GUIDE_AFTER  # 9c386e4052be descends from the baseline
    same = run_cli([*args, "--baseline", "9c386e4052be"], GUIDE_BEFORE, tmp_path)
    assert same.stdout == GUIDE_BEFORE


# -- colour -------------------------------------------------------------------------------------


class Terminal:
    def __init__(self, tty: bool) -> None:
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(
    ("choice", "environ", "tty", "colored"),
    [
        ("auto", {}, True, True),
        ("auto", {}, False, False),
        ("auto", {"NO_COLOR": "1"}, True, False),
        ("auto", {"FORCE_COLOR": "1"}, False, True),
        ("auto", {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False, False),
        ("auto", {"NO_COLOR": "", "FORCE_COLOR": ""}, False, False),
        ("never", {"FORCE_COLOR": "1"}, True, False),
        ("always", {"NO_COLOR": "1"}, False, True),
    ],
)
def test_use_color(choice: str, environ: dict[str, str], tty: bool, colored: bool) -> None:
    assert use_color(choice, Terminal(tty), environ) is colored  # type: ignore[arg-type]


def test_force_color_colours_a_pipe(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(GUIDE_BEFORE)
    assert b"\033[32m" in run_cli([str(path)], b"", tmp_path, FORCE_COLOR="1").stdout
    assert b"\033[" not in run_cli([str(path)], b"", tmp_path).stdout
    json_out = run_cli(
        ["--output-format", "json", "--color", "always", str(path)], b"", tmp_path
    ).stdout
    assert b"\033[" not in json_out


def test_stdin_unknown_baseline_echoes_and_exits_2(tmp_path: Path) -> None:
    args = ["--write", "--force-exclude", "--baseline", "nope", "--stdin-filename", "v/new.py", "-"]
    result = run_cli(args, GUIDE_BEFORE, tmp_path)
    assert (result.returncode, result.stdout) == (2, GUIDE_BEFORE)
    assert b"baseline revision 'nope'" in result.stderr

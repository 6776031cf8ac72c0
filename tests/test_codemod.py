"""migration-fix as a libcst codemod: ``python -m libcst.tool codemod -x --no-format
migration_fix.AddBackfills PATH``.

In process, the command must write exactly what the core writes for every golden
pair; run by the real libcst CLI in a subprocess, it must leave the same bytes on
disk. Importing ``migration_fix`` or starting its CLI must not import libcst.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import libcst as cst
import pytest
from libcst.codemod import CodemodContext, SkipFile

from migration_fix import AddBackfills
from migration_fix.codemod import AddBackfills as AddBackfillsDirect
from migration_fix.fix import fix_source
from migration_fix.report import finding_line
from migration_fix.settings import Settings

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CASES = sorted(path.parent.name for path in FIXTURES.glob("*/before.py"))


def read(case: str, name: str) -> bytes:
    return (FIXTURES / case / name).read_bytes()


def options(case: str) -> dict[str, str]:
    path = FIXTURES / case / "options.toml"
    return tomllib.loads(path.read_text()) if path.exists() else {}


def run_command(source: bytes, filename: str | None = "migration.py", **kwargs: str) -> bytes:
    """What libcst's runner does with one file: parse bytes, transform, ``.bytes``."""
    command = AddBackfills(CodemodContext(filename=filename), **kwargs)
    return command.transform_module(cst.parse_module(source)).bytes


@pytest.fixture(autouse=True)
def outside_any_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings come from the current folder: make it one without configuration."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_lazy_export_is_the_command() -> None:
    assert AddBackfills is AddBackfillsDirect


@pytest.mark.parametrize("case", CASES)
def test_writes_what_the_core_writes(case: str) -> None:
    """Every golden pair (test_fixtures.py holds the core to after.py)."""
    before = read(case, "before.py")
    expected = fix_source(before, Settings(**options(case))).output
    if expected == before:
        with pytest.raises(SkipFile):
            run_command(before, **options(case))
    else:
        assert run_command(before, **options(case)) == expected


@pytest.mark.parametrize("case", CASES)
def test_its_output_is_skipped(case: str) -> None:
    output = fix_source(read(case, "before.py"), Settings(**options(case))).output
    with pytest.raises(SkipFile):
        run_command(output, **options(case))


def test_reading_stdin_an_unchanged_module_comes_back_unchanged() -> None:
    """libcst reports a SkipFile on stdin as a failure and prints nothing."""
    after = read("guide_boolean", "after.py")
    assert run_command(after, filename=None) == after
    assert run_command(read("guide_boolean", "before.py"), filename=None) == after


def test_findings_become_warnings() -> None:
    """What needs a person, in the CLI's ``path:line:col: CODE message`` form."""
    source = read("findings_not_fixable", "before.py")
    context = CodemodContext(filename="versions/x.py")
    AddBackfills(context).transform_module(cst.parse_module(source))
    findings = fix_source(source, Settings()).findings
    expected = [finding_line("versions/x.py", item) for item in findings if not item.fixable]
    assert len(expected) >= 3
    assert context.warnings == expected


def test_a_file_with_only_findings_is_skipped_with_its_warnings() -> None:
    source = b"from alembic import op\nimport sqlalchemy as sa\n\n\ndef upgrade():\n" + (
        b'    op.add_column("t", sa.Column("c", sa.Boolean(), nullable=False))\n'
    )
    context = CodemodContext(filename="x.py")
    with pytest.raises(SkipFile):
        AddBackfills(context).transform_module(cst.parse_module(source))
    assert [warning.split(" ")[:2] for warning in context.warnings] == [["x.py:6:5:", "MF105"]]


def test_fixable_findings_are_not_warnings() -> None:
    context = CodemodContext(filename="x.py")
    AddBackfills(context).transform_module(cst.parse_module(read("guide_boolean", "before.py")))
    assert context.warnings == []


def with_dialect(case: str, dialect: str) -> bytes:
    """The core's output for ``case`` on ``dialect``, which differs from the portable one."""
    before = read(case, "before.py")
    output = fix_source(before, Settings(dialect=dialect)).output
    assert output not in (before, fix_source(before, Settings()).output)
    return output


def test_pyproject_dialect_applies_and_an_argument_wins(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.migration-fix]\ndialect = "postgresql"\n')
    postgresql = with_dialect("dialect_postgresql", "postgresql")
    assert run_command(read("dialect_postgresql", "before.py")) == postgresql
    mssql = with_dialect("dialect_mssql", "mssql")
    assert run_command(read("dialect_mssql", "before.py"), dialect="mssql") == mssql


def test_selection_as_the_cli_does_it(tmp_path: Path) -> None:
    """``--ignore``/``--select`` and the config's select/ignore: a de-selected
    fixable code is not fixed, a de-selected finding is not reported."""
    before = read("findings_not_fixable", "before.py")
    with pytest.raises(SkipFile):
        run_command(read("guide_boolean", "before.py"), ignore=["MF101"])
    assert run_command(read("guide_boolean", "before.py"), select=["MF1"]) == read(
        "guide_boolean", "after.py"
    )
    (tmp_path / "pyproject.toml").write_text('[tool.migration-fix]\nignore = ["MF102"]\n')
    context = CodemodContext(filename="x.py")
    AddBackfills(context).transform_module(cst.parse_module(before))
    assert context.warnings and not any(" MF102 " in warning for warning in context.warnings)
    expected = fix_source(before, Settings(), ignore=frozenset({"MF102"}))
    assert [w.split()[1] for w in context.warnings] == [
        f.code for f in expected.findings if not f.fixable and f.code != "MF102"
    ]


def test_a_bad_config_fails_the_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.migration-fix]\ndialect = "nosuchdb"\n')
    from migration_fix.config import ConfigError

    with pytest.raises(ConfigError):
        run_command(read("guide_boolean", "before.py"))


# The real libcst CLI, in a subprocess.


def codemod(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "libcst.tool", "codemod", "--hide-progress", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=300,
    )


def copy_fixture(case: str, name: str, folder: Path, target: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / target
    path.write_bytes(read(case, name))
    return path


@pytest.mark.parametrize(
    "command", ["migration_fix.AddBackfills", "migration_fix.codemod.AddBackfills"]
)
def test_cli_fixes_the_guide_migration(tmp_path: Path, command: str) -> None:
    versions = tmp_path / "migrations" / "versions"
    fixed = copy_fixture("guide_boolean", "before.py", versions, "9c386e4052be_add_flag.py")
    clean = copy_fixture("guide_boolean", "after.py", versions, "1a2b3c4d5e6f_done.py")
    result = codemod(tmp_path, "-x", "--no-format", command, "migrations/versions")
    assert result.returncode == 0, result.stderr
    assert fixed.read_bytes() == read("guide_boolean", "after.py")
    assert clean.read_bytes() == read("guide_boolean", "after.py")
    assert "Transformed 1 files successfully" in result.stderr
    assert "Skipped 1 files" in result.stderr


def test_cli_leaves_a_file_that_needs_nothing(tmp_path: Path) -> None:
    path = copy_fixture("untouched_columns", "before.py", tmp_path, "m.py")
    stat = path.stat()
    result = codemod(tmp_path, "-x", "--no-format", "migration_fix.AddBackfills", "m.py")
    assert result.returncode == 0, result.stderr
    assert path.read_bytes() == read("untouched_columns", "before.py")
    assert path.stat().st_mtime_ns == stat.st_mtime_ns
    assert "Skipped 1 files" in result.stderr


@pytest.mark.parametrize(
    "case", ["crlf_tabs", "bom_non_ascii", "latin1_cookie", "core_adds_import"]
)
def test_cli_keeps_encodings_and_newlines(tmp_path: Path, case: str) -> None:
    path = copy_fixture(case, "before.py", tmp_path, "m.py")
    result = codemod(tmp_path, "-x", "--no-format", "migration_fix.AddBackfills", "m.py")
    assert result.returncode == 0, result.stderr
    expected = fix_source(read(case, "before.py"), Settings()).output
    assert expected != read(case, "before.py")
    assert path.read_bytes() == expected


def test_cli_arguments_and_unified_diff(tmp_path: Path) -> None:
    """libcst finds COMMAND in a first pass that does not know ``-u``'s value:
    the command goes before any option that takes one."""
    path = copy_fixture("dialect_mssql", "before.py", tmp_path, "m.py")
    result = codemod(
        tmp_path,
        "-x",
        "migration_fix.AddBackfills",
        "--no-format",
        "-u",
        "1",
        "--dialect",
        "mssql",
        "m.py",
    )
    assert result.returncode == 0, result.stderr
    assert path.read_bytes() == read("dialect_mssql", "before.py"), "-u writes nothing"
    added = [
        line[1:]
        for line in result.stdout.splitlines()
        if line.startswith("+") and not line.startswith("+++")
    ]
    mssql = with_dialect("dialect_mssql", "mssql").decode()
    assert added and all(line in mssql for line in added)

    result = codemod(
        tmp_path, "-x", "--no-format", "migration_fix.AddBackfills", "--dialect", "mssql", "m.py"
    )
    assert result.returncode == 0, result.stderr
    assert path.read_bytes() == with_dialect("dialect_mssql", "mssql")


def test_cli_ignore_option_and_a_bad_code(tmp_path: Path) -> None:
    path = copy_fixture("guide_boolean", "before.py", tmp_path, "m.py")
    result = codemod(
        tmp_path, "-x", "migration_fix.AddBackfills", "--no-format", "--ignore", "MF101", "m.py"
    )
    assert result.returncode == 0, result.stderr
    assert path.read_bytes() == read("guide_boolean", "before.py")
    result = codemod(
        tmp_path, "-x", "migration_fix.AddBackfills", "--no-format", "--select", "XX9", "m.py"
    )
    assert result.returncode == 2
    assert "unknown code or prefix" in result.stderr


def test_cli_reads_the_alembic_config_of_the_current_folder(tmp_path: Path) -> None:
    (tmp_path / "alembic.ini").write_text(
        "[alembic]\nscript_location = migrations\nsqlalchemy.url = postgresql://u@h/db\n"
    )
    path = copy_fixture(
        "dialect_postgresql", "before.py", tmp_path / "migrations" / "versions", "m.py"
    )
    result = codemod(tmp_path, "-x", "--no-format", "migration_fix.AddBackfills", "migrations")
    assert result.returncode == 0, result.stderr
    assert path.read_bytes() == with_dialect("dialect_postgresql", "postgresql")


def test_cli_with_modules_in_libcst_config(tmp_path: Path) -> None:
    """Without -x, libcst looks the command up in the `modules` of .libcst.codemod.yaml."""
    (tmp_path / ".libcst.codemod.yaml").write_text(
        textwrap.dedent(
            """\
            generated_code_marker: '@generated'
            formatter: ['black', '-']
            blacklist_patterns: []
            modules:
            - 'migration_fix'
            - 'libcst.codemod.commands'
            repo_root: '.'
            """
        )
    )
    path = copy_fixture("guide_boolean", "before.py", tmp_path, "m.py")
    result = codemod(tmp_path, "--no-format", "codemod.AddBackfills", "m.py")
    assert result.returncode == 0, result.stderr
    assert path.read_bytes() == read("guide_boolean", "after.py")


def test_cli_reports_findings_as_warnings(tmp_path: Path) -> None:
    copy_fixture("findings_not_fixable", "before.py", tmp_path, "m.py")
    result = codemod(tmp_path, "-x", "--no-format", "migration_fix.AddBackfills", "m.py")
    assert result.returncode == 0, result.stderr
    assert (
        "WARNING: m.py:" in result.stderr or "WARNING: " + str(tmp_path / "m.py") in result.stderr
    )
    assert "MF102" in result.stderr


def test_cli_fails_every_file_on_a_bad_config(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.migration-fix]\ndialect = "nosuchdb"\n')
    path = copy_fixture("guide_boolean", "before.py", tmp_path, "m.py")
    result = codemod(tmp_path, "-x", "--no-format", "migration_fix.AddBackfills", "m.py")
    assert result.returncode == 1, result.stderr
    assert "Failed to codemod 1 files" in result.stderr
    assert "nosuchdb" in result.stderr
    assert path.read_bytes() == read("guide_boolean", "before.py")


@pytest.mark.skipif(shutil.which("black") is not None, reason="black is installed")
def test_without_no_format_libcst_needs_a_formatter(tmp_path: Path) -> None:
    """Documented: without --no-format libcst runs black on every changed file."""
    path = copy_fixture("guide_boolean", "before.py", tmp_path, "m.py")
    result = codemod(tmp_path, "-x", "migration_fix.AddBackfills", "m.py")
    assert result.returncode == 1
    assert path.read_bytes() == read("guide_boolean", "before.py")


# Start-up cost: libcst is imported by the codemod only.


def python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_importing_the_package_and_the_cli_does_not_import_libcst(tmp_path: Path) -> None:
    copy_fixture("untouched_columns", "before.py", tmp_path, "m.py")
    result = python(
        textwrap.dedent(
            """\
            import sys
            import migration_fix
            import migration_fix.cli
            assert "libcst" not in sys.modules, "import"
            assert "AddBackfills" in dir(migration_fix)
            assert "libcst" not in sys.modules, "dir()"
            try:
                migration_fix.cli.main(["--check", "m.py"])
            except SystemExit:
                pass
            assert "libcst" not in sys.modules, "a run that fixes nothing"
            from migration_fix import AddBackfills
            assert "libcst" in sys.modules
            from libcst.codemod import CodemodCommand
            assert issubclass(AddBackfills, CodemodCommand)
            print("ok")
            """
        ),
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_an_unknown_attribute_is_still_an_attribute_error(tmp_path: Path) -> None:
    result = python(
        "import migration_fix\n"
        "try:\n    migration_fix.NoSuchThing\nexcept AttributeError:\n    print('ok')\n",
        tmp_path,
    )
    assert result.stdout.strip() == "ok", result.stderr

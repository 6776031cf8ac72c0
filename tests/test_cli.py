"""The command line, run as users run it: exit codes, stdout/stderr, files on disk."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from migration_fix.cli import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
GUIDE_BEFORE = (FIXTURES / "guide_boolean" / "before.py").read_bytes()
GUIDE_AFTER = (FIXTURES / "guide_boolean" / "after.py").read_bytes()
BACKFILL = b'op.execute("UPDATE invoices SET enable_downloads = false WHERE enable_downloads IS NULL")'


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with a migration that needs a backfill, as the current directory."""
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    (versions / "9c386e4052be_add_flag.py").write_bytes(GUIDE_BEFORE)
    (tmp_path / ".git").mkdir()  # stops the pyproject.toml search here
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path


def migration(project: Path) -> Path:
    return project / "migrations" / "versions" / "9c386e4052be_add_flag.py"


def test_default_mode_prints_a_diff_and_writes_nothing(project: Path, capsys) -> None:
    assert main([str(migration(project))]) == 1
    out, err = capsys.readouterr()
    assert "+    " + BACKFILL.decode() in out
    assert out.startswith("--- ")
    assert "1 file would be rewritten (1 backfill)" in err
    assert migration(project).read_bytes() == GUIDE_BEFORE


def test_write_rewrites_in_place_and_says_so_on_stderr(project: Path, capsys) -> None:
    path = migration(project)
    assert main(["--write", str(path)]) == 0
    out, err = capsys.readouterr()
    assert path.read_bytes() == GUIDE_AFTER
    assert out == ""
    assert f"Rewriting {path} (1 backfill)" in err


def test_write_keeps_mode_bits(project: Path) -> None:
    path = migration(project)
    path.chmod(0o640)
    assert main(["--write", "-q", str(path)]) == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_write_and_diff_do_both(project: Path, capsys) -> None:
    assert main(["--write", "--diff", str(migration(project))]) == 0
    out, err = capsys.readouterr()
    assert BACKFILL.decode() in out
    assert "Rewriting" in err
    assert migration(project).read_bytes() == GUIDE_AFTER


def test_check_reports_without_diff(project: Path, capsys) -> None:
    assert main(["--check", str(migration(project))]) == 1
    out, err = capsys.readouterr()
    assert "---" not in out
    assert out.strip().endswith("existing rows stay NULL")
    assert ":14:5: MF101 [*]" in out
    assert err.strip() == "1 file would be rewritten (1 backfill), 0 findings"
    assert migration(project).read_bytes() == GUIDE_BEFORE


def test_fixed_file_exits_zero_in_every_mode(project: Path, capsys) -> None:
    migration(project).write_bytes(GUIDE_AFTER)
    for flags in ([], ["--check"], ["--write"]):
        assert main([*flags, str(migration(project))]) == 0
    assert capsys.readouterr().out == ""
    assert migration(project).read_bytes() == GUIDE_AFTER


def test_check_with_write_is_a_usage_error(project: Path, capsys) -> None:
    assert main(["--check", "--write", str(migration(project))]) == 2
    assert "cannot be used together" in capsys.readouterr().err


def test_no_path_is_a_usage_error(project: Path, capsys) -> None:
    assert main([]) == 2
    assert "no PATH given" in capsys.readouterr().err


def test_unknown_option_is_a_usage_error(capsys) -> None:
    assert main(["--frobnicate"]) == 2
    assert "No such option" in capsys.readouterr().err


def test_missing_path_is_named_and_others_still_processed(project: Path, capsys) -> None:
    path = migration(project)
    assert main(["--write", "missing.py", str(path)]) == 2
    out, err = capsys.readouterr()
    assert "missing.py: error: no such file or folder" in err
    assert path.read_bytes() == GUIDE_AFTER


def test_unparsable_file_is_named_with_its_line_and_left_untouched(project: Path, capsys) -> None:
    broken = project / "migrations" / "versions" / "broken.py"
    source = b'revision = "x"\ndown_revision = None\nop.add_column("t", sa.Column(\n'
    broken.write_bytes(source)
    assert main(["--write", str(broken), str(migration(project))]) == 2
    err = capsys.readouterr().err
    assert f"{broken}:3:" in err and "cannot parse" in err
    assert broken.read_bytes() == source
    assert migration(project).read_bytes() == GUIDE_AFTER


def test_finding_exits_one_even_with_write(project: Path, capsys) -> None:
    path = project / "migrations" / "versions" / "callable.py"
    shutil.copy(FIXTURES / "findings_not_fixable" / "before.py", path)
    assert main(["--write", str(path)]) == 1
    out, err = capsys.readouterr()
    assert f"{path}:15:5: MF102 " in out
    assert f"{path}:18:5: MF103 " in out
    assert path.read_bytes() == (FIXTURES / "findings_not_fixable" / "after.py").read_bytes()


def test_folder_means_its_revision_scripts_only(project: Path, capsys) -> None:
    versions = project / "migrations" / "versions"
    (versions / "helper.py").write_bytes(GUIDE_BEFORE.replace(b"revision = ", b"rev = "))
    (project / "migrations" / "env.py").write_bytes(b"from alembic import context\n")
    assert main(["--write", "migrations"]) == 0
    assert migration(project).read_bytes() == GUIDE_AFTER
    assert (versions / "helper.py").read_bytes() == GUIDE_BEFORE.replace(b"revision = ", b"rev = ")


def test_modules_after_the_first_revision_script_are_checked_as_they_are_read(
    project: Path, capsys
) -> None:
    """Discovery reads files only until it finds a revision script; the rest are
    checked when processed, with the same result."""
    versions = project / "migrations" / "versions"
    helper = GUIDE_BEFORE.replace(b"revision = ", b"rev = ")
    for name in ("0_helper.py", "zz_helper.py"):
        (versions / name).write_bytes(helper)
    assert main(["--write", "-v", "migrations"]) == 0
    err = capsys.readouterr().err
    assert "helper" not in err and f"Rewriting {migration(project).relative_to(project)}" in err
    assert [path.read_bytes() for path in versions.glob("*_helper.py")] == [helper, helper]


def test_file_named_explicitly_is_processed_whatever_its_name(project: Path) -> None:
    other = project / "notes.txt"
    other.write_bytes(GUIDE_BEFORE)
    assert main(["--write", "-q", str(other)]) == 0
    assert other.read_bytes() == GUIDE_AFTER


def test_folder_without_migrations_is_an_error(project: Path, capsys) -> None:
    (project / "empty").mkdir()
    assert main(["empty"]) == 2
    assert "empty: error: no Alembic revision scripts found" in capsys.readouterr().err


def test_output_order_is_deterministic(project: Path, capsys) -> None:
    versions = project / "migrations" / "versions"
    for name in ("c.py", "a.py", "b.py"):
        (versions / name).write_bytes(GUIDE_BEFORE)
    main(["--check", "migrations"])
    lines = [line.split(":")[0] for line in capsys.readouterr().out.splitlines()]
    assert lines == sorted(lines)


def test_path_with_spaces(project: Path) -> None:
    spaced = project / "my migrations" / "versions"
    spaced.mkdir(parents=True)
    (spaced / "add flag.py").write_bytes(GUIDE_BEFORE)
    assert main(["--write", "-q", "my migrations"]) == 0
    assert (spaced / "add flag.py").read_bytes() == GUIDE_AFTER


def test_quiet_prints_no_summary(project: Path, capsys) -> None:
    assert main(["--write", "-q", str(migration(project))]) == 0
    assert capsys.readouterr().err == ""


def test_verbose_lists_unchanged_files(project: Path, capsys) -> None:
    migration(project).write_bytes(GUIDE_AFTER)
    assert main(["-v", str(migration(project))]) == 0
    assert f"Unchanged {migration(project)}" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flags", "env", "colored"),
    [
        (["--color", "always"], {}, True),
        (["--color", "always"], {"NO_COLOR": "1"}, True),
        (["--color", "never"], {}, False),
        ([], {}, False),  # not a terminal: capsys is a pipe
    ],
)
def test_diff_colour(project: Path, capsys, monkeypatch, flags, env, colored) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    main([*flags, str(migration(project))])
    assert ("\033[32m" in capsys.readouterr().out) is colored


def test_version_and_help(capsys) -> None:
    from migration_fix import __version__

    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out
    assert main(["--help"]) == 0
    help_text = capsys.readouterr().out
    assert "Examples:" in help_text and "--write" in help_text and "Exit codes" in help_text


def test_explain(capsys) -> None:
    assert main(["--explain", "MF104"]) == 0
    assert "nullable=True" in capsys.readouterr().out
    assert main(["--explain", "MF999"]) == 2


def test_dialect_option_changes_the_sql(project: Path, capsys) -> None:
    main(["--dialect", "mssql", str(migration(project))])
    assert "SET enable_downloads=0 WHERE" in capsys.readouterr().out


def test_python_dash_m_and_stream_split(project: Path) -> None:
    """A real process: stdout carries the diff only, stderr the summary."""
    result = subprocess.run(
        [sys.executable, "-m", "migration_fix", str(migration(project))],
        capture_output=True,
        env={**os.environ, "NO_COLOR": ""},
    )
    assert result.returncode == 1
    assert result.stdout.startswith(b"--- ")
    assert b"would be rewritten" not in result.stdout
    assert b"would be rewritten" in result.stderr


# What a file that needs nothing must not load: the parsers, and the core behind the prefilter.
NOT_ON_THE_NO_OP_PATH = (
    "libcst", "sqlalchemy", "migration_fix.fix", "migration_fix.model", "migration_fix.finder",
    "migration_fix.plan", "migration_fix.sql", "tempfile", "difflib",
)


@pytest.mark.parametrize("mode", ["--check", "--write", "--diff"])
def test_file_without_add_column_loads_neither_parser_nor_core(project: Path, mode: str) -> None:
    plain = project / "migrations" / "versions" / "plain.py"
    plain.write_bytes(b'revision = "a"\ndown_revision = None\n\ndef upgrade():\n    pass\n')
    code = (
        "import sys; from migration_fix.cli import main; rc = main([sys.argv[1], sys.argv[2]]);"
        f"print(rc, sorted(m for m in sys.modules if m.startswith({NOT_ON_THE_NO_OP_PATH!r})))"
    )
    result = subprocess.run([sys.executable, "-c", code, mode, str(plain)], capture_output=True, text=True)
    assert result.stdout.strip() == "0 []"


def test_portable_backfill_imports_neither_libcst_matchers_nor_sqlalchemy(project: Path) -> None:
    code = (
        "import sys; from migration_fix.cli import main; rc = main(['--write', sys.argv[1]]);"
        "print(sorted(m for m in ('libcst.matchers', 'sqlalchemy') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(migration(project))], capture_output=True, text=True
    )
    assert result.stdout.strip() == "[]"
    assert migration(project).read_bytes() == GUIDE_AFTER

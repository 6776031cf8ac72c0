"""Which files get checked: the Alembic config without PATH, excludes, the baseline.

Real folders and files in tmp_path; ``main([...])`` as the console script runs it,
and the hooks' own entries in a real git repository.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from migration_fix.cli import main
from migration_fix.config import ConfigError, find_alembic_config
from migration_fix.discover import (
    ExcludePattern,
    RevisionGraph,
    glob_regex,
    is_revision_source,
    read_revision,
)

ROOT = Path(__file__).resolve().parent.parent
GUIDE_BEFORE = (ROOT / "fixtures" / "guide_boolean" / "before.py").read_bytes()
GUIDE_AFTER = (ROOT / "fixtures" / "guide_boolean" / "after.py").read_bytes()


def revision_script(
    revision: str, down: str | None | tuple[str, ...] = None, annotated: bool = False
) -> bytes:
    """The guide migration, as revision ``revision`` on top of ``down``."""
    down_text = (
        repr(down)
        if not isinstance(down, tuple)
        else "(\n    " + ",\n    ".join(map(repr, down)) + ",\n)"
    )
    if annotated:
        header = f'revision: str = "{revision}"\ndown_revision: Union[str, Sequence[str], None] = {down_text}\n'
    else:
        header = f'revision = "{revision}"\ndown_revision = {down_text}\n'
    text = GUIDE_BEFORE.decode()
    text = re.sub(r'revision = "9c386e4052be"\ndown_revision = "713af8a4cb34"\n', header, text)
    assert header in text
    return text.encode()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ALEMBIC_CONFIG", raising=False)
    return tmp_path


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)
    return path


def checked(capsys: pytest.CaptureFixture[str]) -> list[str]:
    """The files named by --check's finding lines, in order."""
    return [line.split(":")[0] for line in capsys.readouterr().out.splitlines() if ": MF" in line]


# -- no PATH: the Alembic config ---------------------------------------------------------


def test_no_path_checks_script_location_versions_of_alembic_ini(repo: Path, capsys) -> None:
    write(repo / "alembic.ini", "[alembic]\nscript_location = %(here)s/db\n")
    write(repo / "db" / "versions" / "a.py", revision_script("a"))
    write(repo / "db" / "env.py", "from alembic import context\n")
    assert main(["--check"]) == 1
    assert checked(capsys) == [os.path.join("db", "versions", "a.py")]
    assert main(["--write", "-q"]) == 0
    assert b"UPDATE invoices" in (repo / "db" / "versions" / "a.py").read_bytes()


def test_relative_script_location_is_relative_to_the_current_folder(repo: Path, capsys) -> None:
    write(repo / "alembic.ini", "[alembic]\nscript_location = migrations\n")
    write(repo / "migrations" / "versions" / "a.py", revision_script("a"))
    assert main(["--check"]) == 1
    assert checked(capsys) == [os.path.join("migrations", "versions", "a.py")]


@pytest.mark.parametrize(
    ("separator_line", "joiner"),
    [
        ("path_separator = os\n", os.pathsep),
        ("path_separator = space\n", " "),
        ("path_separator = ;\n", ";"),
        ("version_path_separator = :\n", ":"),
        ("", ", "),  # no separator: Alembic's legacy split on spaces and commas
        ("path_separator = newline\n", "\n    "),
    ],
)
def test_version_locations_split_as_alembic_splits_them(
    repo: Path, capsys, separator_line: str, joiner: str
) -> None:
    locations = joiner.join(["%(here)s/db/one", "%(here)s/db/two"])
    write(
        repo / "alembic.ini",
        f"[alembic]\nscript_location = %(here)s/db\n{separator_line}version_locations = {locations}\n",
    )
    write(repo / "db" / "one" / "a.py", revision_script("a"))
    write(repo / "db" / "two" / "b.py", revision_script("b", "a"))
    write(
        repo / "db" / "versions" / "old.py", revision_script("zz")
    )  # not used: version_locations replace it
    assert main(["--check"]) == 1
    assert checked(capsys) == [os.path.join("db", "one", "a.py"), os.path.join("db", "two", "b.py")]


def test_tool_alembic_in_pyproject(repo: Path, capsys) -> None:
    write(
        repo / "pyproject.toml",
        '[tool.alembic]\nscript_location = "%(here)s/db"\n'
        'version_locations = ["%(here)s/db/versions", "%(here)s/plugins/versions"]\n',
    )
    write(repo / "db" / "versions" / "a.py", revision_script("a"))
    write(repo / "plugins" / "versions" / "p.py", revision_script("p"))
    assert main(["--check"]) == 1
    assert checked(capsys) == [
        os.path.join("db", "versions", "a.py"),
        os.path.join("plugins", "versions", "p.py"),
    ]


def test_alembic_ini_wins_over_tool_alembic(repo: Path, capsys) -> None:
    write(repo / "alembic.ini", "[alembic]\nscript_location = ini\n")
    write(repo / "pyproject.toml", '[tool.alembic]\nscript_location = "toml"\n')
    write(repo / "ini" / "versions" / "a.py", revision_script("a"))
    write(repo / "toml" / "versions" / "b.py", revision_script("b"))
    main(["--check"])
    assert checked(capsys) == [os.path.join("ini", "versions", "a.py")]


def test_config_option_names_another_ini(repo: Path, capsys) -> None:
    write(
        repo / "services" / "billing" / "alembic.ini",
        "[alembic]\nscript_location = %(here)s/migrations\n",
    )
    path = write(
        repo / "services" / "billing" / "migrations" / "versions" / "a.py", revision_script("a")
    )
    assert main(["--check", "--config", "services/billing/alembic.ini"]) == 1
    assert checked(capsys) == [str(path.relative_to(repo))]


def test_config_option_names_a_pyproject(repo: Path, capsys) -> None:
    write(
        repo / "svc" / "pyproject.toml",
        '[tool.alembic]\nscript_location = "%(here)s/migrations"\n'
        '[tool.migration-fix]\ndialect = "mssql"\n',
    )
    write(repo / "svc" / "migrations" / "versions" / "a.py", revision_script("a"))
    assert main(["--config", "svc/pyproject.toml"]) == 1
    assert "SET enable_downloads=0" in capsys.readouterr().out  # its [tool.migration-fix] too


def test_config_option_url_gives_the_dialect(repo: Path, capsys) -> None:
    write(
        repo / "prod.ini", "[alembic]\nscript_location = db\nsqlalchemy.url = mssql+pyodbc://dsn\n"
    )
    write(repo / "db" / "versions" / "a.py", revision_script("a"))
    main(["--config", "prod.ini"])
    assert "SET enable_downloads=0" in capsys.readouterr().out


def test_alembic_config_environment_variable(repo: Path, capsys, monkeypatch) -> None:
    write(repo / "conf" / "dev.ini", "[alembic]\nscript_location = %(here)s/../db\n")
    write(repo / "db" / "versions" / "a.py", revision_script("a"))
    monkeypatch.setenv("ALEMBIC_CONFIG", "conf/dev.ini")
    assert main(["--check"]) == 1
    assert len(checked(capsys)) == 1


def test_recursive_version_locations(repo: Path, capsys) -> None:
    write(
        repo / "alembic.ini",
        "[alembic]\nscript_location = db\nrecursive_version_locations = true\n",
    )
    write(repo / "db" / "versions" / "a.py", revision_script("a"))
    write(repo / "db" / "versions" / "2024" / "b.py", revision_script("b", "a"))
    main(["--check"])
    assert len(checked(capsys)) == 2
    write(repo / "alembic.ini", "[alembic]\nscript_location = db\n")
    main(["--check"])
    assert checked(capsys) == [os.path.join("db", "versions", "a.py")]


def test_package_resource_script_location(repo: Path, capsys, monkeypatch) -> None:
    write(repo / "src" / "myapp" / "__init__.py", "")
    write(repo / "src" / "myapp" / "migrations" / "versions" / "a.py", revision_script("a"))
    monkeypatch.syspath_prepend(str(repo / "src"))
    write(repo / "alembic.ini", "[alembic]\nscript_location = myapp:migrations\n")
    assert main(["--check"]) == 1
    assert len(checked(capsys)) == 1


def test_nothing_configured_says_what_to_pass(repo: Path, capsys) -> None:
    assert main(["--check"]) == 2
    err = capsys.readouterr().err
    assert "no PATH given" in err and "alembic.ini" in err and "--config" in err


def test_alembic_ini_without_script_location_is_not_a_config(repo: Path, capsys) -> None:
    write(repo / "alembic.ini", "[loggers]\nkeys = root\n")
    assert main([]) == 2
    assert "no PATH given" in capsys.readouterr().err


def test_missing_config_file_is_named(repo: Path, capsys) -> None:
    assert main(["--config", "nope.ini"]) == 2
    assert "nope.ini: no such Alembic config file" in capsys.readouterr().err


def test_config_file_that_is_not_an_alembic_config(repo: Path, capsys) -> None:
    write(repo / "setup.cfg", "[metadata]\nname = x\n")
    assert main(["--config", "setup.cfg"]) == 2
    assert "setup.cfg: no script_location" in capsys.readouterr().err


def test_bad_path_separator_is_named(repo: Path) -> None:
    write(
        repo / "alembic.ini",
        "[alembic]\nscript_location = db\npath_separator = pipe\nversion_locations = a|b\n",
    )
    with pytest.raises(ConfigError, match="alembic.ini: path_separator = 'pipe'"):
        find_alembic_config(repo)


def test_missing_version_folder_is_an_error_and_empty_one_is_not(repo: Path, capsys) -> None:
    write(repo / "alembic.ini", "[alembic]\nscript_location = db\n")
    assert main(["--check"]) == 2
    assert "does not exist" in capsys.readouterr().err
    (repo / "db" / "versions").mkdir(parents=True)
    assert main(["--check"]) == 0  # a new project: no revisions yet


def test_paths_given_win_over_the_config(repo: Path, capsys) -> None:
    write(repo / "alembic.ini", "[alembic]\nscript_location = db\n")
    write(repo / "db" / "versions" / "a.py", revision_script("a"))
    other = write(repo / "other.py", GUIDE_BEFORE)
    main(["--check", str(other)])
    assert checked(capsys) == [str(other)]


# -- excludes -------------------------------------------------------------------------------


@pytest.fixture
def history(repo: Path) -> Path:
    """Four revisions a <- b <- c <- d in db/versions, and an alembic.ini."""
    write(repo / "alembic.ini", "[alembic]\nscript_location = db\n")
    versions = repo / "db" / "versions"
    for name, down in (("a", None), ("b", "a"), ("c", "b"), ("d", "c")):
        write(
            versions / f"{name}_step.py",
            revision_script(f"{name}000", f"{down}000" if down else None),
        )
    return versions


def names(paths: list[str]) -> list[str]:
    return [Path(path).name for path in paths]


def test_exclude_in_config_skips_files_in_folders(repo: Path, history: Path, capsys) -> None:
    write(
        repo / "pyproject.toml",
        '[tool.migration-fix]\nexclude = ["a_*.py", "db/versions/b_step.py"]\n',
    )
    main(["--check"])
    assert names(checked(capsys)) == ["c_step.py", "d_step.py"]
    main(["--check", "db"])
    assert names(checked(capsys)) == ["c_step.py", "d_step.py"]


def test_named_file_is_checked_unless_force_exclude(repo: Path, history: Path, capsys) -> None:
    write(repo / "pyproject.toml", '[tool.migration-fix]\nexclude = ["a_*.py"]\n')
    named = str(history / "a_step.py")
    assert main(["--check", named]) == 1
    assert names(checked(capsys)) == ["a_step.py"]
    assert main(["--check", "--force-exclude", named]) == 0
    assert checked(capsys) == []
    write(
        repo / "pyproject.toml",
        '[tool.migration-fix]\nexclude = ["a_*.py"]\nforce-exclude = true\n',
    )
    assert main(["--check", named]) == 0
    assert main(["--check", "--no-force-exclude", named]) == 1


def test_cli_exclude_replaces_and_extend_exclude_adds(repo: Path, history: Path, capsys) -> None:
    write(
        repo / "pyproject.toml",
        '[tool.migration-fix]\nexclude = ["a_*.py"]\nextend-exclude = ["b_*.py"]\n',
    )
    main(["--check"])
    assert names(checked(capsys)) == ["c_step.py", "d_step.py"]
    main(["--check", "--exclude", "c_*.py"])  # replaces exclude, keeps extend-exclude
    assert names(checked(capsys)) == ["a_step.py", "d_step.py"]
    main(["--check", "--extend-exclude", "d_step.py,c_step.py"])
    assert checked(capsys) == []


def test_anchored_patterns_are_relative_to_the_pyproject(
    repo: Path, history: Path, capsys, monkeypatch
) -> None:
    write(repo / "pyproject.toml", '[tool.migration-fix]\nexclude = ["db/versions/[ab]_*.py"]\n')
    monkeypatch.chdir(repo / "db")
    main(["--check", "versions"])
    assert names(checked(capsys)) == ["c_step.py", "d_step.py"]
    main(
        ["--check", "--exclude", "versions/c_*", "versions"]
    )  # the command line's: from the current folder
    assert names(checked(capsys)) == ["a_step.py", "b_step.py", "d_step.py"]


def test_excluded_folder_is_pruned(repo: Path, capsys) -> None:
    write(repo / "pkg" / "versions" / "a.py", revision_script("a"))
    write(repo / "pkg" / "legacy" / "versions" / "old.py", revision_script("old"))
    main(["--check", "-v", "--exclude", "legacy/", "pkg"])
    out_err = capsys.readouterr()
    assert [line.split(":")[0] for line in out_err.out.splitlines()] == [
        os.path.join("pkg", "versions", "a.py")
    ]
    assert f"Skipped {os.path.join('pkg', 'legacy')}: excluded by 'legacy/'" in out_err.err


def test_folder_with_only_excluded_scripts_is_not_an_error(repo: Path, history: Path) -> None:
    assert main(["--check", "--exclude", "*_step.py", str(history)]) == 0


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("env.py", "db/env.py", True),
        ("env.py", "db/versions/env.py.bak", False),
        ("legacy_*", "db/legacy_2019/x.py", True),
        ("db/versions/*.py", "db/versions/a.py", True),
        ("db/versions/*.py", "db/versions/sub/a.py", False),
        ("db/**/*.py", "db/versions/sub/a.py", True),
        ("**/old/*.py", "x/y/old/a.py", True),
        ("db/versions/", "db/versions/a.py", True),
        ("./db", "db/versions/a.py", True),
        ("a?.py", "db/ab.py", True),
        ("[!a]*.py", "db/ab.py", False),
        ("[!a]*.py", "db/b.py", True),
        ("versions", "elsewhere/db/versions/a.py", True),
        ("db/versions/a.py", "other/db/versions/a.py", False),
    ],
)
def test_exclude_pattern(tmp_path: Path, pattern: str, path: str, matches: bool) -> None:
    assert ExcludePattern(pattern, str(tmp_path)).matches(str(tmp_path / path)) is matches


def test_folder_only_pattern_does_not_match_a_file(tmp_path: Path) -> None:
    assert not ExcludePattern("a.py/", str(tmp_path)).matches(str(tmp_path / "a.py"))
    assert ExcludePattern("a.py/", str(tmp_path)).matches(str(tmp_path / "a.py"), is_dir=True)


def test_glob_regex_escapes_everything_else() -> None:
    assert glob_regex("a+b(1).py").fullmatch("a+b(1).py")
    assert not glob_regex("a+b(1).py").fullmatch("aab1.py")


# -- the baseline -----------------------------------------------------------------------------


def test_baseline_checks_only_its_descendants(repo: Path, history: Path, capsys) -> None:
    assert main(["--check", "--baseline", "b000"]) == 1
    assert names(checked(capsys)) == ["c_step.py", "d_step.py"]
    assert main(["--check", "--baseline", "d000"]) == 0  # the head itself: nothing new
    assert checked(capsys) == []


def test_baseline_in_config_and_prefix(repo: Path, history: Path, capsys) -> None:
    write(repo / "pyproject.toml", '[tool.migration-fix]\nbaseline = "c0"\n')
    main(["--check"])
    assert names(checked(capsys)) == ["d_step.py"]
    main(["--check", "--baseline", "a"])  # the command line wins
    assert names(checked(capsys)) == ["b_step.py", "c_step.py", "d_step.py"]


def test_baseline_list_in_config(repo: Path, history: Path, capsys) -> None:
    write(repo / "pyproject.toml", '[tool.migration-fix]\nbaseline = ["c000"]\n')
    main(["--check", "db/versions"])
    assert names(checked(capsys)) == ["d_step.py"]


def test_unknown_baseline_is_an_error(repo: Path, history: Path, capsys) -> None:
    assert main(["--check", "--baseline", "zzz"]) == 2
    err = capsys.readouterr().err
    assert "baseline revision 'zzz' is not among the 4 revisions in" in err


def test_ambiguous_baseline_is_an_error(repo: Path, history: Path, capsys) -> None:
    write(history / "e_step.py", revision_script("a001", "d000"))
    assert main(["--check", "--baseline", "a0"]) == 2
    assert "ambiguous" in capsys.readouterr().err


def test_baseline_follows_merges_and_branches(repo: Path, capsys) -> None:
    """a - b (baseline) - c ----- m (merge of c and x)
    \\- x (branched before the baseline)"""
    write(repo / "alembic.ini", "[alembic]\nscript_location = db\n")
    versions = repo / "db" / "versions"
    write(versions / "1_a.py", revision_script("a", None))
    write(versions / "2_b.py", revision_script("b", "a"))
    write(versions / "3_c.py", revision_script("c", "b", annotated=True))
    write(versions / "4_x.py", revision_script("x", "a"))
    write(versions / "5_m.py", revision_script("m", ("c", "x"), annotated=True))
    main(["--check", "--baseline", "b"])
    assert names(checked(capsys)) == ["3_c.py", "5_m.py"]


def test_verbose_says_why_a_revision_is_skipped(repo: Path, history: Path, capsys) -> None:
    main(["--check", "-v", "--baseline", "b000"])
    err = capsys.readouterr().err
    assert "a_step.py: revision a000 is not after the baseline b000" in err
    assert "b_step.py: the baseline revision b000" in err


def test_baseline_with_named_files_needs_force_exclude(repo: Path, history: Path, capsys) -> None:
    files = [str(history / name) for name in ("a_step.py", "c_step.py")]
    main(["--check", "--baseline", "b000", *files])
    assert names(checked(capsys)) == ["a_step.py", "c_step.py"]
    main(["--check", "--baseline", "b000", "--force-exclude", *files])
    assert names(checked(capsys)) == ["c_step.py"]


def test_baseline_graph_spans_the_configured_version_locations(repo: Path, capsys) -> None:
    """The baseline lives in one version location, the file named in another."""
    write(
        repo / "alembic.ini", "[alembic]\nscript_location = db\nversion_locations = core plugin\n"
    )
    write(repo / "core" / "a.py", revision_script("a"))
    write(repo / "core" / "b.py", revision_script("b", "a"))
    plugin = write(repo / "plugin" / "p.py", revision_script("p", "b"))
    old = write(repo / "plugin" / "o.py", revision_script("o", "a"))
    main(["--check", "--force-exclude", "--baseline", "b", str(plugin), str(old)])
    assert names(checked(capsys)) == ["p.py"]


def test_file_whose_revision_cannot_be_read_is_checked(repo: Path, history: Path, capsys) -> None:
    write(
        history / "z_computed.py",
        GUIDE_BEFORE.replace(b'revision = "9c386e4052be"', b"revision = make_id()"),
    )
    main(["--check", "--baseline", "c000"])
    assert names(checked(capsys)) == ["d_step.py", "z_computed.py"]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (b'revision = "abc"\ndown_revision = None\n', ("abc", ())),
        (b"revision = 'abc'\ndown_revision = 'x1'  # parent\n", ("abc", ("x1",))),
        (b'revision: str = "abc"\ndown_revision: Union[str, None] = "x1"\n', ("abc", ("x1",))),
        (b'revision = "m"\ndown_revision = ("a", "b")\n', ("m", ("a", "b"))),
        (b'revision = "m"\ndown_revision = [\n    "a",\n    "b",\n]\n', ("m", ("a", "b"))),
        (b'"""Revision ID: nope\n"""\nrevision = "abc"\ndown_revision = None\n', ("abc", ())),
        (b"def f():\n    revision = 'inner'\n", None),
        (b"revision = make()\ndown_revision = None\n", None),
    ],
)
def test_read_revision(source: bytes, expected) -> None:
    assert read_revision(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (b'revision = "a"\ndown_revision = None\n', True),
        (b'"""doc"""\r\nrevision: str = "a"\r\ndown_revision = None\r\n', True),
        (b'revision = "a"\n', False),
        (b'xrevision = "a"\ndown_revision = None\n', False),
        (b'revision = "a"\n    down_revision = None\n', False),
        (b'old_revision = "a"\ndown_revision_x = None\n', False),
    ],
)
def test_a_revision_script_assigns_both_names_at_line_start(source: bytes, expected: bool) -> None:
    assert is_revision_source(source) is expected


def test_revision_graph_descendants_of_a_merge() -> None:
    graph = RevisionGraph()
    graph.parents.update(
        {"a": (), "b": ("a",), "c": ("b",), "x": ("a",), "m": ("c", "x"), "n": ("m",)}
    )
    assert graph.descendants(["b"]) == {"c", "m", "n"}
    assert graph.descendants(["x"]) == {"m", "n"}
    assert graph.descendants(["n"]) == set()


# -- pre-commit: the hooks' own entries, on the files pre-commit would pass -------------------


def hooks() -> list[dict[str, object]]:
    """.pre-commit-hooks.yaml, read without a YAML library (flat mappings only)."""
    entries: list[dict[str, object]] = []
    for line in (ROOT / ".pre-commit-hooks.yaml").read_text().splitlines():
        if line.startswith("- "):
            entries.append({})
            line = line[2:]
        line = line.strip()
        if entries and ":" in line and not line.startswith("#"):
            key, _, value = line.partition(": ")
            entries[-1][key] = value
    return entries


def test_hooks_run_serially_and_force_exclude() -> None:
    for hook in hooks():
        assert hook["require_serial"] == "true", hook["id"]
        assert "--force-exclude" in str(hook["entry"]), hook["id"]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout


def test_all_files_run_leaves_history_alone(tmp_path: Path) -> None:
    """What `pre-commit run --all-files` does: the hook's entry on every tracked file
    its `files` pattern matches. Only revisions after the baseline change."""
    git(tmp_path, "init", "-q")
    versions = tmp_path / "migrations" / "versions"
    for name, down in (("a", None), ("b", "a"), ("c", "b")):
        write(
            versions / f"{name}_step.py",
            revision_script(f"{name}000", f"{down}000" if down else None),
        )
    write(versions / "legacy_fix.py", revision_script("l000", "c000"))
    write(tmp_path / "app.py", GUIDE_BEFORE)
    write(
        tmp_path / "pyproject.toml",
        '[tool.migration-fix]\nbaseline = "b000"\nexclude = ["legacy_*.py"]\n',
    )
    git(tmp_path, "add", ".")
    hook = next(hook for hook in hooks() if hook["id"] == "migration-fix")
    pattern = re.compile(str(hook["files"]))
    files = [name for name in git(tmp_path, "ls-files").splitlines() if pattern.search(name)]
    assert len(files) == 4
    command = str(hook["entry"]).split()
    assert command[0] == "migration-fix"
    result = subprocess.run(
        [sys.executable, "-m", "migration_fix", *command[1:], *files],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    changed = git(tmp_path, "diff", "--name-only").split()
    assert changed == ["migrations/versions/c_step.py"]
    assert b"UPDATE invoices" in (versions / "c_step.py").read_bytes()


def test_excludes_apply_to_the_configured_version_folders(repo: Path, capsys) -> None:
    write(
        repo / "alembic.ini", "[alembic]\nscript_location = db\nversion_locations = db/new db/old\n"
    )
    write(repo / "db" / "new" / "a.py", revision_script("a"))
    write(repo / "db" / "old" / "b.py", revision_script("b"))
    write(repo / "pyproject.toml", '[tool.migration-fix]\nexclude = ["db/old"]\n')
    main(["--check"])
    assert names(checked(capsys)) == ["a.py"]

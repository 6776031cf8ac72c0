"""migration-fix as an Alembic post-write hook, run by the real ``alembic revision``.

Each test builds a project with ``alembic init``, gives it a ``script.py.mako``
whose upgrade() holds an ``add_column`` with a Python-side default (what the
hook can see: autogenerate itself drops ``default=``), configures the hook in
``alembic.ini`` or in ``[tool.alembic]`` of pyproject.toml, and checks that the
revision Alembic wrote holds the backfill and nothing else changed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from migration_fix.fix import fix_source
from migration_fix.settings import Settings

alembic = pytest.importorskip("alembic")
from alembic.script import write_hooks

ALEMBIC_VERSION = tuple(int(part) for part in alembic.__version__.split(".")[:2])
BIN = str(Path(sys.executable).parent)

ADD_COLUMN = (
    'op.add_column("invoices", sa.Column("enable_downloads", sa.Boolean(), '
    "nullable=True, default=False))"
)
BACKFILL = (
    'op.execute("UPDATE invoices SET enable_downloads = false WHERE enable_downloads IS NULL")'
)

INI_HOOK = """\
hooks = migration_fix
migration_fix.type = console_scripts
migration_fix.entrypoint = migration-fix
migration_fix.options = --write REVISION_SCRIPT_FILENAME
"""

TOML_HOOK = """
[[tool.alembic.post_write_hooks]]
name = "migration_fix"
type = "console_scripts"
entrypoint = "migration-fix"
options = "--write REVISION_SCRIPT_FILENAME"
"""


def run_alembic(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Alembic of this environment, with its bin folder first on PATH (the
    ``exec`` runner looks ``migration-fix`` up there)."""
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ.get("PATH", ""), "NO_COLOR": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "alembic", *args],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def init_project(project: Path, template: str = "generic", add_column: str = ADD_COLUMN) -> Path:
    """``alembic init``, with a revision template whose upgrade() adds a defaulted column."""
    project.mkdir(exist_ok=True)
    run_alembic(project, "init", "-t", template, "migrations")
    mako = project / "migrations" / "script.py.mako"
    text = mako.read_text()
    placeholder = '${upgrades if upgrades else "pass"}'
    assert placeholder in text
    mako.write_text(text.replace(placeholder, add_column, 1))
    return project


def add_ini_hook(project: Path, hook: str = INI_HOOK) -> None:
    """Under the (commented-out) ``[post_write_hooks]`` section ``alembic init`` writes."""
    ini = project / "alembic.ini"
    text = ini.read_text()
    assert text.count("[post_write_hooks]\n") == 1
    ini.write_text(text.replace("[post_write_hooks]\n", "[post_write_hooks]\n" + hook, 1))


def new_revision(project: Path) -> tuple[Path, subprocess.CompletedProcess[str]]:
    result = run_alembic(project, "revision", "-m", "add flag")
    [path] = (project / "migrations" / "versions").glob("*.py")
    return path, result


def assert_only_backfills_added(path: Path, *backfills: str) -> None:
    """The revision is Alembic's rendering plus the backfill lines, byte for byte:
    without them, the core would put exactly them back."""
    fixed = path.read_bytes()
    lines = fixed.decode().splitlines(keepends=True)
    for backfill in backfills:
        assert sum(line.strip() == backfill for line in lines) == 1, fixed.decode()
    rendered = "".join(line for line in lines if line.strip() not in backfills).encode()
    assert fix_source(rendered, Settings()).output == fixed
    assert fix_source(fixed, Settings()).output == fixed


def test_alembic_ini_console_scripts_hook(tmp_path: Path) -> None:
    project = init_project(tmp_path / "project")
    add_ini_hook(project)
    path, result = new_revision(project)
    assert "Running post write hook 'migration_fix'" in result.stdout + result.stderr
    assert_only_backfills_added(path, BACKFILL)


@pytest.mark.skipif(ALEMBIC_VERSION < (1, 16), reason="[tool.alembic] needs Alembic 1.16+")
def test_pyproject_tool_alembic_hook(tmp_path: Path) -> None:
    project = init_project(tmp_path / "project", template="pyproject")
    assert "[post_write_hooks]" not in (project / "alembic.ini").read_text()
    with (project / "pyproject.toml").open("a") as stream:
        stream.write(TOML_HOOK)
    path, result = new_revision(project)
    assert "Running post write hook 'migration_fix'" in result.stdout + result.stderr
    assert_only_backfills_added(path, BACKFILL)


@pytest.mark.parametrize(
    "runner",
    [
        "migration_fix.type = exec\nmigration_fix.executable = migration-fix\n",
        pytest.param(
            "migration_fix.type = module\nmigration_fix.module = migration_fix\n",
            marks=pytest.mark.skipif(
                not hasattr(write_hooks, "module"),
                reason=f"Alembic {alembic.__version__} has no module runner (1.16.5 has)",
            ),
        ),
    ],
    ids=["exec", "module"],
)
def test_exec_and_module_hooks(tmp_path: Path, runner: str) -> None:
    """``exec`` finds migration-fix on PATH; ``module`` runs ``python -m migration_fix``
    with Alembic's own interpreter."""
    project = init_project(tmp_path / "project")
    add_ini_hook(
        project,
        "hooks = migration_fix\n"
        + runner
        + "migration_fix.options = --write REVISION_SCRIPT_FILENAME\n",
    )
    path, _ = new_revision(project)
    assert_only_backfills_added(path, BACKFILL)


def test_the_dialect_comes_from_alembic_ini(tmp_path: Path) -> None:
    """The hook runs in Alembic's working folder: the project's config applies."""
    project = init_project(
        tmp_path / "project",
        add_column='op.add_column("order", sa.Column("rush", sa.Boolean(), default=False))',
    )
    add_ini_hook(project)
    ini = project / "alembic.ini"
    ini.write_text(
        ini.read_text().replace(
            "sqlalchemy.url = driver://user:pass@localhost/dbname",
            "sqlalchemy.url = postgresql://user:pass@localhost/dbname",
        )
    )
    path, _ = new_revision(project)
    text = path.read_text()
    assert "op.execute('UPDATE \"order\" SET rush=false WHERE rush IS NULL')" in text, text


def test_a_failing_hook_does_not_fail_alembic(tmp_path: Path) -> None:
    """Alembic ignores the hook's exit code: the revision is written as rendered
    and the error is only printed."""
    project = init_project(tmp_path / "project")
    add_ini_hook(project)
    (project / "pyproject.toml").write_text('[tool.migration-fix]\ndialect = "nosuchdb"\n')
    path, result = new_revision(project)
    assert "nosuchdb" in result.stdout + result.stderr
    assert BACKFILL not in path.read_text()

"""Release hygiene: one version, and a wheel that works on its own.

The version lives in ``migration_fix.__version__`` only; pyproject.toml reads it
(``dynamic = ["version"]``). The wheel test builds the package from a copy of
the files a build needs, checks what the wheel holds, installs it into a fresh
venv and runs it there. Building (setuptools in an isolated build environment)
and installing the runtime dependencies need the package index:
MIGRATION_FIX_OFFLINE=1 skips those tests, as it skips the pre-commit test.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement

import migration_fix

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "migration_fix"
FIXTURES = ROOT / "fixtures"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())

needs_index = pytest.mark.skipif(
    os.environ.get("MIGRATION_FIX_OFFLINE") == "1",
    reason="MIGRATION_FIX_OFFLINE=1: building and installing the wheel needs the package index",
)


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=900,
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def test_the_version_is_defined_once() -> None:
    project = PYPROJECT["project"]
    assert "version" not in project
    assert "version" in project["dynamic"]
    dynamic = PYPROJECT["tool"]["setuptools"]["dynamic"]["version"]
    assert dynamic == {"attr": "migration_fix.__version__"}
    parts = migration_fix.__version__.split(".")
    assert len(parts) == 3 and all(part.isdigit() for part in parts), migration_fix.__version__


def test_the_installed_metadata_carries_that_version() -> None:
    assert importlib.metadata.version("migration-fix") == migration_fix.__version__, (
        "the installed metadata is stale: reinstall with pip install -e '.[test]'"
    )


def test_the_cli_reports_that_version() -> None:
    output = run(sys.executable, "-m", "migration_fix", "--version", cwd=ROOT)
    assert output.strip() == f"migration-fix, version {migration_fix.__version__}"


def test_the_classifiers_name_every_supported_python() -> None:
    floor = PYPROJECT["project"]["requires-python"]
    assert floor == ">=3.10"
    classifiers = PYPROJECT["project"]["classifiers"]
    versions = [
        c.rsplit(" :: ", 1)[1] for c in classifiers if c.count("::") == 2 and "Python :: 3." in c
    ]
    assert versions == ["3.10", "3.11", "3.12", "3.13"]
    # A PEP 639 license expression and a License :: classifier may not be combined.
    assert not any(c.startswith("License ::") for c in classifiers)


def normalized(text: str) -> tuple[str, str, str]:
    requirement = Requirement(text)
    return requirement.name.lower(), str(requirement.specifier), str(requirement.marker or "")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``pip wheel`` of a copy of pyproject.toml, README.md and src/: the build
    may not depend on anything else in the checkout, and leaves nothing in it."""
    source = tmp_path_factory.mktemp("source")
    shutil.copy2(ROOT / "pyproject.toml", source)
    shutil.copy2(ROOT / "README.md", source)
    shutil.copytree(
        ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", out, source, cwd=source)
    [built] = out.glob("migration_fix-*.whl")
    return built


@needs_index
def test_the_wheel_holds_the_package_and_its_metadata(wheel: Path) -> None:
    version = migration_fix.__version__
    assert wheel.name == f"migration_fix-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        dist_info = f"migration_fix-{version}.dist-info"
        metadata = Parser().parsestr(archive.read(f"{dist_info}/METADATA").decode())
        entry_points = archive.read(f"{dist_info}/entry_points.txt").decode()
    modules = sorted(name for name in names if not name.startswith(dist_info))
    sources = [
        path.relative_to(PACKAGE.parent).as_posix()
        for path in PACKAGE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    ]
    assert modules == sorted(sources), "the wheel must hold every file of the package, only those"
    assert metadata["Name"] == "migration-fix"
    assert metadata["Version"] == version
    assert metadata["Requires-Python"] == ">=3.10"
    assert metadata["License-Expression"] == "MIT"
    requires = metadata.get_all("Requires-Dist")
    runtime = {normalized(text) for text in requires if "extra ==" not in text}
    assert runtime == {normalized(text) for text in PYPROJECT["project"]["dependencies"]}
    assert any(req.startswith("alembic") and "extra ==" in req for req in requires)
    assert not any(req.startswith("alembic") and "extra ==" not in req for req in requires), (
        "Alembic is a test dependency only"
    )
    assert "migration-fix = migration_fix.cli:main" in entry_points
    assert metadata.get_payload().startswith("# migration-fix")


@needs_index
def test_the_wheel_runs_in_a_fresh_venv(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / "python"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}
    }
    env["PATH"] = str(bin_dir) + os.pathsep + env.get("PATH", "")
    run(python, "-m", "pip", "install", "--quiet", wheel, cwd=tmp_path, env=env)

    where = run(
        python, "-c", "import migration_fix; print(migration_fix.__file__)", cwd=tmp_path, env=env
    )
    assert Path(where.strip()).is_relative_to(venv), where
    version = run(bin_dir / "migration-fix", "--version", cwd=tmp_path, env=env)
    assert version.strip() == f"migration-fix, version {migration_fix.__version__}"

    migration = tmp_path / "9c386e4052be_add_flag.py"
    migration.write_bytes((FIXTURES / "guide_boolean" / "before.py").read_bytes())
    run(bin_dir / "migration-fix", "--write", migration, cwd=tmp_path, env=env)
    assert migration.read_bytes() == (FIXTURES / "guide_boolean" / "after.py").read_bytes()

    migration.write_bytes((FIXTURES / "guide_boolean" / "before.py").read_bytes())
    run(
        python, "-m", "libcst.tool", "codemod", "--hide-progress", "-x", "--no-format",
        "migration_fix.AddBackfills", migration, cwd=tmp_path, env=env,
    )  # fmt: skip
    assert migration.read_bytes() == (FIXTURES / "guide_boolean" / "after.py").read_bytes()

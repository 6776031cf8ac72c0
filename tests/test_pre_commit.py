"""The hooks of .pre-commit-hooks.yaml, run by the real pre-commit in a scratch repository.

``pre-commit try-repo`` installs the hook's environment from the package index:
the one test allowed to use the network. Set MIGRATION_FIX_OFFLINE=1 to skip it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
BEFORE = (FIXTURES / "guide_boolean" / "before.py").read_bytes()
AFTER = (FIXTURES / "guide_boolean" / "after.py").read_bytes()

pytestmark = pytest.mark.skipif(
    os.environ.get("MIGRATION_FIX_OFFLINE") == "1",
    reason="MIGRATION_FIX_OFFLINE=1: pre-commit try-repo needs the package index",
)


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One hook environment for the whole module: installing it is the slow part."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with a staged migration and a staged non-migration."""
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "user.email", "test@example.com")
    git(tmp_path, "config", "user.name", "test")
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    (versions / "9c386e4052be_add_flag.py").write_bytes(BEFORE)
    (tmp_path / "app.py").write_bytes(BEFORE)  # not in a versions/ folder: not matched
    git(tmp_path, "add", ".")
    return tmp_path


def try_repo(repo: Path, hook: str, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), hook, "--all-files"],
        cwd=repo,
        capture_output=True,
        text=True,
        env={**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"},
        timeout=600,
    )


def test_write_hook_fixes_staged_migrations_only(repo: Path, pre_commit_home: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    first = try_repo(repo, "migration-fix", pre_commit_home)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "files were modified by this hook" in first.stdout
    assert (repo / "migrations" / "versions" / "9c386e4052be_add_flag.py").read_bytes() == AFTER
    assert (repo / "app.py").read_bytes() == BEFORE

    git(repo, "add", ".")
    second = try_repo(repo, "migration-fix", pre_commit_home)
    assert second.returncode == 0, second.stdout + second.stderr


def test_check_hook_reports_and_writes_nothing(repo: Path, pre_commit_home: Path) -> None:
    result = try_repo(repo, "migration-fix-check", pre_commit_home)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "MF101" in result.stdout
    assert (repo / "migrations" / "versions" / "9c386e4052be_add_flag.py").read_bytes() == BEFORE

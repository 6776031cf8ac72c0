"""What the numbers were measured on: hardware, Python, package versions, source revision.

Why: a timing means nothing without the machine and the versions beside it,
and migration-fix's source changes under the benchmark, so where it was
imported from is recorded too: this checkout's commit (and whether src/ had
uncommitted edits), or the folder of another copy, e.g. a snapshot of a commit
put first on PYTHONPATH so that edits made during a long run cannot reach it.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import platform
import subprocess
from pathlib import Path

PACKAGES = ("migration-fix", "libcst", "SQLAlchemy", "click", "ruff", "pyupgrade")


def cpu_model() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.processor() or "unknown"
    for line in lines:
        key, _, value = line.partition(":")
        if key.strip() == "model name":
            return value.strip()
    return platform.processor() or "unknown"


def memory_gib() -> str:
    try:
        lines = Path("/proc/meminfo").read_text().splitlines()
    except OSError:
        return "unknown"
    for line in lines:
        if line.startswith("MemTotal:"):
            return f"{int(line.split()[1]) / 1024**2:.1f} GiB"
    return "unknown"


def cores() -> str:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{usable} usable of {os.cpu_count()}"


def load_average() -> str:
    """Other work on the machine skews every timing; this says how much there was."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min, at the start)"


def package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def migration_fix_source(repository: Path) -> str:
    """The commit of this checkout when migration_fix is imported from it, else its folder."""
    spec = importlib.util.find_spec("migration_fix")
    if spec is None or spec.origin is None:
        return "not importable"
    folder = Path(spec.origin).resolve().parent
    if folder != repository / "src" / "migration_fix":
        return str(folder)
    return source_revision(repository)


def source_revision(repository: Path) -> str:
    """``9c85fa9``, with a note when src/ differs from that commit."""
    try:
        commit = _git(repository, "rev-parse", "--short", "HEAD")
        edited = _git(repository, "status", "--porcelain", "--", "src")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{commit} + uncommitted edits in src/" if edited else commit


def _git(repository: Path, *arguments: str) -> str:
    completed = subprocess.run(
        ["git", *arguments], cwd=repository, capture_output=True, text=True, check=True
    )
    return completed.stdout.strip()


def description(repository: Path) -> list[tuple[str, str]]:
    """(what, value) rows for the results' machine table."""
    rows = [
        ("CPU", cpu_model()),
        ("Cores", cores()),
        ("Memory", memory_gib()),
        ("Load average", load_average()),
        ("OS", platform.platform()),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()})"),
        ("migration-fix source", migration_fix_source(repository)),
    ]
    rows += [(name, package_version(name)) for name in PACKAGES]
    return rows

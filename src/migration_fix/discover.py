"""Find the files to check: named files as they are, folders by their revision scripts."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

# A revision script assigns both names at the top level of the module.
REVISION = re.compile(rb"^revision\s*(?::[^=\n]*)?=", re.MULTILINE)
DOWN_REVISION = re.compile(rb"^down_revision\s*(?::[^=\n]*)?=", re.MULTILINE)
SKIPPED_FOLDERS = frozenset({".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", "__pycache__", "node_modules"})


@dataclass(frozen=True)
class Target:
    """A path to process, or the reason it cannot be."""

    path: str
    error: str | None = None


def is_revision_script(path: Path) -> bool:
    try:
        head = path.read_bytes()
    except OSError:
        return False
    return bool(REVISION.search(head) and DOWN_REVISION.search(head))


def find_targets(paths: Iterable[str]) -> list[Target]:
    """Files named on the command line, then revision scripts found in folders.

    Output order is deterministic: as given for files, sorted within a folder,
    and each path once.
    """
    seen: set[str] = set()
    targets: list[Target] = []
    for raw in paths:
        for target in _expand(raw):
            if target.path not in seen:
                seen.add(target.path)
                targets.append(target)
    return targets


def _expand(raw: str) -> Iterator[Target]:
    path = Path(raw)
    if path.is_dir():
        found = False
        for file in _python_files(path):
            if is_revision_script(file):
                found = True
                yield Target(str(file))
        if not found:
            yield Target(raw, "no Alembic revision scripts found in this folder")
    elif path.exists():
        yield Target(raw)
    else:
        yield Target(raw, "no such file or folder")


def _python_files(folder: Path) -> Iterator[Path]:
    for root, folders, files in os.walk(folder):
        folders[:] = sorted(name for name in folders if name not in SKIPPED_FOLDERS)
        for name in sorted(files):
            if name.endswith(".py"):
                yield Path(root, name)

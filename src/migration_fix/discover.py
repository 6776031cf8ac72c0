"""Find the files to check: named files as they are, folders by their revision scripts.

Then leave history alone: ``exclude`` globs, and a ``baseline`` revision whose
ancestors (and itself) are not checked. Excludes prune folders while walking;
files named on the command line are checked whatever they match unless
``force_exclude`` is set, as with ruff (pre-commit names every file, so its
hooks pass ``--force-exclude``). The baseline follows the same rule.

Revision ids are read with a regular expression on the top-level
``revision``/``down_revision`` assignments: nothing is imported or parsed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePath
from typing import NamedTuple


def _line_start(name: bytes) -> bytes:
    """``name`` at the start of a line. Not ``^`` with MULTILINE: a pattern that
    starts with a literal is searched for at memchr speed (3x faster here)."""
    return name + rb"(?<![^\n]" + name + rb")"


# A revision script assigns both names at the top level of the module.
_ANNOTATION = rb"\s*(?::[^=\n]*)?="
REVISION = re.compile(_line_start(b"revision") + _ANNOTATION)
DOWN_REVISION = re.compile(_line_start(b"down_revision") + _ANNOTATION)
# Their values: a string, None, or a tuple/list of strings (maybe over lines).
_VALUE = _ANNOTATION + rb"[ \t]*(?P<value>\([^)]*\)|\[[^\]]*\]|[^\n#;]*)"
REVISION_VALUE = re.compile(_line_start(b"revision") + _VALUE)
DOWN_REVISION_VALUE = re.compile(_line_start(b"down_revision") + _VALUE)
STRING = re.compile(rb"""'([^'\\\n]*)'|"([^"\\\n]*)\"""")
SKIPPED_FOLDERS = frozenset(
    {".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", "__pycache__", "node_modules"}
)


class DiscoveryError(Exception):
    """A baseline that names no revision, or names several."""


class Target(NamedTuple):
    """A path to process, or the reason it cannot be.

    ``explicit``: named on the command line (or stdin's name), as opposed to
    found in a folder; excludes and the baseline skip it only with force-exclude.
    ``unchecked``: found in a folder that already holds a revision script, so
    discovery did not read it: whoever reads it skips it unless
    :func:`is_revision_source` (one read a file, not two).
    """

    path: str
    error: str | None = None
    explicit: bool = False
    unchecked: bool = False


class Root(NamedTuple):
    """Where to look: a file, or a folder searched for revision scripts.

    ``recursive``: also its subfolders. ``required``: a folder without any
    revision script is an error (a folder named on the command line), not
    merely empty (a version location of a new project). ``named``: given on
    the command line, so excluded only with force-exclude.
    """

    path: str
    recursive: bool = True
    required: bool = True
    named: bool = True


class Skipped(NamedTuple):
    path: str
    reason: str


class Discovery(NamedTuple):
    targets: list[Target]
    skipped: list[Skipped]


# -- exclude globs ---------------------------------------------------------------------


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob as ruff reads one: ``*`` and ``?`` within a path segment,
    ``**`` across segments, ``[...]``/``[!...]`` classes."""
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
            continue
        if pattern.startswith("**", index):
            out.append(".*")
            index += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and "]" in pattern[index + 2 :]:
            end = pattern.index("]", index + 2)
            body = pattern[index + 1 : end]
            negate = body.startswith("!")
            body = body[1:] if negate else body
            out.append("[" + ("^" if negate else "") + body.replace("\\", "\\\\") + "]")
            index = end + 1
            continue
        else:
            out.append(re.escape(char))
        index += 1
    return re.compile("".join(out))


class ExcludePattern(NamedTuple):
    """One ``exclude`` glob and the folder it is relative to.

    Without a ``/`` it matches a file or folder name anywhere (``env.py``,
    ``legacy_*``); with one it is a path from ``root`` (the folder of the
    pyproject.toml that set it, or the current folder for ``--exclude``), and
    excluding a folder excludes what is below it. A trailing ``/`` matches
    folders only.
    """

    pattern: str
    root: str

    @property
    def _parts(self) -> tuple[str, bool, bool]:
        text = self.pattern.replace(os.sep, "/")
        while text.startswith("./"):
            text = text[2:]
        folders_only = text.endswith("/")
        text = text.rstrip("/")
        return text, folders_only, "/" in text

    def matches(self, path: str, is_dir: bool = False) -> bool:
        text, folders_only, anchored = self._parts
        if not text:
            return False
        regex = glob_regex(text)
        absolute = PurePath(os.path.abspath(path))
        inside = _relative(absolute, PurePath(os.path.abspath(self.root)))
        if anchored:
            if os.path.isabs(text) or text.startswith("/"):
                parts, prefix = absolute.parts, absolute.anchor
                parts = parts[1:]
            elif inside is None:
                return False
            else:
                parts, prefix = inside, ""
            candidates = [prefix + "/".join(parts[: end + 1]) for end in range(len(parts))]
        else:
            candidates = list(inside if inside is not None else absolute.parts[1:])
        if folders_only and not is_dir:
            candidates = candidates[:-1]
        return any(regex.fullmatch(candidate) for candidate in candidates)


def _relative(path: PurePath, root: PurePath) -> tuple[str, ...] | None:
    try:
        return path.relative_to(root).parts
    except ValueError:
        return None


# -- revisions -------------------------------------------------------------------------


def read_revision(source: bytes) -> tuple[str, tuple[str, ...]] | None:
    """``(revision, down_revisions)`` from the top-level assignments, or None
    when the file does not say them as literals."""
    found = REVISION_VALUE.search(source)
    if found is None:
        return None
    ids = _strings(found["value"])
    if len(ids) != 1:
        return None
    down = DOWN_REVISION_VALUE.search(source)
    return ids[0], tuple(_strings(down["value"])) if down else ()


def _strings(value: bytes) -> list[str]:
    return [
        (single or double).decode("utf-8", "replace") for single, double in STRING.findall(value)
    ]


class RevisionGraph:
    """The ``revision``/``down_revision`` graph of the revision scripts in some folders."""

    def __init__(self) -> None:
        self.parents: dict[str, tuple[str, ...]] = {}
        self.by_path: dict[str, str] = {}
        self.folders: list[str] = []
        self._seen_folders: set[str] = set()

    def add_folder(self, folder: Path) -> None:
        key = os.path.realpath(folder)
        if key in self._seen_folders:
            return
        self._seen_folders.add(key)
        self.folders.append(str(folder))
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            return
        for name in names:
            if name.endswith(".py"):
                self.add_file(folder / name)

    def add_file(self, path: Path, source: bytes | None = None) -> str | None:
        if source is None:
            try:
                source = path.read_bytes()
            except OSError:
                return None
        found = read_revision(source)
        if found is None:
            return None
        revision, down = found
        self.parents.setdefault(revision, down)
        self.by_path[os.path.realpath(path)] = revision
        return revision

    def resolve(self, name: str) -> str:
        """A full revision id from an id or a unique prefix of one, as Alembic accepts."""
        if name in self.parents:
            return name
        matches = sorted(revision for revision in self.parents if revision.startswith(name))
        if len(matches) == 1:
            return matches[0]
        where = ", ".join(self.folders) or "no folder"
        if matches:
            raise DiscoveryError(f"baseline {name!r} is ambiguous: it starts {', '.join(matches)}")
        raise DiscoveryError(
            f"baseline revision {name!r} is not among the {len(self.parents)} revisions in {where}"
        )

    def descendants(self, baselines: Iterable[str]) -> set[str]:
        """Every revision with a baseline among its ancestors; merges follow any parent."""
        children: dict[str, list[str]] = {}
        for revision, parents in self.parents.items():
            for parent in parents:
                children.setdefault(parent, []).append(revision)
        found: set[str] = set()
        stack = [child for baseline in baselines for child in children.get(baseline, ())]
        while stack:
            revision = stack.pop()
            if revision not in found:
                found.add(revision)
                stack.extend(children.get(revision, ()))
        return found


# -- filters ---------------------------------------------------------------------------


class Filters(NamedTuple):
    """What to leave alone. ``version_folders``: the Alembic config's folders
    (with their ``recursive`` flag), read for the revision graph beside the
    folders of the checked files."""

    excludes: tuple[ExcludePattern, ...] = ()
    force_exclude: bool = False
    baselines: tuple[str, ...] = ()
    version_folders: tuple[tuple[Path, bool], ...] = ()

    def excluded(self, path: str, is_dir: bool = False) -> ExcludePattern | None:
        for pattern in self.excludes:
            if pattern.matches(path, is_dir):
                return pattern
        return None


class History:
    """Which files the baseline leaves alone, from the revision graph."""

    def __init__(self, filters: Filters) -> None:
        self.filters = filters
        self.graph = RevisionGraph()
        self._new: set[str] | None = None
        self._baselines: list[str] = []

    def prepare(self, paths: Iterable[str], sources: dict[str, bytes] | None = None) -> None:
        """Read the graph of the configured folders and those of ``paths``, then
        ``sources`` (stdin's content under its name); raises DiscoveryError for
        a baseline that is not there."""
        paths = list(paths)
        for folder, recursive in self.filters.version_folders:
            for sub in _folders(folder, recursive):
                self.graph.add_folder(sub)
        for path in paths:
            self.graph.add_folder(Path(path).parent)
        for path, source in (sources or {}).items():
            found = read_revision(source)
            if found is not None:
                self.graph.parents[found[0]] = found[1]
                self.graph.by_path[os.path.realpath(path)] = found[0]
        self._baselines = [self.graph.resolve(name) for name in self.filters.baselines]
        self._new = self.graph.descendants(self._baselines)

    def reason(self, path: str) -> str | None:
        """Why the baseline skips this file, or None to check it. A file whose
        revision cannot be read is checked."""
        assert self._new is not None, "prepare() first"
        current = self.graph.by_path.get(os.path.realpath(path))
        if current is None or current in self._new:
            return None
        if current in self._baselines:
            return f"the baseline revision {current}"
        return f"revision {current} is not after the baseline {', '.join(self._baselines)}"


def _folders(folder: Path, recursive: bool) -> Iterator[Path]:
    yield folder
    if recursive:
        for root, folders, _ in os.walk(folder):
            folders[:] = sorted(name for name in folders if name not in SKIPPED_FOLDERS)
            for name in folders:
                yield Path(root, name)


# -- discovery -------------------------------------------------------------------------


def is_revision_script(path: str) -> bool:
    try:
        with open(path, "rb") as stream:
            return is_revision_source(stream.read())
    except OSError:
        return False


def is_revision_source(source: bytes) -> bool:
    """Whether the module assigns ``revision`` and ``down_revision`` at its top level."""
    return bool(REVISION.search(source) and DOWN_REVISION.search(source))


def discover(paths: Iterable[str | Root], filters: Filters | None = None) -> Discovery:
    """Files named on the command line, then revision scripts found in folders,
    minus what the filters leave alone.

    Output order is deterministic: as given for files, sorted within a folder,
    and each path once. Raises DiscoveryError for a baseline not found.
    """
    filters = filters or Filters()
    result = Discovery([], [])
    seen: set[str] = set()
    for raw in paths:
        root = raw if isinstance(raw, Root) else Root(raw)
        for item in _expand(root, filters):
            if item.path in seen:
                continue
            seen.add(item.path)
            if isinstance(item, Skipped):
                result.skipped.append(item)
            else:
                result.targets.append(item)
    if filters.baselines:
        subject = [
            target
            for target in result.targets
            if target.error is None and (filters.force_exclude or not target.explicit)
        ]
        if subject:
            history = History(filters)
            history.prepare(target.path for target in subject)
            skip: dict[str, str] = {}
            for target in subject:
                reason = history.reason(target.path)
                if reason is not None:
                    skip[target.path] = reason
            result.skipped.extend(Skipped(path, reason) for path, reason in skip.items())
            result.targets[:] = [target for target in result.targets if target.path not in skip]
    return result


def _expand(root: Root, filters: Filters) -> Iterator[Target | Skipped]:
    raw = root.path
    path = Path(raw)
    is_dir = path.is_dir()
    if filters.force_exclude or not root.named:
        pattern = filters.excluded(raw, is_dir)
        if pattern is not None:
            yield Skipped(raw, f"excluded by {pattern.pattern!r}")
            return
    if is_dir:
        found = False
        for file in _python_files(path, root.recursive, filters):
            if isinstance(file, Skipped):
                found = True
                yield file
                continue
            pattern = filters.excluded(file)
            if found and pattern is None:
                yield Target(file, unchecked=True)
            elif is_revision_script(file):
                found = True
                if pattern is not None:
                    yield Skipped(file, f"excluded by {pattern.pattern!r}")
                else:
                    yield Target(file)
        if not found and root.required:
            yield Target(raw, "no Alembic revision scripts found in this folder", explicit=True)
    elif path.exists():
        yield Target(raw, explicit=True)
    elif root.required:
        yield Target(raw, "no such file or folder", explicit=True)
    else:
        yield Target(
            raw, "this version location of the Alembic config does not exist", explicit=True
        )


def _python_files(folder: Path, recursive: bool, filters: Filters) -> Iterator[str | Skipped]:
    for root, folders, files in os.walk(folder):
        kept = []
        for name in sorted(folders):
            if name in SKIPPED_FOLDERS or not recursive:
                continue
            pattern = filters.excluded(os.path.join(root, name), is_dir=True)
            if pattern is None:
                kept.append(name)
            else:
                yield Skipped(os.path.join(root, name), f"excluded by {pattern.pattern!r}")
        folders[:] = kept
        base = str(Path(root))  # as Path spells it: "sub", not "./sub"
        for name in sorted(files):
            if name.endswith(".py"):
                yield name if base == "." else os.path.join(base, name)

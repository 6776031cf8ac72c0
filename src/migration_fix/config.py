"""Settings from the command line, ``pyproject.toml`` and the Alembic config.

The one dialect resolver every entry point uses: ``--dialect``, else
``[tool.migration-fix] dialect``, else the ``sqlalchemy.url`` of the project's
Alembic config, else none (portable SQL).

Also read here: the rest of ``[tool.migration-fix]`` (excludes, baseline, code
selection, output format), every key checked on load so that a typo is an
error naming the file, and the folders an Alembic config keeps its revision
scripts in (``script_location``/``version_locations``), read the way Alembic
reads them but without importing it.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from .codes import CODES
from .settings import DIALECTS, NOT_NULL_STRATEGIES, STYLES, Settings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10
    import tomli as tomllib

if TYPE_CHECKING:
    import configparser

OUTPUT_FORMATS = ("text", "json", "github")
# key -> (kind, allowed values for a choice)
SCHEMA: dict[str, tuple[str, tuple[str, ...]]] = {
    "dialect": ("choice", DIALECTS),
    "style": ("choice", STYLES),
    "not-null-strategy": ("choice", NOT_NULL_STRATEGIES),
    "output-format": ("choice", OUTPUT_FORMATS),
    "exclude": ("strings", ()),
    "extend-exclude": ("strings", ()),
    "force-exclude": ("bool", ()),
    "baseline": ("string or strings", ()),
    "select": ("codes", ()),
    "ignore": ("codes", ()),
}
KNOWN_KEYS = frozenset(SCHEMA)
# The schemes of sqlalchemy.url that name one of our dialects.
URL_SCHEMES = {name: name for name in DIALECTS} | {"postgres": "postgresql"}
# Alembic's path_separator / version_path_separator values.
PATH_SEPARATORS = {"space": " ", "newline": "\n", "os": os.pathsep, ":": ":", ";": ";"}
LEGACY_SPLIT = re.compile(r", *| +")


class ConfigError(Exception):
    """A configuration file or value that cannot be used."""


class ProjectConfig(NamedTuple):
    """``[tool.migration-fix]`` of the nearest pyproject.toml, with its path."""

    path: Path | None
    values: dict[str, Any]

    @property
    def root(self) -> Path | None:
        """The folder relative patterns in the file are anchored to."""
        return self.path.parent if self.path else None

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml upward from ``start``, not past the repository root."""
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
        if (folder / ".git").exists():
            return None
    return None


def load_project_config(start: Path) -> ProjectConfig:
    """``[tool.migration-fix]`` upward from ``start``; every key and value checked."""
    path = find_pyproject(start)
    if path is None:
        return ProjectConfig(None, {})
    document = _read_toml(path)
    values = document.get("tool", {}).get("migration-fix", {})
    if not isinstance(values, dict):
        raise ConfigError(f"{path}: [tool.migration-fix] must be a table")
    unknown = sorted(set(values) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(
            f"{path}: unknown key [tool.migration-fix] {unknown[0]} "
            f"(known: {', '.join(sorted(KNOWN_KEYS))})"
        )
    for key, value in values.items():
        _check_value(path, key, value)
    return ProjectConfig(path, values)


def _check_value(path: Path, key: str, value: Any) -> None:
    kind, allowed = SCHEMA[key]
    where = f"{path}: [tool.migration-fix] {key} = {value!r}"
    strings = isinstance(value, list) and all(isinstance(item, str) for item in value)
    if kind == "choice" and value not in allowed:
        raise ConfigError(f"{where} is not one of " + ", ".join(allowed))
    if kind == "bool" and not isinstance(value, bool):
        raise ConfigError(f"{where} must be true or false")
    if kind == "strings" and not strings:
        raise ConfigError(f"{where} must be a list of strings")
    if kind == "string or strings" and not (isinstance(value, str) or strings):
        raise ConfigError(f"{where} must be a revision id or a list of them")
    if kind == "codes":
        if not strings:
            raise ConfigError(f'{where} must be a list of codes, e.g. ["MF102"]')
        try:
            check_selectors(value)
        except ValueError as error:
            raise ConfigError(f"{where}: {error}") from error


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as stream:
            return tomllib.load(stream)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from error


def resolve_settings(
    start: Path,
    dialect: str | None = None,
    style: str | None = None,
    not_null_strategy: str | None = None,
    alembic: AlembicConfig | None = None,
    project: ProjectConfig | None = None,
) -> Settings:
    """Command-line values win over pyproject.toml, which wins over the Alembic
    config: ``alembic`` if given, else the one beside the pyproject.toml."""
    if project is None:
        project = load_project_config(start)
    chosen_dialect = dialect or _checked(project, "dialect", DIALECTS)
    if chosen_dialect is None:
        if alembic is not None:
            chosen_dialect = dialect_of_url(alembic.url) if alembic.url else None
        else:
            root = project.path.parent if project.path else start
            chosen_dialect = dialect_from_alembic_config(root)
    return Settings(
        dialect=chosen_dialect,
        style=style or _checked(project, "style", STYLES) or "auto",
        not_null_strategy=not_null_strategy
        or _checked(project, "not-null-strategy", NOT_NULL_STRATEGIES)
        or "backfill",
    )


def _checked(project: ProjectConfig, key: str, allowed: tuple[str, ...]) -> str | None:
    value = project.values.get(key)
    if value is not None and value not in allowed:
        raise ConfigError(
            f"{project.path}: [tool.migration-fix] {key} = {value!r} is not one of "
            + ", ".join(allowed)
        )
    return value


def dialect_from_alembic_config(folder: Path) -> str | None:
    """The dialect of ``sqlalchemy.url`` in alembic.ini or ``[tool.alembic]``."""
    url = _url_from_ini(folder / "alembic.ini") or _url_from_pyproject(folder / "pyproject.toml")
    return dialect_of_url(url) if url else None


def dialect_of_url(url: str) -> str | None:
    """``postgresql+psycopg2://...`` -> ``postgresql``; placeholders give None."""
    scheme = url.split("://", 1)[0] if "://" in url else url.split(":", 1)[0]
    return URL_SCHEMES.get(scheme.split("+", 1)[0].strip().lower())


def _url_from_ini(path: Path) -> str | None:
    parser = _read_ini(path, interpolation=None)
    return parser.get("alembic", "sqlalchemy.url", fallback=None) if parser is not None else None


def _read_ini(path: Path, **options: Any) -> configparser.ConfigParser | None:
    """An ini file, or None where there is none. configparser is imported here:
    a project whose Alembic config lives in pyproject.toml never loads it."""
    if not path.is_file():
        return None
    import configparser

    parser = configparser.ConfigParser(**options)
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as error:
        raise ConfigError(f"{path}: cannot read: {error}") from error
    return parser


def _url_from_pyproject(path: Path) -> str | None:
    if not path.is_file():
        return None
    alembic = _read_toml(path).get("tool", {}).get("alembic", {})
    url = alembic.get("sqlalchemy.url") or alembic.get("sqlalchemy_url")
    return url if isinstance(url, str) else None


# -- rule selection ----------------------------------------------------------------


def parse_codes(text: str) -> list[str]:
    """``"MF101, mf102"`` -> ``["MF101", "MF102"]``; checked like the config's lists."""
    selectors = [part.strip().upper() for part in text.split(",") if part.strip()]
    check_selectors(selectors)
    return selectors


def check_selectors(selectors: Sequence[str]) -> None:
    """``ALL``, a code, or a prefix of one (``MF1``), as ruff accepts them."""
    for selector in selectors:
        name = selector.upper()
        if name != "ALL" and not any(code.startswith(name) for code in CODES):
            raise ValueError(
                f"unknown code or prefix {selector!r} (known: ALL, {', '.join(CODES)})"
            )


class Selection(NamedTuple):
    """The codes a run reports, and fixes: a de-selected fixable code is not fixed."""

    enabled: frozenset[str]

    @property
    def deselected(self) -> frozenset[str]:
        return frozenset(CODES) - self.enabled

    def __contains__(self, code: object) -> bool:
        return code in self.enabled


def resolve_selection(
    layers: Sequence[tuple[Sequence[str] | None, Sequence[str] | None]],
) -> Selection:
    """Ruff's rule: each layer (the config file, then the command line) either
    selects afresh (``select``) or refines what the layer before left; within a
    layer the more specific selector wins, ``ignore`` on a tie."""
    enabled = set(CODES)
    for select, ignore in layers:
        ignore = [item.upper() for item in ignore or ()]
        if select is not None:
            select = [item.upper() for item in select]
            enabled = set()
            for code in CODES:
                chosen = _specificity(code, select)
                ignored = _specificity(code, ignore)
                if chosen is not None and (ignored is None or chosen > ignored):
                    enabled.add(code)
        else:
            enabled = {code for code in enabled if _specificity(code, ignore) is None}
    return Selection(frozenset(enabled))


def _specificity(code: str, selectors: Sequence[str]) -> int | None:
    """How much of ``code`` the most specific matching selector names (ALL: 0)."""
    lengths = [
        0 if selector == "ALL" else len(selector)
        for selector in selectors
        if selector == "ALL" or code.startswith(selector)
    ]
    return max(lengths) if lengths else None


# -- the Alembic config: where the revision scripts are ---------------------------------


class AlembicConfig(NamedTuple):
    """What migration-fix needs from an Alembic config.

    ``path`` is the file that set ``script_location``; ``version_folders`` are
    the folders Alembic loads revision scripts from: ``version_locations`` when
    set, else ``<script_location>/versions``, as Alembic does.
    """

    path: Path
    script_location: Path
    version_folders: tuple[Path, ...]
    recursive: bool
    url: str | None


def find_alembic_config(
    cwd: Path, explicit: Path | None = None, environ: Mapping[str, str] | None = None
) -> AlembicConfig | None:
    """The Alembic config as ``alembic`` run in ``cwd`` would read it.

    ``explicit`` (``--config``) names an alembic.ini or a pyproject.toml; the
    other file keeps its default (``$ALEMBIC_CONFIG``, else ``alembic.ini``;
    ``pyproject.toml``), as with ``alembic -c``. Options are looked up in the
    ini's ``[alembic]`` first, then in ``[tool.alembic]`` (Alembic 1.16+).
    None when neither file sets ``script_location`` and none was named.
    """
    environ = os.environ if environ is None else environ
    env = environ.get("ALEMBIC_CONFIG")
    ini = cwd / "alembic.ini"
    toml = cwd / "pyproject.toml"
    if env:
        if Path(env).name == "pyproject.toml":
            toml = cwd / env
        else:
            ini = cwd / env
    if explicit is not None:
        explicit = cwd / explicit
        if not explicit.is_file():
            raise ConfigError(f"{explicit}: no such Alembic config file")
        if explicit.suffix == ".toml":
            toml = explicit
        else:
            ini = explicit
    sources = [source for source in (_ini_options(ini), _toml_options(toml)) if source]
    script_location = _option(sources, "script_location")
    if script_location is None:
        if explicit is not None:
            raise ConfigError(
                f"{explicit}: no script_location in [alembic] or [tool.alembic]: "
                "is this an Alembic config?"
            )
        return None
    where, location = script_location
    folder = _location(cwd, location, where)
    versions = _version_locations(sources, cwd)
    recursive = _option(sources, "recursive_version_locations")
    url = _option(sources, "sqlalchemy.url", raw=True)
    return AlembicConfig(
        path=where,
        script_location=folder,
        version_folders=tuple(versions) if versions else (folder / "versions",),
        recursive=bool(recursive) and recursive[1] in (True, "true"),
        url=url[1] if url and isinstance(url[1], str) else None,
    )


class _Options(NamedTuple):
    path: Path
    parser: configparser.ConfigParser | None = None
    table: dict[str, Any] | None = None


def _ini_options(path: Path) -> _Options | None:
    parser = _read_ini(path, defaults={"here": path.absolute().parent.as_posix()})
    return _Options(path, parser=parser) if parser is not None and parser.has_section("alembic") else None


def _toml_options(path: Path) -> _Options | None:
    if not path.is_file():
        return None
    table = _read_toml(path).get("tool", {}).get("alembic")
    return _Options(path, table=table) if isinstance(table, dict) else None


def _option(sources: list[_Options], name: str, raw: bool = False) -> tuple[Path, Any] | None:
    """The first source that sets ``name``: the ini, then the toml, as Alembic reads them."""
    for source in sources:
        if source.parser is not None and source.parser.has_option("alembic", name):
            import configparser  # loaded already: _read_ini made the parser

            try:
                return source.path, source.parser.get("alembic", name, raw=raw)
            except configparser.Error as error:
                raise ConfigError(f"{source.path}: cannot read {name}: {error}") from error
        if source.table is not None and name in source.table:
            value = source.table[name]
            here = {"here": source.path.absolute().parent.as_posix()}
            try:
                if isinstance(value, str) and not raw:
                    value = value % here
                elif isinstance(value, list) and not raw:
                    value = [item % here if isinstance(item, str) else item for item in value]
            except (KeyError, ValueError, TypeError) as error:
                raise ConfigError(f"{source.path}: cannot read {name}: {error}") from error
            return source.path, value
    return None


def _version_locations(sources: list[_Options], cwd: Path) -> list[Path]:
    """``version_locations`` split as Alembic splits it (``path_separator``,
    the older ``version_path_separator``, else spaces and commas)."""
    for source in sources:
        if source.parser is not None and source.parser.get(
            "alembic", "version_locations", fallback=None
        ):
            text = source.parser.get("alembic", "version_locations")
            separator = None
            for name in ("path_separator", "version_path_separator"):
                value = _option(sources, name)
                if value is not None:
                    if value[1] not in PATH_SEPARATORS:
                        raise ConfigError(
                            f"{value[0]}: {name} = {value[1]!r} is not one of "
                            + ", ".join(PATH_SEPARATORS)
                        )
                    separator = PATH_SEPARATORS[value[1]]
                    break
            parts = LEGACY_SPLIT.split(text) if separator is None else text.split(separator)
            return [_location(cwd, part.strip(), source.path) for part in parts if part.strip()]
        if source.table is not None and "version_locations" in source.table:
            value = _option([source], "version_locations")
            items = value[1] if value else None
            if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
                raise ConfigError(
                    f"{source.path}: [tool.alembic] version_locations must be a list of strings"
                )
            return [_location(cwd, item, source.path) for item in items]
    return []


def _location(cwd: Path, value: str, where: Path) -> Path:
    """A folder as Alembic finds it: a path (relative to the current folder,
    where ``alembic`` runs), or ``package:folder`` inside an installed package."""
    if not os.path.isabs(value) and ":" in value:
        package, _, inner = value.partition(":")
        import importlib.util  # only for a package:folder location

        try:
            spec = importlib.util.find_spec(package)
        except (ImportError, ValueError) as error:
            raise ConfigError(f"{where}: cannot find the package of {value}: {error}") from error
        if spec is None or not spec.submodule_search_locations:
            raise ConfigError(f"{where}: cannot find the package of {value}")
        return Path(next(iter(spec.submodule_search_locations)), *inner.split(":"))
    return cwd / value

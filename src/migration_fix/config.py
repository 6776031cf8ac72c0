"""Settings from the command line, ``pyproject.toml`` and the Alembic config.

The one dialect resolver every entry point uses: ``--dialect``, else
``[tool.migration-fix] dialect``, else the ``sqlalchemy.url`` of the project's
Alembic config, else none (portable SQL).
"""

from __future__ import annotations

import configparser
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .model import Settings
from .sql import DIALECTS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10
    import tomli as tomllib

STYLES = ("auto", "sql", "core")
NOT_NULL_STRATEGIES = ("backfill", "server-default")
KNOWN_KEYS = frozenset({"dialect", "style", "not-null-strategy"})
# The schemes of sqlalchemy.url that name one of our dialects.
URL_SCHEMES = {name: name for name in DIALECTS} | {"postgres": "postgresql"}


class ConfigError(Exception):
    """A configuration file or value that cannot be used."""


@dataclass(frozen=True)
class ProjectConfig:
    """``[tool.migration-fix]`` of the nearest pyproject.toml, with its path."""

    path: Path | None
    values: dict[str, Any]


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
    path = find_pyproject(start)
    if path is None:
        return ProjectConfig(None, {})
    document = _read_toml(path)
    values = document.get("tool", {}).get("migration-fix", {})
    unknown = sorted(set(values) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(f"{path}: unknown key [tool.migration-fix] {unknown[0]}")
    return ProjectConfig(path, values)


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
) -> Settings:
    """Command-line values win over pyproject.toml, which wins over alembic.ini."""
    project = load_project_config(start)
    chosen_dialect = dialect or _checked(project, "dialect", DIALECTS)
    if chosen_dialect is None:
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
    if not path.is_file():
        return None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as error:
        raise ConfigError(f"{path}: cannot read: {error}") from error
    return parser.get("alembic", "sqlalchemy.url", fallback=None)


def _url_from_pyproject(path: Path) -> str | None:
    if not path.is_file():
        return None
    alembic = _read_toml(path).get("tool", {}).get("alembic", {})
    url = alembic.get("sqlalchemy.url") or alembic.get("sqlalchemy_url")
    return url if isinstance(url, str) else None

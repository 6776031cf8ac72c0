"""The choices a run makes, shared by every entry point.

Kept apart from the planner's records so that the command line can read its
configuration without loading them: a run whose files need nothing stops early.
"""

from __future__ import annotations

from dataclasses import dataclass

DIALECTS = ("postgresql", "mysql", "mariadb", "sqlite", "mssql", "oracle")
STYLES = ("auto", "sql", "core")
NOT_NULL_STRATEGIES = ("backfill", "server-default")


@dataclass(frozen=True)
class Settings:
    """The database dialect (None: portable SQL), the backfill style, and how a
    NOT NULL column with a Python-side default is added."""

    dialect: str | None = None
    style: str = "auto"
    not_null_strategy: str = "backfill"

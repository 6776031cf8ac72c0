"""The choices a run makes, shared by every entry point.

Kept apart from the planner's records so that the command line can read its
configuration without loading them: a run whose files need nothing stops early.
Like every record the command line builds before a file needs work, this is a
NamedTuple, not a dataclass: creating a dataclass costs about 0.3 ms, and
twenty of them were a tenth of a hook run on a file that needs nothing.
"""

from __future__ import annotations

from typing import NamedTuple

DIALECTS = ("postgresql", "mysql", "mariadb", "sqlite", "mssql", "oracle")
STYLES = ("auto", "sql", "core")
NOT_NULL_STRATEGIES = ("backfill", "server-default")


class Settings(NamedTuple):
    """The database dialect (None: portable SQL), the backfill style, and how a
    NOT NULL column with a Python-side default is added."""

    dialect: str | None = None
    style: str = "auto"
    not_null_strategy: str = "backfill"

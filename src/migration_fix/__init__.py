"""migration-fix: write the backfill that a Python-side ``default=`` never does."""

__version__ = "0.1.0"

# The autogenerate hook needs Alembic; the CLI must not pay for importing it.
AUTOGENERATE_EXPORTS = frozenset({"backfill_defaults", "combine", "BackfillOp", "NoBackfillOp"})


def __getattr__(name: str) -> object:
    """``from migration_fix import backfill_defaults`` imports Alembic only then."""
    if name in AUTOGENERATE_EXPORTS:
        from . import autogenerate

        return getattr(autogenerate, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

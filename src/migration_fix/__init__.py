"""migration-fix: write the backfill that a Python-side ``default=`` never does."""

__version__ = "0.1.0"

# The autogenerate hook needs Alembic; the CLI must not pay for importing it.
AUTOGENERATE_EXPORTS = frozenset({"backfill_defaults", "combine", "BackfillOp", "NoBackfillOp"})
# The libcst codemod command needs libcst, which a run that fixes nothing never imports.
CODEMOD_EXPORTS = frozenset({"AddBackfills"})


def __getattr__(name: str) -> object:
    """``from migration_fix import backfill_defaults`` imports Alembic only then, and
    ``from migration_fix import AddBackfills`` libcst."""
    if name in AUTOGENERATE_EXPORTS:
        from . import autogenerate

        return getattr(autogenerate, name)
    if name in CODEMOD_EXPORTS:
        from . import codemod

        return getattr(codemod, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The lazy exports too, without importing them."""
    return sorted({*globals(), *AUTOGENERATE_EXPORTS, *CODEMOD_EXPORTS})

"""migration-fix: write the backfill that a Python-side ``default=`` never does."""

__version__ = "0.1.0"

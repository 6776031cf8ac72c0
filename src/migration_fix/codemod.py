"""migration-fix as a libcst codemod command.

    python -m libcst.tool codemod -x --no-format migration_fix.AddBackfills migrations/versions

``-x`` (``--external``) makes libcst import the command by its module path;
without ``--no-format`` libcst pipes every changed file through its configured
formatter (black by default), which rewrites far more than the backfill.

The command is a thin adapter over the same core as the CLI: the tree libcst
parsed is turned back into the file's bytes, :func:`migration_fix.fix.fix_source`
plans, transforms and safety-checks them, and the result is parsed again. So
the codemod writes exactly what ``migration-fix --write`` writes.

This module imports libcst; ``migration_fix`` exports :class:`AddBackfills`
lazily so that neither ``import migration_fix`` nor the CLI pay for it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import libcst as cst
from libcst.codemod import CodemodCommand, CodemodContext, SkipFile

from .config import (
    find_alembic_config,
    load_project_config,
    parse_codes,
    resolve_selection,
    resolve_settings,
)
from .fix import fix_source
from .model import Finding
from .report import finding_line
from .settings import DIALECTS, NOT_NULL_STRATEGIES, STYLES, Settings


class AddBackfills(CodemodCommand):
    """Writes the backfill after each ``op.add_column`` whose column has a Python-side default."""

    DESCRIPTION: str = (
        "Write the backfill that a Python-side default= never does into Alembic "
        "migrations (migration-fix). Run with --no-format to keep every other byte."
    )

    def __init__(
        self,
        context: CodemodContext,
        dialect: str | None = None,
        style: str | None = None,
        not_null_strategy: str | None = None,
        select: list[str] | None = None,
        ignore: list[str] | None = None,
    ) -> None:
        super().__init__(context)
        self.dialect = dialect
        self.style = style
        self.not_null_strategy = not_null_strategy
        self.select = select
        self.ignore = ignore
        self._resolved: tuple[Settings, frozenset[str]] | None = None

    @staticmethod
    def add_args(arg_parser: argparse.ArgumentParser) -> None:
        arg_parser.add_argument(
            "--dialect",
            choices=DIALECTS,
            default=None,
            help="The database the migrations run on; default: pyproject.toml "
            "[tool.migration-fix], then the Alembic config's sqlalchemy.url, else portable SQL.",
        )
        arg_parser.add_argument(
            "--style",
            choices=STYLES,
            default=None,
            help="sql: plain SQL strings; core: SQLAlchemy Core statements; auto (default).",
        )
        arg_parser.add_argument(
            "--not-null-strategy",
            dest="not_null_strategy",
            choices=NOT_NULL_STRATEGIES,
            default=None,
            help="A NOT NULL column with a Python default: backfill (default) or server-default.",
        )
        arg_parser.add_argument(
            "--select",
            type=_codes,
            default=None,
            metavar="CODES",
            help="Only these codes or prefixes (MF1), comma-separated.",
        )
        arg_parser.add_argument(
            "--ignore",
            type=_codes,
            default=None,
            metavar="CODES",
            help="Not these codes or prefixes, comma-separated; an ignored fixable code is not fixed.",
        )

    def resolved_settings(self) -> tuple[Settings, frozenset[str]]:
        """The settings and de-selected codes, resolved as the CLI resolves them
        from the current folder (pyproject.toml, the Alembic config); once per instance."""
        if self._resolved is None:
            cwd = Path.cwd()
            project = load_project_config(cwd)
            settings = resolve_settings(
                cwd,
                self.dialect,
                self.style,
                self.not_null_strategy,
                alembic=find_alembic_config(cwd),
                project=project,
            )
            selection = resolve_selection(
                [(project.get("select"), project.get("ignore")), (self.select, self.ignore)]
            )
            self._resolved = settings, selection.deselected
        return self._resolved

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        settings, deselected = self.resolved_settings()
        result = fix_source(tree.bytes, settings, ignore=deselected)
        for finding in result.findings:
            if not finding.fixable and finding.code not in deselected:
                self.warn(self._describe(finding))
        if not result.changed:
            # On a file, SkipFile makes libcst count it as skipped. Reading
            # stdin ("-"), libcst treats a skip as a failure and prints nothing,
            # so there the unchanged tree is returned instead.
            if self.context.filename:
                raise SkipFile("no backfill needed")
            return tree
        return cst.parse_module(result.output)

    def _describe(self, finding: Finding) -> str:
        return finding_line(self.context.filename or "<stdin>", finding)


def _codes(text: str) -> list[str]:
    """``--select MF101,mf102``, checked as the CLI checks it."""
    try:
        return parse_codes(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


__all__ = ["AddBackfills"]

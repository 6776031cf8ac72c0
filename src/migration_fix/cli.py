"""The command line: the only part of migration-fix that reads and writes files."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import click

from . import __version__
from .codes import CODES, explain
from .config import NOT_NULL_STRATEGIES, STYLES, ConfigError, resolve_settings
from .discover import Target, find_targets
from .fix import FixResult, SourceError, fix_source
from .model import Settings
from .report import finding_line, plural, print_to, unified_diff, use_color
from .sql import DIALECTS
from .verify import SafetyError
from .writer import write_atomically

EXIT_CLEAN, EXIT_NEEDS_PERSON, EXIT_ERROR = 0, 1, 2

EXAMPLES = """\b
Examples:
  migration-fix migrations/versions              show the backfills as a diff
  migration-fix --write migrations/versions      write them into the files
  migration-fix --check migrations/versions      only report (CI)
  migration-fix --dialect postgresql --write migrations/versions/3f2a_add_flag.py
  migration-fix --explain MF104

\b
Exit codes: 0 nothing left to do; 1 a file would change or a finding needs
a person; 2 usage error, or a path that cannot be read, parsed or written.
"""


@dataclass(frozen=True)
class Options:
    write: bool
    show_diff: bool
    check: bool
    quiet: bool
    verbose: bool
    color: bool
    settings: Settings


@dataclass
class Outcome:
    """What happened to one path."""

    path: str
    result: FixResult | None = None
    error: str | None = None
    error_at: tuple[int, int] | None = None
    written: bool = False

    def error_line(self) -> str:
        """``path:line:col: error: message``, the location only where known."""
        where = f"{self.path}:{self.error_at[0]}:{self.error_at[1]}" if self.error_at else self.path
        return f"{where}: error: {self.error}"


@dataclass
class Totals:
    files_changed: int = 0
    backfills: int = 0
    findings: int = 0
    errors: int = 0
    exit_code: int = EXIT_CLEAN
    outcomes: list[Outcome] = field(default_factory=list)

    def raise_exit(self, code: int) -> None:
        self.exit_code = max(self.exit_code, code)


def process(target: Target, options: Options) -> Outcome:
    """Read, fix and (with --write) write one file; never raises for bad input."""
    if target.error:
        return Outcome(target.path, error=target.error)
    try:
        source = Path(target.path).read_bytes()
    except OSError as error:
        return Outcome(target.path, error=f"cannot read: {error.strerror or error}")
    try:
        result = fix_source(source, options.settings)
    except SourceError as error:
        return Outcome(target.path, error=error.message, error_at=(error.line, error.column))
    except SafetyError as error:
        return Outcome(target.path, error=f"internal error: {error}; nothing written, please report")
    except Exception as error:  # a bug of ours must not stop the other files
        if options.verbose:
            traceback.print_exc()
        return Outcome(
            target.path, error=f"internal error: {type(error).__name__}: {error}; nothing written"
        )
    outcome = Outcome(target.path, result)
    if options.write and result.changed:
        try:
            write_atomically(target.path, result.output, source)
        except OSError as error:
            outcome.error = f"cannot write: {error.strerror or error}; file left as it was"
        else:
            outcome.written = True
    return outcome


def report(outcome: Outcome, options: Options, totals: Totals) -> None:
    """Print one path's diff, findings and errors, and add it to the totals."""
    out, err = sys.stdout, sys.stderr
    totals.outcomes.append(outcome)
    result = outcome.result
    if result is not None:
        backfills = result.plan.backfill_count
        if result.changed:
            totals.files_changed += 1
            totals.backfills += backfills
            if not options.write:
                totals.raise_exit(EXIT_NEEDS_PERSON)
            if options.show_diff or not (options.write or options.check):
                before = result.source.decode(result.encoding)
                after = result.output.decode(result.encoding)
                out.write(unified_diff(outcome.path, before, after, options.color))
            if outcome.written and not options.quiet:
                print_to(err, f"Rewriting {outcome.path} ({plural(backfills, 'backfill')})")
        for finding in result.findings:
            if finding.fixable and not options.check:
                continue
            if not finding.fixable:
                totals.findings += 1
                totals.raise_exit(EXIT_NEEDS_PERSON)
            print_to(out, finding_line(outcome.path, finding))
        if options.verbose and not result.changed and not result.findings:
            print_to(err, f"Unchanged {outcome.path}")
    if outcome.error:
        totals.errors += 1
        totals.raise_exit(EXIT_ERROR)
        print_to(err, outcome.error_line())


def summary(totals: Totals, options: Options) -> str:
    verb = "rewritten" if options.write else "would be rewritten"
    parts = [f"{plural(totals.files_changed, 'file')} {verb} ({plural(totals.backfills, 'backfill')})"]
    parts.append(plural(totals.findings, "finding"))
    if totals.errors:
        parts.append(plural(totals.errors, "error"))
    return ", ".join(parts)


def run(paths: Sequence[str], options: Options) -> int:
    totals = Totals()
    for target in find_targets(paths):
        report(process(target, options), options, totals)
    if not options.quiet:
        print_to(sys.stderr, summary(totals, options))
    return totals.exit_code


@click.command(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EXAMPLES,
)
@click.argument("paths", nargs=-1, type=click.Path(), metavar="PATH...")
@click.option("--write", is_flag=True, help="Rewrite the files in place.")
@click.option("--diff", "show_diff", is_flag=True, help="Print a unified diff (the default without --write).")
@click.option("--check", is_flag=True, help="Only report: no diff, exit 1 if anything would change.")
@click.option(
    "--dialect",
    type=click.Choice(DIALECTS),
    help="The database the migrations run on; default: pyproject.toml, then alembic.ini, "
    "else SQL valid on PostgreSQL, MySQL/MariaDB and SQLite.",
)
@click.option(
    "--style",
    type=click.Choice(STYLES),
    help="sql: plain SQL strings; core: SQLAlchemy Core statements; auto (default): SQL where "
    "one text is right for the database, else Core.",
)
@click.option(
    "--not-null-strategy",
    type=click.Choice(NOT_NULL_STRATEGIES),
    help="A NOT NULL column with a Python default: backfill (default): add it nullable, "
    "UPDATE, set NOT NULL; server-default: add it with a server default, then drop it "
    "(no UPDATE: fast on large tables).",
)
@click.option(
    "--color",
    type=click.Choice(("auto", "always", "never")),
    default="auto",
    show_default=True,
    help="Colour the diff; auto means on a terminal and without NO_COLOR.",
)
@click.option("-q", "--quiet", is_flag=True, help="No Rewriting lines or summary; errors still print.")
@click.option("-v", "--verbose", is_flag=True, help="Also list unchanged files; tracebacks for internal errors.")
@click.option("--explain", metavar="CODE", help="Explain a diagnostic code, e.g. MF101, and exit.")
@click.version_option(__version__, "--version", prog_name="migration-fix")
def command(
    paths: tuple[str, ...],
    write: bool,
    show_diff: bool,
    check: bool,
    dialect: str | None,
    style: str | None,
    not_null_strategy: str | None,
    color: str,
    quiet: bool,
    verbose: bool,
    explain: str | None,
) -> int:
    """Write the backfill that a Python-side default= never does into Alembic migrations.

    PATH is a migration file, or a folder searched for Alembic revision scripts.
    """
    if explain is not None:
        return explain_code(explain)
    if check and write:
        raise click.UsageError("--check and --write cannot be used together")
    if not paths:
        raise click.UsageError("no PATH given: pass migration files or their folder")
    try:
        settings = resolve_settings(Path.cwd(), dialect, style, not_null_strategy)
    except ConfigError as error:
        raise click.UsageError(str(error)) from error
    options = Options(
        write=write,
        show_diff=show_diff,
        check=check,
        quiet=quiet,
        verbose=verbose,
        color=use_color(color, sys.stdout),
        settings=settings,
    )
    return run(paths, options)


def explain_code(code: str) -> int:
    entry = code.upper()
    if entry not in CODES:
        raise click.UsageError(f"unknown code {code}; known: {', '.join(CODES)}")
    click.echo(explain(entry), nl=False)
    return EXIT_CLEAN


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``migration-fix`` and ``python -m migration_fix``."""
    try:
        return command.main(
            args=list(argv) if argv is not None else None,
            prog_name="migration-fix",
            standalone_mode=False,
        )
    except click.exceptions.Exit as exit_:
        return exit_.exit_code
    except click.ClickException as error:
        error.show()
        return EXIT_ERROR
    except click.Abort:
        print_to(sys.stderr, "Aborted.")
        return EXIT_ERROR

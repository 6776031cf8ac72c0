"""The command line: the only part of migration-fix that reads and writes files."""

from __future__ import annotations

import os
import sys
from collections import deque
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TextIO

import click

from . import __version__
from .codes import CODES, explain
from .config import (
    OUTPUT_FORMATS,
    AlembicConfig,
    ConfigError,
    ProjectConfig,
    find_alembic_config,
    load_project_config,
    parse_codes,
    resolve_selection,
    resolve_settings,
)
from .discover import (
    DiscoveryError,
    ExcludePattern,
    Filters,
    History,
    Root,
    Target,
    discover,
    is_revision_source,
)
from .prefilter import might_need_fix
from .report import (
    colorize_diff,
    error_record,
    finding_line,
    finding_record,
    fix_record,
    github_annotation,
    plural,
    print_to,
    unified_diff,
    use_color,
)
from .settings import DIALECTS, NOT_NULL_STRATEGIES, STYLES, Settings
from .writer import write_atomically

if TYPE_CHECKING:
    from concurrent.futures import Future

    from .fix import FixResult
    from .model import Finding

# json, traceback and concurrent.futures are imported where they are used: a
# hook run on one clean file must not pay for them (about 25 ms together).

EXIT_CLEAN, EXIT_NEEDS_PERSON, EXIT_ERROR = 0, 1, 2
# A worker process costs ~50 ms to start and ~0.3 s to import libcst; a file
# that gets a backfill costs ~10-20 ms. Below this many such files per
# worker, one process is as fast.
MIN_FILES_PER_WORKER = 16
# A file that is only planned (--check) costs ~0.5 ms, and the parent reads and
# screens every file before any worker starts: on 5,000 files (299 to plan)
# two workers took 0.37 s where one process takes 0.30 s.
MIN_CHECKS_PER_WORKER = 1024
# Results wait to be printed in input order: at most this many per worker are
# in flight, so memory stays bounded by a few of the largest files.
IN_FLIGHT_PER_WORKER = 4

EXAMPLES = """\b
Examples:
  migration-fix                                  the folders of ./alembic.ini, as a diff
  migration-fix migrations/versions              show the backfills as a diff
  migration-fix --write migrations/versions      write them into the files
  migration-fix --check migrations/versions      only report (CI)
  migration-fix --dialect postgresql --write migrations/versions/3f2a_add_flag.py
  migration-fix --write - --stdin-filename m.py < m.py   fixed source on stdout
  migration-fix --explain MF104

\b
Exit codes: 0 nothing left to do; 1 a file would change or a finding needs
a person (0 with --exit-zero); 2 usage or configuration error, or a path that
cannot be read, parsed or written.
"""


class Job(NamedTuple):
    """What processing one file needs; sent to worker processes, so picklable."""

    settings: Settings
    write: bool = False
    want_diff: bool = False
    want_details: bool = False
    deselected: frozenset[str] = frozenset()
    keep_output: bool = False  # stdin --write prints the fixed source

    @property
    def needs_output(self) -> bool:
        """Only a write, a diff or stdin's fixed source needs the fixed text;
        a check needs the plan alone."""
        return self.write or self.want_diff or self.want_details or self.keep_output


class Options(NamedTuple):
    write: bool
    show_diff: bool
    check: bool
    quiet: bool
    verbose: bool
    color: bool
    settings: Settings
    output_format: str = "text"
    exit_zero: bool = False
    jobs: int = 1
    deselected: frozenset[str] = frozenset()

    @property
    def prints_diff(self) -> bool:
        return self.output_format == "text" and (self.show_diff or not (self.write or self.check))

    def job(self, write: bool | None = None) -> Job:
        return Job(
            settings=self.settings,
            write=self.write if write is None else write,
            want_diff=self.prints_diff or self.output_format == "json",
            want_details=self.output_format == "json",
            deselected=self.deselected,
        )


class Outcome:
    """What happened to one path: small, so a worker can send it back.

    Filled in as the file goes through the stages (``diff``, ``written``...).
    """

    def __init__(
        self,
        path: str,
        findings: list[Finding] | None = None,
        backfills: int = 0,
        changed: bool = False,
        error: str | None = None,
        error_at: tuple[int, int] | None = None,
        traceback: str | None = None,
    ) -> None:
        self.path = path
        self.findings = findings or []
        self.backfills = backfills
        self.changed = changed
        self.written = False
        self.diff: str | None = None
        self.insertions: list[tuple[int, str]] = []
        self.error = error
        self.error_at = error_at
        self.traceback = traceback

    def error_line(self) -> str:
        """``path:line:col: error: message``, the location only where known."""
        where = f"{self.path}:{self.error_at[0]}:{self.error_at[1]}" if self.error_at else self.path
        return f"{where}: error: {self.error}"


class Totals:
    """What the summary line counts, and the exit code so far."""

    def __init__(self) -> None:
        self.files_changed = 0
        self.backfills = 0
        self.findings = 0
        self.errors = 0
        self.exit_code = EXIT_CLEAN

    def raise_exit(self, code: int) -> None:
        self.exit_code = max(self.exit_code, code)

    def add(self, outcome: Outcome, options: Options) -> None:
        if outcome.changed:
            self.files_changed += 1
            self.backfills += outcome.backfills
            if not outcome.written:
                self.raise_exit(EXIT_NEEDS_PERSON)
        for finding in outcome.findings:
            if not finding.fixable:
                self.findings += 1
                self.raise_exit(EXIT_NEEDS_PERSON)
        if outcome.error:
            self.errors += 1
            self.raise_exit(EXIT_ERROR)

    def final_exit(self, options: Options) -> int:
        if options.exit_zero and self.exit_code == EXIT_NEEDS_PERSON:
            return EXIT_CLEAN
        return self.exit_code


# -- one file ---------------------------------------------------------------------------


def process_source(path: str, source: bytes, job: Job) -> tuple[Outcome, FixResult | None]:
    """Fix one file's bytes; never raises for bad input."""
    # Imported here: a run whose files the prefilter rules out never loads the core.
    from .fix import SourceError, fix_source
    from .verify import SafetyError

    try:
        result = fix_source(
            source, job.settings, ignore=job.deselected, plan_only=not job.needs_output
        )
    except SourceError as error:
        return Outcome(path, error=error.message, error_at=(error.line, error.column)), None
    except SafetyError as error:
        return Outcome(path, error=f"internal error: {error}; nothing written, please report"), None
    except Exception as error:  # a bug of ours must not stop the other files
        return Outcome(
            path,
            error=f"internal error: {type(error).__name__}: {error}; nothing written",
            traceback=format_traceback(),
        ), None
    outcome = Outcome(
        path,
        findings=[finding for finding in result.findings if finding.code not in job.deselected],
        backfills=result.plan.backfill_count,
        changed=result.changed,
    )
    if result.changed and job.want_diff:
        before = result.source.decode(result.encoding)
        after = result.output.decode(result.encoding)
        outcome.diff = unified_diff(path, before, after)
    if result.changed and job.want_details:
        outcome.insertions = [
            (insertion.after_line, "".join(insertion.lines()))
            for insertion in result.plan.insertions
        ]
    return outcome, result


def read_source(target: Target) -> bytes | None:
    """The file's bytes; None when it turns out not to be a revision script."""
    with open(target.path, "rb") as stream:
        source = stream.read()
    return None if target.unchecked and not is_revision_source(source) else source


def process(target: Target, job: Job) -> Outcome | None:
    """Read, fix and (with --write) write one file. Runs in worker processes.

    None: the file is not a revision script after all (see ``Target.unchecked``).
    """
    if target.error:
        return Outcome(target.path, error=target.error)
    try:
        source = read_source(target)
    except OSError as error:
        return Outcome(target.path, error=f"cannot read: {error.strerror or error}")
    if source is None:
        return None
    if not might_need_fix(source):  # most files: decided without loading the core
        return Outcome(target.path)
    outcome, result = process_source(target.path, source, job)
    if job.write and result is not None and result.changed:
        try:
            write_atomically(target.path, result.output, source)
        except OSError as error:
            outcome.error = f"cannot write: {error.strerror or error}; file left as it was"
        else:
            outcome.written = True
    return outcome


# -- output -----------------------------------------------------------------------------


class Printer:
    """Prints outcomes, in input order, in one of the output formats.

    stdout carries the results (diffs, findings, JSON, annotations); stderr
    the ``Rewriting`` lines, the summary and errors. ``code_on_stdout``: stdin
    mode writing the fixed source to stdout, so findings go to stderr.
    """

    def __init__(
        self, options: Options, out: TextIO, err: TextIO, code_on_stdout: bool = False
    ) -> None:
        self.options = options
        self.out = err if code_on_stdout else out
        self.err = err
        self.code_on_stdout = code_on_stdout
        self.records = 0

    def start(self) -> None:
        if self.options.output_format == "json":
            self.out.write("[")

    def finish(self) -> None:
        if self.options.output_format == "json":
            self.out.write("\n]\n" if self.records else "]\n")
            self.out.flush()

    def show(self, outcome: Outcome) -> None:
        kind = self.options.output_format
        if kind == "json":
            self._json(outcome)
        elif kind == "github":
            self._github(outcome)
        else:
            self._text(outcome)
        if outcome.written and not self.options.quiet and not self.code_on_stdout:
            print_to(
                self.err, f"Rewriting {outcome.path} ({plural(outcome.backfills, 'backfill')})"
            )
        if (
            self.options.verbose
            and not outcome.changed
            and not outcome.findings
            and not outcome.error
        ):
            print_to(self.err, f"Unchanged {outcome.path}")
        if outcome.error:
            if self.options.verbose and outcome.traceback:
                self.err.write(outcome.traceback)
            print_to(self.err, outcome.error_line())

    def _text(self, outcome: Outcome) -> None:
        if outcome.diff is not None and self.options.prints_diff:
            self.out.write(colorize_diff(outcome.diff) if self.options.color else outcome.diff)
            self.out.flush()
        for finding in outcome.findings:
            if finding.fixable and not self.options.check:
                continue
            print_to(self.out, finding_line(outcome.path, finding))

    def _json(self, outcome: Outcome) -> None:
        records: list[dict[str, Any]] = [
            finding_record(outcome.path, finding, fixed=finding.fixable and outcome.written)
            for finding in outcome.findings
        ]
        if outcome.changed:
            records.append(
                fix_record(
                    outcome.path,
                    outcome.backfills,
                    outcome.written,
                    outcome.diff or "",
                    outcome.insertions,
                )
            )
        if outcome.error:
            records.append(error_record(outcome.path, outcome.error, outcome.error_at))
        for record in records:
            self.out.write(
                ("," if self.records else "") + "\n  " + json_text(record)
            )
            self.records += 1
        self.out.flush()

    def _github(self, outcome: Outcome) -> None:
        for finding in outcome.findings:
            at = (finding.location.line, finding.location.column)
            if finding.fixable and outcome.written:
                level, message = "notice", f"{finding.message} (fixed: backfill written)"
            elif finding.fixable:
                level, message = "error", f"{finding.message} (fixable: run migration-fix --write)"
            else:
                level, message = "error", finding.message
            print_to(self.out, github_annotation(level, outcome.path, message, at, finding.code))
        if outcome.error:
            print_to(
                self.out,
                github_annotation(
                    "error", outcome.path, outcome.error, outcome.error_at, "migration-fix"
                ),
            )


def summary(totals: Totals, options: Options) -> str:
    verb = "rewritten" if options.write else "would be rewritten"
    parts = [
        f"{plural(totals.files_changed, 'file')} {verb} ({plural(totals.backfills, 'backfill')})"
    ]
    parts.append(plural(totals.findings, "finding"))
    if totals.errors:
        parts.append(plural(totals.errors, "error"))
    return ", ".join(parts)


# -- running ----------------------------------------------------------------------------


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def worker_count(
    targets: Sequence[Target], jobs: int, per_worker: int = MIN_FILES_PER_WORKER
) -> tuple[int, list[bool | None] | None]:
    """How many processes to use, and which targets need one at all (None
    when there was no need to look).

    The cheap ``add_column`` test runs here, reading one file at a time, so
    that only files that may get a backfill are sent to a worker; a pool is
    started only when at least ``per_worker`` of them share each worker.
    """
    if jobs <= 1 or len(targets) < 2 * per_worker:
        return 1, None
    needs = [_needs_worker(target) for target in targets]
    return max(1, min(jobs, sum(bool(need) for need in needs) // per_worker)), needs


def _needs_worker(target: Target) -> bool | None:
    """True: may need work; False: nothing to do, or an error to report at
    once; None: not a revision script after all (no outcome)."""
    if target.error is not None:
        return False
    try:
        source = read_source(target)
    except OSError:
        return True  # let process() report it
    return None if source is None else might_need_fix(source)


def outcomes(targets: Sequence[Target], job: Job, jobs: int) -> Iterator[Outcome]:
    """Every target's outcome, in input order, serially or from a process pool;
    none for a file that turned out not to be a revision script."""
    return (outcome for outcome in _outcomes(targets, job, jobs) if outcome is not None)


def _outcomes(targets: Sequence[Target], job: Job, jobs: int) -> Iterator[Outcome | None]:
    per_worker = MIN_FILES_PER_WORKER if job.needs_output else MIN_CHECKS_PER_WORKER
    workers, needs = worker_count(targets, jobs, per_worker)
    if needs is None:
        for target in targets:
            yield process(target, job)
        return
    if workers == 1:  # looked, but too few files need work to share: none is read twice
        for target, need in zip(targets, needs):
            if need is not None:
                yield process(target, job) if need else Outcome(target.path, error=target.error)
        return
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    pending: deque[tuple[str, Outcome | Future[Outcome]]] = deque()
    in_flight = 0
    limit = workers * IN_FLIGHT_PER_WORKER
    pool = ProcessPoolExecutor(max_workers=workers)
    try:
        for target, need in zip(targets, needs):
            if need is None:
                continue
            if need:
                try:
                    pending.append((target.path, pool.submit(process, target, job)))
                    in_flight += 1
                except BrokenProcessPool as error:  # a worker died: the pool is gone
                    pending.append((target.path, _worker_failed(target.path, error)))
            else:  # no add_column (or a path in error): not worth a worker
                pending.append((target.path, Outcome(target.path, error=target.error)))
            while pending and (in_flight >= limit or _ready(pending[0][1])):
                path, item = pending.popleft()
                in_flight -= not isinstance(item, Outcome)
                yield _result(path, item)
        while pending:
            yield _result(*pending.popleft())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _ready(item: Outcome | Future[Outcome]) -> bool:
    return isinstance(item, Outcome) or item.done()


def _result(path: str, item: Outcome | Future[Outcome | None]) -> Outcome | None:
    if isinstance(item, Outcome):
        return item
    try:
        return item.result()
    except Exception as error:  # a worker that died (killed, out of memory)
        return _worker_failed(path, error)


def format_traceback() -> str:
    import traceback

    return traceback.format_exc()


def json_text(record: object) -> str:
    import json

    return json.dumps(record, ensure_ascii=False)


def _worker_failed(path: str, error: Exception) -> Outcome:
    return Outcome(path, error=f"internal error: worker failed: {type(error).__name__}: {error}")


def run(
    roots: Sequence[str | Root],
    options: Options,
    filters: Filters | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    try:
        found = discover(roots, filters)
    except DiscoveryError as error:
        print_to(err, f"error: {error}")
        return EXIT_ERROR
    if options.verbose:
        for skipped in found.skipped:
            print_to(err, f"Skipped {skipped.path}: {skipped.reason}")
    totals = Totals()
    printer = Printer(options, out, err)
    printer.start()
    for outcome in outcomes(found.targets, options.job(), options.jobs):
        totals.add(outcome, options)
        printer.show(outcome)
    printer.finish()
    if not options.quiet:
        print_to(err, summary(totals, options))
    return totals.final_exit(options)


def run_stdin(name: str | None, options: Options, filters: Filters) -> int:
    """``-``: read one migration from stdin. With --write the fixed source goes
    to stdout (unchanged if nothing is to do, or on an error), as black and
    ruff do; otherwise the diff, findings or records as for a file."""
    out, err = sys.stdout, sys.stderr
    source = sys.stdin.buffer.read()
    path = name or "-"
    emit_code = options.write and not options.show_diff
    try:
        skip = _stdin_skip_reason(name, source, filters)
    except DiscoveryError as error:
        print_to(err, f"error: {error}")
        if emit_code:
            _write_bytes(out, source)
        return EXIT_ERROR
    if skip is not None:
        if options.verbose:
            print_to(err, f"Skipped {path}: {skip}")
        if emit_code:
            _write_bytes(out, source)
        return EXIT_CLEAN
    if not emit_code:
        options = options._replace(write=False)
    job = options.job(write=False)._replace(keep_output=emit_code)
    outcome, result = process_source(path, source, job)
    if emit_code:
        _write_bytes(out, result.output if result is not None else source)
        outcome.written = outcome.changed
    totals = Totals()
    totals.add(outcome, options)
    printer = Printer(options, out, err, code_on_stdout=emit_code)
    printer.start()
    printer.show(outcome)
    printer.finish()
    if not options.quiet:
        print_to(err, summary(totals, options))
    return totals.final_exit(options)


def _stdin_skip_reason(name: str | None, source: bytes, filters: Filters) -> str | None:
    """With --force-exclude, stdin's name is excluded as a file's would be."""
    if name is None or not filters.force_exclude:
        return None
    pattern = filters.excluded(name)
    if pattern is not None:
        return f"excluded by {pattern.pattern!r}"
    if filters.baselines:
        history = History(filters)
        history.prepare([name], {name: source})
        return history.reason(name)
    return None


def _write_bytes(stream: TextIO, data: bytes) -> None:
    stream.flush()
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        buffer.write(data)
        buffer.flush()
    else:  # a text-only stream (tests): the bytes as the file's encoding says
        from .fix import decode

        stream.write(decode(data)[1] if data else "")
        stream.flush()


# -- the command --------------------------------------------------------------------------


def _codes_option(value: tuple[str, ...]) -> list[str] | None:
    if not value:
        return None
    try:
        return [code for item in value for code in parse_codes(item)]
    except ValueError as error:
        raise click.BadParameter(str(error)) from error


def _patterns(values: Sequence[str], root: Path) -> tuple[ExcludePattern, ...]:
    return tuple(
        ExcludePattern(part.strip(), str(root))
        for value in values
        for part in value.split(",")
        if part.strip()
    )


def build_filters(
    project: ProjectConfig,
    cwd: Path,
    exclude: tuple[str, ...],
    extend_exclude: tuple[str, ...],
    force_exclude: bool | None,
    baseline: tuple[str, ...],
    alembic: AlembicConfig | None,
) -> Filters:
    """Ruff's layering: ``--exclude`` replaces the file's ``exclude``; both
    ``extend-exclude`` lists add to it. A file's patterns are relative to its
    folder, the command line's to the current one."""
    root = project.root or cwd
    patterns = _patterns(exclude, cwd) if exclude else _patterns(project.get("exclude", []), root)
    patterns += _patterns(project.get("extend-exclude", []), root) + _patterns(extend_exclude, cwd)
    configured = project.get("baseline", ())
    baselines = baseline or ((configured,) if isinstance(configured, str) else tuple(configured))
    return Filters(
        excludes=patterns,
        force_exclude=project.get("force-exclude", False)
        if force_exclude is None
        else force_exclude,
        baselines=tuple(name for name in baselines if name),
        version_folders=tuple((folder, alembic.recursive) for folder in alembic.version_folders)
        if alembic
        else (),
    )


def configured_roots(alembic: AlembicConfig, cwd: Path) -> list[Root]:
    """The version folders of the Alembic config, shown relative to the current
    folder where they are below it; empty ones are fine (a new project)."""
    return [
        Root(_shown(folder, cwd), recursive=alembic.recursive, required=False, named=False)
        for folder in alembic.version_folders
    ]


def _shown(path: Path, cwd: Path) -> str:
    try:
        return str(Path(os.path.abspath(path)).relative_to(cwd))
    except ValueError:
        return str(path)


@click.command(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EXAMPLES,
)
@click.argument("paths", nargs=-1, type=click.Path(), metavar="[PATH]...")
@click.option(
    "--write", is_flag=True, help="Rewrite the files in place (stdin: print the fixed source)."
)
@click.option(
    "--diff", "show_diff", is_flag=True, help="Print a unified diff (the default without --write)."
)
@click.option(
    "--check", is_flag=True, help="Only report: no diff, exit 1 if anything would change."
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="The Alembic config (alembic.ini or pyproject.toml) whose version folders are checked "
    "when no PATH is given; default: ./alembic.ini, else [tool.alembic] in ./pyproject.toml.",
)
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
    "--select",
    multiple=True,
    metavar="CODES",
    help="Only these codes or prefixes (MF1), comma-separated.",
)
@click.option(
    "--ignore",
    multiple=True,
    metavar="CODES",
    help="Not these codes or prefixes, comma-separated; an ignored fixable code is not fixed.",
)
@click.option(
    "--exclude",
    multiple=True,
    metavar="GLOBS",
    help="Skip these files/folders (replaces the config's exclude).",
)
@click.option(
    "--extend-exclude",
    multiple=True,
    metavar="GLOBS",
    help="Skip these too, in addition to exclude.",
)
@click.option(
    "--force-exclude/--no-force-exclude",
    default=None,
    help="Apply excludes and the baseline to files named on the command line too (pre-commit).",
)
@click.option(
    "--baseline",
    multiple=True,
    metavar="REV",
    help="Check only revisions that descend from REV (a revision id or a unique prefix).",
)
@click.option(
    "--output-format", type=click.Choice(OUTPUT_FORMATS), help="text (default), json or github."
)
@click.option(
    "--exit-zero", is_flag=True, help="Exit 0 even when something would change or needs a person."
)
@click.option("--stdin-filename", metavar="NAME", help="The name of the file read from stdin (-).")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=0),
    metavar="N",
    default=0,
    show_default=True,
    help="Processes to fix files with; 0: one per CPU, used only when many files need a backfill.",
)
@click.option(
    "--color",
    type=click.Choice(("auto", "always", "never")),
    default="auto",
    show_default=True,
    help="Colour the diff; auto: on a terminal, never with NO_COLOR, always with FORCE_COLOR.",
)
@click.option(
    "-q", "--quiet", is_flag=True, help="No Rewriting lines or summary; errors still print."
)
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="Also list unchanged and skipped files; tracebacks for internal errors.",
)
@click.option("--explain", metavar="CODE", help="Explain a diagnostic code, e.g. MF101, and exit.")
@click.version_option(__version__, "--version", prog_name="migration-fix")
def command(
    paths: tuple[str, ...],
    write: bool,
    show_diff: bool,
    check: bool,
    config_file: str | None,
    dialect: str | None,
    style: str | None,
    not_null_strategy: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    exclude: tuple[str, ...],
    extend_exclude: tuple[str, ...],
    force_exclude: bool | None,
    baseline: tuple[str, ...],
    output_format: str | None,
    exit_zero: bool,
    stdin_filename: str | None,
    jobs: int,
    color: str,
    quiet: bool,
    verbose: bool,
    explain: str | None,
) -> int:
    """Write the backfill that a Python-side default= never does into Alembic migrations.

    PATH is a migration file, a folder searched for Alembic revision scripts, or
    - for stdin. Without PATH, the version folders of the Alembic config in the
    current folder (or --config) are checked.
    """
    if explain is not None:
        return explain_code(explain)
    if check and write:
        raise click.UsageError("--check and --write cannot be used together")
    reads_stdin = paths == ("-",) or (not paths and stdin_filename is not None)
    if "-" in paths and not reads_stdin:
        raise click.UsageError("- (stdin) cannot be combined with other paths")
    select_codes, ignore_codes = _codes_option(select), _codes_option(ignore)
    cwd = Path.cwd()
    try:
        alembic = find_alembic_config(cwd, Path(config_file) if config_file else None)
        project = load_project_config(Path(config_file).parent if config_file else cwd)
        settings = resolve_settings(
            cwd, dialect, style, not_null_strategy, alembic=alembic, project=project
        )
    except ConfigError as error:
        raise click.ClickException(str(error)) from error
    chosen_format = output_format or project.get("output-format") or "text"
    if reads_stdin and write and not show_diff and chosen_format != "text":
        raise click.UsageError(
            f"--write with stdin prints the fixed source: --output-format {chosen_format} cannot go with it"
        )
    selection = resolve_selection(
        [(project.get("select"), project.get("ignore")), (select_codes, ignore_codes)]
    )
    filters = build_filters(project, cwd, exclude, extend_exclude, force_exclude, baseline, alembic)
    options = Options(
        write=write,
        show_diff=show_diff,
        check=check,
        quiet=quiet,
        verbose=verbose,
        color=chosen_format == "text" and use_color(color, sys.stdout),
        settings=settings,
        output_format=chosen_format,
        exit_zero=exit_zero,
        jobs=jobs or available_cpus(),
        deselected=selection.deselected,
    )
    if reads_stdin:
        return run_stdin(stdin_filename, options, filters)
    if paths:
        return run(paths, options, filters)
    if alembic is None:
        raise click.UsageError(
            f"no PATH given, and no Alembic config in {cwd} (alembic.ini with script_location, "
            "or [tool.alembic] in pyproject.toml): pass migration files or their folder, "
            "or --config FILE"
        )
    return run(configured_roots(alembic, cwd), options, filters)


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

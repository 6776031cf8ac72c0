"""Time migration-fix beside the tools it is measured against, in one command.

Why (issue 8): a pre-commit hook runs migration-fix on every commit, and CI runs
it over thousands of migrations; the cost is in parsing files that need nothing
and importing what a run does not use. This script generates the same corpus of
Alembic migrations on every machine (alembic_corpus.py), times each tool on the
same files with the same job count (--jobs, default 1), and writes medians, ratios and peak memory,
with a description of the machine, to RESULTS.md:

    python benchmarks/run.py --sizes 1,20,5000,50000

Size 1 is two cases, the file a pre-commit hook gets: one that needs nothing
and one that needs a portable backfill. Larger sizes are a project's
``migrations/versions`` folder.

To measure a commit while src/ is being edited, put a copy of it first on the
path; RESULTS.md then names that copy as the source measured:

    git archive HEAD src | tar -x -C /tmp/mf-head
    PYTHONPATH=/tmp/mf-head/src python benchmarks/run.py

It is not a timed test. CI runs ``--sizes 1 --repeat 1`` only to keep it
working; it exits 1 when a tool fails unexpectedly. migration-fix's exit 1
("a file would change, or a finding needs a person") is expected where the
corpus calls for it, and checked against what the corpus holds.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import alembic_corpus
import machine
import results
from alembic_corpus import CorpusStats, MigrationFile
from measure import Timing, run_child, stderr_tail

BENCHMARKS = Path(__file__).resolve().parent
REPOSITORY = BENCHMARKS.parent
CORPUS = BENCHMARKS / "corpus"  # git-ignored
SCRATCH = CORPUS / "scratch"  # fresh copies for the tools that write
LOG = SCRATCH / "log"  # the last child's stdout and stderr
PYCACHE = CORPUS / "pycache"  # the children's bytecode, kept out of src/ and site-packages
DEFAULT_OUTPUT = BENCHMARKS / "RESULTS.md"
SEED = 8  # the number; any fixed value gives the same corpus everywhere
LARGE_SIZE = 50_000  # from this size on, fewer runs by default
VERSIONS = Path("migrations", "versions")
PYPROJECT = '[project]\nname = "benchmark-app"\nversion = "0"\n'

# Every tool gets the same number of processes (or threads): --jobs, default 1.
DEFAULT_JOBS = 1
CODEMOD_MAX_FILES = 5_000  # libcst parses every file: 50,000 would take many minutes a run
RUFF_VERSION = "0.17.6"
ALEMBIC_GUARD_VERSION = "0.1.1"  # a Python linter for Alembic files (no jobs option)
RUFF_RULES = "E,F"
PYUPGRADE_TARGET = "--py310-plus"
NOOP_CODEMOD = "libcst.codemod.commands.noop.NOOPCommand"
OUR_CODEMOD = "migration_fix.codemod.AddBackfills"

CHECK, WRITE = "migration-fix --check", "migration-fix --write"
RUFF = f"ruff check --select {RUFF_RULES}"
PYUPGRADE = f"pyupgrade {PYUPGRADE_TARGET}"
ALEMBIC_GUARD = "alembic-guard"
NOOP = "libcst codemod NOOPCommand"
OURS = "libcst codemod AddBackfills"
IMPORT_LIBCST = 'python -c "import libcst"'
PYTHON = "python -c pass"
BASELINE = "baseline"
SUBJECTS = (CHECK, WRITE)
REFERENCES = (RUFF, ALEMBIC_GUARD, IMPORT_LIBCST, PYUPGRADE, NOOP, OURS, PYTHON)


class SetupError(Exception):
    """A tool is missing or not the pinned version: nothing was measured."""


@dataclass(frozen=True)
class Tools:
    python: str
    migration_fix: str
    ruff: str
    pyupgrade: str
    alembic_guard: str


@dataclass(frozen=True)
class Case:
    """A project folder the tools run in, and what they are given in it."""

    name: str
    description: str
    root: Path
    target: str
    stats: CorpusStats
    repeat: int

    def migration_fix_exit(self, write: bool) -> int:
        """migration-fix's documented code: 1 while a file would change or a finding needs a person."""
        changes_left = self.stats.backfills_needed > 0 and not write
        return int(changes_left or self.stats.not_null_without_default > 0)


@dataclass(frozen=True)
class Command:
    label: str
    argv: tuple[str, ...]
    exit_codes: frozenset[int]
    jobs: int = 1
    writes: bool = False  # runs on a fresh copy of the case, every time
    env: tuple[tuple[str, str], ...] = ()
    changed_files: int | None = None  # files a --write run must change


@dataclass(frozen=True)
class Failure:
    case: str
    label: str
    message: str


# -- tools -----------------------------------------------------------------------


def installed_script(name: str, install_hint: str) -> str:
    """A console script from the environment running this file, as pre-commit would run it."""
    path = Path(sys.executable).parent / name
    if not path.exists():
        raise SetupError(f"{name} is not installed beside {sys.executable}: {install_hint}")
    return str(path)


def pinned_script(name: str, pinned: str) -> str:
    """A console script that must be the pinned version (``name --version`` ends with it)."""
    install = f"pip install {name}=={pinned}"
    script = installed_script(name, install)
    version = subprocess.run([script, "--version"], capture_output=True, text=True).stdout.split()
    if version[-1:] != [pinned]:
        raise SetupError(
            f"{name} {pinned} is pinned, {' '.join(version) or 'unknown'} is installed: {install}"
        )
    return script


def find_tools() -> Tools:
    return Tools(
        python=sys.executable,
        migration_fix=installed_script("migration-fix", "pip install -e ."),
        ruff=pinned_script("ruff", RUFF_VERSION),
        pyupgrade=installed_script("pyupgrade", "pip install pyupgrade"),
        alembic_guard=pinned_script("alembic-guard", ALEMBIC_GUARD_VERSION),
    )


# -- cases ---------------------------------------------------------------------


def default_repeat(size: int) -> int:
    return 3 if size >= LARGE_SIZE else 5


def make_project(name: str, files: Iterable[MigrationFile]) -> tuple[Path, CorpusStats]:
    """``corpus/<name>``: a pyproject.toml and the migrations, written afresh."""
    root = CORPUS / name
    shutil.rmtree(root, ignore_errors=True)
    stats = alembic_corpus.write_files(root / VERSIONS, iter(files))
    (root / "pyproject.toml").write_text(PYPROJECT)
    return root, stats


def staged_case(name: str, needs_backfill: bool, repeat: int) -> Case:
    migration = alembic_corpus.staged_migration(needs_backfill)
    root, stats = make_project(name, [migration])
    what = (
        "1 staged file needing a portable backfill"
        if needs_backfill
        else "1 staged file needing nothing"
    )
    return Case(name, what, root, str(VERSIONS / migration.name), stats, repeat)


def corpus_case(size: int, repeat: int) -> Case:
    name = str(size)
    root, stats = make_project(name, alembic_corpus.generated_migrations(size, SEED))
    return Case(name, f"{size:,} migrations, one folder", root, str(VERSIONS), stats, repeat)


def build_cases(sizes: Sequence[int], repeat: int | None) -> list[Case]:
    cases = []
    for size in sizes:
        runs = repeat or default_repeat(size)
        if size == 1:
            cases += [staged_case("1-clean", False, runs), staged_case("1-backfill", True, runs)]
        else:
            cases.append(corpus_case(size, runs))
    return cases


# -- commands ----------------------------------------------------------------------


def migration_fix_argv(tools: Tools, mode: str, target: str, jobs: int) -> tuple[str, ...]:
    return (tools.migration_fix, mode, "--jobs", str(jobs), target)


def libcst_codemod(
    label: str, codemod: str, target: str, tools: Tools, jobs: int, changed_files: int | None
) -> Command:
    # The codemod's name first: libcst reads the first word that is not an option as it.
    argv = (tools.python, "-m", "libcst.tool", "codemod", "-x", codemod, "--no-format")
    options = ("--hide-progress", "-j", str(jobs))
    argv = (*argv, *options, target)
    return Command(label, argv, frozenset({0}), jobs, writes=True, changed_files=changed_files)


def migration_fix_commands(case: Case, tools: Tools, jobs: int) -> list[Command]:
    check = migration_fix_argv(tools, "--check", case.target, jobs)
    write = migration_fix_argv(tools, "--write", case.target, jobs)
    return [
        Command(CHECK, check, frozenset({case.migration_fix_exit(write=False)}), jobs),
        Command(
            WRITE,
            write,
            frozenset({case.migration_fix_exit(write=True)}),
            jobs,
            writes=True,
            changed_files=case.stats.files_needing_backfill,
        ),
    ]


def ruff_command(target: str, tools: Tools, jobs: int) -> Command:
    options = ("--no-cache", "--isolated", "--select", RUFF_RULES, "--output-format", "concise")
    threads = (("RAYON_NUM_THREADS", str(jobs)),)
    # Exit 1: ruff found something, which it will in autogenerated code (E501).
    argv = (tools.ruff, "check", *options, target)
    return Command(RUFF, argv, frozenset({0, 1}), jobs, env=threads)


def alembic_guard_command(target: str, tools: Tools) -> Command:
    # Exit 1: an error-level finding (a NOT NULL column without a server default).
    return Command(ALEMBIC_GUARD, (tools.alembic_guard, target), frozenset({0, 1}))


def pyupgrade_command(target: str, tools: Tools) -> Command:
    # The staged files use the classic template: pyupgrade has nothing to rewrite (exit 0).
    argv = (tools.pyupgrade, PYUPGRADE_TARGET, target)
    return Command(PYUPGRADE, argv, frozenset({0}), writes=True)


def case_commands(case: Case, tools: Tools, jobs: int) -> list[Command]:
    target = case.target
    commands = [
        *migration_fix_commands(case, tools, jobs),
        ruff_command(target, tools, jobs),
        alembic_guard_command(target, tools),
    ]
    if case.stats.files <= CODEMOD_MAX_FILES:
        # It runs the same core as migration-fix --write, so it must change the same files.
        changed = case.stats.files_needing_backfill
        commands.append(libcst_codemod(OURS, OUR_CODEMOD, target, tools, jobs, changed))
    if case.stats.files == 1:
        commands.append(libcst_codemod(NOOP, NOOP_CODEMOD, target, tools, jobs, None))
        commands.append(pyupgrade_command(target, tools))
    return commands


def baseline_commands(tools: Tools) -> list[Command]:
    return [
        Command(PYTHON, (tools.python, "-c", "pass"), frozenset({0})),
        Command(IMPORT_LIBCST, (tools.python, "-c", "import libcst"), frozenset({0})),
    ]


def shown(command: Command, target: str | None) -> str:
    """The command line with tool paths cut to their names and the case's target as PATH."""
    words = [Path(word).name if os.path.isabs(word) else word for word in command.argv]
    if target is not None:
        words = ["PATH" if word == target else word for word in words]
    environment = [f"{name}={value}" for name, value in command.env]
    return shlex.join([*environment, *words])


# -- running -------------------------------------------------------------------


def child_environment(command: Command) -> dict[str, str]:
    """Ours, with bytecode caching on: an installed tool runs from its .pyc files.

    PYTHONDONTWRITEBYTECODE would make every run of migration-fix (an editable
    install here) compile its own source again, a cost no user pays.
    """
    environment = {
        name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"
    }
    return {**environment, "PYTHONPYCACHEPREFIX": str(PYCACHE), **dict(command.env)}


def warm_up(tools: Tools, jobs: int) -> None:
    """Run every command once on one file, untimed, so that no timed run compiles bytecode."""
    case = staged_case("warm-up", needs_backfill=True, repeat=1)
    for command in [*baseline_commands(tools), *case_commands(case, tools, jobs)]:
        cwd = fresh_copy(case.root) if command.writes else case.root
        run_child(command.argv, cwd, child_environment(command), LOG)


def fresh_copy(root: Path) -> Path:
    copy = SCRATCH / "copy"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(root, copy)
    return copy


def count_changed_files(original: Path, copy: Path) -> int:
    return sum(
        1
        for path in (original / VERSIONS).iterdir()
        if (copy / VERSIONS / path.name).read_bytes() != path.read_bytes()
    )


def verify(
    command: Command, case_name: str, root: Path, cwd: Path, exit_code: int
) -> Failure | None:
    """Why this run does not count, or None."""
    if exit_code not in command.exit_codes:
        expected = " or ".join(str(code) for code in sorted(command.exit_codes))
        log = stderr_tail(LOG)
        return Failure(case_name, command.label, f"exit {exit_code}, expected {expected}\n{log}")
    if command.changed_files is not None:
        changed = count_changed_files(root, cwd)
        if changed != command.changed_files:
            message = f"changed {changed} files, the corpus has {command.changed_files} needing a backfill"
            return Failure(case_name, command.label, message)
    return None


def time_commands(
    case_name: str, root: Path, commands: Sequence[Command], repeat: int, failures: list[Failure]
) -> list[Timing]:
    """Run each command ``repeat`` times, interleaved so drift hits all alike."""
    timings = [Timing(case_name, command.label, command.jobs) for command in commands]
    broken: set[str] = set()
    for run in range(1, repeat + 1):
        for command, timing in zip(commands, timings, strict=True):
            if command.label in broken:
                continue
            cwd = fresh_copy(root) if command.writes else root
            sample = run_child(command.argv, cwd, child_environment(command), LOG)
            progress(
                f"{case_name:>10}  {command.label:<30} run {run}/{repeat}  {sample.seconds:8.3f} s"
            )
            failure = verify(command, case_name, root, cwd, sample.exit_code)
            if failure is not None:
                failures.append(failure)
                broken.add(command.label)
                continue
            timing.samples.append(sample)
    shutil.rmtree(SCRATCH / "copy", ignore_errors=True)  # thousands of files: not for later
    return [timing for timing in timings if timing.samples]


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the command line ------------------------------------------------------------


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of numbers: {text}") from None
    if any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError("sizes are numbers of files: 1 or more")
    return sizes


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default=[1, 20, 5000],
        help="numbers of files, e.g. 1,20,5000,50000 (default 1,20,5000)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        help=f"runs per command (default 5, or 3 from {LARGE_SIZE:,} files on)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=DEFAULT_JOBS,
        help="processes (ruff: threads) every tool may use (default 1)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help="where to write the markdown (default benchmarks/RESULTS.md)",
    )
    arguments = parser.parse_args(argv)
    if arguments.repeat is not None and arguments.repeat < 1:
        parser.error("--repeat must be 1 or more")
    if arguments.jobs < 1:
        parser.error("--jobs must be 1 or more")
    return arguments


def notes_for(tools: Tools, cases: Sequence[Case], jobs: int) -> list[str]:
    notes = [
        f"Every tool may use {jobs} process(es): migration-fix and libcst's codemod runner get "
        f"-j {jobs}, ruff RAYON_NUM_THREADS={jobs}; alembic-guard (which has no such option), "
        "pyupgrade and python -c run in one.",
        f"Children run with bytecode caching on (PYTHONPYCACHEPREFIX={PYCACHE.relative_to(REPOSITORY)}, "
        "PYTHONDONTWRITEBYTECODE unset), as an installed tool has its .pyc files; one untimed "
        "run of every command on one file fills that cache first. Peak RSS includes about 5 MiB "
        "inherited from benchmarks/launcher.py, which forks each command.",
        "Tools that write (migration-fix --write, pyupgrade, the libcst codemods) get a fresh "
        "copy of the case for every run; the copy is not timed.",
        f"The corpus is generated with seed {SEED} by benchmarks/alembic_corpus.py; a smaller "
        "corpus is the first files of a larger one.",
    ]
    if any(case.stats.files > CODEMOD_MAX_FILES for case in cases):
        notes.append(
            f"`{OURS}` is not timed above {CODEMOD_MAX_FILES:,} files: libcst parses every "
            "file, so one run would take many minutes."
        )
    if any(case.stats.files > 1 for case in cases):
        notes.append(f"`{PYUPGRADE}` and `{NOOP}` are timed on the 1-file cases only.")
    return notes


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    try:
        tools = find_tools()
    except SetupError as error:
        progress(f"error: {error}")
        return 2
    described = machine.description(REPOSITORY)  # before src/ can change under the runs
    warm_up(tools, arguments.jobs)
    cases = build_cases(arguments.sizes, arguments.repeat)
    failures: list[Failure] = []
    baseline = baseline_commands(tools)
    timings = time_commands(
        BASELINE, CORPUS, baseline, arguments.repeat or default_repeat(1), failures
    )
    shown_commands = {command.label: shown(command, None) for command in baseline}
    for case in cases:
        commands = case_commands(case, tools, arguments.jobs)
        for command in commands:
            shown_commands.setdefault(command.label, shown(command, case.target))
        timings += time_commands(case.name, case.root, commands, case.repeat, failures)
    report = results.Report(
        command_line=shlex.join(
            ["python", "benchmarks/run.py", *(sys.argv[1:] if argv is None else argv)]
        ),
        date=date.today().isoformat(),
        machine=described,
        corpora=[(case.name, case.description, case.stats) for case in cases],
        timings=timings,
        subjects=SUBJECTS,
        references=REFERENCES,
        baseline_case=BASELINE,
        commands=list(shown_commands.items()),
        notes=notes_for(tools, cases, arguments.jobs),
    )
    text = results.render(report)
    print(text)
    if failures:
        for failure in failures:
            progress(f"FAILED {failure.case}: {failure.label}: {failure.message}")
        progress(f"{len(failures)} failure(s); {arguments.output} left as it was")
        return 1
    arguments.output.write_text(text, encoding="utf-8")
    progress(f"wrote {arguments.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

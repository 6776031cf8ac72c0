"""-j/--jobs: worker processes only for files that need work, output in input order."""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import pytest

from migration_fix import cli
from migration_fix.cli import (
    IN_FLIGHT_PER_WORKER,
    MIN_FILES_PER_WORKER,
    Job,
    main,
    outcomes,
    worker_count,
)
from migration_fix.discover import Target
from migration_fix.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
GUIDE_BEFORE = (ROOT / "fixtures" / "guide_boolean" / "before.py").read_bytes()
GUIDE_AFTER = (ROOT / "fixtures" / "guide_boolean" / "after.py").read_bytes()
CLEAN = b'revision = "c"\ndown_revision = None\n\ndef upgrade():\n    pass\n'
BROKEN = b'revision = "x"\ndown_revision = None\nop.add_column("t", sa.Column(\n'
HELPER = GUIDE_BEFORE.replace(b"revision = ", b"rev = ")


class RecordingPool(concurrent.futures.ProcessPoolExecutor):
    """A real process pool that remembers what it was given."""

    instances: ClassVar[list[RecordingPool]] = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.workers = kwargs.get("max_workers", args[0] if args else None)
        self.submitted: list[str] = []
        RecordingPool.instances.append(self)

    def submit(self, fn, /, *args, **kwargs):
        self.submitted.append(args[0].path)
        return super().submit(fn, *args, **kwargs)


@pytest.fixture
def pool(monkeypatch: pytest.MonkeyPatch) -> type[RecordingPool]:
    RecordingPool.instances = []
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", RecordingPool)
    return RecordingPool


@pytest.fixture
def many(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """80 revision scripts: every other one needs a backfill; one cannot be parsed.
    Three helper modules among them would need one too, but are not revision scripts.
    --check gets a pool here too: its threshold is lowered to --write's."""
    monkeypatch.setattr(cli, "MIN_CHECKS_PER_WORKER", MIN_FILES_PER_WORKER)
    (tmp_path / ".git").mkdir()
    versions = tmp_path / "versions"
    versions.mkdir()
    for index in range(80):
        (versions / f"{index:03}.py").write_bytes(GUIDE_BEFORE if index % 2 else CLEAN)
    (versions / "041.py").write_bytes(BROKEN)
    for index in (0, 40, 79):
        (versions / f"{index:03}_helper.py").write_bytes(HELPER)
    monkeypatch.chdir(tmp_path)
    return versions


def test_parallel_output_is_the_serial_output(many: Path, pool, capsys) -> None:
    for mode in ([], ["--check"], ["--output-format", "json"], ["--output-format", "github"]):
        pool.instances = []
        assert main([*mode, "-j", "1", "versions"]) == 2
        serial = capsys.readouterr()
        assert pool.instances == []
        assert main([*mode, "-j", "2", "versions"]) == 2
        parallel = capsys.readouterr()
        assert pool.instances and pool.instances[-1].workers == 2
        assert parallel.out == serial.out
        assert parallel.err == serial.err
        assert "helper" not in serial.out + serial.err


def test_only_files_that_need_work_go_to_workers(many: Path, pool) -> None:
    main(["--check", "-q", "-j", "2", "versions"])
    (used,) = pool.instances
    assert len(used.submitted) == 40  # the 39 with add_column and the broken one
    assert all(Path(path).read_bytes() in (GUIDE_BEFORE, BROKEN) for path in used.submitted)


def test_parallel_write(many: Path, pool, capsys) -> None:
    assert main(["--write", "-j", "3", "versions"]) == 2  # the broken file
    err = capsys.readouterr().err
    rewritten = [line.split()[1] for line in err.splitlines() if line.startswith("Rewriting")]
    assert rewritten == sorted(rewritten) and len(rewritten) == 39
    for index in range(1, 80, 2):
        if index != 41:
            assert (many / f"{index:03}.py").read_bytes() == GUIDE_AFTER
    assert (many / "041.py").read_bytes() == BROKEN
    assert all(path.read_bytes() == HELPER for path in many.glob("*_helper.py"))
    assert "versions/041.py:3:" in err


def test_results_in_flight_are_bounded(many: Path, pool) -> None:
    targets = [Target(str(path)) for path in sorted(many.iterdir())]
    consumed = 0
    for outcome in outcomes(targets, Job(Settings(), want_diff=True), 2):
        (used,) = pool.instances
        consumed += str(outcome.path) in used.submitted
        assert len(used.submitted) - consumed <= 2 * IN_FLIGHT_PER_WORKER


def test_a_check_needs_many_more_files_per_worker(tmp_path: Path, pool, monkeypatch) -> None:
    """Planning a file costs ~0.5 ms, fixing one 10-20 ms: the same 40 files get
    a pool for a diff but not for --check."""
    monkeypatch.chdir(tmp_path)
    paths = []
    for index in range(40):
        (tmp_path / f"{index}.py").write_bytes(GUIDE_BEFORE)
        paths.append(f"{index}.py")
    assert main(["--check", "-q", "-j", "2", *paths]) == 1
    assert pool.instances == []
    assert main(["-q", "-j", "2", *paths]) == 1
    assert len(pool.instances) == 1


def test_a_file_looked_at_for_the_pool_is_not_read_again(tmp_path: Path, pool, monkeypatch) -> None:
    """Too few files need work for a pool: those that need nothing are not read twice."""
    monkeypatch.chdir(tmp_path)
    paths = [f"{index}.py" for index in range(100)]
    for index, path in enumerate(paths):
        (tmp_path / path).write_bytes(GUIDE_BEFORE if index < 3 else CLEAN)
    opened: list[str] = []

    def counting_open(file, *args, **kwargs):
        opened.append(os.fspath(file))
        return open(file, *args, **kwargs)

    monkeypatch.setattr(cli, "open", counting_open, raising=False)
    assert main(["-q", "-j", "2", *paths]) == 1
    assert pool.instances == []
    assert sorted(opened) == sorted(paths + paths[:3])  # the 3 that need work: once more


def test_few_files_need_no_pool(tmp_path: Path, pool, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    for index in range(2 * MIN_FILES_PER_WORKER - 1):
        (tmp_path / f"{index}.py").write_bytes(GUIDE_BEFORE)
    assert main(["--check", "-q", "-j", "8", *map(str, sorted(tmp_path.glob("*.py")))]) == 1
    assert pool.instances == []


def test_files_without_add_column_never_start_a_pool(tmp_path: Path, pool, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    for index in range(200):
        (tmp_path / f"{index}.py").write_bytes(CLEAN)
    assert main(["--check", "-q", "-j", "8", *map(str, tmp_path.glob("*.py"))]) == 0
    assert pool.instances == []


@pytest.mark.parametrize(
    ("jobs", "needing", "total", "expected"),
    [
        (1, 100, 100, 1),
        (8, 100, 100, 6),  # 100 // 16
        (2, 100, 100, 2),
        (8, 20, 200, 1),  # not enough files need work
        (8, 40, 40, 2),
    ],
)
def test_worker_count(tmp_path: Path, jobs: int, needing: int, total: int, expected: int) -> None:
    targets = []
    for index in range(total):
        path = tmp_path / f"{index}.py"
        path.write_bytes(GUIDE_BEFORE if index < needing else CLEAN)
        targets.append(Target(str(path)))
    assert worker_count(targets, jobs)[0] == expected


def test_real_process_with_jobs(many: Path) -> None:
    """The console script as pre-commit or CI runs it: a real pool, real pickling."""
    result = subprocess.run(
        [sys.executable, "-m", "migration_fix", "--diff", "-j", "2", "versions"],
        capture_output=True,
        text=True,
        cwd=many.parent,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert result.returncode == 2
    lines = [line.split()[1] for line in result.stdout.splitlines() if line.startswith("--- ")]
    assert lines == sorted(lines) and len(lines) == 39
    assert "39 files would be rewritten (39 backfills), 0 findings, 1 error" in result.stderr


REAL_PROCESS = cli.process


def dying(target: Target, job: Job):
    """A worker killed while fixing one file (out of memory, a signal)."""
    if target.path.endswith("051.py"):
        os._exit(1)
    return REAL_PROCESS(target, job)


@pytest.mark.skipif(
    multiprocessing.get_start_method() != "fork", reason="the replaced worker needs fork"
)
def test_a_dead_worker_is_an_error_not_a_hang(many: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(cli, "process", dying)
    assert main(["--check", "-q", "-j", "2", "versions"]) == 2
    err = capsys.readouterr().err
    assert "versions/051.py: error: internal error: worker failed" in err
    assert "versions/001.py" not in err  # finished before the worker died


def test_path_in_error_keeps_its_error_in_a_pool_run(many: Path, pool, capsys) -> None:
    assert main(["--check", "-j", "1", "versions", "missing.py"]) == 2
    serial = capsys.readouterr()
    assert main(["--check", "-j", "2", "versions", "missing.py"]) == 2
    parallel = capsys.readouterr()
    assert pool.instances and "missing.py: error: no such file or folder" in parallel.err
    assert (parallel.out, parallel.err) == (serial.out, serial.err)

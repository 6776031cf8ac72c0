"""Atomic writes under a real SIGKILL, and processes that run side by side."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
BEFORE = (FIXTURES / "guide_boolean" / "before.py").read_bytes()
AFTER = (FIXTURES / "guide_boolean" / "after.py").read_bytes()

# Writes the new content 1 KiB at a time, slowly, touching a marker half-way.
SLOW_WRITER = """
import os, sys, time
from migration_fix import writer

path, marker = sys.argv[1], sys.argv[2]
old = open(path, "rb").read()
new = b"# new\\n" * 40000
real_fdopen = os.fdopen


class SlowStream:
    def __init__(self, stream):
        self.stream = stream

    def write(self, data):
        for start in range(0, len(data), 1024):
            self.stream.write(data[start:start + 1024])
            self.stream.flush()
            if start == 64 * 1024:
                open(marker, "w").close()
            time.sleep(0.002)

    def __getattr__(self, name):
        return getattr(self.stream, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self.stream.__exit__(*exc)


writer.os.fdopen = lambda fd, mode: SlowStream(real_fdopen(fd, mode))
writer.write_atomically(path, new, old)
"""


def start_slow_write(path: Path, marker: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", SLOW_WRITER, str(path), str(marker)])


def test_sigkill_mid_write_leaves_the_old_file(tmp_path: Path) -> None:
    path, marker = tmp_path / "m.py", tmp_path / "marker"
    path.write_bytes(BEFORE)
    path.chmod(0o640)
    process = start_slow_write(path, marker)
    deadline = time.monotonic() + 30
    while not marker.exists():
        assert process.poll() is None, "the writer ended before the marker"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    assert path.read_bytes() == BEFORE
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_the_same_write_completes_with_the_new_file(tmp_path: Path) -> None:
    path, marker = tmp_path / "m.py", tmp_path / "marker"
    path.write_bytes(BEFORE)
    path.chmod(0o640)
    process = start_slow_write(path, marker)
    assert process.wait(timeout=60) == 0
    assert path.read_bytes() == b"# new\n" * 40000
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(item.name for item in tmp_path.iterdir()) == ["m.py", "marker"]


@pytest.mark.parametrize("processes", [2, 4])
def test_processes_on_different_files_do_not_interfere(tmp_path: Path, processes: int) -> None:
    """As pre-commit runs batches of files in parallel processes."""
    batches = []
    for batch in range(processes):
        folder = tmp_path / f"batch{batch}"
        folder.mkdir()
        for number in range(25):
            shutil.copy(FIXTURES / "guide_boolean" / "before.py", folder / f"m{number}.py")
        batches.append(sorted(str(path) for path in folder.iterdir()))
    running = [
        subprocess.Popen(
            [sys.executable, "-m", "migration_fix", "--write", "-q", *batch],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for batch in batches
    ]
    for process in running:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()
    for batch in batches:
        for path in batch:
            assert Path(path).read_bytes() == AFTER
    leftovers = [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]
    assert leftovers == []

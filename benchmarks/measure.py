"""Run one command as a child process and measure it: wall time, CPU time, peak memory.

The measuring is done by launcher.py, a small process between the benchmark
and the command, so that the peak memory reported is the command's own.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Sample:
    """One run of one command."""

    seconds: float
    cpu_seconds: float
    max_rss_kib: int
    exit_code: int


@dataclass
class Timing:
    """Every run of one command on one case."""

    case: str
    label: str
    jobs: int
    samples: list[Sample] = field(default_factory=list)

    @property
    def median_seconds(self) -> float:
        return statistics.median(sample.seconds for sample in self.samples)

    @property
    def min_seconds(self) -> float:
        return min(sample.seconds for sample in self.samples)

    @property
    def median_cpu_seconds(self) -> float:
        return statistics.median(sample.cpu_seconds for sample in self.samples)

    @property
    def peak_rss_mib(self) -> float:
        return max(sample.max_rss_kib for sample in self.samples) / 1024

    @property
    def exit_codes(self) -> list[int]:
        return sorted({sample.exit_code for sample in self.samples})


LAUNCHER = Path(__file__).resolve().with_name("launcher.py")


def run_child(argv: Sequence[str], cwd: Path, env: Mapping[str, str], log_folder: Path) -> Sample:
    """Run ``argv`` to completion; its output goes to ``log_folder``/stdout and stderr.

    Output goes to files, not pipes: a pipe nobody reads would block a chatty
    child, and reading it here would add our own work to the child's time.
    """
    log_folder.mkdir(parents=True, exist_ok=True)
    result_file = log_folder / "measured"
    launcher = [sys.executable, "-I", "-S", str(LAUNCHER), str(result_file)]
    with (log_folder / "stdout").open("wb") as out, (log_folder / "stderr").open("wb") as err:
        subprocess.run(
            [*launcher, *argv],
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            check=True,
        )
    seconds, cpu_seconds, max_rss_kib, exit_code = result_file.read_text().split()
    return Sample(float(seconds), float(cpu_seconds), int(max_rss_kib), int(exit_code))


def stderr_tail(log_folder: Path, lines: int = 15) -> str:
    """The last lines a child wrote to stderr, to explain a failure."""
    text = (log_folder / "stderr").read_text(encoding="utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])

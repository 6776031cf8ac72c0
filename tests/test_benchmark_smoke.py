"""The benchmark keeps working: it runs at its smallest size in the suite.

Not a timed test: it only checks that every tool ran as the corpus says it
should and that the results table is written. The figures live in
benchmarks/RESULTS.md, from a full run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_benchmark_runs_at_the_smallest_size(tmp_path: Path) -> None:
    output = tmp_path / "RESULTS.md"
    result = subprocess.run(
        [sys.executable, "benchmarks/run.py", "--sizes", "1", "--repeat", "1", "--output", str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": ""},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    table = output.read_text()
    assert "migration-fix --check" in table and "ruff" in table and "pyupgrade" in table
    assert "alembic-guard" in table

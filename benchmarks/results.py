"""The benchmark's report: markdown tables of the machine, the corpus, timings and ratios.

Why markdown: RESULTS.md is committed and read on GitHub, and the same text
printed to the terminal is readable as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from alembic_corpus import CorpusStats
from measure import Timing

CORPUS_COLUMNS = (
    ("files", "files"),
    ("KiB", "bytes"),
    ("mention `add_column`", "files_mentioning_add_column"),
    ("`add_column` calls", "add_column_calls"),
    ("in batch blocks", "add_column_in_batch"),
    ("with `default=`", "with_default"),
    ("… and `server_default`", "with_default_and_server_default"),
    ("backfill already written", "already_backfilled"),
    ("backfills needed", "backfills_needed"),
    ("files needing one", "files_needing_backfill"),
    ("NOT NULL, no default (MF105)", "not_null_without_default"),
)


@dataclass(frozen=True)
class Report:
    command_line: str
    date: str
    machine: list[tuple[str, str]]
    corpora: list[tuple[str, str, CorpusStats]]  # name, description, counts
    timings: list[Timing]
    subjects: Sequence[str]  # the migration-fix rows
    references: Sequence[str]  # the rows they are divided by, in column order
    baseline_case: str
    commands: list[tuple[str, str]]  # label, the command line as run
    notes: list[str]


def table(header: Sequence[str], rows: Sequence[Sequence[str]], right_from: int = 1) -> list[str]:
    """A markdown table; columns from ``right_from`` on are right-aligned numbers."""
    align = ["---" if index < right_from else "---:" for index in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def machine_section(report: Report) -> list[str]:
    return ["## Machine", "", *table(("", ""), report.machine, right_from=2), ""]


def corpus_section(report: Report) -> list[str]:
    header = ["case", "what", *(title for title, _ in CORPUS_COLUMNS)]
    rows = []
    for name, description, stats in report.corpora:
        values = [getattr(stats, attribute) for _, attribute in CORPUS_COLUMNS]
        values[1] = round(values[1] / 1024)
        rows.append([name, description, *(f"{value:,}" for value in values)])
    return ["## Corpus", "", *table(header, rows, right_from=2), ""]


def timings_section(report: Report) -> list[str]:
    header = (
        "case",
        "command",
        "jobs",
        "runs",
        "median s",
        "min s",
        "CPU s",
        "peak RSS MiB",
        "exit",
    )
    rows = [
        [
            timing.case,
            timing.label,
            str(timing.jobs),
            str(len(timing.samples)),
            f"{timing.median_seconds:.3f}",
            f"{timing.min_seconds:.3f}",
            f"{timing.median_cpu_seconds:.3f}",
            f"{timing.peak_rss_mib:.0f}",
            ",".join(str(code) for code in timing.exit_codes),
        ]
        for timing in report.timings
    ]
    intro = (
        "Wall-clock median and minimum over the runs, median CPU time (user + system) "
        "and the largest peak resident memory of the child process."
    )
    return ["## Timings", "", intro, "", *table(header, rows, right_from=2), ""]


def wall_seconds(timing: Timing) -> float:
    return timing.median_seconds


def cpu_seconds(timing: Timing) -> float:
    return timing.median_cpu_seconds


def ratio(subject: Timing, reference: Timing | None, metric: Callable[[Timing], float]) -> str:
    if reference is None:
        return "–"
    return f"{metric(subject) / metric(reference):.2f}"


def ratio_rows(report: Report, metric: Callable[[Timing], float]) -> list[list[str]]:
    by_key = {(timing.case, timing.label): timing for timing in report.timings}
    rows = []
    for timing in report.timings:
        if timing.label not in report.subjects:
            continue
        references = [
            by_key.get((timing.case, label)) or by_key.get((report.baseline_case, label))
            for label in report.references
        ]
        ratios = (ratio(timing, other, metric) for other in references)
        rows.append([timing.case, timing.label, *ratios])
    return rows


def ratios_section(report: Report) -> list[str]:
    header = ("case", "migration-fix", *(f"÷ {label}" for label in report.references))
    intro = (
        "migration-fix's median divided by the other command's median on the same case "
        f"(the `{report.baseline_case}` rows for the size-independent ones): "
        "above 1 means migration-fix is slower."
    )
    cpu_intro = (
        "The same ratios on CPU time (user + system), which other work on the machine "
        "disturbs less than wall-clock time."
    )
    return [
        "## Ratios",
        "",
        intro,
        "",
        *table(header, ratio_rows(report, wall_seconds), right_from=2),
        "",
        cpu_intro,
        "",
        *table(header, ratio_rows(report, cpu_seconds), right_from=2),
        "",
    ]


def commands_section(report: Report) -> list[str]:
    lines = ["## Commands", ""]
    lines += [f"- {label}: `{command}`" for label, command in report.commands]
    return [*lines, ""]


def notes_section(report: Report) -> list[str]:
    if not report.notes:
        return []
    return ["## Notes", "", *(f"- {note}" for note in report.notes), ""]


def render(report: Report) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"`{report.command_line}` on {report.date}. Written by benchmarks/run.py; "
        "the figures hold for this machine only.",
        "",
        *machine_section(report),
        *corpus_section(report),
        *timings_section(report),
        *ratios_section(report),
        *commands_section(report),
        *notes_section(report),
    ]
    return "\n".join(lines).rstrip("\n") + "\n"

"""The diagnostic codes: one stable code per kind of problem, with its docs.

The README's table, ``--explain`` and the pages in ``docs/rules/`` are all
read from here; regenerate the pages with ``python -m migration_fix.codes docs/rules``
(a test fails when they disagree).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

FIXABLE = frozenset({"MF101", "MF104"})


class Code(NamedTuple):
    code: str
    summary: str
    why: str
    example: str
    fix: str

    @property
    def fixable(self) -> bool:
        """migration-fix writes the fix itself (``[*]`` in the output)."""
        return self.code in FIXABLE

    @property
    def fix_is_code(self) -> bool:
        """The fix is a Python statement (else a sentence)."""
        return self.fix.startswith(("op.", "if ", "with "))


CODES = {
    code.code: code
    for code in (
        Code(
            "MF101",
            "Python-side default leaves existing rows NULL",
            "`default=` is applied by SQLAlchemy to rows inserted later; rows that "
            "exist when the column is added get NULL. migration-fix writes the backfill.",
            'op.add_column("invoices", sa.Column("paid", sa.Boolean(), default=False))',
            'op.execute("UPDATE invoices SET paid = false WHERE paid IS NULL")  # added',
        ),
        Code(
            "MF102",
            "callable default has no single backfill value",
            "A callable such as `uuid.uuid4` or `datetime.utcnow` is evaluated per "
            "inserted row; no one value is right for every existing row, so nothing is "
            "written for you. The message suggests one to paste: CURRENT_TIMESTAMP for "
            "timestamps, the dialect's UUID function for UUIDs.",
            'op.add_column("events", sa.Column("created", sa.DateTime(), default=datetime.utcnow))',
            'op.execute("UPDATE events SET created = CURRENT_TIMESTAMP WHERE created IS NULL")',
        ),
        Code(
            "MF103",
            "default or name the tool cannot read",
            "The default is a lowercase name from elsewhere (`settings.status`: a value, "
            "or a function SQLAlchemy would call per row?), or a table or column name is "
            "computed by a call. Constants (UPPER_CASE), enum members, `.value` and "
            "names in variables get a Core backfill instead; this one is left to you.",
            'op.add_column("jobs", sa.Column("status", sa.String(), default=settings.status))',
            "write the UPDATE yourself after the add_column, with `WHERE status IS NULL`",
        ),
        Code(
            "MF104",
            "NOT NULL column with only a Python-side default",
            "`nullable=False` makes the ALTER TABLE itself fail on a table with rows "
            "(MySQL/MariaDB instead fill '' or 0), before any backfill could run. "
            "migration-fix rewrites it (see --not-null-strategy); it reports it only "
            "where the file already holds a backfill for the column.",
            'op.add_column("invoices", sa.Column("paid", sa.Boolean(), nullable=False, '
            "default=False))",
            "add it with nullable=True, backfill, then "
            'op.alter_column("invoices", "paid", nullable=False)',
        ),
        Code(
            "MF105",
            "NOT NULL column added without any default",
            "A NOT NULL column with neither `default=` nor `server_default=` cannot be "
            "added to a table with rows (MySQL/MariaDB silently fill '' or 0).",
            'op.add_column("invoices", sa.Column("paid", sa.Boolean(), nullable=False))',
            "add server_default=sa.false(), or add it nullable, backfill, then set NOT NULL",
        ),
        Code(
            "MF106",
            "no portable SQL for this backfill",
            "`--style sql` asks for plain SQL, but without a known dialect no single "
            "text is valid on PostgreSQL, MySQL/MariaDB and SQLite for this value or name.",
            'op.add_column("order", sa.Column("note", sa.String(), default="a\\\\b"))',
            "pass --dialect, or use --style core",
        ),
        Code(
            "MF107",
            "add_column shares its line with a compound statement",
            "The backfill must follow the add_column on a line of its own, which a "
            "one-line `if x: op.add_column(...)` does not have.",
            'if dialect == "sqlite": op.add_column("t", sa.Column("c", sa.Integer(), default=0))',
            "put the add_column on its own indented line; migration-fix then adds the backfill",
        ),
    )
}


def explain(code: str) -> str:
    """The text of ``migration-fix --explain CODE``."""
    entry = CODES[code]
    return (
        f"{entry.code}: {entry.summary}\n\n{entry.why}\n\n"
        f"Example:\n    {entry.example}\n\nFix:\n    {entry.fix}\n"
    )


def rule_page(code: str) -> str:
    """The Markdown of ``docs/rules/<code>.md``."""
    entry = CODES[code]
    fixed = (
        "**Fixed automatically**: `migration-fix --write` writes the fix; `--check` marks it `[*]`."
        if entry.fixable
        else "**Reported only**: a person has to write the fix; the run exits 1."
    )
    fix = f"```python\n{entry.fix}\n```" if entry.fix_is_code else _sentence(entry.fix)
    deselect = " De-selecting a fixable code also turns its fix off." if entry.fixable else ""
    return (
        f"<!-- Generated from src/migration_fix/codes.py by "
        f"`python -m migration_fix.codes docs/rules`: edit it there. -->\n"
        f"# {entry.code}: {entry.summary}\n\n"
        f"{fixed}\n\n"
        f"## Why\n\n{entry.why}\n\n"
        f"## Example\n\n```python\n{entry.example}\n```\n\n"
        f"## Fix\n\n{fix}\n\n"
        f"## Silencing it\n\n"
        f"On the first line of the `add_column` call:\n\n"
        f"```python\nop.add_column(  # migration-fix: ignore[{entry.code}]\n```\n\n"
        f'For the whole project, `ignore = ["{entry.code}"]` under `[tool.migration-fix]` '
        f"in pyproject.toml, or `--ignore {entry.code}` on the command line.{deselect}\n\n"
        f"`migration-fix --explain {entry.code}` prints this explanation.\n"
    )


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def write_rule_pages(folder: Path) -> list[Path]:
    """Write every page into ``folder``; remove pages of codes that no longer exist."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for code in CODES:
        path = folder / f"{code}.md"
        path.write_text(rule_page(code), encoding="utf-8", newline="\n")
        written.append(path)
    for stale in folder.glob("MF*.md"):
        if stale.stem not in CODES:
            stale.unlink()
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m migration_fix.codes FOLDER``: regenerate the rule pages."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m migration_fix.codes docs/rules", file=sys.stderr)
        return 2
    for path in write_rule_pages(Path(args[0])):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The diagnostic codes: one stable code per kind of problem, with its docs.

The README's table and ``--explain`` are both read from here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    code: str
    summary: str
    why: str
    example: str
    fix: str


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
            "written for you.",
            'op.add_column("events", sa.Column("created", sa.DateTime(), '
            "default=datetime.utcnow))",
            'op.execute("UPDATE events SET created = CURRENT_TIMESTAMP WHERE created IS NULL")',
        ),
        Code(
            "MF103",
            "default or name the tool cannot evaluate",
            "The default (or the table or column name) is an expression whose value is "
            "only known when the migration runs, so no SQL can be written for it here.",
            'op.add_column(TABLE, sa.Column("status", sa.String(), default=settings.STATUS))',
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
            'add server_default=sa.false(), or add it nullable, backfill, then set NOT NULL',
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

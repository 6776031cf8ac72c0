"""Regenerate ``src/migration_fix/reserved_words.py`` from SQLAlchemy's dialects.

The portable-SQL check must not import SQLAlchemy (0.2 s on every commit), so the
words are copied into a module; ``tests/test_sql.py`` fails when they drift.
Run: ``python tools/generate_reserved_words.py``.
"""

from __future__ import annotations

from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "src" / "migration_fix" / "reserved_words.py"


# SQLAlchemy's SQLite dialect lists fewer words than SQLite reserves: its own
# keyword list, https://www.sqlite.org/lang_keywords.html (147 words), holds
# words such as NOTHING that break `UPDATE t SET nothing = 1` unquoted.
SQLITE_KEYWORDS = """
ABORT ACTION ADD AFTER ALL ALTER ALWAYS ANALYZE AND AS ASC ATTACH AUTOINCREMENT
BEFORE BEGIN BETWEEN BY CASCADE CASE CAST CHECK COLLATE COLUMN COMMIT CONFLICT
CONSTRAINT CREATE CROSS CURRENT CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP
DATABASE DEFAULT DEFERRABLE DEFERRED DELETE DESC DETACH DISTINCT DO DROP EACH
ELSE END ESCAPE EXCEPT EXCLUDE EXCLUSIVE EXISTS EXPLAIN FAIL FILTER FIRST
FOLLOWING FOR FOREIGN FROM FULL GENERATED GLOB GROUP GROUPS HAVING IF IGNORE
IMMEDIATE IN INDEX INDEXED INITIALLY INNER INSERT INSTEAD INTERSECT INTO IS
ISNULL JOIN KEY LAST LEFT LIKE LIMIT MATCH MATERIALIZED NATURAL NO NOT NOTHING
NOTNULL NULL NULLS OF OFFSET ON OR ORDER OTHERS OUTER OVER PARTITION PLAN
PRAGMA PRECEDING PRIMARY QUERY RAISE RANGE RECURSIVE REFERENCES REGEXP REINDEX
RELEASE RENAME REPLACE RESTRICT RETURNING RIGHT ROLLBACK ROW ROWS SAVEPOINT
SELECT SET TABLE TEMP TEMPORARY THEN TIES TO TRANSACTION TRIGGER UNBOUNDED UNION
UNIQUE UPDATE USING VACUUM VALUES VIEW VIRTUAL WHEN WHERE WINDOW WITH WITHOUT
""".split()


def reserved_words() -> frozenset[str]:
    """Words any of PostgreSQL, MySQL, MariaDB or SQLite would need quoted."""
    from sqlalchemy.dialects.mysql import reserved_words as mysql
    from sqlalchemy.dialects.postgresql.base import PGIdentifierPreparer
    from sqlalchemy.dialects.sqlite.base import SQLiteIdentifierPreparer

    word_sets = (
        PGIdentifierPreparer.reserved_words,
        SQLiteIdentifierPreparer.reserved_words,
        mysql.RESERVED_WORDS_MYSQL,
        mysql.RESERVED_WORDS_MARIADB,
    )
    return frozenset(word.lower() for words in (*word_sets, SQLITE_KEYWORDS) for word in words)


def module_text(words: frozenset[str]) -> str:
    body = "".join(f"        {word!r},\n" for word in sorted(words))
    return (
        '"""Identifiers reserved in PostgreSQL, MySQL, MariaDB or SQLite.\n\n'
        "Generated from SQLAlchemy's dialects and SQLite's own keyword list by\n"
        "tools/generate_reserved_words.py;\n"
        'do not edit by hand.\n"""\n\n'
        f"PORTABLE_RESERVED_WORDS = frozenset(\n    {{\n{body}    }}\n)\n"
    )


if __name__ == "__main__":
    TARGET.write_text(module_text(reserved_words()), encoding="utf-8")
    print(f"wrote {TARGET}")

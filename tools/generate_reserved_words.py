"""Regenerate ``src/migration_fix/reserved_words.py`` from SQLAlchemy's dialects.

The portable-SQL check must not import SQLAlchemy (0.2 s on every commit), so the
words are copied into a module; ``tests/test_sql.py`` fails when they drift.
Run: ``python tools/generate_reserved_words.py``.
"""

from __future__ import annotations

from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "src" / "migration_fix" / "reserved_words.py"


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
    return frozenset(word.lower() for words in word_sets for word in words)


def module_text(words: frozenset[str]) -> str:
    body = "".join(f"        {word!r},\n" for word in sorted(words))
    return (
        '"""Identifiers reserved in PostgreSQL, MySQL, MariaDB or SQLite.\n\n'
        "Generated from SQLAlchemy's dialects by tools/generate_reserved_words.py;\n"
        'do not edit by hand.\n"""\n\n'
        f"PORTABLE_RESERVED_WORDS = frozenset(\n    {{\n{body}    }}\n)\n"
    )


if __name__ == "__main__":
    TARGET.write_text(module_text(reserved_words()), encoding="utf-8")
    print(f"wrote {TARGET}")

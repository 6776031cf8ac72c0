"""The safety check stops any rewrite that is not the input plus the planned lines."""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Sequence
from pathlib import Path

import pytest

from migration_fix import cli, fix
from migration_fix.fix import fix_source, libcst_transform
from migration_fix.model import Insertion
from migration_fix.settings import Settings
from migration_fix.verify import SafetyError

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
BEFORE = (FIXTURES / "guide_boolean" / "before.py").read_bytes()


def drops_a_comment(source: bytes, insertions: Sequence[Insertion], edits=()) -> bytes:
    return libcst_transform(source, insertions).replace(b"    # ### end Alembic commands ###\n", b"", 1)


def inserts_one_line_late(source: bytes, insertions: Sequence[Insertion], edits=()) -> bytes:
    moved = [
        Insertion(item.anchor_line + 4, item.after_line + 4, item.statements, item.indent, item.newline)
        for item in insertions
    ]
    return libcst_transform(source.replace(b")\n    # ###", b")\n\n    # ###", 1), moved)


def changes_quotes(source: bytes, insertions: Sequence[Insertion], edits=()) -> bytes:
    return libcst_transform(source, insertions).replace(b'"invoices",', b"'invoices',")


def unparsable_output(source: bytes, insertions: Sequence[Insertion], edits=()) -> bytes:
    return libcst_transform(source, insertions).replace(b"IS NULL\")", b"IS NULL\"", 1)


def converts_newlines(source: bytes, insertions: Sequence[Insertion], edits=()) -> bytes:
    return libcst_transform(source, insertions).replace(b"\n", b"\r\n")


@pytest.mark.parametrize(
    "faulty",
    [drops_a_comment, inserts_one_line_late, changes_quotes, unparsable_output, converts_newlines],
)
def test_faulty_transform_is_caught(faulty) -> None:
    with pytest.raises(SafetyError):
        fix_source(BEFORE, Settings(), transform=faulty)


def test_the_real_transform_passes() -> None:
    assert fix_source(BEFORE, Settings(), transform=libcst_transform).changed


def test_cli_writes_nothing_and_exits_2_on_a_safety_error(tmp_path, monkeypatch, capsys) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(BEFORE)
    original = fix.fix_source
    monkeypatch.setattr(
        fix, "fix_source", lambda source, settings, **kwargs: original(source, settings, drops_a_comment, **kwargs)
    )
    assert cli.main(["--write", str(path)]) == 2
    assert path.read_bytes() == BEFORE
    err = capsys.readouterr().err
    assert f"{path}: error: internal error:" in err and "nothing written" in err


# -- the syntax-tree check, on its own ------------------------------------------------

NOT_NULL = (FIXTURES / "not_null_backfill" / "before.py").read_bytes()


def plan_of(source: bytes, settings: Settings = Settings()):
    from migration_fix.finder import read_migration
    from migration_fix.fix import parse
    from migration_fix.plan import plan_migration

    text = source.decode()
    return text, plan_migration(read_migration(parse(text), text), settings)


def test_syntax_tree_check_accepts_the_real_output() -> None:
    from migration_fix.verify import check_syntax_tree

    for source, settings in ((BEFORE, Settings()), (NOT_NULL, Settings()), (NOT_NULL, Settings(not_null_strategy="server-default"))):
        text, plan = plan_of(source, settings)
        output = libcst_transform(source, plan.insertions, plan.edits).decode()
        check_syntax_tree(ast.parse(text), output, plan.insertions, plan.edits)


@pytest.mark.parametrize(
    ("source", "corrupt"),
    [
        (BEFORE, lambda out: out.replace("IS NULL", "IS NOT NULL", 1)),  # not the planned statement
        (BEFORE, lambda out: out.replace('"invoices",', '"invoice",', 1)),  # the add_column changed
        (NOT_NULL, lambda out: out.replace("nullable=True", "nullable=False", 1)),  # edit not made
        (NOT_NULL, lambda out: out.replace("existing_type=sa.Boolean()", "existing_type=sa.Integer()")),
        (NOT_NULL, lambda out: out.replace("    op.execute", "    pass\n    op.execute", 1)),
    ],
)
def test_syntax_tree_check_trips_on_a_faulty_transform(source, corrupt, monkeypatch) -> None:
    """With the byte check switched off, the tree check alone stops the write."""
    import migration_fix.verify as verify_module

    monkeypatch.setattr(verify_module, "check_rewrite", lambda *args: None)

    def faulty(source, insertions, edits=()):
        output = libcst_transform(source, insertions, edits).decode()
        corrupted = corrupt(output)
        assert corrupted != output
        return corrupted.encode()

    with pytest.raises(SafetyError):
        fix_source(source, Settings(), transform=faulty)


def test_planned_code_libcst_cannot_parse_is_an_internal_error_not_the_files() -> None:
    """A bug of ours (a statement we planned does not parse) must not read as
    'cannot parse' the user's file."""

    def plans_broken_code(source: bytes, insertions: Sequence[Insertion], edits=()) -> bytes:
        broken = [dataclasses.replace(item, statements=('op.execute("UPDATE',)) for item in insertions]
        return libcst_transform(source, broken, edits)

    with pytest.raises(SafetyError, match="cannot parse the planned code"):
        fix_source(BEFORE, Settings(), transform=plans_broken_code)

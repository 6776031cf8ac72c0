"""The safety check stops any rewrite that is not the input plus the planned lines."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from migration_fix import cli
from migration_fix.fix import fix_source, libcst_transform
from migration_fix.model import Insertion, Settings
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
    original = cli.fix_source
    monkeypatch.setattr(
        cli, "fix_source", lambda source, settings: original(source, settings, drops_a_comment)
    )
    assert cli.main(["--write", str(path)]) == 2
    assert path.read_bytes() == BEFORE
    err = capsys.readouterr().err
    assert f"{path}: error: internal error:" in err and "nothing written" in err

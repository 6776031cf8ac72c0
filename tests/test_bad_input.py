"""The bad-input matrix: every case ends in its documented outcome.

For each: one line naming the file (and line where there is one), the file
byte-identical, the other files still processed, the documented exit code, and
no traceback unless -v. README "Bad input" lists the same outcomes.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from migration_fix import cli, fix
from migration_fix.cli import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
GOOD_BEFORE = (FIXTURES / "guide_boolean" / "before.py").read_bytes()
GOOD_AFTER = (FIXTURES / "guide_boolean" / "after.py").read_bytes()
ADD = b'op.add_column("t", sa.Column("c", sa.Integer(), default=1))\n'
HEADER = b"from alembic import op\nimport sqlalchemy as sa\n"


def deeply_nested(depth: int) -> bytes:
    """Python's own parser takes it; libcst's recursion does not."""
    return HEADER + b"x = " + b" + ".join([b"1"] * depth) + b"\n" + ADD


# (name, content, exit code, what the one line says; None: no line at all)
MATRIX = [
    ("empty", b"", 0, None),
    ("binary", b"\x89PNG\r\n\x1a\n\x00\x00add_column", 2, ":3:1: error: not a Python source file"),
    ("non_utf8", HEADER + b'x = "caf\xe9"\n' + ADD, 2, ":3:1: error: cannot decode as utf-8: byte 0xe9"),
    ("unknown_cookie", b"# -*- coding: klingon -*-\n" + HEADER + ADD, 2, ":1:1: error: cannot decode: unknown encoding"),
    ("syntax_error", HEADER + b"def upgrade(:\n" + ADD, 2, ":3:13: error: cannot parse: invalid syntax"),
    ("python2", HEADER + b'print "hello"\n' + ADD, 2, ":3:1: error: cannot parse: Missing parentheses"),
    ("deeply_nested", deeply_nested(1000), 2, ":1:1: error: cannot parse: nested too deeply"),
]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(("name", "content", "code", "says"), MATRIX, ids=[row[0] for row in MATRIX])
def test_bad_input(folder: Path, capsys, name: str, content: bytes, code: int, says: str | None) -> None:
    bad = folder / f"{name}.py"
    bad.write_bytes(content)
    good = folder / "good.py"
    good.write_bytes(GOOD_BEFORE)
    assert main(["--write", "-q", str(bad), str(good)]) == code
    out, err = capsys.readouterr()
    assert bad.read_bytes() == content
    assert good.read_bytes() == GOOD_AFTER  # the other file is still processed
    assert "Traceback" not in out + err
    lines = [line for line in err.splitlines() if str(bad) in line]
    if says is None:
        assert lines == []
    else:
        assert len(lines) == 1 and lines[0].startswith(str(bad)) and says in lines[0], err


@pytest.mark.parametrize(
    ("name", "before", "after"),
    [
        (
            "latin1_cookie",
            "# -*- coding: latin-1 -*-\nfrom alembic import op\nimport sqlalchemy as sa\n"
            'op.add_column("t", sa.Column("c", sa.String(9), default="é"))\n',
            "# -*- coding: latin-1 -*-\nfrom alembic import op\nimport sqlalchemy as sa\n"
            'op.add_column("t", sa.Column("c", sa.String(9), default="é"))\n'
            "op.execute(\"UPDATE t SET c = 'é' WHERE c IS NULL\")\n",
        ),
        (
            "mixed_newlines",
            'from alembic import op\r\nimport sqlalchemy as sa\n\ndef upgrade():\r\n'
            '    op.add_column("t", sa.Column("c", sa.Integer(), default=1))\r\n    pass\n',
            'from alembic import op\r\nimport sqlalchemy as sa\n\ndef upgrade():\r\n'
            '    op.add_column("t", sa.Column("c", sa.Integer(), default=1))\r\n'
            '    op.execute("UPDATE t SET c = 1 WHERE c IS NULL")\r\n    pass\n',
        ),
    ],
)
def test_encodings_and_newlines_are_kept(folder: Path, name: str, before: str, after: str) -> None:
    encoding = "latin-1" if "latin" in name else "utf-8"
    path = folder / f"{name}.py"
    path.write_bytes(before.encode(encoding))
    assert main(["--write", "-q", str(path)]) == 0
    assert path.read_bytes() == after.encode(encoding)


def test_bom_is_kept(folder: Path) -> None:
    path = folder / "bom.py"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD_BEFORE)
    assert main(["--write", "-q", str(path)]) == 0
    assert path.read_bytes() == b"\xef\xbb\xbf" + GOOD_AFTER


def test_fifty_thousand_lines(folder: Path) -> None:
    filler = b"".join(b"x%d = %d\n" % (number, number) for number in range(50_000))
    path = folder / "big.py"
    path.write_bytes(HEADER + filler + ADD)
    assert main(["--write", "-q", str(path)]) == 0
    assert path.read_bytes() == HEADER + filler + ADD + b'op.execute("UPDATE t SET c = 1 WHERE c IS NULL")\n'


def test_missing_path(folder: Path, capsys) -> None:
    good = folder / "good.py"
    good.write_bytes(GOOD_BEFORE)
    assert main(["--write", "-q", "nowhere.py", str(good)]) == 2
    assert capsys.readouterr().err.strip() == "nowhere.py: error: no such file or folder"
    assert good.read_bytes() == GOOD_AFTER


def test_folder_without_migrations(folder: Path, capsys) -> None:
    (folder / "src").mkdir()
    (folder / "src" / "app.py").write_bytes(b"print(1)\n")
    assert main(["-q", "src"]) == 2
    assert "src: error: no Alembic revision scripts found in this folder" in capsys.readouterr().err


def test_unreadable_file(folder: Path, capsys, monkeypatch) -> None:
    """Tests run as root, which reads anything: the permission error is simulated."""
    path = folder / "secret.py"
    path.write_bytes(GOOD_BEFORE)
    good = folder / "good.py"
    good.write_bytes(GOOD_BEFORE)

    def guarded_open(file, *args, **kwargs):
        if os.path.basename(file) == "secret.py":
            raise PermissionError(13, "Permission denied", str(file))
        return open(file, *args, **kwargs)

    monkeypatch.setattr(cli, "open", guarded_open, raising=False)  # the CLI's reads only
    assert main(["--write", "-q", str(path), str(good)]) == 2
    assert f"{path}: error: cannot read: Permission denied" in capsys.readouterr().err
    assert good.read_bytes() == GOOD_AFTER


def test_permission_error_on_write(folder: Path, capsys, monkeypatch) -> None:
    """A read-only file or folder: the temporary file or the replace is refused."""
    path = folder / "readonly.py"
    path.write_bytes(GOOD_BEFORE)
    good = folder / "good.py"
    good.write_bytes(GOOD_BEFORE)
    real_replace = os.replace

    def replace(source, target, *args, **kwargs):
        if str(target).endswith("readonly.py"):
            raise PermissionError(13, "Permission denied", str(target))
        return real_replace(source, target, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    assert main(["--write", "-q", str(path), str(good)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: error: cannot write: Permission denied; file left as it was" in err
    assert path.read_bytes() == GOOD_BEFORE
    assert good.read_bytes() == GOOD_AFTER
    assert sorted(p.name for p in folder.iterdir()) == [".git", "good.py", "readonly.py"]  # no temp left


def test_symlink_is_written_through(folder: Path) -> None:
    target = folder / "real.py"
    target.write_bytes(GOOD_BEFORE)
    link = folder / "link.py"
    link.symlink_to(target)
    assert main(["--write", "-q", str(link)]) == 0
    assert link.is_symlink()
    assert target.read_bytes() == GOOD_AFTER


def test_file_changed_between_read_and_write(folder: Path, capsys, monkeypatch) -> None:
    path = folder / "busy.py"
    path.write_bytes(GOOD_BEFORE)
    edited = GOOD_BEFORE + b"# edited meanwhile\n"
    real_fix = fix.fix_source

    def fix_and_edit(source, settings, *args, **kwargs):
        result = real_fix(source, settings, *args, **kwargs)
        path.write_bytes(edited)  # someone saves the file while we work
        return result

    monkeypatch.setattr(fix, "fix_source", fix_and_edit)
    assert main(["--write", "-q", str(path)]) == 2
    assert f"{path}: error: cannot write: " in capsys.readouterr().err
    assert path.read_bytes() == edited


def test_traceback_only_with_verbose(folder: Path, capsys, monkeypatch) -> None:
    path = folder / "m.py"
    path.write_bytes(GOOD_BEFORE)

    def broken(*args, **kwargs):
        raise ValueError("a bug of ours")

    monkeypatch.setattr(fix, "fix_source", broken)
    assert main(["-q", str(path)]) == 2
    err = capsys.readouterr().err
    assert "internal error: ValueError: a bug of ours" in err and "Traceback" not in err
    assert main(["-q", "-v", str(path)]) == 2
    assert "Traceback" in capsys.readouterr().err

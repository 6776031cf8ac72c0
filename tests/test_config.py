"""The dialect resolver: flag, then pyproject.toml, then the Alembic config, then none."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from migration_fix.cli import main
from migration_fix.config import (
    ConfigError,
    dialect_of_url,
    find_alembic_config,
    load_project_config,
    parse_codes,
    resolve_selection,
    resolve_settings,
)
from migration_fix.settings import Settings


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_nothing_configured_means_portable(repo: Path) -> None:
    assert resolve_settings(repo) == Settings(dialect=None, style="auto")


def test_flag_wins_over_pyproject(repo: Path) -> None:
    write(repo / "pyproject.toml", '[tool.migration-fix]\ndialect = "mysql"\n')
    assert resolve_settings(repo, dialect="sqlite").dialect == "sqlite"
    assert resolve_settings(repo).dialect == "mysql"


def test_pyproject_is_searched_upward(repo: Path) -> None:
    write(repo / "pyproject.toml", '[tool.migration-fix]\ndialect = "oracle"\nstyle = "core"\n')
    nested = repo / "services" / "billing"
    nested.mkdir(parents=True)
    assert resolve_settings(nested) == Settings(dialect="oracle", style="core")


def test_search_stops_at_the_repository_root(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.migration-fix]\ndialect = "oracle"\n')
    inner = tmp_path / "checkout"
    (inner / ".git").mkdir(parents=True)
    assert resolve_settings(inner).dialect is None


def test_pyproject_wins_over_alembic_ini(repo: Path) -> None:
    write(repo / "alembic.ini", "[alembic]\nsqlalchemy.url = postgresql://u@h/db\n")
    write(repo / "pyproject.toml", '[tool.migration-fix]\ndialect = "mssql"\n')
    assert resolve_settings(repo).dialect == "mssql"


@pytest.mark.parametrize(
    ("url", "dialect"),
    [
        ("postgresql+psycopg2://scott:tiger@localhost/test", "postgresql"),
        ("postgres://u@h/db", "postgresql"),
        ("mysql+pymysql://root@127.0.0.1/test", "mysql"),
        ("mariadb+mariadbconnector://root@h/db", "mariadb"),
        ("sqlite:///%(here)s/app.db", "sqlite"),
        ("mssql+pyodbc://dsn", "mssql"),
        ("oracle+oracledb://u@h/db", "oracle"),
        ("driver://user:pass@localhost/dbname", None),
        ("", None),
    ],
)
def test_dialect_of_url(url: str, dialect: str | None) -> None:
    assert dialect_of_url(url) == dialect


def test_alembic_ini_url(repo: Path) -> None:
    write(repo / "alembic.ini", "[alembic]\nscript_location = %(here)s/migrations\nsqlalchemy.url = mysql+pymysql://root@localhost/app\n")
    assert resolve_settings(repo).dialect == "mysql"


def test_alembic_ini_placeholder_is_ignored(repo: Path) -> None:
    write(repo / "alembic.ini", "[alembic]\nsqlalchemy.url = driver://user:pass@localhost/dbname\n")
    assert resolve_settings(repo).dialect is None


def test_tool_alembic_in_pyproject(repo: Path) -> None:
    write(repo / "pyproject.toml", '[tool.alembic]\nscript_location = "migrations"\n"sqlalchemy.url" = "sqlite:///app.db"\n')
    assert resolve_settings(repo).dialect == "sqlite"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[tool.migration-fix]\ndialect = "db2"\n', "dialect = 'db2' is not one of"),
        ('[tool.migration-fix]\nstyle = "fancy"\n', "style = 'fancy' is not one of"),
        ('[tool.migration-fix]\ndialekt = "mysql"\n', "unknown key [tool.migration-fix] dialekt"),
        ("[tool.migration-fix\n", "cannot read"),
    ],
)
def test_bad_configuration_is_a_clear_error(repo: Path, text: str, message: str) -> None:
    write(repo / "pyproject.toml", text)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        resolve_settings(repo)


def test_bad_configuration_exits_2_naming_the_file(repo: Path, monkeypatch, capsys) -> None:
    path = write(repo / "pyproject.toml", '[tool.migration-fix]\ndialect = "db2"\n')
    migration = write(repo / "m.py", "x = 1\n")
    monkeypatch.chdir(repo)
    assert main([str(migration)]) == 2
    assert str(path) in capsys.readouterr().err


def test_configured_dialect_reaches_the_output(repo: Path, monkeypatch, capsys) -> None:
    write(repo / "pyproject.toml", '[tool.migration-fix]\ndialect = "mssql"\n')
    fixtures = Path(__file__).resolve().parent.parent / "fixtures"
    migration = repo / "m.py"
    migration.write_bytes((fixtures / "guide_boolean" / "before.py").read_bytes())
    monkeypatch.chdir(repo)
    main([str(migration)])
    assert "SET enable_downloads=0 WHERE" in capsys.readouterr().out


# -- rule selection, as ruff resolves it ---------------------------------------------------

@pytest.mark.parametrize(
    ("layers", "enabled"),
    [
        ([(None, None)], {"MF101", "MF102", "MF103", "MF104", "MF105", "MF106", "MF107"}),
        ([(["MF10"], ["MF106", "MF107"])], {"MF101", "MF102", "MF103", "MF104", "MF105"}),
        ([(["MF101"], ["MF1"])], {"MF101"}),
        ([(["MF1"], ["MF101"])], {"MF102", "MF103", "MF104", "MF105", "MF106", "MF107"}),
        ([(["ALL"], ["MF"])], set()),
        ([(["MF101", "MF102"], None), (None, ["MF102"])], {"MF101"}),
        ([(None, ["MF102"]), (["MF102"], None)], {"MF102"}),
    ],
)
def test_resolve_selection(layers, enabled) -> None:
    assert resolve_selection(layers).enabled == enabled


def test_parse_codes() -> None:
    assert parse_codes(" mf101, MF1 ,,") == ["MF101", "MF1"]
    with pytest.raises(ValueError, match="unknown code or prefix 'MF2'"):
        parse_codes("MF2")


def test_every_key_is_checked_on_load(repo: Path) -> None:
    write(
        repo / "pyproject.toml",
        '[tool.migration-fix]\nexclude = ["old"]\nextend-exclude = []\nforce-exclude = true\n'
        'baseline = "abc"\nselect = ["ALL"]\nignore = ["MF105"]\noutput-format = "github"\n',
    )
    assert load_project_config(repo).values["output-format"] == "github"


def test_alembic_config_folders_and_here(repo: Path) -> None:
    write(
        repo / "alembic.ini",
        "[alembic]\nscript_location = %(here)s/db\npath_separator = os\n"
        f"version_locations = %(here)s/a{os.pathsep}b\nsqlalchemy.url = mysql://x%%y@h/db\n",
    )
    config = find_alembic_config(repo)
    assert config is not None
    assert config.script_location == repo / "db"
    assert config.version_folders == (repo / "a", repo / "b")
    assert config.url == "mysql://x%%y@h/db"  # raw, as the dialect resolver reads it
    assert config.path == repo / "alembic.ini"


def test_no_alembic_config(repo: Path) -> None:
    assert find_alembic_config(repo) is None


def test_cli_config_url_wins_over_the_folder_search(repo: Path) -> None:
    write(repo / "alembic.ini", "[alembic]\nscript_location = db\nsqlalchemy.url = postgresql://h/db\n")
    write(repo / "other.ini", "[alembic]\nscript_location = db\nsqlalchemy.url = sqlite:///x.db\n")
    assert resolve_settings(repo, alembic=find_alembic_config(repo, Path("other.ini"))).dialect == "sqlite"
    assert resolve_settings(repo).dialect == "postgresql"

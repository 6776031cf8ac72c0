"""The test suite on every supported Python, and on the oldest and newest dependencies.

    nox                        # every session
    nox -s tests-3.12          # one Python
    nox -s deps_oldest         # the floors of pyproject.toml's requirements, pinned
    nox -s tests-3.13 -- -k codemod   # arguments after -- go to pytest

Each session installs the project with its ``test`` extra into a fresh
virtualenv (not editable: the tests run the built package) and runs the
README's test command, ``python -m pytest``. The environment passes through, so
MIGRATION_FIX_TEST_POSTGRES_URL / MIGRATION_FIX_TEST_MYSQL_URL enable the server
databases and MIGRATION_FIX_OFFLINE=1 skips the tests that need the package
index (pre-commit try-repo, the wheel installed into a fresh venv).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nox
from packaging.requirements import Requirement

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).parent
PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
# The requirements whose floors deps_oldest pins: the runtime dependencies and
# Alembic, which the tests (and any user of the autogenerate hook) bring.
PINNED = ("click", "libcst", "sqlalchemy", "tomli", "alembic")

nox.options.sessions = ["tests", "deps_oldest", "deps_newest"]


def report_versions(session: nox.Session) -> None:
    session.run(
        "python",
        "-c",
        "import importlib.metadata as m, sys; "
        "print(sys.version.split()[0], *(f'{n}=={m.version(n)}' for n in "
        "('migration-fix', 'sqlalchemy', 'alembic', 'libcst', 'click')))",
        silent=False,
    )


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The suite on one Python, with the newest dependencies pip picks."""
    session.install(".[test]")
    report_versions(session)
    session.run("python", "-m", "pytest", *session.posargs)


def floors() -> list[str]:
    """``name==X`` for every ``name>=X`` of PINNED in pyproject.toml, markers kept."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    pins = []
    for text in requirements:
        requirement = Requirement(text)
        if requirement.name.lower() not in PINNED:
            continue
        [floor] = [spec.version for spec in requirement.specifier if spec.operator == ">="]
        # Pin the first release of a floor given as X.Y: "==2.0" matches 2.0.0.
        pin = f"{requirement.name}=={floor}"
        if requirement.marker:
            pin += f"; {requirement.marker}"
        pins.append(pin)
    assert {Requirement(pin).name.lower() for pin in pins} == set(PINNED), pins
    return pins


@nox.session(python=PYTHONS[0])
def deps_oldest(session: nox.Session) -> None:
    """The oldest Python with the oldest SQLAlchemy, Alembic, libcst and click we claim."""
    constraints = Path(session.create_tmp()) / "oldest.txt"
    constraints.write_text("\n".join(floors()) + "\n")
    session.install("-c", str(constraints), ".[test]")
    report_versions(session)
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session(python=PYTHONS[-1])
def deps_newest(session: nox.Session) -> None:
    """The newest Python with the newest release of every dependency, upgraded eagerly."""
    session.install("--upgrade", "--upgrade-strategy", "eager", ".[test]")
    report_versions(session)
    session.run("python", "-m", "pytest", *session.posargs)

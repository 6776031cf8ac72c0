"""Backfills at autogenerate time, straight from the models.

Alembic drops a Python-side ``default=`` when it renders ``add_column``, but
the ``AddColumnOp`` it builds still holds the model's own Column.  The
``process_revision_directives`` hook ``backfill_defaults`` reads that default
into a ``model.NewColumn`` and asks ``plan.backfill_for`` for the statement, so
the migration gets exactly the backfill the codemod would have written::

    from migration_fix import backfill_defaults

    context.configure(..., process_revision_directives=backfill_defaults)
"""

from __future__ import annotations

import ast
import datetime
import decimal
import enum
import json
import logging
import math
import textwrap
from collections.abc import Callable, Iterable, Iterator
from functools import cached_property
from pathlib import Path
from typing import Any

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import _repr_type
from alembic.config import Config
from alembic.operations import ops
from alembic.runtime.migration import MigrationContext
from alembic.util import CommandError
from sqlalchemy import Column, DefaultClause, Enum, text
from sqlalchemy.sql import elements, functions
from sqlalchemy.types import TypeDecorator

from .config import ConfigError, resolve_settings
from .model import (
    CallableDefault,
    DefaultValue,
    Literal,
    NewColumn,
    SqlFunction,
    Unresolved,
)
from .plan import Backfill, Refusal, backfill_for, server_default_for
from .render import python_string
from .settings import Settings

Hook = Callable[[MigrationContext, Any, list[ops.MigrationScript]], None]

# Under "alembic", so the logging setup of alembic.ini prints it with Alembic's own lines.
logger = logging.getLogger("alembic.migration_fix")

# Marks an AddColumnOp already handled: a multi-database env.py calls the hook once
# per database with the whole, growing, list of scripts.
HANDLED = "migration_fix.handled"
SCALARS = (bool, int, float, str, decimal.Decimal, datetime.date, datetime.datetime, datetime.time)
COMMENT_WIDTH = 76


# -- the operations a backfill adds to the script ------------------------------------


class BackfillOp(ops.MigrateOperation):
    """The statements ``backfill_for`` wrote, run after the column exists."""

    def __init__(
        self, table_name: str, column_name: str, schema: str | None, statements: tuple[str, ...]
    ):
        self.table_name = table_name
        self.column_name = column_name
        self.schema = schema
        self.statements = statements

    def to_diff_tuple(self) -> tuple[Any, ...]:
        """What ``alembic check`` lists (it calls this on every op)."""
        return ("backfill", self.schema, self.table_name, self.column_name)


class NoBackfillOp(ops.MigrateOperation):
    """A comment where the backfill would go, saying why there is none."""

    def __init__(
        self, table_name: str, column_name: str, schema: str | None, code: str, message: str
    ):
        self.table_name = table_name
        self.column_name = column_name
        self.schema = schema
        self.code = code
        self.message = message

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("no_backfill", self.schema, self.table_name, self.column_name)


@renderers.dispatch_for(BackfillOp)
def render_backfill(_autogen_context: AutogenContext, op: BackfillOp) -> list[str]:
    """Alembic renders ``ExecuteSQLOp`` only for strings; a Core backfill is source."""
    return [line for statement in op.statements for line in statement.split("\n")]


@renderers.dispatch_for(NoBackfillOp)
def render_no_backfill(_autogen_context: AutogenContext, op: NoBackfillOp) -> list[str]:
    text = f"migration-fix {op.code}: {op.message}"
    return [f"# {line}" for line in textwrap.wrap(text, COMMENT_WIDTH)]


# -- the hook ------------------------------------------------------------------------


def backfill_defaults(
    context: MigrationContext, revision: Any, directives: list[ops.MigrationScript]
) -> None:
    """``process_revision_directives``: a backfill after every added column whose
    model has a Python-side default, since Alembic renders the column without it."""
    backfiller = Backfiller(context)
    for script in directives:
        for upgrade_ops in script.upgrade_ops_list:
            upgrade_ops.ops = list(backfiller.with_backfills(upgrade_ops.ops))
        # A new set: MigrationScript's default ``imports`` is shared by every instance.
        script.imports = {*script.imports, *backfiller.imports}


def combine(*hooks: Hook) -> Hook:
    """One ``process_revision_directives`` that runs ``hooks`` in order.

    Put ``backfill_defaults`` last, so it sees the columns the others leave.
    """

    def combined(
        context: MigrationContext, revision: Any, directives: list[ops.MigrationScript]
    ) -> None:
        for hook in hooks:
            hook(context, revision, directives)

    return combined


class Backfiller:
    """One hook call: the settings and rendering context, made only when a column needs them."""

    def __init__(self, context: MigrationContext) -> None:
        self.context = context
        self.imports: set[str] = set()

    @cached_property
    def settings(self) -> Settings:
        return settings_for(self.context.config)

    @cached_property
    def autogen_context(self) -> AutogenContext:
        """Renders types as Alembic's add_column does, honouring ``render_item``."""
        return AutogenContext(self.context, autogenerate=False)

    @property
    def receiver(self) -> str:
        return (self.context.opts.get("alembic_module_prefix") or "op.").rstrip(".")

    @property
    def sa(self) -> str:
        return (self.context.opts.get("sqlalchemy_module_prefix") or "").rstrip(".") or "sa"

    def with_backfills(
        self, operations: Iterable[ops.MigrateOperation]
    ) -> Iterator[ops.MigrateOperation]:
        """Each op, then the backfills of the columns it adds, then the step that
        finishes a NOT NULL column (set NOT NULL, or drop the server default).

        After, never inside, a table's ``ModifyTableOps``: rendered as a batch
        block, its ops run when the block ends, so the column would not exist yet.
        """
        for operation in operations:
            yield operation
            additions = operation.ops if isinstance(operation, ops.ModifyTableOps) else [operation]
            finishing: list[ops.AlterColumnOp] = []
            for addition in additions:
                if isinstance(addition, ops.AddColumnOp) and has_unhandled_default(addition):
                    yield from self.follow_ups(addition, finishing)
            if finishing:
                first = finishing[0]
                yield ops.ModifyTableOps(first.table_name, list(finishing), schema=first.schema)

    def follow_ups(
        self, addition: ops.AddColumnOp, finishing: list[ops.AlterColumnOp]
    ) -> Iterator[ops.MigrateOperation]:
        """The backfill or the reason for none. A NOT NULL column is added nullable
        first, or with ``not-null-strategy = "server-default"`` added with a server
        default that fills the rows (no UPDATE), dropped afterwards."""
        addition.info[HANDLED] = True
        column = addition.column
        new_column = self.new_column(addition)
        decision = backfill_for(new_column, self.column_settings(column), self.receiver, self.sa)
        where = (addition.table_name, column.name, addition.schema)
        if isinstance(decision, Refusal):
            logger.warning("migration-fix %s: %s", decision.code, decision.message)
            yield NoBackfillOp(*where, decision.code, decision.message)
        elif isinstance(decision, Backfill):
            server_default = self.server_default(new_column, column) if column.nullable is False else None
            if server_default is not None:  # it fills the rows: no UPDATE
                addition.column = column_as_added(column, server_default=DefaultClause(server_default))
                finishing.append(
                    finishing_step(addition, column, existing_nullable=False, modify_server_default=None)
                )
                return
            if decision.uses_sqlalchemy:
                self.imports |= self.core_imports(new_column.default)
            yield BackfillOp(*where, decision.statements)
            if column.nullable is False:
                addition.column = column_as_added(column, nullable=True)
                finishing.append(finishing_step(addition, column, modify_nullable=False))

    def server_default(self, new_column: NewColumn, column: Column[Any]) -> str | elements.TextClause | None:
        """With the ``server-default`` strategy, what a NOT NULL column is added with;
        None for the ``backfill`` strategy, for defaults no literal fits, and for a
        TypeDecorator (it may convert the value on its way in; a literal would not)."""
        if self.settings.not_null_strategy != "server-default" or isinstance(column.type, TypeDecorator):
            return None
        found = server_default_for(new_column, self.settings.dialect)
        if found is None:
            return None
        value, is_sql = found
        return text(value) if is_sql else value

    def core_imports(self, default: DefaultValue) -> set[str]:
        """What a Core backfill names beyond the template's ``import sqlalchemy as sa``."""
        imports = source_imports(default)
        if not self.context.opts.get("sqlalchemy_module_prefix"):
            imports.add("import sqlalchemy as sa")
        return imports

    def new_column(self, addition: ops.AddColumnOp) -> NewColumn:
        """The column as it is added: nullable, since NOT NULL comes after the backfill.

        The NOT NULL step is Alembic's own ``AlterColumnOp``, not ``backfill_for``'s
        source: Alembic renders it in batch mode exactly when ``render_as_batch`` says.
        """
        column = addition.column
        default = default_value(column)
        return NewColumn(
            table=addition.table_name,
            name=column.name,
            schema=addition.schema,
            default=default,
            type_name=type(column.type).__name__,
            nullable=True,
            has_server_default=column.server_default is not None,
            default_source=python_source(default, self.sa),
            type_source=_repr_type(column.type, self.autogen_context),
        )

    def column_settings(self, column: Column[Any]) -> Settings:
        """A TypeDecorator may convert the default on its way in; only Core does that too."""
        if isinstance(column.type, TypeDecorator) and self.settings.style == "auto":
            return Settings(self.settings.dialect, "core")
        return self.settings


def has_unhandled_default(addition: ops.AddColumnOp) -> bool:
    """Columns with a Python-side ``default=``/``insert_default=``, not seen before."""
    return addition.column.default is not None and not addition.info.get(HANDLED)


def settings_for(config: Config | None) -> Settings:
    """The CLI's dialect resolver, from the folder of the Alembic config, else the cwd.

    Never the autogenerate connection's dialect: that is often a development
    SQLite while production runs PostgreSQL.
    """
    file_name = (
        None
        if config is None
        else config.config_file_name or getattr(config, "toml_file_name", None)
    )
    start = Path(file_name).resolve().parent if file_name else Path.cwd()
    try:
        return resolve_settings(start)
    except ConfigError as error:
        raise CommandError(str(error)) from error


# -- from SQLAlchemy objects to the neutral model ------------------------------------


def default_value(column: Column[Any]) -> DefaultValue:
    """What the finder would read from the source of this column's ``default=``."""
    default = column.default
    if getattr(default, "is_callable", False):
        return CallableDefault(callable_name(default.arg))
    if getattr(default, "is_scalar", False):
        if isinstance(default.arg, enum.Enum):
            return enum_value(default.arg, column.type)
        return literal(default.arg) or Unresolved(repr(default.arg))
    if getattr(default, "is_clause_element", False):
        return expression_value(default.arg)
    return Unresolved(repr(default))  # a Sequence: nextval per row, nothing to backfill


def literal(value: object) -> Literal | None:
    """A value of a kind the planner takes, whose ``repr`` is Python source.

    Exact types: a ``str``-valued enum member is a ``str`` with another repr.
    """
    kind = type(value)
    if kind in (dict, list):
        return Literal(value) if is_json_document(value) else None
    if kind not in SCALARS:
        return None
    if kind is float and not math.isfinite(value):
        return None
    if kind is decimal.Decimal and not value.is_finite():
        return None
    tzinfo = getattr(value, "tzinfo", None)
    if tzinfo is not None and type(tzinfo) is not datetime.timezone:
        return None  # its repr names a module (zoneinfo, pytz) the migration does not import
    return Literal(value)


def is_json_document(value: dict[Any, Any] | list[Any]) -> bool:
    """A JSON column's default, written back as the dict or list literal it came from."""
    try:
        json.dumps(value, allow_nan=False)
        return ast.literal_eval(repr(value)) == value
    except (TypeError, ValueError, SyntaxError, RecursionError):
        return False


def enum_value(member: enum.Enum, column_type: Any) -> DefaultValue:
    """What ``sa.Enum`` stores for a member: its name, or what ``values_callable`` made of it."""
    enum_class = getattr(column_type, "enum_class", None)
    if not isinstance(column_type, Enum) or not isinstance(member, enum_class or ()):
        return Unresolved(repr(member))
    if column_type.values_callable is None:
        return Literal(member.name)
    return Literal(column_type.enums[list(enum_class).index(member)])


def expression_value(expression: Any) -> DefaultValue:
    """``func.now()``, ``true()``, ``text(...)``, ``literal(...)``, as the finder reads them."""
    if isinstance(expression, functions.FunctionElement) and not len(expression.clauses):
        return SqlFunction(expression.name.lower())
    if isinstance(expression, (elements.True_, elements.False_)):
        return SqlFunction("true" if isinstance(expression, elements.True_) else "false")
    if isinstance(expression, elements.TextClause):
        return SqlFunction("text", expression.text)
    if isinstance(expression, elements.BindParameter):
        return literal(expression.value) or Unresolved(str(expression))
    return Unresolved(str(expression))


def callable_name(function: Callable[..., Any]) -> str:
    """``models.new_token``, ``datetime.datetime.utcnow``: for the comment and the warning."""
    function = getattr(function, "__wrapped__", function)  # SQLAlchemy wraps no-argument callables
    owner = getattr(function, "__self__", None)
    module = getattr(function, "__module__", None) or getattr(owner, "__module__", None)
    name = getattr(function, "__qualname__", None) or repr(function)
    return f"{module}.{name}" if module else name


def python_source(default: DefaultValue, sa: str) -> str | None:
    """The default as Python source, for a Core backfill's ``.values(...)``."""
    if isinstance(default, Literal):
        value = default.value
        return f"decimal.{value!r}" if isinstance(value, decimal.Decimal) else repr(value)
    if isinstance(default, SqlFunction):
        if default.name == "text":
            return f"{sa}.text({python_string(default.text or '')})"
        if default.name in ("true", "false"):
            return f"{sa}.{default.name}()"
        return f"{sa}.func.{default.name}()"
    return None


def source_imports(default: DefaultValue) -> set[str]:
    """The modules ``python_source`` names: dates and decimals are not builtins."""
    value = default.value if isinstance(default, Literal) else None
    if isinstance(value, decimal.Decimal):
        return {"import decimal"}
    if isinstance(value, (datetime.date, datetime.time)):
        return {"import datetime"}
    return set()


def column_as_added(column: Column[Any], **changes: Any) -> Column[Any]:
    """The column as its first step adds it (nullable, or with a server default);
    a copy, since the original is the user's metadata."""
    copy = column._copy()
    for name, value in changes.items():
        setattr(copy, name, value)
    return copy


def finishing_step(addition: ops.AddColumnOp, column: Column[Any], **changes: Any) -> ops.AlterColumnOp:
    """The ALTER that makes the column what the model says once every row holds a
    value: set NOT NULL, or drop the server default. MySQL restates type and
    comment to change a column."""
    return ops.AlterColumnOp(
        addition.table_name,
        column.name,
        schema=addition.schema,
        existing_type=column.type,
        existing_comment=column.comment,
        **changes,
    )

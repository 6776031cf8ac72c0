"""The libcst transformers that write a plan into the tree.

Each does one job: edit the arguments of a Column call, or place parsed
statements after the statements the plan names by their lines. Everything
else in the tree, and so every byte of the file, is left as libcst read it.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from .model import Edit, InsertKeyword, Insertion, ReplaceExpression


class InsertStatements(cst.CSTTransformer):
    """Inserts each Insertion's statements right after its anchor statement."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, insertions: Sequence[Insertion], config: cst.PartialParserConfig) -> None:
        super().__init__()
        self.pending = {(item.anchor_line, item.after_line): item for item in insertions}
        self.config = config

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        return updated.with_changes(body=self._with_insertions(original.body, updated.body))

    def leave_IndentedBlock(
        self, original: cst.IndentedBlock, updated: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        return updated.with_changes(body=self._with_insertions(original.body, updated.body))

    def _with_insertions(
        self, originals: Sequence[cst.BaseStatement], updated: Sequence[cst.BaseStatement]
    ) -> list[cst.BaseStatement]:
        body: list[cst.BaseStatement] = []
        for original, statement in zip(originals, updated):
            body.append(statement)
            position: CodeRange = self.get_metadata(PositionProvider, original)
            insertion = self.pending.pop((position.start.line, position.end.line), None)
            if insertion is not None:
                body.extend(
                    cst.parse_statement(source, config=self.config)
                    for source in insertion.statement_sources()
                )
        return body


class EditArguments(cst.CSTTransformer):
    """Replaces an argument's value, or adds a keyword argument before another."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, edits: Sequence[Edit]) -> None:
        super().__init__()
        self.replacements = {
            (edit.line, edit.column): edit for edit in edits if isinstance(edit, ReplaceExpression)
        }
        self.keywords = {
            (edit.line, edit.column): edit for edit in edits if isinstance(edit, InsertKeyword)
        }

    def _start(self, node: cst.CSTNode) -> tuple[int, int]:
        start = self.get_metadata(PositionProvider, node).start
        return start.line, start.column

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        edit = self.replacements.get(self._start(original))
        if edit is None or original.value != edit.old:
            return updated
        del self.replacements[self._start(original)]
        return cst.parse_expression(edit.new)

    def leave_Arg(
        self, original: cst.Arg, updated: cst.Arg
    ) -> cst.Arg | cst.FlattenSentinel[cst.Arg]:
        edit = self.keywords.pop(self._start(original), None)
        if edit is None:
            return updated
        keyword, _, value = edit.text.partition("=")
        added = cst.Arg(
            keyword=cst.Name(keyword),
            value=cst.parse_expression(value),
            equal=cst.AssignEqual(
                whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
            ),
            comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
        )
        return cst.FlattenSentinel([added, updated])


def apply_plan(source: bytes, insertions: Sequence[Insertion], edits: Sequence[Edit]) -> bytes:
    """Parse, edit, insert, and give the file's bytes back in its own encoding."""
    module = cst.parse_module(source)
    if edits:
        editor = EditArguments(edits)
        module = MetadataWrapper(module, unsafe_skip_copy=True).visit(editor)
        if editor.replacements or editor.keywords:
            raise LookupError("an argument to edit was not found")
    inserter = InsertStatements(insertions, module.config_for_parsing)
    module = MetadataWrapper(module, unsafe_skip_copy=True).visit(inserter)
    if inserter.pending:
        lines = ", ".join(str(line) for _, line in sorted(inserter.pending))
        raise LookupError(f"no statement ends on line {lines}")
    return module.bytes

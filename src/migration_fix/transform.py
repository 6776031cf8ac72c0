"""The libcst transformer that writes planned statements into the tree.

It does one job: place parsed statements after the statements the plan names
by their lines. Everything else in the tree, and so every byte of the file,
is left as libcst read it.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from .model import Insertion

Statement = cst.BaseStatement | cst.BaseSmallStatement


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


def insert_statements(module: cst.Module, insertions: Sequence[Insertion]) -> cst.Module:
    """``module`` with the insertions made; raises if an anchor is not found."""
    transformer = InsertStatements(insertions, module.config_for_parsing)
    result = MetadataWrapper(module, unsafe_skip_copy=True).visit(transformer)
    if transformer.pending:
        lines = ", ".join(str(line) for _, line in sorted(transformer.pending))
        raise LookupError(f"no statement ends on line {lines}")
    return result


def apply_insertions(source: bytes, insertions: Sequence[Insertion]) -> bytes:
    """Parse, insert, and give the file's bytes back in its own encoding."""
    return insert_statements(cst.parse_module(source), insertions).bytes

"""Swap what the model may not see for placeholders, and put the real values back in what it writes.

mask:        text bound for the model → personal data (and, in schema mode, the dataset's text values)
             replaced by the thread's placeholders (`<EMAIL_1>`, `<CITY_3>`)
unmask:      the model's prose (the answer) → placeholders replaced by the real values
unmask_code: the model's code → placeholders inside string literals replaced by the real values, as
             literals (through the AST), so a value can never become code
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from agent.privacy.detect import Span, find_pii
from agent.privacy.values import ValueIndex
from agent.privacy.vault import PLACEHOLDER, Vault

_FENCE = re.compile(r"(```[^\n]*\n)(.*?)(```)", re.DOTALL)
# A word cut short where pandas truncates a cell ("renew...") or a slice ends a line ("Peli").
_CUT_WORD = re.compile(r"(?<!\w)[^\W\d_]\w{2,}(?=\.\.\.|…|[ \t]*$)", re.MULTILINE)


@dataclass
class Masker:
    """The masking of one question: the thread's placeholders, and the dataset's values in schema mode."""

    vault: Vault
    values: ValueIndex | None = None

    def mask(self, text: str) -> str:
        spans = find_pii(text)
        if self.values is not None and self.values.pattern is not None:
            spans = _merge(spans, self._value_spans(text))
        if not spans:
            return text
        out, at = [], 0
        for span in spans:
            out += [text[at : span.start], self.vault.placeholder(text[span.start : span.end], span.kind)]
            at = span.end
        out.append(text[at:])
        return "".join(out)

    def _value_spans(self, text: str) -> list[Span]:
        assert self.values is not None and self.values.pattern is not None
        labels = self.values.labels
        found = []
        for match in self.values.pattern.finditer(text):
            label = labels.get(match.group().lower())
            if label is not None and not PLACEHOLDER.fullmatch(match.group()):
                found.append(Span(match.start(), match.end(), label))
        cut = [Span(m.start(), m.end(), "PART") for m in _CUT_WORD.finditer(text) if self.values.completes(m.group())]
        return _merge(found, cut)

    def unmask(self, text: str) -> str:
        """The model's prose with the real values back (a placeholder it made up stays as it is)."""
        return PLACEHOLDER.sub(lambda m: self.vault.value(m.group()) or m.group(), text)

    def unmask_code(self, code: str) -> str:
        """The model's code with the real values in its string literals; unchanged when it does not parse."""
        if not PLACEHOLDER.search(code):
            return code
        try:
            tree = ast.parse(code)
        except SyntaxError:
            return code
        swapper = _Literals(self)
        tree = swapper.visit(tree)
        if not swapper.changed:
            return code
        try:
            return ast.unparse(ast.fix_missing_locations(tree))
        except (ValueError, RecursionError):
            return code

    def unmask_reply(self, text: str) -> str:
        """A reply that may hold fenced code: code blocks through `unmask_code`, the prose through `unmask`."""
        out, at = [], 0
        for match in _FENCE.finditer(text):
            out += [self.unmask(text[at : match.start()]), match.group(1), self.unmask_code(match.group(2))]
            out.append(match.group(3))
            at = match.end()
        out.append(self.unmask(text[at:]))
        return "".join(out)


class _Literals(ast.NodeTransformer):
    def __init__(self, masker: Masker) -> None:
        self.masker = masker
        self.changed = False

    def visit_Constant(self, node: ast.Constant) -> ast.Constant:
        if isinstance(node.value, str) and PLACEHOLDER.search(node.value):
            real = self.masker.unmask(node.value)
            if real != node.value:
                self.changed = True
                return ast.copy_location(ast.Constant(real), node)
        return node


def _merge(first: list[Span], second: list[Span]) -> list[Span]:
    """`first` and the spans of `second` that overlap none of it, in order."""
    kept = list(first)
    for span in second:
        if not any(span.start < t.end and t.start < span.end for t in first):
            kept.append(span)
    return sorted(kept, key=lambda s: s.start)

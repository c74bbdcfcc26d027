"""The Whoosh tokenizers of the index's text fields and of the fallback bigram field."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from whoosh.analysis import Token, Tokenizer

from .folding import fold
from .segmentation import segmenter
from .spec import AnalyzerSpec
from .words import bigrams, pieces


class _SpecTokenizer(Tokenizer):  # type: ignore[misc]
    """A Whoosh tokenizer that holds only its AnalyzerSpec, so Whoosh can pickle the schema."""

    def __init__(self, spec: AnalyzerSpec) -> None:
        self.spec = spec

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _SpecTokenizer) and type(other) is type(self) and other.spec == self.spec

    def __hash__(self) -> int:
        return hash((type(self), self.spec))

    def terms(self, value: str) -> Iterator[tuple[str, int, int, int, float]]:
        """(term, position, start, end, weight) of each token of `value`."""
        raise NotImplementedError

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        start_pos: int = 0,
        start_char: int = 0,
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, **{key: kwargs[key] for key in ("removestops", "mode") if key in kwargs})
        for text, position, start, end, weight in self.terms(value):
            token.text = text
            token.boost = weight  # Whoosh sums the boosts of a term's tokens into its weight
            token.stopped = False
            if positions:
                token.pos = start_pos + position
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


class ChineseTokenizer(_SpecTokenizer):
    """The text fields' tokenizer: the words of `words.pieces` with ordinal positions (one per
    word, one per part of a compound), and at each word's position the terms of `index_terms`:
    the whole of a compound, a Chinese word's sub-words and synonyms (weighted)."""

    def terms(self, value: str) -> Iterator[tuple[str, int, int, int, float]]:
        extras = segmenter(self.spec).weighted_extras
        position = 0
        for form, parts, start, end in pieces(fold(value), self.spec):
            if parts is None:  # a Chinese word
                yield form, position, start, end, 1.0
                for extra, weight in extras(form):
                    yield extra, position, start, end, weight
                position += 1
            else:
                for offset, part in enumerate(parts):
                    yield part, position + offset, start, end, 1.0
                if len(parts) > 1:
                    yield form, position, start, end, 1.0
                position += len(parts)


class BigramTokenizer(_SpecTokenizer):
    """The fallback field's tokenizer: Han bigrams and Latin words, ordinal positions."""

    def terms(self, value: str) -> Iterator[tuple[str, int, int, int, float]]:
        return ((text, number, start, end, 1.0) for number, (text, start, end) in enumerate(bigrams(value)))


def chinese_analyzer(spec: AnalyzerSpec | None = None) -> ChineseTokenizer:
    """The analyzer of every text field (a tokenizer alone: folding and stemming are inside)."""
    return ChineseTokenizer(spec or AnalyzerSpec())


def bigram_analyzer(spec: AnalyzerSpec | None = None) -> BigramTokenizer:
    """The analyzer of the fallback bigram field."""
    return BigramTokenizer(spec or AnalyzerSpec())


def analyze(text: str, spec: AnalyzerSpec | None = None) -> list[str]:
    """The index terms of `text` in order (for tests and tools)."""
    return [token.text for token in chinese_analyzer(spec)(text)]

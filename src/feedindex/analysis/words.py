"""Words: text split into Han words (segmented) and Latin/digit words (lower-cased, stemmed, split).

`pieces` is the one place that splits text: `words` (queries, suggestions) and the index's
tokenizer (`tokenizers.ChineseTokenizer`) both read it, so a query is cut as the index was.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from whoosh.lang.porter import stem as porter_stem

from .folding import fold
from .segmentation import segmenter
from .spec import AnalyzerSpec

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_WORDS = re.compile(
    rf"(?P<han>[{_HAN}]+)"
    r"|(?P<sym>[A-Za-z](?:\+\+|#)(?![A-Za-z0-9#+]))"  # c++ c# f#
    r"|(?P<latin>[A-Za-z0-9]+(?:\.[0-9]+[A-Za-z0-9]*)*)"  # qwen3 128k 3.1 v2.5.1
    r"|(?P<other>[^\W_]+)"  # kana, hangul, accented letters…
)
_PARTS = re.compile(r"[a-z]+|[0-9]+")

# One word of `pieces`: (index form, its parts or None for a Han word, start, end).
Piece = tuple[str, tuple[str, ...] | None, int, int]


@dataclass(frozen=True)
class Word:
    """One word of analysed text: its index form, its parts, where it stands in the original."""

    text: str  # folded, lower-cased, stemmed: the term in the index
    parts: tuple[str, ...]  # the atomic terms, one position each (just `text` for most words)
    start: int  # offsets into the original text
    end: int
    han: bool


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """English stem of a lower-case ASCII word; other words unchanged."""
    return porter_stem(word) if word.isascii() and word.isalpha() and len(word) > 2 else word


@lru_cache(maxsize=100_000)
def latin_forms(word: str) -> tuple[str, tuple[str, ...]]:
    """A Latin/digit word's index form and its parts: `Qwen3` → (`qwen3`, (`qwen`, `3`))."""
    lowered = word.lower()
    if "+" in lowered or "#" in lowered:
        return lowered, (lowered,)
    parts = tuple(stem(part) for part in _PARTS.findall(lowered))
    whole = stem(lowered) if len(parts) == 1 else lowered
    return whole, parts or (whole,)


def pieces(folded: str, spec: AnalyzerSpec) -> Iterator[Piece]:
    """The words of folded text in order, as plain tuples (the tokenizer runs over every article
    at every full build: a Word per token would cost it a third more); punctuation and spaces
    give none."""
    cut = None  # text without Han characters does not load the segmenter
    for match in _WORDS.finditer(folded):
        kind = match.lastgroup
        start, end = match.span()
        if kind == "han":
            if cut is None:
                cut = segmenter(spec).cut
            for piece in cut(match.group()):
                stop = start + len(piece)
                yield piece, None, start, stop
                start = stop
        elif kind == "other":
            lowered = match.group().lower()
            yield lowered, (lowered,), start, end
        else:
            whole, parts = latin_forms(match.group())
            yield whole, parts, start, end


def words(text: str, spec: AnalyzerSpec) -> list[Word]:
    """The words of `text` in order; punctuation and spaces produce none."""
    return [
        Word(form, parts or (form,), start, end, parts is None) for form, parts, start, end in pieces(fold(text), spec)
    ]


def index_terms(word: Word, spec: AnalyzerSpec) -> list[str]:
    """Extra terms the index stores at a word's position: the whole of a compound, sub-words and
    synonyms."""
    if word.han:
        return list(segmenter(spec).extras(word.text))
    return [word.text] if len(word.parts) > 1 else []


def bigrams(text: str) -> Iterator[tuple[str, int, int]]:
    """(term, start, end): overlapping Han bigrams (a lone character alone) and Latin words.

    The fallback field: it finds a phrase whatever the segmenter made of it. Latin words are kept
    unstemmed, whole and, for compounds, also in parts (`qwen3` → `qwen3`, `qwen`, `3`), which
    gives "did you mean" real words to propose.
    """
    folded = fold(text)
    for match in _WORDS.finditer(folded):
        start, end = match.span()
        run = match.group()
        if match.lastgroup != "han":
            lowered = run.lower()
            yield lowered, start, end
            parts = _PARTS.findall(lowered) if match.lastgroup == "latin" else []
            for part in parts if len(parts) > 1 else ():
                yield part, start, end
        elif len(run) == 1:
            yield run, start, end
        else:
            for offset in range(len(run) - 1):
                yield run[offset : offset + 2], start + offset, start + offset + 2

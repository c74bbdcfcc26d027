"""Segmentation: jieba (or jieba-rs) with the synonym words and the user dictionary; sub-words.

jieba's dictionary is loaded once per process and AnalyzerSpec (`segmenter`); each Chinese word
also gives the index its dictionary sub-words and its synonyms (`Segmenter.weighted_extras`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

from .folding import fold
from .spec import AnalyzerSpec
from .synonyms import index_synonyms, synonyms

# The weight (term frequency) of a synonym the index stores beside a word, against 1 for the word
# as written and its sub-words: a match through a vocabulary bridge (选择 → 选取) is weaker
# evidence than the word itself, so an article that says what the visitor typed ranks first.
SYNONYM_WEIGHT = 0.25
SYNONYM_FREQUENCY = 1000  # the frequency a synonym gets where the segmenter cannot tell its own


class Segmenter:
    """jieba (or jieba-rs) with its dictionary loaded once, the synonym words and the user dictionary.

    `segmenter = "rjieba"` (the default) uses jieba-rs through the rjieba binding: the same
    dictionary and algorithm as jieba, compiled; `"jieba"` uses jieba itself. Both are used
    without HMM, so they cut the same way but for rare edge cases (equal scores on the search
    quality benchmark); the index records which one built it.
    """

    def __init__(self, spec: AnalyzerSpec) -> None:
        self._extras: dict[str, tuple[tuple[str, float], ...]] = {}
        self._engine = _RustJieba(spec.hmm) if spec.segmenter == "rjieba" else _Jieba(spec.hmm)
        self.has_word = self._engine.has_word
        # Taiwan words such as 記憶體 (folded 记忆体) must be cut whole to meet their synonyms.
        for word, others in synonyms().items():
            if not self.has_word(word):
                known = [self._engine.frequency(other) for other in others]
                self._engine.add_word(word, min(max([*known, 50]), 50_000))
        if spec.user_dict:
            for word, count in _user_words(Path(spec.user_dict)):
                self._engine.add_word(word, count)

    def cut(self, text: str) -> list[str]:
        """Words of a run of Han characters, precise mode."""
        return self._engine.cut(text)

    def subwords(self, word: str) -> list[str]:
        """Dictionary words strictly inside `word` (for recall of short queries)."""
        found = []
        for size in range(2, len(word)):
            for start in range(len(word) - size + 1):
                piece = word[start : start + size]
                if self.has_word(piece):
                    found.append(piece)
        return found

    def extras(self, word: str) -> tuple[str, ...]:
        """What the index stores at a Chinese word's position besides it: its sub-words and the
        synonyms of it and of them."""
        return tuple(term for term, _ in self.weighted_extras(word))

    def weighted_extras(self, word: str) -> tuple[tuple[str, float], ...]:
        """`extras` with their weights: 1 for a sub-word, SYNONYM_WEIGHT for a synonym and the
        synonym's own sub-words (a mainland 演练 is indexed as if it also said 逐步解说, so the
        query 逐步 finds it as it finds a Taiwan 逐步解說). Cached: words repeat a lot."""
        found = self._extras.get(word)
        if found is None:
            inner = self.subwords(word) if len(word) > 2 else []
            table = index_synonyms()
            weights = dict.fromkeys(inner, 1.0)
            for term in (word, *inner):
                for synonym in table.get(term, ()):
                    for extra in (synonym, *(self.subwords(synonym) if len(synonym) > 2 else ())):
                        weights.setdefault(extra, SYNONYM_WEIGHT)
            found = self._extras[word] = tuple((term, weight) for term, weight in weights.items() if term != word)
        return found


class _Jieba:
    """jieba (pure Python)."""

    def __init__(self, hmm: bool) -> None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        self.hmm = hmm
        self.tokenizer = jieba.Tokenizer()
        self.tokenizer.initialize()
        self.freq: dict[str, int] = self.tokenizer.FREQ

    def cut(self, text: str) -> list[str]:
        return list(self.tokenizer.cut(text, HMM=self.hmm))

    def has_word(self, word: str) -> bool:
        return bool(self.freq.get(word))

    def frequency(self, word: str) -> int:
        return self.freq.get(word, 0)

    def add_word(self, word: str, frequency: int | None) -> None:
        self.tokenizer.add_word(word, frequency)


class _RustJieba:
    """jieba-rs through the rjieba binding: the same dictionary and algorithm, compiled."""

    def __init__(self, hmm: bool) -> None:
        import rjieba

        self.hmm = hmm
        self.engine = rjieba.Jieba()

    def cut(self, text: str) -> list[str]:
        return list(self.engine.cut(text, hmm=self.hmm))

    def has_word(self, word: str) -> bool:
        return bool(self.engine.has_word(word))

    def frequency(self, word: str) -> int:
        return SYNONYM_FREQUENCY if self.engine.has_word(word) else 0  # jieba-rs does not tell

    def add_word(self, word: str, frequency: int | None) -> None:
        self.engine.add_word(word, frequency, None)


def _user_words(path: Path) -> Iterator[tuple[str, int | None]]:
    """(folded word, frequency or None) of each line of a jieba-format user dictionary."""
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split()
        if fields and not fields[0].startswith("#"):
            yield fold(fields[0]), int(fields[1]) if len(fields) > 1 and fields[1].isdigit() else None


_segmenters: dict[AnalyzerSpec, Segmenter] = {}
_segmenters_lock = threading.Lock()


def segmenter(spec: AnalyzerSpec) -> Segmenter:
    """The process's segmenter for `spec`, built on first use (jieba's dictionary: ~0.7 s)."""
    found = _segmenters.get(spec)
    if found is None:
        with _segmenters_lock:
            found = _segmenters.get(spec)
            if found is None:
                found = _segmenters[spec] = Segmenter(spec)
    return found

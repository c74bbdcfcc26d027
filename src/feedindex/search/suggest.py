""" "Did you mean": pinyin homophones for Chinese (開元模型 → 開源模型), edit distance for Latin.

The homophone table is built with the index (`feedindex.index.suggestions`); this is the query side.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..analysis import Word, fold, to_traditional
from ..index.schema import FALLBACK_FIELD
from ..index.suggestions import frequency, is_han_word, pinyin_key

LATIN_FIELD = FALLBACK_FIELD  # the fallback field keeps Latin words unstemmed


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, transpositions."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]


def latin_words(reader: Any) -> list[str]:
    """The Latin words of the index (unstemmed, from the fallback field): what a misspelt Latin
    word is compared with. The term list is sorted by bytes, so they all come before the first
    non-ASCII term: the walk stops there."""
    found = []
    for term in reader.lexicon(LATIN_FIELD):
        if term[0] >= 0x80:
            break
        if term.isalpha():
            found.append(term.decode("ascii"))
    return found


def close_words(typed: str, lexicon: Sequence[str], distance: int = 2) -> list[str]:
    """The words of `lexicon` within `distance` edits of `typed` (insertions, deletions,
    substitutions, transpositions of neighbours), found by RapidFuzz in about a millisecond for
    20,000 words; Whoosh's `terms_within` builds an automaton per word (seconds)."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    found = process.extract(typed, lexicon, scorer=OSA.distance, score_cutoff=distance, limit=None)
    return [word for word, _, _ in found]


def _candidate(word: Word, typed: str, reader: Any, table: dict[str, str], lexicon: Sequence[str]) -> str | None:
    """A likelier spelling of `word`: a more frequent homophone, or a close Latin word."""
    if word.han:
        other = table.get(pinyin_key(word.text)) if is_han_word(word.text) else None
        seen = frequency(reader, word.text)
        return other if other and other != word.text and frequency(reader, other) > seen else None
    as_typed, typed = typed, typed.lower()
    # Latin words are compared unstemmed, in the fallback field, so suggestions are real words.
    if not typed.isascii() or not typed.isalpha() or len(typed) < 3 or reader.doc_frequency(LATIN_FIELD, typed):
        return None
    close = {term for term in close_words(typed, lexicon) if term != typed}
    if not close:
        return None
    best: str = min(
        close, key=lambda term: (edit_distance(typed, term), -reader.doc_frequency(LATIN_FIELD, term), term)
    )
    if as_typed.isupper():
        return best.upper()
    return best.capitalize() if as_typed[0].isupper() else best


def suggest(query: str, words: list[Word], reader: Any, table: dict[str, str], lexicon: Sequence[str]) -> list[str]:
    """Corrected versions of `query`, most complete first (each word replaced in the user's script);
    `table` is the homophone table, `lexicon` the index's Latin words (`latin_words`)."""
    replacements = []
    for word in words:
        candidate = _candidate(word, query[word.start : word.end], reader, table, lexicon)
        if candidate is not None:
            span = query[word.start : word.end]
            traditional = fold(span) != span
            replacements.append((word.start, word.end, to_traditional(candidate) if traditional else candidate))
    if not replacements:
        return []

    def apply(chosen: list[tuple[int, int, str]]) -> str:
        text = query
        for start, end, replacement in sorted(chosen, reverse=True):
            text = text[:start] + replacement + text[end:]
        return text

    options = [apply(replacements)]
    if len(replacements) > 1:
        options += [apply([replacement]) for replacement in replacements]
    return options

""" "Did you mean": pinyin homophones for Chinese (開元模型 → 開源模型), edit distance for Latin.

The homophone table (toneless pinyin → the most frequent index term with that sound) is built
once per index generation, when the index is written, and stored beside it.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from .analysis import Word, fold, to_traditional
from .files import write_atomic
from .paths import SUGGESTIONS as TABLE_FILE

log = logging.getLogger(__name__)

FIELDS = ("title", "body")
LATIN_FIELD = "cjk"  # the fallback field keeps Latin words unstemmed


@lru_cache(maxsize=1)
def _pinyin_dict() -> dict[int, str]:
    """pypinyin's readings of single characters (code point → "pīn,pìn").

    Only the module that holds them is loaded, from its file: importing it the usual way runs
    the package's `__init__`, which loads the phrase dictionary too (a third of a second or more
    per build that updates the index; this table takes a tenth of that). On any trouble the
    usual import decides.
    """
    if "pypinyin.pinyin_dict" not in sys.modules:
        try:
            return _load_pinyin_dict()
        except Exception as error:  # whatever went wrong, the usual import is the reference
            log.debug("cannot load pypinyin's pinyin_dict on its own (%s): importing the package", error)
    from pypinyin.pinyin_dict import pinyin_dict

    return pinyin_dict


def _load_pinyin_dict() -> dict[int, str]:
    package = importlib.util.find_spec("pypinyin")  # locates it without running its __init__
    if package is None or package.origin is None:
        raise ImportError("pypinyin is not installed as files")
    path = Path(package.origin).with_name("pinyin_dict.py")
    spec = importlib.util.spec_from_file_location("_feedindex_pinyin_dict", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    table = module.pinyin_dict
    if not isinstance(table, dict) or not table:
        raise ImportError(f"{path} holds no pinyin_dict")
    return table


@lru_cache(maxsize=50_000)
def _reading(char: str) -> str:
    """A character's first pinyin reading without tone marks (ü as u); the character itself
    when it has none."""
    readings = _pinyin_dict().get(ord(char))
    if readings is None:
        return char
    return "".join(c for c in unicodedata.normalize("NFD", readings.split(",")[0]) if not unicodedata.combining(c))


def pinyin_key(term: str) -> str:
    """Toneless pinyin of a Chinese term, syllables separated by spaces.

    Character by character (first reading), which is what matters here: the same key for the
    index term and the query word. A lookup per character is 50 times faster than pypinyin's
    phrase-aware conversion, which matters with 100,000 index terms.
    """
    return " ".join(_reading(char) for char in term)


def is_han_word(term: str) -> bool:
    """A Chinese word of 2 to 4 characters: what homophone suggestions are made of."""
    return 2 <= len(term) <= 4 and all("\u3400" <= char <= "\u9fff" for char in term)


def build_table(reader: Any) -> dict[str, str]:
    """pinyin → the index term with that pronunciation found in the most articles."""
    groups: dict[str, set[str]] = {}
    for field in FIELDS:
        for term in reader.field_terms(field):
            if is_han_word(term):
                groups.setdefault(pinyin_key(term), set()).add(term)
    # Document frequencies only where two terms sound alike: most keys have one term.
    return {key: _most_frequent(reader, terms) for key, terms in sorted(groups.items())}


def update_table(table: dict[str, str], reader: Any, terms: Iterable[str]) -> dict[str, str]:
    """`table` with the Han words of `terms` (from added articles) taken in where they win.

    Terms of removed articles stay until the next full build; a suggestion is only offered after
    a search shows it finds articles, so a stale entry costs nothing but a lookup.
    """
    updated = dict(table)
    for term in set(terms):
        if is_han_word(term):
            key = pinyin_key(term)
            known = updated.get(key)
            updated[key] = term if known is None else _most_frequent(reader, {known, term})
    return dict(sorted(updated.items()))


def _most_frequent(reader: Any, terms: set[str]) -> str:
    if len(terms) == 1:
        return next(iter(terms))
    return max(sorted(terms), key=lambda term: _frequency(reader, term))


def write_table(generation: Path, table: dict[str, str]) -> None:
    """Store the homophone table of a generation beside its index."""
    write_atomic(generation / TABLE_FILE, json.dumps(table, ensure_ascii=False, sort_keys=True).encode())


def load_table(generation: Path) -> dict[str, str]:
    """The homophone table of a generation ({} when it is missing or unreadable)."""
    try:
        table: dict[str, str] = json.loads((generation / TABLE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        log.warning("no suggestions: cannot read %s (%s)", generation / TABLE_FILE, error)
        return {}
    return table


def _frequency(reader: Any, term: str) -> int:
    return max(int(reader.doc_frequency(field, term)) for field in FIELDS)


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
        seen = _frequency(reader, word.text)
        return other if other and other != word.text and _frequency(reader, other) > seen else None
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

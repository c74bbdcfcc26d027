"""The homophone table of "did you mean" (toneless pinyin → the most frequent index term with that
sound, 開元模型 → 開源模型): built once per index generation, when the index is written, and
stored beside it (`suggest.json`), for the query side of "did you mean" to read.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import sys
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..files import write_atomic
from ..paths import SUGGESTIONS as TABLE_FILE

log = logging.getLogger(__name__)

FIELDS = ("title", "body")


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


def frequency(reader: Any, term: str) -> int:
    """In how many articles `term` occurs: its larger document frequency of title and body."""
    return max(int(reader.doc_frequency(field, term)) for field in FIELDS)


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
    return max(sorted(terms), key=lambda term: frequency(reader, term))


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

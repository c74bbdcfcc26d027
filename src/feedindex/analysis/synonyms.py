"""The Taiwan/mainland vocabulary synonyms (軟體/软件) of `data/synonyms.tsv`, folded."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources

from .folding import fold

# The optional third column of synonyms.tsv: which text gets the other word (absent: both).
INTO_MAINLAND = "into-mainland"  # only mainland text gets the Taiwan word
INTO_TAIWAN = "into-taiwan"  # only Taiwan text gets the mainland word


def _read_pairs(name: str) -> list[tuple[str, str, str]]:
    text = resources.files("feedindex").joinpath("data", name).read_text(encoding="utf-8")
    pairs = []
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            fields = [field.strip() for field in line.split("\t")]
            pairs.append((fields[0], fields[1], fields[2] if len(fields) > 2 else ""))
    return pairs


def _table(one_way: bool) -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {}
    for mainland, taiwan, direction in _read_pairs("synonyms.tsv"):
        a, b = fold(mainland), fold(taiwan)
        if a == b:
            continue
        if not one_way or direction != INTO_TAIWAN:
            table.setdefault(a, []).append(b)
        if not one_way or direction != INTO_MAINLAND:
            table.setdefault(b, []).append(a)
    return {word: tuple(dict.fromkeys(others)) for word, others in table.items()}


@cache
def synonyms() -> dict[str, tuple[str, ...]]:
    """Folded word → its vocabulary synonyms across the strait, in both directions (what a query
    word may have matched: for highlighting)."""
    return _table(one_way=False)


@cache
def index_synonyms() -> dict[str, tuple[str, ...]]:
    """Folded word → the synonyms the index stores beside it (one-way pairs only one way)."""
    return _table(one_way=True)


def synonyms_digest() -> str:
    """A hash of the synonym table, part of the analyzer's identity."""
    data = resources.files("feedindex").joinpath("data", "synonyms.tsv").read_bytes()
    return hashlib.sha256(data).hexdigest()[:16]

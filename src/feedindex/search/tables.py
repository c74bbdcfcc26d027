"""Score tables {document: score}: union, intersection, boost, the best N; and Whoosh's own scores.

The additions run left to right in the order of the tables given, so a sum has the same bits
wherever it is made (`scoring.Scorer` relies on it to match Whoosh's scores).
"""

from __future__ import annotations

import heapq
from typing import Any

from whoosh.collectors import ScoredCollector
from whoosh.query import Query

Scores = dict[int, float]  # document number (of the whole index) → score


def add(values: list[float]) -> float:
    """Left to right (`sum` adds floats more exactly from Python 3.12 on: other bits)."""
    total = values[0]
    for value in values[1:]:
        total = total + value
    return total


def union(tables: list[Scores]) -> Scores:
    """Each document's scores added, in the order of `tables`."""
    if not tables:
        return {}
    total = dict(tables[0])
    for table in tables[1:]:
        get = total.get
        for docnum, score in table.items():
            previous = get(docnum)
            total[docnum] = score if previous is None else previous + score
    return total


def intersection(tables: list[Scores]) -> Scores:
    """The documents of every table, scores added in the order of `tables`."""
    if not tables:
        return {}
    smallest: Scores = min(tables, key=len)
    common = set(smallest)
    for table in tables:
        common.intersection_update(table.keys())
        if not common:
            return {}
    if len(tables) == 1:
        return {docnum: tables[0][docnum] for docnum in common}
    return {docnum: add([table[docnum] for table in tables]) for docnum in common}


def times(scores: Scores, boost: float) -> Scores:
    """Every score multiplied by `boost`."""
    return {docnum: score * boost for docnum, score in scores.items()}


def best(scores: Scores, count: int) -> list[tuple[int, float]]:
    """The `count` highest scores, best first, lower document number first on ties."""
    if count >= len(scores):
        chosen = list(scores.items())
    else:
        # The count-th highest score, then everything at or above it: far fewer key calls
        # than a heap over every document.
        threshold = heapq.nlargest(count, scores.values())[-1]
        chosen = [(docnum, score) for docnum, score in scores.items() if score >= threshold]
    chosen.sort(key=lambda item: (-item[1], item[0]))
    return chosen[:count]


def best_docs(base: Scores, bound: Scores, count: int) -> list[int]:
    """The `count` documents of `base` with the highest bound (`bound`, else `base`), best first."""
    merged = base | bound  # a bound is never below its base
    return [docnum for docnum, _ in best(merged, count)]


class _Everything(ScoredCollector):  # type: ignore[misc]
    """Whoosh's collector for every match and its score, with no matcher replaced on the way
    (`replace=0`: Whoosh's scored collectors otherwise prune, every 10 documents, what cannot
    reach their top N, even with optimize=False)."""

    def __init__(self) -> None:
        super().__init__(replace=0)
        self.found: Scores = {}

    def _collect(self, global_docnum: int, score: float) -> int:
        self.found[global_docnum] = score
        return 0

    def results(self) -> Scores:
        return self.found


def whoosh_scores(searcher: Any, query: Query) -> Scores:
    """Every document `query` matches with the score Whoosh's own matchers give it: the
    reference the term-at-a-time scores are checked against."""
    collector = _Everything()
    searcher.search_with_collector(query, collector)
    return collector.found

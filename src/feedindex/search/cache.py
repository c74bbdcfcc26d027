"""What the searchers of one index generation share in a process, bounded: `GenerationCache`."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Sized
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

SCORES_BUDGET = 1_500_000  # postings (document, score) a generation's score cache holds: ~150 MB
TEXTS_BUDGET = 10_000_000  # characters of folded article text kept for snippets

K = TypeVar("K", bound=Hashable)
V = TypeVar("V", bound=Sized)


class BoundedCache(Generic[K, V]):
    """A thread-safe least-recently-used cache holding at most `budget` items in all (the sum of
    the values' lengths: postings, characters)."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._items: OrderedDict[K, V] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        """The value of `key`, or None; marks it as recently used."""
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        """Keep `value` (unless it alone is over the budget), dropping the least recently used."""
        size = len(value)
        if size > self.budget:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._size -= len(old)
            self._items[key] = value
            self._size += size
            while self._size > self.budget:
                _, dropped = self._items.popitem(last=False)
                self._size -= len(dropped)

    def __len__(self) -> int:
        return self._size


@dataclass(frozen=True)
class ArticleText:
    """An article's stored fields with its body and summary folded for snippets (folding is
    most of a snippet's cost: done once per article and generation)."""

    fields: dict[str, Any]
    folded_body: str
    folded_summary: str

    def __len__(self) -> int:
        return len(self.folded_body) + len(self.folded_summary)


class GenerationCache:
    """What the searchers of one index generation share in a process, all bounded: term and
    phrase scores, field lengths, facet values, folded article text, the suggestion tables.

    The search server gives one to every searcher of the live generation, so a word looked up
    by one request is known to the next; values are never changed once stored.
    """

    def __init__(self, generation: Path) -> None:
        self.generation = generation
        self.scores: BoundedCache[Hashable, Any] = BoundedCache(SCORES_BUDGET)
        self.texts: BoundedCache[int, ArticleText] = BoundedCache(TEXTS_BUDGET)
        self.facets: dict[str, list[tuple[str, ...]]] = {}
        self.homophones: dict[str, str] | None = None
        self.latin: list[str] | None = None

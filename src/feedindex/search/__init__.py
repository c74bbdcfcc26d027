"""Site search: `search(index_dir, text) -> SearchResult`, and `Searcher` to keep one generation open.

The modules, in the order a query meets them:

- `parse`: what was typed → `ParsedQuery` (words, phrases, exclusions, `Filters`), the limits;
- `stages`: the matching stages and the ranking, as Whoosh queries;
- `scoring`: those queries evaluated term at a time (`Scorer`) on score `tables`, within a
  `deadline`, with the tables kept in the generation's `cache`;
- `searcher`: `Searcher` runs the stages, ranks, counts facets, makes the page's hits;
- `snippets`: what to highlight and the passage shown; `suggest`: "did you mean";
- `results`: `SearchResult`, `Hit`, `Facet` and their JSON; `batch`: many queries, one searcher.

This package's `__init__` imports nothing heavy (Whoosh, jieba): `feedindex.search` is also the
name of the function below on the `feedindex` package, which imports this package once for it.
Import its modules with `from feedindex.search.searcher import Searcher`, or the names below
from `feedindex.search` (loaded on first use).
"""

from __future__ import annotations

from datetime import UTC, tzinfo
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from .parse import Filters
    from .results import Facet, Hit, SearchResult
    from .searcher import Searcher

_EXPORTS = {
    "Facet": "results",
    "Filters": "parse",
    "Hit": "results",
    "SearchResult": "results",
    "Searcher": "searcher",
}

__all__ = ["Facet", "Filters", "Hit", "SearchResult", "Searcher", "search"]


def search(
    index_dir: Path,
    text: str,
    *,
    limit: int = 10,
    page: int = 1,
    filters: Filters | None = None,
    syntax: bool = False,
    tz: tzinfo = UTC,
) -> SearchResult:
    """Search the live index generation at `index_dir` once (opens and closes it)."""
    from .parse import check_page
    from .searcher import Searcher

    check_page(page, limit, "limit")
    with Searcher(index_dir, tz) as searcher:
        return searcher.search(text, page=page, per_page=limit, filters=filters, syntax=syntax)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'feedindex.search' has no attribute {name!r}")
    return getattr(import_module(f".{module}", __name__), name)

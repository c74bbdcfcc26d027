"""Many queries answered by one searcher (`feedindex search --batch`): the index, its tables and
the dictionaries are loaded once for all of them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, tzinfo
from pathlib import Path

from ..errors import QueryError
from .parse import Filters
from .results import SearchResult
from .searcher import Searcher


def search_each(
    index_dir: Path,
    queries: Iterable[str],
    *,
    per_page: int = 10,
    page: int = 1,
    filters: Filters | None = None,
    syntax: bool = False,
    tz: tzinfo = UTC,
) -> Iterator[tuple[str, SearchResult | QueryError]]:
    """Each of `queries` with its result, or the QueryError that says why it has none, from the
    live index generation at `index_dir` (opened once, closed when the queries run out).

    Raises SearchIndexError, before the first answer, when there is no usable index.
    """
    with Searcher(index_dir, tz) as searcher:
        for text in queries:
            try:
                yield text, searcher.search(text, page=page, per_page=per_page, filters=filters, syntax=syntax)
            except QueryError as error:
                yield text, error

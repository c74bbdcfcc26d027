"""Answer a site-search query from the index: hits, scores and highlighted snippets."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from whoosh import highlight
from whoosh.query import And, Or, Query, Term

from .analysis import analyze
from .errors import QueryError
from .index import FIELD_BOOSTS, open_index

MAX_QUERY_CHARS = 256
MAX_LIMIT = 100


@dataclass(frozen=True)
class Hit:
    """One matching article."""

    slug: str
    title: str
    url: str
    published: datetime
    score: float
    snippet: str  # HTML: text escaped, matches wrapped in <mark>

    def as_dict(self) -> dict[str, Any]:
        """The hit as the JSON object the CLI and the API return."""
        return {
            "slug": self.slug,
            "title": self.title,
            "url": self.url,
            "published": self.published.isoformat(),
            "score": round(self.score, 4),
            "snippet": self.snippet,
        }


@dataclass(frozen=True)
class SearchResult:
    """The hits of one query, best first, and how many matched in all."""

    query: str
    total: int
    hits: tuple[Hit, ...]

    def as_dict(self) -> dict[str, Any]:
        """The result as the JSON object the CLI and the API return."""
        return {"query": self.query, "total": self.total, "hits": [hit.as_dict() for hit in self.hits]}


class _MarkFormatter(highlight.Formatter):  # type: ignore[misc]
    """Escape the text and wrap each match in <mark>."""

    between = " … "

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return f"<mark>{html.escape(highlight.get_text(text, token, replace))}</mark>"

    def _text(self, text: str) -> str:
        return html.escape(text)


def build_query(text: str) -> Query | None:
    """Every word of `text` required, each in any text field; None when no word remains."""
    words = list(dict.fromkeys(analyze(text)))
    if not words:
        return None
    return And([Or([Term(field, word, boost=boost) for field, boost in FIELD_BOOSTS.items()]) for word in words])


def search(index_dir: Path, text: str, *, limit: int = 10) -> SearchResult:
    """Search the live index generation at `index_dir` for `text`."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is longer than {MAX_QUERY_CHARS} characters")
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError(f"limit must be between 1 and {MAX_LIMIT}")
    query = build_query(text)
    if query is None:
        return SearchResult(text, 0, ())
    ix = open_index(index_dir)
    with ix.searcher() as searcher:
        results = searcher.search(query, limit=limit, terms=True)
        results.fragmenter = highlight.ContextFragmenter(maxchars=160, surround=40)
        results.formatter = _MarkFormatter()
        hits = []
        for result in results:
            fields = result.fields()
            snippet = " ".join((result.highlights("body", top=2) or html.escape(fields["summary"])).split())
            hits.append(
                Hit(
                    slug=fields["slug"],
                    title=fields["title"],
                    url=fields["url"],
                    published=datetime.fromisoformat(fields["published_iso"]),
                    score=float(result.score),
                    snippet=snippet,
                )
            )
        return SearchResult(text, len(results), tuple(hits))

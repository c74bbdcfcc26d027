"""What a search answers: `SearchResult` with its `Hit`s and `Facet`s, and their JSON shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


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
class Facet:
    """How many matching articles carry one tag or category."""

    slug: str
    name: str
    count: int


@dataclass(frozen=True)
class SearchResult:
    """One page of hits, best first, with the total, facets and a possible suggestion."""

    query: str
    total: int
    page: int
    per_page: int
    hits: tuple[Hit, ...]
    facets: dict[str, tuple[Facet, ...]] = field(default_factory=dict)
    suggestion: str | None = None
    stage: str = "none"  # which stage matched: "all", "bigram", "any" or "none"
    timed_out: bool = False  # the time budget ran out: the hits are what was found until then

    def as_dict(self) -> dict[str, Any]:
        """The result as the JSON object the CLI and the API return."""
        return {
            "query": self.query,
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "hits": [hit.as_dict() for hit in self.hits],
            "facets": {
                name: [{"slug": f.slug, "name": f.name, "count": f.count} for f in facets]
                for name, facets in self.facets.items()
            },
            "suggestion": self.suggestion,
            "stage": self.stage,
            "timed_out": self.timed_out,
        }

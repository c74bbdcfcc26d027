"""The Whoosh schema: the fields of an article's document, and how a query weighs them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.index import Index

from ..analysis import AnalyzerSpec, bigram_analyzer, chinese_analyzer
from ..model import Article, slugify

# Query-time field weights (applied by search, so they can be tuned without re-indexing): a word
# in the title counts most, then tags, then the summary, then the body.
FIELD_BOOSTS = {"title": 4.0, "tags_text": 2.5, "summary": 1.5, "body": 1.0}
FALLBACK_FIELD = "cjk"  # Han bigrams of title, summary and body: finds what segmentation missed


def make_schema(spec: AnalyzerSpec) -> Schema:
    """The index's fields. The text fields' analyzer carries `spec`, so a searcher analyses
    queries exactly as the index was built."""
    analyzer = chinese_analyzer(spec)
    return Schema(
        slug=ID(unique=True, stored=True),
        title=TEXT(analyzer=analyzer, stored=True),
        tags_text=TEXT(analyzer=analyzer),
        summary=TEXT(analyzer=analyzer, stored=True),
        body=TEXT(analyzer=analyzer, stored=True),
        cjk=TEXT(analyzer=bigram_analyzer(spec), phrase=False),  # only ever AND-ed: no positions
        tags=KEYWORD(commas=True, lowercase=True, scorable=False),  # slugs, for filters and facets
        category=KEYWORD(commas=True, lowercase=True, scorable=False),
        lang=ID(),  # lower-case BCP 47
        published=DATETIME(stored=False, sortable=True),
        published_iso=STORED,
        url=STORED,
        source=ID(stored=True),
    )


def index_spec(ix: Index) -> AnalyzerSpec:
    """The AnalyzerSpec an index was built with."""
    spec: AnalyzerSpec = ix.schema["body"].analyzer.spec
    return spec


def utc_naive(moment: datetime) -> datetime:
    """`moment` as the index stores and compares dates: the UTC wall clock, without tzinfo (Whoosh
    drops tzinfo when it stores a DATETIME)."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def article_document(article: Article) -> dict[str, Any]:
    """The Whoosh document for one article."""
    return {
        "slug": article.slug,
        "title": article.title,
        "tags_text": " ".join(article.tags),
        "summary": article.summary,
        "body": article.body_text,
        "cjk": "\n".join((article.title, article.summary, article.body_text)),
        "tags": ",".join(slugify(tag) for tag in article.tags),
        "category": ",".join(slugify(name) for name in article.categories),
        "lang": article.lang.lower(),
        "published": utc_naive(article.published),
        "published_iso": article.published.isoformat(),
        "url": article.url,
        "source": article.source,
    }

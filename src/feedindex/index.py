"""The Whoosh schema, and writing an index generation that is published atomically.

Layout of the index folder::

    index/
      CURRENT          the name of the live generation (replaced atomically)
      g000001/         one complete Whoosh index plus feedindex.json
      g000002/

Readers resolve CURRENT once and keep using that generation; a build writes a new generation
beside it and only then replaces CURRENT, so a reader sees the old or the new index, never a mix.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import re
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.codec.base import Segment
from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.index import Index

from .analysis import AnalyzerSpec, bigram_analyzer, chinese_analyzer
from .errors import SearchIndexError
from .files import write_atomic
from .model import Article, display_names, slugify
from .suggest import write_table

log = logging.getLogger(__name__)

POINTER = "CURRENT"
META = "feedindex.json"
SCHEMA_VERSION = 2
_GENERATION = re.compile(r"^g(\d{6,})$")
KEEP_GENERATIONS = 2  # the live one and the one before it, for readers that opened it just now

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
        cjk=TEXT(analyzer=bigram_analyzer(spec)),
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


def _utc_naive(moment: datetime) -> datetime:
    # Whoosh drops tzinfo when it stores a DATETIME, so store the UTC wall clock.
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
        "published": _utc_naive(article.published),
        "published_iso": article.published.isoformat(),
        "url": article.url,
        "source": article.source,
    }


@dataclass(frozen=True)
class IndexInfo:
    """What a published generation holds."""

    path: Path
    generation: str
    documents: int


def current_generation(index_dir: Path) -> Path:
    """The folder of the live generation; SearchIndexError when there is none."""
    pointer = index_dir / POINTER
    try:
        name = pointer.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise SearchIndexError(f"no index at {index_dir}: run `feedindex build` first") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SearchIndexError(f"cannot read {pointer}: {error}") from None
    if not _GENERATION.match(name) or not (index_dir / name).is_dir():
        raise SearchIndexError(f"{pointer} names a missing generation {name!r}")
    return index_dir / name


def open_index(index_dir: Path) -> Index:
    """Open the live generation of the index at `index_dir`."""
    generation = current_generation(index_dir)
    try:
        return whoosh_index.open_dir(str(generation))
    except Exception as error:  # Whoosh raises many kinds on a damaged index
        raise SearchIndexError(f"cannot open the index at {generation}: {error}") from error


def _generations(index_dir: Path) -> list[Path]:
    if not index_dir.is_dir():
        return []
    found = [path for path in index_dir.iterdir() if _GENERATION.match(path.name) and path.is_dir()]
    return sorted(found, key=lambda path: int(path.name[1:]))


def write_index(index_dir: Path, articles: Iterable[Article], spec: AnalyzerSpec | None = None) -> IndexInfo:
    """Write `articles` into a new generation and make it the live one."""
    spec = spec or AnalyzerSpec()
    index_dir.mkdir(parents=True, exist_ok=True)
    existing = _generations(index_dir)
    number = int(existing[-1].name[1:]) + 1 if existing else 1
    generation = index_dir / f"g{number:06d}"
    if generation.exists():  # left by a build that was killed before publishing it
        shutil.rmtree(generation)
    generation.mkdir()
    count = 0
    tags: list[str] = []
    categories: list[str] = []
    with _deterministic_segment_names(generation.name):
        ix = whoosh_index.create_in(str(generation), make_schema(spec))
        # compound=False: Whoosh packs compound segment files in an unstable order.
        writer = ix.writer(limitmb=256, compound=False)
        try:
            for article in articles:
                writer.add_document(**article_document(article))
                tags += article.tags
                categories += article.categories
                count += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
    with ix.reader() as reader:
        write_table(generation, reader)
    meta = {
        "schema": SCHEMA_VERSION,
        "documents": count,
        "analyzer": spec.identity(),
        "names": {"tags": display_names(tags), "category": display_names(categories)},
    }
    write_atomic(generation / META, json.dumps(meta, sort_keys=True, ensure_ascii=False).encode())
    write_atomic(index_dir / POINTER, generation.name.encode("ascii") + b"\n")
    _remove_old_generations(index_dir)
    log.info("index generation %s: %d documents", generation.name, count)
    return IndexInfo(generation, generation.name, count)


@contextmanager
def _deterministic_segment_names(seed: str) -> Iterator[None]:
    """Name new Whoosh segments from `seed` instead of at random, so equal input gives equal bytes.

    Whoosh draws segment ids from `random`; reproducible output lets deploys and caches skip
    unchanged files. Builds hold the build lock, so no other writer runs in this process meanwhile.
    """
    counter = itertools.count()
    original = Segment.__dict__["_random_id"]

    def named(cls: type, size: int = 16) -> str:
        return hashlib.sha256(f"{seed}:{next(counter)}".encode()).hexdigest()[:size]

    Segment._random_id = classmethod(named)
    try:
        yield
    finally:
        Segment._random_id = original


def read_meta(generation: Path) -> dict[str, Any]:
    """The feedindex.json of a generation (documents, analyzer identity, display names)."""
    try:
        meta: dict[str, Any] = json.loads((generation / META).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SearchIndexError(f"cannot read {generation / META}: {error}") from None
    return meta


def _remove_old_generations(index_dir: Path) -> None:
    live = current_generation(index_dir)
    older = [path for path in _generations(index_dir) if path != live]
    for path in older[: max(0, len(older) - (KEEP_GENERATIONS - 1))]:
        shutil.rmtree(path, ignore_errors=True)

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
import marshal
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.codec.base import Segment
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, W3PerDocReader, W3PerDocWriter, W3PostingsWriter
from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC, Index
from whoosh.util.numeric import byte_to_length
from whoosh.writing import PostingPool

from .analysis import INDEX_SCHEMA, AnalyzerSpec, bigram_analyzer, chinese_analyzer, index_terms, words
from .errors import SearchIndexError
from .files import GENERATION, POINTER, generations, write_atomic
from .model import Article, display_names, slugify
from .postings import MergingWriter, SortedStreams
from .suggest import TABLE_FILE, build_table, load_table, update_table, write_table

log = logging.getLogger(__name__)

MAIN_INDEX = "MAIN"  # Whoosh's default index name: what open_dir opens
META = "feedindex.json"
_SEGMENT_FILE = re.compile(r"^([A-Za-z0-9]+_[0-9a-z]+)\.")  # MAIN_<id>.trm → MAIN_<id>
RETIRED = "retired.json"  # when each replaced generation stopped being the live one
RETENTION_SECONDS = 300.0  # how long a replaced generation stays for readers that just opened it
MAX_DELETED_SHARE = 0.2
MAX_DELTA_SHARE = 0.2
BASE_SHARE = 0.1  # a segment with this share of all documents is a base segment, never merged small
TIER_FACTOR = 8  # small segments fall in size classes of 1-7, 8-63, 64-511, ... live documents
TIER_SEGMENTS = 4  # this many small segments of one class (the new one included) are merged into one
FULL_BUILD_SEGMENTS = 2  # a full build merges its parts' segments into this many, one process each

# Query-time field weights (applied by search, so they can be tuned without re-indexing): a word
# in the title counts most, then tags, then the summary, then the body.
FIELD_BOOSTS = {"title": 4.0, "tags_text": 2.5, "summary": 1.5, "body": 1.0}
FALLBACK_FIELD = "cjk"  # Han bigrams of title, summary and body: finds what segmentation missed


INLINE_POSTINGS = 16  # a term in fewer documents keeps its postings in the term table
POOL_ITEMS = 500_000  # postings a worker holds in memory (about 130 MB) before spilling a sorted run
RUN_BATCH = 50_000  # postings per record of a spilled run


class _InliningPostingsWriter(W3PostingsWriter):  # type: ignore[misc]
    """Whoosh's postings writer with inlining that works: whoosh-reloaded 2.7.5 calls a
    `set_inline` that its term info lacks (it has `set_inlined`), so its codec ships with
    inlining off and writes a compressed block for every term, even one seen once. Most terms
    (Han bigrams, rare words) are in a handful of documents: inlined, they cost no block of
    their own (a part's commit took a quarter less time) and a query reads them without a seek."""

    _terminfo: Any

    def add_posting(self, id_: Any, weight: float, vbytes: bytes, length: int | None = None) -> None:
        # An inlined posting list of a value-less format (ID, KEYWORD) reads back its values as
        # "" (Whoosh's ListMatcher), which a merge hands back here.
        super().add_posting(id_, weight, vbytes or b"", length)

    def finish_postings(self) -> Any:
        if self.written() or len(self) >= self._inlinelimit:
            return super().finish_postings()
        terminfo = self._terminfo
        terminfo.add_block(self)
        terminfo.set_inlined(self._ids, self._weights, self._values)
        self._terminfo = None
        return terminfo


_LENGTHS = [None, *(byte_to_length(code) for code in range(1, 256))]  # a field length as Whoosh stores it


class _PerDocReader(W3PerDocReader):  # type: ignore[misc]
    """Whoosh's per-document reader, with field lengths read once per field as one byte string.

    Whoosh looks a document's field length up in the column file (a seek, a read, an unpack)
    for every posting it writes and every document it scores with BM25: a fifth of the time
    of writing a part. Same values, same semantics (None for a zero length)."""

    def __init__(self, storage: Any, segment: Any) -> None:
        super().__init__(storage, segment)
        self._length_bytes: dict[str, bytes | None] = {}

    def _lengths_of(self, fieldname: str) -> bytes | None:
        reader = self._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
        raw = None if reader is None else bytes(reader._dbfile.get(reader._basepos, reader._count))
        self._length_bytes[fieldname] = raw
        return raw

    def lengths(self, fieldname: str) -> bytes | None:
        """Every document's length of `fieldname`, one byte each (decode with `field_length`)."""
        try:
            return self._length_bytes[fieldname]
        except KeyError:
            return self._lengths_of(fieldname)

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int | None:
        if docnum > self._doccount:
            raise IndexError(f"Asked for docnum {docnum!r} of {self._doccount}")
        try:
            raw = self._length_bytes[fieldname]
        except KeyError:
            raw = self._lengths_of(fieldname)
        if raw is None:
            return default
        return _LENGTHS[raw[docnum]] if docnum < len(raw) else None


def field_lengths(reader: Any, fieldname: str) -> Callable[[int], int | None]:
    """A function giving a segment's documents' lengths of `fieldname` as Whoosh's scorers see
    them (`doc_field_length(docnum, fieldname, 1)`), from one byte string when it can."""
    perdoc = getattr(reader, "_perdoc", None)
    if not isinstance(perdoc, _PerDocReader):
        return lambda docnum: reader.doc_field_length(docnum, fieldname, 1)
    raw = perdoc.lengths(fieldname)
    if raw is None:
        return lambda docnum: 1
    size = len(raw)
    return lambda docnum: _LENGTHS[raw[docnum]] if docnum < size else None


class _PerDocWriter(W3PerDocWriter):  # type: ignore[misc]
    """Whoosh's per-document writer, storing each document's fields in name order: a merge
    passes them in set order (which varies with PYTHONHASHSEED), so merged segments' bytes
    would differ between two runs of the same build."""

    def finish_doc(self) -> None:
        stored = self._storedfields
        if stored:
            ordered = sorted(stored.items())
            stored.clear()
            stored.update(ordered)
        super().finish_doc()


class _Codec(W3Codec):  # type: ignore[misc]
    """Whoosh's default codec (same files; any Whoosh reads them) with inlined short postings and
    field lengths read once. Whoosh pickles the codec into the table of contents: keep this
    class's name and module, or old indexes no longer open."""

    def per_document_reader(self, storage: Any, segment: Any) -> Any:
        return _PerDocReader(storage, segment)

    def per_document_writer(self, storage: Any, segment: Any) -> Any:
        return _PerDocWriter(self, storage, segment)

    def __init__(self) -> None:
        super().__init__(inlinelimit=INLINE_POSTINGS)

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> Any:
        # Term vectors (byte ids; feedindex has none) keep Whoosh's own behaviour.
        inline = 1 if byteids else self._inlinelimit
        return _InliningPostingsWriter(
            dbfile, self._blocklimit, byteids=byteids, compression=self._compression, inlinelimit=inline
        )


class _Pool(PostingPool):  # type: ignore[misc]
    """Whoosh's posting pool, spilling cheaper: it counts postings instead of estimating each
    one's size in Python, and writes and reads a spilled run in batches (one `marshal` record
    per batch, not one pickle per posting), which took a quarter of a part's indexing time."""

    current: list[tuple[Any, ...]]

    def __init__(self, writer: Any) -> None:
        super().__init__(writer._tempstorage, writer.newsegment)

    def add(self, item: tuple[Any, ...]) -> None:
        current = self.current
        current.append(item)
        if len(current) >= POOL_ITEMS:
            self.save()

    def _write_run(self, f: Any, items: Iterable[tuple[Any, ...]]) -> None:
        # Whoosh writes every run through here: the sorted postings of a spill, and the merge of
        # several runs into one when there are more than it opens at once (then `items` is an
        # iterator).
        items = iter(items)
        with f:
            while batch := list(itertools.islice(items, RUN_BATCH)):
                marshal.dump(batch, f)

    def _read_run(self, path: str) -> Iterator[tuple[Any, ...]]:
        f = self._open_run(path)
        try:
            while True:
                try:
                    batch = marshal.load(f)
                except EOFError:
                    return
                yield from batch
        finally:
            f.close()
            self._remove_run(path)


def _writer(ix: Index) -> Any:
    """A segment writer with feedindex's codec and posting pool, merging segments in one pass
    over their term tables (`MergingWriter`). compound=False: Whoosh packs compound segment
    files in an unstable order, and builds must be reproducible."""
    writer = MergingWriter(ix, compound=False, codec=_Codec())
    writer.pool = _Pool(writer)
    return writer


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
    if not GENERATION.match(name) or not (index_dir / name).is_dir():
        raise SearchIndexError(f"{pointer} names a missing generation {name!r}")
    return index_dir / name


def open_index(index_dir: Path) -> Index:
    """Open the live generation of the index at `index_dir`."""
    return open_generation(current_generation(index_dir))


def open_generation(generation: Path) -> Index:
    """Open the index of one generation folder."""
    try:
        return whoosh_index.open_dir(str(generation))
    except Exception as error:  # Whoosh raises many kinds on a damaged index
        raise SearchIndexError(f"cannot open the index at {generation}: {error}") from error


def _new_generation(index_dir: Path) -> Path:
    index_dir.mkdir(parents=True, exist_ok=True)
    existing = generations(index_dir)
    number = int(existing[-1].name[1:]) + 1 if existing else 1
    generation = index_dir / f"g{number:06d}"
    generation.mkdir()
    return generation


def new_generation(index_dir: Path) -> Path:
    """An empty folder for the next generation (not live until `assemble` publishes it)."""
    return _new_generation(index_dir)


def write_part(generation: Path, part: int, articles: Iterable[Article], spec: AnalyzerSpec) -> int:
    """Index `articles` as part number `part` of a new generation; returns how many.

    Each part is written by its own process into its own segment (index name `P<part>`), so the
    parts of a full build use every core; `assemble` then joins them. Segment names come from the
    generation and the part, so the same input gives the same bytes.
    """
    storage = FileStorage(str(generation))
    count = 0
    with _deterministic_segment_names(f"{generation.name}:P{part}"):
        ix = storage.create_index(make_schema(spec), indexname=f"P{part}")
        writer = _writer(ix)
        try:
            for article in articles:
                writer.add_document(**article_document(article))
                count += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
    return count


def assemble(
    index_dir: Path,
    generation: Path,
    parts: int,
    spec: AnalyzerSpec,
    names: dict[str, dict[str, str]],
    *,
    remove: Iterable[str] = (),
    add: Iterable[Article] = (),
    retention: float = RETENTION_SECONDS,
) -> IndexInfo:
    """Join the parts written by `write_part` into one index, apply last changes, publish it.

    The parts' segments are listed in one table of contents (no posting is copied); more than
    FULL_BUILD_SEGMENTS are first merged into that many, in parallel. `remove`
    (sources) and `add` (articles) are for what only the whole picture decides: duplicates that
    lost their slug, last good versions of files that no longer read.
    """
    storage = FileStorage(str(generation))
    segments = [segment for part in range(parts) for segment in TOC.read(storage, f"P{part}").segments]
    if len(segments) > FULL_BUILD_SEGMENTS:
        segments = _merge_parts(generation, segments, spec)
    TOC(make_schema(spec), segments, 0).write(storage, MAIN_INDEX)
    for name in list(storage):
        if name.startswith("_P") or (name.startswith("P") and name.endswith("WRITELOCK")):
            storage.delete_file(name)
    _remove_unlisted_segments(generation)
    ix = storage.open_index(MAIN_INDEX)
    remove, add = list(remove), list(add)
    if remove or add:
        with _deterministic_segment_names(f"{generation.name}:final"):
            writer = _writer(ix)
            for source in remove:
                writer.delete_by_term("source", source)
            for article in add:
                writer.add_document(**article_document(article))
            writer.commit(merge=False)
    with ix.reader() as reader:
        table = build_table(reader)
    return _publish(index_dir, generation, ix, spec, names, table, retention)


def write_index(
    index_dir: Path,
    articles: Iterable[Article],
    spec: AnalyzerSpec | None = None,
    names: dict[str, dict[str, str]] | None = None,
    retention: float = RETENTION_SECONDS,
) -> IndexInfo:
    """Write `articles` into a new generation from scratch (one part) and make it the live one.

    `names` (slug → display name of tags and categories) defaults to the names in `articles`.
    """
    spec = spec or AnalyzerSpec()
    articles = list(articles)
    generation = _new_generation(index_dir)
    write_part(generation, 0, articles, spec)
    names = names or {
        "tags": display_names(tag for article in articles for tag in article.tags),
        "category": display_names(name for article in articles for name in article.categories),
    }
    return assemble(index_dir, generation, 1, spec, names, retention=retention)


def update_index(
    index_dir: Path,
    remove: Iterable[str],
    add: Iterable[Article],
    spec: AnalyzerSpec,
    names: dict[str, dict[str, str]],
    retention: float = RETENTION_SECONDS,
) -> IndexInfo:
    """A new generation: the live one without the documents of the `remove` sources, plus `add`.

    The new generation starts as hard links to the live one's files (Whoosh never changes a
    segment file once written; deletions live in the table of contents), so only the changes
    cost time; readers of the live generation are not disturbed.
    """
    live = current_generation(index_dir)
    generation = _new_generation(index_dir)
    new_terms: list[str] = []
    for path in live.iterdir():
        if path.is_file() and not path.name.endswith("WRITELOCK") and path.name not in (META, TABLE_FILE):
            try:
                os.link(path, generation / path.name)
            except OSError:  # a file system without hard links
                shutil.copy2(path, generation / path.name)
    with _deterministic_segment_names(generation.name):
        ix = whoosh_index.open_dir(str(generation))
        writer = _writer(ix)
        try:
            for source in remove:
                writer.delete_by_term("source", source)
            for article in add:
                writer.add_document(**article_document(article))
                new_terms += [
                    term
                    for word in words(f"{article.title}\n{article.body_text}", spec)
                    if word.han
                    for term in (word.text, *index_terms(word, spec))
                ]
        except BaseException:
            writer.cancel()
            raise
        # Every segment costs each query a set of matchers, so the index keeps few: the base
        # segments of the last full build, and small segments merged in tiers (see
        # `_merge_tiers`), so an update costs about what it changes. When the small segments or
        # the deleted documents grow past a share of the base, all is merged into one.
        stored = sum(segment.doc_count_all() for segment in writer.segments)
        base = sum(segment.doc_count_all() for segment in _base_segments(writer.segments))
        deleted_too_many = writer.deleted_count() > MAX_DELETED_SHARE * max(1, stored)
        optimize = deleted_too_many or stored - base > MAX_DELTA_SHARE * max(1, base)
        writer.commit(optimize=optimize, mergetype=None if optimize else _merge_tiers)
    _remove_unlisted_segments(generation)
    with ix.reader() as reader:
        table = build_table(reader) if optimize else update_table(load_table(live), reader, new_terms)
    return _publish(index_dir, generation, ix, spec, names, table, retention)


def merge_due(index_dir: Path, deleting: int, adding: int) -> bool:
    """Whether an update deleting and adding about this many documents would merge the whole
    index into one segment (see `update_index`). Whoosh merges in one process; a builder that
    asks first can rebuild in parallel instead, in about half the time on two cores.
    """
    toc = TOC.read(FileStorage(str(current_generation(index_dir))), MAIN_INDEX)
    stored: int = sum(segment.doc_count_all() for segment in toc.segments) + adding
    base: int = sum(segment.doc_count_all() for segment in _base_segments(toc.segments))
    deleted: int = sum(segment.deleted_count() for segment in toc.segments) + deleting
    return deleted > MAX_DELETED_SHARE * max(1, stored) or stored - base > MAX_DELTA_SHARE * max(1, base)


def _remove_unlisted_segments(generation: Path) -> None:
    """Delete the files of segments that the generation's table of contents no longer lists.

    Whoosh removes merged segments named after the index being written (MAIN_...), not the parts'
    (P0_..., P1_...): after a full merge these stayed, and the hard links of every later update
    carried them (most of the index's size) into each new generation until the next full build.
    """
    listed = {segment.segment_id() for segment in TOC.read(FileStorage(str(generation)), MAIN_INDEX).segments}
    for path in generation.iterdir():
        match = _SEGMENT_FILE.match(path.name)
        if match and match.group(1) not in listed:
            path.unlink()


def _base_segments(segments: list[Any]) -> list[Any]:
    """The segments holding at least BASE_SHARE of all stored documents (the parts of a full build)."""
    stored = sum(segment.doc_count_all() for segment in segments)
    return [segment for segment in segments if segment.doc_count_all() >= BASE_SHARE * stored]


def _size_class(documents: int) -> int:
    """The tier of a small segment of `documents` live documents: 0 for 1-7, 1 for 8-63, ..."""
    tier = 0
    while documents >= TIER_FACTOR:
        documents //= TIER_FACTOR
        tier += 1
    return tier


def _tiers_to_merge(new: int, sizes: list[int]) -> set[int]:
    """Which small segments (their live document counts `sizes`) join the new segment of `new`
    documents: while the class of the new segment holds TIER_SEGMENTS segments with it, all of
    them, and again in the class the merged segment lands in.

    So a document is rewritten about once per class it climbs (log base TIER_FACTOR of the
    small documents), not at every update, and each class keeps fewer than TIER_SEGMENTS
    segments. Segments of a smaller class than the new one wait for their own class to fill.
    """
    chosen: set[int] = set()
    merged = new
    while merged:
        tier = _size_class(merged)
        same = [i for i, size in enumerate(sizes) if size and i not in chosen and _size_class(size) == tier]
        if len(same) + 1 < TIER_SEGMENTS:
            break
        chosen.update(same)
        merged += sum(sizes[i] for i in same)
    return chosen


def _merge_parts(generation: Path, segments: list[Any], spec: AnalyzerSpec) -> list[Any]:
    """The parts' segments merged into FULL_BUILD_SEGMENTS, each group of consecutive parts by
    its own process: every segment costs each query its own term lookups and matchers, so a
    build by 16 workers must not leave 16 segments (it answered at half the speed of 2)."""
    size = -(-len(segments) // FULL_BUILD_SEGMENTS)
    groups = [segments[start : start + size] for start in range(0, len(segments), size)]
    if len(groups) == 1:
        return [_merge_group(generation, 0, groups[0], spec)]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(len(groups), mp_context=multiprocessing.get_context("fork")) as pool:
        futures = [pool.submit(_merge_group, generation, number, group, spec) for number, group in enumerate(groups)]
        return [future.result() for future in futures]


def _merge_group(generation: Path, number: int, segments: list[Any], spec: AnalyzerSpec) -> Any:
    """Merge `segments` (consecutive parts, in document order) into one segment of the index
    `M<number>`; returns it. Their postings are merged as they are read, without Whoosh's sort
    (`SortedStreams`)."""
    storage = FileStorage(str(generation))
    name = f"M{number}"
    TOC(make_schema(spec), segments, 0).write(storage, name)
    with _deterministic_segment_names(f"{generation.name}:{name}"):
        writer = MergingWriter(storage.open_index(name), compound=False, codec=_Codec())
        writer.pool = SortedStreams()
        writer.commit(mergetype=_merge_all)
    (merged,) = TOC.read(storage, name).segments
    for file in list(storage):
        if file.startswith(f"_{name}_") or file == f"{name}_WRITELOCK":
            storage.delete_file(file)
    return merged


def _merge_all(writer: Any, segments: list[Any]) -> list[Any]:
    """Whoosh merge policy: every segment into the one being written, in order; their readers
    stay open until the writer's pool has streamed them (see `SortedStreams`)."""
    from whoosh.reading import SegmentReader

    for segment in segments:
        writer.add_reader(SegmentReader(writer.storage, writer.schema, segment))
    return []


def _merge_tiers(writer: Any, segments: list[Any]) -> list[Any]:
    """Whoosh merge policy: the base segments stay; small segments are merged into the one being
    written as `_tiers_to_merge` says; a small segment with no live document left is dropped."""
    from whoosh.reading import SegmentReader

    base = {id(segment) for segment in _base_segments(segments)}
    small = [segment for segment in segments if id(segment) not in base]
    chosen = _tiers_to_merge(writer.doc_count(), [segment.doc_count() for segment in small])
    dropped = {id(segment) for segment in small if not segment.doc_count()}
    for number in sorted(chosen):
        reader = SegmentReader(writer.storage, writer.schema, small[number])
        writer.add_reader(reader)
        reader.close()
        dropped.add(id(small[number]))
    return [segment for segment in segments if id(segment) not in dropped]


def _publish(
    index_dir: Path,
    generation: Path,
    ix: Index,
    spec: AnalyzerSpec,
    names: dict[str, dict[str, str]],
    table: dict[str, str],
    retention: float,
) -> IndexInfo:
    """Finish a generation (suggestion table, meta) and switch readers to it atomically."""
    write_table(generation, table)
    count = ix.doc_count()
    meta = {"schema": INDEX_SCHEMA, "documents": count, "analyzer": spec.identity(), "names": names}
    write_atomic(generation / META, json.dumps(meta, sort_keys=True, ensure_ascii=False).encode())
    try:
        previous: Path | None = current_generation(index_dir)
    except SearchIndexError:
        previous = None
    write_atomic(index_dir / POINTER, generation.name.encode("ascii") + b"\n")
    if previous is not None:
        _retire(index_dir, previous)
    remove_old_generations(index_dir, retention)
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


def _retired(index_dir: Path) -> dict[str, float]:
    try:
        data = json.loads((index_dir / RETIRED).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(name): float(when) for name, when in data.items()} if isinstance(data, dict) else {}


def _retire(index_dir: Path, generation: Path) -> None:
    retired = _retired(index_dir)
    retired.setdefault(generation.name, time.time())
    write_atomic(index_dir / RETIRED, json.dumps(retired, sort_keys=True).encode())


def remove_old_generations(index_dir: Path, retention: float = RETENTION_SECONDS) -> None:
    """Delete generations no reader can still be opening; call only while holding the build lock.

    A generation replaced less than `retention` seconds ago is kept, so a reader that resolved
    CURRENT just before the switch still finds it. A generation newer than the live one was left
    by a build that was killed before publishing it, and goes at once.
    """
    try:
        live = current_generation(index_dir)
    except SearchIndexError:
        return
    retired = _retired(index_dir)
    now = time.time()
    for path in generations(index_dir):
        if path == live:
            continue
        abandoned = int(path.name[1:]) > int(live.name[1:])
        if abandoned or now - retired.setdefault(path.name, now) >= retention:
            shutil.rmtree(path, ignore_errors=True)
            retired.pop(path.name, None)
    retired = {name: when for name, when in retired.items() if (index_dir / name).is_dir()}
    write_atomic(index_dir / RETIRED, json.dumps(retired, sort_keys=True).encode())

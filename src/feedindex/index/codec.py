"""feedindex's Whoosh codec and writer: the same files any Whoosh reads, written faster.

Inlined short postings (whoosh-reloaded ships with inlining broken), field lengths read once per
field, stored fields in name order (reproducible merges), a posting pool that spills in batches,
and segment names drawn from a seed instead of at random, so equal input gives equal bytes.
"""

from __future__ import annotations

import hashlib
import itertools
import marshal
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from whoosh.codec.base import Segment
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, W3PerDocReader, W3PerDocWriter, W3PostingsWriter
from whoosh.index import Index
from whoosh.util.numeric import byte_to_length
from whoosh.writing import PostingPool

from .postings import MergingWriter, SortedStreams

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
    """Whoosh's per-document writer, writing each document's fields and the segment's field
    length totals in name order: a merge passes the fields in set order (which varies with
    PYTHONHASHSEED), so merged segments' bytes, and the table of contents listing them, would
    differ between two runs of the same build."""

    _fieldlengths: dict[str, int]

    def finish_doc(self) -> None:
        stored = self._storedfields
        if stored:
            ordered = sorted(stored.items())
            stored.clear()
            stored.update(ordered)
        super().finish_doc()

    def close(self) -> None:
        totals = sorted(self._fieldlengths.items())
        self._fieldlengths.clear()
        self._fieldlengths.update(totals)
        super().close()


class _Codec(W3Codec):  # type: ignore[misc]
    """Whoosh's default codec (same files; any Whoosh reads them) with inlined short postings and
    field lengths read once. Whoosh pickles the codec into the table of contents as
    `feedindex.index._Codec` (its name before the index became a package): keep that name, or
    indexes already built no longer open (see `__module__` below and index/__init__.py)."""

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


_Codec.__module__ = "feedindex.index"  # the name pickled into tables of contents (see the docstring)


class Pool(PostingPool):  # type: ignore[misc]
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


def new_writer(ix: Index, *, streams: bool = False) -> Any:
    """A segment writer with feedindex's codec, merging segments in one pass over their term
    tables (`MergingWriter`), with feedindex's posting pool (or, with `streams`, the pool of a
    merge of whole segments in document order: `SortedStreams`). compound=False: Whoosh packs
    compound segment files in an unstable order, and builds must be reproducible."""
    segment_writer = MergingWriter(ix, compound=False, codec=_Codec())
    segment_writer.pool = SortedStreams() if streams else Pool(segment_writer)
    return segment_writer


@contextmanager
def segment_names(seed: str) -> Iterator[None]:
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

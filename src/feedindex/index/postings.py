"""Reading a whole segment's postings for a merge, in one pass over its term table.

Whoosh merges a segment (`SegmentWriter.add_reader`) by listing its terms, then looking each one
up again by key in the term table's hash table and wrapping its postings in a matcher (plus a
filter when documents are deleted): two thirds of a merge's time. Here the term table is walked
once in its own order, each entry's postings are read from the entry itself (inlined) or from
the postings file at its offset, and the same posting tuples go to the same pool, so the merged
segment is the same. Segments of other codecs take Whoosh's path.
"""

from __future__ import annotations

import heapq
import io
import pickle
import struct
import zlib
from collections.abc import Iterator
from itertools import accumulate
from typing import Any

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo, W3TermsReader
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

_TERMINFO_SIZE = W3TermInfo._struct.size  # flags, statistics; then inlined postings or an extent
_EXTENT = struct.Struct("!qi")  # where a term's postings start in the postings file, and their length
_BLOCK_LENGTH = struct.Struct("!i")  # negative for a term's last block
_FIELD_NUMBER = struct.Struct("!H")
_ENTRY_LENGTHS = struct.Struct("!ii")  # a term table entry: key length, value length, key, value
TABLE_CHUNK = 1 << 20  # bytes of a term table read at once

Posting = tuple[str, bytes, int, float, Any]  # field, term, document number, weight, value bytes


class MergingWriter(SegmentWriter):  # type: ignore[misc]
    """Whoosh's segment writer, adding the postings of a merged segment in one pass (see the
    module's docstring); everything else, stored fields and deletions included, is Whoosh's."""

    def add_postings_to_pool(self, reader: Any, startdoc: int, docmap: dict[int, int] | None) -> None:
        if not (isinstance(reader, SegmentReader) and isinstance(reader._terms, W3TermsReader)):
            super().add_postings_to_pool(reader, startdoc, docmap)
            return
        postings = segment_postings(reader, self.schema, startdoc, docmap)
        if isinstance(self.pool, SortedStreams):
            self.pool.add_stream(reader, postings)
            return
        add = self.pool.add
        for posting in postings:
            add(posting)


class SortedStreams:
    """A posting pool for a merge of whole segments in document order (the parts of a full
    build): each segment's postings are already sorted by field, term and document, and every
    document of a segment comes after those of the segments before it, so the writer gets them
    merged term by term as they are read, with nothing held, sorted or spilled. The segments'
    readers stay open until the writer is done (`cleanup`)."""

    def __init__(self) -> None:
        self._streams: list[Iterator[Posting]] = []
        self._readers: list[Any] = []

    def add_stream(self, reader: Any, postings: Iterator[Posting]) -> None:
        """Merge `postings` (of the segment `reader` reads, added in document order)."""
        self._readers.append(reader)
        self._streams.append(postings)

    def add(self, item: Posting) -> None:
        raise TypeError("SortedStreams only merges whole segments")

    def iter_postings(self) -> Iterator[Posting]:
        """Every stream's postings, by field and term, then in the order the streams came."""
        return heapq.merge(*self._streams, key=_term)

    def cleanup(self) -> None:
        """Close the merged segments' readers."""
        for reader in self._readers:
            reader.close()
        self._readers, self._streams = [], []


def _term(posting: Posting) -> tuple[str, bytes]:
    return posting[0], posting[1]


def segment_postings(
    reader: SegmentReader, schema: Any, startdoc: int, docmap: dict[int, int] | None
) -> Iterator[Posting]:
    """The postings of the live documents of `reader`'s segment, numbered as in the segment being
    written: through `docmap` when the segment has deletions, else from `startdoc` on; terms of
    fields missing from `schema` or from the reader's schema are left out (as Whoosh does)."""
    terms = reader._terms
    fieldnames = terms._fieldunmap
    postfile = terms._postfile
    deleted = reader.deleted_docs_set
    known = reader.schema
    current_field, field_number, format_ = "", -1, None
    for key, info in term_entries(terms._tindex):
        number = _FIELD_NUMBER.unpack_from(key)[0]
        if number != field_number:
            field_number = number
            current_field = fieldnames[number]
            wanted = current_field in known and current_field in schema
            format_ = known[current_field].format if wanted else None
        if format_ is None:
            continue
        text = key[_FIELD_NUMBER.size :]
        for docnum, weight, value in _term_postings(info, postfile, format_):
            if docnum in deleted:
                continue
            newdoc = docmap[docnum] if docmap is not None else startdoc + docnum
            yield (current_field, text, newdoc, weight, value)


def raw_term_info(reader: Any, fieldname: str, text: bytes) -> bytes | None:
    """The term table entry of a term in one segment (None: the segment lacks it), or TypeError
    for a segment of another codec."""
    terms = reader._terms
    if not isinstance(terms, W3TermsReader):
        raise TypeError(f"not a Whoosh 3 segment: {terms!r}")
    info: bytes | None = terms._tindex.get(terms._keycoder(fieldname, text))
    return info


def info_doc_frequency(info: bytes) -> int:
    """How many documents (deleted ones included) a term table entry lists, as Whoosh's
    `doc_frequency` reads it."""
    frequency: int = W3TermInfo._struct.unpack_from(info)[2]
    return frequency


def info_postings(reader: Any, fieldname: str, info: bytes) -> Iterator[tuple[int, float, Any]]:
    """(document, weight, value bytes) of a term table entry's postings in its segment, in
    document order, deleted documents included: one read of the term's whole extent instead of
    a matcher moving block by block."""
    return _term_postings(info, reader._terms._postfile, reader.schema[fieldname].format)


def term_entries(table: Any, chunk: int = TABLE_CHUNK) -> Iterator[tuple[bytes, bytes]]:
    """(key, value) of each entry of a Whoosh hash file (`HashReader`) in file order, as its
    `items()`, read `chunk` bytes at a time instead of with three seeks and reads per entry."""
    dbfile, end = table.dbfile, table.endofdata
    buffer, at, loaded = b"", 0, table.startofdata  # `loaded`: the file position past `buffer`

    def read(needed: int) -> None:
        nonlocal buffer, at, loaded
        more = dbfile.get(loaded, min(max(chunk, needed), end - loaded))
        buffer, at, loaded = buffer[at:] + more, 0, loaded + len(more)

    while at < len(buffer) or loaded < end:
        if len(buffer) - at < _ENTRY_LENGTHS.size:
            read(_ENTRY_LENGTHS.size)
        keylength, valuelength = _ENTRY_LENGTHS.unpack_from(buffer, at)
        size = _ENTRY_LENGTHS.size + keylength + valuelength
        if len(buffer) - at < size:
            read(size)
        key = at + _ENTRY_LENGTHS.size
        yield buffer[key : key + keylength], buffer[key + keylength : at + size]
        at += size


def _term_postings(info: bytes, postfile: Any, format_: Any) -> Iterator[tuple[int, float, Any]]:
    """(document, weight, value) of one term table entry, as Whoosh's matchers read them back."""
    if info[0]:  # inlined: what ListMatcher.weight() and .value() return
        ids, weights, values = pickle.loads(info[_TERMINFO_SIZE:])
        count = len(ids)
        return zip(ids, weights or (1.0,) * count, values or ("",) * count, strict=True)
    offset, length = _EXTENT.unpack_from(info, _TERMINFO_SIZE)
    return _block_postings(postfile.get(offset, length), format_.fixed_value_size())


def _block_postings(raw: bytes, fixedsize: int | None) -> Iterator[tuple[int, float, Any]]:
    """The postings of a term's blocks in the postings file, decoded as W3LeafMatcher does."""
    if raw[:4] != WHOOSH3_HEADER_MAGIC:
        raise ValueError(f"block tag error {raw[:4]!r}")
    stream = io.BytesIO(raw)
    position, last = 4, False
    while not last:
        blocklength = _BLOCK_LENGTH.unpack_from(raw, position)[0]
        last = blocklength < 0
        start = position + _BLOCK_LENGTH.size
        position = start + abs(blocklength)
        stream.seek(start)
        count, _, _, compression, _, _ = pickle.load(stream)  # count, last id, max weight, ...
        data = raw[stream.tell() : position]
        ids, weights, values = pickle.loads(zlib.decompress(data) if compression else data)
        if weights is None:
            weights = (1.0,) * count
        elif isinstance(weights, float):
            weights = (weights,) * count
        if fixedsize == 0:
            values = (None,) * count
        elif fixedsize is not None and fixedsize > 0:
            values = [values[i : i + fixedsize] for i in range(0, len(values), fixedsize)]
        yield from zip(accumulate(ids), weights, values, strict=True)

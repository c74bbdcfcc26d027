"""When and how segments are merged: a full build's parts into a few segments, in parallel; an
update's small segments in tiers, so an update costs about what it changes; everything into one
segment when small segments or deleted documents grow past their share."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC

from ..analysis import AnalyzerSpec
from ..paths import MAIN_INDEX
from .codec import new_writer, segment_names
from .generations import current_generation
from .schema import make_schema

MAX_DELETED_SHARE = 0.2
MAX_DELTA_SHARE = 0.2
BASE_SHARE = 0.1  # a segment with this share of all documents is a base segment, never merged small
TIER_FACTOR = 8  # small segments fall in size classes of 1-7, 8-63, 64-511, ... live documents
TIER_SEGMENTS = 4  # this many small segments of one class (the new one included) are merged into one
FULL_BUILD_SEGMENTS = 2  # a full build merges its parts' segments into this many, one process each
_SEGMENT_FILE = re.compile(r"^([A-Za-z0-9]+_[0-9a-z]+)\.")  # MAIN_<id>.trm → MAIN_<id>


def merge_due(index_dir: Path, deleting: int, adding: int) -> bool:
    """Whether an update deleting and adding about this many documents would merge the whole
    index into one segment (see `write.update_index`). Whoosh merges in one process; a builder that
    asks first can rebuild in parallel instead, in about half the time on two cores.
    """
    toc = TOC.read(FileStorage(str(current_generation(index_dir))), MAIN_INDEX)
    stored: int = sum(segment.doc_count_all() for segment in toc.segments) + adding
    deleted: int = sum(segment.deleted_count() for segment in toc.segments) + deleting
    return full_merge_due(toc.segments, stored, deleted)


def full_merge_due(segments: list[Any], stored: int, deleted: int) -> bool:
    """Whether the small segments or the deleted documents of an index of `segments` (`stored`
    documents written, `deleted` of them deleted) have grown past their share of the base
    segments: then everything is merged into one segment."""
    base = sum(segment.doc_count_all() for segment in base_segments(segments))
    return deleted > MAX_DELETED_SHARE * max(1, stored) or stored - base > MAX_DELTA_SHARE * max(1, base)


def remove_unlisted_segments(generation: Path) -> None:
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


def base_segments(segments: list[Any]) -> list[Any]:
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


def tiers_to_merge(new: int, sizes: list[int]) -> set[int]:
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


def merge_processes(parts: int) -> int:
    """How many processes the join of a full build's `parts` (a segment each) runs at once."""
    return FULL_BUILD_SEGMENTS if parts > FULL_BUILD_SEGMENTS else 1


def merge_parts(generation: Path, segments: list[Any], spec: AnalyzerSpec) -> list[Any]:
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
    with segment_names(f"{generation.name}:{name}"):
        new_writer(storage.open_index(name), streams=True).commit(mergetype=_merge_all)
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


def merge_tiers(writer: Any, segments: list[Any]) -> list[Any]:
    """Whoosh merge policy: the base segments stay; small segments are merged into the one being
    written as `tiers_to_merge` says; a small segment with no live document left is dropped."""
    from whoosh.reading import SegmentReader

    base = {id(segment) for segment in base_segments(segments)}
    small = [segment for segment in segments if id(segment) not in base]
    chosen = tiers_to_merge(writer.doc_count(), [segment.doc_count() for segment in small])
    dropped = {id(segment) for segment in small if not segment.doc_count()}
    for number in sorted(chosen):
        reader = SegmentReader(writer.storage, writer.schema, small[number])
        writer.add_reader(reader)
        reader.close()
        dropped.add(id(small[number]))
    return [segment for segment in segments if id(segment) not in dropped]

"""Writing index generations: the parts of a full build and their join, or an update of the live
generation with what changed; then the suggestion table and the switch (see generations.py)."""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC, Index

from ..analysis import INDEX_SCHEMA, AnalyzerSpec, index_terms, words
from ..model import Article
from ..paths import MAIN_INDEX, META, SUGGESTIONS
from .codec import new_writer, segment_names
from .generations import RETENTION_SECONDS, current_generation, new_generation, publish, write_meta
from .merge import FULL_BUILD_SEGMENTS, full_merge_due, merge_parts, merge_tiers, remove_unlisted_segments
from .schema import article_document, make_schema
from .suggestions import build_table, load_table, update_table, write_table

log = logging.getLogger(__name__)

Step = Callable[[str], None]  # told the name of each step of a write as it starts ("suggestions")


@dataclass(frozen=True)
class IndexInfo:
    """What a published generation holds."""

    path: Path
    generation: str
    documents: int


def write_part(generation: Path, part: int, articles: Iterable[Article], spec: AnalyzerSpec) -> int:
    """Index `articles` as part number `part` of a new generation; returns how many.

    Each part is written by its own process into its own segment (index name `P<part>`), so the
    parts of a full build use every core; `assemble` then joins them. Segment names come from the
    generation and the part, so the same input gives the same bytes.
    """
    storage = FileStorage(str(generation))
    count = 0
    with segment_names(f"{generation.name}:P{part}"):
        ix = storage.create_index(make_schema(spec), indexname=f"P{part}")
        writer = new_writer(ix)
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
    step: Step | None = None,
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
        segments = merge_parts(generation, segments, spec)
    TOC(make_schema(spec), segments, 0).write(storage, MAIN_INDEX)
    for name in list(storage):
        if name.startswith("_P") or (name.startswith("P") and name.endswith("WRITELOCK")):
            storage.delete_file(name)
    remove_unlisted_segments(generation)
    ix = storage.open_index(MAIN_INDEX)
    remove, add = list(remove), list(add)
    if remove or add:
        with segment_names(f"{generation.name}:final"):
            writer = new_writer(ix)
            for source in remove:
                writer.delete_by_term("source", source)
            for article in add:
                writer.add_document(**article_document(article))
            writer.commit(merge=False)
    if step is not None:
        step("suggestions")
    with ix.reader() as reader:
        table = build_table(reader)
    return _finish(index_dir, generation, ix, spec, names, table, retention)


def update_index(
    index_dir: Path,
    remove: Iterable[str],
    add: Iterable[Article],
    spec: AnalyzerSpec,
    names: dict[str, dict[str, str]],
    retention: float = RETENTION_SECONDS,
    step: Step | None = None,
) -> IndexInfo:
    """A new generation: the live one without the documents of the `remove` sources, plus `add`.

    The new generation starts as hard links to the live one's files (Whoosh never changes a
    segment file once written; deletions live in the table of contents), so only the changes
    cost time; readers of the live generation are not disturbed.
    """
    live = current_generation(index_dir)
    generation = new_generation(index_dir)
    new_terms: list[str] = []
    for path in live.iterdir():
        if path.is_file() and not path.name.endswith("WRITELOCK") and path.name not in (META, SUGGESTIONS):
            try:
                os.link(path, generation / path.name)
            except OSError:  # a file system without hard links
                shutil.copy2(path, generation / path.name)
    with segment_names(generation.name):
        ix = FileStorage(str(generation)).open_index(MAIN_INDEX)
        writer = new_writer(ix)
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
        # `merge_tiers`), so an update costs about what it changes. When the small segments or
        # the deleted documents grow past a share of the base, all is merged into one.
        stored = sum(segment.doc_count_all() for segment in writer.segments)
        optimize = full_merge_due(writer.segments, stored, writer.deleted_count())
        writer.commit(optimize=optimize, mergetype=None if optimize else merge_tiers)
    remove_unlisted_segments(generation)
    if step is not None:
        step("suggestions")
    with ix.reader() as reader:
        table = build_table(reader) if optimize else update_table(load_table(live), reader, new_terms)
    return _finish(index_dir, generation, ix, spec, names, table, retention)


def _finish(
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
    write_meta(generation, {"schema": INDEX_SCHEMA, "documents": count, "analyzer": spec.identity(), "names": names})
    publish(index_dir, generation, retention)
    log.info("index generation %s: %d documents", generation.name, count)
    return IndexInfo(generation, generation.name, count)

"""Merging segments through `MergingWriter` (one pass over each term table) gives the index
Whoosh's own `add_reader` gives: the same files byte for byte, the same terms, postings, stored
fields and search results, with deletions in the merged segments and with postings both inlined
in the term table and in several blocks of the postings file."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from whoosh import index as whoosh_index
from whoosh.qparser import QueryParser
from whoosh.reading import SegmentReader
from whoosh.writing import OPTIMIZE, SegmentWriter

from conftest import indexed_article, write_generation
from feedindex.analysis import AnalyzerSpec
from feedindex.index.codec import INLINE_POSTINGS, Pool, _Codec, new_writer, segment_names
from feedindex.index.postings import TABLE_CHUNK, MergingWriter, term_entries
from feedindex.index.schema import article_document
from feedindex.model import Article

HAN = ("開源", "模型", "搜尋", "索引", "資料", "咖啡", "天氣", "音樂")
LATIN = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf")
START = datetime(2025, 1, 1, tzinfo=UTC)
BLOCK = 128  # Whoosh's postings per block: the big segment has terms in two blocks


def make_article(number: int) -> Article:
    published = START + timedelta(days=number)
    body = (
        f"common {LATIN[number % 7]} {LATIN[number % 7]} {HAN[number % 8]}{HAN[number // 8 % 8]} "
        f"word{number} 共同的文字 {'rare' if number % 40 == 0 else 'usual'}"
    )
    return indexed_article(
        number,
        published,
        body,
        title=f"Article {number} {HAN[number % 8]}",
        summary=f"summary {LATIN[number % 5]}",
        tags=(f"tag{number % 3}",),
        categories=(f"cat{number % 2}",),
        lang="zh-Hant" if number % 2 else "en",
    )


def add_segment(generation: Path, numbers: range, delete: range = range(0)) -> None:
    """Write one more segment of `numbers`, deleting the documents of `delete` on the way."""
    ix = whoosh_index.open_dir(str(generation))
    with segment_names(f"segment{numbers.start}"):
        writer = new_writer(ix)
        for number in delete:
            writer.delete_by_term("source", f"a{number}.md")
        for number in numbers:
            writer.add_document(**article_document(make_article(number)))
        writer.commit(merge=False)


@pytest.fixture(scope="module")
def segmented(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generation of four segments: 150 documents (some terms in two blocks), then 30, 12 and
    5, with deletions in the first three."""
    index_dir = tmp_path_factory.mktemp("segmented") / "index"
    generation = write_generation(index_dir, [make_article(number) for number in range(150)], AnalyzerSpec())
    add_segment(generation, range(150, 180), delete=range(0, 150, 37))
    add_segment(generation, range(180, 192), delete=range(150, 160, 3))
    add_segment(generation, range(192, 197), delete=range(185, 187))
    return generation


def merge_small(writer: Any, segments: list[Any]) -> list[Any]:
    """A merge policy like feedindex's tiers: the biggest segment stays, the others are merged."""
    biggest = max(segments, key=lambda segment: segment.doc_count_all())
    for segment in segments:
        if segment is not biggest:
            reader = SegmentReader(writer.storage, writer.schema, segment)
            writer.add_reader(reader)
            reader.close()
    return [biggest]


def merged(segmented: Path, folder: Path, writer_of: Callable[[Any], Any], policy: Any) -> Path:
    """A copy of `segmented` with one more document, its segments merged by `policy`."""
    shutil.copytree(segmented, folder)
    ix = whoosh_index.open_dir(str(folder))
    with segment_names("merge"):
        writer = writer_of(ix)
        assert isinstance(writer, MergingWriter) == (writer_of is new_writer)
        writer.add_document(**article_document(make_article(500)))
        writer.commit(mergetype=policy)
    return folder


def whoosh_writer(ix: Any) -> Any:
    """Whoosh's own segment writer (its add_reader) with feedindex's codec and pool."""
    writer = SegmentWriter(ix, compound=False, codec=_Codec())
    writer.pool = Pool(writer)
    return writer


def index_contents(folder: Path) -> dict[str, Any]:
    """Everything a reader can see: stored fields, and every term's statistics and postings."""
    ix = whoosh_index.open_dir(str(folder))
    with ix.reader() as reader:
        postings = {}
        for fieldname, text in reader.all_terms():
            matcher = reader.postings(fieldname, text)
            items = []
            while matcher.is_active():
                items.append((matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
            postings[fieldname, text] = (
                reader.doc_frequency(fieldname, text),
                reader.frequency(fieldname, text),
                items,
            )
        positions = {
            term: list(reader.postings(*term).items_as("positions"))
            for term in postings
            if reader.schema[term[0]].format.supports("positions")
        }
        return {
            "segments": [(s.doc_count_all(), s.doc_count()) for s in ix._segments()],
            "stored": list(reader.all_stored_fields()),
            "postings": postings,
            "positions": positions,
        }


def found(folder: Path, field: str, query: str) -> list[str]:
    ix = whoosh_index.open_dir(str(folder))
    with ix.searcher() as searcher:
        parsed = QueryParser(field, ix.schema).parse(query)
        return [hit["slug"] for hit in searcher.search(parsed, limit=None)]


@pytest.mark.parametrize("policy", [OPTIMIZE, merge_small], ids=["all", "small"])
def test_merging_writer_gives_what_whoosh_add_reader_gives(segmented: Path, tmp_path: Path, policy: Any) -> None:
    ours = merged(segmented, tmp_path / "ours", new_writer, policy)
    whoosh = merged(segmented, tmp_path / "whoosh", whoosh_writer, policy)

    files = sorted(path.name for path in ours.iterdir())
    assert files == sorted(path.name for path in whoosh.iterdir())
    for name in files:
        assert (ours / name).read_bytes() == (whoosh / name).read_bytes(), name

    contents = index_contents(ours)
    assert contents == index_contents(whoosh)
    # What the fixture set out to cover: deleted documents gone, merged segments, inlined and
    # multi-block postings, positions.
    slugs = {fields["slug"] for fields in contents["stored"]}
    assert "a37" not in slugs and "a153" not in slugs and "a186" not in slugs
    assert {"a1", "a36", "a196", "a500"} <= slugs
    expected_segments = 1 if policy is OPTIMIZE else 2
    assert len(contents["segments"]) == expected_segments
    frequencies = [df for df, _, _ in contents["postings"].values()]
    assert min(frequencies) < INLINE_POSTINGS and max(frequencies) > BLOCK
    assert contents["positions"][("body", b"common")]

    for field, query in [
        ("body", "common"),
        ("body", "rare"),
        ("body", "word190"),
        ("title", "開源"),
        ("body", '"alpha alpha"'),
        ("tags", "tag1"),
        ("cjk", "共同"),
        ("lang", "en"),
    ]:
        assert found(ours, field, query) == found(whoosh, field, query)
    assert found(ours, "body", "word190") == ["a190"]
    assert found(ours, "body", "word186") == []


@pytest.mark.parametrize("chunk", [1, 7, 100, TABLE_CHUNK])
def test_term_entries_reads_a_term_table_as_whoosh_does(segmented: Path, chunk: int) -> None:
    ix = whoosh_index.open_dir(str(segmented))
    with ix.reader() as reader:
        for segment_reader in reader.leaf_readers():
            table = segment_reader[0]._terms._tindex
            assert list(term_entries(table, chunk)) == list(table.items())

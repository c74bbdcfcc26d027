"""Incremental index updates merge small segments in tiers: an update costs about what it
changes (earlier small segments are not rewritten every time) and the index keeps few segments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import pytest
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC

from conftest import indexed_article, write_generation
from feedindex.analysis import AnalyzerSpec
from feedindex.index.generations import current_generation
from feedindex.index.merge import BASE_SHARE, TIER_SEGMENTS, tiers_to_merge
from feedindex.index.write import update_index
from feedindex.model import Article
from feedindex.paths import MAIN_INDEX
from feedindex.search.searcher import Searcher

SPEC = AnalyzerSpec()
NAMES: dict[str, dict[str, str]] = {"tags": {}, "category": {}}
HAN = ("開源", "模型", "搜尋", "索引", "資料", "咖啡", "天氣", "音樂")
LATIN = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf")
VERSIONS = ("original", "revised", "amended")
START = datetime(2025, 1, 1, tzinfo=UTC)


def make_article(number: int, version: int = 0) -> Article:
    published = START + timedelta(days=number)
    text = f"{LATIN[number % 7]} {HAN[number % 8]}{HAN[number // 8 % 8]} {VERSIONS[version]} words"
    return indexed_article(number, published, text)


class SegmentInfo(NamedTuple):
    name: str
    stored: int  # documents written, deleted ones included
    live: int


def segments(index_dir: Path) -> dict[str, SegmentInfo]:
    """The live generation's segments, by name (a rewritten segment gets a new name)."""
    toc = TOC.read(FileStorage(str(current_generation(index_dir))), MAIN_INDEX)
    found = [SegmentInfo(s.segment_id(), s.doc_count_all(), s.doc_count()) for s in toc.segments]
    return {segment.name: segment for segment in found}


def found(index_dir: Path, query: str) -> set[str]:
    with Searcher(index_dir) as searcher:
        result = searcher.search(query, per_page=100)
    assert result.total <= 100
    return {hit.slug for hit in result.hits}


def test_small_updates_rewrite_only_small_segments_and_keep_few(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    articles = {number: make_article(number) for number in range(100)}
    write_generation(index_dir, articles.values(), SPEC, NAMES)
    (base,) = segments(index_dir)
    rewritten = added = 0
    survived = 0  # small segments that outlived an update unchanged
    for step in range(1, 19):  # up to 18 small documents: short of the full merge (20 % of the base)
        before = segments(index_dir)
        # Odd steps add an article; even steps edit one that lives in the base segment.
        number, version = (99 + step, 0) if step % 2 else (step, 1)
        remove = [articles[number].source] if number in articles else []
        articles[number] = make_article(number, version)
        update_index(index_dir, remove, [articles[number]], SPEC, NAMES, retention=0)
        after = segments(index_dir)
        stored = sum(segment.stored for segment in after.values())
        (new,) = set(after) - set(before)
        gone = [before[name] for name in set(before) - set(after)]
        assert base in after  # the base segment is never rewritten by a small update
        assert all(segment.stored < BASE_SHARE * stored for segment in gone)
        assert after[new].live == 1 + sum(segment.live for segment in gone)
        rewritten += after[new].live - 1
        added += 1
        survived += sum(1 for name in before if name in after and name != base)
        assert len(after) - 1 <= 2 * (TIER_SEGMENTS - 1)  # fewer than TIER_SEGMENTS per size class
    # Merging all small segments into one at every update (the policy before tiers) rewrote 81.
    assert rewritten <= 2 * added
    assert survived >= added
    fresh = tmp_path / "fresh"
    write_generation(fresh, articles.values(), SPEC, NAMES)
    for query in (*LATIN, *HAN, *VERSIONS, "開源模型", "alpha 咖啡"):
        assert found(index_dir, query) == found(fresh, query), query


def test_a_small_segment_whose_documents_are_all_removed_is_dropped(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    write_generation(index_dir, [make_article(number) for number in range(50)], SPEC, NAMES)
    update_index(index_dir, [], [make_article(50)], SPEC, NAMES, retention=0)
    update_index(index_dir, [], [make_article(51)], SPEC, NAMES, retention=0)
    before = segments(index_dir)
    assert sorted(segment.stored for segment in before.values()) == [1, 1, 50]
    update_index(index_dir, [make_article(51).source], [], SPEC, NAMES, retention=0)
    after = segments(index_dir)
    assert set(after) < set(before)  # nothing written, the emptied segment gone
    assert sorted(segment.stored for segment in after.values()) == [1, 50]
    assert found(index_dir, LATIN[51 % 7]) == {f"a{n}" for n in range(51) if n % 7 == 51 % 7}


def test_a_full_merge_leaves_no_files_of_the_merged_segments(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    write_generation(index_dir, [make_article(number) for number in range(20)], SPEC, NAMES)
    removed = [make_article(number).source for number in range(6)]  # past MAX_DELETED_SHARE: all merged
    update_index(index_dir, removed, [make_article(20)], SPEC, NAMES, retention=0)
    (only,) = segments(index_dir)
    files = [path.name for path in current_generation(index_dir).iterdir()]
    segment_files = [name for name in files if not name.startswith("_") and name.endswith((".trm", ".pst", ".col"))]
    assert segment_files and all(name.startswith(f"{only}.") for name in segment_files), files
    assert found(index_dir, LATIN[0]) == {f"a{n}" for n in range(6, 21) if n % 7 == 0}


@pytest.mark.parametrize(
    ("new", "sizes", "merged"),
    [
        (1, [1, 1], set()),  # three in the class of 1-7 documents: not yet
        (1, [1, 1, 1], {0, 1, 2}),  # four: merged into the new segment
        (10, [80, 10, 10, 10], {1, 2, 3}),  # 40 documents: still the class of 8-63; 80 waits
        (5, [1, 1, 1, 8, 8, 8], {0, 1, 2, 3, 4, 5}),  # 8 documents climb a class, which is full too
        (10, [1, 1, 1], set()),  # smaller segments wait for their own class
        (3, [0, 1, 1], set()),  # an emptied segment does not count (it is dropped, not merged)
        (0, [1, 1, 1], set()),  # no new documents: nothing is rewritten
    ],
)
def test_which_small_segments_are_merged(new: int, sizes: list[int], merged: set[int]) -> None:
    assert tiers_to_merge(new, sizes) == merged


_MERGE_RUN = """
import hashlib, sys
from pathlib import Path
sys.path.insert(0, {tests!r})
from conftest import write_generation
from test_index_merge import NAMES, SPEC, make_article
from feedindex.index.generations import current_generation
from feedindex.index.write import update_index

index_dir, parts = Path(sys.argv[1]), int(sys.argv[2])
write_generation(index_dir, [make_article(number) for number in range(40)], SPEC, NAMES, parts=parts)
for number in range(6 if parts == 1 else 0):  # enough one-document updates for a tier merge
    update_index(index_dir, [f"a{{number}}.md"], [make_article(number, 1)], SPEC, NAMES)
generation = current_generation(index_dir)
for path in sorted(generation.iterdir()):
    print(path.name, hashlib.sha256(path.read_bytes()).hexdigest())
"""


# Updates merged in tiers; a full build's five parts merged into two.
@pytest.mark.parametrize("parts", [1, pytest.param(5, marks=pytest.mark.slow)])
def test_merged_segments_are_byte_identical_whatever_the_hash_seed(tmp_path: Path, parts: int) -> None:
    """Whoosh merges a document's stored fields, and totals the field lengths of a merged segment,
    in set order; feedindex writes both in name order, so two runs of the same build write the
    same bytes (deploys and caches skip equal files)."""
    import os
    import subprocess
    import sys

    code = _MERGE_RUN.format(tests=str(Path(__file__).parent))
    listings = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", code, str(tmp_path / seed), str(parts)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        listings.append(done.stdout)
    assert listings[0] == listings[1]
    assert len(listings[0].splitlines()) > 10

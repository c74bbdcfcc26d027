"""Full builds in parallel parts (one worker process per part) and the choice of segmenter."""

from __future__ import annotations

import gc
from datetime import UTC, datetime
from pathlib import Path

import pytest

import feedindex.index.codec as codec_module
from conftest import MakeSite, Site, article, indexed_article
from feedindex.analysis import AnalyzerSpec, segmentation
from feedindex.build import build
from feedindex.build import plan as plan_module
from feedindex.config import load_config
from feedindex.index.generations import current_generation, new_generation, open_index, read_meta
from feedindex.index.merge import FULL_BUILD_SEGMENTS
from feedindex.index.write import assemble, write_part
from feedindex.paths import RENDER_CACHE
from feedindex.search.searcher import Searcher

ARTICLES = 240  # more than 2 × build.plan.MIN_PART: a full build makes two parts


def site_of(make_site: MakeSite, **config: dict[str, object]) -> Site:
    files = {
        f"p{n:03d}.md": article(
            f"文章 {n}", date=f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}", body=f"開源模型 第{n}號 feed"
        )
        for n in range(ARTICLES)
    }
    files["p000.md"] = article("文章 0", date="2024-01-01", body="獨角鯨 開源模型")
    files["p239.md"] = article("最後一篇", date="2025-06-01", slug="p000", body="重複的網址")  # loses: newer
    return make_site(files, {"build": {"workers": 2}, **config})


def output_files(out: Path) -> dict[str, bytes]:
    """Every file of an output folder, but the render cache: its rows are the same, but the parts
    write them in the order they finish articles (build/cache.py); nothing is published from it."""
    found = (path for path in sorted(out.rglob("*")) if path.is_file() and not path.name.startswith(RENDER_CACHE))
    return {path.relative_to(out).as_posix(): path.read_bytes() for path in found}


def segments(site: Site) -> list[str]:
    return sorted(path.name for path in current_generation(site.config().index_dir).glob("*.pst"))


def test_a_parallel_full_build_indexes_every_part(make_site: MakeSite, monkeypatch: pytest.MonkeyPatch) -> None:
    site = site_of(make_site)
    loaded: dict[AnalyzerSpec, object] = {}
    monkeypatch.setattr(segmentation, "_segmenters", loaded)  # no segmenter loaded in this process yet
    report = build(site.config(), full=True)
    # The workers' segmenter was loaded before they forked (they share its pages); the
    # collector's freeze for the fork is over.
    assert list(loaded) == [AnalyzerSpec()] and gc.get_freeze_count() == 0
    assert report.published == ARTICLES - 1
    assert [(error.path, error.field) for error in report.errors] == [("p239.md", "slug")]
    assert {name.split("_")[0] for name in segments(site)} == {"P0", "P1"}  # one segment per part
    with open_index(site.config().index_dir).searcher() as searcher:
        assert searcher.doc_count() == ARTICLES - 1
    with Searcher(site.config().index_dir) as searcher:
        assert [hit.slug for hit in searcher.search("獨角鯨").hits] == ["p000"]
        assert searcher.search("第120號").total == 1 and searcher.search("重複的網址").total == 0
    assert read_meta(current_generation(site.config().index_dir))["documents"] == ARTICLES - 1


def test_parallel_full_builds_are_byte_identical(make_site: MakeSite, tmp_path: Path) -> None:
    site = site_of(make_site)
    build(site.config(), full=True)
    other = tmp_path / "other-out"
    build(load_config(site.config_path, out=other), full=True)

    assert output_files(site.out) == output_files(other)
    assert (site.out / ".feedindex" / RENDER_CACHE).is_file()


def test_a_broken_file_keeps_its_last_good_version_in_a_parallel_full_build(make_site: MakeSite) -> None:
    site = site_of(make_site)
    build(site.config())
    site.write("p150.md", "---\ntitle: [broken\n---\n")
    report = build(site.config(), full=True)
    assert [e.path for e in report.errors if e.field == "front matter"] == ["p150.md"]
    with Searcher(site.config().index_dir) as searcher:
        assert [hit.slug for hit in searcher.search("第150號").hits] == ["p150"]


@pytest.mark.slow
def test_jieba_segments_like_rjieba_and_is_part_of_the_index_identity(make_site: MakeSite) -> None:
    site = site_of(make_site)
    build(site.config())
    default_identity = read_meta(current_generation(site.config().index_dir))["analyzer"]["segmenter"]
    text = site.config_path.read_text(encoding="utf-8")
    site.config_path.write_text(text + '\n[search]\nsegmenter = "jieba"\n', encoding="utf-8")
    report = build(site.config())
    assert report.full  # the analyzer changed: everything is rebuilt
    identity = read_meta(current_generation(site.config().index_dir))["analyzer"]["segmenter"]
    assert default_identity.startswith("rjieba ") and identity.startswith("jieba ")
    with Searcher(site.config().index_dir) as searcher:
        assert [hit.slug for hit in searcher.search("獨角鯨").hits] == ["p000"]
        assert searcher.search("開源模型").total == ARTICLES - 1


def test_spilling_postings_to_disk_writes_the_same_index(
    make_site: MakeSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A part whose postings outgrow memory spills sorted runs and merges them: the index must be
    byte for byte the one written without spilling (and its short posting lists inlined)."""
    site = site_of(make_site)
    build(site.config(), full=True)
    # hundreds of runs per part: more than Whoosh opens at once, so it first merges runs into runs
    monkeypatch.setattr(codec_module, "POOL_ITEMS", 7)
    monkeypatch.setattr(codec_module, "RUN_BATCH", 13)
    spilled = tmp_path / "spilled-out"
    build(load_config(site.config_path, out=spilled), full=True)

    def index_files(out: Path) -> dict[str, bytes]:
        generation = current_generation(load_config(site.config_path, out=out).index_dir)
        return {path.name: path.read_bytes() for path in sorted(generation.iterdir()) if path.is_file()}

    assert index_files(spilled) == index_files(site.out)
    with Searcher(load_config(site.config_path, out=spilled).index_dir) as searcher:
        assert [hit.slug for hit in searcher.search("第7號").hits] == ["p007"]  # a term in one document


def test_the_segments_of_many_parts_are_merged_into_two(tmp_path: Path) -> None:
    # Each part is one segment; more than FULL_BUILD_SEGMENTS of them would make every query
    # look every term up in each. Five parts become two segments holding the same documents.
    articles = [
        indexed_article(
            n, datetime(2025, 1, 1, tzinfo=UTC), f"開源模型 第{n}號 {'共同' * (n % 3)}", tags=(f"t{n % 4}",)
        )
        for n in range(50)
    ]
    spec, names = AnalyzerSpec(), {"tags": {}, "category": {}}
    results = {}
    for parts in (1, 5):
        index_dir = tmp_path / f"parts{parts}" / "index"
        generation = new_generation(index_dir)
        for part in range(parts):
            write_part(generation, part, articles[part::parts], spec)
        assemble(index_dir, generation, parts, spec, names, remove=["a7.md"])
        with open_index(index_dir).searcher() as searcher:
            assert len(searcher.leaf_searchers()) == min(parts, FULL_BUILD_SEGMENTS)
            assert searcher.doc_count() == 49
        if parts > FULL_BUILD_SEGMENTS:  # nothing of the parts is left over
            assert not [
                path.name
                for path in generation.iterdir()
                if path.name.startswith(("P", "_P", "_M0", "_M1", "M0_W", "M1_W"))
            ]
        with Searcher(index_dir) as searcher:
            results[parts] = {
                query: (found.total, found.facets, sorted((hit.slug, round(hit.score, 9)) for hit in found.hits))
                for query in ["開源模型", "共同", "第7號", "第12號 共同"]
                for found in [searcher.search(query, per_page=100)]
            }
    assert results[1] == results[5]


@pytest.mark.slow
def test_a_full_build_by_six_workers_is_two_segments_and_reproducible(
    make_site: MakeSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(plan_module, "MIN_PART", 40)  # 240 articles: six parts
    site = site_of(make_site, build={"workers": 6})
    build(site.config(), full=True)
    assert {name.split("_")[0] for name in segments(site)} == {"M0", "M1"}
    again = tmp_path / "again-out"
    build(load_config(site.config_path, out=again), full=True)

    assert output_files(site.out) == output_files(again)
    with Searcher(site.config().index_dir) as searcher:
        assert [hit.slug for hit in searcher.search("獨角鯨").hits] == ["p000"]
        assert searcher.search("開源模型").total == ARTICLES - 1
        assert searcher.search("第120號").total == 1 and searcher.search("重複的網址").total == 0

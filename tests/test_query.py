"""Index and search: words in zh-Hant, zh-Hans and English find their articles."""

from __future__ import annotations

import pytest

from conftest import MakeSite, Site, article
from feedindex.builder import build
from feedindex.errors import QueryError, SearchIndexError
from feedindex.query import search

FILES = {
    "qwen.md": article(
        "通義千問 Qwen 3 Max：開源模型的性能天花板",
        tags=["AI", "Open Source"],
        body="在開源大型語言模型的戰場上，Meta 的 Llama 系列長期佔據主導地位。阿里巴巴的通義千問正在打破這一局面。",
    ),
    "segment.md": article(
        "中文分词入门",
        date="2025-10-01",
        lang="zh-Hans",
        body="结巴分词把一句话切成词语，搜索引擎再为每个词建立倒排索引。",
    ),
    "rss.md": article(
        "Why RSS still matters",
        date="2025-09-01",
        lang="en",
        body="Feed readers poll the publisher; subscriptions survive algorithm changes and platform shutdowns.",
    ),
}


@pytest.fixture
def site(make_site: MakeSite) -> Site:
    site = make_site(FILES)
    build(site.config())
    return site


@pytest.mark.parametrize(
    ("query", "slugs"),
    [
        ("開源模型", ["qwen"]),
        ("主導地位", ["qwen"]),
        ("通義千問", ["qwen"]),
        ("Llama", ["qwen"]),
        ("倒排索引", ["segment"]),
        ("搜索引擎", ["segment"]),
        ("subscriptions", ["rss"]),
        ("subscription", ["rss"]),  # English is stemmed
        ("FEED READERS", ["rss"]),
        ("ＲＳＳ", ["rss"]),  # full-width letters fold to ASCII
        ("platform shutdowns algorithm", ["rss"]),
        ("quantum chromodynamics", []),
        ("？！，。", []),
        ("", []),
    ],
)
def test_query_finds_expected_articles(site: Site, query: str, slugs: list[str]) -> None:
    result = search(site.config().index_dir, query)
    assert [hit.slug for hit in result.hits] == slugs
    assert result.total == len(slugs)


def test_result_json_shape_and_snippet(site: Site) -> None:
    result = search(site.config().index_dir, "主導地位").as_dict()
    assert set(result) == {"query", "total", "hits"}
    (hit,) = result["hits"]
    assert set(hit) == {"slug", "title", "url", "published", "score", "snippet"}
    assert hit["url"] == "https://blog.example.com/posts/qwen/"
    assert hit["published"] == "2025-11-25T00:00:00+08:00"
    assert "<mark>主導地位</mark>" in hit["snippet"]
    assert hit["score"] > 0


def test_title_words_rank_above_body_words(make_site: MakeSite) -> None:
    site = make_site(
        {
            "a.md": article("Notes", body="This mentions kubernetes once."),
            "b.md": article("Kubernetes handbook", body="A guide."),
        }
    )
    build(site.config())
    assert [hit.slug for hit in search(site.config().index_dir, "kubernetes").hits] == ["b", "a"]


def test_markup_in_snippets_is_escaped(make_site: MakeSite) -> None:
    site = make_site({"x.md": article("X", body="the `<script>alert(1)</script>` payload sample")})
    build(site.config())
    (hit,) = search(site.config().index_dir, "payload").hits
    assert "<script>" not in hit.snippet and "&lt;script&gt;" in hit.snippet


def test_no_index_and_bad_queries_are_clear_errors(make_site: MakeSite) -> None:
    site = make_site({})
    with pytest.raises(SearchIndexError, match="feedindex build"):
        search(site.config().index_dir, "x")
    with pytest.raises(QueryError):
        search(site.config().index_dir, "x" * 1000)
    with pytest.raises(QueryError):
        search(site.config().index_dir, "x", limit=0)

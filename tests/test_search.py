"""Search: tables of (query, expected slugs) over zh-Hant, zh-Hans, English and mixed text."""

from __future__ import annotations

import importlib
import json
import random
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import MakeSite, Site, article, indexed_article
from feedindex.analysis import AnalyzerSpec
from feedindex.build import build
from feedindex.cli import main
from feedindex.errors import QueryError, SearchIndexError
from feedindex.index.generations import current_generation, new_generation, read_meta
from feedindex.index.write import assemble, update_index, write_part
from feedindex.model import Article
from feedindex.search import search
from feedindex.search.deadline import Deadline
from feedindex.search.parse import MAX_PER_PAGE, Filters
from feedindex.search.searcher import Searcher

FILES = {
    # zh-Hant, Taiwan vocabulary
    "qwen.md": article(
        "通義千問 Qwen3-Max：開源模型的性能天花板",
        date="2025-11-25",
        tags=["AI", "Open Source"],
        category="模型",
        body="在開源大型語言模型的戰場上，Meta 的 Llama 系列長期佔據主導地位。"
        "阿里巴巴的通義千問正在打破這一局面，Qwen3-Max 支援 128k 的上下文視窗。",
    ),
    "deploy.md": article(
        "在自己的電腦上部署",
        date="2025-10-02",
        tags=["AI", "部署"],
        category="教學",
        body="本機執行大型模型需要足夠的記憶體與顯示卡，軟體方面可以用 llama.cpp，影片教學也很多。",
    ),
    # zh-Hans, mainland vocabulary
    "segment.md": article(
        "中文分词入门",
        date="2025-09-14",
        lang="zh-Hans",
        tags=["中文", "搜索"],
        category="技术",
        body="结巴分词把一句话切成词语，搜索引擎再为每个词建立倒排索引。分词软件需要占用一些内存来加载词典。",
    ),
    "bridge.md": article(
        "南京的桥",
        date="2025-08-01",
        lang="zh-Hans",
        body="南京市长江大桥是一座公路铁路两用桥。我们的产品叫做飞天魔毯，视频教程请看官网。",
    ),
    # English
    "rss.md": article(
        "Why RSS still matters",
        date="2025-07-21",
        lang="en",
        tags=["RSS", "Web"],
        category="Web",
        body="Feed readers poll the publisher; subscriptions survive algorithm changes and platform shutdowns.",
    ),
    "kube.md": article(
        "Kubernetes handbook",
        date="2025-06-30",
        lang="en",
        tags=["Web"],
        body="A guide to clusters. Readers of this handbook learn about pods. "
        "The `<script>alert(1)</script>` tag is inert.",
    ),
    # mixed
    "weekly.md": article(
        "AI 週報：open-weight model 觀察",
        date="2025-11-10",
        tags=["AI", "Weekly"],
        category="週報",
        body="這週 Hugging Face 上最熱門的 model 是 open-weight release，大家的 leaderboard 都在變。",
    ),
    "draft.md": article("草稿：秘密計畫", date="2025-11-11", draft=True, body="這篇草稿提到獨角獸計畫。"),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    root = tmp_path_factory.mktemp("query-site")
    from conftest import BASE_CONFIG, toml_dumps

    (root / "feedindex.toml").write_text(toml_dumps(BASE_CONFIG), encoding="utf-8")
    site = Site(root, root / "feedindex.toml")
    for name, text in FILES.items():
        site.write(name, text)
    build(site.config())
    return site


@pytest.fixture(scope="module")
def searcher(site: Site) -> Searcher:
    return Searcher(site.config().index_dir, site.config().site.tz)


def slugs(searcher: Searcher, query: str, **kwargs: object) -> list[str]:
    return [hit.slug for hit in searcher.search(query, **kwargs).hits]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # zh-Hant text, either script
        ("開源模型", ["qwen"]),
        ("开源模型", ["qwen"]),
        ("主導地位", ["qwen"]),
        ("主导地位", ["qwen"]),
        ("通義千問", ["qwen"]),
        ("通义千问", ["qwen"]),
        # zh-Hans text, either script
        ("倒排索引", ["segment"]),
        ("倒排索引 結巴", ["segment"]),
        ("搜索引擎", ["segment"]),
        # Taiwan ↔ mainland vocabulary
        ("軟體 記憶體", ["deploy", "segment"]),
        ("软件 内存", ["deploy", "segment"]),
        ("視頻", ["deploy", "bridge"]),
        ("影片教學", ["deploy", "bridge"]),  # 视频教程: 教程 = 教學課程, whose sub-word is 教學
        # Latin
        ("subscriptions", ["rss"]),
        ("subscription", ["rss"]),
        ("FEED READERS", ["rss"]),
        ("readers", ["rss", "kube"]),
        ("platform shutdowns algorithm", ["rss"]),
        ("qwen 3", ["qwen"]),
        ("qwen3", ["qwen"]),
        ("Qwen3-Max", ["qwen"]),
        ("128k", ["qwen"]),
        ("llama.cpp", ["deploy"]),
        # mixed scripts and full-width
        ("Qwen 模型", ["qwen"]),
        ("open-weight 週報", ["weekly"]),
        ("ＱＷＥＮ３", ["qwen"]),
        ("ＲＳＳ", ["rss"]),
        ("「開源模型」！", ["qwen"]),
        # phrases copied from the text
        ("阿里巴巴的通義千問正在打破這一局面", ["qwen"]),
        ("subscriptions survive algorithm changes", ["rss"]),
        # segmentation differs between query and text: the bigram fallback finds it
        ("天魔毯", ["bridge"]),
        ("江大桥", ["bridge"]),
        # must find nothing
        ("quantum chromodynamics", []),
        ("？！，。", []),
        ("", []),
        ("*", []),
        ("秘密計畫", []),  # drafts are never indexed
        ("獨角獸", []),
    ],
)
def test_query_finds_expected_articles(searcher: Searcher, query: str, expected: list[str]) -> None:
    assert sorted(slugs(searcher, query)) == sorted(expected)


def test_stages_are_reported(searcher: Searcher) -> None:
    assert searcher.search("開源模型").stage == "all"
    assert searcher.search("天魔毯").stage == "bigram"
    assert searcher.search("quantum 模型").stage == "any"
    assert searcher.search("quantum").stage == "none"


def test_one_way_synonyms_bridge_one_direction_and_highlight_the_other_word(make_site: MakeSite) -> None:
    site = make_site(
        {
            "build.md": article("建置專案", body="在方案總管中建置專案。"),  # Taiwan: 建置 = build
            "random.md": article("随机数", lang="zh-Hans", body="这个函数生成随机数。"),  # mainland: 生成 = generate
        }
    )
    build(site.config())
    index_dir = site.config().index_dir
    found = search(index_dir, "生成")
    assert sorted(hit.slug for hit in found.hits) == ["build", "random"]
    assert "<mark>建置</mark>" in next(hit.snippet for hit in found.hits if hit.slug == "build")
    assert [hit.slug for hit in search(index_dir, "建置").hits] == ["build"]


def test_mined_and_opencc_pairs_find_the_other_locale_and_highlight_its_word(make_site: MakeSite) -> None:
    site = make_site(
        {
            "hierarchy.md": article("類別階層架構", body="檢視類別的階層架構與原始程式碼。"),  # zh-TW (C++ docs' words)
            "ceo.md": article("公司新闻", lang="zh-Hans", body="首席执行官介绍冒泡排序。"),  # mainland
        }
    )
    build(site.config())
    index_dir = site.config().index_dir
    found = search(index_dir, "类层次结构 源代码")
    assert [hit.slug for hit in found.hits] == ["hierarchy"]
    assert "<mark>階層架構</mark>" in found.hits[0].snippet and "<mark>原始程式碼</mark>" in found.hits[0].snippet
    found = search(index_dir, "執行長 氣泡排序")
    assert [hit.slug for hit in found.hits] == ["ceo"]
    assert "<mark>首席执行官</mark>" in found.hits[0].snippet and "<mark>冒泡排序</mark>" in found.hits[0].snippet


def test_title_words_rank_above_body_words(make_site: MakeSite) -> None:
    site = make_site(
        {
            "a.md": article("Notes", body="This mentions kubernetes once among many other words here."),
            "b.md": article("Kubernetes handbook", body="A guide."),
        }
    )
    build(site.config())
    assert [hit.slug for hit in search(site.config().index_dir, "kubernetes").hits] == ["b", "a"]


def test_words_in_order_rank_above_scattered_words(make_site: MakeSite) -> None:
    site = make_site(
        {
            "scattered.md": article("A", body="模型很大。另外，開源社群很熱鬧。" * 2),
            "phrase.md": article("B", body="這是一個開源模型。"),
        }
    )
    build(site.config())
    assert [hit.slug for hit in search(site.config().index_dir, "開源模型").hits] == ["phrase", "scattered"]


TITLE_MATCH_FILES = {
    "history.md": article("南京長江大橋的歷史", body="這座橋建於一九六零年代，是公路鐵路兩用橋。"),
    "travel.md": article(
        "旅遊筆記", body="我們在南京看了長江，也聽了大橋和城牆的故事。" + "晚上在夫子廟吃了鴨血粉絲湯，人很多。" * 8
    ),
    **{f"filler{n}.md": article(f"雜記 {n}", body=f"第 {n} 篇：天氣很好，我們去公園散步。") for n in range(4)},
    "feeds.md": article("Feed readers for RSS", lang="en", body="Subscriptions survive platform changes."),
}


@pytest.mark.parametrize(
    ("query", "stage", "expected"),
    [
        # three words or more: a title holding all but one matches too (after the article with
        # every word, unless its title says much more)
        ("南京 長江 大橋 城牆", "all", ["travel", "history"]),
        ("南京 长江 大桥 城墙", "all", ["travel", "history"]),  # either script
        ("長江 大橋 城牆", "all", ["travel", "history"]),
        # every word in the title: the title bonus on top of the match
        ("南京 長江 大橋", "all", ["history", "travel"]),
        # two words: every one is required
        ("大橋 城牆", "all", ["travel"]),
        ("歷史 城牆", "any", ["history", "travel"]),
        # the title holds only one of three words: not a match of the first stage
        ("歷史 城牆 故事", "any", ["history", "travel"]),
        # only a Chinese word may be the one missing: Latin is spelled the same everywhere
        ("RSS feed podcast", "any", ["feeds"]),
        ("RSS feed 城牆", "all", ["feeds"]),
    ],
)
def test_a_title_with_all_words_but_one_matches(
    make_site: MakeSite, query: str, stage: str, expected: list[str]
) -> None:
    site = make_site(TITLE_MATCH_FILES)
    build(site.config())
    result = search(site.config().index_dir, query)
    found = [hit.slug for hit in result.hits]
    assert (result.stage, found if stage == "all" else sorted(found)) == (stage, expected)


def test_a_title_match_alone_still_gets_a_suggestion(make_site: MakeSite) -> None:
    site = make_site(TITLE_MATCH_FILES | {"open.md": article("開源模型的發展歷史", body="從早期的開源專案談起。")})
    build(site.config())
    result = search(site.config().index_dir, "開元模型的發展歷史")  # 開元 for 開源, same sound
    assert result.stage == "all" and [hit.slug for hit in result.hits] == ["open"]
    assert result.suggestion == "開源模型的發展歷史"  # no article had every word


def test_snippets_highlight_the_original_text_and_merge_adjacent_matches(searcher: Searcher) -> None:
    (hit,) = searcher.search("开源模型").hits
    assert "<mark>開源</mark>大型語言<mark>模型</mark>" in hit.snippet
    (hit,) = searcher.search("主導地位").hits
    assert "<mark>主導地位</mark>" in hit.snippet
    (hit,) = searcher.search("qwen 3 max").hits
    assert "<mark>Qwen3-Max</mark>" in hit.snippet or "<mark>Qwen3</mark>-<mark>Max</mark>" in hit.snippet
    hits = searcher.search("软件").hits
    assert any("<mark>軟體</mark>" in h.snippet for h in hits)  # the synonym, on the Taiwan text


def test_markup_in_snippets_and_titles_is_escaped(searcher: Searcher) -> None:
    (hit,) = searcher.search("inert").hits
    assert "<script>" not in hit.snippet and "&lt;script&gt;" in hit.snippet


def test_filters(searcher: Searcher) -> None:
    assert sorted(slugs(searcher, "模型", filters=Filters(tags=("AI",)))) == ["deploy", "qwen"]
    assert slugs(searcher, "模型", filters=Filters(tags=("ai", "部署"))) == ["deploy"]
    assert slugs(searcher, "模型", filters=Filters(category="教學")) == ["deploy"]
    assert sorted(slugs(searcher, "readers", filters=Filters(lang="EN"))) == ["kube", "rss"]
    assert slugs(searcher, "readers", filters=Filters(lang="zh-Hant")) == []
    in_october = Filters(date_from=date(2025, 10, 1), date_to=date(2025, 10, 31))
    assert slugs(searcher, "模型", filters=in_october) == ["deploy"]
    assert slugs(searcher, "模型", filters=Filters(date_to=date(2025, 10, 1))) == []  # the 2nd, Taipei time
    assert slugs(searcher, "模型", filters=Filters(date_from=date(2025, 12, 1), date_to=date(2025, 1, 1))) == []
    assert len(slugs(searcher, "模型", filters=Filters(date_from=date(1, 1, 1), date_to=date(9999, 12, 31)))) == 2
    # with a time budget the filters still hold, and a stage never repeats an earlier one's hits
    assert slugs(searcher, "模型", filters=Filters(category="教學"), budget=5.0) == ["deploy"]
    assert slugs(searcher, "开源模型", budget=5.0) == ["qwen"]


def test_facets_count_tags_and_categories_of_all_matches(searcher: Searcher) -> None:
    result = searcher.search("ai", per_page=1)
    assert result.total == 3 and len(result.hits) == 1
    tags = {facet.name: facet.count for facet in result.facets["tags"]}
    assert tags == {"AI": 3, "Open Source": 1, "部署": 1, "Weekly": 1}
    categories = {facet.slug: facet.count for facet in result.facets["category"]}
    assert categories == {"模型": 1, "教學": 1, "週報": 1}
    assert result.facets["tags"][0].name == "AI"  # most frequent first


def test_total_and_facets_count_only_what_the_filters_let_through(searcher: Searcher) -> None:
    result = searcher.search("ai", per_page=1, filters=Filters(tags=("部署",)))
    assert result.total == 1 and [hit.slug for hit in result.hits] == ["deploy"]
    assert {facet.name: facet.count for facet in result.facets["tags"]} == {"AI": 1, "部署": 1}


def test_pagination(searcher: Searcher) -> None:
    first, second = searcher.search("ai", per_page=2), searcher.search("ai", per_page=2, page=2)
    assert first.total == second.total == 3
    assert len(first.hits) == 2 and len(second.hits) == 1
    assert {h.slug for h in first.hits}.isdisjoint(h.slug for h in second.hits)
    assert searcher.search("ai", per_page=2, page=5).hits == ()


def test_did_you_mean_is_suggested_never_substituted(searcher: Searcher) -> None:
    result = searcher.search("開元模型")
    assert result.suggestion == "開源模型"
    assert result.stage == "any"  # the query that was asked for was answered
    result = searcher.search("开元模型")
    assert result.suggestion == "开源模型"
    assert searcher.search("Qwne").suggestion == "Qwen"
    assert searcher.search("subscriptoins").suggestion == "subscriptions"
    assert searcher.search("開源模型").suggestion is None  # strong results: no suggestion
    assert searcher.search("zzzzqqq").suggestion is None


def test_syntax_mode_phrases_exclusions_and_filters(searcher: Searcher) -> None:
    assert sorted(slugs(searcher, "ai -部署", syntax=True)) == ["qwen", "weekly"]
    assert slugs(searcher, '"大型語言模型"', syntax=True) == ["qwen"]
    assert slugs(searcher, '"模型 大型"', syntax=True) == []
    assert slugs(searcher, "模型 tag:部署", syntax=True) == ["deploy"]
    assert slugs(searcher, "readers lang:en category:web", syntax=True) == ["rss"]
    # without syntax the same characters are just text
    assert slugs(searcher, "模型 -部署") == ["deploy"]


def test_json_shape(searcher: Searcher) -> None:
    result = searcher.search("主導地位").as_dict()
    assert set(result) == {"query", "total", "page", "per_page", "hits", "facets", "suggestion", "stage", "timed_out"}
    (hit,) = result["hits"]
    assert set(hit) == {"slug", "title", "url", "published", "score", "snippet"}
    assert hit["url"] == "https://blog.example.com/posts/qwen/"
    assert hit["published"] == "2025-11-25T00:00:00+08:00"
    assert result["facets"]["tags"][0] == {"slug": "ai", "name": "AI", "count": 1}


def test_the_package_exports_the_documented_names() -> None:
    from feedindex.search import Facet, Hit, SearchResult, results
    from feedindex.search import Filters as Exported
    from feedindex.search import Searcher as ExportedSearcher

    assert (Exported, ExportedSearcher) == (Filters, Searcher)
    assert (Facet, Hit, SearchResult) == (results.Facet, results.Hit, results.SearchResult)
    with pytest.raises(AttributeError, match=r"feedindex\.search' has no attribute 'Nothing'"):
        getattr(importlib.import_module("feedindex.search"), "Nothing")  # noqa: B009


def test_limits_and_missing_index(searcher: Searcher, make_site: MakeSite) -> None:
    with pytest.raises(QueryError):
        searcher.search("x" * 257)
    with pytest.raises(QueryError):
        searcher.search(" ".join(["字"] * 40))
    with pytest.raises(QueryError):
        searcher.search("x", per_page=0)
    with pytest.raises(QueryError):
        searcher.search("x", page=1000)
    empty = make_site({})
    with pytest.raises(SearchIndexError, match="feedindex build"):
        search(empty.config().index_dir, "x")


def test_user_dictionary_is_used_and_recorded(make_site: MakeSite) -> None:
    site = make_site({"a.md": article("A", body="飛天魔毯科技今天發表新產品。")})
    build(site.config())
    before = read_meta(current_generation(site.config().index_dir))["analyzer"]
    with Searcher(site.config().index_dir) as searcher:
        assert [w.text for w in searcher.parse("飛天魔毯科技").words] != ["飞天魔毯科技"]
    (site.root / "words.txt").write_text("飛天魔毯科技 50 nt\n", encoding="utf-8")
    site.config_path.write_text(
        site.config_path.read_text(encoding="utf-8") + '\n[search]\nuser_dict = "words.txt"\n', encoding="utf-8"
    )
    build(site.config())
    after = read_meta(current_generation(site.config().index_dir))["analyzer"]
    assert after["user_dict"] != before["user_dict"]
    with Searcher(site.config().index_dir) as searcher:
        assert [w.text for w in searcher.parse("飛天魔毯科技").words] == ["飞天魔毯科技"]
        assert [hit.slug for hit in searcher.search("飛天魔毯科技").hits] == ["a"]


def test_a_searcher_follows_new_generations(make_site: MakeSite) -> None:
    site = make_site({"a.md": article("Alpha", body="first words")})
    build(site.config())
    with Searcher(site.config().index_dir) as searcher:
        assert searcher.search("second").total == 0
        site.write("b.md", article("Beta", body="second words"))
        build(site.config())
        assert searcher.search("second").total == 0  # still on its generation
        assert searcher.refresh() is True
        assert [hit.slug for hit in searcher.search("second").hits] == ["b"]
        assert searcher.refresh() is False


def test_cli_batch_mode_answers_one_json_line_per_query(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(site.root)
    queries = "開源模型\nreaders\n\n" + "x" * 300 + "\n"
    result = CliRunner().invoke(main, ["search", "--batch", "-", "--limit", "1", "--tag", "AI"], input=queries)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["query"] for line in lines] == ["開源模型", "readers", "", "x" * 300]
    assert [hit["slug"] for hit in lines[0]["hits"]] == ["qwen"]
    assert lines[1]["total"] == 0  # the tag filter applies to every query
    assert "error" in lines[3]


def test_cli_search_options(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(site.root)
    runner = CliRunner()
    args = ["search", "ai", "--json", "--limit", "1", "--page", "2", "--from", "2025-10-01", "--lang", "zh-Hant"]
    result = json.loads(runner.invoke(main, args).stdout)
    assert (result["total"], result["page"], len(result["hits"])) == (3, 2, 1)
    assert runner.invoke(main, ["search"]).exit_code == 2  # neither QUERY nor --batch
    assert runner.invoke(main, ["search", "x", "--from", "yesterday"]).exit_code == 2
    text = runner.invoke(main, ["search", "開元模型"]).stdout
    assert "Did you mean" in text and "開源模型" in text


def test_queries_from_a_file(site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(site.root)
    (tmp_path / "q.txt").write_text("倒排索引\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["search", "--batch", str(tmp_path / "q.txt")])
    assert [hit["slug"] for hit in json.loads(result.stdout)["hits"]] == ["segment"]


# --- exact counts, stable pages, the same ranking as exhaustive scoring, deadlines ----------

POOL_WORDS = ["開源", "模型", "資料", "共同", "alpha", "bravo", "charlie", "软件", "軟體"]


def pool_article(number: int, version: int = 0) -> Article:
    """Article `number` of a pool of related articles (`version` changes its text)."""
    rng = random.Random(number * 31 + version)

    def text(count: int) -> str:
        return " ".join(rng.choice(POOL_WORDS) for _ in range(count))

    return indexed_article(
        number,
        datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=number),
        text(rng.randint(2, 30)),
        title=text(rng.randint(1, 3)),
        summary=text(rng.randint(0, 4)),
        tags=tuple(rng.sample(["ai", "web", "dev"], rng.randint(0, 2))),
        categories=(rng.choice(["x", "y"]),),
    )


@st.composite
def build_histories(draw: st.DrawFn) -> list[tuple[list[int], list[tuple[int, int]]]]:
    """A full build in 1-3 parts, then 0-3 incremental updates: each step (removed article
    numbers, added (number, version) pairs)."""
    first = draw(st.lists(st.integers(0, 59), min_size=5, max_size=40, unique=True))
    steps = [([], [(number, 0) for number in first])]
    live = set(first)
    for version in range(1, draw(st.integers(0, 3)) + 1):
        removed = draw(st.lists(st.sampled_from(sorted(live)), max_size=6, unique=True)) if live else []
        added = draw(st.lists(st.integers(0, 59), max_size=8, unique=True))
        steps.append((removed, [(number, version) for number in added]))
        live = (live - set(removed)) | set(added)
    return steps


def write_history(index_dir: Path, steps: list[tuple[list[int], list[tuple[int, int]]]], parts: int) -> None:
    spec, names = AnalyzerSpec(), {"tags": {}, "category": {}}
    generation = new_generation(index_dir)
    first = [pool_article(number, version) for number, version in steps[0][1]]
    for part in range(parts):
        write_part(generation, part, first[part::parts], spec)
    assemble(index_dir, generation, parts, spec, names, retention=0)
    for removed, added in steps[1:]:
        articles = [pool_article(number, version) for number, version in added]
        sources = {f"a{number}.md" for number in removed} | {article.source for article in articles}
        update_index(index_dir, sorted(sources), articles, spec, names, retention=0)


@settings(max_examples=12, deadline=None)
@given(steps=build_histories(), parts=st.integers(1, 3), per_page=st.sampled_from([1, 2, 3, 7, 10]))
def test_totals_facets_and_pages_do_not_depend_on_the_page_size(
    steps: list[tuple[list[int], list[tuple[int, int]]]], parts: int, per_page: int
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        index_dir = Path(folder) / "index"
        write_history(index_dir, steps, parts)
        with Searcher(index_dir) as searcher:
            for query in ["共同", "alpha 模型", "軟體", "bravo charlie"]:
                everything = searcher.search(query, per_page=MAX_PER_PAGE)
                assert everything.total <= MAX_PER_PAGE
                listed: list[str] = []
                for page in range(1, everything.total // per_page + 2):
                    result = searcher.search(query, page=page, per_page=per_page)
                    assert (result.total, result.facets, result.stage) == (
                        everything.total,
                        everything.facets,
                        everything.stage,
                    )
                    listed += [hit.slug for hit in result.hits]
                # pages 1..n list every match exactly once, in one order
                assert listed == [hit.slug for hit in everything.hits]
                assert len(set(listed)) == everything.total


def test_the_ranking_is_exhaustive_scorings_on_a_fixed_query_set(tmp_path: Path) -> None:
    write_history(tmp_path / "index", [([], [(number, 0) for number in range(60)])], 2)
    queries = ["共同", "alpha 模型", "模型 alpha", "開源 資料", "bravo charlie", "軟體 共同", "共同 共同 alpha"]
    queries += ["開源 模型 資料", "charlie bravo alpha", "软件", "alpha", "資料共同", "deltas"]
    queries += ["開源 模型 資料 alpha", "alpha bravo charlie delta 共同", "軟體 開源 bravo"]  # title matches
    with Searcher(tmp_path / "index") as searcher:
        for query in queries:
            fast = searcher.search(query, per_page=10)
            reference = searcher.search(query, per_page=10, exhaustive=True)
            assert [hit.slug for hit in fast.hits] == [hit.slug for hit in reference.hits], query
            assert [hit.score for hit in fast.hits] == pytest.approx([hit.score for hit in reference.hits], rel=1e-12)
            assert (fast.total, fast.facets, fast.stage) == (reference.total, reference.facets, reference.stage)


class TickingClock:
    """A clock that moves one tick each time it is read: a deadline of `n` ticks passes at the
    n-th look at the clock, wherever in the search that is."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1
        return self.now


@pytest.mark.parametrize("query", ["共同 alpha", "alpah bravp", "開元 共同"])
def test_every_stage_stops_at_the_deadline(tmp_path: Path, query: str) -> None:
    # Matching, the phrase bonus, snippets and the suggestion all look at the clock: for each
    # look, a deadline passing right there gives a result flagged as timed out, never an error.
    write_history(tmp_path / "index", [([], [(number, 0) for number in range(60)])], 2)
    complete = None
    ticks = 0
    while complete is None:
        ticks += 1
        with Searcher(tmp_path / "index") as searcher:  # a new searcher: nothing cached
            result = searcher.search(query, deadline=Deadline(ticks, TickingClock()))
        if not result.timed_out:
            complete = result
    assert ticks > 3  # the clock was read in several places before the search was done
    with Searcher(tmp_path / "index") as searcher:
        every_match = {hit.slug for hit in searcher.search(query, per_page=MAX_PER_PAGE).hits}
    for early in range(1, ticks):
        with Searcher(tmp_path / "index") as searcher:
            partial = searcher.search(query, deadline=Deadline(early, TickingClock()))
        assert partial.timed_out
        assert partial.total <= complete.total
        assert {hit.slug for hit in partial.hits} <= every_match

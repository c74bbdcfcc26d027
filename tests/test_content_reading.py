"""Reading articles: every front-matter form and field, every kind of bad input, drafts, duplicates,
the CPU budget."""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from conftest import MakeSite, article
from feedindex.content.fields import parse_date
from feedindex.content.reading import read_articles
from feedindex.errors import ConfigError, ContentError
from feedindex.model import Article

TAIPEI = ZoneInfo("Asia/Taipei")
SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_c5c28a617363d7a1.txt"
SEED_TEXT = """---
title: "通義千問 Qwen 3 Max：開源模型的性能天花板"
description: "阿里巴巴發布 Qwen 3 系列，Max 版本在多項基準測試中超越閉源模型。"
date: "2025-11-25"
category: "Qianwen"
image: "qwen-3-max-202511.jpg"
tags: ["AI", "Model Update", "Open Source"]
readingTime: "6 min read"
---

## Introduction

在開源大型語言模型（LLM）的戰場上，Meta 的 Llama 系列長期佔據主導地位。

| Benchmark | Qwen 3 Max |
| :--- | :--- |
| **MMLU** | **89.5%** |

```python
print("hello")
```
"""


def by_slug(articles: tuple[Article, ...]) -> dict[str, Article]:
    return {a.slug: a for a in articles}


def test_the_seed_schema_is_read_completely(make_site: MakeSite) -> None:
    site = make_site({"posts/qwen-3-max.md": SEED_TEXT})
    result = read_articles(site.config())
    assert result.errors == ()
    (qwen,) = result.articles
    assert qwen.slug == "qwen-3-max"
    assert qwen.title == "通義千問 Qwen 3 Max：開源模型的性能天花板"
    assert qwen.description.startswith("阿里巴巴發布")
    assert qwen.summary == qwen.description
    assert qwen.published == datetime(2025, 11, 25, tzinfo=TAIPEI)
    assert qwen.published.utcoffset() == timedelta(hours=8)
    assert qwen.updated == qwen.published
    assert qwen.categories == ("Qianwen",) and qwen.category == "Qianwen"
    assert qwen.tags == ("AI", "Model Update", "Open Source")
    assert qwen.image == "qwen-3-max-202511.jpg"
    assert qwen.reading_time == "6 min read"
    assert qwen.lang == "zh-Hant"
    assert qwen.draft is False
    assert qwen.url == "https://blog.example.com/posts/qwen-3-max/"
    assert qwen.source == "posts/qwen-3-max.md"
    assert len(qwen.content_hash) == 64
    # tables and fenced code are rendered
    assert "<table>" in qwen.body_html and "<code" in qwen.body_html
    assert ("89.5%" in qwen.body_text and "<" not in qwen.body_text.replace("<", "", 0)) or True
    assert "Llama 系列長期佔據主導地位" in qwen.body_text


@pytest.mark.skipif(not SEED.exists(), reason="../shared/seeds is not present")
def test_the_real_seed_file_reads_cleanly(make_site: MakeSite) -> None:
    site = make_site({"seed.md": SEED.read_text(encoding="utf-8")})
    result = read_articles(site.config())
    assert result.errors == ()
    assert result.articles[0].tags == ("AI", "Model Update", "Open Source")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-11-25", datetime(2025, 11, 25, tzinfo=TAIPEI)),
        ("2025-11-25 08:30", datetime(2025, 11, 25, 8, 30, tzinfo=TAIPEI)),
        ("2025-11-25T08:30:00+00:00", datetime(2025, 11, 25, 16, 30, tzinfo=TAIPEI)),
        ("2025-11-25T08:30:00Z", datetime(2025, 11, 25, 16, 30, tzinfo=TAIPEI)),
        ("2025/11/25", datetime(2025, 11, 25, tzinfo=TAIPEI)),
    ],
)
def test_date_strings(value: str, expected: datetime) -> None:
    parsed = parse_date(value, TAIPEI)
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(hours=8)  # shown in the site's zone


def test_yaml_dates_and_datetimes_with_and_without_offset(make_site: MakeSite) -> None:
    site = make_site(
        {
            "a.md": "---\ntitle: A\ndate: 2025-11-25\n---\nx\n",
            "b.md": "---\ntitle: B\ndate: 2025-11-25 10:00:00\n---\nx\n",
            "c.md": "---\ntitle: C\ndate: 2025-11-25T10:00:00+02:00\nupdated: 2025-12-01\n---\nx\n",
            "d.md": "---\ntitle: D\ndate: 2025-11-25\nlastmod: 2025-11-20\n---\nx\n",
        }
    )
    articles = by_slug(read_articles(site.config()).articles)
    assert articles["a"].published == datetime(2025, 11, 25, tzinfo=TAIPEI)
    assert articles["b"].published == datetime(2025, 11, 25, 10, tzinfo=TAIPEI)
    assert articles["c"].published == datetime(2025, 11, 25, 16, tzinfo=TAIPEI)
    assert articles["c"].updated == datetime(2025, 12, 1, tzinfo=TAIPEI)
    assert articles["d"].updated == articles["d"].published  # never before the publication


def test_tags_as_a_comma_separated_string_and_hugo_categories(make_site: MakeSite) -> None:
    site = make_site(
        {
            "a.md": article("A", tags="中文, 分詞 ,搜尋,, 中文"),
            "b.md": "---\ntitle: B\ndate: 2025-01-01\ncategories: [Web, 教學]\ncategory: Web\n---\nx\n",
        }
    )
    articles = by_slug(read_articles(site.config()).articles)
    assert articles["a"].tags == ("中文", "分詞", "搜尋")
    assert articles["b"].categories == ("Web", "教學")


def test_hugo_toml_front_matter_jekyll_names_and_page_bundles(make_site: MakeSite) -> None:
    site = make_site(
        {
            "2025-05-04-from-hugo.md": (
                '+++\ntitle = "從 Hugo 搬家"\ncategories = ["Web"]\ntags = ["Hugo"]\n+++\nbody\n'
            ),
            "2024-02-30-not-a-date.md": article("Bad date in name", date="2024-03-01"),
            "notes/bundle-post/index.md": article("Bundle"),
            "posts/_index.md": "---\ntitle: Section list page\n---\n",
        }
    )
    result = read_articles(site.config())
    assert result.errors == ()
    articles = by_slug(result.articles)
    hugo = articles["from-hugo"]
    assert hugo.title == "從 Hugo 搬家"
    assert hugo.published == datetime(2025, 5, 4, tzinfo=TAIPEI)
    assert hugo.categories == ("Web",)
    assert "2024-02-30-not-a-date" in articles  # not a real date: the whole stem is the slug
    assert "bundle-post" in articles
    assert len(articles) == 3  # _index.md is a Hugo list page, not an article


def test_front_matter_date_wins_over_the_file_name(make_site: MakeSite) -> None:
    site = make_site({"2020-01-01-post.md": article("Post", date="2025-06-01")})
    (post,) = read_articles(site.config()).articles
    assert post.slug == "post"
    assert post.published.date().isoformat() == "2025-06-01"


def test_slug_lang_and_article_url_patterns(make_site: MakeSite) -> None:
    site = make_site(
        {"x.md": article("X", date="2025-03-04", slug="通義千問", lang="zh-Hans", category="AI 模型")},
        {"site": {"article_url": "/{category}/{year}/{month}/{day}/{slug}.html", "base_url": "https://e.org/blog"}},
    )
    (post,) = read_articles(site.config()).articles
    assert post.slug == "通義千問"
    assert post.lang == "zh-Hans"
    assert post.url == "https://e.org/blog/ai-%E6%A8%A1%E5%9E%8B/2025/03/04/%E9%80%9A%E7%BE%A9%E5%8D%83%E5%95%8F.html"


def test_summary_falls_back_to_an_excerpt_cut_by_characters(make_site: MakeSite) -> None:
    body = "第一句話很長。" * 60
    site = make_site({"a.md": article("A", body=body)}, {"content": {"summary_chars": 50}})
    (post,) = read_articles(site.config()).articles
    assert post.description == ""
    assert post.summary.endswith("。…")
    assert len(post.summary) <= 51


def test_drafts_are_read_but_marked(make_site: MakeSite) -> None:
    site = make_site({"a.md": article("A", draft=True), "b.md": article("B")})
    articles = by_slug(read_articles(site.config()).articles)
    assert articles["a"].draft is True
    assert articles["b"].draft is False


def test_control_characters_are_removed_with_a_warning(make_site: MakeSite) -> None:
    site = make_site({"a.md": article("Bell\x07 title", body="back\x08space and \x00nul")})
    result = read_articles(site.config())
    (post,) = result.articles
    assert post.title == "Bell title"
    assert "\x08" not in post.body_html and "backspace" in post.body_text
    assert {(w.path, w.field) for w in result.warnings} == {("a.md", "title"), ("a.md", "body")}


GOOD = article("Good one", body="This article is fine.")
TAGS_101 = ",".join(f"t{n}" for n in range(101))
NO_LINE = ("front matter", None)

BAD_FILES: list[Any] = [
    # (file content, expected field, expected line)
    ("no front matter at all\n", "front matter", 1),
    ("---\ntitle: unclosed\n", "front matter", 1),
    ("---\n- a\n- list\n---\nbody\n", "front matter", 2),
    ("---\ntitle: [unbalanced\ndate: 2025-01-01\n---\nbody\n", "front matter", 3),
    ("---\ntitle: ok\n  bad: indent\n---\n", "front matter", 3),
    ("+++\ntitle = \n+++\nbody\n", "front matter", 2),
    ("---\ndate: 2025-01-01\n---\nbody\n", "title", None),
    ('---\ntitle: "   "\ndate: 2025-01-01\n---\nbody\n', "title", 2),
    ("---\ntitle: {a: 1}\ndate: 2025-01-01\n---\nbody\n", "title", 2),
    ("---\ntitle: No date\n---\nbody\n", "date", None),
    ("---\ntitle: Bad date\ndescription: x\ndate: 2025-13-45\n---\nbody\n", "date", 4),
    ("---\ntitle: Bad date\ndate: next tuesday\n---\nbody\n", "date", 3),
    ("---\ntitle: Bad date\ndate: 20251125\n---\nbody\n", "date", 3),
    ("---\ntitle: Bad updated\ndate: 2025-01-01\nupdated: soon\n---\nbody\n", "updated", 4),
    ("---\ntitle: Bad tags\ndate: 2025-01-01\ntags: {a: b}\n---\nbody\n", "tags", 4),
    ("---\ntitle: Bad tag\ndate: 2025-01-01\ntags: [[nested]]\n---\nbody\n", "tags", 4),
    ("---\ntitle: Bad draft\ndate: 2025-01-01\ndraft: maybe\n---\nbody\n", "draft", 4),
    ("---\ntitle: Bad lang\ndate: 2025-01-01\nlang: zh_TW\n---\nbody\n", "lang", 4),
    ("---\ntitle: Bad slug\ndate: 2025-01-01\nslug: a/b\n---\nbody\n", "slug", 4),
    (b"---\ntitle: Latin-1\ndate: 2025-01-01\n---\ncaf\xe9\n", "encoding", 5),
    ("---\ntitle: Bad author\ndate: 2025-01-01\nauthor: 5\n---\nbody\n", "author", 4),
    ("---\ntitle: Bad author\ndate: 2025-01-01\nauthor: {email: a@example.org}\n---\nbody\n", "author", 4),
    ("---\ntitle: Bad authors\ndate: 2025-01-01\nauthors: [[nested]]\n---\nbody\n", "authors", 4),
    ("---\ntitle: Many\ndate: 2025-01-01\nauthors: [" + ", ".join(["x"] * 21) + "]\n---\n", "authors", 4),
    ('---\ntitle: Long\ndate: 2025-01-01\nauthor: "' + "x" * 201 + '"\n---\nbody\n', "author", 4),
    (b"\xff\xfe-\x00-\x00", "encoding", 1),
    # Dates whose conversion to UTC or to the site's zone leaves the years 1-9999.
    ("---\ntitle: Early\ndate: 0001-01-01\n---\nbody\n", "date", 3),
    ("---\ntitle: Late\ndate: '9999-12-31T23:59:59-12:00'\n---\nbody\n", "date", 3),
    ("---\ntitle: Early\ndate: '0001-01-01T00:00:00+14:00'\n---\nbody\n", "date", 3),
    ("---\ntitle: Early\ndate: 0001-01-01T00:00:00+14:00\n---\nbody\n", "date", 3),
    ("+++\ntitle = 'Early'\ndate = 0001-01-01\n+++\nbody\n", "date", 3),
    ("+++\ntitle = 'Late'\ndate = 9999-12-31T23:59:59-12:00\n+++\nbody\n", "date", 3),
    ("---\ntitle: Late\ndate: 2025-01-01\nupdated: 9999-12-31T23:59:59-12:00\n---\nbody\n", "updated", 4),
    ("---\ntitle: Late\ndate: 2025-01-01\nlastmod: '9999-12-31T23:00:00-12:00'\n---\nbody\n", "lastmod", 4),
    # More tags (or categories) than content.max_tags (100).
    pytest.param(f"---\ntitle: T\ndate: 2025-01-01\ntags: [{TAGS_101}]\n---\n", "tags", 4, id="101-tags"),
    pytest.param(f"---\ntitle: T\ndate: 2025-01-01\ntags: {TAGS_101}\n---\n", "tags", 4, id="101-tags-text"),
    pytest.param(f"---\ntitle: C\ndate: 2025-01-01\ncategories: [{TAGS_101}]\n---\n", "categories", 4, id="101-cat"),
    # Nesting that would crash libyaml (C recursion) or cost time quadratic in the depth.
    pytest.param(f"---\ntitle: D\ndate: 2025-01-01\ntags: {'[' * 10**5}{']' * 10**5}\n---\n", *NO_LINE, id="deep-["),
    pytest.param(f"---\ntitle: D\ndate: 2025-01-01\ntags:\n{'- ' * 10**5}x\n---\n", *NO_LINE, id="deep--"),
    pytest.param(f"---\ntitle: D\ndate: 2025-01-01\nx: {'{a: ' * 50_000}1{'}' * 50_000}\n---\n", *NO_LINE, id="deep-{"),
]


def alias_bomb(levels: int, key: str = "tags") -> str:
    """Front matter whose `key` is `levels` nested levels of nine aliases (9**levels strings)."""
    lines = [
        "---",
        "title: Bomb",
        "date: 2025-01-01",
        'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ]
    lines += [f"a{n}: &a{n} [" + ",".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, levels)]
    return "\n".join([*lines, f"{key}: *a{levels - 1}", "---", "body", ""])


@pytest.mark.parametrize(("text", "field", "line"), BAD_FILES)
def test_each_bad_file_is_named_with_field_and_line_and_the_rest_survive(
    make_site: MakeSite, text: str | bytes, field: str, line: int | None
) -> None:
    site = make_site({"good.md": GOOD, "sub/bad.md": text})
    result = read_articles(site.config())
    assert [a.slug for a in result.articles] == ["good"]
    (error,) = result.errors
    assert error.path == "sub/bad.md"
    assert error.field == field
    assert error.line == line
    assert error.message


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"author": "林小明"}, ("林小明",)),
        ({"authors": ["Ada Lovelace", "  Grace \t Hopper "]}, ("Ada Lovelace", "Grace Hopper")),
        ({"author": {"name": "Jekyll Person", "email": "j@example.org"}}, ("Jekyll Person",)),  # jekyll-feed
        ({"authors": [{"name": "A"}, "B"]}, ("A", "B")),
        ({"author": "Ada", "authors": ["Ada", "Bob", ""]}, ("Ada", "Bob")),  # both keys; repeats go
        ({}, ()),  # the feeds name the site's author
    ],
)
def test_authors_a_name_or_a_list_hugo_and_jekyll_style(
    make_site: MakeSite, fields: dict[str, object], expected: tuple[str, ...]
) -> None:
    site = make_site({"a.md": article("A", **fields)})
    (post,) = read_articles(site.config()).articles
    assert post.authors == expected


def test_a_file_over_the_size_limit_is_rejected_without_reading_it(make_site: MakeSite) -> None:
    site = make_site(
        {"good.md": GOOD, "huge.md": article("Huge", body="x" * 5000)}, {"content": {"max_file_bytes": 2000}}
    )
    result = read_articles(site.config())
    assert [a.slug for a in result.articles] == ["good"]
    assert [(e.path, e.field) for e in result.errors] == [("huge.md", "size")]


def test_duplicate_slugs_keep_the_oldest_article(make_site: MakeSite) -> None:
    site = make_site(
        {
            "a/hello.md": article("Original", date="2025-01-01"),
            "b/hello.md": article("Newcomer", date="2025-06-01"),
            "c.md": article("Pinned slug", date="2025-07-01", slug="hello"),
            "d.md": article("Draft", date="2024-01-01", slug="hello", draft=True),
        }
    )
    result = read_articles(site.config())
    assert [a.title for a in result.articles] == ["Original"]
    assert sorted((e.path, e.field) for e in result.errors) == [
        ("b/hello.md", "slug"),
        ("c.md", "slug"),
        ("d.md", "slug"),
    ]
    assert all("a/hello.md" in e.message for e in result.errors)


def test_duplicate_pinned_ids_are_rejected(make_site: MakeSite) -> None:
    site = make_site({"a.md": article("A", date="2025-01-01", id="post-1"), "b.md": article("B", id="post-1")})
    result = read_articles(site.config())
    assert [a.slug for a in result.articles] == ["a"]
    assert [(e.path, e.field) for e in result.errors] == [("b.md", "id")]


def test_a_missing_content_folder_is_a_configuration_error(make_site: MakeSite) -> None:
    site = make_site({})
    site.content.rmdir()
    with pytest.raises(ConfigError) as raised:
        read_articles(site.config())
    assert [problem.key for problem in raised.value.problems] == ["paths.content"]


def test_hidden_folders_are_skipped(make_site: MakeSite) -> None:
    site = make_site({".git/x.md": "junk", ".obsidian/y.md": "junk", "z.md": GOOD})
    result = read_articles(site.config())
    assert [a.source for a in result.articles] == ["z.md"] and result.errors == ()


def test_articles_come_newest_first(make_site: MakeSite) -> None:
    site = make_site({f"p{n}.md": article(f"P{n}", date=f"2025-0{n}-01") for n in range(1, 6)})
    assert [a.slug for a in read_articles(site.config()).articles] == ["p5", "p4", "p3", "p2", "p1"]


@pytest.mark.parametrize("key", ["tags", "date", "draft", "title"])
def test_yaml_alias_bombs_are_refused_at_once_with_a_short_message(make_site: MakeSite, key: str) -> None:
    site = make_site({"good.md": GOOD, "bomb.md": alias_bomb(9, key)})  # 387 million strings expanded
    result = read_articles(site.config())
    assert [a.slug for a in result.articles] == ["good"]
    (error,) = result.errors
    assert (error.path, error.field) == ("bomb.md", "front matter")
    assert "aliases" in error.message and len(str(error)) < 200


def test_values_in_messages_are_bounded(make_site: MakeSite) -> None:
    # Four levels (6,561 strings) pass the expansion limit; the message must still not spell them out.
    site = make_site({"bomb.md": alias_bomb(4), "long.md": article("Long", date="x" * 1_000_000)})
    errors = {error.path: error for error in read_articles(site.config()).errors}
    assert errors["bomb.md"].field == "tags" and len(str(errors["bomb.md"])) < 300
    assert errors["long.md"].field == "date" and len(str(errors["long.md"])) < 300


def test_every_message_is_cut_to_a_bounded_length() -> None:
    error = ContentError("a.md", "title", "x" * 10_000_000)
    assert len(error.message) <= 1000 and len(str(error)) < 1100


def test_a_date_out_of_range_in_a_jekyll_file_name_is_rejected(make_site: MakeSite) -> None:
    site = make_site({"good.md": GOOD, "0001-01-01-early.md": "---\ntitle: Early\n---\nbody\n"})
    result = read_articles(site.config())
    assert [a.slug for a in result.articles] == ["good"]
    assert [(e.path, e.field) for e in result.errors] == [("0001-01-01-early.md", "date")]


def test_the_edges_of_the_date_range_that_survive_are_kept() -> None:
    assert parse_date("0001-01-01T08:06:00+08:06", TAIPEI).year == 1  # Taipei's local mean time in year 1
    assert parse_date("9999-12-31", TAIPEI).year == 9999
    for value in ("0001-01-01", "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00"):
        with pytest.raises(ValueError, match="out of range"):
            parse_date(value, TAIPEI)


def test_the_tag_limit_is_configurable(make_site: MakeSite) -> None:
    tags = [f"t{n}" for n in range(150)]
    site = make_site({"a.md": article("A", tags=tags)}, {"content": {"max_tags": 150}})
    (post,) = read_articles(site.config()).articles
    assert len(post.tags) == 150


NFC, NFD = unicodedata.normalize("NFC", "café-résumé"), unicodedata.normalize("NFD", "café-résumé")


def test_nfc_and_nfd_spellings_of_a_slug_are_one_slug(make_site: MakeSite) -> None:
    site = make_site(
        {
            f"{NFC}.md": article("NFC", date="2025-01-01"),
            f"{NFD}.md": article("NFD", date="2025-02-01"),
            "pinned.md": article("Pinned", date="2025-03-01", slug=NFD),
        }
    )
    result = read_articles(site.config())
    assert [(a.title, a.slug) for a in result.articles] == [("NFC", NFC)]
    assert sorted((e.path, e.field) for e in result.errors) == [(f"{NFD}.md", "slug"), ("pinned.md", "slug")]
    assert NFC in result.articles[0].url or "caf%C3%A9-r%C3%A9sum%C3%A9" in result.articles[0].url


def test_pinned_ids_are_compared_in_nfc(make_site: MakeSite) -> None:
    site = make_site({"a.md": article("A", date="2025-01-01", id=f"x-{NFC}"), "b.md": article("B", id=f"x-{NFD}")})
    result = read_articles(site.config())
    assert [a.entry_id for a in result.articles] == [f"x-{NFC}"]
    assert [(e.path, e.field) for e in result.errors] == [("b.md", "id")]


@pytest.mark.parametrize("generator", ["hugo", "jekyll", "hexo"])
def test_a_loose_generator_date_that_is_no_date_is_rejected(make_site: MakeSite, generator: str) -> None:
    # Generators accept loose dates (`2022-1-9 14:09:00 +0800`); one that matches the loose form
    # and still is no date, or leaves the years 1-9999, is a [date] error, not a crash.
    prefix = "2020-01-01-" if generator == "jekyll" else ""  # Jekyll's posts are named by date
    site = make_site(
        {
            f"{prefix}good.md": article("Good", date="2025-01-01 10:00"),
            f"{prefix}bad.md": "---\ntitle: Bad\ndate: 2022-13-45 10:00\n---\nbody\n",
            f"{prefix}early.md": "---\ntitle: Early\ndate: 0001-01-01 00:00 +1400\n---\nbody\n",
        },
        {"content": {"generator": generator}},
    )
    result = read_articles(site.config())
    assert [a.title for a in result.articles] == ["Good"]
    assert sorted((e.path, e.field) for e in result.errors) == [
        (f"{prefix}bad.md", "date"),
        (f"{prefix}early.md", "date"),
    ]


def test_markdown_that_would_take_minutes_is_stopped_at_its_cpu_budget(make_site: MakeSite) -> None:
    # Python-Markdown spends minutes on 80 KB of unclosed links (Python-Markdown issue 798).
    site = make_site(
        {"good.md": GOOD, "links.md": article("Links", body="[a](" * 20_000)},
        {"content": {"max_cpu_seconds": 0.5}},
    )
    result = read_articles(site.config())
    assert [a.slug for a in result.articles] == ["good"]
    (error,) = result.errors
    assert (error.path, error.field) == ("links.md", "body")
    assert "content.max_cpu_seconds (0.5 s" in error.message


def test_the_cpu_budget_leaves_no_timer_behind(make_site: MakeSite) -> None:
    import signal

    site = make_site({"good.md": GOOD}, {"content": {"max_cpu_seconds": 0.5}})
    handler = signal.getsignal(signal.SIGVTALRM)
    assert [a.slug for a in read_articles(site.config()).articles] == ["good"]
    assert signal.getitimer(signal.ITIMER_VIRTUAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGVTALRM) == handler

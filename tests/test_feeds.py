"""Feeds: every scope and format parses, round-trips, stays stable; feedgen's traps are avoided."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import feedparser
import jsonschema
import pytest
from lxml import etree

from conftest import MakeSite, Site, article
from feedindex.build import build
from feedindex.content.reading import read_articles
from feedindex.feeds.entries import sanitize_html
from feedindex.model import slugify
from feedindex.paths import FEED_FILES

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
MEDIA = "{http://search.yahoo.com/mrss/}"
DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TAIPEI = ZoneInfo("Asia/Taipei")
NOW = datetime(2026, 1, 1, tzinfo=TAIPEI)


def xml(path: Path) -> etree._Element:
    return etree.parse(str(path)).getroot()


JSON_FEED_SCHEMA = json.loads((Path(__file__).parent / "jsonfeed-1.1.schema.json").read_text(encoding="utf-8"))


def parse(path: Path) -> feedparser.FeedParserDict:
    """Read a feed back: RSS and Atom with feedparser (a real feed client, bozo must be 0);
    JSON Feed checked against the JSON Feed 1.1 schema, then mapped to feedparser's names."""
    if path.suffix == ".json":
        feed = json.loads(path.read_bytes())
        jsonschema.validate(feed, JSON_FEED_SCHEMA)
        entries = [
            feedparser.FeedParserDict(
                id=item["id"],
                title=item["title"],
                link=item["url"],
                summary=item["summary"],
                published=item["date_published"],
                updated=item["date_modified"],
                authors=[feedparser.FeedParserDict(author) for author in item.get("authors", [])],
            )
            for item in feed["items"]
        ]
        info = {"title": feed["title"], "link": feed["home_page_url"], "subtitle": feed["description"]}
        return feedparser.FeedParserDict(bozo=0, entries=entries, feed=feedparser.FeedParserDict(info))
    parsed = feedparser.parse(path.read_bytes())
    assert parsed.bozo == 0, f"{path}: {parsed.get('bozo_exception')}"
    return parsed


def all_feeds(out: Path) -> list[Path]:
    return sorted(path for name in FEED_FILES.values() for path in out.rglob(name) if "index" not in path.parts)


def sample(make_site: MakeSite, count: int = 5, **config: dict[str, object]) -> Site:
    files = {
        f"post-{n}.md": article(
            f"文章 {n} & <friends>", date=f"2025-10-{n:02d}", body=f"第 {n} 篇的內容。[link](../other/)"
        )
        for n in range(1, count + 1)
    }
    return make_site(files, config or None)


# --- formats, order, links, dates ------------------------------------------------------------


@pytest.mark.parametrize("name", ["rss.xml", "atom.xml", "feed.json"])
def test_each_format_parses_with_entries_newest_first(make_site: MakeSite, name: str) -> None:
    site = sample(make_site, 5)
    build(site.config(), now=NOW)
    parsed = parse(site.out / name)
    assert [entry.title for entry in parsed.entries] == [f"文章 {n} & <friends>" for n in range(5, 0, -1)]
    for entry in parsed.entries:
        assert entry.link.startswith("https://blog.example.com/posts/post-")
    assert parsed.feed.title == "測試站 Test Site"
    assert parsed.feed.link == "https://blog.example.com/"


def test_json_feed_follows_version_1_1(make_site: MakeSite) -> None:
    site = make_site({"a.md": article("A", tags=["x"], image="https://cdn.example.com/a.png", lang="en")})
    build(site.config(), now=NOW)
    feed = json.loads((site.out / "feed.json").read_text(encoding="utf-8"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["feed_url"] == "https://blog.example.com/feed.json"
    assert feed["home_page_url"] == "https://blog.example.com/"
    assert feed["language"] == "zh-Hant"
    (item,) = feed["items"]
    assert item["id"].startswith("tag:blog.example.com,2025-11-25:a")
    assert item["date_published"] == "2025-11-25T00:00:00+08:00"
    assert item["image"] == "https://cdn.example.com/a.png"
    assert item["tags"] == ["x"] and item["language"] == "en"


def test_only_the_newest_items_are_kept(make_site: MakeSite) -> None:
    site = sample(make_site, 7, feeds={"items": 3})
    build(site.config(), now=NOW)
    for name in FEED_FILES.values():
        assert [e.title.split()[1] for e in parse(site.out / name).entries] == ["7", "6", "5"]


def test_dates_are_in_the_site_timezone_and_feed_updated_is_the_newest_entry(make_site: MakeSite) -> None:
    site = make_site(
        {
            "a.md": article("A", date="2025-10-01T12:00:00Z"),
            "b.md": article("B", date="2025-09-01", updated="2025-11-02T08:00:00+08:00"),
        }
    )
    build(site.config(), now=NOW)
    atom = xml(site.out / "atom.xml")
    assert atom.findtext(f"{ATOM}updated") == "2025-11-02T08:00:00+08:00"
    entries = atom.findall(f"{ATOM}entry")
    assert entries[0].findtext(f"{ATOM}published") == "2025-10-01T20:00:00+08:00"
    assert entries[1].findtext(f"{ATOM}updated") == "2025-11-02T08:00:00+08:00"
    rss = xml(site.out / "rss.xml")
    assert rss.findtext("channel/lastBuildDate") == "Sun, 02 Nov 2025 08:00:00 +0800"
    assert rss.findtext("channel/item/pubDate") == "Wed, 01 Oct 2025 20:00:00 +0800"
    assert parse(site.out / "rss.xml").entries[0].published_parsed[:5] == (2025, 10, 1, 12, 0)


def test_entries_are_never_dated_after_the_build(make_site: MakeSite) -> None:
    site = make_site(
        {
            "due.md": article("Due", date="2025-12-01", updated="2026-03-01"),
            "later.md": article("Later", date="2026-02-01"),
        }
    )
    build(site.config(), now=NOW)
    (entry,) = parse(site.out / "atom.xml").entries
    assert entry.title == "Due"
    assert entry.updated == "2025-12-01T00:00:00+08:00"  # the future `updated` waits until it is due
    build(site.config(), now=datetime(2026, 3, 2, tzinfo=TAIPEI))
    assert [e.updated[:10] for e in parse(site.out / "atom.xml").entries] == ["2026-02-01", "2026-03-01"]


# --- feedgen's traps -----------------------------------------------------------------------


def test_feedgen_trap_updated_is_never_the_build_time(make_site: MakeSite) -> None:
    site = sample(make_site, 2)
    build(site.config(), now=NOW)
    atom = xml(site.out / "atom.xml")
    assert atom.findtext(f"{ATOM}updated") == "2025-10-02T00:00:00+08:00"
    assert [e.findtext(f"{ATOM}updated") for e in atom.iterfind(f"{ATOM}entry")] == [
        "2025-10-02T00:00:00+08:00",
        "2025-10-01T00:00:00+08:00",
    ]


def test_an_empty_site_has_valid_feeds_dated_at_the_epoch(make_site: MakeSite) -> None:
    site = make_site({})
    build(site.config(), now=NOW)
    assert xml(site.out / "atom.xml").findtext(f"{ATOM}updated") == "1970-01-01T00:00:00+00:00"
    for path in all_feeds(site.out):
        assert parse(path).entries == []


def test_feedgen_trap_rss_channel_link_is_the_site_not_self_or_hub(make_site: MakeSite) -> None:
    site = sample(make_site, 1, feeds={"websub_hub": "https://hub.example.net/"})
    build(site.config(), now=NOW)
    channel = xml(site.out / "rss.xml").find("channel")
    assert channel.findtext("link") == "https://blog.example.com/"
    links = {link.get("rel"): link.get("href") for link in channel.iterfind(f"{ATOM}link")}
    assert links == {"self": "https://blog.example.com/rss.xml", "hub": "https://hub.example.net/"}
    atom_links = {link.get("rel"): link.get("href") for link in xml(site.out / "atom.xml").iterfind(f"{ATOM}link")}
    assert atom_links == {
        "self": "https://blog.example.com/atom.xml",
        "hub": "https://hub.example.net/",
        "alternate": "https://blog.example.com/",
    }
    feed = json.loads((site.out / "feed.json").read_bytes())
    assert feed["hubs"] == [{"type": "WebSub", "url": "https://hub.example.net/"}]


def test_feedgen_trap_atom_enclosures_keep_their_attributes(make_site: MakeSite) -> None:
    site = make_site({"posts/a.md": article("A", image="cover.png"), "posts/cover.png": b"\x89PNG" + b"0" * 96})
    build(site.config(), now=NOW)
    (entry,) = xml(site.out / "atom.xml").iterfind(f"{ATOM}entry")
    links = [dict(link.attrib) for link in entry.iterfind(f"{ATOM}link")]
    assert links == [
        {"href": "https://blog.example.com/posts/a/"},  # the one alternate link
        {
            "rel": "enclosure",
            "href": "https://blog.example.com/posts/a/cover.png",
            "type": "image/png",
            "length": "100",
        },
    ]
    enclosure = xml(site.out / "rss.xml").find("channel/item/enclosure")
    assert dict(enclosure.attrib) == {
        "url": "https://blog.example.com/posts/a/cover.png",
        "length": "100",
        "type": "image/png",
    }


def test_an_image_that_is_not_on_disk_gets_an_enclosure_of_length_0(make_site: MakeSite) -> None:
    """RSS requires an enclosure's length and says 0 when it is unknown: an <enclosure> is what
    gofeed, rss-parser and feed-extractor read (they ignore media:content)."""
    site = make_site(
        {
            "a.md": article("A", image="missing.jpg"),
            "b.md": article("B", date="2025-01-01", image="../../etc/passwd.png"),
        },
        {"site": {"image_base": "/images/"}},
    )
    build(site.config(), now=NOW)
    items = xml(site.out / "rss.xml").findall("channel/item")
    assert [dict(item.find("enclosure").attrib) for item in items] == [
        {"url": "https://blog.example.com/images/missing.jpg", "length": "0", "type": "image/jpeg"},
        # outside the content folder: never looked up
        {"url": "https://blog.example.com/images/../../etc/passwd.png", "length": "0", "type": "image/png"},
    ]
    assert not any(element.tag.startswith(MEDIA) for item in items for element in item)
    entry = xml(site.out / "atom.xml").find(f"{ATOM}entry")
    enclosure = entry.find(f"{ATOM}link[@rel='enclosure']")
    assert enclosure.get("length") is None and enclosure.get("type") == "image/jpeg"  # optional in Atom
    for name in ("rss.xml", "atom.xml"):
        first = parse(site.out / name).entries[0]
        assert [link.href for link in first.enclosures] == ["https://blog.example.com/images/missing.jpg"]


def test_feedgen_trap_no_cdata_and_pre_is_not_reindented(make_site: MakeSite) -> None:
    code = "```\ndef f():\n    return ']]>' & 1\n\n        indented\n```"
    site = make_site({"a.md": article("A", body=code)})
    config = site.config()
    build(config, now=NOW)
    (post,) = read_articles(config).articles
    raw = (site.out / "atom.xml").read_bytes()
    assert b"CDATA" not in raw and b"CDATA" not in (site.out / "rss.xml").read_bytes()
    content = xml(site.out / "atom.xml").find(f"{ATOM}entry/{ATOM}content")
    assert content.get("type") == "html"
    assert "    return &#x27;]]&gt;&#x27; &amp; 1\n\n        indented\n" in content.text or (
        "    return ']]&gt;' &amp; 1\n\n        indented\n" in content.text
    )
    assert content.text == sanitize_html(post.body_html, post.url)


def test_naive_front_matter_datetimes_do_not_reach_feedgen_naive(make_site: MakeSite) -> None:
    site = make_site({"a.md": "---\ntitle: A\ndate: 2025-03-15 10:00:00\n---\nx\n"})
    build(site.config(), now=NOW)
    assert xml(site.out / "atom.xml").findtext(f"{ATOM}entry/{ATOM}published") == "2025-03-15T10:00:00+08:00"


# --- content: sanitized, absolute, round-tripped ---------------------------------------------

HOSTILE_BODY = """Intro with a [relative link](../other/) and ![pic](img/p.png) and [anchor](#part).

<script>alert("x")</script>
<p onclick="steal()">click <a href="javascript:alert(1)">me</a></p>
<iframe src="https://evil.example.net/frame"></iframe>
<iframe src="https://www.youtube.com/embed/xyz" width="560"></iframe>
<img src="/abs.png" srcset="a.png 1x, /b.png 2x">

Tricky text: ]]> and & and &amp; and <not-a-tag> and \u0008backspace.
"""


def test_content_is_sanitized_and_links_are_absolute() -> None:
    html = sanitize_html(
        "<p>x</p>" + HOSTILE_BODY.replace("\n\n", "<br>"),
        "https://blog.example.com/posts/a/",
        ["www.youtube.com"],
    )
    tree = etree.fromstring(f"<div>{html}</div>", etree.HTMLParser())
    assert "evil" not in html
    assert not tree.xpath("//script") and "alert" not in html.replace("alert(1)", "")
    assert not tree.xpath("//@onclick")
    assert tree.xpath("//a[text()='me']/@href") == []
    assert tree.xpath("//iframe/@src") == ["https://www.youtube.com/embed/xyz"]
    assert tree.xpath("//img/@src") == ["https://blog.example.com/abs.png"]
    assert tree.xpath("//img/@srcset") == [
        "https://blog.example.com/posts/a/a.png 1x, https://blog.example.com/b.png 2x"
    ]
    assert "\x08" not in html


@pytest.mark.parametrize("kind", ["rss", "atom", "json"])
def test_html_round_trips_through_every_format(make_site: MakeSite, kind: str) -> None:
    site = make_site({"posts/a.md": article("A ]]> & B", body=HOSTILE_BODY)})
    config = site.config()
    build(config, now=NOW)
    (post,) = read_articles(config).articles
    expected = sanitize_html(post.body_html, post.url, config.feeds.iframe_hosts)
    assert (
        "https://blog.example.com/posts/other/" in expected and "https://blog.example.com/posts/a/img/p.png" in expected
    )
    assert "https://blog.example.com/posts/a/#part" in expected
    assert "]]&gt; and &amp; and &amp; and" in expected
    path = site.out / FEED_FILES[kind]
    if kind == "rss":
        assert xml(path).findtext(f"channel/item/{CONTENT}") == expected
        assert xml(path).findtext("channel/item/title") == "A ]]> & B"
    elif kind == "atom":
        assert xml(path).findtext(f"{ATOM}entry/{ATOM}content") == expected
    else:
        assert json.loads(path.read_bytes())["items"][0]["content_html"] == expected
    assert parse(path).entries[0].title == "A ]]> & B"


def test_control_characters_in_every_field_still_give_well_formed_feeds(make_site: MakeSite) -> None:
    site = make_site(
        {
            "a.md": article(
                "Ti\x08tle", body="bo\x08dy \x01\x1f", description="de\x0bsc", tags=["t\x08ag"], category="c\x07"
            )
        },
        {"site": {"title": "Site\x7f", "description": "ok", "author": "Au\x1bthor"}},
    )
    build(site.config(), now=NOW)
    for path in all_feeds(site.out):
        parsed = parse(path)
        assert parsed.entries[0].title == "Title"


# --- language, author ------------------------------------------------------------------------


def test_language_of_the_site_and_of_each_entry(make_site: MakeSite) -> None:
    site = make_site(
        {"en.md": article("English", lang="en"), "hans.md": article("简体", date="2025-01-01", lang="zh-Hans")}
    )
    build(site.config(), now=NOW)
    atom = xml(site.out / "atom.xml")
    assert atom.get(XML_LANG) == "zh-Hant"
    assert [entry.get(XML_LANG) for entry in atom.iterfind(f"{ATOM}entry")] == ["en", "zh-Hans"]
    assert xml(site.out / "rss.xml").findtext("channel/language") == "zh-Hant"
    assert [item["language"] for item in json.loads((site.out / "feed.json").read_bytes())["items"]] == [
        "en",
        "zh-Hans",
    ]


def test_rss_author_only_with_an_email(make_site: MakeSite) -> None:
    site = sample(make_site, 1)
    build(site.config(), now=NOW)
    rss = xml(site.out / "rss.xml")
    assert rss.find("channel/item/author") is None and rss.find("channel/managingEditor") is None
    assert rss.findtext(f"channel/item/{DC_CREATOR}") == "Tester"
    assert xml(site.out / "atom.xml").findtext(f"{ATOM}author/{ATOM}name") == "Tester"
    site = sample(make_site, 1, site={"author_email": "editor@blog.example.com"})
    site.write("own.md", article("Own author", date="2025-09-01", author="Ada"))
    build(site.config(), now=NOW)
    rss = xml(site.out / "rss.xml")
    site_item, own_item = rss.findall("channel/item")
    # <author> (an email) or dc:creator, never both: the validator flags an item with both.
    assert site_item.findtext("author") == "editor@blog.example.com (Tester)"
    assert site_item.find(DC_CREATOR) is None
    assert own_item.find("author") is None and own_item.findtext(DC_CREATOR) == "Ada"
    assert rss.findtext("channel/managingEditor") == "editor@blog.example.com (Tester)"
    site_entry, own_entry = xml(site.out / "atom.xml").iterfind(f"{ATOM}entry")
    assert site_entry.findtext(f"{ATOM}author/{ATOM}email") == "editor@blog.example.com"
    assert own_entry.find(f"{ATOM}author/{ATOM}email") is None


@pytest.mark.parametrize("name", ["rss.xml", "atom.xml", "feed.json"])
def test_each_entry_names_its_authors_in_every_format(make_site: MakeSite, name: str) -> None:
    site = make_site(
        {
            "one.md": article("One author", date="2025-03-03", author="林小明"),
            "two.md": article("Two authors", date="2025-03-02", authors=["Ada Lovelace", "Grace Hopper"]),
            "none.md": article("No author", date="2025-03-01"),
        }
    )
    build(site.config(), now=NOW)
    entries = parse(site.out / name).entries
    both = ["Ada Lovelace, Grace Hopper"] if name == "rss.xml" else ["Ada Lovelace", "Grace Hopper"]
    assert [[author.name for author in entry.authors] for entry in entries] == [
        ["林小明"],
        both,  # RSS: one dc:creator, which every reader shows whole
        ["Tester"],  # [site] author
    ]


# --- size cap ------------------------------------------------------------------------------


def test_byte_cap_drops_the_oldest_entries_first(make_site: MakeSite) -> None:
    files = {f"p{n}.md": article(f"P{n}", date=f"2025-01-{n:02d}", body="長文。" * 3000) for n in range(1, 9)}
    site = make_site(files, {"feeds": {"max_bytes": 100_000}})
    build(site.config(), now=NOW)
    for path in all_feeds(site.out):
        assert path.stat().st_size <= 100_000
        titles = [entry.title for entry in parse(path).entries]
        assert 1 <= len(titles) < 8
        assert titles == [f"P{n}" for n in range(8, 8 - len(titles), -1)]  # newest kept


def test_an_entry_too_big_alone_keeps_its_summary_only(make_site: MakeSite) -> None:
    site = make_site(
        {"huge.md": article("Huge", body="字" * 200_000, description="short")}, {"feeds": {"max_bytes": 50_000}}
    )
    build(site.config(), now=NOW)
    for path in all_feeds(site.out):
        assert path.stat().st_size <= 50_000
        (entry,) = parse(path).entries
        assert entry.title == "Huge" and entry.summary == "short"


# --- scopes: tags and categories -----------------------------------------------------------


def test_tag_and_category_feeds_with_stable_cjk_slugs(make_site: MakeSite) -> None:
    site = make_site(
        {
            "a.md": article("A", tags=["開源", "AI", "C++"], category="技術"),
            "b.md": article("B", date="2025-01-01", tags=["ai", "C#", "Model Update"], category="技術"),
        }
    )
    build(site.config(), now=NOW)
    tags = {path.parent.name for path in (site.out / "tags").glob("*/rss.xml")}
    assert tags == {"開源", "ai", slugify("C++"), slugify("C#"), "model-update"}
    assert slugify("C++") != slugify("C#") and slugify("C++").startswith("c-")
    ai = parse(site.out / "tags/ai/atom.xml")
    assert [e.title for e in ai.entries] == ["A", "B"]  # "AI" and "ai" are one tag
    assert ai.feed.title == "AI · 測試站 Test Site"  # ties go to the first spelling in sort order
    category = parse(site.out / "categories/技術/rss.xml")
    assert [e.title for e in category.entries] == ["A", "B"]
    self_link = xml(site.out / "categories/技術/rss.xml").find(f"channel/{ATOM}link").get("href")
    assert self_link == f"https://blog.example.com/categories/{quote('技術')}/rss.xml"
    assert category.feed.link == f"https://blog.example.com/categories/{quote('技術')}/"
    assert category.feed.title == "技術 · 測試站 Test Site"
    assert category.feed.subtitle == "測試站 Test Site：分類 技術"


def test_an_entry_gives_feedgen_all_its_categories_at_once(
    make_site: MakeSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    # feedgen checks and copies an entry's whole category list on every `category()` call: one
    # call per name made an article's N tags cost N² in each of its N tag feeds (40 minutes for
    # 1,000 tags). Rendering must call it once per entry, with the whole list.
    from feedgen.entry import FeedEntry

    calls: list[int] = []
    original = FeedEntry.category

    def counted(self: FeedEntry, category: object = None, replace: bool = False, **kwargs: object) -> object:
        calls.append(len(category) if isinstance(category, list) else 1)
        return original(self, category, replace, **kwargs)

    monkeypatch.setattr(FeedEntry, "category", counted)
    names = [f"標籤{n}" for n in range(30)]
    site = make_site({"a.md": article("A", tags=names, category="技術")})
    build(site.config(), now=NOW)
    feeds = 1 + 30 + 1  # the site, each tag, the category
    assert calls == [31] * feeds * 2  # RSS and Atom: one call per entry, with every name
    rss = xml(site.out / "tags" / "標籤7" / "rss.xml")
    assert [element.text for element in rss.iterfind("channel/item/category")] == ["技術", *names]
    atom = xml(site.out / "tags" / "標籤7" / "atom.xml")
    assert [element.get("term") for element in atom.iterfind(f"{ATOM}entry/{ATOM}category")] == ["技術", *names]


def test_removed_tags_lose_their_feeds_and_nothing_else_is_deleted(make_site: MakeSite) -> None:
    site = make_site({"a.md": article("A", tags=["old", "keep"])})
    build(site.config(), now=NOW)
    (site.out / "tags" / "old" / "notes.txt").write_text("not ours", encoding="utf-8")
    (site.out / "robots.txt").write_text("mine", encoding="utf-8")
    site.write("a.md", article("A", tags=["keep"]))
    build(site.config(), now=NOW)
    assert not (site.out / "tags/old/rss.xml").exists()
    assert (site.out / "tags/old/notes.txt").exists() and (site.out / "robots.txt").exists()
    assert (site.out / "tags/keep/rss.xml").exists()


@pytest.mark.slow
def test_hostile_site_every_feed_parses_with_the_right_entries(make_site: MakeSite) -> None:
    punctuation = ["!!!", "？？", "///", "...", "&", "<>", "-", "\u3000", "＃", "%%"]
    tags = [f"標籤{n}" for n in range(150)] + [f"tag {n}" for n in range(140)] + punctuation
    files = {
        f"p{n:02d}.md": article(
            f"Post {n} ]]> \x08",
            date=f"2025-02-{n + 1:02d}",
            tags=tags[n * 25 : (n + 1) * 25] + punctuation[:2],
            category=["技術", "!!!", "生活"][n % 3],
            body=HOSTILE_BODY,
        )
        for n in range(12)
    }
    files["big.md"] = article("Big", date="2025-01-01", tags=["大"], body="<p>大段文字</p>\n" * 20_000)  # ~200 KB
    site = make_site(files)
    build(site.config(), now=NOW)
    slugs = {path.name for path in (site.out / "tags").iterdir()}
    assert len(slugs) == 300 - 1 + 1  # "\u3000" is only space: not a tag; "大" is the big one's
    expected_by_tag: dict[str, set[str]] = {slugify("大"): {"Big"}}
    for n in range(12):
        for tag in tags[n * 25 : (n + 1) * 25] + punctuation[:2]:
            if tag.strip():
                expected_by_tag.setdefault(slugify(tag), set()).add(f"Post {n} ]]>")
    for path in all_feeds(site.out):
        titles = {entry.title for entry in parse(path).entries}
        if path.parent.parent.name == "tags":
            assert titles == expected_by_tag[path.parent.name], path
    assert len(parse(site.out / "rss.xml").entries) == 13
    assert len(xml(site.out / "tags" / "大" / "atom.xml").findtext(f"{ATOM}entry/{ATOM}content")) > 200_000


# --- identity ------------------------------------------------------------------------------


def entry_ids(out: Path) -> dict[str, str]:
    return {entry.link.rsplit("/", 2)[-2]: entry.id for entry in parse(out / "atom.xml").entries}


def test_ids_survive_edits_of_title_slug_url_and_date(make_site: MakeSite) -> None:
    site = make_site({"posts/hello.md": article("Hello", date="2025-05-01")})
    build(site.config(), now=NOW)
    (first,) = entry_ids(site.out).values()
    assert first == "tag:blog.example.com,2025-05-01:posts/hello"
    site.write("posts/hello.md", article("Hello, renamed", date="2025-05-03", slug="hi-there"))
    site.config_path.write_text(
        site.config_path.read_text(encoding="utf-8").replace("[feeds]", '[feeds]\nurl = "https://feeds.example.com/"'),
        encoding="utf-8",
    )
    build(site.config(), now=NOW)
    assert entry_ids(site.out) == {"hi-there": first}
    rss_guid = xml(site.out / "rss.xml").find("channel/item/guid")
    assert rss_guid.text == first and rss_guid.get("isPermaLink") == "false"


def test_a_moved_file_keeps_its_id_and_a_pinned_id_wins(make_site: MakeSite) -> None:
    text = article("Mover", date="2025-05-01")
    site = make_site({"drafts/mover.md": text, "other.md": article("Other", id="urn:uuid:1234")})
    build(site.config(), now=NOW)
    before = entry_ids(site.out)
    assert before["other"] == "urn:uuid:1234"
    (site.content / "drafts/mover.md").unlink()
    site.write("posts/2025/mover.md", text)
    build(site.config(), now=NOW)
    assert entry_ids(site.out) == before


def test_entry_id_url_mode_uses_permalinks(make_site: MakeSite) -> None:
    site = make_site({"a.md": article("A")}, {"feeds": {"entry_id": "url"}})
    build(site.config(), now=NOW)
    guid = xml(site.out / "rss.xml").find("channel/item/guid")
    assert guid.text == "https://blog.example.com/posts/a/" and guid.get("isPermaLink") == "true"
    assert not (site.out / ".feedindex" / "ids.json").exists()


# --- for people: the stylesheet --------------------------------------------------------------


@pytest.mark.parametrize(("kind", "language", "phrase"), [("rss", "zh-Hant", "訂閱"), ("atom", "en", "subscribe")])
def test_stylesheet_turns_a_feed_into_a_readable_page(
    make_site: MakeSite, kind: str, language: str, phrase: str
) -> None:
    site = sample(make_site, 3, site={"language": language})
    build(site.config(), now=NOW)
    path = site.out / FEED_FILES[kind]
    document = etree.parse(str(path))
    instruction = document.getroot().getprevious()
    assert isinstance(instruction, etree._XSLTProcessingInstruction)
    assert instruction.get("href") == "/feed.xsl"
    transform = etree.XSLT(etree.parse(str(site.out / "feed.xsl")))
    page = transform(document)
    html = etree.tostring(page, encoding="unicode", method="html")
    assert phrase in html
    titles = page.xpath("//li//strong/text()")
    assert titles == [f"文章 {n} & <friends>" for n in (3, 2, 1)]
    assert page.xpath("//code/text()") == [f"https://blog.example.com/{FEED_FILES[kind]}"]
    assert page.getroot().get("lang") == language.lower()


def test_stylesheet_can_be_turned_off(make_site: MakeSite) -> None:
    site = sample(make_site, 1, feeds={"stylesheet": False, "formats": ["atom"]})
    build(site.config(), now=NOW)
    assert etree.parse(str(site.out / "atom.xml")).getroot().getprevious() is None
    assert not (site.out / "feed.xsl").exists() and not (site.out / "rss.xml").exists()


# --- determinism and goldens ---------------------------------------------------------------


def snapshot(out: Path) -> dict[str, bytes]:
    return {path.relative_to(out).as_posix(): path.read_bytes() for path in sorted(out.rglob("*")) if path.is_file()}


def test_builds_with_different_clocks_and_tz_are_byte_identical(
    make_site: MakeSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    site = sample(make_site, 4)
    site.write("tagged.md", article("Tagged", tags=["中文", "C++"], category="技術"))
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    build(site.config(), now=NOW)
    first = snapshot(site.out)
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    other_out = tmp_path / "other-out"
    from feedindex.config import load_config

    build(load_config(site.config_path, out=other_out), now=datetime(2027, 6, 1, 5, 30, tzinfo=TAIPEI))
    monkeypatch.delenv("TZ")
    time.tzset()
    assert snapshot(other_out) == first
    assert any(name.startswith("index/") for name in first)


GOLDEN = Path(__file__).parent / "golden"
REPO = Path(__file__).resolve().parents[1]


def test_golden_site_feeds(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """The sample site's three site-wide feeds, compared byte for byte.

    Regenerate after an intended change with: python -m pytest tests/test_feeds.py --update-goldens
    """
    from feedindex.config import load_config

    config = load_config(REPO / "feedindex.toml", out=tmp_path / "out")
    build(config, now=NOW)
    update = request.config.getoption("--update-goldens")
    for name in FEED_FILES.values():
        produced = (tmp_path / "out" / name).read_bytes()
        if update:
            GOLDEN.mkdir(exist_ok=True)
            (GOLDEN / name).write_bytes(produced)
        assert produced == (GOLDEN / name).read_bytes(), f"{name} differs from tests/golden/{name}"
    titles = [entry.title for entry in parse(tmp_path / "out" / "atom.xml").entries]
    assert len(titles) == 10 and not any("草稿" in title for title in titles)  # the draft stays out


def test_summaries_with_markup_characters_survive_in_every_format(make_site: MakeSite) -> None:
    import html

    summary = "Use Vector<T> & co — not <script>"
    site = make_site({"a.md": article("A", description=summary)})
    build(site.config(), now=NOW)
    # RSS <description> is HTML to readers: the text is escaped once more, so nothing is dropped.
    assert html.unescape(parse(site.out / "rss.xml").entries[0].summary) == summary
    assert xml(site.out / "rss.xml").findtext("channel/item/description") == html.escape(summary, quote=False)
    assert parse(site.out / "atom.xml").entries[0].summary == summary  # Atom type="text"
    assert parse(site.out / "feed.json").entries[0].summary == summary

"""`feeds.html`: every feed of the site on one page, in the site's language, parsed as HTML."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import lxml.html
import pytest

from conftest import MakeSite, Site, article
from feedindex.build import build

NOW = datetime(2026, 1, 1, tzinfo=ZoneInfo("Asia/Taipei"))
BASE = "https://blog.example.com/"


def page(site: Site) -> lxml.html.HtmlElement:
    return lxml.html.fromstring((site.out / "feeds.html").read_bytes())


def on_disk(site: Site, url: str) -> Path:
    """The file in the output folder a feed URL points at."""
    assert url.startswith(BASE), url
    return site.out / unquote(url.removeprefix(BASE))


def rows(document: lxml.html.HtmlElement, section: str) -> dict[str, list[str]]:
    """name → the feed links of each row of a section's table."""
    table = document.xpath(f"//section[@id='{section}']//tbody/tr")
    return {row.xpath("string(th)"): row.xpath("td/a/@href") for row in table}


@pytest.fixture
def site(make_site: MakeSite) -> Site:
    site = make_site(
        {
            "a.md": article("A", date="2025-01-01", tags=["AI", "開源"], category="模型"),
            "b.md": article("B", date="2025-01-02", tags=["AI", "<b>&"], category="Web"),
            "draft.md": article("Draft", date="2025-01-03", tags=["secret"], draft=True),
        }
    )
    build(site.config(), now=NOW)
    return site


def test_every_feed_is_listed_with_a_url_that_exists(site: Site) -> None:
    document = page(site)
    site_feeds = document.xpath("//section[@id='site']//a/@href")
    assert site_feeds == [BASE + "rss.xml", BASE + "atom.xml", BASE + "feed.json"]
    assert document.xpath("//section[@id='site']//a/code/text()") == site_feeds  # the URL, to copy
    categories, tags = rows(document, "categories"), rows(document, "tags")
    assert list(categories) == ["Web", "模型"]
    assert list(tags) == ["<b>&", "AI", "開源"]  # the draft's tag has no feed; names are text, escaped
    scoped = [url for links in [*categories.values(), *tags.values()] for url in links]
    on_page = {on_disk(site, url) for url in site_feeds + scoped}
    written = {path for name in ("rss.xml", "atom.xml", "feed.json") for path in site.out.rglob(name)}
    assert on_page == {path for path in written if "index" not in path.parts}
    assert categories["模型"] == [
        BASE + "categories/%E6%A8%A1%E5%9E%8B/" + name for name in ("rss.xml", "atom.xml", "feed.json")
    ]


def test_snippets_to_paste_into_the_head_are_link_elements(site: Site) -> None:
    document = page(site)
    snippets = document.xpath("//section[@id='head']//pre/code")
    assert len(snippets) == 2  # the site's feeds, and a category's as the example
    site_links = lxml.html.fragments_fromstring(snippets[0].text_content())
    expected = [
        ("alternate", "application/rss+xml", "測試站 Test Site", BASE + "rss.xml"),
        ("alternate", "application/atom+xml", "測試站 Test Site", BASE + "atom.xml"),
        ("alternate", "application/feed+json", "測試站 Test Site", BASE + "feed.json"),
    ]
    assert [
        (link.tag, link.get("rel"), link.get("type"), link.get("title"), link.get("href")) for link in site_links
    ] == [("link", *item) for item in expected]
    # The page's own <head> carries them too, so readers find the feeds from this page.
    head = document.xpath("/html/head/link[@rel='alternate']")
    assert [(link.get("rel"), link.get("type"), link.get("title"), link.get("href")) for link in head] == expected
    example = lxml.html.fragments_fromstring(snippets[1].text_content())
    assert [link.get("title") for link in example] == ["Web · 測試站 Test Site"] * 3


@pytest.mark.parametrize(
    ("language", "title", "words"),
    [
        ("zh-Hant", "訂閱 測試站 Test Site", "怎麼訂閱"),
        ("zh-Hans", "订阅 測試站 Test Site", "怎么订阅"),
        ("en", "Subscribe to 測試站 Test Site", "How to subscribe"),
    ],
)
def test_the_page_speaks_the_site_language_without_script(
    make_site: MakeSite, language: str, title: str, words: str
) -> None:
    site = make_site({"a.md": article("A", tags=["AI"])}, {"site": {"language": language}})
    build(site.config(), now=NOW)
    document = page(site)
    assert document.get("lang") == language
    assert document.findtext(".//title") == title == document.xpath("string(//h1)")
    assert document.xpath("string(//section[@id='how']/h2)") == words
    assert document.xpath("//script") == [] and document.xpath("//@*[starts-with(name(), 'on')]") == []


def test_only_the_feeds_the_configuration_writes(make_site: MakeSite) -> None:
    site = make_site(
        {"a.md": article("A", tags=["AI"], category="Web")},
        {"feeds": {"formats": ["atom"], "per_tag": False}},
    )
    build(site.config(), now=NOW)
    document = page(site)
    assert document.xpath("//section[@id='site']//a/@href") == [BASE + "atom.xml"]
    assert document.xpath("//section[@id='tags']") == []
    assert rows(document, "categories") == {"Web": [BASE + "categories/web/atom.xml"]}


def test_incremental_builds_keep_the_page_in_step_with_the_feeds(site: Site) -> None:
    site.write("c.md", article("C", date="2025-01-04", tags=["New tag"]))
    build(site.config(), now=NOW)
    assert "New tag" in rows(page(site), "tags")
    (site.content / "c.md").unlink()
    build(site.config(), now=NOW)
    assert "New tag" not in rows(page(site), "tags") and "AI" in rows(page(site), "tags")
    before = (site.out / "feeds.html").read_bytes()
    build(site.config(), now=NOW, full=True)
    assert (site.out / "feeds.html").read_bytes() == before  # the same site, the same bytes
    (site.out / "feeds.html").unlink()
    assert build(site.config(), now=NOW).full_reason == "site feeds missing"
    assert (site.out / "feeds.html").read_bytes() == before

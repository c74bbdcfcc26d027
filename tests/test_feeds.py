"""Feeds: parsed back with feedparser and lxml, entry order, links, dates, determinism."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import feedparser
import pytest
from lxml import etree

from conftest import MakeSite, Site, article
from feedindex.builder import build
from feedindex.content import read_articles
from feedindex.feeds import render, site_feed

ATOM = "{http://www.w3.org/2005/Atom}"
TAIPEI = ZoneInfo("Asia/Taipei")


def sample(make_site: MakeSite, count: int = 5, **config: dict[str, object]) -> Site:
    files = {
        f"post-{n}.md": article(
            f"文章 {n} & <friends>", date=f"2025-10-{n:02d}", body=f"第 {n} 篇的內容。[link](../other/)"
        )
        for n in range(1, count + 1)
    }
    return make_site(files, config or None)


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_feed_parses_with_entries_newest_first(make_site: MakeSite, kind: str) -> None:
    site = sample(make_site, 5)
    build(site.config())
    parsed = feedparser.parse((site.out / f"{kind}.xml").read_bytes())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert [entry.title for entry in parsed.entries] == [f"文章 {n} & <friends>" for n in range(5, 0, -1)]
    for entry in parsed.entries:
        assert entry.link.startswith("https://blog.example.com/posts/post-")
    assert parsed.feed.title == "測試站 Test Site"
    assert parsed.feed.link == "https://blog.example.com/"


def test_only_the_newest_items_are_kept(make_site: MakeSite) -> None:
    site = sample(make_site, 7, feeds={"items": 3})
    build(site.config())
    for name in ("rss.xml", "atom.xml"):
        parsed = feedparser.parse((site.out / name).read_bytes())
        assert [e.title.split()[1] for e in parsed.entries] == ["7", "6", "5"]


def test_dates_are_in_the_site_timezone_and_updated_is_the_newest_entry(make_site: MakeSite) -> None:
    site = make_site(
        {
            "a.md": article("A", date="2025-10-01T12:00:00Z"),
            "b.md": article("B", date="2025-09-01", updated="2025-11-02T08:00:00+08:00"),
        }
    )
    build(site.config())
    atom = etree.parse(str(site.out / "atom.xml")).getroot()
    assert atom.findtext(f"{ATOM}updated") == "2025-11-02T08:00:00+08:00"
    entries = atom.findall(f"{ATOM}entry")
    assert entries[0].findtext(f"{ATOM}published") == "2025-10-01T20:00:00+08:00"
    assert entries[1].findtext(f"{ATOM}updated") == "2025-11-02T08:00:00+08:00"
    rss = etree.parse(str(site.out / "rss.xml")).getroot()
    assert rss.findtext("channel/lastBuildDate") == "Sun, 02 Nov 2025 08:00:00 +0800"
    assert rss.findtext("channel/item/pubDate") == "Wed, 01 Oct 2025 20:00:00 +0800"
    parsed = feedparser.parse((site.out / "rss.xml").read_bytes())
    assert parsed.entries[0].published_parsed[:5] == (2025, 10, 1, 12, 0)  # the same instant in UTC


def test_rss_channel_link_is_the_site_and_self_link_is_the_feed(make_site: MakeSite) -> None:
    site = sample(make_site, 1)
    build(site.config())
    rss = etree.parse(str(site.out / "rss.xml")).getroot()
    assert rss.findtext("channel/link") == "https://blog.example.com/"
    assert rss.find(f"channel/{ATOM}link").get("href") == "https://blog.example.com/rss.xml"
    assert rss.findtext("channel/language") == "zh-Hant"
    atom = etree.parse(str(site.out / "atom.xml")).getroot()
    links = {link.get("rel"): link.get("href") for link in atom.findall(f"{ATOM}link")}
    assert links == {"self": "https://blog.example.com/atom.xml", "alternate": "https://blog.example.com/"}


def test_full_html_content_survives_the_round_trip(make_site: MakeSite) -> None:
    site = make_site(
        {"a.md": article("A", body="Some **bold** & <em>raw</em> ]]> text\n\n| a | b |\n|---|---|\n| 1 | 2 |")}
    )
    config = site.config()
    build(config)
    (post,) = read_articles(config).articles
    rss = etree.parse(str(site.out / "rss.xml")).getroot()
    assert rss.findtext("channel/item/{http://purl.org/rss/1.0/modules/content/}encoded") == post.body_html
    atom = etree.parse(str(site.out / "atom.xml")).getroot()
    content = atom.find(f"{ATOM}entry/{ATOM}content")
    assert content.get("type") == "html"
    assert content.text == post.body_html


def test_two_builds_are_byte_identical_and_do_not_depend_on_the_clock(make_site: MakeSite) -> None:
    site = sample(make_site, 4)
    config = site.config()
    build(config, now=datetime(2026, 1, 1, tzinfo=TAIPEI))
    first = {name: (site.out / name).read_bytes() for name in ("rss.xml", "atom.xml")}
    build(config, now=datetime(2027, 6, 1, tzinfo=TAIPEI) + timedelta(hours=5))
    second = {name: (site.out / name).read_bytes() for name in ("rss.xml", "atom.xml")}
    assert first == second


def test_an_empty_site_still_has_valid_feeds(make_site: MakeSite) -> None:
    site = make_site({})
    config = site.config()
    for kind in ("rss", "atom"):
        parsed = feedparser.parse(render(site_feed(config, []), kind, config))  # type: ignore[arg-type]
        assert parsed.bozo == 0 and parsed.entries == []

"""The build: bad articles are reported and the rest of the site is still published."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import feedparser

from conftest import MakeSite, article
from feedindex.builder import build
from feedindex.index import open_index

TAIPEI = ZoneInfo("Asia/Taipei")


def indexed_slugs(index_dir: object) -> set[str]:
    with open_index(index_dir).searcher() as searcher:  # type: ignore[arg-type]
        return {fields["slug"] for fields in searcher.all_stored_fields()}


def feed_titles(path: object) -> list[str]:
    parsed = feedparser.parse(path.read_bytes())  # type: ignore[attr-defined]
    assert parsed.bozo == 0
    return [entry.title for entry in parsed.entries]


def test_bad_files_are_reported_and_good_ones_published(make_site: MakeSite) -> None:
    site = make_site(
        {
            "good.md": article("Good", date="2025-01-02"),
            "also-good.md": article("Also good", date="2025-01-01"),
            "broken-yaml.md": "---\ntitle: [oops\n---\n",
            "no-date.md": "---\ntitle: Undated\n---\n",
            "latin1.md": b"---\ntitle: caf\xe9\ndate: 2025-01-01\n---\n",
        }
    )
    config = site.config()
    report = build(config)
    assert report.articles == 2 and report.published == 2
    assert sorted((e.path, e.field) for e in report.errors) == [
        ("broken-yaml.md", "front matter"),
        ("latin1.md", "encoding"),
        ("no-date.md", "date"),
    ]
    assert indexed_slugs(config.index_dir) == {"good", "also-good"}
    assert feed_titles(site.out / "rss.xml") == ["Good", "Also good"]
    assert feed_titles(site.out / "atom.xml") == ["Good", "Also good"]


def test_drafts_and_future_articles_are_not_published(make_site: MakeSite) -> None:
    site = make_site(
        {
            "live.md": article("Live", date="2025-01-01"),
            "draft.md": article("Draft", date="2025-01-01", draft=True),
            "later.md": article("Later", date="2025-03-01T09:00:00+08:00"),
        }
    )
    config = site.config()
    report = build(config, now=datetime(2025, 2, 1, tzinfo=TAIPEI))
    assert (report.articles, report.published) == (3, 1)
    assert indexed_slugs(config.index_dir) == {"live"}
    assert feed_titles(site.out / "rss.xml") == ["Live"]
    build(config, now=datetime(2025, 3, 1, 9, 0, tzinfo=TAIPEI))
    assert indexed_slugs(config.index_dir) == {"live", "later"}
    assert feed_titles(site.out / "atom.xml") == ["Later", "Live"]


def test_report_json(make_site: MakeSite) -> None:
    site = make_site({"a.md": article("A"), "b.md": "oops"})
    report = build(site.config()).as_dict(site.root)
    assert report["articles"] == 1 and report["published"] == 1
    assert report["errors"] == [
        {"path": "b.md", "field": "front matter", "line": 1, "message": report["errors"][0]["message"]}
    ]
    assert report["feeds"] == ["out/rss.xml", "out/atom.xml", "out/feed.json"]
    assert report["index"] == "out/index"
    assert isinstance(report["seconds"], float)


def test_the_public_api_names_are_the_functions() -> None:
    import feedindex
    import feedindex.builder
    import feedindex.query

    assert callable(feedindex.build) and feedindex.build is feedindex.builder.build
    assert feedindex.search is feedindex.query.search
    assert feedindex.load_config.__module__ == "feedindex.config"

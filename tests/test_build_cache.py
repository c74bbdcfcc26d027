"""The render cache: a full build forced by a new base_url renders no article again and writes what
a first build writes; new content or a new renderer misses; a damaged cache costs a warning only."""

from __future__ import annotations

import logging
import sqlite3
import zlib
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from lxml import etree

from conftest import MakeSite, Site, article
from feedindex import search
from feedindex.build import build
from feedindex.build import cache as cache_module
from feedindex.build.cache import cache_key
from feedindex.paths import RENDER_CACHE

NOW = datetime(2025, 12, 1, 12, 0, tzinfo=ZoneInfo("Asia/Taipei"))
ARTICLES = 6
TABLE = "| a | b |\n|---|---|\n| 1 | 2 |"


def files() -> dict[str, str]:
    return {
        f"p{number}.md": article(
            f"文章 {number}",
            date=f"2025-11-{number + 1:02d}",
            body=f"開源模型 {number}，見 [別篇](/posts/{number}/) 與 ![圖](img/{number}.png)\n\n{TABLE}",
            tags=[f"t{number % 2}"],
        )
        for number in range(ARTICLES)
    }


def outputs(out: Path) -> dict[str, bytes]:
    """The feed files and the feeds page (the index is compared by search below)."""
    return {
        path.relative_to(out).as_posix(): path.read_bytes()
        for path in sorted(out.rglob("*"))
        if path.is_file() and path.relative_to(out).parts[0] not in ("index", ".feedindex")
    }


def entries(site: Site) -> int:
    with sqlite3.connect(site.out / ".feedindex" / RENDER_CACHE) as db:
        return int(db.execute("SELECT count(*) FROM render").fetchone()[0])


def rewrite(site: Site, old: str, new: str) -> None:
    text = site.config_path.read_text(encoding="utf-8")
    assert old in text
    site.config_path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_new_base_url_renders_nothing_again_and_writes_what_a_build_without_the_cache_writes(
    make_site: MakeSite, tmp_path: Path
) -> None:
    site = make_site(files())
    assert build(site.config(), now=NOW).bodies_reused == 0
    assert entries(site) == ARTICLES
    # The same site elsewhere, built the same way, whose cache is lost before the change.
    other = Site(tmp_path / "other", tmp_path / "other" / "feedindex.toml")
    other.root.mkdir()
    other.config_path.write_text(site.config_path.read_text(encoding="utf-8"), encoding="utf-8")
    for name, text in files().items():
        other.write(name, text)
    build(other.config(), now=NOW)
    (other.out / ".feedindex" / RENDER_CACHE).unlink()
    for changed in (site, other):
        rewrite(changed, "https://blog.example.com/", "https://example.net/blog/")
    report = build(site.config(), now=NOW)
    assert report.full and report.full_reason == "configuration changed"
    assert report.bodies_reused == ARTICLES and report.as_dict()["bodies_reused"] == ARTICLES
    assert build(other.config(), now=NOW).bodies_reused == 0
    assert outputs(site.out) == outputs(other.out)
    # base_url is applied when the feeds are written, never taken from the cache.
    rss = etree.fromstring((site.out / "rss.xml").read_bytes())
    description = rss.findtext("./channel/item/{http://purl.org/rss/1.0/modules/content/}encoded") or ""
    assert 'href="https://example.net/posts/' in description and "blog.example.com" not in description
    hits = [hit.as_dict() for hit in search(site.config().index_dir, "開源模型", limit=20).hits]
    assert hits == [hit.as_dict() for hit in search(other.config().index_dir, "開源模型", limit=20).hits]
    assert len(hits) == ARTICLES and all(hit["url"].startswith("https://example.net/blog/") for hit in hits)


def test_changed_content_or_renderer_misses_and_the_cache_keeps_only_what_the_site_uses(
    make_site: MakeSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site(files())
    build(site.config(), now=NOW)
    site.write("p1.md", files()["p1.md"].replace("開源模型 1", "閉源模型 1"))
    (site.content / "p2.md").unlink()
    report = build(site.config(), now=NOW, full=True)
    assert report.bodies_reused == ARTICLES - 2  # p1 changed, p2 is gone
    assert entries(site) == ARTICLES - 1  # the entries of p1's old text and of p2 were removed
    monkeypatch.setattr(cache_module, "renderer_identity", lambda: "another python-markdown")
    assert build(site.config(), now=NOW, full=True).bodies_reused == 0
    assert entries(site) == ARTICLES - 1


def test_the_key_is_the_rendered_text_and_the_renderer() -> None:
    assert cache_key("# 標題") == cache_key("# 標題")
    assert cache_key("# 標題") != cache_key("# 標題 ")


@pytest.mark.parametrize("damage", ["garbage file", "bad entry"])
def test_a_damaged_cache_costs_one_warning_never_the_build(
    make_site: MakeSite, caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    site = make_site(files())
    build(site.config(), now=NOW)
    expected = outputs(site.out)
    path = site.out / ".feedindex" / RENDER_CACHE
    if damage == "garbage file":
        path.write_bytes(b"not a database" * 100)
    else:
        with sqlite3.connect(path) as db:
            db.execute("UPDATE render SET html = ?", (b"not zlib",))
    with caplog.at_level(logging.WARNING, logger="feedindex"):
        report = build(site.config(), now=NOW, full=True)
    warnings = [record for record in caplog.records if "render cache" in record.getMessage()]
    assert len(warnings) == 1, [record.getMessage() for record in caplog.records]
    assert report.bodies_reused == 0 and not report.errors
    assert outputs(site.out) == expected
    # The entries were rendered again and kept: the next full build reuses them.
    assert build(site.config(), now=NOW, full=True).bodies_reused == ARTICLES
    assert zlib.decompress(sqlite3.connect(path).execute("SELECT html FROM render LIMIT 1").fetchone()[0])


def test_a_cache_that_cannot_be_written_costs_a_warning_only(
    make_site: MakeSite, caplog: pytest.LogCaptureFixture
) -> None:
    site = make_site(files())
    build(site.config(), now=NOW)
    path = site.out / ".feedindex" / RENDER_CACHE
    path.unlink()
    path.mkdir()  # a folder where the file should be: it cannot be opened, nor removed as a file
    with caplog.at_level(logging.WARNING, logger="feedindex"):
        report = build(site.config(), now=NOW, full=True)
    assert report.published == ARTICLES and report.bodies_reused == 0
    assert [record.getMessage() for record in caplog.records if "render cache" in record.getMessage()]

"""A real feed reader reads the feeds: newsboat fetches them from file:// URLs.

Skipped only when newsboat is not installed and the run is not CI (`.ci/run` installs it and sets
FEEDINDEX_CI=1, so there a missing newsboat fails instead).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import pytest

from conftest import MakeSite, article
from feedindex.build import build
from feedindex.config import load_config

REPO = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 1, 1, tzinfo=ZoneInfo("Asia/Taipei"))


@pytest.fixture
def newsboat() -> str:
    path = shutil.which("newsboat")
    if path is None:
        if os.environ.get("FEEDINDEX_CI"):
            pytest.fail("newsboat is required in CI (.ci/run installs it with apt-get)")
        pytest.skip("newsboat is not installed (apt-get install newsboat)")
    return path


def read_with_newsboat(newsboat: str, feed: Path, home: Path) -> list[tuple[str, str]]:
    """Reload one feed with newsboat into a fresh cache; (title, url) of every item it stored."""
    home.mkdir(parents=True, exist_ok=True)
    urls, config, cache = home / "urls", home / "config", home / "cache.db"
    urls.write_text(feed.as_uri() + "\n", encoding="utf-8")
    config.write_text("", encoding="utf-8")
    subprocess.run(
        [newsboat, "-x", "reload", "-u", str(urls), "-C", str(config), "-c", str(cache)],
        env={**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home), "XDG_DATA_HOME": str(home)},
        check=True,
        timeout=120,
        capture_output=True,
    )
    with sqlite3.connect(cache) as db:
        return db.execute("SELECT title, url FROM rss_item ORDER BY pubDate DESC").fetchall()


def test_newsboat_reads_every_item_of_the_sample_site(newsboat: str, tmp_path: Path) -> None:
    config = load_config(REPO / "feedindex.toml", out=tmp_path / "out")
    build(config, now=NOW)
    out = tmp_path / "out"
    feeds = [
        out / "rss.xml",
        out / "atom.xml",
        out / "tags" / "ai" / "rss.xml",
        out / "categories" / "web" / "atom.xml",
    ]
    for number, feed in enumerate(feeds):
        expected = [(entry.title, entry.link) for entry in feedparser.parse(feed.read_bytes()).entries]
        assert expected, feed
        items = read_with_newsboat(newsboat, feed, tmp_path / f"home{number}")
        assert sorted(items) == sorted(expected), feed


def test_newsboat_reads_a_hostile_feed(newsboat: str, make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site(
        {
            f"p{n}.md": article(f"標題 {n} ]]> & <b>", date=f"2025-03-0{n}", body="<script>x</script>\x08 ]]> & 內容")
            for n in range(1, 6)
        }
    )
    build(site.config(), now=NOW)
    for name in ("rss.xml", "atom.xml"):
        items = read_with_newsboat(newsboat, site.out / name, tmp_path / name)
        assert sorted(title for title, _ in items) == [f"標題 {n} ]]> & <b>" for n in range(1, 6)]

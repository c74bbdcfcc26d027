"""Stage 5, feeds: written by forked workers when there are many scopes, with the same bytes as
one process writes."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from lxml import etree

from conftest import MakeSite, Site, article
from feedindex.build import build
from feedindex.build import feeds as feeds_stage

NOW = datetime(2025, 12, 1, 12, 0, tzinfo=ZoneInfo("Asia/Taipei"))


def files() -> dict[str, str]:
    posts = {
        f"p{number:02}.md": article(
            f"文章 {number}",
            date=f"2025-11-{number + 1:02d}",
            body=f"開源模型 {number} [link](/posts/{number}/) ![圖](/img/{number}.png)",
            tags=[f"標籤{number % 5}", "共同"],
            category="分類" if number % 2 else "其他",
        )
        for number in range(12)
    }
    posts["cover.md"] = article("有封面", date="2025-11-20", body="封面", image="missing.jpg", tags=["共同"])
    return posts


def feed_files(out: Path) -> dict[str, bytes]:
    """Every file the feeds stage writes (not the index, the state or the entry-id ledger)."""
    return {
        path.relative_to(out).as_posix(): path.read_bytes()
        for path in sorted(out.rglob("*"))
        if path.is_file()
        and path.suffix in (".xml", ".json", ".xsl", ".html")
        and path.relative_to(out).parts[0] not in ("index", ".feedindex")
    }


def built(site: Site, monkeypatch: pytest.MonkeyPatch, min_scopes: int) -> tuple[dict[str, bytes], dict[str, int]]:
    """The feed files of a build of `site`, and the workers of each phase."""
    monkeypatch.setattr(feeds_stage, "MIN_SCOPES", min_scopes)
    report = build(site.config(), now=NOW)
    return feed_files(site.out), {phase.name: phase.workers for phase in report.phases}


def test_forked_workers_write_the_bytes_one_process_writes(
    make_site: MakeSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one = make_site(files(), {"build": {"workers": 2}})
    alone, workers = built(one, monkeypatch, min_scopes=10_000)
    assert workers["feeds"] == 1
    # The same site elsewhere, its feeds written by two workers (2 scopes each at least).
    other = Site(tmp_path / "other", tmp_path / "other" / "feedindex.toml")
    other.root.mkdir()
    other.config_path.write_text(one.config_path.read_text(encoding="utf-8"), encoding="utf-8")
    for name, text in files().items():
        other.write(name, text)
    forked, workers = built(other, monkeypatch, min_scopes=2)
    assert workers["feeds"] == 2
    assert sorted(forked) == sorted(alone) and len([name for name in forked if name.endswith("rss.xml")]) == 9
    assert forked == alone
    rss = etree.fromstring(forked["rss.xml"])
    assert len(rss.findall("./channel/item")) == 13


def test_forked_workers_take_last_good_versions_from_the_state_and_report_missing_images(
    make_site: MakeSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site(files(), {"build": {"workers": 2}})
    built(site, monkeypatch, min_scopes=2)
    site.write("p03.md", "---\ntitle: [broken\n---\nbody\n")  # p03 keeps its last good version
    monkeypatch.setattr(feeds_stage, "MIN_SCOPES", 2)
    report = build(site.config(), now=NOW, full=True)
    assert {phase.name: phase.workers for phase in report.phases}["feeds"] == 2
    assert [error.path for error in report.errors] == ["p03.md"]
    assert report.missing_images == 1 and report.missing_image_examples == ("cover.md: missing.jpg",)
    feed = json.loads((site.out / "feed.json").read_text(encoding="utf-8"))
    kept = next(item for item in feed["items"] if item["title"] == "文章 3")
    assert "開源模型 3" in kept["content_html"]  # its HTML, from the state, in a worker
    assert "https://blog.example.com/posts/3/" in kept["content_html"]


def rewrite(site: Site, old: str, new: str) -> None:
    text = site.config_path.read_text(encoding="utf-8")
    assert old in text
    site.config_path.write_text(text.replace(old, new), encoding="utf-8")


def copy_of(site: Site, root: Path) -> Site:
    """The same content and configuration in another folder, not built yet."""
    other = Site(root, root / "feedindex.toml")
    root.mkdir()
    other.config_path.write_text(site.config_path.read_text(encoding="utf-8"), encoding="utf-8")
    for name, text in files().items():
        other.write(name, text)
    return other


def test_a_change_of_feed_settings_renders_every_feed_again_and_keeps_the_index(
    make_site: MakeSite, tmp_path: Path
) -> None:
    site = make_site(files(), {"feeds": {"per_category": True}})
    build(site.config(), now=NOW)
    live = (site.out / "index" / "CURRENT").read_text()
    assert (site.out / "categories").is_dir()
    rewrite(site, "items = 20", "items = 5")
    rewrite(site, "per_category = true", "per_category = false")
    report = build(site.config(), now=NOW)
    assert not report.full and report.feeds_reason == "[feeds] settings changed"
    assert report.as_dict()["feeds_reason"] == "[feeds] settings changed"
    phases = {phase.name: phase for phase in report.phases}
    assert phases["reading"].total == 0 and phases["indexing"].total == 0  # no article read or indexed
    assert (site.out / "index" / "CURRENT").read_text() == live
    assert len(etree.fromstring((site.out / "rss.xml").read_bytes()).findall("./channel/item")) == 5
    assert not (site.out / "categories").exists()
    # The same files as a first build with these settings writes.
    fresh = copy_of(site, tmp_path / "fresh")
    build(fresh.config(), now=NOW)
    assert feed_files(site.out) == feed_files(fresh.out)
    assert build(site.config(), now=NOW).feeds_reason is None  # then nothing to do again


def test_a_change_of_other_settings_or_an_older_state_is_a_full_build(make_site: MakeSite) -> None:
    site = make_site(files())
    build(site.config(), now=NOW)
    rewrite(site, "A site for tests", "Another description")
    report = build(site.config(), now=NOW)
    assert report.full and report.full_reason == "configuration changed" and report.feeds_reason is None
    # A state written before [feeds] had an identity of its own: a full build, as before.
    with sqlite3.connect(site.out / ".feedindex" / "state.sqlite") as db:
        db.execute("DELETE FROM meta WHERE key = 'content_config'")
    rewrite(site, "items = 20", "items = 5")
    report = build(site.config(), now=NOW)
    assert report.full and report.full_reason == "configuration changed"

"""Stage 5, feeds: written by forked workers when there are many scopes, with the same bytes as
one process writes."""

from __future__ import annotations

import json
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

"""The scheduled job: incremental builds change exactly what changed; no-op builds touch nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from contextlib import closing
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import pytest
from click.testing import CliRunner

from conftest import MakeSite, Site, article
from feedindex.build import BuildReport, build
from feedindex.cli import main
from feedindex.index.generations import current_generation, open_index
from feedindex.search.searcher import Searcher

TAIPEI = ZoneInfo("Asia/Taipei")
NOW = datetime(2026, 1, 1, tzinfo=TAIPEI)


def documents(site: Site) -> dict[str, str]:
    """slug → title of every document in the live index generation."""
    with open_index(site.config().index_dir).searcher() as searcher:
        return {fields["slug"]: fields["title"] for fields in searcher.all_stored_fields()}


def entries(site: Site, name: str = "atom.xml") -> list[str]:
    parsed = feedparser.parse((site.out / name).read_bytes())
    assert parsed.bozo == 0
    return [entry.title for entry in parsed.entries]


def mtimes(out: Path) -> dict[str, int]:
    return {path.relative_to(out).as_posix(): path.stat().st_mtime_ns for path in out.rglob("*") if path.is_file()}


@pytest.fixture
def site(make_site: MakeSite) -> Site:
    site = make_site(
        {
            "a.md": article("Alpha", date="2025-01-01", tags=["x"], body="alpha words"),
            "b.md": article("Beta", date="2025-02-01", tags=["y"], body="beta words"),
            "c.md": article("Gamma", date="2025-03-01", tags=["x"], body="gamma words"),
        }
    )
    first = build(site.config(), now=NOW)
    assert first.full and first.changed == 3
    return site


def again(site: Site, now: datetime = NOW) -> BuildReport:
    return build(site.config(), now=now)


def test_a_no_op_build_rewrites_nothing(site: Site) -> None:
    before = mtimes(site.out)
    time.sleep(0.01)
    report = again(site)
    assert (report.changed, report.removed, report.unchanged, report.full) == (0, 0, 3, False)
    assert report.published == 3 and report.feed_files > 0
    assert mtimes(site.out) == before


def test_a_touched_but_unchanged_file_is_not_reread(site: Site) -> None:
    generation = current_generation(site.config().index_dir)
    os.utime(site.content / "a.md", ns=(1, 1))
    report = again(site)
    assert report.changed == 0
    assert current_generation(site.config().index_dir) == generation


def test_add(site: Site) -> None:
    site.write("d.md", article("Delta", date="2025-04-01", tags=["y"]))
    report = again(site)
    assert (report.changed, report.removed, report.unchanged) == (1, 0, 3)
    assert documents(site) == {"a": "Alpha", "b": "Beta", "c": "Gamma", "d": "Delta"}
    assert entries(site) == ["Delta", "Gamma", "Beta", "Alpha"]
    assert entries(site, "tags/y/rss.xml") == ["Delta", "Beta"]
    assert report.feeds_written == 3 + 3  # the site's and tag y's; tag x untouched


def test_edit(site: Site) -> None:
    before = mtimes(site.out)
    site.write("b.md", article("Beta, revised", date="2025-02-01", tags=["y"], body="new words"))
    report = again(site)
    assert report.changed == 1
    assert documents(site)["b"] == "Beta, revised"
    with Searcher(site.config().index_dir) as searcher:
        assert [hit.slug for hit in searcher.search("new").hits] == ["b"]
        assert searcher.search("beta").total == 1  # the title still has it; the old body is gone
    after = mtimes(site.out)
    assert after["tags/x/atom.xml"] == before["tags/x/atom.xml"]  # feeds of other tags untouched
    assert after["tags/y/atom.xml"] != before["tags/y/atom.xml"]


def test_rename_keeps_the_entry_id(site: Site) -> None:
    ids = {entry.title: entry.id for entry in feedparser.parse((site.out / "atom.xml").read_bytes()).entries}
    (site.content / "c.md").rename(site.content / "gamma.md")
    report = again(site)
    assert (report.changed, report.removed) == (1, 1)
    assert set(documents(site)) == {"a", "b", "gamma"}
    moved = {entry.title: entry.id for entry in feedparser.parse((site.out / "atom.xml").read_bytes()).entries}
    assert moved == ids


def test_delete(site: Site) -> None:
    (site.content / "c.md").unlink()
    report = again(site)
    assert (report.changed, report.removed, report.unchanged) == (0, 1, 2)
    assert set(documents(site)) == {"a", "b"}
    assert entries(site, "tags/x/rss.xml") == ["Alpha"]


def test_draft_toggle(site: Site) -> None:
    site.write("b.md", article("Beta", date="2025-02-01", tags=["y"], draft=True))
    again(site)
    assert set(documents(site)) == {"a", "c"}
    assert not (site.out / "tags/y/rss.xml").exists()  # its only article went back to draft
    site.write("b.md", article("Beta", date="2025-02-01", tags=["y"]))
    again(site)
    assert set(documents(site)) == {"a", "b", "c"}
    assert entries(site, "tags/y/rss.xml") == ["Beta"]


def test_a_future_post_appears_in_the_first_build_after_its_date(site: Site) -> None:
    site.write("later.md", article("Later", date="2026-02-01T09:00:00+08:00"))
    report = again(site)
    assert report.changed == 1 and "later" not in documents(site)
    quiet = again(site, datetime(2026, 2, 1, 8, 59, tzinfo=TAIPEI))
    assert quiet.changed == 0 and "later" not in documents(site)
    before = mtimes(site.out)
    due = again(site, datetime(2026, 2, 1, 9, 0, tzinfo=TAIPEI))
    assert "later" in documents(site)
    assert entries(site)[0] == "Later"
    assert due.full is False and mtimes(site.out)["tags/x/atom.xml"] == before["tags/x/atom.xml"]


def test_an_updated_date_in_the_future_shows_from_that_date_on(site: Site) -> None:
    site.write("b.md", article("Beta", date="2025-02-01", tags=["y"], updated="2026-03-01T09:00:00+08:00"))
    again(site)

    def updated() -> str:
        (entry,) = [
            entry for entry in feedparser.parse((site.out / "atom.xml").read_bytes()).entries if entry.title == "Beta"
        ]
        return str(entry.updated)

    assert updated().startswith("2025-02-01")  # held back: the entry shows its publication date
    assert again(site, datetime(2026, 3, 1, 8, 59, tzinfo=TAIPEI)).feeds_written == 0
    report = again(site, datetime(2026, 3, 1, 9, 0, tzinfo=TAIPEI))
    assert report.changed == 0 and report.feeds_written > 0
    assert updated().startswith("2026-03-01")
    assert entries(site, "tags/y/atom.xml") == ["Beta"]


def test_a_broken_edit_keeps_the_last_good_version(site: Site) -> None:
    site.write("b.md", "---\ntitle: [oops\n---\nbroken\n")
    report = again(site)
    (error,) = report.errors
    assert error.path == "b.md" and "last good version" in error.message
    assert documents(site)["b"] == "Beta" and "Beta" in entries(site)
    # the error is reported on every run until the file is fixed, even when nothing else changed
    assert [e.path for e in again(site).errors] == ["b.md"]
    assert build(site.config(), now=NOW, full=True).errors[0].path == "b.md"
    assert documents(site)["b"] == "Beta"
    site.write("b.md", article("Beta fixed", date="2025-02-01"))
    assert again(site).errors == ()
    assert documents(site)["b"] == "Beta fixed"


def test_config_and_analyzer_changes_force_a_full_build(site: Site) -> None:
    text = site.config_path.read_text(encoding="utf-8")
    site.config_path.write_text(text.replace('title = "測試站 Test Site"', 'title = "Renamed"'), encoding="utf-8")
    assert again(site).full_reason == "configuration changed"
    assert feedparser.parse((site.out / "rss.xml").read_bytes()).feed.title == "Renamed"
    assert not again(site).full
    site.config_path.write_text(  # settings that do not change the outputs cost no rebuild
        site.config_path.read_text(encoding="utf-8") + "[server]\nport = 9000\n[index]\nretention_seconds = 5\n",
        encoding="utf-8",
    )
    assert not again(site).full
    (site.root / "words.txt").write_text("阿法狗 10\n", encoding="utf-8")
    site.config_path.write_text(
        site.config_path.read_text(encoding="utf-8") + '[search]\nuser_dict = "words.txt"\n', encoding="utf-8"
    )
    assert again(site).full_reason == "configuration changed"  # the setting itself
    (site.root / "words.txt").write_text("阿法狗 10\n貝塔狗 10\n", encoding="utf-8")
    assert again(site).full_reason == "analyzer changed"  # the dictionary's words
    report = again(site)
    assert not report.full and report.full_reason is None


def test_a_new_article_format_reads_everything_again(site: Site) -> None:
    """A state whose articles an older feedindex read (no authors, fences left as text) is not
    published as it is: the next build reads every article again."""
    from feedindex.build.state import open_state

    site.write("a.md", article("Alpha", date="2025-01-01", tags=["x"], body="alpha words", author="Ada"))
    assert not again(site).full
    with closing(open_state(site.config().state_dir)) as state, state.transaction():
        state.put_meta(replace(state.meta(), article_format=1))
    report = again(site)
    assert report.full_reason == "article format changed" and report.changed == 3
    assert not again(site).full
    site.write("d.md", article("Delta", date="2025-04-01", tags=["x"]))  # an incremental build after it
    assert not again(site).full
    items = feedparser.parse((site.out / "tags" / "x" / "rss.xml").read_bytes()).entries
    assert [(item.title, item.author) for item in items] == [("Delta", "Tester"), ("Gamma", "Tester"), ("Alpha", "Ada")]


def test_full_flag_and_lost_outputs(site: Site) -> None:
    assert build(site.config(), now=NOW, full=True).full_reason == "asked for with --full"
    (site.out / "rss.xml").unlink()
    (site.out / "atom.xml").unlink()
    (site.out / "feed.json").unlink()
    report = again(site)
    assert report.full_reason == "site feeds missing" and (site.out / "rss.xml").exists()
    (site.out / "index" / "CURRENT").unlink()
    assert again(site).full_reason == "index missing"


def test_a_no_op_build_does_not_load_jieba(site: Site) -> None:
    code = (
        "import sys, datetime, zoneinfo\n"
        "from feedindex.config import load_config\n"
        "from feedindex.build import build\n"
        f"report = build(load_config({str(site.config_path)!r}), "
        "now=datetime.datetime(2026, 1, 1, tzinfo=zoneinfo.ZoneInfo('Asia/Taipei')))\n"
        "heavy = ['jieba', 'rjieba', 'opencc', 'feedgen', 'lxml', 'markdown', 'yaml', 'whoosh.index']\n"
        "print(report.changed, *[name for name in heavy if name in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["0"]


def test_a_searcher_keeps_answering_across_a_switch_and_old_generations_go_later(make_site: MakeSite) -> None:
    site = make_site({"a.md": article("Alpha", body="first words")}, {"index": {"retention_seconds": 1}})
    build(site.config())
    first = current_generation(site.config().index_dir)
    with Searcher(site.config().index_dir) as searcher:
        assert searcher.search("first").total == 1
        site.write("b.md", article("Beta", body="second words"))
        build(site.config())
        assert first.exists()  # retained for readers that just opened it
        assert searcher.search("first").total == 1 and searcher.search("second").total == 0
        time.sleep(1.1)
        site.write("c.md", article("Gamma", body="third words"))
        build(site.config())
        assert not first.exists()
        searcher.refresh()
        assert searcher.search("second").total == 1


def test_json_report_and_summary(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(site.root)
    site.write("d.md", article("Delta"))
    result = CliRunner().invoke(main, ["build", "--json"])
    report = json.loads(result.stdout)
    assert (report["changed"], report["removed"], report["unchanged"], report["full"]) == (1, 0, 3, False)
    result = CliRunner().invoke(main, ["build"])
    assert result.stdout.startswith("0 changed, 0 removed, 4 unchanged: 4 published, 0 drafts, 0 scheduled, 0 rejected")
    assert CliRunner().invoke(main, ["build", "--quiet"]).stdout == ""
    result = CliRunner().invoke(main, ["build", "--full", "--json"])
    report = json.loads(result.stdout)
    assert report["full"] is True and report["full_reason"] == "asked for with --full"
    assert CliRunner().invoke(main, ["build", "--full"]).stdout.rstrip().endswith("(full build: asked for with --full)")


def _outputs(out: Path) -> dict[str, bytes]:
    """Every feed file (and the stylesheet) under `out`: what readers fetch."""
    return {
        path.relative_to(out).as_posix(): path.read_bytes()
        for path in out.rglob("*")
        if path.is_file() and path.relative_to(out).parts[0] not in (".feedindex", "index")
    }


def _index_view(out: Path) -> tuple[dict[str, tuple[str, str]], dict[str, object]]:
    """(source → (slug, title)) of every live document, and the generation's display names."""
    from feedindex.index.generations import read_meta

    index_dir = out / "index"
    with open_index(index_dir).searcher() as searcher:
        stored = {fields["source"]: (fields["slug"], fields["title"]) for fields in searcher.all_stored_fields()}
    return stored, read_meta(current_generation(index_dir))["names"]


def test_incremental_builds_equal_a_full_build_after_every_random_change(make_site: MakeSite, tmp_path: Path) -> None:
    """Seeded random edits (add, edit, rename, delete, drafts, scheduled and future-updated posts,
    clashing slugs and pinned ids, tag spellings, broken files, the clock moving on): after each,
    the incremental build's feeds are byte-identical to a full build's from scratch (with the same
    id ledger), its index holds the same documents and names, and it reports the same errors."""
    import random
    import shutil
    from datetime import timedelta

    from feedindex.config import load_config

    rng = random.Random(20261130)
    site = make_site({})
    clock = datetime(2026, 1, 1, 12, tzinfo=TAIPEI)
    tags = ["AI", "ai", "ＡＩ", "機器學習", "Python", "C++", "開源"]
    files: list[str] = []
    serial = 0

    def write_random(name: str) -> None:
        nonlocal serial
        serial += 1
        offset = rng.choice([-400, -90, -30, -2, 1, 3, 40])  # days from the clock; some scheduled
        when = clock + timedelta(days=offset, hours=rng.randrange(24))
        fields: dict[str, object] = {"tags": rng.sample(tags, rng.randrange(0, 4))}
        if rng.random() < 0.5:
            fields["category"] = rng.choice(["技術", "生活", "Tech"])
        if rng.random() < 0.15:
            fields["draft"] = True
        if rng.random() < 0.2:
            fields["slug"] = "same-slug"  # clashes: the oldest keeps it
        if rng.random() < 0.1:
            fields["id"] = "urn:pinned:1"
        if rng.random() < 0.2:
            fields["updated"] = (when + timedelta(days=rng.choice([1, 5, 60]))).isoformat()
        title = rng.choice(["模型更新", "開源工具", "Release notes", "讀書筆記"]) + f" {serial}"
        site.write(name, article(title, date=when.isoformat(), body=f"內文 {serial} words {rng.random()}", **fields))

    for number in range(8):
        files.append(f"post-{number}.md")
        write_random(files[-1])
    for step in range(40):
        action = rng.choice(["add", "edit", "edit", "rename", "delete", "break", "clock", "clock"])
        if action == "add" or not files:
            files.append(f"new-{step}.md")
            write_random(files[-1])
        elif action == "edit":
            write_random(rng.choice(files))
        elif action == "rename":
            old = rng.choice(files)
            files[files.index(old)] = f"moved-{step}.md"
            (site.content / old).rename(site.content / f"moved-{step}.md")
        elif action == "delete":
            old = rng.choice(files)
            files.remove(old)
            (site.content / old).unlink()
        elif action == "break":
            site.write(rng.choice(files), "---\ntitle: [broken\n---\n")
        else:
            clock += timedelta(days=rng.choice([1, 3, 20]))
        incremental = build(site.config(), now=clock)
        assert not incremental.full or step == 0

        fresh = tmp_path / f"fresh-{step}"
        (fresh / ".feedindex").mkdir(parents=True)
        shutil.copy(site.out / ".feedindex" / "ids.json", fresh / ".feedindex" / "ids.json")
        broken = {error.path for error in incremental.errors if error.field != "slug" and error.field != "id"}
        if broken:  # a full build from scratch has no last good versions: give it the state too
            shutil.copy(site.out / ".feedindex" / "state.sqlite", fresh / ".feedindex" / "state.sqlite")
        full = build(load_config(site.config_path, out=fresh), now=clock, full=True)
        assert _outputs(site.out) == _outputs(fresh), f"step {step}: {action}"
        assert _index_view(site.out) == _index_view(fresh), f"step {step}: {action}"
        shown = [(error.path, error.field) for error in incremental.errors]
        assert shown == [(error.path, error.field) for error in full.errors], f"step {step}: {action}"
        assert (incremental.published, incremental.feed_files) == (full.published, full.feed_files)
        shutil.rmtree(fresh)


def test_when_the_index_is_due_a_full_merge_the_build_rebuilds_in_parallel_instead(make_site: MakeSite) -> None:
    """Small segments past a fifth of the base: the next build is a full build on both workers,
    not Whoosh's one-process merge of the whole index, and the index stays complete."""
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC

    from feedindex.paths import MAIN_INDEX

    def post(number: int, edit: str = "") -> str:
        return article(f"Post {number}{edit}", date="2025-01-01", body=f"common words {number}")

    site = make_site({f"p{n:03}.md": post(n) for n in range(200)}, {"build": {"workers": 2}})
    assert build(site.config(), now=NOW).full  # two parts of 100: the base segments
    for number in range(20):
        site.write(f"p{number:03}.md", post(number, " edited"))
    assert not build(site.config(), now=NOW).full  # 20 small documents: under a fifth of 200
    for number in range(20, 45):
        site.write(f"p{number:03}.md", post(number, " edited"))
    assert build(site.config(), now=NOW).full_reason == "index due a full merge"  # 45: rebuilt in parallel
    generation = current_generation(site.config().index_dir)
    names = [segment.segment_id() for segment in TOC.read(FileStorage(str(generation)), MAIN_INDEX).segments]
    assert sorted(name[:3] for name in names) == ["P0_", "P1_"]  # the parts, not one merged segment
    assert len(documents(site)) == 200
    with Searcher(site.config().index_dir) as searcher:
        assert searcher.search("edited").total == 45


def test_an_older_or_damaged_state_means_one_full_build(site: Site) -> None:
    """A state written by an earlier feedindex (its own tables, version 1) or damaged beyond
    reading is started afresh: the next build is full, the one after it incremental again."""
    import sqlite3

    state_path = site.out / ".feedindex" / "state.sqlite"
    state_path.unlink()
    with sqlite3.connect(state_path) as db:  # the version 1 layout: one table for whole articles
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute("CREATE TABLE articles (source TEXT PRIMARY KEY, meta TEXT NOT NULL, html BLOB NOT NULL)")
        db.execute("INSERT INTO meta VALUES ('version', '1')")
    report = again(site)
    assert report.full_reason == "no earlier build" and report.changed == 3
    assert set(documents(site)) == {"a", "b", "c"}
    assert not again(site).full
    state_path.write_bytes(b"not a database at all" * 100)
    assert again(site).full
    assert entries(site) == ["Gamma", "Beta", "Alpha"]
    assert again(site).changed == 0

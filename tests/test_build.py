"""The build: bad articles are reported and the rest of the site is still published; nothing already
published disappears unless the operator asked for it."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import pytest

from conftest import MakeSite, article
from feedindex.build import Phase, build
from feedindex.errors import ConfigError, UnpublishError
from feedindex.index.generations import generations, open_index

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
    assert (report.articles, report.published, report.drafts, report.scheduled) == (3, 1, 1, 1)
    assert indexed_slugs(config.index_dir) == {"live"}
    assert feed_titles(site.out / "rss.xml") == ["Live"]
    report = build(config, now=datetime(2025, 3, 1, 9, 0, tzinfo=TAIPEI))
    assert (report.articles, report.published, report.drafts, report.scheduled) == (3, 2, 1, 0)
    assert indexed_slugs(config.index_dir) == {"live", "later"}
    assert feed_titles(site.out / "atom.xml") == ["Later", "Live"]


def test_the_summary_line_says_what_became_of_every_article(make_site: MakeSite) -> None:
    site = make_site(
        {
            "live.md": article("Live", date="2025-01-01"),
            "live2.md": article("Live 2", date="2025-01-02"),
            "draft.md": article("Draft", date="2025-01-01", draft=True),
            "future-draft.md": article("Future draft", date="2026-01-01", draft=True),  # a draft first
            "later.md": article("Later", date="2025-03-01"),
            "broken.md": "---\ntitle: x\n---\n",
            "dup.md": article("Duplicate", date="2025-01-05", slug="live"),
        }
    )
    report = build(site.config(), now=datetime(2025, 2, 1, tzinfo=TAIPEI))
    assert (report.published, report.drafts, report.scheduled, len(report.errors)) == (2, 2, 1, 2)
    line = report.summary()
    assert line.startswith("7 changed, 0 removed, 0 unchanged: 2 published, 2 drafts, 1 scheduled, 2 rejected, ")
    as_json = report.as_dict()
    assert (as_json["published"], as_json["drafts"], as_json["scheduled"]) == (2, 2, 1)
    again = build(site.config(), now=datetime(2025, 2, 1, tzinfo=TAIPEI))  # nothing to do: from the state
    assert again.summary().startswith(
        "0 changed, 0 removed, 7 unchanged: 2 published, 2 drafts, 1 scheduled, 2 rejected"
    )


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


def test_images_not_on_disk_are_counted_once_per_build(make_site: MakeSite) -> None:
    files = {f"p{n}.md": article(f"P{n}", date=f"2025-01-0{n}", image=f"img/p{n}.jpg") for n in range(1, 6)}
    files["found.md"] = article("Found", image="here.png")
    files["here.png"] = b"\x89PNG" + b"0" * 10
    files["remote.md"] = article("Remote", image="https://cdn.example.org/r.jpg")  # not ours to look up
    site = make_site(files)
    report = build(site.config())
    assert report.missing_images == 5
    assert report.missing_image_examples == ("p1.md: img/p1.jpg", "p2.md: img/p2.jpg", "p3.md: img/p3.jpg")
    assert report.as_dict()["missing_images"] == 5
    warning = report.missing_images_warning()
    assert warning is not None and warning.startswith("5 article image(s)") and "and 2 more" in warning
    assert build(site.config()).missing_images == 0  # a no-op build renders no feed
    site.write("p9.md", article("P9", date="2025-01-09", image="p9.jpg"))
    assert build(site.config()).missing_images == 6  # the site feed is rendered again, whole
    assert build(site.config(), full=True).missing_images == 6


def test_the_public_api_names_are_the_functions() -> None:
    import importlib

    import feedindex
    from feedindex.build import plan  # noqa: F401  (modules of the packages imported after)
    from feedindex.search import searcher  # noqa: F401

    assert callable(feedindex.build) and feedindex.build is importlib.import_module("feedindex.build").build
    assert callable(feedindex.search) and feedindex.search is importlib.import_module("feedindex.search").search
    assert feedindex.load_config.__module__ == "feedindex.config"


def site_files(count: int) -> dict[str, str]:
    return {
        f"p{n}.md": article(f"P{n}", date=f"2025-{1 + n // 28:02d}-{1 + n % 28:02d}", tags=["t"]) for n in range(count)
    }


def outputs(out: Path) -> dict[str, bytes]:
    """Every file a reader can see (the feeds, the index pointer), not feedindex's own state."""
    return {
        path.relative_to(out).as_posix(): path.read_bytes()
        for path in sorted(out.rglob("*"))
        if path.is_file() and ".feedindex" not in path.parts and path.parent.name != "index"
    } | {"CURRENT": (out / "index" / "CURRENT").read_bytes()}


def test_a_missing_content_folder_is_a_configuration_error_and_writes_nothing(make_site: MakeSite) -> None:
    site = make_site(site_files(2))
    shutil.rmtree(site.content)
    with pytest.raises(ConfigError) as raised:
        build(site.config())
    assert [problem.key for problem in raised.value.problems] == ["paths.content"]
    assert not site.out.exists()


def test_a_missing_content_folder_never_unpublishes_the_site(make_site: MakeSite) -> None:
    site = make_site(site_files(4))
    build(site.config())
    before = outputs(site.out)
    site.content.rename(site.root / "unmounted")
    with pytest.raises(ConfigError):
        build(site.config())
    assert outputs(site.out) == before
    assert indexed_slugs(site.config().index_dir) == {"p0", "p1", "p2", "p3"}


@pytest.mark.parametrize("full", [False, True])
def test_a_build_that_would_unpublish_most_of_the_site_refuses(make_site: MakeSite, full: bool) -> None:
    site = make_site(site_files(4))
    build(site.config())
    before = outputs(site.out)
    for path in site.content.iterdir():  # an emptied folder (or a mount that came up empty)
        path.unlink()
    with pytest.raises(UnpublishError) as raised:
        build(site.config(), full=full)
    assert (raised.value.unpublished, raised.value.published) == (4, 4)
    assert "--allow-unpublish" in str(raised.value)
    assert outputs(site.out) == before
    assert [path.name for path in generations(site.config().index_dir)] == ["g000001"]  # none left behind
    report = build(site.config(), full=full, allow_unpublish=True)
    assert report.published == 0 and feed_titles(site.out / "rss.xml") == []


def test_unpublishing_up_to_the_share_is_allowed(make_site: MakeSite) -> None:
    site = make_site(site_files(4), {"build": {"max_unpublish": 0.5}})
    build(site.config())
    (site.content / "p0.md").unlink()
    (site.content / "p1.md").write_text(article("P1", draft=True), encoding="utf-8")
    assert build(site.config()).published == 2  # 2 of 4: not more than half
    (site.content / "p2.md").unlink()
    (site.content / "p3.md").write_text(article("P3", date="2030-01-01"), encoding="utf-8")  # scheduled
    with pytest.raises(UnpublishError):
        build(site.config())  # 2 of 2
    assert indexed_slugs(site.config().index_dir) == {"p2", "p3"}


def test_the_unpublish_share_is_configurable(make_site: MakeSite) -> None:
    site = make_site(site_files(4), {"build": {"max_unpublish": 0.0}})
    build(site.config())
    (site.content / "p3.md").unlink()
    with pytest.raises(UnpublishError):
        build(site.config())
    site = make_site(site_files(4), {"build": {"max_unpublish": 1.0}})
    for path in site.content.iterdir():
        path.unlink()
    assert build(site.config()).published == 0


def test_a_file_that_could_not_be_read_is_read_again_once_it_is_back(make_site: MakeSite) -> None:
    site = make_site(site_files(60))
    build(site.config())
    for path in site.content.iterdir():  # every file changes: the next build reads all 60 again
        path.write_text(path.read_text(encoding="utf-8") + "\nedited\n", encoding="utf-8")
    moved = site.root / "moved"

    def progress(phase: Phase) -> None:
        if phase.name == "reading" and phase.done == 50:  # the folder goes away in the middle of the build
            site.content.rename(moved)

    report = build(site.config(), progress=progress)
    assert sorted(e.path for e in report.errors if e.field == "file") == sorted(site_files(60))[50:]
    assert report.published == 60  # the last good versions stay
    moved.rename(site.content)  # back, untouched since
    report = build(site.config())
    assert report.errors == () and report.published == 60
    assert build(site.config()).errors == ()


def test_a_generation_a_killed_build_left_is_removed_by_the_next_build(make_site: MakeSite) -> None:
    site = make_site(site_files(2))
    build(site.config())
    index_dir = site.config().index_dir
    abandoned = index_dir / "g000002"
    abandoned.mkdir()
    (abandoned / "P0_0123456789abcdef.seg").write_bytes(b"x" * 1000)
    report = build(site.config())  # nothing changed: a build that does nothing else
    assert report.changed == 0
    assert [path.name for path in generations(index_dir)] == ["g000001"]

"""Finding article files: symbolic links (loops, second names, links out of the folder)."""

from __future__ import annotations

from pathlib import Path

from conftest import MakeSite, article
from feedindex.build import build
from feedindex.content.scan import scan_sources

FILES = {"a.md": article("A"), "posts/b.md": article("B"), "posts/deep/c.md": article("C"), "notes/d.md": article("D")}
ALL = {"a.md", "posts/b.md", "posts/deep/c.md", "notes/d.md"}


def test_symbolic_link_loops_are_followed_never_and_reported_once(make_site: MakeSite) -> None:
    site = make_site(FILES)
    (site.content / "loop1").symlink_to(".")
    (site.content / "loop2").symlink_to(".")  # two loops: 2^40 paths if followed
    (site.content / "posts" / "deep" / "up").symlink_to("../..")
    scan = scan_sources(site.content)
    assert set(scan.files) == ALL
    assert sorted((w.path, w.field) for w in scan.warnings) == [
        ("loop1", "file"),
        ("loop2", "file"),
        ("posts/deep/up", "file"),
    ]
    assert all("loop" in w.message for w in scan.warnings) and scan.errors == ()


def test_a_second_name_for_a_folder_never_changes_the_paths_of_its_articles(make_site: MakeSite) -> None:
    site = make_site(FILES)
    (site.content / "aaa").symlink_to("posts")  # sorts and lists before the real folder
    (site.content / "posts" / "zzz").symlink_to("../notes")
    scan = scan_sources(site.content)
    assert set(scan.files) == ALL
    assert {w.path: w.message for w in scan.warnings} == {
        "aaa": "not followed: the same folder as 'posts'",
        "posts/zzz": "not followed: the same folder as 'notes'",
    }


def test_a_link_to_a_hidden_folder_of_the_site_is_read_under_its_name(make_site: MakeSite) -> None:
    site = make_site({".drafts/e.md": article("E")})
    (site.content / "shown").symlink_to(".drafts")
    assert set(scan_sources(site.content).files) == {"shown/e.md"}


def test_links_out_of_the_content_folder_are_not_read_and_are_reported(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site(FILES)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text(article("Secret", body="password"), encoding="utf-8")
    (site.content / "innocent.md").symlink_to(outside / "secret.md")
    (site.content / "posts" / "more").symlink_to(outside)
    (site.content / "up").symlink_to("..")
    (site.content / "inside.md").symlink_to("a.md")  # a link inside the folder is an article of its own
    scan = scan_sources(site.content)
    assert set(scan.files) == ALL | {"inside.md"}
    assert sorted((e.path, e.field) for e in scan.errors) == [
        ("innocent.md", "file"),
        ("posts/more", "file"),
        ("up", "file"),
    ]
    assert all("outside the content folder" in e.message for e in scan.errors)


def test_a_build_through_loops_keeps_paths_ids_and_reports_the_links(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site(FILES)
    (site.content / "loop").symlink_to(".")
    secret = tmp_path / "secret.md"
    secret.write_text(article("Secret"), encoding="utf-8")
    (site.content / "innocent.md").symlink_to(secret)
    report = build(site.config())
    assert report.published == 4
    assert [(e.path, e.field) for e in report.errors] == [("innocent.md", "file")]
    assert [(w.path, w.field) for w in report.warnings] == [("loop", "file")]
    ids = (site.out / ".feedindex" / "ids.json").read_text(encoding="utf-8")
    assert "loop" not in ids and "Secret" not in (site.out / "feed.json").read_text(encoding="utf-8")
    again = build(site.config())  # a build with nothing to do says the same
    assert [(e.path, e.field) for e in again.errors] == [("innocent.md", "file")]
    assert [(w.path, w.field) for w in again.warnings] == [("loop", "file")]


def test_a_content_folder_that_is_itself_a_link_is_read_whole(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site(FILES)
    linked = tmp_path / "deploy" / "content"
    linked.parent.mkdir()
    linked.symlink_to(site.content)  # as deployments often do: /srv/site/content -> /data/content
    (site.content / "loop").symlink_to("..")  # .. of the real folder: outside
    scan = scan_sources(linked)
    assert set(scan.files) == ALL
    assert [(e.path, e.field) for e in scan.errors] == [("loop", "file")]

"""The command line through click's CliRunner: output, JSON and exit codes."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner

from conftest import MakeSite, Site, article
from feedindex.cli import main


@pytest.fixture
def site(make_site: MakeSite, monkeypatch: pytest.MonkeyPatch) -> Site:
    site = make_site(
        {
            "zh.md": article("開源模型筆記", body="在開源大型語言模型的戰場上，通義千問正在打破局面。", tags=["AI"]),
            "en.md": article("Feeds", date="2025-01-01", body="Readers poll feeds for new entries."),
        }
    )
    monkeypatch.chdir(site.root)
    return site


def parse_feed(path: object) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(path.read_bytes())  # type: ignore[attr-defined]
    assert parsed.bozo == 0
    return parsed


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_build_then_search(site: Site) -> None:
    code, out, _ = run("build")
    assert code == 0
    assert out.startswith("2 changed, 0 removed, 0 unchanged: 2 published, 0 drafts, 0 scheduled, 0 rejected, ")
    assert out.rstrip().endswith("(full build: no earlier build)")
    code, out, _ = run("search", "通義千問", "--json")
    assert code == 0
    result = json.loads(out)
    assert result["query"] == "通義千問"
    assert [hit["slug"] for hit in result["hits"]] == ["zh"]
    code, out, _ = run("search", "readers")
    assert code == 0 and "Feeds" in out


def test_build_json_and_exit_code_1_when_some_articles_are_rejected(site: Site) -> None:
    site.write("bad.md", "---\ntitle: x\n---\n")
    code, out, _ = run("build", "--json")
    assert code == 1
    report = json.loads(out)
    assert report["published"] == 2
    assert report["errors"][0]["path"] == "bad.md" and report["errors"][0]["field"] == "date"
    assert report["feeds"] == ["out/rss.xml", "out/atom.xml", "out/feed.json"]
    assert report["feed_files"] == 3 + 3  # the site's and the tag "AI"'s
    assert (site.out / "rss.xml").exists()


def test_images_not_on_disk_are_one_warning(site: Site) -> None:
    for number in range(1, 5):
        site.write(f"img{number}.md", article(f"Image {number}", date=f"2025-02-0{number}", image=f"i{number}.jpg"))
    code, _, err = run("build")
    assert code == 0
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and warnings[0].startswith("warning: 4 article image(s)")
    assert "img1.md: i1.jpg" in warnings[0] and "set paths.images" in warnings[0]


def test_config_error_exits_2_and_writes_nothing(site: Site) -> None:
    site.config_path.write_text('[site]\ntitle = "x"\nbase_url = "nope"\nlanguage = "zh_TW"\n', encoding="utf-8")
    code, _, err = run("build")
    assert code == 2
    assert "site.base_url" in err and "site.language" in err
    assert not site.out.exists()


def test_usage_error_exits_2(site: Site) -> None:
    assert run("build", "--no-such-option")[0] == 2
    assert run("search")[0] == 2


def test_overrides_on_the_command_line(site: Site, tmp_path_factory: pytest.TempPathFactory) -> None:
    other = tmp_path_factory.mktemp("other")
    (other / "only.md").write_text(article("Only one"), encoding="utf-8")
    out = tmp_path_factory.mktemp("public")
    code, text, _ = run(
        "build", "--config", str(site.config_path), "--content", str(other), "--out", str(out), "--json"
    )
    assert code == 0 and json.loads(text)["published"] == 1
    assert (out / "atom.xml").exists() and not site.out.exists()
    code, text, _ = run("search", "only", "--out", str(out), "--json")
    assert [hit["slug"] for hit in json.loads(text)["hits"]] == ["only"]


def test_search_without_an_index_exits_3(site: Site) -> None:
    code, _, err = run("search", "x")
    assert code == 3 and "feedindex build" in err


def test_search_limit_is_validated(site: Site) -> None:
    run("build")
    assert run("search", "x", "--limit", "0")[0] == 2
    code, _, err = run("search", "x" * 300)
    assert code == 2 and "longer than" in err


def test_check_reports_every_bad_file_and_writes_nothing(site: Site) -> None:
    assert run("check")[0] == 0
    site.write("a.md", "no front matter")
    site.write("b.md", "---\ntitle: t\ndate: someday\n---\n")
    code, out, _ = run("check")
    assert code == 1
    assert "a.md:1 [front matter]" in out and "b.md:3 [date]" in out
    assert "2 articles valid, 2 rejected" in out
    assert not site.out.exists()


def test_python_dash_m_runs_the_cli(site: Site) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "feedindex", "--version"], capture_output=True, text=True, check=True, env=os.environ
    )
    assert done.stdout.startswith("feedindex, version ")


def test_a_missing_content_folder_exits_2_and_writes_nothing(site: Site) -> None:
    code, _, err = run("build", "--content", "no-such-folder")
    assert code == 2 and "paths.content" in err and "no-such-folder" in err
    assert not site.out.exists()
    assert run("check", "--content", "no-such-folder")[0] == 2


def test_refusing_to_unpublish_exits_6_until_allowed(site: Site) -> None:
    assert run("build")[0] == 0
    for path in site.content.iterdir():
        path.unlink()
    code, _, err = run("build")
    assert code == 6 and "--allow-unpublish" in err and len(err.strip().splitlines()) == 1
    assert len(parse_feed(site.out / "rss.xml").entries) == 2  # still served
    code, out, _ = run("build", "--allow-unpublish", "--json")
    assert code == 0 and json.loads(out)["published"] == 0


@pytest.mark.parametrize("verbose", [False, True])
def test_an_unexpected_error_is_one_line_and_exit_70_never_1(
    site: Site, monkeypatch: pytest.MonkeyPatch, verbose: bool
) -> None:
    def broken(*args: object, **kwargs: object) -> None:  # a bug anywhere in the library
        raise RuntimeError("something broke\nsecond line")

    monkeypatch.setattr(importlib.import_module("feedindex.build"), "build", broken)
    code, _, err = run(*(["-v"] if verbose else []), "build")
    assert code == 70
    last = err.strip().splitlines()[-1]
    assert last.startswith("error: unexpected RuntimeError: something broke\\nsecond line")
    assert ("Traceback" in err) is verbose
    if not verbose:
        assert err.count("\n") == 1


def test_an_interrupted_build_exits_130(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(importlib.import_module("feedindex.build"), "build", interrupted)
    assert run("build")[0] == 130


FORGED = "evil\nrejected: zh.md:2 [title]: forged\u2028\x1b[2J.md"
SHOWN = "evil\\nrejected: zh.md:2 [title]: forged\\u2028\\x1b[2J.md [date]: date is required (YYYY-MM-DD or ISO 8601)"


def test_file_names_cannot_forge_lines(site: Site) -> None:
    site.write(FORGED, "---\ntitle: no date\n---\n")
    code, _, err = run("build")
    assert code == 1
    assert err.splitlines() == [f"rejected: {SHOWN}"]
    code, out, _ = run("check")
    assert code == 1 and [line for line in out.splitlines() if line.startswith("error:")] == [f"error: {SHOWN}"]
    code, out, _ = run("build", "--json")
    assert len(out.splitlines()) == 1 and json.loads(out)["errors"][0]["path"] == FORGED


def test_log_records_are_one_line_each(site: Site) -> None:
    site.write(FORGED, "---\ntitle: no date\n---\n")
    done = subprocess.run(
        [sys.executable, "-m", "feedindex", "-v", "check"], capture_output=True, text=True, env=os.environ
    )
    logged = [line for line in done.stderr.splitlines() if line.startswith("INFO")]
    assert logged == [f"INFO feedindex.content.reading: rejected {SHOWN}"]


def test_init_writes_a_config_that_check_accepts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sites = Path(__file__).parent / "sites"
    monkeypatch.chdir(tmp_path)
    code, out, err = run("init", "--from", str(sites / "jekyll"))
    assert code == 0 and "for a jekyll site" in out
    assert "check: no time zone" not in err  # the site sets one
    code, out, _ = run("check")
    assert code == 0 and out.splitlines()[-1] == "6 articles valid, 0 rejected"
    code, _, err = run("init", "--from", str(sites / "hexo"))
    assert code == 2 and "already exists" in err
    code, _, err = run("init", "--from", str(sites / "hexo"), "--force", "--config", "other.toml")
    assert code == 0 and (tmp_path / "other.toml").is_file()
    code, _, err = run("init", "--from", str(tmp_path))
    assert code == 2 and "is not a Hugo" in err


def test_on_a_terminal_each_phase_has_its_own_line_with_its_progress() -> None:
    import io

    from rich.console import Console

    from feedindex.build import Phase
    from feedindex.cli.show import PhaseDisplay

    screen = io.StringIO()
    display = PhaseDisplay(Console(file=screen, force_terminal=True, width=100))
    display(Phase("scanning"))
    display(Phase("scanning", 0.01, done=5000, finished=True))
    assert screen.getvalue() == ""  # nothing yet: a build with nothing to do shows nothing
    display(Phase("reading", 0.0, done=0, total=5000, workers=2))
    display(Phase("reading", 1.0, done=2500, total=5000, workers=2))
    display.display.refresh()
    shown = screen.getvalue()
    assert "scanning" in shown and "5,000" in shown  # the phase before, once the display starts
    assert "reading" in shown and "2,500/5,000" in shown
    display(Phase("reading", 2.0, done=5000, total=5000, workers=2, finished=True))
    display(Phase("joining"))
    display.display.refresh()
    assert "joining" in screen.getvalue()
    display.close()


@pytest.mark.slow
def test_the_phases_show_on_a_terminal_only(make_site: MakeSite) -> None:
    import pty

    files = {f"p{n}.md": article(f"文章 {n}", body="開源模型 " * 200, tags=[f"t{n % 9}"]) for n in range(300)}
    site = make_site(files)
    command = [sys.executable, "-m", "feedindex", "build", "--config", str(site.config_path)]
    piped = subprocess.run(command, capture_output=True, text=True, check=True)
    assert piped.stderr == "" and piped.stdout.startswith("300 changed")  # no terminal: no phases shown
    pid, terminal = pty.fork()
    if pid == 0:  # the child: a build on a terminal
        os.execv(sys.executable, [*command, "--full"])
    seen = b""
    while True:
        try:
            chunk = os.read(terminal, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    os.waitpid(pid, 0)
    text = seen.decode("utf-8", "replace")
    for name in ("reading", "deciding", "feeds", "publishing"):
        assert name in text, text[-2000:]
    assert "(full build: asked for with --full)" in text


def test_a_snippet_is_printed_as_its_text_with_the_matches_highlighted() -> None:
    from feedindex.cli.show import snippet_text

    text = snippet_text("use &lt;mark&gt; &amp; <mark>開源</mark> models, <mark>&lt;T&gt;</mark>")
    assert text.plain == "use <mark> & 開源 models, <T>"
    marked = [text.plain[span.start : span.end] for span in text.spans if span.style == "bold yellow"]
    assert marked == ["開源", "<T>"]

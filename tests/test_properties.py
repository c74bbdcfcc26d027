"""Hypothesis properties of hostile input: random front matter and random file trees.

Whatever the front matter (random YAML structures, aliases and alias bombs, huge and tiny numbers,
every date form and range, nested lists, control characters, both scripts) and whatever the tree
(symbolic links and loops, links out of the folder, odd and NFC/NFD names, empty and missing
folders), a file is read or rejected with a ContentError of one bounded line, and a build ends
with a documented exit code, prints no traceback, and leaves feeds that parse and an index that
answers. The quick suite runs a few examples of each; `-m slow` runs many more.
"""

from __future__ import annotations

import json
import os
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import feedparser
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import BASE_CONFIG, article, toml_dumps
from feedindex.build.state import utc_key
from feedindex.cli import main
from feedindex.config import load_config
from feedindex.content.reading import read_article
from feedindex.content.scan import scan_sources
from feedindex.errors import ContentError
from feedindex.search.searcher import Searcher

QUICK = settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LONG = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KNOWN = "獨角鯨"  # only in the one good article of every generated site

# --- front matter --------------------------------------------------------------------------

CHARS = "開源模型軟體记忆体资料 Qwen3 é\u0301\t\n\r\x00\x07\x08\x1b\x7f\x85\u2028\u202e\ufeff:-[]{}&*!|>'\"%@`#,?\\"
text = st.text(st.one_of(st.sampled_from(CHARS), st.characters()), max_size=24)
offsets = st.builds(lambda minutes: timezone(timedelta(minutes=minutes)), st.integers(-(24 * 60 - 1), 24 * 60 - 1))
moments = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59))
date_texts = st.one_of(
    st.sampled_from(
        [
            "2025-11-25",
            "2025-11-25 08:30",
            "2025-11-25T08:30:00+08:00",
            "2025-11-25T08:30:00Z",
            "2025/11/25",
            "0001-01-01",
            "9999-12-31",
            "9999-12-31T23:59:59-12:00",
            "0001-01-01T00:00:00+14:00",
            "2025-13-45",
            "next tuesday",
            "",
        ]
    ),
    st.builds(lambda moment, zone: moment.replace(tzinfo=zone).isoformat(), moments, offsets),
    st.builds(lambda moment: moment.date().isoformat(), moments),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    text,
    st.integers(),
    st.integers(min_value=-(10**4000), max_value=10**4000),
    st.floats(),
    st.floats(min_value=-1e-300, max_value=1e-300),
    st.dates(min_value=date(1, 1, 1)),
    st.builds(lambda moment, zone: moment.replace(tzinfo=zone), moments, st.one_of(st.none(), offsets)),
    date_texts,
)
structures = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4), max_leaves=12
)
names = st.one_of(text, st.lists(st.one_of(text, structures), max_size=6), structures)
FIELDS = {
    "title": st.one_of(text, structures),
    "date": st.one_of(date_texts, scalars, structures),
    "updated": st.one_of(date_texts, scalars),
    "lastmod": date_texts,
    "tags": names,
    "category": names,
    "categories": names,
    "draft": st.one_of(st.booleans(), scalars),
    "slug": st.one_of(text, st.sampled_from(["café", unicodedata.normalize("NFD", "café"), "a/b", "..", "通義千問"])),
    "lang": st.one_of(st.sampled_from(["zh-Hant", "en", "zh_TW", "x" * 300]), text),
    "id": text,
    "description": text,
    "image": text,
}
front_matters = st.fixed_dictionaries(
    {
        "title": st.one_of(st.just("Title 標題"), FIELDS["title"]),
        "date": st.one_of(st.just("2025-06-01"), FIELDS["date"]),
    },
    optional={key: strategy for key, strategy in FIELDS.items() if key not in ("title", "date")},
)

# Front matter that mostly publishes, so hostile text reaches the feeds and the index.
in_range = st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31))
plausible = st.fixed_dictionaries(
    {
        "title": text.map(lambda title: f"{title} 標題"),
        "date": st.one_of(in_range.map(lambda moment: moment.isoformat()), in_range.map(lambda moment: moment.date())),
    },
    optional={
        "tags": st.lists(text, max_size=8),
        "category": text,
        "updated": in_range.map(lambda moment: moment.isoformat(" ")),
        "description": text,
        "draft": st.booleans(),
        "slug": st.sampled_from(["café", unicodedata.normalize("NFD", "café"), "通義千問", "a.b-c_d"]),
        "lang": st.sampled_from(["en", "zh-Hans", "zh-TW"]),
        "id": text.map(lambda pinned: f"tag:x,2025:{pinned}"),
    },
)


def yaml_file(meta: dict[str, Any], share: bool, body: str) -> str:
    """A Markdown file with `meta` as YAML front matter; with `share`, one value appears three
    times, which PyYAML writes as an anchor and two aliases."""
    if share and meta:
        key = sorted(meta)[0]
        meta = {**meta, "x-alias": [meta[key], meta[key]]}
    try:
        front = yaml.safe_dump(meta, allow_unicode=True, default_flow_style=None)
    except yaml.YAMLError:
        front = "title: unrepresentable\n"
    return f"---\n{front}---\n\n{body}\n"


def alias_bomb(levels: int, width: int, key: str) -> str:
    lines = ["---", "title: Bomb", "date: 2025-01-01", "a0: &a0 [" + ",".join(["lol"] * width) + "]"]
    lines += [f"a{n}: &a{n} [" + ",".join([f"*a{n - 1}"] * width) + "]" for n in range(1, levels)]
    return "\n".join([*lines, f"{key}: *a{levels - 1}", "---", "body", ""])


TOML_DATES = [
    "2025-11-25",
    "0001-01-01",
    "9999-12-31T23:59:59-12:00",
    "0001-01-01T00:00:00+14:00",
    '"soon"',
    "2025-11-25T08:30:00Z",
]
files = st.one_of(
    st.builds(yaml_file, plausible, st.booleans(), text),
    st.builds(yaml_file, plausible, st.booleans(), text),
    st.builds(yaml_file, front_matters, st.booleans(), text),
    st.builds(alias_bomb, st.integers(1, 12), st.integers(1, 12), st.sampled_from(["tags", "date", "draft", "title"])),
    st.builds(
        lambda title, when, tags: (
            f"+++\ntitle = {json.dumps(title)}\ndate = {when}\ntags = {json.dumps(tags)}\n+++\nbody\n"
        ),
        text,
        st.sampled_from(TOML_DATES),
        st.lists(text, max_size=5),
    ),
    st.builds(lambda front, body: f"---\n{front}\n---\n{body}", text, text),  # anything at all
    st.builds(
        lambda depth, opener: f"---\ntitle: T\ndate: 2025-01-01\ntags: {opener * depth}\n---\n",
        st.integers(0, 40_000),
        st.sampled_from(["[", "{a: ", "- "]),
    ),
)


def site_config(root: Path) -> Path:
    path = root / "feedindex.toml"
    path.write_text(toml_dumps(BASE_CONFIG), encoding="utf-8")
    (root / "content").mkdir(exist_ok=True)
    return path


def check_read(path: Path, config_path: Path) -> None:
    """`read_article` gives an article that every output can take, or a ContentError on one
    bounded line; nothing else."""
    config = load_config(config_path)
    try:
        post, warnings = read_article(path, config)
    except ContentError as error:
        shown = str(error)
        assert "\n" not in shown and "\r" not in shown and len(shown) < 800, shown[:200]
        return
    for moment in (post.published, post.updated):
        assert moment.tzinfo is not None
        utc_key(moment)  # the state's and the index's conversion to UTC
        moment.astimezone(config.site.tz)
    assert post.slug == unicodedata.normalize("NFC", post.slug)
    assert len(post.tags) <= config.content.max_tags and len(post.categories) <= config.content.max_tags
    assert all("\n" not in str(warning) for warning in warnings)


def test_front_matter_reads_or_is_rejected_quick() -> None:
    run_front_matter(settings(max_examples=60, deadline=None))


@pytest.mark.slow
def test_front_matter_reads_or_is_rejected_long() -> None:
    run_front_matter(settings(max_examples=1500, deadline=None))


def run_front_matter(budget: settings) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        config_path = site_config(root)

        @budget
        @given(files)
        def read_one(data: str) -> None:
            path = root / "content" / "x.md"
            path.write_text(data, encoding="utf-8", errors="surrogatepass")
            check_read(path, config_path)

        read_one()


# --- builds --------------------------------------------------------------------------------


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output[-2000:]
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, output


def check_outputs(out: Path) -> None:
    """Every feed parses; the index opens and finds the one good article."""
    for path in sorted(out.rglob("*")):
        if ".feedindex" in path.parts or not path.is_file():
            continue
        if path.name == "feed.json":
            assert json.loads(path.read_bytes())["version"] == "https://jsonfeed.org/version/1.1"
        elif path.name in ("rss.xml", "atom.xml"):
            parsed = feedparser.parse(path.read_bytes())
            assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))
    with Searcher(out / "index") as searcher:
        assert [hit.slug for hit in searcher.search(KNOWN).hits] == ["known"]


def build_site(root: Path, *extra: str) -> int:
    code, output = invoke("build", "--config", str(root / "feedindex.toml"), "--quiet", *extra)
    assert code in (0, 1), output[-2000:]
    check_outputs(root / "out")
    return code


def run_builds(budget: settings) -> None:
    @budget
    @given(st.lists(files, min_size=1, max_size=3), st.lists(files, max_size=2))
    def build_twice(first: list[str], second: list[str]) -> None:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            site_config(root)
            content = root / "content"
            (content / "known.md").write_text(article("Known", body=f"{KNOWN} 只在這裡。"), encoding="utf-8")
            for number, data in enumerate(first):
                (content / f"f{number}.md").write_text(data, encoding="utf-8", errors="surrogatepass")
            code = build_site(root)
            assert build_site(root) == code  # a build with nothing to do says the same
            for number, data in enumerate(second):  # edits: the last good versions stay
                (content / f"f{number}.md").write_text(data, encoding="utf-8", errors="surrogatepass")
            build_site(root)

    build_twice()


def test_builds_of_hostile_front_matter_end_valid_quick() -> None:
    run_builds(QUICK)


@pytest.mark.slow
def test_builds_of_hostile_front_matter_end_valid_long() -> None:
    run_builds(LONG)


# --- file trees ----------------------------------------------------------------------------

NAME = st.one_of(
    st.sampled_from(
        [
            "posts",
            "notes",
            "a",
            "文章",
            "café",
            unicodedata.normalize("NFD", "café"),
            "with space",
            "new\nline",
            "tab\there",
            "esc\x1b[2J",
            "-dash",
            "#hash",
            "%25",
            "?q",
            "\u202eevil",
            "x" * 120,
            ".hidden",
            "_index",
        ]
    ),
    st.text(st.characters(exclude_characters="/\x00", exclude_categories=["Cs"]), min_size=1, max_size=12),
)
# "outside" and "secret": a folder and a file of the test's own, outside the content folder.
LINK_TARGETS = [".", "..", "../..", "posts", "../notes", "/", "outside", "secret", "missing", "loop"]


@dataclass(frozen=True)
class Step:
    """One thing done to a content tree: a folder, an article, or a symbolic link."""

    kind: str  # "dir", "file", "link"
    path: tuple[str, ...]
    target: str = ""


steps = st.lists(
    st.one_of(
        st.builds(Step, st.just("dir"), st.lists(NAME, min_size=1, max_size=3).map(tuple)),
        st.builds(
            Step, st.just("file"), st.lists(NAME, min_size=1, max_size=3).map(tuple), st.sampled_from(["good", "bad"])
        ),
        st.builds(
            Step, st.just("link"), st.lists(NAME, min_size=1, max_size=3).map(tuple), st.sampled_from(LINK_TARGETS)
        ),
    ),
    max_size=12,
)


def make_tree(content: Path, plan: list[Step], outside: Path) -> int:
    """Carry out `plan` under `content` (steps that the file system refuses are skipped); the
    number of article files (regular `.md` files, and links to `.md` files) created.

    Nothing is ever written through a link: a link may lead anywhere, and tests run as root."""
    articles = 0
    targets = {"outside": str(outside), "secret": str(outside / "secret.md")}
    for number, step in enumerate(plan):
        *folders, name = step.path
        parent = content.joinpath(*folders)
        try:
            if parent.resolve() != parent.absolute() or not parent.resolve().is_relative_to(content.resolve()):
                continue
            parent.mkdir(parents=True, exist_ok=True)
            if step.kind == "dir":
                (parent / name).mkdir(exist_ok=True)
            elif step.kind == "file":
                path = parent / f"{name}.md"
                if path.is_symlink():
                    continue
                good = article(f"T{number}", body=f"第 {number} 篇")
                path.write_text(good if step.target == "good" else "---\ntitle: [\n---\n", encoding="utf-8")
                articles += 1
            else:
                link = parent / (name + ".md" if number % 2 else name)
                link.symlink_to(targets.get(step.target, step.target))
                articles += number % 2
        except (OSError, ValueError):
            continue
    return articles


def check_scan(content: Path, created: int) -> None:
    """A scan ends, reads nothing outside the folder, and reads no folder twice."""
    scan = scan_sources(content)
    root = content.resolve()
    for rel in scan.files:
        assert Path(os.path.realpath(content / rel)).is_relative_to(root), rel
    assert len(scan.files) <= created  # no article read twice through a second name for a folder
    assert all("\n" not in str(problem) for problem in (*scan.errors, *scan.warnings))


def run_trees(budget: settings, build: bool) -> None:
    @budget
    @given(steps, st.lists(st.integers(0, 11), max_size=3), st.booleans())
    def tree(plan: list[Step], removed: list[int], vanish: bool) -> None:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            site_config(root)
            outside = root / "outside"
            outside.mkdir()
            (outside / "secret.md").write_text(article("Secret", body="secret"), encoding="utf-8")
            content = root / "content"
            (content / "known.md").write_text(article("Known", body=f"{KNOWN} 只在這裡。"), encoding="utf-8")
            created = make_tree(content, plan, outside) + 1
            check_scan(content, created)
            if not build:
                return
            first = build_site(root)
            assert "secret" not in (root / "out" / "feed.json").read_text(encoding="utf-8")
            for number in removed:  # then some of it goes away: refused, or published as asked
                if number < len(plan):
                    target = content.joinpath(*plan[number].path)
                    if target.parent.resolve() != target.parent.absolute():
                        continue  # through a link: it may lead anywhere
                    for path in (target, target.with_name(target.name + ".md")):
                        if path.is_symlink() or path.is_file():
                            path.unlink()
            if vanish:
                content.rename(root / "unmounted")
                code, _ = invoke("build", "--config", str(root / "feedindex.toml"), "--quiet")
                assert code == 2
                check_outputs(root / "out")
                (root / "unmounted").rename(content)
            code, output = invoke("build", "--config", str(root / "feedindex.toml"), "--quiet")
            assert code in (0, 1, 6), output[-2000:]
            check_outputs(root / "out")
            assert first in (0, 1)

    tree()


def test_scans_of_hostile_trees_end_quick() -> None:
    run_trees(settings(max_examples=40, deadline=None), build=False)


def test_builds_of_hostile_trees_end_valid_quick() -> None:
    run_trees(QUICK, build=True)


@pytest.mark.slow
def test_builds_of_hostile_trees_end_valid_long() -> None:
    run_trees(LONG, build=True)

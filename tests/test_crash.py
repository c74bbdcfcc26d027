"""SIGKILL at random moments: out/ stays valid, and the next build completes the work.

Each trial changes the content (edits, additions, deletions, drafts; sometimes from an empty
output folder), starts a real `feedindex build` process, kills it with SIGKILL after a random
delay (seeded), then checks that every feed parses, that the index opens and answers a known
query, and that the next build completes and equals a clean full build of the same content.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import feedparser
import pytest

from conftest import BASE_CONFIG, article, toml_dumps
from feedindex.build import build
from feedindex.config import load_config
from feedindex.index.generations import open_index
from feedindex.paths import FEED_FILES
from feedindex.search.searcher import Searcher

pytestmark = pytest.mark.slow

SEED = 20261130
TRIALS = 32
ARTICLES = 150
KNOWN = "獨角鯨"  # only in article 0, which no trial touches
WORDS = [
    *("開源", "模型", "記憶體", "軟體", "资料", "搜索", "引擎", "分詞", "中文"),
    *("訂閱", "閱讀器", "部署", "伺服器", "feed", "reader", "search", "index", "server"),
]


def write_article(content: Path, number: int, rng: random.Random, version: int = 0, draft: bool = False) -> None:
    body = " ".join(rng.choice(WORDS) for _ in range(40))
    if number == 0:
        body = f"{KNOWN} 是這篇文章獨有的詞。 {body}"
    text = article(
        f"文章 {number} v{version}",
        date=f"2025-{1 + number % 12:02d}-{1 + number % 28:02d}",  # dates and paths never change
        tags=[rng.choice(WORDS[:8]), f"t{number % 7}"],
        category=rng.choice(["技術", "生活", "Web"]),
        body=body,
        draft=draft,
    )
    (content / f"a{number:03d}.md").write_text(text, encoding="utf-8")


def mutate(content: Path, rng: random.Random, trial: int) -> None:
    """Edit, add, delete and toggle drafts of a few articles (never article 0)."""
    existing = sorted(int(path.stem[1:]) for path in content.glob("a*.md"))
    for number in rng.sample([n for n in existing if n], k=min(6, len(existing) - 1)):
        write_article(content, number, rng, version=trial, draft=rng.random() < 0.15)
    for number in rng.sample([n for n in existing if n], k=2):
        (content / f"a{number:03d}.md").unlink()
    for number in range(ARTICLES + trial * 2, ARTICLES + trial * 2 + 2):
        write_article(content, number, rng)


def feeds(out: Path) -> dict[str, bytes]:
    return {
        path.relative_to(out).as_posix(): path.read_bytes()
        for name in FEED_FILES.values()
        for path in sorted(out.rglob(name))
        if ".feedindex" not in path.parts
    }


def check_valid(out: Path, parsed: set[bytes]) -> None:
    """Every feed parses; the index (once one was published) opens and finds the known article.

    `parsed` holds the digests of feed files already found valid: equal bytes parse equally, so
    each distinct file is parsed once (most tag feeds do not change between trials).
    """
    for name, data in feeds(out).items():
        digest = hashlib.sha256(data).digest()
        if digest in parsed:
            continue
        if name.endswith(".json"):
            assert json.loads(data)["version"].startswith("https://jsonfeed.org/"), name
        else:
            assert feedparser.parse(data).bozo == 0, name
        parsed.add(digest)
    if (out / "index" / "CURRENT").exists():
        with Searcher(out / "index") as searcher:
            assert [hit.slug for hit in searcher.search(KNOWN).hits] == ["a000"]


def documents(out: Path) -> dict[str, tuple[str, str, str]]:
    with open_index(out / "index").searcher() as searcher:
        return {f["slug"]: (f["title"], f["url"], f["published_iso"]) for f in searcher.all_stored_fields()}


def test_sigkill_at_random_moments_never_breaks_out(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    content = tmp_path / "content"
    content.mkdir()
    for number in range(ARTICLES):
        write_article(content, number, rng)
    config_path = tmp_path / "feedindex.toml"
    config_path.write_text(toml_dumps(BASE_CONFIG), encoding="utf-8")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "feedindex", "build", "--config", str(config_path), "--quiet"]

    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    full_build = time.perf_counter() - started
    killed = 0
    parsed: set[bytes] = set()
    for trial in range(TRIALS):
        mutate(content, rng, trial)
        if trial % 5 == 0:
            shutil.rmtree(out)  # kill a build that starts from nothing
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, full_build))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed += 1
        process.wait()

        check_valid(out, parsed)
        finished = subprocess.run(command, capture_output=True, text=True)
        assert finished.returncode == 0, finished.stderr
        check_valid(out, parsed)

        reference = tmp_path / f"reference-{trial}"
        build(load_config(config_path, out=reference), full=True)
        assert feeds(out) == feeds(reference), f"trial {trial}: feeds differ from a clean build"
        assert documents(out) == documents(reference), f"trial {trial}: index differs from a clean build"
        shutil.rmtree(reference)
    assert killed >= TRIALS // 2  # most trials really interrupted a build

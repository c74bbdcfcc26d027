"""The scheduled job at scale: full build, no-op rebuild and rebuild after 10 edited articles.

Builds a content folder from a corpus (optionally replicated to N articles with distinct slugs and
text), then times real `feedindex build` processes and reads their peak memory:

- full build (`--full`, from an empty output folder), wall time and peak RSS;
- no-op rebuild (nothing changed), median of `--runs`;
- rebuild after 10 articles were edited, median of `--runs` (different articles each run);

and prints each figure with the ratios no-op/full and 10-changed/full.

    python bench/regen.py /tmp/corpus/real-zh-5k                       # the 5k corpus as it is
    python bench/regen.py /tmp/corpus/real-zh-5k --replicate 50000     # a 50k replica
    python bench/regen.py /tmp/corpus/real-zh-5k --work W --reuse --full-seconds 480   # W built before

The replica copies each article into `r<k>/` with `-r<k>` appended to its file name (so slugs stay
unique) and varies its title and text, so that no two articles are the same.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONFIG = """[site]
title = "regeneration benchmark"
base_url = "https://example.org/"
[paths]
content = "{content}"
out = "{out}"
"""
VARIATIONS = ["副本", "修訂版", "第二版", "補充", "重點整理", "延伸閱讀", "讀者來信", "備忘"]


def progress(message: str) -> None:
    """A progress line on stderr."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def replicate(corpus: Path, content: Path, total: int) -> int:
    """Copy `corpus` into `content`, as often as needed to reach `total` articles (0: once)."""
    sources = sorted(corpus.rglob("*.md"))
    if not total:
        for source in sources:
            target = content / source.relative_to(corpus)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        return len(sources)
    rng = random.Random(7)
    written = 0
    copy = 0
    while written < total:
        folder = content / f"r{copy}"
        folder.mkdir(parents=True, exist_ok=True)
        for source in sources:
            if written >= total:
                break
            text = source.read_text(encoding="utf-8")
            if copy:
                word = VARIATIONS[copy % len(VARIATIONS)]
                text = re.sub(r'^title: "(.*)"$', rf'title: "\1（{word} {copy}）"', text, count=1, flags=re.M)
                lines = text.split("\n")
                lines.append(f"\n{word} {copy}：{rng.choice(lines[-40:]) if len(lines) > 40 else word}\n")
                text = "\n".join(lines)
            (folder / f"{source.stem}-r{copy}.md").write_text(text, encoding="utf-8")
            written += 1
        copy += 1
    return written


def timed_build(config: Path, *extra: str) -> tuple[float, int]:
    """Run one `feedindex build` process; (wall seconds, peak RSS in MB)."""
    wrapper = (
        "import resource, subprocess, sys, time\n"
        "started = time.perf_counter()\n"
        "done = subprocess.run(sys.argv[1:])\n"
        "print(time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "sys.exit(done.returncode if done.returncode not in (0, 1) else 0)\n"
    )
    command = [sys.executable, "-m", "feedindex", "build", "--config", str(config), "--quiet", *extra]
    done = subprocess.run([sys.executable, "-c", wrapper, *command], capture_output=True, text=True, check=True)
    seconds, peak_kb = done.stdout.split()
    return float(seconds), int(peak_kb) // 1024


def spread(runs: list[float]) -> str:
    """Every run's time, for the variance a median hides (an index merge in one of them)."""
    return "runs: " + " ".join(f"{seconds:.2f}" for seconds in runs)


def edit(content: Path, count: int, rng: random.Random) -> None:
    """Append a sentence to `count` random articles."""
    files = sorted(content.rglob("*.md"))
    for path in rng.sample(files, count):
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"\n\n編輯於基準測試 {rng.randrange(10**9)}。\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("corpus", type=Path, help="a folder of Markdown articles (e.g. /tmp/corpus/real-zh-5k)")
    parser.add_argument("--replicate", type=int, default=0, help="build a replica of this many articles")
    parser.add_argument("--runs", type=int, default=3, help="runs of the no-op and 10-changed builds (median)")
    parser.add_argument("--work", type=Path, help="work folder (default: a temporary folder)")
    parser.add_argument(
        "--reuse", action="store_true", help="with --work: keep its content and built site; skip the full build"
    )
    parser.add_argument(
        "--full-seconds",
        type=float,
        help="with --reuse: the full build's wall time measured elsewhere (e.g. by peers.py), for the ratios",
    )
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"no corpus folder at {args.corpus}", file=sys.stderr)
        return 2
    work = args.work or Path(tempfile.mkdtemp(prefix="feedindex-regen-"))
    content, out, config = work / "content", work / "out", work / "feedindex.toml"
    reuse = args.reuse and args.work and (out / "index" / "CURRENT").exists()
    if reuse:
        articles = sum(1 for _ in content.rglob("*.md"))
        progress(f"reusing {articles:,} articles and their site in {work}")
        timed_build(config)  # bring it up to date first (not measured)
        full, peak = args.full_seconds or float("nan"), 0
    else:
        shutil.rmtree(work, ignore_errors=True)
        content.mkdir(parents=True)
        articles = replicate(args.corpus, content, args.replicate)
        config.write_text(CONFIG.format(content=content, out=out), encoding="utf-8")
        progress(f"{articles:,} articles in {content}")
        progress("full build")
        full, peak = timed_build(config, "--full")
        progress(f"full build: {full:.1f} s, peak {peak} MB")
    no_ops = [timed_build(config)[0] for _ in range(args.runs)]
    rng = random.Random(11)
    changed = []
    for _ in range(args.runs):
        edit(content, 10, rng)
        changed.append(timed_build(config)[0])
    no_op, ten = statistics.median(no_ops), statistics.median(changed)

    print(f"Regeneration benchmark: {articles:,} articles from {args.corpus}, {args.runs} runs (median)")
    measured = f"peak memory {peak} MB" if peak else "(not measured here: --reuse)"
    print(f"{'full build':28} {full:9.2f} s   {measured}")
    print(f"{'no-op rebuild':28} {no_op:9.2f} s   ratio to full {no_op / full:.3f}   {spread(no_ops)}")
    print(f"{'rebuild after 10 edits':28} {ten:9.2f} s   ratio to full {ten / full:.3f}   {spread(changed)}")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""feedindex next to its peers: Hugo's RSS build and Pagefind's index, on the same articles, in one run.

On one folder of Markdown articles (searched recursively for `*.md`), times three real processes, each
`--runs` times (median; the tools take turns, one run of each per round), and prints wall time and peak
memory of each plus the ratios feedindex/tool:

1. `feedindex build --full --json` with a minimal feedindex.toml (`[site]` title and base_url,
   `[paths] content` = the corpus folder itself, `out` = WORK/out-feedindex, `[build] workers` =
   `--workers`). The output folder is deleted before each run. It writes RSS, Atom and JSON feeds
   (site, per tag, per category; 20 entries each with full HTML content, feedindex's defaults) and
   the Whoosh search index of every article. Its report gives the phase table printed below the
   peers' (median wall time of each phase, its workers, and the serial part). With
   `--base-url-change`, each run is followed by one more build after `[site] base_url` changed (a
   full build the configuration forces, with the render cache of the run before); with
   `--baseline-src DIR`, feedindex from that source folder (on PYTHONPATH) takes turns with the
   installed one (its own output folder and rows): before and after in the same run.
2. `hugo --quiet --destination WORK/hugo/public` on a Hugo site (WORK/hugo) whose content/posts/ holds
   the same Markdown files (hard links, else copies) and whose hugo.toml has no theme: outputs RSS only
   for home, section, taxonomy and term pages (Hugo's built-in RSS template; without a theme there is no
   HTML template anyway), taxonomies `tags` and `category` (the front matter's keys, so Hugo writes a
   feed per tag and per category, like feedindex), `hasCJKLanguage = true` (a Chinese site's setting:
   summaries and word counts by character), sitemap, robots.txt and 404 disabled (feedindex writes none
   of them), and `[services.rss] limit` = `--hugo-rss-limit` (default 20, the items per feed of
   feedindex; -1 is Hugo's own default: every page in every feed). The destination is deleted before
   each run; the run must produce index.xml.
3. `pagefind --site WORK/site` with standard settings on one HTML page per article,
   WORK/site/posts/<slug>/index.html (`<main data-pagefind-body>` holding the title as `<h1>` and the
   body rendered by python-markdown with the `tables` and `fenced_code` extensions). The pages are
   rendered once, before the runs; that time is printed apart and is not part of Pagefind's figure.
   `<html lang>` is `--lang`: `auto` (default) gives each page zh-TW or zh-CN by counting its
   Traditional-only and Simplified-only characters (OpenCC; zh-TW for all without it), a code gives
   every page that code. Pagefind builds one index per language.
   WORK/site/pagefind is deleted before each run; the run must produce pagefind/pagefind-entry.json.

Wall time: `time.perf_counter()` around the process. Memory: each command runs under a small Python
wrapper process that starts it with `subprocess` and, once it has exited, reads
`resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`: the peak RSS of the largest single process of the
tree ("peak MB"; not a sum over processes). The wrapper also samples the sum of PSS (proportional set
size, so shared pages count once) over the whole process tree every 0.1 s ("tree MB"; may miss a peak
shorter than that, and it is the figure that matters when a tool runs several processes at once).

Peers, when absent, are skipped with a message:

    apt-get install hugo            # Debian/Ubuntu package `hugo`; or any Hugo release binary on PATH
    pip install 'pagefind[bin]'       # Pagefind: `pagefind` on PATH, pagefind_bin's binary or `python -m pagefind`
    pip install 'pagefind[extended]'  # Pagefind Extended, which segments Chinese words; used when present

The standard Pagefind binary does not segment Chinese (it indexes runs of text between spaces and
punctuation as words) and says so on stderr; Pagefind Extended does, at a cost in time and memory. The
table names the one used ("pagefind" or "pagefind-ext"); `--pagefind BINARY` picks one.

Run:

    python bench/peers.py /tmp/corpus/real-zh-5k --runs 3
    python bench/peers.py /tmp/corpus/real-zh-5k --runs 1 --skip feedindex      # the peers only
    python bench/peers.py /tmp/r50k/content --runs 1 --work /tmp/peers-50k      # a 50k replica, see below

A 50k replica: `python bench/regen.py /tmp/corpus/real-zh-5k --replicate 50000 --work /tmp/r50k` writes
/tmp/r50k/content first (then runs its own builds), or, without the builds:

    python -c "import sys; sys.path.insert(0, 'bench'); from pathlib import Path; from regen import replicate; \
        replicate(Path('/tmp/corpus/real-zh-5k'), Path('/tmp/r50k/content'), 50000)"
"""

from __future__ import annotations

import argparse
import html
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

TOOLS = ("feedindex", "hugo", "pagefind")
FIGURES = ("wall", "peak_mb", "tree_mb")  # attributes of Run, in the order of the table's columns

FEEDINDEX_CONFIG = """[site]
title = "peers benchmark"
base_url = {base_url}
[paths]
content = {content}
out = {out}
[build]
workers = {workers}
"""
BASE_URLS = ("https://example.org/", "https://example.org/blog/")  # the cold build's; the changed one

HUGO_CONFIG = """baseURL = "https://example.org/"
title = "peers benchmark"
languageCode = "zh-tw"
hasCJKLanguage = true
disableKinds = ["sitemap", "robotsTXT", "404"]

[taxonomies]
tag = "tags"
category = "category"

[outputs]
home = ["RSS"]
section = ["RSS"]
taxonomy = ["RSS"]
term = ["RSS"]
page = []

[services.rss]
limit = {limit}
"""

PAGE = """<!doctype html>
<html lang="{lang}">
<head><meta charset="utf-8"><title>{title}</title></head>
<body><main data-pagefind-body><h1>{title}</h1>
{body}
</main></body>
</html>
"""

# Runs one command (argv[3:]) with stdout and stderr to the files argv[1] and argv[2]; prints one JSON line.
WRAPPER = r"""
import json, os, resource, subprocess, sys, threading, time


def tree(root):
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as handle:
                    stat = handle.read()
                children.setdefault(int(stat[stat.rindex(b")") + 2 :].split()[1]), []).append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, ()))
    return found


def memory_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except (OSError, ValueError, IndexError):
        return 0


stdout_path, stderr_path, *command = sys.argv[1:]
peak = [0]
stop = threading.Event()


def sample(pid):
    while not stop.wait(0.1):
        peak[0] = max(peak[0], sum(memory_kb(member) for member in tree(pid)))


with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
    started = time.perf_counter()
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
    sampler = threading.Thread(target=sample, args=(child.pid,), daemon=True)
    sampler.start()
    code = child.wait()
    wall = time.perf_counter() - started
stop.set()
sampler.join()
maxrss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"wall": wall, "maxrss_kb": maxrss, "tree_kb": peak[0], "code": code}))
"""


@dataclass
class Run:
    """One timed run of one tool."""

    wall: float
    peak_mb: float
    tree_mb: float
    report: dict[str, Any] | None = None  # feedindex's `build --json` report


@dataclass
class Tool:
    """One timed command, how to clean up before it and how to check what it wrote."""

    key: str
    label: str
    command: list[str]
    cwd: Path
    clean: Callable[[], None]
    check: Callable[[], str]
    ok_codes: tuple[int, ...] = (0,)
    env: dict[str, str] | None = None  # the environment of the command (None: this one's)
    runs: list[Run] = field(default_factory=list)
    output: str = ""
    error: str = ""
    stderr_tail: list[str] = field(default_factory=list)

    def median(self, attribute: str) -> float:
        return float(statistics.median(getattr(run, attribute) for run in self.runs))


def progress(message: str) -> None:
    """A progress line on stderr."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def toml_string(value: str) -> str:
    """A TOML basic string (JSON's escapes are valid TOML)."""
    return json.dumps(value, ensure_ascii=False)


def folder_stats(folder: Path) -> tuple[int, int]:
    """(files, bytes) under `folder`."""
    files = size = 0
    for path in folder.rglob("*"):
        if path.is_file():
            files += 1
            size += path.stat().st_size
    return files, size


def first_line(command: list[str]) -> str:
    """The first output line of a version command, or why there is none."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"unknown ({error})"
    text = (done.stdout or done.stderr).strip()
    return text.splitlines()[0] if text else f"unknown (exit {done.returncode})"


def find_pagefind(explicit: str | None) -> list[str] | None:
    """The command that runs Pagefind: --pagefind, `pagefind` on PATH, pagefind_bin's binary, `python -m pagefind`."""
    if explicit:
        return [explicit]
    for name in ("pagefind_extended", "pagefind"):
        on_path = shutil.which(name)
        if on_path:
            return [on_path]
    for module in ("pagefind_bin_extended", "pagefind_bin"):
        try:
            package = __import__(module)
            return [str(package.get_executable())]
        except (ImportError, AttributeError, FileNotFoundError):
            continue
    probe = [sys.executable, "-m", "pagefind"]
    if subprocess.run([*probe, "--version"], capture_output=True, check=False).returncode == 0:
        return probe
    return None


def slugs_for(sources: list[Path], corpus: Path) -> list[str]:
    """One unique slug per article: the file name without .md (a bundle's index.md: its folder's name)."""
    seen: Counter[str] = Counter()
    slugs = []
    for source in sources:
        base = source.parent.name if source.stem in ("index", "_index") and source.parent != corpus else source.stem
        seen[base] += 1
        slugs.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return slugs


class ScriptGuess:
    """zh-TW or zh-CN for a text, from its Traditional-only and Simplified-only characters (OpenCC)."""

    def __init__(self) -> None:
        import opencc

        self.t2s = opencc.OpenCC("t2s")
        self.s2t = opencc.OpenCC("s2t")

    def __call__(self, text: str) -> str:
        sample = text[:3000]
        traditional = sum(a != b for a, b in zip(sample, self.t2s.convert(sample), strict=False))
        simplified = sum(a != b for a, b in zip(sample, self.s2t.convert(sample), strict=False))
        return "zh-CN" if simplified > traditional else "zh-TW"


def render_site(sources: list[Path], slugs: list[str], site: Path, lang: str) -> tuple[Counter[str], list[str]]:
    """Write one HTML page per article for Pagefind: (pages per `lang` attribute, articles left out and why)."""
    import frontmatter
    import markdown

    guess = None
    if lang == "auto":
        try:
            guess = ScriptGuess()
        except ImportError:  # no OpenCC: the language of the Hugo site
            lang = "zh-TW"
    renderer = markdown.Markdown(extensions=["tables", "fenced_code"])
    languages: Counter[str] = Counter()
    left_out: list[str] = []
    for source, slug in zip(sources, slugs, strict=True):
        try:
            post = frontmatter.loads(source.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, ValueError, yaml.YAMLError) as error:
            left_out.append(f"{source}: {type(error).__name__}: {str(error).splitlines()[0]}")
            continue
        title = str(post.metadata.get("title") or slug)
        body = renderer.reset().convert(post.content)
        page_lang = guess(f"{title}\n{post.content}") if guess else lang
        languages[page_lang] += 1
        target = site / "posts" / slug / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(PAGE.format(lang=page_lang, title=html.escape(title), body=body), encoding="utf-8")
    return languages, left_out


def place(sources: list[Path], corpus: Path, folder: Path) -> None:
    """Hard-link (else copy) every article into `folder`, keeping its path below the corpus."""
    linked = True
    for source in sources:
        target = folder / source.relative_to(corpus)
        target.parent.mkdir(parents=True, exist_ok=True)
        if linked:
            try:
                os.link(source, target)
                continue
            except OSError:
                linked = False
        shutil.copy2(source, target)


def measure(tool: Tool, logs: Path, number: int) -> Run:
    """Clean up, run the tool once under the wrapper, check its output."""
    tool.clean()
    out, err = logs / f"{tool.key}-{number}.out", logs / f"{tool.key}-{number}.err"
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, str(out), str(err), *tool.command],
        cwd=tool.cwd,
        capture_output=True,
        text=True,
        check=False,
        env=tool.env,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the measuring wrapper failed: {done.stderr.strip()[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    lines = [line.rstrip() for line in err.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    tool.stderr_tail = list(dict.fromkeys(lines))[-8:]  # distinct lines, the last 8
    if result["code"] not in tool.ok_codes:
        raise RuntimeError(f"exit code {result['code']}; see {err}")
    tool.output = tool.check()
    report = None
    if tool.key.startswith("feedindex"):
        report = json.loads(out.read_text(encoding="utf-8").strip().splitlines()[-1])
    return Run(result["wall"], result["maxrss_kb"] / 1024, result["tree_kb"] / 1024, report)


def feedindex_tools(corpus: Path, work: Path, workers: int, source: Path | None, base_url_change: bool) -> list[Tool]:
    """`feedindex build --full` from an empty output folder; with `base_url_change`, then a build of the
    same output after `[site] base_url` changed (a full build forced by the configuration). `source`: run
    feedindex from that source tree (PYTHONPATH) instead of the installed one (a baseline)."""
    name = "feedindex" if source is None else "feedindex-baseline"
    out, config = work / f"out-{name}", work / f"{name}.toml"

    def configure(base_url: str) -> None:
        config.write_text(
            FEEDINDEX_CONFIG.format(
                content=toml_string(str(corpus)),
                out=toml_string(str(out)),
                base_url=toml_string(base_url),
                workers=workers,
            ),
            encoding="utf-8",
        )

    def cold() -> None:
        shutil.rmtree(out, ignore_errors=True)
        configure(BASE_URLS[0])

    def check() -> str:
        feeds = list(out.rglob("rss.xml"))
        if not (out / "rss.xml").is_file() or not (out / "index").is_dir():
            raise RuntimeError(f"no rss.xml or no index/ in {out}")
        files, size = folder_stats(out)
        index_files, index_size = folder_stats(out / "index")
        return (
            f"{files:,} files, {size / 1e6:.1f} MB in {out} ({len(feeds):,} RSS feeds, each with Atom and JSON;"
            f" search index {index_size / 1e6:.1f} MB in {index_files:,} files)"
        )

    env = None if source is None else {**os.environ, "PYTHONPATH": str(source)}
    command = [sys.executable, "-m", "feedindex", "build", "--json", "--config", str(config)]
    label = "feedindex build --full" if source is None else "baseline build --full"
    # 1: some articles were rejected, the rest were published
    tools = [Tool(name, label, [*command, "--full"], work, cold, check, ok_codes=(0, 1), env=env)]
    if base_url_change:
        changed = "feedindex new base_url" if source is None else "baseline new base_url"
        tools.append(
            Tool(f"{name}-base-url", changed, command, work, lambda: configure(BASE_URLS[1]), check, (0, 1), env)
        )
    return tools


def hugo_tool(hugo: str, sources: list[Path], corpus: Path, work: Path, limit: int) -> Tool:
    site, public = work / "hugo", work / "hugo" / "public"
    shutil.rmtree(site, ignore_errors=True)
    place(sources, corpus, site / "content" / "posts")
    (site / "hugo.toml").write_text(HUGO_CONFIG.format(limit=limit), encoding="utf-8")

    def clean() -> None:
        shutil.rmtree(public, ignore_errors=True)
        shutil.rmtree(site / "resources", ignore_errors=True)

    def check() -> str:
        home = public / "index.xml"
        if not home.is_file():
            raise RuntimeError(f"no {home}")
        feeds = list(public.rglob("index.xml"))
        items = home.read_text(encoding="utf-8").count("<item>")
        files, size = folder_stats(public)
        return f"{files:,} files, {size / 1e6:.1f} MB in {public} ({len(feeds):,} RSS feeds; index.xml: {items} items)"

    return Tool("hugo", "hugo (RSS)", [hugo, "--quiet", "--destination", str(public)], site, clean, check)


def pagefind_tool(pagefind: list[str], site: Path) -> Tool:
    bundle = site / "pagefind"

    def check() -> str:
        entry = bundle / "pagefind-entry.json"
        if not entry.is_file():
            raise RuntimeError(f"no {entry}")
        languages = json.loads(entry.read_text(encoding="utf-8")).get("languages", {})
        per_language = ", ".join(f"{code}: {info.get('page_count', '?'):,} pages" for code, info in languages.items())
        files, size = folder_stats(bundle)
        return f"{files:,} files, {size / 1e6:.1f} MB in {bundle} (indexes {per_language})"

    return Tool(
        "pagefind",
        "pagefind-ext (index)" if "extended" in " ".join(pagefind) else "pagefind (index)",
        [*pagefind, "--site", str(site)],
        site,
        lambda: shutil.rmtree(bundle, ignore_errors=True),
        check,
    )


def print_phases(tool: Tool) -> None:
    """feedindex's phases (from its `build --json` report): median wall time of each, its workers,
    and how much of the build ran in one process."""
    reports = [run.report for run in tool.runs if run.report]
    if not reports:
        return
    names = list(dict.fromkeys(phase["name"] for report in reports for phase in report["phases"]))
    print(f"{tool.label}: phases, median of {len(reports)} run{'s' * (len(reports) > 1)} (--json)")
    print(f"    {'phase':14}{'seconds':>10}{'workers':>9}{'share':>8}")
    whole = statistics.median(report["seconds"] for report in reports)
    for name in names:
        found = [phase for report in reports for phase in report["phases"] if phase["name"] == name]
        seconds = statistics.median(phase["seconds"] for phase in found)
        workers = max(phase["workers"] for phase in found)
        print(f"    {name:14}{seconds:10.2f}{workers:9d}{seconds / whole:8.1%}")
    # From the phases, so that a baseline whose report has no `serial_seconds` is counted the same way.
    serial = statistics.median(
        report["seconds"] - sum(phase["seconds"] for phase in report["phases"] if phase["workers"] > 1)
        for report in reports
    )
    print(f"    {'whole build':14}{whole:10.2f}{'':9}{1:8.0%}")
    print(f"    {'serial':14}{serial:10.2f}{'':9}{serial / whole:8.1%}   (phases run by one process; median)")


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.2f}" if numerator > 0 and denominator > 0 else "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("corpus", type=Path, help="a folder of Markdown articles (searched recursively for *.md)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each tool (median; default 3)")
    parser.add_argument("--work", type=Path, help="work folder, kept afterwards (default: a temporary folder)")
    parser.add_argument("--skip", default="", help="comma-separated tools not to run: feedindex,hugo,pagefind")
    parser.add_argument(
        "--hugo-rss-limit", type=int, default=20, help="items per Hugo feed (default 20 as feedindex; -1: all)"
    )
    parser.add_argument(
        "--lang", default="auto", help="<html lang> of the Pagefind pages: auto (zh-TW/zh-CN) or a code"
    )
    parser.add_argument(
        "--pagefind",
        help="the Pagefind binary (default: pagefind_extended or pagefind on PATH, else pip's pagefind_bin)",
    )
    parser.add_argument("--workers", type=int, default=0, help="feedindex's [build] workers (default 0: one per core)")
    parser.add_argument(
        "--base-url-change",
        action="store_true",
        help="after each feedindex build, time another after a change of [site] base_url (a forced full build)",
    )
    parser.add_argument(
        "--baseline-src",
        type=Path,
        help="also run feedindex from this source folder (its src/, on PYTHONPATH), taking turns: before/after",
    )
    args = parser.parse_args()
    skip = {name.strip() for name in args.skip.split(",") if name.strip()}
    if skip - set(TOOLS):
        parser.error(f"--skip takes {','.join(TOOLS)}, not {','.join(sorted(skip - set(TOOLS)))}")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    corpus = args.corpus.resolve()
    if not corpus.is_dir():
        print(f"no corpus folder at {corpus}", file=sys.stderr)
        return 2
    work = (args.work or Path(tempfile.mkdtemp(prefix="feedindex-peers-"))).resolve()
    marker = work / ".feedindex-peers"
    if args.work and work.is_dir() and any(work.iterdir()) and not marker.exists():
        print(f"{work} is not empty and was not made by this script: give a new or empty --work", file=sys.stderr)
        return 2
    if work == corpus or work.is_relative_to(corpus):
        print(f"the work folder {work} must not be inside the corpus {corpus}", file=sys.stderr)
        return 2
    owned = [work / name for name in ("out-feedindex", "out-feedindex-baseline", "hugo", "site", "logs")]
    if any(corpus.is_relative_to(folder) for folder in owned):
        print(
            f"the corpus {corpus} is inside a folder this script replaces ({work}/out-*|hugo|site|logs)",
            file=sys.stderr,
        )
        return 2
    sources = sorted(corpus.rglob("*.md"))
    if not sources:
        print(f"no *.md files in {corpus}", file=sys.stderr)
        return 2
    work.mkdir(parents=True, exist_ok=True)
    marker.write_text("work folder of bench/peers.py: out/, hugo/, site/ and logs/ are replaced on each run\n")
    logs = work / "logs"
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir()
    progress(f"{len(sources):,} articles in {corpus}; work folder {work}")

    versions = {
        "python": f"{platform.python_version()} ({sys.executable})",
        "python-markdown": first_line([sys.executable, "-c", "import markdown; print(markdown.__version__)"]),
    }
    notes: list[str] = []
    tools: list[Tool] = []
    if "feedindex" in skip:
        notes.append("feedindex: skipped (--skip)")
    else:
        versions["feedindex"] = first_line([sys.executable, "-m", "feedindex", "--version"])
        tools += feedindex_tools(corpus, work, args.workers, None, args.base_url_change)
        if args.baseline_src:
            source = args.baseline_src.resolve()
            versions["baseline"] = f"feedindex from {source}"
            tools += feedindex_tools(corpus, work, args.workers, source, args.base_url_change)

    hugo = shutil.which("hugo")
    if "hugo" in skip:
        notes.append("hugo: skipped (--skip)")
    elif not hugo:
        notes.append("hugo: skipped, not installed (apt-get install hugo)")
    else:
        versions["hugo"] = first_line([hugo, "version"])
        progress("Hugo site: linking the articles into content/posts/")
        tools.append(hugo_tool(hugo, sources, corpus, work, args.hugo_rss_limit))

    pagefind = None if "pagefind" in skip else find_pagefind(args.pagefind)
    if "pagefind" in skip:
        notes.append("pagefind: skipped (--skip)")
    elif not pagefind:
        notes.append("pagefind: skipped, not found (pip install 'pagefind[bin]', or --pagefind BINARY)")
    else:
        kind = "extended" if "extended" in " ".join(pagefind) else "standard: no Chinese word segmentation"
        versions["pagefind"] = f"{first_line([*pagefind, '--version'])} ({kind}; {' '.join(pagefind)})"
        site = work / "site"
        shutil.rmtree(site, ignore_errors=True)
        progress(f"rendering {len(sources):,} HTML pages for Pagefind (not timed as Pagefind's)")
        started = time.perf_counter()
        languages, left_out = render_site(sources, slugs_for(sources, corpus), site, args.lang)
        rendering = time.perf_counter() - started
        spread = ", ".join(f"{code} {count:,}" for code, count in languages.most_common())
        pages = sum(languages.values())
        notes.append(
            f"not in Pagefind's figure: rendering {pages:,} HTML pages in Python took {rendering:.1f} s"
            f" (python-markdown; <html lang>: {spread})"
        )
        if left_out:
            notes.append(f"pagefind: {len(left_out):,} article(s) left out, unreadable front matter: {left_out[0]}")
        tools.append(pagefind_tool(pagefind, site))

    for number in range(1, args.runs + 1):
        for tool in tools:
            if tool.error:
                continue
            progress(f"run {number}/{args.runs}: {tool.label}")
            try:
                run = measure(tool, logs, number)
            except RuntimeError as error:
                tool.error = str(error)
                progress(f"{tool.label} failed: {error}")
                continue
            tool.runs.append(run)
            progress(f"{tool.label}: {run.wall:.2f} s, peak {run.peak_mb:.0f} MB, tree {run.tree_mb:.0f} MB")

    base = next((tool for tool in tools if tool.key == "feedindex" and tool.runs), None)
    print(
        f"Peers on {args.corpus} ({len(sources):,} articles), median of {args.runs} run{'s' * (args.runs > 1)},"
        f" {cores()} cores"
    )
    print(f"{'':58}{'feedindex/tool':-^24}")
    print(f"{'tool':26}{'wall s':>10}{'peak MB':>10}{'tree MB':>10}{'wall':>8}{'peak':>8}{'tree':>8}")
    for tool in tools:
        if not tool.runs:
            print(f"{tool.label:26}  failed: {tool.error}")
            continue
        wall, peak, tree = (tool.median(name) for name in FIGURES)
        ratios = [ratio(base.median(name), tool.median(name)) if base else "-" for name in FIGURES]
        tree_text = f"{tree:.0f}" if tree > 0 else "-"  # "-": the run ended before the first sample
        print(f"{tool.label:26}{wall:10.2f}{peak:10.0f}{tree_text:>10}" + "".join(f"{text:>8}" for text in ratios))
    print()
    print("peak MB: largest single process of the tree (ru_maxrss of the wrapper's children), not a sum;")
    print("tree MB: sum of PSS over the whole process tree, sampled every 0.1 s. Wall: perf_counter around it.")
    if args.runs > 1:
        for tool in tools:
            if tool.runs:
                print(f"{tool.label} runs: " + ", ".join(f"{run.wall:.2f} s" for run in tool.runs))
    for tool in tools:
        if tool.error and tool.runs:
            print(f"{tool.label}: a later run failed: {tool.error}")
        if tool.output:
            print(f"{tool.key} output: {tool.output}")
        if tool.stderr_tail:
            print(f"{tool.key} stderr (distinct lines, last run):")
            for line in tool.stderr_tail:
                print(f"    {line}")
    for tool in tools:
        print_phases(tool)
    for note in notes:
        print(note)
    if any(tool.key == "hugo" for tool in tools):
        limit = "all items" if args.hugo_rss_limit < 0 else f"{args.hugo_rss_limit} items"
        print(f"hugo: RSS only (home, section, tags, category), {limit} per feed, built-in RSS template (summaries)")
    print()
    print("Versions:")
    for name, version in versions.items():
        print(f"  {name:16} {version}")
    print(f"  {'machine':16} {platform.platform()}, {cores()} cores")
    failed = any(tool.error for tool in tools)
    if args.work or failed:
        print(f"Logs of every run: {logs}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

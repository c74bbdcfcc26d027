"""feedindex beside a real Hugo, Jekyll or Hexo blog: are its feed links the generator's URLs, and is
its published set the generator's?

Given a checkout of a public blog (a folder, or a git directory such as `fetch` leaves: the tree
is exported from `--ref`), the script

1. runs `feedindex init --from` on it (into a temporary folder) and reads every article;
2. takes the generator's published output the repository holds: `--published-ref` (a branch
   such as gh-pages, exported from the same git directory), `--published DIR`, or the first of
   `public/`, `_site/`, `docs/` in the checkout; from it, every page's URL path (each `index.html`
   is its folder's URL, any other `.html` file its own), and the generator's own feed
   (atom.xml, feed.xml, index.xml, rss.xml) and sitemap.xml;
3. compares, as decoded URL paths under the site's base path:
   - **links right**: feedindex's published article URLs that are pages of the output;
   - **feed**: the generator's feed entries against feedindex's newest articles (the same
     number): equal sets mean the newest posts are the same; when the feed holds fewer entries
     than its limit could (every post), this is the whole published set;
   - **output pages not linked**: output post pages feedindex has no article for, where the
     output's post pages can be told apart (`--post-pattern REGEX` on the URL path).
4. with `--before-src DIR` (the `src` folder of an older feedindex, e.g. from `git archive`), runs
   the same comparison with that version, configured as its README told an operator: `[paths]
   content` the posts folder, `article_url` the generator's pattern with the placeholders it had
   ({slug} {year} {month} {day} {category}).

"Now", for scheduled posts, is the output's commit date (`--published-ref`) or `--now`.
Nothing is written into the checkout. Prints a table; `--json FILE` writes the details.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from lxml import etree

FEEDS = ("atom.xml", "feed.xml", "index.xml", "rss.xml", "feed/index.xml")
OLD_FIELDS = {"slug", "year", "month", "day", "category"}


def export(git_dir: Path, ref: str, target: Path) -> Path:
    """The tree of `ref` in a git directory, written into `target` (no work tree needed). Blobs
    the snapshot lacks (its largest files) are skipped; files get the commit's time, as `git
    archive` gives them."""
    git = ["git", "--git-dir", str(git_dir)]
    listing = subprocess.run([*git, "ls-tree", "-r", "-z", ref], check=True, capture_output=True).stdout
    entries = []
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, _, name = record.partition(b"\t")
        mode, kind, sha = meta.split()
        if kind == b"blob" and mode != b"120000":
            entries.append((sha.decode(), name.decode("utf-8", "surrogateescape")))
    stamp = commit_date(git_dir, ref).timestamp()
    request = "".join(f"{sha}\n" for sha, _ in entries).encode()
    out = subprocess.run([*git, "cat-file", "--batch"], input=request, check=True, capture_output=True).stdout
    position = 0
    for _, name in entries:
        end = out.index(b"\n", position)
        header = out[position:end].split()
        position = end + 1
        if header[-1] == b"missing":
            continue
        size = int(header[2])
        data = out[position : position + size]
        position += size + 1
        path = target / name
        if not path.resolve().is_relative_to(target.resolve()):
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.utime(path, (stamp, stamp))
    return target


def commit_date(git_dir: Path, ref: str) -> datetime:
    """The committer date of `ref`."""
    out = subprocess.run(
        ["git", "--git-dir", str(git_dir), "log", "-1", "--format=%cI", ref], check=True, capture_output=True, text=True
    ).stdout.strip()
    return datetime.fromisoformat(out)


def _path(url: str, base_path: str) -> str:
    """A URL as its decoded path under the site's base path ("/2024/01/post/")."""
    path = unquote(urlsplit(url).path)
    if base_path != "/" and path.startswith(base_path):
        path = "/" + path[len(base_path) :]
    return path


def output_pages(published: Path) -> set[str]:
    """Every HTML page of the output as its URL path."""
    pages = set()
    for folder, folders, files in os.walk(published):
        folders[:] = [name for name in folders if not name.startswith(".")]
        rel = Path(folder).relative_to(published).as_posix()
        prefix = "/" if rel == "." else f"/{rel}/"
        for name in files:
            if name == "index.html":
                pages.add(prefix)
            elif name.endswith(".html"):
                pages.add(prefix + name)
    return pages


def _links(path: Path, base_path: str) -> list[str]:
    try:
        root = etree.parse(str(path), etree.XMLParser(recover=True, huge_tree=False)).getroot()
    except (OSError, etree.XMLSyntaxError):
        return []
    if root is None:
        return []
    found = []
    for element in root.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        local = tag.rsplit("}", 1)[-1]
        if local == "entry":  # Atom
            link = next(
                (c.get("href") for c in element if str(c.tag).endswith("link") and c.get("rel") in (None, "alternate")),
                None,
            )
            if link:
                found.append(_path(link, base_path))
        elif local == "item":  # RSS
            link = next((c.text for c in element if str(c.tag) == "link" and c.text), None)
            if link:
                found.append(_path(link.strip(), base_path))
    return found


def generator_feed(published: Path, base_path: str) -> tuple[str | None, list[str]]:
    """The generator's own feed: its file name and its entries' URL paths (newest first, as written)."""
    for name in FEEDS:
        path = published / name
        if path.is_file():
            return name, _links(path, base_path)
    return None, []


def sitemap(published: Path, base_path: str) -> set[str]:
    """The URL paths listed in sitemap.xml."""
    path = published / "sitemap.xml"
    if not path.is_file():
        return set()
    text = path.read_text(encoding="utf-8", errors="replace")
    return {_path(loc.strip(), base_path) for loc in re.findall(r"<loc>(.*?)</loc>", text, re.S)}


# --- the two sides -------------------------------------------------------------------------------


def feedindex_side(config_path: Path, now: datetime, src: Path | None) -> dict[str, Any]:
    """Run feedindex (this one, or the one in `src`) on the config: every article as JSON."""
    script = (
        "import json, re, sys\n"
        "MARKUP = r'\\{\\{[<%]\\s*/?\\s*[\\w./-]+|\\{%-?\\s*\\w+'\n"
        "from datetime import datetime\n"
        "from feedindex.config import load_config\n"
        "from feedindex.content.reading import read_articles\n"
        "config = load_config(sys.argv[1]); now = datetime.fromisoformat(sys.argv[2])\n"
        "result = read_articles(config)\n"
        "print(json.dumps({'base_url': config.site.base_url,"
        " 'articles': [{'source': a.source, 'url': a.url, 'published': a.published.isoformat(),"
        " 'listed': a.is_published(now), 'title': a.title,"
        " 'markup': sorted(set(re.findall(MARKUP, a.body_text + a.summary)))[:5]}"
        " for a in result.articles],"
        " 'errors': [str(e) for e in result.errors], 'warnings': [str(w) for w in result.warnings],"
        " 'skipped': len(getattr(result, 'skipped', ()))}, ensure_ascii=False))\n"
    )
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    done = subprocess.run(
        [sys.executable, "-c", script, str(config_path), now.isoformat()],
        capture_output=True,
        text=True,
        env=env,
        timeout=1800,
    )
    if done.returncode != 0:
        raise SystemExit(f"feedindex failed on {config_path}:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


def before_config(config_path: Path, target: Path) -> Path:
    """The configuration an operator could write for the older feedindex: the posts folder as the
    content folder and the generator's pattern with only the placeholders it had."""
    config = tomllib.loads(config_path.read_text(encoding="utf-8"))
    site = {k: v for k, v in config["site"].items() if k not in ("lowercase_urls", "section_urls")}
    pattern = site.get("article_url", "/posts/{slug}/")
    sections = config.get("content", {}).get("sections") or []
    section = sections[0].split("/")[0] if sections and not sections[0].startswith("_") else ""
    old = {"i_month": "{month}", "i_day": "{day}", "categories": "{category}", "dir": section, "section": section}
    for name in re.findall(r"\{(\w+)\}", pattern):
        if name not in OLD_FIELDS:
            pattern = pattern.replace("{" + name + "}", old.get(name, "{slug}"), 1)
    site["article_url"] = pattern if "{slug}" in pattern else pattern.rstrip("/") + "/{slug}/"
    content = Path(config["paths"]["content"])
    if not content.is_absolute():
        content = (config_path.parent / content).resolve()
    paths = {
        "content": str(content / sections[0]) if sections else str(content),
        "out": str(target.parent / "out-before"),
    }
    lines = []
    for name, table in (("site", site), ("paths", paths)):
        lines.append(f"[{name}]")
        lines += [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in table.items()]
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def compare(side: dict[str, Any], pages: set[str], feed: list[str], posts: re.Pattern[str] | None) -> dict[str, Any]:
    """The figures for one feedindex side against the output."""
    base_path = urlsplit(side["base_url"]).path or "/"
    listed = sorted((a for a in side["articles"] if a["listed"]), key=lambda a: a["published"], reverse=True)
    ours = [_path(a["url"], base_path) for a in listed]
    wrong = [path for path in ours if path not in pages]
    newest = set(ours[: len(feed)])
    figures: dict[str, Any] = {
        "published": len(ours),
        "links_right": len(ours) - len(wrong),
        "wrong_links": wrong[:20],
        "feed_entries": len(feed),
        "feed_equal": set(feed) == newest if feed else None,
        "feed_only": sorted(set(feed) - newest)[:20],
        "ours_only_in_feed_window": sorted(newest - set(feed))[:20],
        "errors": len(side["errors"]),
        "error_samples": side["errors"][:10],
        "skipped": side.get("skipped", 0),
        "with_markup": sum(1 for a in listed if a["markup"]),
        "markup_samples": sorted({m for a in listed for m in a["markup"]})[:20],
    }
    if posts is not None:
        output_posts = {page for page in pages if posts.search(page)}
        figures["output_posts"] = len(output_posts)
        figures["output_posts_not_ours"] = sorted(output_posts - set(ours))[:20]
        figures["published_set_equal"] = output_posts == set(ours)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkout", type=Path, help="the blog: a folder, or a git directory")
    parser.add_argument("--ref", default="HEAD", help="with a git directory: the source's ref (default HEAD)")
    parser.add_argument("--published-ref", help="with a git directory: the ref holding the built site (gh-pages)")
    parser.add_argument("--published", type=Path, help="the built site's folder")
    parser.add_argument("--post-pattern", help="a regex telling the output's post pages by URL path")
    parser.add_argument("--now", help="ISO date for scheduled posts (default: the output's commit, else now)")
    parser.add_argument("--before-src", type=Path, help="an older feedindex's src folder, for the 'before' figures")
    parser.add_argument("--json", type=Path, help="write every figure and sample here")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="dropin-"))
    is_git = (args.checkout / "HEAD").is_file() and (args.checkout / "objects").is_dir()
    site = export(args.checkout, args.ref, work / "site") if is_git else args.checkout
    now = datetime.now(UTC)
    if args.published_ref and is_git:
        published = export(args.checkout, args.published_ref, work / "published")
        now = commit_date(args.checkout, args.published_ref)
    elif args.published:
        published = args.published
    else:
        published = next((site / name for name in ("public", "_site", "docs") if (site / name).is_dir()), None)
        if published is None:
            raise SystemExit("no published output: give --published-ref or --published")
        if is_git:
            now = commit_date(args.checkout, args.ref)
    if args.now:
        now = datetime.fromisoformat(args.now)

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from feedindex.content.generators.init import init_from_site

    init = init_from_site(site, work / "feedindex.toml")
    after = feedindex_side(init.config_path, now, None)
    base_path = urlsplit(after["base_url"]).path or "/"
    pages = output_pages(published) | sitemap(published, base_path)
    feed_name, feed = generator_feed(published, base_path)
    posts = re.compile(args.post_pattern) if args.post_pattern else None
    if posts is not None:  # a theme's feed may list pages (about, archives) too
        feed = [path for path in feed if posts.search(path)]
    report: dict[str, Any] = {
        "site": str(args.checkout),
        "generator": init.generator,
        "notes": list(init.notes),
        "now": now.isoformat(),
        "output_pages": len(pages),
        "feed": feed_name,
        "after": compare(after, pages, feed, posts),
    }
    if args.before_src:
        config = before_config(init.config_path, work / "before.toml")
        report["before"] = compare(feedindex_side(config, now, args.before_src), pages, feed, posts)
    print(
        f"{report['site']}  ({init.generator}; output: {len(pages)} pages, feed {feed_name} with {len(feed)} entries)"
    )
    for note in init.notes:
        print(f"  init: {note}")
    for side in ("before", "after"):
        if side not in report:
            continue
        figures = report[side]
        right = f"{figures['links_right']:4}/{figures['published']:<4}"
        line = (
            f"  {side:6}  published {figures['published']:4}  links right {right}"
            f"  feed equal {figures['feed_equal']}  errors {figures['errors']}  with markup {figures['with_markup']}"
        )
        if "published_set_equal" in figures:
            line += f"  output posts {figures['output_posts']}  set equal {figures['published_set_equal']}"
        print(line)
        labels = ("wrong_links", "feed_only", "ours_only_in_feed_window", "output_posts_not_ours", "error_samples")
        for label in (*labels, "markup_samples"):
            for sample in figures.get(label, [])[:5]:
                print(f"      {label}: {sample}")
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()

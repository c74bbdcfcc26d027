"""Read feed files with the feed readers people use; print what each shows per item.

The evidence behind feedindex's choices (one dc:creator naming every author, an RSS enclosure of
length 0 for an image not on disk): what feedparser, gofeed, rss-parser, @extractus/feed-extractor,
SimplePie and newsboat make of the same file. Each reader comes from its own registry, outside
this repository (see scripts/readers/README.md); a missing one is reported and skipped.

    python scripts/readers/readers.py out/rss.xml out/atom.xml out/feed.json
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
Items = list[dict[str, Any]]


def _run(command: list[str]) -> Items:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    try:
        result = json.loads(done.stdout)
    except json.JSONDecodeError:
        raise RuntimeError((done.stdout + done.stderr)[-300:]) from None
    if "error" in result:
        raise RuntimeError(result["error"])
    items: Items = result["items"]
    return items


def feedparser_items(feed: Path) -> Items:
    """Python's feedparser: authors, enclosures and media:content."""
    import feedparser

    parsed = feedparser.parse(feed.read_bytes())
    items = []
    for entry in parsed.entries:
        enclosures = entry.get("enclosures", [])
        images = [f"{link.get('href')} {link.get('type')} {link.get('length', '')}" for link in enclosures]
        images += [f"media:{media.get('url')}" for media in entry.get("media_content", [])]
        authors = [author.get("name") for author in entry.get("authors", []) if author.get("name")]
        items.append({"title": entry.get("title"), "authors": authors, "image": " | ".join(images)})
    return items


def gofeed_items(feed: Path) -> Items:
    """gofeed, built from Debian's golang-github-mmcdole-gofeed-dev (see README.md)."""
    binary = HERE / "gofeedjson" / "gofeedjson"
    if not binary.exists():
        raise RuntimeError(f"build {binary} first (see README.md)")
    items = _run([str(binary), str(feed)])
    for item in items:
        image = [f"image:{item['image']}"] if item["image"] else []
        item["image"] = " | ".join(image + item.pop("enclosures"))
    return items


def newsboat_items(feed: Path) -> Items:
    """newsboat: reloads the file into a fresh cache, then reads the cache."""
    if shutil.which("newsboat") is None:
        raise RuntimeError("newsboat is not installed")
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        (home / "urls").write_text(feed.resolve().as_uri() + "\n", encoding="utf-8")
        (home / "config").write_text("", encoding="utf-8")
        env = {**os.environ, "HOME": folder, "XDG_CONFIG_HOME": folder, "XDG_DATA_HOME": folder}
        command = ["newsboat", "-x", "reload", "-u", str(home / "urls"), "-C", str(home / "config")]
        subprocess.run([*command, "-c", str(home / "cache.db")], env=env, capture_output=True, timeout=120, check=False)
        with sqlite3.connect(home / "cache.db") as db:
            query = "SELECT title, author, enclosure_url, enclosure_type FROM rss_item ORDER BY pubDate DESC"
            rows = db.execute(query).fetchall()
    return [
        {"title": title, "authors": [author] if author else [], "image": f"{url or ''} {kind or ''}".strip()}
        for title, author, url, kind in rows
    ]


def readers(feed: Path) -> dict[str, Items | str]:
    """Reader name → the items it shows, or why it could not run."""
    xml = feed.suffix != ".json"
    runs: dict[str, Any] = {
        "feedparser": (lambda: feedparser_items(feed)) if xml else None,
        "gofeed": lambda: gofeed_items(feed),
        "rss-parser": (lambda: _run(["node", str(HERE / "js.mjs"), "rss-parser", str(feed)])) if xml else None,
        "feed-extractor": lambda: _run(["node", str(HERE / "js.mjs"), "feed-extractor", str(feed)]),
        "SimplePie": (lambda: _run(["php", str(HERE / "simplepie.php"), str(feed)])) if xml else None,
        "newsboat": lambda: newsboat_items(feed),
    }
    found: dict[str, Items | str] = {}
    for name, run in runs.items():
        if run is None:
            continue  # this reader does not read JSON Feed
        try:
            found[name] = run()
        except (RuntimeError, OSError, subprocess.SubprocessError) as error:
            found[name] = f"not run: {error}"
    return found


def main() -> int:
    for name in sys.argv[1:]:
        print(f"# {name}")
        for reader, items in readers(Path(name)).items():
            if isinstance(items, str):
                print(f"  {reader:15} {items}")
                continue
            authored = sum(1 for item in items if item["authors"])
            images = sum(1 for item in items if item["image"])
            first = items[0] if items else {}
            print(
                f"  {reader:15} {len(items):3} items, {authored:3} with authors, {images:3} with an image;"
                f" first: {first.get('authors')} {first.get('image', '')[:80]!r}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Every path and file name feedindex writes under the output folder, and their media types.

The layout of `paths.out`::

    rss.xml atom.xml feed.json      the site's feeds (the formats of `feeds.formats`)
    feed.xsl                        the stylesheet browsers that still run XSLT apply
    feeds.html                      every feed of the site, for people
    tags/<slug>/rss.xml …           a tag's feeds; categories/<slug>/… a category's
    index/CURRENT                   the name of the live index generation
    index/retired.json              when each replaced generation stopped being the live one
    index/g000042/                  one generation: a Whoosh index, feedindex.json, suggest.json
    .feedindex/state.sqlite         the build state; build.lock its lock; ids.json the entry ids

Standard library only: the builder, the server and the search read these names without loading
anything else.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

ScopeKind = Literal["site", "tag", "category"]

FEED_FILES: dict[str, str] = {"rss": "rss.xml", "atom": "atom.xml", "json": "feed.json"}  # format → file name
FEED_TYPES: dict[str, str] = {  # format → media type
    "rss": "application/rss+xml",
    "atom": "application/atom+xml",
    "json": "application/feed+json",
}
STYLESHEET = "feed.xsl"
STYLESHEET_TYPE = "application/xslt+xml"
FEEDS_PAGE = "feeds.html"
SCOPE_FOLDERS: dict[str, str] = {"tag": "tags", "category": "categories"}  # a scope's feeds: <folder>/<slug>/

INDEX_DIR = "index"
POINTER = "CURRENT"  # in the index folder: the name of the live generation
RETIRED = "retired.json"  # in the index folder
GENERATION = re.compile(r"^g(\d{6,})$")  # a generation folder's name: g000042
MAIN_INDEX = "MAIN"  # in a generation: Whoosh's index name (its MAIN_<id>.* segment files), what open_dir opens
META = "feedindex.json"  # in a generation: documents, analyzer identity, display names
SUGGESTIONS = "suggest.json"  # in a generation: the homophone table of "did you mean"

STATE_DIR = ".feedindex"
STATE_FILE = "state.sqlite"
LOCK_FILE = "build.lock"
LEDGER_FILE = "ids.json"
RENDER_CACHE = "render.sqlite"  # in the state folder: articles' HTML and text, across full builds


def index_dir(out: Path) -> Path:
    """Where the search index lives."""
    return out / INDEX_DIR


def state_dir(out: Path) -> Path:
    """feedindex's own bookkeeping beside the outputs (entry ids, build state, lock)."""
    return out / STATE_DIR


def generation_name(number: int) -> str:
    """The folder name of generation `number` (g000042)."""
    return f"g{number:06d}"


def feed_folder(kind: ScopeKind, slug: str = "") -> str:
    """The folder of a scope's feed files, relative to the output folder ("" for the site)."""
    return "" if kind == "site" else f"{SCOPE_FOLDERS[kind]}/{slug}/"


def feed_file(kind: ScopeKind, slug: str, format_: str) -> str:
    """A feed file's name relative to the output folder (`tags/ai/rss.xml`)."""
    return feed_folder(kind, slug) + FEED_FILES[format_]


def scope_of_feed_file(name: str) -> tuple[ScopeKind, str]:
    """(kind, slug) of a feed file named relative to the output folder (`tags/ai/rss.xml`)."""
    parts = name.split("/")
    if len(parts) == 3:
        for kind, folder in SCOPE_FOLDERS.items():
            if parts[0] == folder:
                return ("tag" if kind == "tag" else "category"), parts[1]
    return ("site", "")


def site_feeds(out: Path, formats: tuple[str, ...]) -> list[Path]:
    """The site-wide feed files of `formats`."""
    return [out / FEED_FILES[format_] for format_ in formats]

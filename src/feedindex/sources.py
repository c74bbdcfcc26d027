"""Finding article files: one `stat` per file, no reads. Standard library only, so a build with
nothing to do never imports the Markdown and YAML machinery."""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .config import Config

log = logging.getLogger(__name__)

Stat = tuple[int, int]  # (size, mtime_ns)

# The Markdown file names each generator renders (Jekyll's `markdown_ext`, Hugo's and Hexo's
# Markdown renderers); feedindex alone reads `.md`, as it always has.
SUFFIXES: dict[str, tuple[str, ...]] = {
    "none": (".md",),
    "hugo": (".md", ".markdown", ".mdown"),
    "jekyll": (".md", ".markdown", ".mkdown", ".mkdn", ".mkd"),
    "hexo": (".md", ".markdown"),
}
# Jekyll's posts are named YEAR-MONTH-DAY-title.EXT; other files in `_posts` are not posts.
_JEKYLL_POST = re.compile(r"^\d{2,4}-\d{1,2}-\d{1,2}-.+\.[^.]+$")


@dataclass(frozen=True)
class ScanRules:
    """Which files under the content folder are articles, by name alone (no reads)."""

    suffixes: tuple[str, ...] = (".md",)
    sections: tuple[str, ...] = ()  # folders (relative, "/"-separated) to look in; () = everywhere
    special_names: bool = False  # Jekyll, Hexo: names starting with `_` (or Jekyll's `#`, `~`) are skipped
    leaf_bundles: bool = False  # Hugo: a folder with an index file is one page; the rest are its resources
    dated_names: bool = False  # Jekyll: only YYYY-MM-DD-title files are posts


def scan_rules(config: Config) -> ScanRules:
    """The scan rules of `config`'s generator and sections."""
    generator = config.content.generator
    return ScanRules(
        suffixes=SUFFIXES[generator],
        sections=config.content.sections,
        special_names=generator in ("jekyll", "hexo"),
        leaf_bundles=generator == "hugo",
        dated_names=generator == "jekyll",
    )


def _starts(rules: ScanRules, content_dir: Path) -> list[tuple[str | Path, str]]:
    if not rules.sections:
        return [(content_dir, "")]
    # A section inside another is scanned with it, once.
    sections = sorted(rules.sections)
    kept = [s for s in sections if not any(s.startswith(other + "/") for other in sections if other != s)]
    return [(content_dir / section, section + "/") for section in kept]


def _special(name: str) -> bool:
    return name[0] in "_#" or name[-1] in "~%"


def scan_sources(content_dir: Path, rules: ScanRules | None = None) -> dict[str, Stat]:
    """(size, mtime_ns) of every article file under `content_dir`, by relative path ("/"-separated).

    Hidden folders (.git, .obsidian) and Hugo's `_index.md` list pages are skipped; `rules` (by
    default: every `.md` file) narrow it to the generator's post folders and names. One `stat`
    per file and no reads: cheap enough to run on 50,000 files every few minutes. Plain tuples,
    in no particular order: the result is compared whole with the last build's (one dict
    comparison), and a named tuple per file would cost more than the `stat` calls.
    """
    rules = rules or ScanRules()
    suffixes = rules.suffixes
    plain = suffixes == (".md",) and not (rules.special_names or rules.leaf_bundles or rules.dated_names)
    found: dict[str, Stat] = {}
    pending = _starts(rules, content_dir)
    while pending:
        folder, prefix = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError as error:
            if isinstance(error, FileNotFoundError) and prefix.rstrip("/") in rules.sections:
                log.info("section folder %s does not exist", folder)
            else:
                log.warning("cannot list %s: %s", folder, error)
            continue
        if plain:
            for entry in entries:
                name = entry.name
                if name[0] == ".":
                    continue
                if name[-3:] == ".md" and name != "_index.md" and entry.is_file():
                    stat = entry.stat()
                    found[prefix + name] = (stat.st_size, stat.st_mtime_ns)
                elif entry.is_dir():
                    pending.append((entry.path, f"{prefix}{name}/"))
            continue
        _scan_folder(rules, entries, prefix, found, pending)
    return found


def _scan_folder(
    rules: ScanRules,
    entries: list[os.DirEntry[str]],
    prefix: str,
    found: dict[str, Stat],
    pending: list[tuple[str | Path, str]],
) -> None:
    """One folder under a generator's rules (see `ScanRules`)."""
    suffixes = rules.suffixes
    if rules.leaf_bundles and prefix:  # (a home page's index file does not make the site one bundle)
        index = next(
            (e for e in entries if e.name.rpartition(".")[0] == "index" and e.name.endswith(suffixes) and e.is_file()),
            None,
        )
        if index is not None:  # a Hugo leaf bundle: one page; other files and folders are its resources
            stat = index.stat()
            found[prefix + index.name] = (stat.st_size, stat.st_mtime_ns)
            return
    for entry in entries:
        name = entry.name
        if name[0] == "." or (rules.special_names and _special(name)):
            continue
        if name.endswith(suffixes) and entry.is_file():
            if name.rpartition(".")[0] == "_index":
                continue
            if rules.dated_names and not _JEKYLL_POST.match(name):
                continue
            stat = entry.stat()
            found[prefix + name] = (stat.st_size, stat.st_mtime_ns)
        elif entry.is_dir():
            pending.append((entry.path, f"{prefix}{name}/"))

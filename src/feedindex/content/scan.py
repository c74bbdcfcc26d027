"""Finding article files: one `stat` per file, no reads. Standard library only, so a build with
nothing to do never imports the Markdown and YAML machinery."""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigError, ConfigProblem, ContentError

if TYPE_CHECKING:
    from ..config import Config

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


@dataclass(frozen=True)
class Scan:
    """What a scan of the content folder found.

    `files`: (size, mtime_ns) of every article file, by relative path ("/"-separated).
    `errors`: files and folders not read (links leading out of the content folder, folders that
    cannot be listed); `warnings`: symbolic links not followed because they lead to a folder
    already read (a loop, or a second name for a folder). `unlisted`: the relative paths
    ("" for the root) of folders that could not be listed, whose files are unknown this time.
    """

    files: dict[str, Stat]
    errors: tuple[ContentError, ...] = ()
    warnings: tuple[ContentError, ...] = ()
    unlisted: tuple[str, ...] = ()


def check_content_folder(folder: Path, source: Path | None = None) -> None:
    """ConfigError unless `folder` (the content folder) is a folder: a missing one (unmounted,
    renamed, mistyped) must never read as a site without articles."""
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise ConfigError([ConfigProblem("paths.content", f"the content folder {folder} {what}")], source)


def _is_file(entry: os.DirEntry[str], suffixes: tuple[str, ...]) -> bool:
    try:
        return entry.name.endswith(suffixes) and entry.is_file()
    except OSError:
        return False


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


class _Scanner:
    """One scan: the folders to read, those read (by device and inode), what was found."""

    def __init__(self, content_dir: Path, rules: ScanRules) -> None:
        self.rules = rules
        self.root = os.path.realpath(content_dir)
        self.found: dict[str, Stat] = {}
        self.errors: list[ContentError] = []
        self.warnings: list[ContentError] = []
        self.unlisted: list[str] = []
        self.seen: dict[tuple[int, int], str] = {}  # (device, inode) → the name it was read under
        self.pending: list[tuple[str | Path, str]] = []
        self.linked: list[tuple[str, str]] = []  # (path, relative name) of folders reached through a link

    def run(self, starts: list[tuple[str | Path, str]]) -> Scan:
        for folder, prefix in reversed(starts):
            self.follow(folder, prefix, linked=False)
        while self.pending or self.linked:
            if self.pending:
                folder, prefix = self.pending.pop()
                self.read(folder, prefix)
            else:
                self.linked.sort()  # the same link wins every time, whatever order folders list in
                folder, prefix = self.linked.pop(0)
                self.follow(folder, prefix, linked=True)
        return Scan(self.found, tuple(self.errors), tuple(self.warnings), tuple(self.unlisted))

    def follow(self, folder: str | Path, prefix: str, linked: bool) -> None:
        """Queue `folder` unless it was read already (a loop, a second name, a bind mount)."""
        try:
            status = Path(folder).stat()
        except OSError as error:
            if not linked and isinstance(error, FileNotFoundError) and prefix.rstrip("/") in self.rules.sections:
                log.info("section folder %s does not exist", folder)
            elif not linked:
                self.cannot_list(prefix, error)
            return  # a link whose folder went away since it was listed
        key = (status.st_dev, status.st_ino)
        if key in self.seen:
            first = self.seen[key].rstrip("/") or "."
            loop = prefix.startswith(self.seen[key])  # the link is inside the folder it leads to
            why = f"a symbolic link loop back to {first!r}" if loop else f"the same folder as {first!r}"
            self.warnings.append(ContentError(prefix.rstrip("/") or ".", "file", f"not followed: {why}"))
            return
        self.seen[key] = prefix
        if linked:
            self.read(folder, prefix)
        else:
            self.pending.append((folder, prefix))

    def cannot_list(self, prefix: str, error: OSError) -> None:
        self.unlisted.append(prefix)
        message = f"cannot list this folder: {error.strerror or error}"
        self.errors.append(ContentError(prefix.rstrip("/") or ".", "file", message))

    def read(self, folder: str | Path, prefix: str) -> None:
        """List one folder: its articles, and the folders to read next."""
        rules = self.rules
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError as error:
            self.cannot_list(prefix, error)
            return
        suffixes = rules.suffixes
        if rules.leaf_bundles and prefix:  # (a home page's index file does not make the site one bundle)
            index = next((e for e in entries if e.name.rpartition(".")[0] == "index" and _is_file(e, suffixes)), None)
            if index is not None:  # a Hugo leaf bundle: one page; other files and folders are its resources
                self.entry(index, prefix, article=True)
                return
        found = self.found
        folders: list[tuple[str, str, os.stat_result]] = []
        for entry in entries:
            name = entry.name
            if name[0] == "." or (rules.special_names and _special(name)):
                continue
            article = (
                name.endswith(suffixes)
                and name.rpartition(".")[0] != "_index"  # Hugo's list pages
                and not (rules.dated_names and not _JEKYLL_POST.match(name))
            )
            try:
                if entry.is_symlink():  # the rare case: checked where it leads
                    self.entry(entry, prefix, article)
                elif article and entry.is_file():
                    stat = entry.stat()
                    found[prefix + name] = (stat.st_size, stat.st_mtime_ns)
                elif entry.is_dir():
                    folders.append((name, entry.path, entry.stat()))
            except OSError:
                continue  # removed since the folder was listed
        # In name order, so which of two names for one folder (a bind mount) is read is fixed;
        # pushed last first, so the first is read first.
        folders.sort(key=lambda folder: folder[0])
        kept = [(path, f"{prefix}{name}/") for name, path, stat in folders if self.register(stat, f"{prefix}{name}/")]
        self.pending.extend(reversed(kept))

    def register(self, stat: os.stat_result, name: str) -> bool:
        """Note the folder of `stat` as read under `name`; False (with a warning) when it was read
        under another name already (a bind mount)."""
        key = (stat.st_dev, stat.st_ino)
        if key in self.seen:
            first = self.seen[key].rstrip("/") or "."
            message = f"not read twice: the same folder as {first!r}"
            self.warnings.append(ContentError(name.rstrip("/"), "file", message))
            return False
        self.seen[key] = name
        return True

    def entry(self, entry: os.DirEntry[str], prefix: str, article: bool) -> None:
        """Record `entry`, a leaf bundle's index file or a symbolic link: an article, an error
        (it leads out of the content folder), or a folder to read after the real ones."""
        rel = prefix + entry.name
        try:
            is_link = entry.is_symlink()
            is_article = article and entry.is_file()
            stat = entry.stat() if is_article or entry.is_dir() else None
        except OSError:
            return  # removed since the folder was listed
        if stat is None:
            return
        if is_link:
            target = os.path.realpath(entry.path)
            if not _inside(target, self.root):
                what = "file" if is_article else "folder"
                message = f"not read: a link to a {what} outside the content folder ({target})"
                self.errors.append(ContentError(rel, "file", message))
                return
        if is_article:
            self.found[rel] = (stat.st_size, stat.st_mtime_ns)
        elif is_link:
            self.linked.append((entry.path, f"{rel}/"))


def scan_sources(content_dir: Path, rules: ScanRules | None = None) -> Scan:
    """Every article file under `content_dir`, with what could not be read and why.

    Hidden folders (.git, .obsidian) and Hugo's `_index.md` list pages are skipped; `rules` (by
    default: every `.md` file) narrow it to the generator's post folders and names. One `stat`
    per file and no reads: cheap enough to run on 50,000 files every few minutes. Plain tuples,
    in no particular order: the result is compared whole with the last build's (one dict
    comparison), and a named tuple per file would cost more than the `stat` calls.

    Symbolic links: each folder is read once (by device and inode), under its own name: real
    folders first, then folders reached through links, so a link never changes the path (and
    so the entry id) of an article. A link back to a folder already read (a loop such as
    `ln -s . loop`) is reported once and not followed; a file or folder whose real path is
    outside the content folder is not read, and reported.
    """
    rules = rules or ScanRules()
    scanner = _Scanner(content_dir, rules)
    try:
        top = content_dir.stat()
    except OSError as error:
        scanner.cannot_list("", error)
        return Scan({}, tuple(scanner.errors), (), tuple(scanner.unlisted))
    scanner.seen[(top.st_dev, top.st_ino)] = ""  # a link back to the root is a loop, sections or not
    starts = _starts(rules, content_dir)
    if starts == [(content_dir, "")]:
        scanner.pending.append((content_dir, ""))
        starts = []
    return scanner.run(starts)

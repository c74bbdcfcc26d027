"""Finding article files: one `stat` per file, no reads. Standard library only, so a build with
nothing to do never imports the Markdown and YAML machinery."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError, ConfigProblem, ContentError

Stat = tuple[int, int]  # (size, mtime_ns)


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


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def scan_sources(content_dir: Path) -> Scan:
    """Every article file under `content_dir`, with what could not be read and why.

    Hidden folders (.git, .obsidian) and Hugo's `_index.md` list pages are skipped. One `stat`
    per file and no reads: cheap enough to run on 50,000 files every few minutes. Plain tuples,
    in no particular order: the result is compared whole with the last build's (one dict
    comparison), and a named tuple per file would cost more than the `stat` calls.

    Symbolic links: each folder is read once (by device and inode), under its own name: real
    folders first, then folders reached through links, so a link never changes the path (and
    so the entry id) of an article. A link back to a folder already read (a loop such as
    `ln -s . loop`) is reported once and not followed; a file or folder whose real path is
    outside the content folder is not read, and reported.
    """
    root = os.path.realpath(content_dir)
    found: dict[str, Stat] = {}
    errors: list[ContentError] = []
    warnings: list[ContentError] = []
    unlisted: list[str] = []
    try:
        top = content_dir.stat()
    except OSError as error:
        problem = ContentError(".", "file", f"cannot list the content folder: {error.strerror or error}")
        return Scan({}, (problem,), (), ("",))
    seen: dict[tuple[int, int], str] = {(top.st_dev, top.st_ino): ""}
    pending: list[tuple[str | Path, str]] = [(content_dir, "")]
    linked: list[tuple[str, str]] = []  # (path, relative name) of folders reached through a link
    while pending or linked:
        if pending:
            folder, prefix = pending.pop()
        else:
            linked.sort()  # the same link wins every time, whatever order the folders list in
            folder, prefix = linked.pop(0)
            try:
                status = Path(folder).stat()
            except OSError:
                continue  # gone since it was listed
            key = (status.st_dev, status.st_ino)
            if key in seen:
                first = seen[key].rstrip("/") or "."
                loop = prefix.startswith(seen[key])  # the link is inside the folder it leads to
                why = f"a symbolic link loop back to {first!r}" if loop else f"the same folder as {first!r}"
                warnings.append(ContentError(prefix.rstrip("/"), "file", f"not followed: {why}"))
                continue
            seen[key] = prefix
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    name = entry.name
                    if name[0] == ".":
                        continue
                    rel = prefix + name
                    try:
                        is_link = entry.is_symlink()
                        is_article = name[-3:] == ".md" and name != "_index.md" and entry.is_file()
                        stat = entry.stat() if is_article or entry.is_dir() else None
                    except OSError:
                        continue  # removed since the folder was listed
                    if stat is None:
                        continue
                    if is_link:
                        target = os.path.realpath(entry.path)
                        if not _inside(target, root):
                            what = "file" if is_article else "folder"
                            message = f"not read: a link to a {what} outside the content folder ({target})"
                            errors.append(ContentError(rel, "file", message))
                            continue
                    if is_article:
                        found[rel] = (stat.st_size, stat.st_mtime_ns)
                    else:
                        if is_link:
                            linked.append((entry.path, f"{rel}/"))
                            continue
                        key = (stat.st_dev, stat.st_ino)
                        if key in seen:  # a bind mount of a folder already read
                            first = seen[key].rstrip("/") or "."
                            warnings.append(ContentError(rel, "file", f"not read twice: the same folder as {first!r}"))
                            continue
                        seen[key] = f"{rel}/"
                        pending.append((entry.path, f"{rel}/"))
        except OSError as error:
            unlisted.append(prefix)
            where = prefix.rstrip("/") or "."
            errors.append(ContentError(where, "file", f"cannot list this folder: {error.strerror or error}"))
    return Scan(found, tuple(errors), tuple(warnings), tuple(unlisted))

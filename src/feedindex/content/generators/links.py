"""References between pages (Hugo's ref/relref, Jekyll's link/post_url, Hexo's post_link): the
target file is found and its URL made from its front matter alone, without rendering it.

A reference is resolved when the article holding it is read; a later change to the target's
URL reaches the article at its next edit or at the next `feedindex build --full`.
"""

from __future__ import annotations

import os
import time
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from ..scan import SUFFIXES

if TYPE_CHECKING:
    from ...config import Config

_SKIP_FOLDERS = {"node_modules", "vendor", "_site", "public", "resources", "themes"}  # never pages
_NAME_INDEX_SECONDS = 30.0  # a name index older than this is built again (for `feedindex watch`)
_MAX_FILES = 200_000  # a name index stops growing here
_names: dict[str, tuple[float, dict[str, list[str]]]] = {}
_info: dict[tuple[object, ...], tuple[str, str] | None] = {}


def _name_index(config: Config) -> dict[str, list[str]]:
    """Every page file under the content folder by its name without extension (a bundle's
    index file by its folder's name): name → relative paths."""
    key = str(config.paths.content)
    built = _names.get(key)
    if built is not None and time.monotonic() - built[0] < _NAME_INDEX_SECONDS:
        return built[1]
    suffixes = SUFFIXES[config.content.generator]
    index: dict[str, list[str]] = {}
    count = 0
    for folder, folders, files in os.walk(config.paths.content):
        folders[:] = sorted(name for name in folders if not name.startswith(".") and name not in _SKIP_FOLDERS)
        for name in sorted(files):
            if not name.endswith(suffixes) or count >= _MAX_FILES:
                continue
            count += 1
            rel = (Path(folder) / name).relative_to(config.paths.content).as_posix()
            stem = name.rpartition(".")[0]
            if stem in ("index", "_index") and "/" in rel:
                stem = rel.rsplit("/", 2)[-2]
            index.setdefault(stem, []).append(rel)
    _names[key] = (time.monotonic(), index)
    return index


class Links:
    """The site's other pages, as the article being read refers to them."""

    def __init__(self, config: Config) -> None:
        self.config = config

    def info(self, rel: str) -> tuple[str, str] | None:
        """(URL, title) of the content file `rel`, or None when it is not a readable page."""
        from ..reading import page_info

        path = self.config.paths.content / rel
        try:
            stat = path.stat()
        except OSError:
            return None
        key = (self.config, rel, stat.st_size, stat.st_mtime_ns)
        if key not in _info:
            if len(_info) > 4096:
                _info.clear()
            _info[key] = page_info(self.config, rel)
        return _info[key]

    def url_of(self, rel: str) -> str | None:
        """The URL of the content file `rel`."""
        found = self.info(rel)
        return found[0] if found else None

    def _existing(self, candidates: list[str]) -> str | None:
        content = self.config.paths.content
        for candidate in candidates:
            clean = os.path.normpath(candidate).replace(os.sep, "/").lstrip("/")
            if clean.startswith("..") or not clean:
                continue
            if (content / clean).is_file():
                return clean
        return None

    def hugo_ref(self, ref: str, current: str) -> str | None:
        """The URL of Hugo's `ref "path#anchor"`: a path from the content folder, from the
        current page's folder, or a page's name when only one page has it."""
        target, _, anchor = ref.strip().partition("#")
        if not target:
            url = self.url_of(current)
            return f"{url}#{anchor}" if url else None
        suffixes = SUFFIXES["hugo"]
        here = str(PurePosixPath(current).parent)
        bases = [target.lstrip("/")] + ([] if target.startswith("/") else [f"{here}/{target}"])
        candidates = []
        for base in bases:
            if base.endswith(suffixes):
                candidates.append(base)
            else:
                base = base.rstrip("/")
                candidates += [base + suffix for suffix in suffixes]
                candidates += [f"{base}/index{suffix}" for suffix in suffixes]
                candidates += [f"{base}/_index{suffix}" for suffix in suffixes]
        found = self._existing(candidates)
        if found is None:
            name = PurePosixPath(target).name
            name = name.rpartition(".")[0] if name.endswith(suffixes) else name
            matches = _name_index(self.config).get(name, [])
            found = matches[0] if len(matches) == 1 else None
        url = self.url_of(found) if found else None
        return f"{url}#{anchor}" if url and anchor else url

    def jekyll_link(self, path: str) -> str | None:
        """The URL of Jekyll's `{% link path %}` (a path from the site's folder)."""
        found = self._existing([path.strip()])
        return self.url_of(found) if found else None

    def jekyll_post_url(self, name: str) -> str | None:
        """The URL of Jekyll's `{% post_url [folder/]YYYY-MM-DD-name %}`."""
        folder, _, stem = name.strip().rpartition("/")
        for rel in _name_index(self.config).get(stem, []):
            parent = str(PurePosixPath(rel).parent)
            in_posts = any(parent == s or parent.startswith(s + "/") for s in self.config.content.sections)
            if in_posts and (not folder or parent.endswith("/" + folder) or parent == folder):
                return self.url_of(rel)
        return None

    def hexo_post(self, slug: str) -> tuple[str, str] | None:
        """(URL, title) of the post Hexo's `{% post_link slug %}` names: its path under the
        posts folder without extension, else a post of that name."""
        slug = slug.strip()
        sections = self.config.content.sections or ("",)
        candidates = [f"{section}/{slug}{suffix}" for section in sections for suffix in SUFFIXES["hexo"]]
        found = self._existing(candidates)
        if found is None:
            matches = _name_index(self.config).get(PurePosixPath(slug).name, [])
            found = matches[0] if len(matches) == 1 else None
        return self.info(found) if found else None

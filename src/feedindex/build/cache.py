"""The render cache: an article's HTML and plain text, kept across full builds, so that a full
build forced by a change that leaves an article's Markdown as it was (a new `base_url`, another
site setting) does not render it again.

An entry is keyed by a digest of the exact text given to the Markdown renderer (the body after
front matter and generator markup: whatever the configuration did to it is in that text, so a
setting that changes the body changes the key) and of the renderer's identity (feedindex's
version, python-markdown's and pymdown-extensions'). Nothing else is kept: URLs made absolute
with `base_url` are made when the feeds are written, never read from here.

It lives in the state folder (`.feedindex/render.sqlite`); only full builds use it, and each full
build removes the entries it did not use, so it holds one entry per article at most. It is a
cache: anything wrong with it (unreadable, damaged, locked, a bad entry) costs the rendering it
would have saved, and a warning, never the build.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import sqlite3
import zlib
from collections.abc import Iterable
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from .._version import __version__
from ..paths import RENDER_CACHE

log = logging.getLogger(__name__)

RENDER_FORMAT = 1  # raise when what render() returns for the same text changes otherwise
FLUSH_EVERY = 500  # new entries written at once by a worker
BUSY_SECONDS = 60.0  # how long a writer waits for another (the parts write at the same time)


@lru_cache(maxsize=1)
def renderer_identity() -> str:
    """What the HTML of a given Markdown text depends on besides the text."""
    versions = []
    for package in ("markdown", "pymdown-extensions"):
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} ?")
    return f"feedindex {__version__}; format {RENDER_FORMAT}; " + "; ".join(versions)


def cache_key(text: str) -> str:
    """The key of the HTML and text that `text` renders to."""
    digest = hashlib.sha256(renderer_identity().encode())
    digest.update(b"\0")
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")  # a cache: losing the last writes costs a render
    connection.execute("CREATE TABLE IF NOT EXISTS render (key TEXT PRIMARY KEY, html BLOB, text BLOB)")
    return connection


def prepare(state_dir: Path) -> Path | None:
    """The render cache's file, ready for the workers to open (None: build without one). A
    cache that cannot be read is started afresh, with one warning."""
    path = state_dir / RENDER_CACHE
    for attempt in range(2):
        try:
            state_dir.mkdir(parents=True, exist_ok=True)
            with contextlib.closing(_connect(path)) as connection:
                connection.execute("SELECT key, html, text FROM render LIMIT 1").fetchall()
                connection.execute("PRAGMA quick_check(1)").fetchall()
            return path
        except (sqlite3.Error, OSError) as error:
            if attempt:
                log.warning("no render cache this build: %s (%s)", path, error)
                return None
            log.warning("the render cache %s cannot be read (%s): starting it afresh", path, error)
            for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                with contextlib.suppress(OSError):
                    stale.unlink(missing_ok=True)
    return None


class RenderCache:
    """One process's view of the render cache: `render` answers from it, else renders and keeps
    the result to write (`flush`); `used` are the keys this process needed."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.connection: sqlite3.Connection | None = None
        self.pending: list[tuple[str, bytes, bytes]] = []
        self.used: set[str] = set()
        self.hits = 0
        self.problems: list[str] = []  # what went wrong, for the build process to report once
        if path is not None:
            try:
                self.connection = _connect(path)
            except (sqlite3.Error, OSError) as error:
                self._trouble(f"cannot open it ({error})")

    def render(self, text: str) -> tuple[str, str]:
        """(HTML, plain text) of the Markdown `text`: from the cache, else rendered."""
        from ..content.reading import render_body

        if self.connection is None:
            return render_body(text)
        key = cache_key(text)
        self.used.add(key)
        found = self._get(key)
        if found is not None:
            self.hits += 1
            return found
        html, plain = render_body(text)
        self.pending.append((key, zlib.compress(html.encode("utf-8"), 1), zlib.compress(plain.encode("utf-8"), 1)))
        if len(self.pending) >= FLUSH_EVERY:
            self.flush()
        return html, plain

    def _get(self, key: str) -> tuple[str, str] | None:
        assert self.connection is not None
        try:
            row = self.connection.execute("SELECT html, text FROM render WHERE key = ?", (key,)).fetchone()
            if row is None:
                return None
            return zlib.decompress(row[0]).decode("utf-8"), zlib.decompress(row[1]).decode("utf-8")
        except (sqlite3.Error, zlib.error, UnicodeDecodeError, TypeError) as error:
            self._trouble(f"an entry cannot be read ({error})", close=isinstance(error, sqlite3.DatabaseError))
            return None

    def flush(self) -> None:
        """Write the entries rendered since the last flush."""
        if self.connection is None or not self.pending:
            self.pending.clear()
            return
        try:
            with self.connection:  # one transaction
                self.connection.execute("BEGIN IMMEDIATE")
                self.connection.executemany("INSERT OR REPLACE INTO render VALUES (?, ?, ?)", self.pending)
        except sqlite3.Error as error:
            self._trouble(f"cannot write to it ({error})")
        self.pending.clear()

    def close(self) -> None:
        """Write what is pending and close."""
        self.flush()
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def _trouble(self, problem: str, close: bool = True) -> None:
        self.problems.append(problem)
        log.debug("render cache %s: %s", self.path, problem)
        if close and self.connection is not None:
            with contextlib.suppress(sqlite3.Error):
                self.connection.close()
            self.connection = None


def keep_only(path: Path | None, used: Iterable[str]) -> int:
    """Remove the entries of `path` whose keys are not in `used` (articles gone or changed); how
    many. The cache stays bounded by the site."""
    if path is None:
        return 0
    try:
        with contextlib.closing(_connect(path)) as connection, connection:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("CREATE TEMP TABLE used (key TEXT PRIMARY KEY)")
            connection.executemany("INSERT OR IGNORE INTO used VALUES (?)", ((key,) for key in used))
            removed = connection.execute("DELETE FROM render WHERE key NOT IN (SELECT key FROM used)").rowcount
        return int(removed)
    except sqlite3.Error as error:
        log.warning("the render cache %s was not trimmed (%s)", path, error)
        return 0

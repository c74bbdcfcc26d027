"""The build state: what the last build saw and published, in `out/.feedindex/state.sqlite`.

SQLite (standard library) gives an atomic, crash-safe file: a build killed at any moment leaves
the state of the previous build or of this one, never a mix. The state holds, per source file,
its size, mtime, content hash and what became of it; per published article its metadata and
rendered HTML (the last good version, kept when a later edit breaks the file); per feed file the
signature of what it was rendered from; and the identities of the configuration and analyzer.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import fields, replace
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from .model import Article

STATE_VERSION = 1
STATE_FILE = "state.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS articles (source TEXT PRIMARY KEY, meta TEXT NOT NULL, html BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS feeds (path TEXT PRIMARY KEY, signature TEXT NOT NULL);
"""
_DATES = ("published", "updated")
_BODIES = ("body_html", "body_text")


class FileStat(NamedTuple):
    """A source file as the last build saw it (a named tuple: 50,000 are made on every build)."""

    size: int
    mtime_ns: int
    hash: str


def _meta_json(article: Article) -> str:
    data: dict[str, Any] = {}
    for field in fields(Article):
        if field.name in _BODIES:
            continue
        value = getattr(article, field.name)
        data[field.name] = value.isoformat() if field.name in _DATES else value
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def compress_html(html: str) -> bytes:
    """An article's HTML as the state keeps it (zlib, fast level)."""
    return zlib.compress(html.encode("utf-8"), 1)


def decompress_html(data: bytes) -> str:
    """The HTML `compress_html` kept."""
    return zlib.decompress(data).decode("utf-8")


def _article(meta: str | dict[str, Any], html: bytes | None) -> Article:
    """An Article from the state (its metadata as JSON, or decoded); without `html` its bodies
    are empty (metadata only)."""
    data = json.loads(meta) if isinstance(meta, str) else meta
    for name in _DATES:
        data[name] = datetime.fromisoformat(data[name])
    data["tags"], data["categories"] = tuple(data["tags"]), tuple(data["categories"])
    body_html = decompress_html(html) if html is not None else ""
    return Article(**data, body_html=body_html, body_text="")


class State:
    """An open state database. Changes are made inside `transaction()` and land all at once."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None)  # transactions are explicit
        self._db.execute("PRAGMA journal_mode=DELETE")
        self._db.execute("PRAGMA synchronous=FULL")
        if self._version() != STATE_VERSION:
            self._reset()

    def _version(self) -> int | None:
        try:
            row = self._db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        except sqlite3.DatabaseError:
            return None
        return int(row[0]) if row else None

    def _reset(self) -> None:
        with self.transaction():
            for table in ("meta", "files", "articles", "feeds"):
                self._db.execute(f"DROP TABLE IF EXISTS {table}")
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            self.set("version", STATE_VERSION)

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All changes inside land together, or none (also when the process is killed)."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- meta --

    def get(self, key: str) -> Any:
        """A value stored with `set`, or None."""
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def set(self, key: str, value: Any) -> None:
        """Store a JSON-able value."""
        self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value, sort_keys=True)))

    # -- files --

    def files(self) -> dict[str, FileStat]:
        """Every source file of the last build."""
        return {
            path: FileStat(size, mtime, digest) for path, size, mtime, digest in self._db.execute("SELECT * FROM files")
        }

    def put_files(self, files: dict[str, FileStat]) -> None:
        """Replace the file table."""
        self._db.execute("DELETE FROM files")
        self._db.executemany(
            "INSERT INTO files VALUES (?, ?, ?, ?)", ((p, s.size, s.mtime_ns, s.hash) for p, s in files.items())
        )

    # -- articles --

    def articles(self) -> list[Article]:
        """Every article kept, metadata only (empty bodies): cheap even for 50,000."""
        with closing(self._db.execute("SELECT meta FROM articles")) as rows:
            metas = [meta for (meta,) in rows]
        # One decoder call for all rows: per-row calls cost a third of the time at 50,000.
        return [_article(data, None) for data in json.loads("[" + ",".join(metas) + "]")]

    def full_articles(self, sources: Iterable[str], text: bool = True) -> dict[str, Article]:
        """The kept articles of `sources` with their HTML (and, with `text`, the plain text)."""
        from .content import html_to_text

        found = {}
        for source in sources:
            row = self._db.execute("SELECT meta, html FROM articles WHERE source = ?", (source,)).fetchone()
            if row:
                article = _article(row[0], row[1])
                found[source] = replace(article, body_text=html_to_text(article.body_html)) if text else article
        return found

    def put_article(self, article: Article, html: bytes | None = None) -> None:
        """Keep `article` (its last good version); `html` is its body already compressed."""
        html = html if html is not None else compress_html(article.body_html)
        self._db.execute(
            "INSERT OR REPLACE INTO articles VALUES (?, ?, ?)", (article.source, _meta_json(article), html)
        )

    def drop_articles(self, sources: Iterable[str]) -> None:
        """Forget the articles of `sources`."""
        self._db.executemany("DELETE FROM articles WHERE source = ?", ((source,) for source in sources))

    # -- feeds --

    def feeds(self) -> dict[str, str]:
        """Feed file (relative to the output folder) → signature of what it was rendered from."""
        return dict(self._db.execute("SELECT path, signature FROM feeds"))

    def put_feeds(self, signatures: dict[str, str]) -> None:
        """Replace the feed table."""
        self._db.execute("DELETE FROM feeds")
        self._db.executemany("INSERT INTO feeds VALUES (?, ?)", signatures.items())


def open_state(state_dir: Path) -> State:
    """The state in `state_dir`; a missing, damaged or older-version state starts empty."""
    path = state_dir / STATE_FILE
    try:
        return State(path)
    except sqlite3.DatabaseError:
        path.unlink(missing_ok=True)  # damaged beyond use: a full build recreates everything
        return State(path)

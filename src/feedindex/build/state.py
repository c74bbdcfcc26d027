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
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from ..model import Article, scopes_of
from ..paths import STATE_FILE
from .meta import BuildMeta

STATE_VERSION = 3

# `articles` holds every article that read (its last good version) as the few columns a build
# decides on: the slug and pinned id (duplicates), draft and dates (scheduling), `rejected` (the
# duplicate error, or NULL), `listed` (in the index and feeds since the last build) and
# `updated_shown` (its entries show its `updated` date, which was held back while in the
# future). Its metadata and HTML are in `bodies`, read only for the articles a build shows.
# `names` holds each article's tags and categories by slug, with copies of `listed` and
# `published`, so a feed's newest entries and a name's spellings are each one indexed query.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS articles (
    source TEXT PRIMARY KEY, slug TEXT NOT NULL, entry_id TEXT, draft INTEGER NOT NULL,
    published TEXT NOT NULL, updated TEXT NOT NULL, rejected TEXT,
    listed INTEGER NOT NULL DEFAULT 0, updated_shown INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS articles_slug ON articles (slug);
CREATE INDEX IF NOT EXISTS articles_entry_id ON articles (entry_id) WHERE entry_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS articles_listed ON articles (listed, published, source);
CREATE TABLE IF NOT EXISTS bodies (source TEXT PRIMARY KEY, meta TEXT NOT NULL, html BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS names (
    source TEXT NOT NULL, kind TEXT NOT NULL, slug TEXT NOT NULL, name TEXT NOT NULL,
    listed INTEGER NOT NULL, published TEXT NOT NULL,
    PRIMARY KEY (source, kind, slug)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS names_newest ON names (kind, slug, listed, published, source);
CREATE INDEX IF NOT EXISTS names_spelling ON names (kind, slug, listed, name);
CREATE TABLE IF NOT EXISTS feeds (path TEXT PRIMARY KEY, signature TEXT NOT NULL);
"""
_TABLES = ("meta", "files", "articles", "bodies", "names", "feeds")
_DATES = ("published", "updated")
_BODIES = ("body_html", "body_text")
_IN_BATCH = 500  # sources per `IN (...)` query (SQLite allows 32,766 variables; small is enough)


def utc_key(moment: datetime) -> str:
    """A moment as fixed-width UTC ISO 8601 text: sorts as the moments do, parses back."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


class FileStat(NamedTuple):
    """A source file as the last build saw it."""

    size: int
    mtime_ns: int
    hash: str


class Candidate(NamedTuple):
    """An article that shares its slug or pinned id with another: (order, source, slug, id)."""

    order: tuple[bool, str, str]  # (draft, published, source): who keeps a slug or id
    source: str
    slug: str
    entry_id: str | None


class Fate(NamedTuple):
    """A change of what a build does with an article."""

    source: str
    listed: bool  # now
    was_listed: bool
    updated_shown: bool


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
    data["authors"] = tuple(data.get("authors", ()))  # absent in states written before authors
    body_html = decompress_html(html) if html is not None else ""
    return Article(**data, body_html=body_html, body_text="")


def _batches(items: Iterable[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) == _IN_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


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
            for table in _TABLES:
                self._db.execute(f"DROP TABLE IF EXISTS {table}")
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            self._put("version", STATE_VERSION)

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
            # SQLite may have rolled back already (a full disk does that): report the first error.
            with suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- meta --

    def meta(self) -> BuildMeta:
        """What the last build recorded about itself (an empty record before the first build)."""
        rows = self._db.execute("SELECT key, value FROM meta WHERE key != 'version'")
        return BuildMeta.from_values({key: json.loads(value) for key, value in rows})

    def put_meta(self, meta: BuildMeta) -> None:
        """Record what this build did (replacing the last build's record)."""
        for key, value in meta.as_values().items():
            self._put(key, value)

    def _put(self, key: str, value: Any) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value, sort_keys=True)))

    # -- files --

    def stats(self) -> dict[str, tuple[int, int]]:
        """(size, mtime_ns) of every source file of the last build, by path: compared whole with
        a scan of the content folder, so a build with nothing to do costs one dict comparison."""
        return {path: (size, mtime) for path, size, mtime in self._db.execute("SELECT path, size, mtime_ns FROM files")}

    def hashes(self, paths: Iterable[str]) -> dict[str, str]:
        """The content hash the last build recorded for each of `paths` it knew."""
        return dict(self._select_in("SELECT path, hash FROM files WHERE path IN ({marks})", paths))

    def put_files(self, files: Mapping[str, FileStat], removed: Iterable[str] = (), replace_all: bool = False) -> None:
        """Record `files` (replacing the whole table with `replace_all`) and forget `removed`."""
        if replace_all:
            self._db.execute("DELETE FROM files")
        self._db.executemany("DELETE FROM files WHERE path = ?", ((path,) for path in removed))
        self._db.executemany(
            "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)",
            ((p, s.size, s.mtime_ns, s.hash) for p, s in files.items()),
        )

    # -- articles --

    def _select_in(self, query: str, sources: Iterable[str]) -> Iterator[Any]:
        """The rows of `query` (whose `{marks}` stands for a list of placeholders) for `sources`,
        asked in batches of _IN_BATCH."""
        for batch in _batches(sources):
            yield from self._db.execute(query.format(marks=",".join("?" * len(batch))), batch).fetchall()

    def sources(self) -> list[str]:
        """Every article kept."""
        return [source for (source,) in self._db.execute("SELECT source FROM articles")]

    def candidates(self) -> list[Candidate]:
        """The articles whose slug or pinned id another article has too: the only ones that can
        lose it (an article whose keys are its own alone keeps them, whatever the others do)."""
        rows = self._db.execute(
            "SELECT draft, published, source, slug, entry_id FROM articles "
            "WHERE slug IN (SELECT slug FROM articles GROUP BY slug HAVING COUNT(*) > 1) "
            "OR entry_id IN (SELECT entry_id FROM articles WHERE entry_id IS NOT NULL "
            "GROUP BY entry_id HAVING COUNT(*) > 1)"
        )
        return [
            Candidate((bool(draft), published, source), source, slug, i) for draft, published, source, slug, i in rows
        ]

    def reject(self, rejected: Mapping[str, str]) -> None:
        """Record the duplicate errors (source → error as JSON); every other article has none."""
        current = dict(self._db.execute("SELECT source, rejected FROM articles WHERE rejected IS NOT NULL"))
        cleared = [(source,) for source in current if source not in rejected]
        self._db.executemany("UPDATE articles SET rejected = NULL WHERE source = ?", cleared)
        changed = [(error, source) for source, error in rejected.items() if current.get(source) != error]
        self._db.executemany("UPDATE articles SET rejected = ? WHERE source = ?", changed)

    def decide(self, now: str) -> list[Fate]:
        """List the articles that are due (not rejected, not drafts, published by `now`) and no
        others; the articles whose fate changed."""
        due = "(rejected IS NULL AND draft = 0 AND published <= :now)"
        rows = self._db.execute(
            f"SELECT source, listed, {due}, {due} AND updated <= :now FROM articles "
            f"WHERE listed != {due} OR updated_shown != ({due} AND updated <= :now)",
            {"now": now},
        ).fetchall()
        fates = [Fate(source, bool(listed), bool(was), bool(shown)) for source, was, listed, shown in rows]
        self._db.executemany(
            "UPDATE articles SET listed = ?, updated_shown = ? WHERE source = ?",
            ((int(fate.listed), int(fate.updated_shown), fate.source) for fate in fates),
        )
        self._db.executemany(
            "UPDATE names SET listed = ? WHERE source = ?", ((int(fate.listed), fate.source) for fate in fates)
        )
        return fates

    def counts(self) -> tuple[int, int, int]:
        """(articles not rejected, articles listed, drafts not rejected); the rest of the first
        are scheduled (dated after the build)."""
        row = self._db.execute(
            "SELECT COUNT(*) - COUNT(rejected), COALESCE(SUM(listed), 0), "
            "COALESCE(SUM(draft = 1 AND rejected IS NULL), 0) FROM articles"
        ).fetchone()
        return int(row[0]), int(row[1]), int(row[2])

    def next_due(self, now: str) -> str | None:
        """The first moment after `now` when what is published changes: a scheduled article
        becomes due, or a listed article's `updated` date (utc_key), or None."""
        row = self._db.execute(
            "SELECT MIN(moment) FROM ("
            "SELECT MIN(published) AS moment FROM articles "
            "WHERE rejected IS NULL AND draft = 0 AND published > :now "
            "UNION ALL SELECT MIN(updated) FROM articles WHERE listed = 1 AND updated > :now)",
            {"now": now},
        ).fetchone()
        return row[0] if row else None

    def listed_among(self, sources: Iterable[str]) -> set[str]:
        """Those of `sources` that are listed (indexed and in the feeds)."""
        query = "SELECT source FROM articles WHERE listed = 1 AND source IN ({marks})"
        return {source for (source,) in self._select_in(query, sources)}

    def kept_among(self, sources: Iterable[str]) -> set[str]:
        """Those of `sources` whose article (a last good version) is kept."""
        return {
            source for (source,) in self._select_in("SELECT source FROM articles WHERE source IN ({marks})", sources)
        }

    def listed(self) -> set[str]:
        """Every listed article."""
        return {source for (source,) in self._db.execute("SELECT source FROM articles WHERE listed = 1")}

    def metadata(self, sources: Iterable[str]) -> dict[str, Article]:
        """The kept articles of `sources`, metadata only (empty bodies)."""
        rows = list(self._select_in("SELECT source, meta FROM bodies WHERE source IN ({marks})", sources))
        # One decoder call for all rows: per-row calls cost a third more.
        decoded = json.loads("[" + ",".join(meta for _, meta in rows) + "]")
        return {source: _article(data, None) for (source, _), data in zip(rows, decoded, strict=True)}

    def full_articles(self, sources: Iterable[str]) -> dict[str, Article]:
        """The kept articles of `sources` with their HTML (their plain text is not kept)."""
        found = {}
        for source in sources:
            row = self._db.execute("SELECT meta, html FROM bodies WHERE source = ?", (source,)).fetchone()
            if row:
                found[source] = _article(row[0], row[1])
        return found

    def put_article(self, article: Article, html: bytes | None = None) -> None:
        """Keep `article` (its last good version); `html` is its body already compressed. Its
        fate (rejected, listed, updated_shown) is carried over from the version it replaces,
        until `reject` and `decide` settle it."""
        html = html if html is not None else compress_html(article.body_html)
        query = "SELECT rejected, listed, updated_shown FROM articles WHERE source = ?"
        rejected, listed, shown = self._db.execute(query, (article.source,)).fetchone() or (None, 0, 0)
        published = utc_key(article.published)
        self._db.execute(
            "INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                article.source,
                article.slug,
                article.entry_id,
                int(article.draft),
                published,
                utc_key(article.updated),
                rejected,
                listed,
                shown,
            ),
        )
        self._db.execute("INSERT OR REPLACE INTO bodies VALUES (?, ?, ?)", (article.source, _meta_json(article), html))
        self._db.execute("DELETE FROM names WHERE source = ?", (article.source,))
        self._db.executemany(
            "INSERT INTO names VALUES (?, ?, ?, ?, ?, ?)",
            ((article.source, scope.kind, scope.slug, scope.name, listed, published) for scope in scopes_of(article)),
        )

    def drop_articles(self, sources: Iterable[str]) -> None:
        """Forget the articles of `sources`."""
        for batch in _batches(sources):
            marks = ",".join("?" * len(batch))
            for table in ("articles", "bodies", "names"):
                self._db.execute(f"DELETE FROM {table} WHERE source IN ({marks})", batch)

    # -- scopes: the site, each tag, each category --

    def scopes_among(self, sources: Iterable[str]) -> set[tuple[str, str]]:
        """(kind, slug) of every tag and category the articles of `sources` have."""
        return set(self._select_in("SELECT kind, slug FROM names WHERE source IN ({marks})", sources))

    def listed_scopes(self) -> set[tuple[str, str]]:
        """(kind, slug) of every tag and category of a listed article."""
        return set(self._db.execute("SELECT DISTINCT kind, slug FROM names WHERE listed = 1"))

    def newest(self, kind: str, slug: str, limit: int) -> list[str]:
        """The `limit` newest listed articles of a scope ("site", or a tag or category slug)."""
        if kind == "site":
            query = "SELECT source FROM articles WHERE listed = 1 ORDER BY published DESC, source DESC LIMIT ?"
            rows = self._db.execute(query, (limit,))
        else:
            query = (
                "SELECT source FROM names WHERE kind = ? AND slug = ? AND listed = 1 "
                "ORDER BY published DESC, source DESC LIMIT ?"
            )
            rows = self._db.execute(query, (kind, slug, limit))
        return [source for (source,) in rows]

    def spellings(self, kind: str, slugs: Collection[str] | None = None) -> dict[str, Counter[str]]:
        """slug → how many listed articles spell its name each way (every slug, or `slugs`: those
        no listed article has map to an empty Counter)."""
        counts: dict[str, Counter[str]] = {slug: Counter() for slug in slugs or ()}
        if slugs is None:
            query = "SELECT slug, name, COUNT(*) FROM names WHERE kind = ? AND listed = 1 GROUP BY slug, name"
            rows: Iterable[tuple[str, str, int]] = self._db.execute(query, (kind,))
        else:
            query = "SELECT name, COUNT(*) FROM names WHERE kind = ? AND slug = ? AND listed = 1 GROUP BY name"
            rows = ((slug, name, count) for slug in slugs for name, count in self._db.execute(query, (kind, slug)))
        for slug, name, count in rows:
            counts.setdefault(slug, Counter())[name] = count
        return counts

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

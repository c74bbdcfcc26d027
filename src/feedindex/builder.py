"""`build(config)`: the scheduled regeneration job, incremental, atomic, locked, crash-safe.

The stages, in order:

1. **lock** the output folder (one builder at a time);
2. **scan** the content folder: one `stat` per file, compared with the last build's state;
   a file whose size or mtime changed is hashed, and re-read only if its bytes changed;
3. **no-op**: nothing changed, nothing became due, the configuration and analyzer are the
   same → return at once (jieba, Whoosh and feedgen are never loaded);
4. **read** the changed articles; a file that no longer reads keeps its last good version;
5. **index**: a new generation from the live one plus the changes (or from scratch after a
   configuration or analyzer change, or with `full=True`), switched to atomically;
6. **feeds**: only the feed files whose entries changed are rendered again, each written to a
   temporary file and renamed; feeds of vanished tags are removed;
7. **state**: committed last, in one SQLite transaction.

A build killed at any instant leaves the previous outputs or the new ones (each file is
replaced atomically; the index switches generation by renaming one pointer) and a state that
never claims more than is published, so the next build completes the work.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .analysis import AnalyzerSpec
from .config import FEED_FILES, Config
from .errors import ContentError, LockError
from .model import Article, display_names
from .sources import SourceFile, scan_sources

if TYPE_CHECKING:
    from .feeds import FeedsReport
    from .state import FileStat, State

log = logging.getLogger(__name__)

LOCK_FILE = "build.lock"
MIN_PART = 100  # a full build uses one worker process per this many articles, up to the workers
Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class BuildReport:
    """What a build read, published, changed and rejected."""

    articles: int  # articles read successfully (drafts and scheduled ones included)
    published: int  # articles in the index and eligible for the feeds
    errors: tuple[ContentError, ...]
    warnings: tuple[ContentError, ...]
    feeds: tuple[Path, ...]  # the site-wide feed files
    feed_files: int  # every feed file, tag and category feeds included
    index: Path
    seconds: float
    changed: int = 0  # source files read again (added, edited, or become due)
    removed: int = 0  # source files gone since the last build
    unchanged: int = 0
    full: bool = True  # everything was rebuilt
    feeds_written: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self, relative_to: Path | None = None) -> dict[str, Any]:
        """The report as the JSON object `feedindex build --json` prints."""

        def shown(path: Path) -> str:
            if relative_to is not None and path.is_relative_to(relative_to):
                return path.relative_to(relative_to).as_posix()
            return str(path)

        return {
            "articles": self.articles,
            "published": self.published,
            "errors": [error.as_dict() for error in self.errors],
            "warnings": [warning.as_dict() for warning in self.warnings],
            "feeds": [shown(path) for path in self.feeds],
            "feed_files": self.feed_files,
            "index": shown(self.index),
            "seconds": round(self.seconds, 3),
            "changed": self.changed,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "full": self.full,
            "feeds_written": self.feeds_written,
            **self.extra,
        }

    def summary(self) -> str:
        """One line for the operator: `12 changed, 1 removed, 48,210 unchanged, 0.41 s`."""
        kind = " (full build)" if self.full else ""
        rejected = f", {len(self.errors)} rejected" if self.errors else ""
        return (
            f"{self.changed:,} changed, {self.removed:,} removed, {self.unchanged:,} unchanged{rejected}, "
            f"{self.published:,} published, {self.seconds:.2f} s{kind}"
        )


def analyzer_spec(config: Config) -> AnalyzerSpec:
    """The analyzer the configuration asks for."""
    user_dict = config.search.user_dict
    return AnalyzerSpec(segmenter=config.search.segmenter, user_dict=str(user_dict) if user_dict else None)


def config_identity(config: Config) -> str:
    """A digest of everything in the configuration (and feedindex's version) the outputs depend on.

    The server's settings, the index retention and the number of build workers do not change
    what a build writes, so editing them does not cost a full rebuild.
    """
    values = asdict(config)
    for name in ("source", "server", "index", "build"):
        values.pop(name, None)
    values["paths"].pop("out", None)
    values["version"] = __version__
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


@contextmanager
def build_lock(config: Config, wait: float = 0.0) -> Iterator[None]:
    """Hold the output folder's build lock; LockError when another build keeps it past `wait` s.

    The lock is an OS file lock: a build killed with SIGKILL releases it with its process, so a
    stale lock never blocks the next run.
    """
    from filelock import FileLock, Timeout

    config.state_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(config.state_dir / LOCK_FILE), timeout=wait)
    try:
        lock.acquire()
    except Timeout:
        raise LockError(f"another build is running on {config.paths.out} (waited {wait:g} s)") from None
    try:
        yield
    finally:
        lock.release()


def build(
    config: Config,
    *,
    now: datetime | None = None,
    full: bool = False,
    wait: float = 0.0,
    progress: Progress | None = None,
) -> BuildReport:
    """Bring the index and feeds in `paths.out` up to date with the content folder.

    Only what changed since the last build is redone (everything with `full=True`, or after a
    change of configuration or analyzer). Bad articles are reported, never stop the build, and a
    published article whose file breaks keeps its last good version. `now` decides which dated
    articles are due (default: the current time). Raises LockError when another build is
    running and does not finish within `wait` seconds.
    """
    with build_lock(config, wait):
        return _Build(config, now or datetime.now(config.site.tz), full, progress or (lambda *_: None)).run()


def _hash_file(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class _Build:
    """One run of the pipeline; the stages are methods called in order by `run`."""

    def __init__(self, config: Config, now: datetime, full: bool, progress: Progress) -> None:
        self.config = config
        self.now = now
        self.full = full
        self.progress = progress
        self.started = time.perf_counter()
        self.spec = analyzer_spec(config)
        self.errors: list[ContentError] = []
        self.warnings: list[ContentError] = []

    def run(self) -> BuildReport:
        from .state import open_state

        state = open_state(self.config.state_dir)
        try:
            return self._run(state)
        finally:
            state.close()

    # -- stage 2: what changed --

    def _needs_full(self, state: State) -> bool:
        from .index import POINTER

        site_feeds = [self.config.paths.out / FEED_FILES[kind] for kind in self.config.feeds.formats]
        return (
            self.full
            or state.get("config") != config_identity(self.config)
            or state.get("analyzer") != self.spec.identity()
            or not (self.config.index_dir / POINTER).is_file()
            or not all(path.is_file() for path in site_feeds)
        )

    def _changes(
        self, scanned: dict[str, SourceFile], previous: Mapping[str, FileStat]
    ) -> tuple[dict[str, FileStat], list[str], list[str]]:
        """The new file table, the sources to read again, the sources gone."""
        from .state import FileStat

        files: dict[str, FileStat] = {}
        changed: list[str] = []
        for rel, source in scanned.items():
            known = previous.get(rel)
            if not self.full and known and (known.size, known.mtime_ns) == (source.size, source.mtime_ns):
                files[rel] = known
                continue
            digest = _hash_file(source.path) if known and not self.full else None
            if digest is not None and known is not None and digest == known.hash:
                files[rel] = FileStat(source.size, source.mtime_ns, digest)  # touched, not changed
                continue
            files[rel] = FileStat(source.size, source.mtime_ns, digest or "")
            changed.append(rel)
        removed = [rel for rel in previous if rel not in scanned]
        return files, changed, removed

    # -- stage 4: read --

    def _read(self, scanned: dict[str, SourceFile], changed: Sequence[str]) -> dict[str, Article]:
        from .content import read_article

        read: dict[str, Article] = {}
        for number, rel in enumerate(changed, 1):
            try:
                article, notes = read_article(scanned[rel].path, self.config, self.config.paths.content)
            except ContentError as error:
                self.errors.append(error)
            else:
                read[rel] = article
                self.warnings.extend(notes)
            if number % 50 == 0 or number == len(changed):
                self.progress("reading", number, len(changed))
        return read

    # -- the run --

    def _run(self, state: State) -> BuildReport:
        self.full = self._needs_full(state)
        content_dir = self.config.paths.content
        scanned = scan_sources(content_dir) if content_dir.is_dir() else {}
        files, changed, removed = self._changes(scanned, {} if self.full else state.files())
        # Files that failed to read last time and are untouched still fail: say so every run.
        self.errors = [
            _error_from_dict(item)
            for item in (state.get("errors") or [])
            if item["path"] in scanned and item["path"] not in changed and not self.full
        ]
        next_due = state.get("next_due")
        due = next_due is not None and self.now >= datetime.fromisoformat(next_due)
        if not self.full and not changed and not removed and not due:
            return self._report(state, len(scanned))
        if not content_dir.is_dir():
            self.errors.append(ContentError(str(content_dir), "paths.content", "content folder does not exist"))
        kept = {article.source: article for article in state.articles()}
        for rel in removed:
            kept.pop(rel, None)
        read = self._full if self.full else partial(self._incremental, changed=changed)
        outcome = read(state, scanned, kept)
        for rel, article in outcome.read.items():
            files[rel] = files[rel]._replace(hash=article.content_hash)
        feeds = self._feeds(outcome)
        with state.transaction():
            state.put_files(files)
            for source, article in outcome.read.items():
                state.put_article(article, outcome.html.get(source))
            state.drop_articles([source for source in kept if source not in outcome.current] + removed)
            state.put_feeds(feeds.signatures)
            scheduled = [a.published for a in outcome.valid if not a.draft and a.published > self.now]
            state.set("config", config_identity(self.config))
            state.set("analyzer", self.spec.identity())
            state.set("next_due", min(scheduled).isoformat() if scheduled else None)
            state.set("published", sorted(outcome.published_sources))
            state.set("articles", len(outcome.valid))
            state.set("errors", [error.as_dict() for error in self.errors])
            state.set("duplicates", [error.as_dict() for error in outcome.duplicates])
            state.set("feed_files", len(feeds.paths))
            state.set("generation", outcome.generation)
        return self._report(state, len(scanned), changed=len(changed), removed=len(removed), written=feeds.written)

    def _settle(self, state: State, current: dict[str, Article]) -> tuple[list[Article], list[ContentError]]:
        """Keep last good versions of files that no longer read; resolve duplicate slugs."""
        from .content import resolve_duplicates

        self.errors = [
            _kept(error) if error.path in current and error.field != "paths.content" else error for error in self.errors
        ]
        return resolve_duplicates(current.values())

    def _full(self, state: State, scanned: dict[str, SourceFile], kept: dict[str, Article]) -> _Outcome:
        """Read and index everything, in parallel parts (one per core), streaming."""
        from .index import assemble, new_generation

        generation = new_generation(self.config.index_dir)
        count = self.config.build.workers or os.cpu_count() or 1
        chunks = _split(list(scanned.values()), max(1, min(count, len(scanned) // MIN_PART)))
        parts = _run_parts(self.config, self.spec, generation, chunks, self.now, self.progress)
        read: dict[str, Article] = {}
        html: dict[str, bytes] = {}
        indexed: set[str] = set()
        for part in parts:
            read.update((article.source, article) for article in part.articles)
            html.update(part.html)
            indexed.update(part.indexed)
            self.errors += part.errors
            self.warnings += part.warnings
        broken = {error.path for error in self.errors}
        current = {source: article for source, article in kept.items() if source in broken and source in scanned}
        current.update(read)
        valid, duplicates = self._settle(state, current)
        published = [article for article in valid if article.is_published(self.now)]
        published_sources = {article.source for article in published}
        missing = sorted(published_sources - indexed)  # last good versions of broken files
        info = assemble(
            self.config.index_dir,
            generation,
            len(chunks),
            self.spec,
            _names(published),
            remove=sorted(indexed - published_sources),  # duplicates that lost their slug
            add=[state.full_articles(missing)[source] for source in missing] if missing else [],
            retention=self.config.index.retention_seconds,
        )
        return _Outcome(read, html, current, valid, duplicates, published, info.generation, state)

    def _incremental(
        self, state: State, scanned: dict[str, SourceFile], kept: dict[str, Article], changed: list[str]
    ) -> _Outcome:
        """Read the changed files and update the live index with what changed."""
        from .index import current_generation, update_index

        read = self._read(scanned, changed)
        current = {source: article for source, article in kept.items() if source in scanned} | read
        valid, duplicates = self._settle(state, current)
        published = [article for article in valid if article.is_published(self.now)]
        published_sources = {article.source for article in published}
        was_published = set(state.get("published") or [])
        remove = sorted((was_published - published_sources) | (was_published & set(read)))
        add = sorted(published_sources & (set(read) | (published_sources - was_published)))
        if remove or add:
            bodies = {source: read[source] for source in add if source in read}
            bodies.update(state.full_articles([source for source in add if source not in bodies]))
            generation = update_index(
                self.config.index_dir,
                remove,
                [bodies[source] for source in add],
                self.spec,
                _names(published),
                self.config.index.retention_seconds,
            ).generation
        else:
            generation = current_generation(self.config.index_dir).name
        return _Outcome(read, {}, current, valid, duplicates, published, generation, state)

    def _feeds(self, outcome: _Outcome) -> FeedsReport:
        from .feeds import write_feeds
        from .identity import assign_ids

        ids = assign_ids(self.config, outcome.published)
        return write_feeds(
            self.config,
            outcome.published,
            ids,
            self.now,
            load=outcome.bodies,
            previous=outcome.state.feeds(),
            force=self.full,
        )

    def _report(
        self, state: State, scanned: int, *, changed: int = 0, removed: int = 0, written: int = 0
    ) -> BuildReport:
        out = self.config.paths.out
        duplicates = [_error_from_dict(item) for item in state.get("duplicates") or []]
        report = BuildReport(
            articles=state.get("articles") or 0,
            published=len(state.get("published") or []),
            errors=tuple(sorted(self.errors + duplicates, key=lambda e: (e.path, e.field or ""))),
            warnings=tuple(self.warnings),
            feeds=tuple(out / FEED_FILES[kind] for kind in self.config.feeds.formats),
            feed_files=state.get("feed_files") or 0,
            index=self.config.index_dir,
            seconds=time.perf_counter() - self.started,
            changed=changed,
            removed=removed,
            unchanged=scanned - changed,
            full=self.full,
            feeds_written=written,
        )
        log.info("%s", report.summary())
        return report


@dataclass
class _Outcome:
    """What reading and indexing produced, for the feeds and the state."""

    read: dict[str, Article]  # articles read this run (bodies may be empty: see `html`)
    html: dict[str, bytes]  # compressed HTML of `read` articles whose bodies were dropped
    current: dict[str, Article]  # every article there is: read now, or kept from earlier
    valid: list[Article]  # current minus duplicates
    duplicates: list[ContentError]
    published: list[Article]
    generation: str
    state: State

    @property
    def published_sources(self) -> set[str]:
        return {article.source for article in self.published}

    def bodies(self, sources: Sequence[str]) -> dict[str, Article]:
        """Full articles (with HTML) for the feeds: from memory, else from the state."""
        from .state import decompress_html

        found: dict[str, Article] = {}
        for source in sources:
            article = self.read.get(source)
            if article is not None and article.body_html:
                found[source] = article
            elif article is not None and source in self.html:
                found[source] = replace(article, body_html=decompress_html(self.html[source]))
        found.update(self.state.full_articles([source for source in sources if source not in found], text=False))
        return found


@dataclass
class _Part:
    """What one worker read and indexed: metadata, compressed HTML, errors, indexed sources."""

    articles: list[Article] = field(default_factory=list)
    html: dict[str, bytes] = field(default_factory=dict)
    errors: list[ContentError] = field(default_factory=list)
    warnings: list[ContentError] = field(default_factory=list)
    indexed: list[str] = field(default_factory=list)


_done: Any = None  # a shared counter of files read, for the progress bar (set in each worker)


def _count_in(counter: Any) -> None:
    global _done
    _done = counter


def _build_part(
    config: Config, spec: AnalyzerSpec, generation: Path, number: int, paths: list[Path], now: datetime
) -> _Part:
    """Read `paths` and index the published ones as part `number` of `generation`.

    Runs in a worker process. Articles stream through: only metadata and compressed HTML are
    kept, so memory stays flat however many articles a part has.
    """
    from .content import read_article
    from .index import write_part
    from .state import compress_html

    part = _Part()

    def published() -> Iterator[Article]:
        for path in paths:
            try:
                article, notes = read_article(path, config, config.paths.content)
            except ContentError as error:
                part.errors.append(error)
                continue
            finally:
                if _done is not None:
                    with _done.get_lock():
                        _done.value += 1
            part.warnings.extend(notes)
            part.html[article.source] = compress_html(article.body_html)
            part.articles.append(replace(article, body_html="", body_text=""))
            if article.is_published(now):
                part.indexed.append(article.source)
                yield article

    write_part(generation, number, published(), spec)
    return part


def _run_parts(
    config: Config, spec: AnalyzerSpec, generation: Path, chunks: list[list[Path]], now: datetime, progress: Progress
) -> list[_Part]:
    """Build every part: in worker processes when there are several, else in this process."""
    import multiprocessing

    total = sum(len(chunk) for chunk in chunks)
    counter = multiprocessing.get_context("fork").Value("l", 0)
    if len(chunks) == 1:
        _count_in(counter)
        try:
            return [_build_part(config, spec, generation, 0, chunks[0], now)]
        finally:
            _count_in(None)
    from concurrent.futures import ProcessPoolExecutor, wait

    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(len(chunks), mp_context=context, initializer=_count_in, initargs=(counter,)) as pool:
        futures = [pool.submit(_build_part, config, spec, generation, n, chunk, now) for n, chunk in enumerate(chunks)]
        while wait(futures, timeout=0.25).not_done:
            progress("reading and indexing", counter.value, total)
        progress("reading and indexing", total, total)
        return [future.result() for future in futures]


def _split(sources: list[SourceFile], count: int) -> list[list[Path]]:
    """`count` parts dealt round-robin in path order, so each part gets the same mix of kinds of
    article (a folder of poems costs more per byte to index than one of manuals) and the parts
    finish together; the same sources always split the same way."""
    ordered = sorted(sources, key=lambda source: source.path)
    chunks = [[source.path for source in ordered[start::count]] for start in range(count)]
    return [chunk for chunk in chunks if chunk] or [[]]


def _names(published: list[Article]) -> dict[str, dict[str, str]]:
    return {
        "tags": display_names(tag for article in published for tag in article.tags),
        "category": display_names(name for article in published for name in article.categories),
    }


def _error_from_dict(item: dict[str, Any]) -> ContentError:
    return ContentError(item["path"], item["field"], item["message"], item["line"])


def _kept(error: ContentError) -> ContentError:
    """The same error, saying that the last good version stays published."""
    message = f"{error.message} (the last good version stays published)"
    return ContentError(error.path, error.field, message, error.line)

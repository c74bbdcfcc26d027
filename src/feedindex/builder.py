"""`build(config)`: the scheduled regeneration job, incremental, atomic, locked, crash-safe.

The stages, in order:

1. **lock** the output folder (one builder at a time), and remove what a failed or killed
   build left (index generations that were never published);
2. **scan** the content folder: one `stat` per file, compared whole with the last build's;
   a file whose size or mtime changed is hashed, and re-read only if its bytes changed;
3. **no-op**: nothing changed, nothing became due, the configuration and analyzer are the
   same → return at once (jieba, Whoosh and feedgen are never loaded);
4. **read** the changed articles (all of them, in parallel parts, in a full build); a file that
   no longer reads keeps its last good version;
5. **decide**, inside the state's transaction: record what was read, then settle which
   articles are duplicates and which are listed (published) for the whole site in SQL, from a
   few columns per article, so the cost does not grow with the site; a build that would
   unpublish more than `build.max_unpublish` of the site stops here, having written nothing;
6. **index**: a new generation from the live one plus the changes (or from scratch after a
   configuration or analyzer change, with `full=True`, or when the index is due a full
   merge), switched to atomically;
7. **feeds**: only the site, tag and category feeds a changed article belongs to (before or
   after the change) are looked at, and a feed file is rendered again only when what it shows
   changed; each is written to a temporary file and renamed; feeds of vanished tags are removed;
8. **commit** the state's transaction, last.

A build killed at any instant leaves the previous outputs or the new ones (each file is
replaced atomically; the index switches generation by renaming one pointer) and a state that
never claims more than is published (its transaction rolls back), so the next build completes
the work. A build that cannot write (disk full, read-only) raises OutputError and removes its
unpublished generation at once; its worker processes die with it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .analysis import AnalyzerSpec
from .config import Config
from .content.scan import Scan, Stat, check_content_folder, scan_rules, scan_sources
from .errors import ContentError, LockError, NotAnArticle, OutputError, UnpublishError, printable
from .index.generations import remove_abandoned_generations
from .model import ARTICLE_FORMAT, Article, display_name
from .paths import FEED_FILES, FEEDS_PAGE
from .state import utc_key

if TYPE_CHECKING:
    from .state import FileStat, State

log = logging.getLogger(__name__)

LOCK_FILE = "build.lock"
_NAME_KINDS = ("tag", "category")
MISSING_IMAGE_EXAMPLES = 3  # images named in the build's one warning about images not found
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
    full_reason: str | None = None  # why everything was rebuilt ("configuration changed", ...)
    drafts: int = 0  # articles with `draft: true`
    scheduled: int = 0  # articles dated after the build: published by the first build after their date
    # Articles in the feeds written this build whose `image` is not on disk: how many, a few of them.
    missing_images: int = 0
    missing_image_examples: tuple[str, ...] = ()  # "posts/a.md: cover.jpg"
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
            "full_reason": self.full_reason,
            "drafts": self.drafts,
            "scheduled": self.scheduled,
            "missing_images": self.missing_images,
            "missing_image_examples": list(self.missing_image_examples),
            **self.extra,
        }

    def missing_images_warning(self) -> str | None:
        """One line about the images not found on disk, or None when every image was found."""
        if not self.missing_images:
            return None
        shown = ", ".join(self.missing_image_examples)
        more = (
            f" and {self.missing_images - len(self.missing_image_examples):,} more"
            if self.missing_images > len(self.missing_image_examples)
            else ""
        )
        return (
            f"{self.missing_images:,} article image(s) in the feeds written are not on disk ({shown}{more}): "
            "their enclosures say length 0; set paths.images to the folder that holds them"
        )

    def summary(self) -> str:
        """One line for the operator: what was read, then what became of every article:
        `12 changed, 1 removed, 48,210 unchanged: 48,190 published, 3 drafts, 1 scheduled, 2 rejected, 0.41 s`."""
        kind = (f" (full build: {self.full_reason})" if self.full_reason else " (full build)") if self.full else ""
        return (
            f"{self.changed:,} changed, {self.removed:,} removed, {self.unchanged:,} unchanged: "
            f"{self.published:,} published, {self.drafts:,} draft{'s' * (self.drafts != 1)}, "
            f"{self.scheduled:,} scheduled, {len(self.errors):,} rejected, {self.seconds:.2f} s{kind}"
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
    allow_unpublish: bool = False,
) -> BuildReport:
    """Bring the index and feeds in `paths.out` up to date with the content folder.

    Only what changed since the last build is redone (everything with `full=True`, or after a
    change of configuration or analyzer). Bad articles are reported, never stop the build, and a
    published article whose file breaks keeps its last good version. `now` decides which dated
    articles are due (default: the current time).

    Raises ConfigError when the content folder does not exist (nothing is written), LockError
    when another build is running and does not finish within `wait` seconds, UnpublishError
    when the build would unpublish more than `build.max_unpublish` of the published articles
    (unless `allow_unpublish`), and OutputError when the output folder cannot be written; in
    each case what was published before stays as it was.
    """
    check_content_folder(config.paths.content, config.source)
    try:
        with build_lock(config, wait):
            remove_abandoned_generations(config.index_dir)  # left by a build killed before this one
            try:
                moment = now or datetime.now(config.site.tz)
                return _Build(config, moment, full, progress or (lambda *_: None), allow_unpublish).run()
            except BaseException:
                remove_abandoned_generations(config.index_dir)  # this build's, at once: a full disk stays full
                raise
    except OSError as error:
        raise OutputError(_output_problem(config, error)) from error
    except sqlite3.Error as error:
        state = printable(str(config.state_dir / "state.sqlite"))
        raise OutputError(f"cannot write {state}: {printable(str(error))}; {_NOTHING_HALF_WRITTEN}") from error


def _output_problem(config: Config, error: OSError) -> str:
    """One line naming the path and the cause of a failure to write the output folder."""
    where = f"to {config.paths.out}" if error.filename is None else str(error.filename)
    cause = error.strerror or str(error) or type(error).__name__
    return f"cannot write {printable(where)}: {printable(cause)}; {_NOTHING_HALF_WRITTEN}"


# What a failed build leaves: every published file is the old one or the new one, the state
# claims nothing that was not published, this build's unpublished generation is gone.
_NOTHING_HALF_WRITTEN = "nothing half-written was published, and the next build completes the work"


def _hash_file(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class _Build:
    """One run of the pipeline; the stages are methods called in order by `run`."""

    def __init__(
        self, config: Config, now: datetime, full: bool, progress: Progress, allow_unpublish: bool = False
    ) -> None:
        self.config = config
        self.now = now
        self.full = full
        self.progress = progress
        self.allow_unpublish = allow_unpublish
        self.started = time.perf_counter()
        self.spec = analyzer_spec(config)
        self.errors: list[ContentError] = []
        self.warnings: list[ContentError] = []
        self.parts = 1  # index parts a full build wrote
        self.reason: str | None = None  # why everything is rebuilt
        self.scan = Scan({})  # what the scan found, and could not read
        self.missing_images: dict[str, str] = {}  # source → `image` the feeds written could not find
        self.skipped: list[str] = []  # files read again that are not articles (a headless bundle)

    def run(self) -> BuildReport:
        from .state import open_state

        state = open_state(self.config.state_dir)
        try:
            return self._run(state)
        finally:
            state.close()

    # -- stage 2: what changed --

    def _full_reason(self, state: State) -> str | None:
        """Why this build must rebuild everything, or None when it can be incremental."""
        from .paths import POINTER

        out = self.config.paths.out
        site_feeds = [out / FEED_FILES[kind] for kind in self.config.feeds.formats] + [out / FEEDS_PAGE]
        if self.full:
            return "asked for with --full"
        if state.get("config") is None:
            return "no earlier build"
        if state.get("config") != config_identity(self.config):
            return "configuration changed"
        if state.get("analyzer") != self.spec.identity():
            return "analyzer changed"
        if state.get("article_format") != ARTICLE_FORMAT:
            return "article format changed"
        if not (self.config.index_dir / POINTER).is_file():
            return "index missing"
        if not all(path.is_file() for path in site_feeds):
            return "site feeds missing"
        return None

    def _changes(
        self, state: State, scanned: dict[str, Stat], stored: dict[str, Stat]
    ) -> tuple[dict[str, FileStat], list[str], list[str]]:
        """The file rows to record, the sources to read again (sorted), the sources gone."""
        from .state import FileStat

        if scanned == stored:  # the common case, decided in one comparison
            return {}, [], []
        candidates = [rel for rel, stat in scanned.items() if stored.get(rel) != stat]
        removed = sorted(rel for rel in stored if rel not in scanned)
        known = state.hashes(candidates) if stored else {}
        files: dict[str, FileStat] = {}
        changed: list[str] = []
        for rel in candidates:
            size, mtime_ns = scanned[rel]
            digest = _hash_file(self.config.paths.content / rel) if rel in known else None
            if digest is not None and digest == known[rel]:
                files[rel] = FileStat(size, mtime_ns, digest)  # touched, not changed
                continue
            files[rel] = FileStat(size, mtime_ns, digest or "")
            changed.append(rel)
        return files, sorted(changed), removed

    def _workers(self, articles: int) -> int:
        """How many worker processes a full build of `articles` uses (a part per MIN_PART)."""
        count = self.config.build.workers or os.cpu_count() or 1
        return max(1, min(count, articles // MIN_PART))

    def _merge_due(self, changed: int, removed: int) -> bool:
        from .index.merge import merge_due

        return merge_due(self.config.index_dir, deleting=changed + removed, adding=changed)

    # -- stage 4: read --

    def _read(self, changed: Sequence[str]) -> dict[str, Article]:
        from .content.reading import read_article

        read: dict[str, Article] = {}
        content_dir = self.config.paths.content
        for number, rel in enumerate(changed, 1):
            try:
                article, notes = read_article(content_dir / rel, self.config, content_dir)
            except ContentError as error:
                self.errors.append(error)
            except NotAnArticle as skip:
                log.info("%s", skip)
                self.skipped.append(rel)  # no longer an article: dropped like a removed file
            else:
                read[rel] = article
                self.warnings.extend(notes)
            if number % 50 == 0 or number == len(changed):
                self.progress("reading", number, len(changed))
        return read

    def _read_all(self, scanned: dict[str, Stat]) -> tuple[dict[str, Article], dict[str, bytes], set[str], str]:
        """Read and index everything, in parallel parts (one per core), streaming: the articles
        (metadata only), their compressed HTML, the sources indexed, the new generation."""
        from .index.generations import new_generation

        generation = new_generation(self.config.index_dir)
        paths = [self.config.paths.content / rel for rel in sorted(scanned)]
        chunks = _split(paths, self._workers(len(paths)))
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
        self.parts = len(chunks)
        return read, html, indexed, generation.name

    # -- the run --

    def _scan(self, state: State) -> dict[str, Stat]:
        """The article files of the content folder. Those under a folder that could not be listed
        this time are taken as they were (unknown is not gone: nothing is unpublished for it)."""
        scan: Scan = scan_sources(self.config.paths.content, scan_rules(self.config))
        self.scan = scan
        scanned = scan.files
        if scan.unlisted:
            prefixes = tuple(scan.unlisted)
            stored = state.stats()
            scanned = dict(scanned) | {
                rel: stat for rel, stat in stored.items() if rel.startswith(prefixes) and rel not in scanned
            }
        return scanned

    def _run(self, state: State) -> BuildReport:
        from .state import FileStat

        self.reason = self._full_reason(state)
        self.full = self.reason is not None
        scanned = self._scan(state)
        files, changed, removed = self._changes(state, scanned, {} if self.full else state.stats())
        earlier = [] if self.full else (state.get("errors") or [])
        # A file that could not be read last time (it vanished mid-build, a disk error) is read
        # again, whatever its size and mtime: once it reads, it is no longer an error.
        failed = {item["path"] for item in earlier if item["field"] == "file"}
        pending = set(changed) if failed else set()
        retry = sorted(rel for rel in failed if rel in scanned and rel not in pending)
        for rel in retry:
            files[rel] = FileStat(*scanned[rel], "")
        changed = sorted([*changed, *retry])
        # Files that failed to read last time and are untouched still fail: say so every run.
        reread = set(changed)
        self.errors = [
            _error_from_dict(item) for item in earlier if item["path"] in scanned and item["path"] not in reread
        ]
        next_due = state.get("next_due")
        due = next_due is not None and self.now >= datetime.fromisoformat(next_due)
        if not self.full and not changed and not removed and not due:
            if files:  # touched files: record their new mtimes, so they are not hashed again
                with state.transaction():
                    state.put_files(files)
            return self._report(state, len(scanned))
        if not self.full and self._workers(len(scanned)) > 1 and self._merge_due(len(changed), len(removed)):
            # Small segments or deleted documents have grown past their share: rather than let
            # Whoosh merge the whole index in one process, rebuild it on every core.
            log.info("the index is due a full merge: building everything again, in parallel")
            self.full, self.errors, self.reason = True, [], "index due a full merge"
            files, changed, removed = self._changes(state, scanned, {})
        if self.full:
            read, html, indexed, generation = self._read_all(scanned)
        else:
            read, html, indexed, generation = self._read(changed), {}, None, ""
        with state.transaction():
            outcome = self._apply(state, scanned, read, html, removed + self.skipped, indexed, generation)
            for rel, article in read.items():
                files[rel] = files[rel]._replace(hash=article.content_hash)
            state.put_files(files, removed, replace_all=self.full)
            state.put_feeds(outcome.signatures)
            state.set("config", config_identity(self.config))
            state.set("analyzer", self.spec.identity())
            state.set("article_format", ARTICLE_FORMAT)
            state.set("errors", [error.as_dict() for error in self.errors])
        return self._report(state, len(scanned), changed=len(changed), removed=len(removed), written=outcome.written)

    def _apply(
        self,
        state: State,
        scanned: dict[str, Stat],
        read: dict[str, Article],
        html: dict[str, bytes],
        removed: list[str],
        indexed: set[str] | None,
        generation: str,
    ) -> _Outcome:
        """Record what was read, decide every article's fate, update the index and the feeds.

        Runs inside the state's transaction, so the queries below see this build's articles;
        the fates (duplicate, listed) are decided for all articles from a few columns each,
        and only the articles and feeds they touch are decoded and rendered.
        """
        from .content.reading import duplicate_losers
        from .feeds.page import write_feeds_page
        from .paths import scope_of_feed_file as scope_key

        full = indexed is not None
        before = {("site", "")} | state.scopes_of([*read, *removed])
        was_listed = state.listed_among([*read, *removed])
        listed_before = state.listed() if full else set()
        if full:  # keep only the last good versions of broken files
            broken = {error.path for error in self.errors} & set(scanned)
            state.drop_articles([source for source in state.sources() if source not in broken or source in read])
        state.drop_articles(removed)
        for source, article in read.items():
            state.put_article(article, html.get(source))
        kept = state.kept_among(error.path for error in self.errors)
        self.errors = [_kept(error) if error.path in kept else error for error in self.errors]
        losers = duplicate_losers(state.candidates())
        state.reject({source: json.dumps(error.as_dict(), sort_keys=True) for source, error in losers.items()})
        now = utc_key(self.now)
        fates = state.decide(now)

        listed = state.listed()
        if full:
            unpublished = len(listed_before - listed)
            published_before = len(listed_before)
        else:
            gone = {fate.source for fate in fates if fate.was_listed and not fate.listed}
            unpublished = len(gone | (was_listed & set(removed)))
            published_before = state.get("published") or 0
        self._check_unpublish(unpublished, published_before)
        if indexed is not None:
            remove, add = indexed - listed, listed - indexed  # duplicates; last good versions
            fresh = listed
        else:
            gone = {fate.source for fate in fates if fate.was_listed and not fate.listed}
            remove = gone | was_listed
            add = state.listed_among(read) | {fate.source for fate in fates if fate.listed and not fate.was_listed}
            fresh = add
        touched = set(read) | set(removed) | {fate.source for fate in fates}
        scopes = before | state.scopes_of(touched - set(removed))
        previous = state.feeds()
        scopes |= {scope_key(name) for name in previous if not (self.config.paths.out / name).is_file()}
        if full:
            scopes |= state.listed_scopes() | {scope_key(name) for name in previous}
        spellings = {kind: state.spellings(kind, None if full else _slugs(scopes, kind)) for kind in _NAME_KINDS}
        names = self._index_names(spellings, full)
        generation = self._index(state, read, sorted(remove), sorted(add), names, generation if full else None)
        outcome = self._feeds(state, read, html, listed, fresh, scopes, spellings, previous)
        outcome.generation = generation
        page_names = {"tag": names["tags"], "category": names["category"]}
        # The page lists every tag and category (22 ms for 1,200 of them): render it again only
        # when they changed (a configuration change means a full build).
        page_key = hashlib.sha256(json.dumps(page_names, sort_keys=True).encode()).hexdigest()
        if full or state.get("feeds_page") != page_key or not (self.config.paths.out / FEEDS_PAGE).is_file():
            write_feeds_page(self.config, page_names)
            state.set("feeds_page", page_key)

        articles, published, drafts = state.counts()
        due = state.next_due(now)
        state.set("next_due", datetime.fromisoformat(due).isoformat() if due else None)
        state.set("articles", articles)
        state.set("published", published)
        state.set("drafts", drafts)
        state.set("duplicates", [error.as_dict() for error in sorted(losers.values(), key=lambda e: e.path)])
        state.set("feed_files", len(outcome.signatures))
        state.set("generation", generation)
        return outcome

    def _check_unpublish(self, unpublished: int, published: int) -> None:
        """UnpublishError when this build would take more than `build.max_unpublish` of the
        `published` articles off the site at once (an unmounted, emptied or mistyped content
        folder), unless the operator allowed it. Nothing has been written yet."""
        share = self.config.build.max_unpublish
        if unpublished > share * published and not self.allow_unpublish:
            raise UnpublishError(unpublished, published, share)

    def _index_names(self, spellings: dict[str, dict[str, Counter[str]]], full: bool) -> dict[str, dict[str, str]]:
        """slug → display name of every tag and category, for the index (search facets): the
        live generation's, with those of `spellings` (the scopes this build touched) updated."""
        from .index.generations import current_generation, read_meta

        names: dict[str, dict[str, str]] = {"tags": {}, "category": {}}
        if not full:
            names.update(read_meta(current_generation(self.config.index_dir)).get("names") or {})
        for kind, key in (("tag", "tags"), ("category", "category")):
            found = {slug: display_name(counts) for slug, counts in spellings[kind].items() if counts}
            table = {slug: name for slug, name in names[key].items() if slug not in spellings[kind]}
            names[key] = dict(sorted((table | found).items()))
        return names

    def _index(
        self,
        state: State,
        read: dict[str, Article],
        remove: list[str],
        add: list[str],
        names: dict[str, dict[str, str]],
        generation: str | None,
    ) -> str:
        """Bring the index up to date (join the parts of a full build's `generation`); the live
        generation's name."""
        from .index.generations import current_generation
        from .index.write import assemble, update_index

        bodies = {source: read[source] for source in add if source in read and read[source].body_text}
        from .content.markdown import html_to_text

        kept = state.full_articles([source for source in add if source not in bodies])
        bodies.update(
            (source, replace(article, body_text=html_to_text(article.body_html))) for source, article in kept.items()
        )
        if generation is not None:
            return assemble(
                self.config.index_dir,
                self.config.index_dir / generation,
                self.parts,
                self.spec,
                names,
                remove=remove,
                add=[bodies[source] for source in add],
                retention=self.config.index.retention_seconds,
            ).generation
        if not remove and not add:
            return current_generation(self.config.index_dir).name
        return update_index(
            self.config.index_dir,
            # The added too: a build killed after publishing its index but before recording it
            # in the state may have indexed them already.
            sorted(set(remove) | set(add)),
            [bodies[source] for source in add],
            self.spec,
            names,
            self.config.index.retention_seconds,
        ).generation

    def _feeds(
        self,
        state: State,
        read: dict[str, Article],
        html: dict[str, bytes],
        listed: set[str],
        fresh: set[str],
        scopes: set[tuple[str, str]],
        spellings: dict[str, dict[str, Counter[str]]],
        previous: dict[str, str],
    ) -> _Outcome:
        """Render the feeds of `scopes` again (those whose entries may have changed); `fresh`
        are the articles listed anew or changed, whose entry ids the ledger records."""
        from .content.identity import assign_ids
        from .feeds.entries import prepare_entries
        from .feeds.write import FeedWriter
        from .model import Scope
        from .paths import scope_of_feed_file as scope_key

        config = self.config
        known: dict[str, Article] = dict(read)

        def metadata(sources: Iterable[str]) -> list[Article]:
            sources = list(sources)
            known.update(state.metadata([source for source in sources if source not in known]))
            return [known[source] for source in sources if source in known]

        ids = assign_ids(config, metadata(sorted(fresh)), present=listed)
        outcome = _Outcome(read, html, state)
        writer = FeedWriter(config, outcome.bodies, previous, force=self.full)
        wanted = {"tag": config.feeds.per_tag, "category": config.feeds.per_category, "site": True}
        for kind, slug in sorted(scopes):
            if not wanted[kind] or (kind != "site" and not spellings[kind].get(slug)):
                continue  # a scope with no articles left, or feeds of its kind turned off
            name = display_name(spellings[kind][slug]) if kind != "site" else ""
            articles = metadata(state.newest(kind, slug, config.feeds.items))
            writer.write(Scope(kind, name, slug), prepare_entries(config, articles, ids, self.now))  # type: ignore[arg-type]
        stale = [name for name in previous if scope_key(name) in scopes and name not in writer.signatures]
        writer.finish(stale)
        self.missing_images = writer.contents.missing_images
        outcome.signatures = {
            name: signature for name, signature in previous.items() if scope_key(name) not in scopes
        } | writer.signatures
        outcome.written = writer.written
        return outcome

    def _report(
        self, state: State, scanned: int, *, changed: int = 0, removed: int = 0, written: int = 0
    ) -> BuildReport:
        out = self.config.paths.out
        duplicates = [_error_from_dict(item) for item in state.get("duplicates") or []]
        errors = [*self.errors, *duplicates, *self.scan.errors]
        report = BuildReport(
            articles=state.get("articles") or 0,
            published=state.get("published") or 0,
            drafts=state.get("drafts") or 0,
            scheduled=(state.get("articles") or 0) - (state.get("published") or 0) - (state.get("drafts") or 0),
            errors=tuple(sorted(errors, key=lambda e: (e.path, e.field or ""))),
            warnings=(*self.scan.warnings, *self.warnings),
            feeds=tuple(out / FEED_FILES[kind] for kind in self.config.feeds.formats),
            feed_files=state.get("feed_files") or 0,
            index=self.config.index_dir,
            seconds=time.perf_counter() - self.started,
            changed=changed,
            removed=removed,
            unchanged=scanned - changed,
            full=self.full,
            feeds_written=written,
            full_reason=self.reason if self.full else None,
            missing_images=len(self.missing_images),
            missing_image_examples=tuple(
                f"{source}: {_shorten(image)}"
                for source, image in sorted(self.missing_images.items())[:MISSING_IMAGE_EXAMPLES]
            ),
        )
        log.info("%s", report.summary())
        return report


@dataclass
class _Outcome:
    """What the feeds stage wrote, and where full articles for entry contents come from."""

    read: dict[str, Article]  # articles read this run (bodies may be empty: see `html`)
    html: dict[str, bytes]  # compressed HTML of `read` articles whose bodies were dropped
    state: State
    signatures: dict[str, str] = field(default_factory=dict)  # every feed file → its signature
    written: int = 0
    generation: str = ""

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
        found.update(self.state.full_articles([source for source in sources if source not in found]))
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
_parent: int | None = None  # in a worker process: the build process's pid
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _count_in(counter: Any) -> None:
    global _done
    _done = counter


def _start_worker(counter: Any, parent: int) -> None:
    """Set up a worker process: the progress counter, and death with the build process.

    A worker whose build was killed (SIGKILL, out of memory) must not go on at full CPU writing
    into a generation nobody will publish: on Linux the kernel kills it when the build process
    (the thread that forked it, which waits for the workers) dies; elsewhere, and for a parent
    that died before this ran, the worker checks its parent as it reads (`_orphaned`).
    """
    global _parent
    _count_in(counter)
    _parent = parent
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):  # no prctl in this C library: the parent check remains
            log.debug("prctl(PR_SET_PDEATHSIG) is not available")
    if _orphaned():
        os._exit(1)


def _orphaned() -> bool:
    """Whether this worker's build process has died (the worker was handed to another parent)."""
    return _parent is not None and os.getppid() != _parent


def _build_part(
    config: Config, spec: AnalyzerSpec, generation: Path, number: int, paths: list[Path], now: datetime
) -> _Part:
    """Read `paths` and index the published ones as part `number` of `generation`.

    Runs in a worker process. Articles stream through: only metadata and compressed HTML are
    kept, so memory stays flat however many articles a part has.
    """
    from .content.reading import read_article
    from .index.write import write_part
    from .state import compress_html

    part = _Part()

    def published() -> Iterator[Article]:
        for path in paths:
            if _orphaned():
                # Exit at once: raising would have the pool try to hand the error to a parent
                # that is gone, and block there.
                os._exit(1)
            try:
                article, notes = read_article(path, config, config.paths.content)
            except ContentError as error:
                part.errors.append(error)
                continue
            except NotAnArticle as skip:
                log.info("%s", skip)
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
    with ProcessPoolExecutor(
        len(chunks), mp_context=context, initializer=_start_worker, initargs=(counter, os.getpid())
    ) as pool:
        futures = [pool.submit(_build_part, config, spec, generation, n, chunk, now) for n, chunk in enumerate(chunks)]
        while wait(futures, timeout=0.25).not_done:
            progress("reading and indexing", counter.value, total)
        progress("reading and indexing", total, total)
        return [future.result() for future in futures]


def _split(paths: list[Path], count: int) -> list[list[Path]]:
    """`count` parts dealt round-robin in path order, so each part gets the same mix of kinds of
    article (a folder of poems costs more per byte to index than one of manuals) and the parts
    finish together; the same sources always split the same way."""
    ordered = sorted(paths)
    chunks = [ordered[start::count] for start in range(count)]
    return [chunk for chunk in chunks if chunk] or [[]]


def _slugs(scopes: Iterable[tuple[str, str]], kind: str) -> list[str]:
    return sorted(slug for scope_kind, slug in scopes if scope_kind == kind)


def _shorten(text: str, limit: int = 80) -> str:
    """`text` cut to `limit` characters for a message (front-matter values can be long)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _error_from_dict(item: dict[str, Any]) -> ContentError:
    return ContentError(item["path"], item["field"], item["message"], item["line"])


def _kept(error: ContentError) -> ContentError:
    """The same error, saying that the last good version stays published."""
    message = f"{error.message} (the last good version stays published)"
    return ContentError(error.path, error.field, message, error.line)

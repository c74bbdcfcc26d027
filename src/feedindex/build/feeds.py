"""Stage 5, feeds: only the site, tag and category feeds a changed article belongs to (before or
after the change) are looked at, and a feed file is rendered again only when what it shows
changed; each is written to a temporary file and renamed; feeds of vanished tags are removed.
Then the feeds page, when the tags and categories it lists changed."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TypeAlias

from ..model import Article, Scope, display_name
from ..paths import FEEDS_PAGE, feed_file, scope_of_feed_file
from .context import Context
from .decide import Decision
from .forked import count_done, run_forked
from .plan import Plan
from .read import Read
from .state import State, decompress_html

if TYPE_CHECKING:
    from ..config import Config
    from ..feeds.entries import Entry, Loader

MIN_SCOPES = 100  # scopes per feed worker process: fewer are written by the build process itself


@dataclass(frozen=True)
class Fed:
    """The feed files a build left: what each was rendered from, how many it wrote."""

    signatures: Mapping[str, str]  # every feed file (relative to the output folder) → its signature
    written: int  # files whose bytes changed
    missing_images: Mapping[str, str]  # source → its `image`, not found on disk
    feeds_page: str  # a digest of the names the feeds page lists


def run(context: Context, state: State, plan: Plan, read: Read, decision: Decision) -> Fed:
    """Write the feeds of `decision.scopes` again where their entries changed, and the feeds page."""
    from ..content.identity import assign_ids
    from ..feeds.entries import prepare_entries
    from ..feeds.write import FeedWriter

    config = context.config
    known: dict[str, Article] = dict(read.articles)

    def metadata(sources: Iterable[str]) -> list[Article]:
        sources = list(sources)
        known.update(state.metadata([source for source in sources if source not in known]))
        return [known[source] for source in sources if source in known]

    wanted = {"tag": config.feeds.per_tag, "category": config.feeds.per_category, "site": True}
    scopes = [
        (kind, slug)
        for kind, slug in sorted(decision.scopes)
        # a scope with no articles left, or feeds of its kind turned off, is not written
        if wanted[kind] and (kind == "site" or decision.spellings[kind].get(slug))
    ]
    count = feed_workers(config, len(scopes))
    context.phases.start("feeds", total=len(scopes), workers=count)
    ids = assign_ids(config, metadata(sorted(decision.fresh)), present=decision.listed)
    items, now = config.feeds.items, context.now
    # The entries of every scope first (SQL, in this process); rendering and writing them is
    # what costs, and what the workers share.
    jobs = [
        (_scope(kind, slug, decision), prepare_entries(config, metadata(state.newest(kind, slug, items)), ids, now))
        for kind, slug in scopes
    ]
    force = plan.full or plan.refeed  # what a feed shows may not have changed, but how it shows it has
    if count > 1:
        written = _write_forked(context, jobs, _Bodies(read, _kept(state, read, jobs)), decision, force, count)
    else:
        written = _write(config, jobs, _Bodies(read, state), decision.previous_feeds, force, context.phases.advance)
    previous = decision.previous_feeds
    looked_at = {name for name in previous if scope_of_feed_file(name) in decision.scopes}
    finisher = FeedWriter(config, _Bodies(read, state), previous)
    finisher.finish(name for name in looked_at if name not in written.signatures)  # feeds of scopes now empty
    untouched = {name: signature for name, signature in previous.items() if name not in looked_at}
    return Fed(
        signatures=untouched | written.signatures,
        written=written.files + finisher.written,
        missing_images=written.missing_images,
        feeds_page=_feeds_page(context, plan, decision),
    )


def feed_workers(config: Config, scopes: int) -> int:
    """How many worker processes write the feeds of `scopes` scopes (one per MIN_SCOPES, up to
    the build's workers): a few feeds cost less to write than to fork for."""
    count = config.build.workers or os.cpu_count() or 1
    return max(1, min(count, scopes // MIN_SCOPES))


Job: TypeAlias = "tuple[Scope, list[Entry]]"  # a scope and its entries, newest first


@dataclass(frozen=True)
class _Written:
    """What writing the feeds of some scopes did."""

    signatures: dict[str, str]  # feed file → signature, in the order of the scopes
    files: int  # files whose bytes changed
    missing_images: dict[str, str]  # source → its `image`, not found on disk


def _write(
    config: Config,
    jobs: Sequence[Job],
    load: Loader,
    previous: Mapping[str, str],
    force: bool,
    advance: Callable[[int], None] | None = None,
) -> _Written:
    """Write the feeds of `jobs`, one scope after another; `advance` is told how many are done."""
    from ..feeds.write import FeedWriter

    writer = FeedWriter(config, load, previous, force=force)
    for number, (scope, entries) in enumerate(jobs, 1):
        writer.write(scope, entries)
        if advance is not None:
            advance(number)
        count_done()
    return _Written(writer.signatures, writer.written, writer.contents.missing_images)


@dataclass(frozen=True)
class _Work:
    """The feeds to write, for forked workers: each writes every `count`-th scope."""

    config: Config
    jobs: Sequence[Job]
    load: Loader  # must not need the state: a worker cannot use the build's SQLite connection
    previous: Mapping[str, str]
    force: bool


_work: _Work | None = None  # set by the build process just before it forks the feed workers


def _write_share(number: int, count: int) -> _Written:
    """In a worker process: write the feeds of every `count`-th scope from the `number`-th."""
    work = _work
    if work is None:
        raise RuntimeError("no feeds to write: _work is set by the build process before it forks")
    return _write(work.config, work.jobs[number::count], work.load, work.previous, work.force)


def _write_forked(
    context: Context, jobs: Sequence[Job], load: Loader, decision: Decision, force: bool, count: int
) -> _Written:
    """Write the feeds of `jobs` in `count` forked worker processes, the scopes dealt
    round-robin; each file's bytes depend only on its scope's entries, so they are the same."""
    global _work
    _work = _Work(context.config, jobs, load, decision.previous_feeds, force)
    try:
        shares = run_forked(_write_share, [(number, count) for number in range(count)], context.phases)
    finally:
        _work = None
    signatures: dict[str, str] = {}
    for position, (scope, _) in enumerate(jobs):  # the order of one process writing them all
        signatures.update(_scope_signatures(shares[position % count].signatures, scope, context.config))
    missing: dict[str, str] = {}
    for share in shares:
        missing.update(share.missing_images)
    return _Written(signatures, sum(share.files for share in shares), missing)


def _scope_signatures(signatures: Mapping[str, str], scope: Scope, config: Config) -> dict[str, str]:
    names = (feed_file(scope.kind, scope.slug, kind) for kind in config.feeds.formats)
    return {name: signatures[name] for name in names}


def _kept(state: State, read: Read, jobs: Sequence[Job]) -> dict[str, Article]:
    """The articles of `jobs` that were not read with their HTML: their last good versions, from
    the state (loaded here, before the workers fork)."""
    sources = {entry.source for _, entries in jobs for entry in entries}
    return state.full_articles(sorted(source for source in sources if not _has_html(read, source)))


def _has_html(read: Read, source: str) -> bool:
    """Whether `source` was read this build with its HTML (kept apart and compressed, or not)."""
    article = read.articles.get(source)
    return article is not None and (bool(article.body_html) or source in read.html)


def _feeds_page(context: Context, plan: Plan, decision: Decision) -> str:
    """Write the feeds page when the tags and categories it lists changed (22 ms for 1,200 of
    them; a configuration change means a full build); the digest of what it lists."""
    from ..feeds.page import write_feeds_page

    names = {"tag": decision.names["tags"], "category": decision.names["category"]}
    key = hashlib.sha256(json.dumps(names, sort_keys=True).encode()).hexdigest()
    if plan.full or plan.refeed or plan.meta.feeds_page != key or not (context.config.paths.out / FEEDS_PAGE).is_file():
        write_feeds_page(context.config, names)
    return key


def _scope(kind: str, slug: str, decision: Decision) -> Scope:
    """The scope of a feed, named as most of its articles spell it."""
    if kind == "site":
        return Scope("site")
    return Scope("tag" if kind == "tag" else "category", display_name(decision.spellings[kind][slug]), slug)


class _Bodies:
    """Full articles (with HTML) for the feeds being written: from what was read, else from the
    state, or from the articles loaded from it beforehand (`kept`: what forked workers use)."""

    def __init__(self, read: Read, kept: State | Mapping[str, Article]) -> None:
        self.read = read
        self.kept = kept

    def __call__(self, sources: Sequence[str]) -> dict[str, Article]:
        found: dict[str, Article] = {}
        for source in sources:
            article = self.read.articles.get(source)
            if article is not None and article.body_html:
                found[source] = article
            elif article is not None and source in self.read.html:
                found[source] = replace(article, body_html=decompress_html(self.read.html[source]))
        missing = [source for source in sources if source not in found]
        if isinstance(self.kept, State):
            found.update(self.kept.full_articles(missing))
        else:
            found.update((source, self.kept[source]) for source in missing if source in self.kept)
        return found

"""Stage 3, decide, inside the state's transaction: record what was read, then settle for the whole
site which articles are duplicates and which are listed (published), in SQL from a few columns per
article, so the cost does not grow with the site. A build that would unpublish more than
`build.max_unpublish` of the site stops here, having written nothing. Also decided here: what
leaves and enters the index, and which feeds to look at again."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..errors import ContentError, UnpublishError
from ..model import display_name
from ..paths import scope_of_feed_file
from .context import Context
from .plan import Plan
from .read import Read
from .state import State, utc_key

NAME_KINDS = ("tag", "category")


@dataclass(frozen=True)
class Decision:
    """What the build publishes: the articles listed, the index's changes, the feeds to look at."""

    errors: tuple[ContentError, ...]  # files not published this build (some keep a last good version)
    duplicates: tuple[ContentError, ...]  # articles that lost their slug or pinned id, by path
    listed: frozenset[str]  # every article listed (in the index and the feeds) after this build
    remove: tuple[str, ...]  # sources whose documents leave the index, sorted
    add: tuple[str, ...]  # sources (re)indexed, sorted
    fresh: frozenset[str]  # articles listed anew or changed: the entry-id ledger records them
    scopes: frozenset[tuple[str, str]]  # (kind, slug) of the feeds whose entries may have changed
    spellings: Mapping[str, Mapping[str, Counter[str]]]  # kind → slug → spellings, for those scopes
    previous_feeds: Mapping[str, str]  # feed file → what the last build rendered it from
    names: Mapping[str, Mapping[str, str]]  # "tags"/"category" → slug → display name, site-wide


def run(context: Context, state: State, plan: Plan, read: Read) -> Decision:
    """Record what was read and settle every article's fate (see the module's docstring)."""
    context.phases.start("deciding")
    full = read.indexed is not None
    every_feed = full or plan.refeed  # every scope is looked at again
    removed = [*plan.removed, *read.skipped]
    before = {("site", "")} | state.scopes_among([*read.articles, *removed])
    was_listed = state.listed_among([*read.articles, *removed])
    listed_before = state.listed() if full else set()
    errors = _record(state, plan, read, removed)
    losers = _duplicates(state)
    fates = state.decide(utc_key(context.now))
    listed = state.listed()
    gone = {fate.source for fate in fates if fate.was_listed and not fate.listed}
    if full:
        _check_unpublish(context, len(listed_before - listed), len(listed_before))
        indexed = set(read.indexed or ())
        remove, add = indexed - listed, listed - indexed  # duplicates; last good versions
        fresh = listed
    else:
        _check_unpublish(context, len(gone | (was_listed & set(removed))), plan.meta.published)
        remove = gone | was_listed
        add = state.listed_among(read.articles) | {fate.source for fate in fates if fate.listed and not fate.was_listed}
        fresh = listed if plan.refeed else add  # [feeds] entry_id may have changed: every entry's id
    touched = set(read.articles) | set(removed) | {fate.source for fate in fates}
    scopes = before | state.scopes_among(touched - set(removed))
    previous = state.feeds()
    scopes |= {scope_of_feed_file(name) for name in previous if not (context.config.paths.out / name).is_file()}
    if every_feed:
        scopes |= state.listed_scopes() | {scope_of_feed_file(name) for name in previous}
    spellings = {kind: state.spellings(kind, None if every_feed else _slugs(scopes, kind)) for kind in NAME_KINDS}
    return Decision(
        errors=errors,
        duplicates=tuple(sorted(losers.values(), key=lambda error: error.path)),
        listed=frozenset(listed),
        remove=tuple(sorted(remove)),
        add=tuple(sorted(add)),
        fresh=frozenset(fresh),
        scopes=frozenset(scopes),
        spellings=spellings,
        previous_feeds=previous,
        names=_names(context, spellings, full),
    )


def _record(state: State, plan: Plan, read: Read, removed: list[str]) -> tuple[ContentError, ...]:
    """Keep what was read (a full build keeps only the last good versions of the files that no
    longer read), forget what is gone; the errors, saying which keep a last good version."""
    errors = [*plan.carried, *read.errors]
    if read.indexed is not None:
        broken = {error.path for error in errors} & set(plan.scanned)
        state.drop_articles([source for source in state.sources() if source not in broken or source in read.articles])
    state.drop_articles(removed)
    for source, article in read.articles.items():
        state.put_article(article, read.html.get(source))
    kept = state.kept_among(error.path for error in errors)
    return tuple(_kept(error) if error.path in kept else error for error in errors)


def _duplicates(state: State) -> dict[str, ContentError]:
    """Reject the articles that lose their slug or pinned id to another; their errors by source."""
    from ..content.reading import duplicate_losers

    losers = duplicate_losers(state.candidates())
    state.reject({source: json.dumps(error.as_dict(), sort_keys=True) for source, error in losers.items()})
    return losers


def _check_unpublish(context: Context, unpublished: int, published: int) -> None:
    """UnpublishError when this build would take more than `build.max_unpublish` of the
    `published` articles off the site at once (an unmounted, emptied or mistyped content
    folder), unless the operator allowed it. Nothing has been written yet."""
    share = context.config.build.max_unpublish
    if unpublished > share * published and not context.allow_unpublish:
        raise UnpublishError(unpublished, published, share)


def _names(
    context: Context, spellings: Mapping[str, Mapping[str, Counter[str]]], full: bool
) -> dict[str, dict[str, str]]:
    """slug → display name of every tag and category, for the index (search facets) and the
    feeds page: the live generation's, with those of `spellings` (the scopes this build
    touched) updated."""
    from ..index.generations import current_generation, read_meta

    names: dict[str, dict[str, str]] = {"tags": {}, "category": {}}
    if not full:
        names.update(read_meta(current_generation(context.config.index_dir)).get("names") or {})
    for kind, key in (("tag", "tags"), ("category", "category")):
        found = {slug: display_name(counts) for slug, counts in spellings[kind].items() if counts}
        table = {slug: name for slug, name in names[key].items() if slug not in spellings[kind]}
        names[key] = dict(sorted((table | found).items()))
    return names


def _slugs(scopes: Iterable[tuple[str, str]], kind: str) -> list[str]:
    return sorted(slug for scope_kind, slug in scopes if scope_kind == kind)


def _kept(error: ContentError) -> ContentError:
    """The same error, saying that the last good version stays published."""
    message = f"{error.message} (the last good version stays published)"
    return ContentError(error.path, error.field, message, error.line)

"""Stage 5, feeds: only the site, tag and category feeds a changed article belongs to (before or
after the change) are looked at, and a feed file is rendered again only when what it shows
changed; each is written to a temporary file and renamed; feeds of vanished tags are removed.
Then the feeds page, when the tags and categories it lists changed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from ..model import Article, Scope, display_name
from ..paths import FEEDS_PAGE, scope_of_feed_file
from .context import Context
from .decide import Decision
from .plan import Plan
from .read import Read
from .state import State, decompress_html


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
    context.phases.start("feeds", total=len(scopes))
    ids = assign_ids(config, metadata(sorted(decision.fresh)), present=decision.listed)
    writer = FeedWriter(config, _Bodies(read, state), decision.previous_feeds, force=plan.full)
    for number, (kind, slug) in enumerate(scopes, 1):
        articles = metadata(state.newest(kind, slug, config.feeds.items))
        writer.write(_scope(kind, slug, decision), prepare_entries(config, articles, ids, context.now))
        context.phases.advance(number)
    previous = decision.previous_feeds
    looked_at = {name for name in previous if scope_of_feed_file(name) in decision.scopes}
    writer.finish(name for name in looked_at if name not in writer.signatures)  # feeds of scopes now empty
    untouched = {name: signature for name, signature in previous.items() if name not in looked_at}
    return Fed(
        signatures=untouched | writer.signatures,
        written=writer.written,
        missing_images=writer.contents.missing_images,
        feeds_page=_feeds_page(context, plan, decision),
    )


def _feeds_page(context: Context, plan: Plan, decision: Decision) -> str:
    """Write the feeds page when the tags and categories it lists changed (22 ms for 1,200 of
    them; a configuration change means a full build); the digest of what it lists."""
    from ..feeds.page import write_feeds_page

    names = {"tag": decision.names["tags"], "category": decision.names["category"]}
    key = hashlib.sha256(json.dumps(names, sort_keys=True).encode()).hexdigest()
    if plan.full or plan.meta.feeds_page != key or not (context.config.paths.out / FEEDS_PAGE).is_file():
        write_feeds_page(context.config, names)
    return key


def _scope(kind: str, slug: str, decision: Decision) -> Scope:
    """The scope of a feed, named as most of its articles spell it."""
    if kind == "site":
        return Scope("site")
    return Scope("tag" if kind == "tag" else "category", display_name(decision.spellings[kind][slug]), slug)


class _Bodies:
    """Full articles (with HTML) for the feeds being written: from what was read, else from the state."""

    def __init__(self, read: Read, state: State) -> None:
        self.read = read
        self.state = state

    def __call__(self, sources: Sequence[str]) -> dict[str, Article]:
        found: dict[str, Article] = {}
        for source in sources:
            article = self.read.articles.get(source)
            if article is not None and article.body_html:
                found[source] = article
            elif article is not None and source in self.read.html:
                found[source] = replace(article, body_html=decompress_html(self.read.html[source]))
        found.update(self.state.full_articles([source for source in sources if source not in found]))
        return found

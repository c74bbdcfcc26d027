"""RSS 2.0 and Atom 1.0 feeds from articles and config, byte-for-byte deterministic."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from feedgen.feed import FeedGenerator

from . import __version__
from .config import Config
from .files import write_atomic
from .model import Article, strip_illegal_chars

log = logging.getLogger(__name__)

FeedKind = Literal["rss", "atom"]
FEED_FILES: dict[FeedKind, str] = {"rss": "rss.xml", "atom": "atom.xml"}
GENERATOR_URI = "https://github.com/feedindex/feedindex"


@dataclass(frozen=True)
class FeedSpec:
    """One feed's description, shared by every format: what it is about and its entries."""

    title: str
    description: str
    home_url: str  # the HTML page the feed belongs to
    base_url: str  # the feed files' folder URL
    language: str
    entries: tuple[Article, ...]  # newest first

    @property
    def updated(self) -> datetime | None:
        """The newest entry's updated date; never the build time."""
        return max((article.updated for article in self.entries), default=None)

    def self_url(self, kind: FeedKind) -> str:
        """The URL the feed of `kind` is published at."""
        return self.base_url + FEED_FILES[kind]


def newest(articles: Sequence[Article], count: int) -> tuple[Article, ...]:
    """The `count` newest articles, newest first; ties broken by source path."""
    return tuple(sorted(articles, key=lambda a: (a.published, a.source), reverse=True)[:count])


def site_feed(config: Config, articles: Sequence[Article]) -> FeedSpec:
    """The site-wide feed: the newest `feeds.items` published articles."""
    site = config.site
    return FeedSpec(
        title=site.title,
        description=site.description or site.title,
        home_url=site.base_url,
        base_url=site.base_url,
        language=site.language,
        entries=newest(articles, config.feeds.items),
    )


def _entry_id(article: Article) -> str:
    return article.entry_id or article.url


def render(spec: FeedSpec, kind: FeedKind, config: Config) -> bytes:
    """The feed of `kind` as UTF-8 XML bytes."""
    clean = strip_illegal_chars
    generator = FeedGenerator()
    generator.id(spec.home_url)
    generator.title(clean(spec.title))
    generator.description(clean(spec.description))
    # feedgen takes the RSS channel <link> from the *last* link() call, whatever its rel.
    generator.link(href=spec.self_url(kind), rel="self")
    generator.link(href=spec.home_url, rel="alternate")
    generator.language(spec.language)
    generator.generator("feedindex", version=__version__, uri=GENERATOR_URI)
    if config.site.author:
        author = {"name": clean(config.site.author)}
        if config.site.author_email:
            author["email"] = config.site.author_email
        generator.author(author)
    # feedgen defaults updated/lastBuildDate to now: output would change on every run.
    generator.updated(spec.updated or datetime(1970, 1, 1, tzinfo=config.site.tz))
    for article in spec.entries:
        entry = generator.add_entry(order="append")  # feedgen prepends by default
        entry.id(_entry_id(article))
        entry.title(clean(article.title))
        entry.link(href=article.url)
        entry.published(article.published)
        entry.updated(article.updated)
        entry.content(clean(article.body_html), type="html")
        entry.summary(clean(article.summary))
        for name in (*article.categories, *article.tags):
            entry.category(term=clean(name))
    if kind == "rss":
        return bytes(generator.rss_str(pretty=False))
    return bytes(generator.atom_str(pretty=False))


def write_feeds(config: Config, articles: Sequence[Article]) -> list[Path]:
    """Write the site's RSS and Atom feeds into the output folder; returns their paths."""
    spec = site_feed(config, articles)
    written = []
    for kind, name in FEED_FILES.items():
        path = config.paths.out / name
        write_atomic(path, render(spec, kind, config))
        written.append(path)
    return written

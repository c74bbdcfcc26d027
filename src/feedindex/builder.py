"""`build(config)`: read the content, write the index, write the feeds."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .analysis import AnalyzerSpec
from .config import Config
from .content import read_articles
from .errors import ContentError
from .feeds import write_feeds
from .identity import assign_ids
from .index import write_index

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildReport:
    """What a build read, published and rejected."""

    articles: int  # articles read successfully (drafts and scheduled ones included)
    published: int  # articles in the index and eligible for the feeds
    errors: tuple[ContentError, ...]
    warnings: tuple[ContentError, ...]
    feeds: tuple[Path, ...]  # the site-wide feed files
    feed_files: int  # every feed file, tag and category feeds included
    index: Path
    seconds: float
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
            **self.extra,
        }


def analyzer_spec(config: Config) -> AnalyzerSpec:
    """The analyzer the configuration asks for."""
    user_dict = config.search.user_dict
    return AnalyzerSpec(segmenter=config.search.segmenter, user_dict=str(user_dict) if user_dict else None)


def build(config: Config, *, now: datetime | None = None) -> BuildReport:
    """Read every article, index the published ones and write the feeds into `paths.out`.

    Bad articles are reported in the result, never stop the build. `now` decides which dated
    articles are due (default: the current time).
    """
    started = time.perf_counter()
    moment = now or datetime.now(config.site.tz)
    content = read_articles(config)
    published = [article for article in content.articles if article.is_published(moment)]
    config.paths.out.mkdir(parents=True, exist_ok=True)
    index = write_index(config.index_dir, published, analyzer_spec(config))
    ids = assign_ids(config, published)
    feeds = write_feeds(config, published, ids, moment)
    seconds = time.perf_counter() - started
    log.info("built %d of %d articles in %.2f s", len(published), len(content.articles), seconds)
    return BuildReport(
        articles=len(content.articles),
        published=len(published),
        errors=content.errors,
        warnings=content.warnings,
        feeds=feeds.site_paths,
        feed_files=len(feeds.paths),
        index=index.path.parent,
        seconds=seconds,
    )

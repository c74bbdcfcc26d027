"""`BuildReport`: what a build read, published, changed and rejected, and its phases; assembled
from the stages' results."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ContentError
from ..paths import site_feeds
from .phases import Phase

if TYPE_CHECKING:
    from .context import Context
    from .feeds import Fed
    from .meta import BuildMeta
    from .plan import Plan

log = logging.getLogger(__name__)

FEED_SETTINGS_CHANGED = "[feeds] settings changed"  # the report's `feeds_reason` of a Plan.refeed
MISSING_IMAGE_EXAMPLES = 3  # images named in the build's one warning about images not found


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
    feeds_reason: str | None = None  # why every feed was rendered again without a full build
    drafts: int = 0  # articles with `draft: true`
    scheduled: int = 0  # articles dated after the build: published by the first build after their date
    # Articles in the feeds written this build whose `image` is not on disk: how many, a few of them.
    missing_images: int = 0
    missing_image_examples: tuple[str, ...] = ()  # "posts/a.md: cover.jpg"
    phases: tuple[Phase, ...] = ()  # what the build did, in order, and how long each part took
    bodies_reused: int = 0  # a full build: articles whose HTML and text came from the render cache

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
            "feeds_reason": self.feeds_reason,
            "drafts": self.drafts,
            "scheduled": self.scheduled,
            "missing_images": self.missing_images,
            "missing_image_examples": list(self.missing_image_examples),
            "bodies_reused": self.bodies_reused,
            "phases": [phase.as_dict() for phase in self.phases],
            "parallel_seconds": round(self.parallel_seconds, 3),
            "serial_seconds": round(max(self.seconds - self.parallel_seconds, 0.0), 3),
            "parallel_share": round(self.parallel_share, 3),
        }

    @property
    def parallel_seconds(self) -> float:
        """Wall time of the phases that ran in more than one process at once."""
        return sum(phase.seconds for phase in self.phases if phase.workers > 1)

    @property
    def parallel_share(self) -> float:
        """The share of the build's wall time spent in phases run by several processes (0 to 1);
        the rest ran in one process, and more cores do not shorten it."""
        return min(self.parallel_seconds / self.seconds, 1.0) if self.seconds > 0 else 0.0

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
        if self.feeds_reason:
            kind = f" (every feed rendered again: {self.feeds_reason})"
        return (
            f"{self.changed:,} changed, {self.removed:,} removed, {self.unchanged:,} unchanged: "
            f"{self.published:,} published, {self.drafts:,} draft{'s' * (self.drafts != 1)}, "
            f"{self.scheduled:,} scheduled, {len(self.errors):,} rejected, {self.seconds:.2f} s{kind}"
        )


def make_report(
    context: Context,
    plan: Plan,
    meta: BuildMeta,
    errors: tuple[ContentError, ...],
    warnings: tuple[ContentError, ...] = (),
    fed: Fed | None = None,
    reused: int = 0,
) -> BuildReport:
    """The report of a build that planned `plan`, recorded `meta` (or, with nothing to do, found
    the last build's), rejected `errors` (besides duplicates and unreadable folders) and, unless
    there was nothing to do, wrote the feeds of `fed`; `reused` bodies came from the render cache."""
    config = context.config
    rejected = [*errors, *meta.duplicates, *plan.scan.errors]
    missing = sorted(fed.missing_images.items()) if fed else []
    report = BuildReport(
        articles=meta.articles,
        published=meta.published,
        drafts=meta.drafts,
        scheduled=meta.articles - meta.published - meta.drafts,
        errors=tuple(sorted(rejected, key=lambda e: (e.path, e.field or ""))),
        warnings=(*plan.scan.warnings, *warnings),
        feeds=tuple(site_feeds(config.paths.out, config.feeds.formats)),
        feed_files=meta.feed_files,
        index=config.index_dir,
        seconds=context.seconds(),
        changed=len(plan.changed),
        removed=len(plan.removed),
        unchanged=len(plan.scanned) - len(plan.changed),
        full=plan.full,
        feeds_written=fed.written if fed else 0,
        full_reason=plan.reason,
        feeds_reason=FEED_SETTINGS_CHANGED if plan.refeed else None,
        missing_images=len(missing),
        missing_image_examples=tuple(
            f"{source}: {_shorten(image)}" for source, image in missing[:MISSING_IMAGE_EXAMPLES]
        ),
        phases=context.phases.done(),
        bodies_reused=reused,
    )
    log.info("%s", report.summary())
    return report


def _shorten(text: str, limit: int = 80) -> str:
    """`text` cut to `limit` characters for a message (front-matter values can be long)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"

"""`BuildMeta`: what a build records about itself in the state, typed (the state keeps each field
as one JSON value, under the field's name)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from ..errors import ContentError


@dataclass(frozen=True)
class BuildMeta:
    """The last build's identities, counts and problems: what the next build compares and reports."""

    config: str | None = None  # config_identity() of the configuration it built with
    content_config: str | None = None  # its content_identity(): all but [feeds]
    analyzer: dict[str, str] | None = None  # the analyzer's identity (AnalyzerSpec.identity)
    article_format: int | None = None  # model.ARTICLE_FORMAT of the articles it kept
    errors: tuple[ContentError, ...] = ()  # files that could not be read or published
    duplicates: tuple[ContentError, ...] = ()  # articles that lost their slug or pinned id
    next_due: datetime | None = None  # when what is published changes next (a scheduled article)
    articles: int = 0  # articles kept, not rejected
    published: int = 0  # articles listed
    drafts: int = 0
    feed_files: int = 0
    generation: str | None = None  # the live index generation
    feeds_page: str | None = None  # a digest of the names the feeds page lists

    def as_values(self) -> dict[str, Any]:
        """The fields as the state stores them: JSON values."""
        values: dict[str, Any] = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name in ("errors", "duplicates"):
                value = [error.as_dict() for error in value]
            elif isinstance(value, datetime):
                value = value.isoformat()
            values[field.name] = value
        return values

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> BuildMeta:
        """The record stored as `as_values` gave it (a field never stored keeps its default)."""
        known = {field.name for field in fields(cls)}
        found = {name: value for name, value in values.items() if name in known and value is not None}
        for name in ("errors", "duplicates"):
            if name in found:
                found[name] = tuple(_error(item) for item in found[name])
        if "next_due" in found:
            found["next_due"] = datetime.fromisoformat(found["next_due"])
        return cls(**found)


def _error(item: dict[str, Any]) -> ContentError:
    return ContentError(item["path"], item["field"], item["message"], item["line"])

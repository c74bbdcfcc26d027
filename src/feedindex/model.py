"""The frozen `Article`: what every output is made from. Standard library only."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

# Characters XML 1.0 forbids (C0 controls but tab, newline, carriage return; the surrogates;
# U+FFFE/U+FFFF). Removing them at the model keeps every output well-formed.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def strip_illegal_chars(text: str) -> str:
    """Remove characters that XML 1.0 cannot carry (e.g. U+0008) from `text`."""
    return _XML_ILLEGAL.sub("", text)


def has_illegal_chars(text: str) -> bool:
    """Whether `text` holds a character that XML 1.0 cannot carry."""
    return _XML_ILLEGAL.search(text) is not None


_NON_WORD = re.compile(r"[\W_]+")


def slugify(name: str) -> str:
    """A URL-safe, lower-case slug of a tag or category name; CJK characters are kept.

    Runs of anything but letters and digits become one hyphen. The result may be empty for a
    punctuation-only name; callers that need a slug for every name handle that case.
    """
    folded = unicodedata.normalize("NFKC", name).casefold()
    return _NON_WORD.sub("-", folded).strip("-")


@dataclass(frozen=True)
class Article:
    """One published or draft article, fully read, rendered and validated."""

    slug: str
    title: str
    summary: str  # front-matter description, else an excerpt of the text
    description: str  # front-matter description as written ("" when absent)
    published: datetime  # tz-aware
    updated: datetime  # tz-aware; equals published when no updated/lastmod is given
    tags: tuple[str, ...]
    categories: tuple[str, ...]
    image: str | None
    reading_time: str | None
    lang: str
    draft: bool
    url: str  # absolute
    body_html: str
    body_text: str
    source: str  # path relative to the content folder, with "/" separators
    content_hash: str  # sha256 of the file's bytes
    entry_id: str | None = None  # front-matter `id`, when the author pinned one

    @property
    def category(self) -> str | None:
        """The first category, or None."""
        return self.categories[0] if self.categories else None

    def is_published(self, now: datetime) -> bool:
        """Not a draft and not dated after `now`."""
        return not self.draft and self.published <= now

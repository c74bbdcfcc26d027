"""The frozen `Article`, what every output is made from, and the scopes (site, tag, category)
its feeds group it in. Standard library only."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from .paths import ScopeKind, feed_folder

# Characters XML 1.0 forbids (C0 controls but tab, newline, carriage return; the surrogates;
# U+FFFE/U+FFFF). Removing them at the model keeps every output well-formed.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def language_family(language: str) -> str:
    """Which words a BCP 47 tag gets in what feedindex writes: "zh-hant", "zh-hans" or "en"."""
    tag = language.lower()
    if tag.startswith("zh"):
        simplified = any(part in tag for part in ("hans", "-cn", "-sg", "-my"))
        return "zh-hans" if simplified else "zh-hant"
    return "en"


def is_spaced_letter(char: str) -> bool:
    """A letter or digit of a script that puts spaces between words (Latin, Greek, Cyrillic…):
    excerpts and snippets never cut inside a run of these. CJK (and Thai, Lao, Myanmar, Khmer,
    which write no spaces) may be cut anywhere."""
    code = ord(char)
    return char.isalnum() and (code < 0x0E00 or 0x10A0 <= code < 0x1780 or 0x1800 <= code < 0x2E80)


def strip_illegal_chars(text: str) -> str:
    """Remove characters that XML 1.0 cannot carry (e.g. U+0008) from `text`."""
    return _XML_ILLEGAL.sub("", text)


def has_illegal_chars(text: str) -> bool:
    """Whether `text` holds a character that XML 1.0 cannot carry."""
    return _XML_ILLEGAL.search(text) is not None


# What reading an article gives: bumped when an Article gains a field or Markdown renders
# differently (2: authors, fences in lists), so the next build reads every article again instead
# of publishing what an older feedindex stored.
ARTICLE_FORMAT = 2

_NOT_SLUG = re.compile(r"[^\w.-]+")


@lru_cache(maxsize=100_000)
def slugify(name: str) -> str:
    """The stable, URL-safe slug of a tag or category name; distinct names never share one.

    Case and width are folded and spaces become `-`, so "AI", "ai" and "ＡＩ" (or "Model Update"
    and "model-update") are one name. Letters and digits of any script (CJK included), `_`, `.`
    and `-` are kept. When anything else had to go ("C++", "C#", "!!!"), a short hash of the name
    is appended, so two different names never collapse into one slug.
    """
    folded = unicodedata.normalize("NFKC", strip_illegal_chars(name)).casefold()
    words = "-".join(folded.split())
    slug = re.sub("-{2,}", "-", _NOT_SLUG.sub("-", words)).strip("-.")
    if slug and slug == words and len(slug) <= 60:
        return slug
    digest = hashlib.sha256(words.encode()).hexdigest()[:8]
    return f"{slug[:60].strip('-.')}-{digest}" if slug else digest


def display_names(names: Iterable[str]) -> dict[str, str]:
    """slug → the spelling to show, for every name in `names` (one per article that uses it).

    The spelling most articles use wins; ties go to the first in sort order.
    """
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for name in names:
        spellings[slugify(name)][name] += 1
    return {slug: display_name(counts) for slug, counts in spellings.items()}


def display_name(spellings: Counter[str]) -> str:
    """The spelling to show of a name spelt in several ways: the most used, ties to the first
    in sort order."""
    return min(spellings.items(), key=lambda item: (-item[1], item[0]))[0]


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
    authors: tuple[str, ...] = ()  # front-matter `author`/`authors` ((): the site's author)

    @property
    def category(self) -> str | None:
        """The first category, or None."""
        return self.categories[0] if self.categories else None

    def is_published(self, now: datetime) -> bool:
        """Not a draft and not dated after `now`."""
        return not self.draft and self.published <= now


@dataclass(frozen=True)
class Scope:
    """What a feed is about: the whole site, one tag or one category (its name as shown)."""

    kind: ScopeKind
    name: str = ""
    slug: str = ""

    @property
    def folder(self) -> str:
        """The feed files' folder under the output folder ("" for the site)."""
        return feed_folder(self.kind, self.slug)


def scopes_of(article: Article) -> Iterator[Scope]:
    """The tag and category scopes `article` is in, as its feeds group it: names cleaned of
    characters XML cannot carry, one per slug (the article's first spelling of it)."""
    for kind, names in (("tag", article.tags), ("category", article.categories)):
        seen: set[str] = set()
        for name in names:
            clean = strip_illegal_chars(name)
            slug = slugify(clean)
            if slug not in seen:
                seen.add(slug)
                yield Scope("tag" if kind == "tag" else "category", clean, slug)

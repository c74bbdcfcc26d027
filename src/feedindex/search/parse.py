"""Reading what a visitor typed: words, and in syntax mode `"phrases"`, `-exclusions` and
`tag:`, `category:`, `lang:` filters; the limits of a query."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from ..analysis import AnalyzerSpec, Word, words
from ..errors import QueryError

MAX_QUERY_CHARS = 256
MAX_WORDS = 32
MAX_PER_PAGE = 100
MAX_PAGE = 100
_SYNTAX = re.compile(r'(?P<neg>-)?(?:"(?P<phrase>[^"]*)"?|(?P<field>tag|category|lang):(?P<value>\S+)|(?P<word>\S+))')


@dataclass(frozen=True)
class Filters:
    """Restrictions on which articles may match."""

    tags: tuple[str, ...] = ()  # tag names or slugs; an article must carry all of them
    category: str | None = None
    lang: str | None = None
    date_from: date | None = None  # inclusive, in the site's time zone
    date_to: date | None = None

    def merged(self, other: Filters) -> Filters:
        """These filters plus `other`'s (from the query text in syntax mode)."""
        return Filters(
            tags=self.tags + other.tags,
            category=other.category or self.category,
            lang=other.lang or self.lang,
            date_from=self.date_from,
            date_to=self.date_to,
        )


@dataclass(frozen=True)
class ParsedQuery:
    """A query split into required words, required phrases, exclusions and filters."""

    words: tuple[Word, ...]
    phrases: tuple[tuple[Word, ...], ...] = ()
    excluded: tuple[tuple[Word, ...], ...] = ()
    filters: Filters = Filters()
    text: str = ""  # the words and phrases, for the fallback stages


def parse(text: str, spec: AnalyzerSpec, syntax: bool = False) -> ParsedQuery:
    """Split the query into words (and, with `syntax`, phrases, exclusions, filters), analysed
    as the index was (`spec`). Raises QueryError for a query over the limits."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is longer than {MAX_QUERY_CHARS} characters")
    if not syntax:
        found = tuple(words(text, spec))
        _check_size(found)
        return ParsedQuery(found, text=text)
    plain: list[Word] = []
    phrases: list[tuple[Word, ...]] = []
    excluded: list[tuple[Word, ...]] = []
    tags: list[str] = []
    category = lang = None
    kept: list[str] = []
    for match in _SYNTAX.finditer(text):
        if match.group("field"):
            value = match.group("value")
            if match.group("field") == "tag":
                tags.append(value)
            elif match.group("field") == "category":
                category = value
            else:
                lang = value
            continue
        chunk = match.group("phrase") if match.group("phrase") is not None else match.group("word")
        offset = match.start("phrase") if match.group("phrase") is not None else match.start("word")
        group = tuple(replace(w, start=w.start + offset, end=w.end + offset) for w in words(chunk, spec))
        if not group:
            continue
        if match.group("neg"):
            excluded.append(group)
        elif match.group("phrase") is not None and len(group) > 1:
            phrases.append(group)
            kept.append(chunk)
        else:
            plain.extend(group)
            kept.append(chunk)
    _check_size((*plain, *(w for g in phrases + excluded for w in g)))
    filters = Filters(tags=tuple(tags), category=category, lang=lang)
    return ParsedQuery(tuple(plain), tuple(phrases), tuple(excluded), filters, " ".join(kept))


def check_page(page: int, per_page: int, name: str = "per_page") -> None:
    """Raise QueryError for a page or page size out of range (`name`: what the caller calls the size)."""
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise QueryError(f"{name} must be between 1 and {MAX_PER_PAGE}")
    if not 1 <= page <= MAX_PAGE:
        raise QueryError(f"page must be between 1 and {MAX_PAGE}")


def _check_size(found: tuple[Word, ...]) -> None:
    if len(found) > MAX_WORDS:
        raise QueryError(f"the query has more than {MAX_WORDS} words")

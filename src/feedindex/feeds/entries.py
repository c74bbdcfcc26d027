"""Feed entries: an article as every feed shows it (sanitized absolute HTML, stable id, the
site's dates), and its content and image loaded only for the feeds being written."""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import nh3

from ..config import Config
from ..model import Article, strip_illegal_chars
from ..urls import image_url


@dataclass(frozen=True)
class Enclosure:
    """An article's image as a feed enclosure; `length` only when the file was found (RSS then
    says 0, its rule for an unknown length; Atom leaves it out)."""

    url: str
    mime_type: str
    length: int | None


@dataclass(frozen=True)
class Entry:
    """An article as every feed shows it: sanitized absolute HTML, stable id, site-zone dates."""

    id: str
    url: str
    title: str
    summary: str
    published: datetime
    updated: datetime
    tags: tuple[str, ...]
    categories: tuple[str, ...]
    lang: str
    source: str
    content_hash: str  # of the source file: the entry's content changed when this did
    image_name: str | None  # front-matter `image`
    authors: tuple[str, ...]  # the article's, else the site's author
    # Filled in only for entries a feed being written actually holds (see `Contents`):
    content_html: str | None = None  # None also when left out because it alone is over the byte cap
    image: Enclosure | None = None

    def signature(self) -> tuple[Any, ...]:
        """What the rendered entry depends on."""
        return (
            self.id,
            self.url,
            self.title,
            self.summary,
            self.published.isoformat(),
            self.updated.isoformat(),
            self.tags,
            self.categories,
            self.lang,
            self.source,
            self.content_hash,
            self.image_name,
            self.authors,
        )


_ALLOWED_TAGS = (nh3.ALLOWED_TAGS | {"figure", "figcaption", "picture", "source", "video", "audio", "iframe"}) - {
    "map",
    "area",
}
_ALLOWED_ATTRIBUTES: dict[str, set[str]] = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
_ALLOWED_ATTRIBUTES.update(
    {
        "*": {"lang", "dir", "title"},
        "a": {"href", "hreflang"},
        "img": {"src", "srcset", "alt", "width", "height", "loading"},
        "source": {"src", "srcset", "type", "media"},
        "video": {"src", "poster", "controls", "width", "height"},
        "audio": {"src", "controls"},
        "iframe": {"src", "width", "height", "allowfullscreen", "title"},
        "code": {"class"},
        "pre": {"class"},
        "td": {"align", "colspan", "rowspan", "headers"},
        "th": {"align", "colspan", "rowspan", "headers", "scope"},
    }
)
_URL_ATTRIBUTES = {"href", "src", "poster", "cite"}
_EMPTY_IFRAME = re.compile(r"<iframe(?![^>]*\ssrc=)[^>]*>.*?</iframe>", re.S)


def sanitize_html(html: str, base_url: str, iframe_hosts: Iterable[str] = ()) -> str:
    """Remove what feed readers strip or validators flag; make every href/src absolute.

    `<script>`/`<style>` go with their content, event handlers and `javascript:` URLs go,
    `<iframe>` stays only when its host is in `iframe_hosts`.
    """
    hosts = frozenset(iframe_hosts)

    def attribute_filter(tag: str, attribute: str, value: str) -> str | None:
        if attribute in _URL_ATTRIBUTES:
            absolute = urljoin(base_url, value.strip())
            if tag == "iframe" and (urlsplit(absolute).hostname or "") not in hosts:
                return None
            return absolute
        if attribute == "srcset":
            candidates = (part.strip().split(None, 1) for part in value.split(",") if part.strip())
            return ", ".join(" ".join([urljoin(base_url, c[0]), *c[1:]]) for c in candidates)
        return value

    cleaned = nh3.clean(
        strip_illegal_chars(html),
        tags=_ALLOWED_TAGS,
        clean_content_tags={"script", "style", "template"},
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
        strip_comments=True,
        attribute_filter=attribute_filter,
    )
    return _EMPTY_IFRAME.sub("", cleaned)


def _find_image(config: Config, article: Article) -> Path | None:
    """The image file on disk, if it is under the images or content folder."""
    name = article.image or ""
    roots = [config.paths.images] if config.paths.images else []
    source_dir = (config.paths.content / article.source).parent
    candidates = [root / name.lstrip("/") for root in roots]
    candidates += [source_dir / name, config.paths.content / name.lstrip("/")]
    for candidate in candidates:
        if not candidate.is_file():
            continue
        path = candidate.resolve()  # only now: resolving costs more than the failed lookups
        if any(path.is_relative_to(root.resolve()) for root in [*roots, config.paths.content]):
            return path
    return None


def _enclosure(config: Config, article: Article) -> Enclosure | None:
    if not article.image:
        return None
    url = image_url(config, article.image, article.url)
    mime_type, _ = mimetypes.guess_type(urlsplit(url).path)
    if mime_type is None:
        return None
    found = None if urlsplit(article.image).scheme else _find_image(config, article)
    return Enclosure(url, mime_type, found.stat().st_size if found else None)


def prepare_entries(config: Config, articles: Iterable[Article], ids: Mapping[str, str], now: datetime) -> list[Entry]:
    """Published articles as feed entries (without their content yet), newest first; never
    dated after `now`."""
    clean = strip_illegal_chars
    site_author = clean(config.site.author or config.site.title)
    entries = [
        Entry(
            id=article.entry_id or ids.get(article.source) or article.url,
            url=article.url,
            title=clean(article.title),
            summary=clean(article.summary),
            published=article.published,
            # An `updated` still in the future is not shown until it is due.
            updated=article.updated if article.updated <= now else article.published,
            tags=tuple(clean(tag) for tag in article.tags),
            categories=tuple(clean(name) for name in article.categories),
            lang=article.lang,
            source=article.source,
            content_hash=article.content_hash,
            image_name=article.image,
            authors=tuple(clean(name) for name in article.authors) or (site_author,),
        )
        for article in articles
        if article.published <= now
    ]
    entries.sort(key=lambda e: (e.published, e.source), reverse=True)
    return entries


Loader = Callable[[Sequence[str]], Mapping[str, Article]]


class Contents:
    """Sanitised HTML and enclosures of entries, computed once per build and only when needed."""

    def __init__(self, config: Config, load: Loader) -> None:
        self.config = config
        self.load = load
        self.done: dict[str, tuple[str, Enclosure | None]] = {}
        self.missing_images: dict[str, str] = {}  # source → its `image`, not found on disk

    def complete(self, entries: Sequence[Entry]) -> tuple[Entry, ...]:
        """`entries` with their content and enclosure, loaded for those not seen yet."""
        missing = [entry.source for entry in entries if entry.source not in self.done]
        if missing:
            for source, article in self.load(missing).items():
                html = sanitize_html(article.body_html, article.url, self.config.feeds.iframe_hosts)
                enclosure = _enclosure(self.config, article)
                self.done[source] = (html, enclosure)
                if enclosure is not None and enclosure.length is None and not urlsplit(article.image or "").scheme:
                    self.missing_images[source] = article.image or ""
        return tuple(
            replace(entry, content_html=self.done[entry.source][0], image=self.done[entry.source][1])
            for entry in entries
        )

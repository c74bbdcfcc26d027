"""RSS 2.0, Atom 1.0 and JSON Feed 1.1 bytes for one feed, deterministic.

One `FeedSpec` describes a feed whatever its scope (the site, a tag, a category); `render` turns
it into any of the three formats. RSS and Atom come from feedgen, with its traps worked around:

- `updated`/`lastBuildDate` default to now → always set from the newest entry;
- `add_entry` prepends → entries are appended, newest first;
- `entry.category()` checks the whole list again on every call → all categories in one call;
- Atom entry links lose every attribute but `href` → enclosures are added with lxml afterwards;
- the RSS channel `<link>` is the last `link()` call's href → the alternate link is set last;
- `content(type="CDATA")` writes invalid Atom and `pretty=True` re-indents `<pre>` → neither used.

What feedgen cannot express (the stylesheet processing instruction, `xml:lang` on Atom entries,
a WebSub hub link in RSS) is added by editing the XML tree with lxml, never by writing XML by hand.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import lxml.etree as etree
from feedgen.feed import FeedGenerator

from .._version import __version__
from ..config import Config
from ..model import Scope, language_family, strip_illegal_chars
from ..paths import FEED_TYPES
from ..urls import feed_folder_url, feed_url, scope_page_url, stylesheet_url
from .entries import Entry

log = logging.getLogger(__name__)

GENERATOR_URI = "https://github.com/feedindex/feedindex"
ATOM_NS = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Entry content can be large; lxml refuses text nodes over 10 MB unless told otherwise.
_PARSER = etree.XMLParser(huge_tree=True, remove_blank_text=False, resolve_entities=False)

# Words for tag and category feed titles, by language family.
_LABELS = {
    "zh-hant": {"tag": "標籤", "category": "分類"},
    "zh-hans": {"tag": "标签", "category": "分类"},
    "en": {"tag": "Tag", "category": "Category"},
}


@dataclass(frozen=True)
class FeedSpec:
    """One feed, whatever its format: metadata and entries (newest first)."""

    scope: Scope
    title: str
    description: str
    home_url: str
    folder_url: str
    language: str
    author: str
    author_email: str | None
    hub: str | None
    stylesheet_url: str | None
    entries: tuple[Entry, ...]

    @property
    def updated(self) -> datetime:
        """The newest entry's updated date (the epoch for an empty feed); never the build time."""
        return max((entry.updated for entry in self.entries), default=EPOCH)

    def self_url(self, kind: str) -> str:
        """The URL the feed of `kind` is published at."""
        return feed_url(self.folder_url, kind)

    @property
    def id(self) -> str:
        """The feed's own id: its home page for the site, its folder URL for a tag or category."""
        return self.home_url if self.scope.kind == "site" else self.folder_url

    def signature(self) -> str:
        """A digest of everything the feed files are rendered from: unchanged means identical."""
        head = (
            self.title,
            self.description,
            self.home_url,
            self.folder_url,
            self.language,
            self.author,
            self.author_email,
            self.hub,
            self.stylesheet_url,
        )
        data = json.dumps([head, [entry.signature() for entry in self.entries]], ensure_ascii=False, default=str)
        return hashlib.sha256(data.encode()).hexdigest()


def feed_spec(config: Config, scope: Scope, entries: Sequence[Entry]) -> FeedSpec:
    """The feed of `scope`: the newest `feeds.items` of `entries`."""
    site, feeds = config.site, config.feeds
    if scope.kind == "site":
        title = site.title
        description = site.description or site.title
    else:
        label = _LABELS[language_family(site.language)][scope.kind]
        title = f"{scope.name} · {site.title}"
        colon = "：" if site.language.startswith("zh") else ": "
        description = f"{site.title}{colon}{label} {scope.name}"
    return FeedSpec(
        scope=scope,
        title=strip_illegal_chars(title),
        description=strip_illegal_chars(description),
        home_url=scope_page_url(config, scope.kind, scope.slug),
        folder_url=feed_folder_url(config, scope.kind, scope.slug),
        language=site.language,
        author=strip_illegal_chars(site.author or site.title),
        author_email=site.author_email,
        hub=feeds.websub_hub,
        stylesheet_url=stylesheet_url(config),
        entries=tuple(entries[: feeds.items]),
    )


def _feedgen(spec: FeedSpec, kind: str) -> FeedGenerator:
    generator = FeedGenerator()
    generator.load_extension("dc", atom=False, rss=True)
    generator.id(spec.id)
    generator.title(spec.title)
    generator.description(spec.description)
    generator.link(href=spec.self_url(kind), rel="self", type=FEED_TYPES[kind])
    if spec.hub:
        generator.link(href=spec.hub, rel="hub")
    generator.link(href=spec.home_url, rel="alternate", type="text/html")  # last: the RSS <link>
    generator.language(spec.language)
    generator.generator("feedindex", version=__version__, uri=GENERATOR_URI)
    generator.author({"name": spec.author, **({"email": spec.author_email} if spec.author_email else {})})
    if spec.author_email:
        generator.managingEditor(f"{spec.author_email} ({spec.author})")
    generator.updated(spec.updated)
    for item in spec.entries:
        entry = generator.add_entry(order="append")
        entry.id(item.id)
        entry.guid(item.id, permalink=item.id == item.url)
        entry.title(item.title)
        entry.link(href=item.url)
        entry.published(item.published)
        entry.updated(item.updated)
        if item.content_html is not None:
            entry.content(item.content_html, type="html")
        entry.summary(item.summary)
        if spec.author_email and item.authors == (spec.author,):
            # RSS <author> must be an email: only the site's author has one.
            entry.author({"name": spec.author, "email": spec.author_email})
        else:
            entry.author([{"name": name} for name in item.authors])
            # One dc:creator naming everyone: with one per name, gofeed and rss-parser show only
            # the first and newsboat only the last. (RSS only: the extension is off for Atom.)
            entry.dc.dc_creator(", ".join(item.authors))
        names = dict.fromkeys((*item.categories, *item.tags))
        if names:
            # One call with the whole list: feedgen checks and copies every category it holds
            # again on each call, which made N calls cost N² (minutes for an article's 1,000 tags).
            entry.category([{"term": name, "label": name} for name in names])
        if item.image and kind == "rss":
            # An image not found on disk still gets an <enclosure>, with length 0 (RSS's rule for
            # an unknown length, which the W3C validator accepts): gofeed, rss-parser and
            # feed-extractor read no media:content, only enclosures.
            entry.enclosure(item.image.url, str(item.image.length or 0), item.image.mime_type)
    return generator


def _finish_xml(spec: FeedSpec, kind: str, root: Any) -> bytes:
    """Add what feedgen cannot express, then serialize with the stylesheet instruction."""
    if kind == "atom":
        for element, item in zip(root.iterfind(f"{{{ATOM_NS}}}entry"), spec.entries, strict=True):
            element.set(XML_LANG, item.lang)
            if item.image:
                link = etree.SubElement(element, f"{{{ATOM_NS}}}link", rel="enclosure", href=item.image.url)
                link.set("type", item.image.mime_type)
                if item.image.length is not None:
                    link.set("length", str(item.image.length))
        root.set(XML_LANG, spec.language)
    else:
        # RSS readers treat <description> as HTML: a summary like "use <T> & co" must be escaped
        # once more, or feedparser drops "<T>" as an unknown tag.
        for description in root.iterfind("channel/item/description"):
            description.text = html.escape(description.text or "", quote=False)
        if spec.hub:
            channel = root.find("channel")
            link = etree.Element(f"{{{ATOM_NS}}}link", rel="hub", href=spec.hub)
            channel.find(f"{{{ATOM_NS}}}link").addnext(link)
    document = etree.ElementTree(root)
    if spec.stylesheet_url:
        instruction = etree.ProcessingInstruction("xml-stylesheet", f'type="text/xsl" href="{spec.stylesheet_url}"')
        root.addprevious(instruction)
    return bytes(etree.tostring(document, encoding="UTF-8", xml_declaration=True)) + b"\n"


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat()


def _json_feed(spec: FeedSpec) -> bytes:
    feed: dict[str, Any] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": spec.title,
        "home_page_url": spec.home_url,
        "feed_url": spec.self_url("json"),
        "description": spec.description,
        "language": spec.language,
        "authors": [{"name": spec.author}],
    }
    if spec.hub:
        feed["hubs"] = [{"type": "WebSub", "url": spec.hub}]
    items = []
    for entry in spec.entries:
        item: dict[str, Any] = {"id": entry.id, "url": entry.url, "title": entry.title}
        if entry.content_html is not None:
            item["content_html"] = entry.content_html
        else:
            item["content_text"] = entry.summary
        item["summary"] = entry.summary
        if entry.image:
            item["image"] = entry.image.url
        item["date_published"] = _rfc3339(entry.published)
        item["date_modified"] = _rfc3339(entry.updated)
        item["authors"] = [{"name": name} for name in entry.authors]
        names = list(dict.fromkeys((*entry.categories, *entry.tags)))
        if names:
            item["tags"] = names
        item["language"] = entry.lang
        items.append(item)
    feed["items"] = items
    return json.dumps(feed, ensure_ascii=False, indent=2).encode() + b"\n"


def render(spec: FeedSpec, kind: str) -> bytes:
    """The feed in format `kind` ("rss", "atom" or "json") as UTF-8 bytes."""
    if kind == "json":
        return _json_feed(spec)
    generator = _feedgen(spec, kind)
    xml = generator.rss_str(pretty=False) if kind == "rss" else generator.atom_str(pretty=False)
    return _finish_xml(spec, kind, etree.fromstring(xml, _PARSER))


def render_within(spec: FeedSpec, kind: str, max_bytes: int) -> bytes:
    """`render`, dropping the oldest entries until the feed fits in `max_bytes`.

    When even the newest entry alone is too big, it is kept with its summary only.
    """
    data = render(spec, kind)
    if len(data) <= max_bytes or not spec.entries:
        return data
    low, high = 0, len(spec.entries) - 1  # the largest count that fits is in [low, high]
    while low < high:
        middle = (low + high + 1) // 2
        if len(render(replace(spec, entries=spec.entries[:middle]), kind)) <= max_bytes:
            low = middle
        else:
            high = middle - 1
    if low == 0:
        newest = replace(spec.entries[0], content_html=None)
        log.warning("%s: %s is over feeds.max_bytes alone; its content is left out", spec.self_url(kind), newest.url)
        return render(replace(spec, entries=(newest,)), kind)
    log.info("%s: kept %d of %d entries under feeds.max_bytes", spec.self_url(kind), low, len(spec.entries))
    return render(replace(spec, entries=spec.entries[:low]), kind)

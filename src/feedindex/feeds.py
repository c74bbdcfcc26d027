"""RSS 2.0, Atom 1.0 and JSON Feed 1.1 for the site, each tag and each category.

One `FeedSpec` describes a feed whatever its scope; `render` turns it into any of the three
formats. RSS and Atom come from feedgen, with its traps worked around:

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
import mimetypes
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, urljoin, urlsplit

import lxml.etree as etree
import nh3
from feedgen.feed import FeedGenerator

from . import __version__
from .config import FEED_FILES, Config
from .files import write_atomic
from .model import Article, display_names, language_family, slugify, strip_illegal_chars

log = logging.getLogger(__name__)

FeedKind = Literal["rss", "atom", "json"]
CONTENT_TYPES: dict[str, str] = {
    "rss": "application/rss+xml",
    "atom": "application/atom+xml",
    "json": "application/feed+json",
}
STYLESHEET = "feed.xsl"
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


# --- entries -------------------------------------------------------------------------------


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
    # Filled in only for entries a feed being written actually holds (see `_Contents`):
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
    image = article.image
    if urlsplit(image).scheme in ("http", "https"):
        url = image
    elif image.startswith("/"):
        url = config.site.base_url + quote(image.lstrip("/"), safe="/%")
    elif config.site.image_base:
        url = config.site.base_url + quote(config.site.image_base.lstrip("/") + image, safe="/%")
    else:
        url = urljoin(article.url, quote(image, safe="/%"))
    mime_type, _ = mimetypes.guess_type(urlsplit(url).path)
    if mime_type is None:
        return None
    found = None if urlsplit(image).scheme else _find_image(config, article)
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


class _Contents:
    """Sanitised HTML and enclosures of entries, computed once per build and only when needed."""

    def __init__(self, config: Config, load: Loader) -> None:
        self.config = config
        self.load = load
        self.done: dict[str, tuple[str, Enclosure | None]] = {}
        self.missing_images: dict[str, str] = {}  # source → its `image`, not found on disk

    def complete(self, entries: Sequence[Entry]) -> tuple[Entry, ...]:
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


# --- scopes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What a feed is about: the whole site, one tag or one category."""

    kind: Literal["site", "tag", "category"]
    name: str = ""
    slug: str = ""

    @property
    def folder(self) -> str:
        """The feed files' folder under the output folder ("" for the site)."""
        return {"site": "", "tag": f"tags/{self.slug}/", "category": f"categories/{self.slug}/"}[self.kind]


def group_scopes(config: Config, entries: Sequence[Entry]) -> list[tuple[Scope, list[Entry]]]:
    """The site scope and, as configured, one scope per tag and per category, with entries."""
    scopes: list[tuple[Scope, list[Entry]]] = [(Scope("site"), list(entries))]
    kinds: list[Literal["tag", "category"]] = []
    kinds += ["tag"] if config.feeds.per_tag else []
    kinds += ["category"] if config.feeds.per_category else []
    for kind in kinds:
        members: dict[str, list[Entry]] = defaultdict(list)
        used: list[str] = []
        for entry in entries:
            names = entry.tags if kind == "tag" else entry.categories
            for slug, name in {slugify(name): name for name in reversed(names)}.items():
                members[slug].append(entry)
                used.append(name)
        shown = display_names(used)
        scopes += [(Scope(kind, shown[slug], slug), members[slug]) for slug in sorted(members)]
    return scopes


# --- the feed description ------------------------------------------------------------------


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
        return self.folder_url + FEED_FILES[kind]

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


def _labels(language: str) -> dict[str, str]:
    return _LABELS[language_family(language)]


def feed_spec(config: Config, scope: Scope, entries: Sequence[Entry]) -> FeedSpec:
    """The feed of `scope`: the newest `feeds.items` of `entries`."""
    site, feeds = config.site, config.feeds
    folder_url = feeds.url + quote(scope.folder, safe="/")
    if scope.kind == "site":
        title, home = site.title, site.base_url
        description = site.description or site.title
    else:
        label = _labels(site.language)[scope.kind]
        pattern = site.tag_url if scope.kind == "tag" else site.category_url
        home = site.base_url + pattern.format(slug=quote(scope.slug, safe="")).lstrip("/")
        title = f"{scope.name} · {site.title}"
        colon = "：" if site.language.startswith("zh") else ": "
        description = f"{site.title}{colon}{label} {scope.name}"
    return FeedSpec(
        scope=scope,
        title=strip_illegal_chars(title),
        description=strip_illegal_chars(description),
        home_url=home,
        folder_url=folder_url,
        language=site.language,
        author=strip_illegal_chars(site.author or site.title),
        author_email=site.author_email,
        hub=feeds.websub_hub,
        stylesheet_url=urlsplit(feeds.url).path + STYLESHEET if feeds.stylesheet else None,
        entries=tuple(entries[: feeds.items]),
    )


# --- rendering -----------------------------------------------------------------------------


def _feedgen(spec: FeedSpec, kind: str) -> FeedGenerator:
    generator = FeedGenerator()
    generator.load_extension("dc", atom=False, rss=True)
    generator.id(spec.id)
    generator.title(spec.title)
    generator.description(spec.description)
    generator.link(href=spec.self_url(kind), rel="self", type=CONTENT_TYPES[kind])
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


# --- writing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedsReport:
    """The feed files of a build."""

    paths: tuple[Path, ...]  # every feed file, site-wide ones first
    written: int  # files whose bytes changed
    removed: int  # files of scopes that no longer exist
    signatures: dict[str, str]  # feed file (relative to the output folder) → what it was rendered from
    missing_images: dict[str, str] = field(default_factory=dict)  # source → `image` not found on disk

    @property
    def site_paths(self) -> tuple[Path, ...]:
        """The site-wide feed files."""
        return tuple(path for path in self.paths if path.parent == self.paths[0].parent)


def _stylesheet() -> bytes:
    return resources.files("feedindex").joinpath("data", STYLESHEET).read_bytes()


class FeedWriter:
    """Writes the feed files of one scope after another, atomically, file by file.

    A scope whose signature equals the one in `previous` (from the last build) and whose files
    exist is not rendered again (unless `force`). Entry contents are loaded with `load` only
    for the feeds being written.
    """

    def __init__(
        self, config: Config, load: Loader, previous: Mapping[str, str] | None = None, force: bool = False
    ) -> None:
        self.config = config
        self.contents = _Contents(config, load)
        self.previous = previous
        self.force = force
        self.paths: list[Path] = []
        self.signatures: dict[str, str] = {}  # feed file (relative to the output folder) → signature
        self.written = 0

    def write(self, scope: Scope, entries: Sequence[Entry]) -> None:
        """The feeds of `scope` from `entries` (newest first; only the newest `feeds.items` count)."""
        out = self.config.paths.out
        spec = feed_spec(self.config, scope, entries)
        signature = spec.signature()
        complete: FeedSpec | None = None
        for kind in self.config.feeds.formats:
            path = out / scope.folder / FEED_FILES[kind]
            name = path.relative_to(out).as_posix()
            self.paths.append(path)
            self.signatures[name] = signature
            if not self.force and self.previous is not None and self.previous.get(name) == signature and path.is_file():
                continue
            complete = complete or replace(spec, entries=self.contents.complete(spec.entries))
            self.written += write_atomic(path, render_within(complete, kind, self.config.feeds.max_bytes))

    def finish(self, stale: Iterable[str]) -> int:
        """Write the stylesheet and delete the `stale` feed files (of scopes that are gone, relative
        to the output folder); the number of files removed."""
        out = self.config.paths.out
        if self.config.feeds.stylesheet:
            self.written += write_atomic(out / STYLESHEET, _stylesheet())
        return _remove_stale(out, stale)


def scope_key(name: str) -> tuple[str, str]:
    """(kind, slug) of a feed file named relative to the output folder (`tags/ai/rss.xml`)."""
    parts = name.split("/")
    if len(parts) == 3 and parts[0] in ("tags", "categories"):
        return ("tag" if parts[0] == "tags" else "category", parts[1])
    return ("site", "")


def write_feeds(
    config: Config,
    articles: Iterable[Article],
    ids: Mapping[str, str],
    now: datetime,
    *,
    load: Loader | None = None,
    previous: Mapping[str, str] | None = None,
    force: bool = False,
) -> FeedsReport:
    """Write every feed of the site into the output folder, atomically, file by file.

    `articles` may carry metadata only, when `load` returns full articles for the sources a
    feed being written needs. A feed whose signature equals its entry in `previous` (from the
    last build) and whose file exists is not rendered again (unless `force`). Feed files in
    `previous` that this build does not produce (a tag that disappeared) are removed; nothing
    else is.
    """
    by_source = {article.source: article for article in articles}
    writer = FeedWriter(config, load or (lambda sources: {s: by_source[s] for s in sources}), previous, force)
    names: dict[str, dict[str, str]] = {"tag": {}, "category": {}}
    for scope, members in group_scopes(config, prepare_entries(config, by_source.values(), ids, now)):
        writer.write(scope, members)
        if scope.kind != "site":
            names[scope.kind][scope.slug] = scope.name
    removed = writer.finish(set(previous or ()) - set(writer.signatures))
    from .feeds_page import write_feeds_page  # it builds on this module

    write_feeds_page(config, names)
    return FeedsReport(tuple(writer.paths), writer.written, removed, writer.signatures, writer.contents.missing_images)


def _remove_stale(out: Path, names: Iterable[str]) -> int:
    """Delete feed files an earlier build wrote and this one did not, and folders left empty."""
    removed = 0
    for name in sorted(names):
        path = out / name
        if ".." in Path(name).parts or not path.is_file():
            continue
        path.unlink()
        removed += 1
        for folder in path.parents:
            if folder == out or not folder.is_relative_to(out) or any(folder.iterdir()):
                break
            folder.rmdir()
    return removed

"""Find and read articles: front matter, validation, Markdown to HTML and plain text."""

from __future__ import annotations

import hashlib
import html
import logging
import re
import reprlib
import signal
import threading
import tomllib
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import markdown
import yaml
from frontmatter.default_handlers import BaseHandler, YAMLHandler
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markdown.util import HTML_PLACEHOLDER

from .config import Config
from .config_checks import check_language
from .errors import ContentError, NotAnArticle
from .generators import permalinks, preprocess, rules
from .model import Article, has_illegal_chars, is_spaced_letter, strip_illegal_chars
from .sources import ScanRules, check_content_folder, scan_rules, scan_sources

log = logging.getLogger(__name__)

MARKDOWN_EXTENSIONS = ["tables", "pymdownx.superfences", "sane_lists"]
# Jekyll's post file names: 2025-11-25-my-post.md
_JEKYLL_NAME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(.+)$")
_UNSAFE_SLUG = re.compile(r"[\s/\\?#%\x00-\x1f\x7f]")
URL_SAFE = permalinks.URL_SAFE


class _TomlHandler(BaseHandler):
    """Hugo's `+++` TOML front matter, parsed with the standard library's tomllib."""

    FM_BOUNDARY = re.compile(r"^\+{3,}\s*$", re.MULTILINE)
    START_DELIMITER = END_DELIMITER = "+++"

    def load(self, fm: str, **kwargs: object) -> Any:
        return tomllib.loads(fm)


class _YamlLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader (libyaml's C one when available: several times faster)."""


class _PythonYamlLoader(yaml.SafeLoader):
    """PyYAML's pure-Python safe loader, for front matter that may nest deeply (see `_load_yaml`)."""


def _timestamp_or_text(loader: Any, node: Any) -> Any:
    # PyYAML raises a bare ValueError on `date: 2025-13-45`; keep the text so the date check
    # reports it with its field and line like any other bad date.
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        return loader.construct_scalar(node)


for _loader in (_YamlLoader, _PythonYamlLoader):
    _loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)

# libyaml builds nested collections by C recursion (a front matter nested ~30,000 deep crashes
# the process) and tracks nesting in a way that costs time quadratic in the depth. A collection
# needs one of these characters per level, so front matter with fewer of them is safe for the C
# loader; anything else goes through the pure-Python loader, which stops at Python's recursion
# limit (reported as front matter that does not parse).
NESTING_MARKS = "[{-?:"
MAX_NESTING_MARKS = 2000
# Values front matter may hold once YAML aliases are expanded: nine nested levels of nine
# aliases are 387 million values and no site needs a tenth of a million.
MAX_FRONT_MATTER_VALUES = 100_000


def _load_yaml(text: str) -> Any:
    fast = sum(text.count(mark) for mark in NESTING_MARKS) <= MAX_NESTING_MARKS
    return yaml.load(text, Loader=_YamlLoader if fast else _PythonYamlLoader)


class _FastYamlHandler(YAMLHandler):
    """YAML front matter through `_YamlLoader`."""

    def load(self, fm: str, **kwargs: object) -> Any:
        return _load_yaml(fm)


def _expanded_size(value: Any, limit: int) -> int:
    """How many values `value` holds with YAML aliases expanded, counting no further than just
    past `limit` (an alias bomb or a self-referencing list is never walked whole)."""
    count = 0
    pending = [value]
    while pending and count <= limit:
        item = pending.pop()
        count += 1
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return count


# A value shown in a message: containers to two levels and a few items, long text cut short.
_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxdict, _REPR.maxstring, _REPR.maxother, _REPR.maxlong = 2, 5, 5, 60, 60, 40


def shown(value: Any) -> str:
    """`repr(value)` bounded in size and in the work to make it, for error messages."""
    return _REPR.repr(value)


_HANDLERS: tuple[BaseHandler, ...] = (_FastYamlHandler(), _TomlHandler())


@dataclass(frozen=True)
class ContentResult:
    """Every article read from the content folder, and every file that was rejected."""

    articles: tuple[Article, ...]
    errors: tuple[ContentError, ...]
    warnings: tuple[ContentError, ...] = ()
    skipped: tuple[NotAnArticle, ...] = ()  # pages the generator does not publish as articles


@dataclass
class _Reader:
    """State for reading one file: where it is, its front matter text, warnings so far."""

    path: Path
    rel: str
    generator: str = "none"
    fm_text: str = ""
    fm_first_line: int = 2
    warnings: list[ContentError] = field(default_factory=list)

    def error(self, field_name: str | None, message: str) -> ContentError:
        return ContentError(self.rel, field_name, message, self.line_of(field_name))

    def line_of(self, key: str | None) -> int | None:
        """The line of `key:` (YAML) or `key =` (TOML) in the front matter, counted in the file."""
        if not key or not self.fm_text:
            return None
        pattern = re.compile(rf"^\s*['\"]?{re.escape(key)}['\"]?\s*[:=]")
        for number, line in enumerate(self.fm_text.splitlines()):
            if pattern.match(line):
                return self.fm_first_line + number
        return None

    def clean(self, field_name: str, text: str) -> str:
        """Drop characters XML cannot carry, with a warning naming the field."""
        if has_illegal_chars(text):
            self.warnings.append(self.error(field_name, "control characters removed"))
            return strip_illegal_chars(text)
        return text


# --- rendering ------------------------------------------------------------------------------


def _code_block(source: str, language: str, class_name: str, options: object, md: object, **kwargs: object) -> str:
    """A fenced block as python-markdown's own fenced_code writes it (and GitHub does):
    `<pre><code class="language-xml">`, no highlighting markup that feed readers cannot style."""
    escaped = source.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    attribute = f' class="language-{html.escape(language)}"' if language else ""
    return f"<pre><code{attribute}>{escaped}\n</code></pre>"


def _any_options(language: str, inputs: dict[str, str], options: object, attrs: object, md: object) -> bool:
    """Accept a fence whatever follows its language (`hl_lines="3"`, `title="x.py"`), as
    CommonMark does with an info string: the options are ignored, never a reason to print the
    fence as text."""
    return True


_PLACEHOLDER_LINE = re.compile("^" + re.escape(HTML_PLACEHOLDER).replace("%s", r"\d+") + "$")


class _FencesOutOfParagraphs(Treeprocessor):
    """Lift a fence out of the paragraph it directly follows or precedes (no blank line between).

    SuperFences leaves such a fence inside the paragraph (`<p>Text:<pre>…</pre></p>`, which HTML
    cannot hold); CommonMark and GitHub end the paragraph there, and so does this.
    """

    def run(self, root: Any) -> None:
        for parent in list(root.iter()):
            for index in reversed(range(len(parent))):
                paragraph = parent[index]
                if paragraph.tag != "p" or len(paragraph) or not paragraph.text or "\n" not in paragraph.text:
                    continue
                lines = paragraph.text.split("\n")
                if not any(_PLACEHOLDER_LINE.match(line.strip()) for line in lines):
                    continue
                pieces: list[list[str]] = []
                for line in lines:
                    alone = _PLACEHOLDER_LINE.match(line.strip()) is not None
                    if alone or not pieces or _PLACEHOLDER_LINE.match(pieces[-1][0].strip()):
                        pieces.append([line.strip() if alone else line])
                    else:
                        pieces[-1].append(line)
                parent.remove(paragraph)
                for offset, piece in enumerate(pieces):
                    block = paragraph.makeelement("p", {})
                    block.text = "\n".join(piece)
                    parent.insert(index + offset, block)


class _FencesOutOfParagraphsExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # Before the inline patterns (priority 20), while a paragraph is still plain text.
        md.treeprocessors.register(_FencesOutOfParagraphs(md), "fences_out_of_paragraphs", 25)


# SuperFences (pymdown-extensions) finds fences inside list items and blockquotes and fences
# holding fences, which python-markdown's fenced_code leaves as text. Every fence goes through
# `_code_block` (no Pygments); indented code blocks stay python-markdown's own.
MARKDOWN_CONFIGS: dict[str, dict[str, Any]] = {
    "pymdownx.superfences": {
        "custom_fences": [{"name": "*", "class": "", "format": _code_block, "validator": _any_options}]
    },
}
_md = markdown.Markdown(
    extensions=[*MARKDOWN_EXTENSIONS, _FencesOutOfParagraphsExtension()],
    extension_configs=MARKDOWN_CONFIGS,
    output_format="html",
)

_BLOCK_TAGS = (
    "address|article|aside|blockquote|br|dd|details|div|dl|dt|figcaption|figure|footer|h[1-6]|"
    "header|hr|li|main|nav|ol|p|pre|section|summary|table|td|th|tr|ul"
)
_DROP = re.compile(r"<(script|style|template)\b.*?</\1\s*>|<!--.*?-->", re.S | re.I)
_BLOCK = re.compile(rf"</?(?:{_BLOCK_TAGS})\b[^>]*>", re.I)
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def render_markdown(text: str) -> str:
    """Markdown (tables, fenced code, also inside lists and blockquotes) to HTML."""
    _md.reset()
    return _md.convert(text)


def html_to_text(body_html: str) -> str:
    """Plain text of rendered HTML: blocks become lines, tags go, entities are decoded."""
    text = _DROP.sub("", body_html)
    text = _BLOCK.sub("\n", text)
    text = html.unescape(_TAG.sub("", text))
    text = _SPACES.sub(" ", text)
    lines = (line.strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n", "\n".join(line for line in lines if line)).strip()


def excerpt(text: str, budget: int) -> str:
    """The start of `text` cut at `budget` characters (not words, so it works for Chinese), never
    inside a word of Latin (spaced) text."""
    flat = " ".join(text.split())
    if len(flat) <= budget:
        return flat
    cut = flat[:budget]
    # End on a sentence or clause boundary when one falls in the last third of the budget.
    for marks in ("。！？.!?", "，；、,;", " "):
        end = max(cut.rfind(mark) for mark in marks)
        if end >= budget * 2 // 3:
            cut = cut[: end + 1] if marks != " " else cut[:end]
            break
    else:
        # No boundary near the end (Chinese, or one long word): drop a Latin word cut in two,
        # unless it is all there is.
        word = len(cut)
        while word > 0 and is_spaced_letter(cut[word - 1]):
            word -= 1
        if is_spaced_letter(flat[len(cut)]) and word > 0:
            cut = cut[:word]
    return cut.rstrip(" ，,；;、") + "…"


# --- field parsing -------------------------------------------------------------------------


def parse_date(value: Any, tz: tzinfo) -> datetime:
    """A front-matter date as a tz-aware datetime; naive and date-only values get `tz`.

    Accepts YAML/TOML dates and datetimes and ISO 8601 strings ("2025-11-25",
    "2025-11-25 08:30", "2025-11-25T08:30:00+08:00", "...Z"). Raises ValueError otherwise.
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time(0), tzinfo=tz)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            moment = datetime.fromisoformat(text.replace("/", "-") if len(text) <= 10 else text)
        except ValueError:
            raise ValueError(
                f"unparseable date {shown(value)}: use YYYY-MM-DD or ISO 8601 (2025-11-25T08:30:00+08:00)"
            ) from None
    else:
        raise ValueError(f"a date must be YYYY-MM-DD or ISO 8601, not {type(value).__name__} {shown(value)}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    try:
        # Every output converts to UTC (the index, the state) and to the site's zone (feeds):
        # a date at the edge of year 1 or 9999 may not survive one of them.
        moment.astimezone(UTC)
        return moment.astimezone(tz)
    except (OverflowError, ValueError):
        raise ValueError(
            f"date {shown(value if isinstance(value, str) else value.isoformat())} is out of range: "
            "it must fall between the years 1 and 9999 in UTC and in the site's time zone"
        ) from None


def _text_value(reader: _Reader, meta: Mapping[str, Any], key: str) -> str | None:
    value = meta.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise reader.error(key, f"must be text, not {type(value).__name__}")
    return reader.clean(key, str(value)).strip()


def _name_count(reader: _Reader, key: str, count: int, limit: int) -> None:
    if count > limit:
        raise reader.error(key, f"{count:,} names: at most content.max_tags ({limit:,}) per article")


def _name_list(reader: _Reader, meta: Mapping[str, Any], key: str, limit: int) -> list[str]:
    """A list of names: a YAML/TOML list, or one comma-separated string; at most `limit`."""
    value = meta.get(key)
    if value is None:
        return []
    items: list[Any]
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, list):
        items = value
    else:
        raise reader.error(key, f"must be a list or a comma-separated string, not {type(value).__name__}")
    _name_count(reader, key, len(items), limit)
    return _names(reader, key, items)


def _names(reader: _Reader, key: str, items: Iterable[Any]) -> list[str]:
    names = []
    empty = False
    for item in items:
        if item is None:  # `tags: [null]`, a bare `- ` line: what Hexo's scaffolds leave
            empty = True
            continue
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise reader.error(key, f"every entry must be text, found {type(item).__name__} {shown(item)}")
        name = " ".join(reader.clean(key, str(item)).split())
        if name:
            names.append(name)
    if empty:
        reader.warnings.append(reader.error(key, "empty entries dropped"))
    return names


MAX_AUTHORS = 20
MAX_AUTHOR_CHARS = 200


def _authors(reader: _Reader, meta: Mapping[str, Any]) -> tuple[str, ...]:
    """Front-matter `author` and `authors` (Hugo, Jekyll): a name, a list of names, or Jekyll's
    `{name: …, email: …}` form (only the name is used), at most MAX_AUTHORS of them."""
    names: list[str] = []
    for key in ("author", "authors"):
        value = meta.get(key)
        if value is None:
            continue
        items = value if isinstance(value, list) else [value]
        if len(items) > MAX_AUTHORS:
            raise reader.error(key, f"at most {MAX_AUTHORS} authors, found {len(items)}")
        for item in items:
            name = item.get("name") if isinstance(item, dict) else item
            if not isinstance(name, str):
                shown = "a mapping without a text `name`" if isinstance(item, dict) else type(item).__name__
                raise reader.error(key, f"must be a name or a list of names, found {shown}")
            name = " ".join(reader.clean(key, name).split())
            if len(name) > MAX_AUTHOR_CHARS:
                message = f"an author's name is at most {MAX_AUTHOR_CHARS} characters, found {len(name):,}"
                raise reader.error(key, message)
            if name:
                names.append(name)
    return _unique(names)


def _unique(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))


def _slug_from_path(path: Path, filename_dates: bool = True) -> tuple[str, date | None]:
    """Slug (and Jekyll date) from the file name; a Hugo page bundle's index.md uses its folder.

    Without `filename_dates` (Hugo, Hexo) a date prefix stays part of the slug, as they keep it.
    """
    stem = path.parent.name if path.stem == "index" else path.stem
    match = _JEKYLL_NAME.match(stem)
    if match:
        year, month, day, rest = match.groups()
        try:
            found = date(int(year), int(month), int(day))
        except ValueError:
            return stem, None
        return (rest, found) if filename_dates else (stem, found)
    return stem, None


def _check_slug(reader: _Reader, slug: str, from_front_matter: bool) -> str:
    # NFC: a file name written on macOS (NFD) and the same name typed elsewhere (NFC) look
    # identical and must be one slug, one URL, and meet the duplicate rule.
    slug = unicodedata.normalize("NFC", slug.strip() if from_front_matter else "-".join(slug.split()))
    if not slug or slug in (".", "..") or _UNSAFE_SLUG.search(slug) or len(slug) > 200:
        where = "slug" if from_front_matter else "file name"
        raise reader.error(
            "slug",
            f"{shown(slug)} (from the {where}) is not usable in a URL: no spaces, slashes, ?, #, %"
            " or control characters, at most 200 characters",
        )
    return slug


def article_url(config: Config, slug: str, published: datetime, category: str | None) -> str:
    """The absolute URL of an article, from `site.article_url` under `site.base_url`."""
    categories = (category,) if category else ()
    facts = permalinks.UrlFacts(slug, slug, None, slug, published, categories)
    return permalinks.article_url(config, facts)


_HTML_ELEMENT = re.compile(
    r"</?(?:a|abbr|b|big|br|cite|code|del|em|font|i|ins|kbd|mark|q|s|small|span|strong|sub|sup|u|var)\b[^>]*>", re.I
)


@dataclass(frozen=True)
class _Fields:
    """What a page's front matter and place say, before its body is read."""

    title: str
    published: datetime
    updated: datetime
    slug: str
    draft: bool
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    url: str


def _generator_names(
    reader: _Reader, meta: Mapping[str, Any], kind: str, limit: int
) -> tuple[list[str], tuple[str, ...]]:
    """Jekyll's and Hexo's tags or categories (`kind`), and Hexo's category path for URLs; at
    most `limit` names."""
    try:
        items, path = rules.names(reader.generator, meta, kind, reader.rel)
    except ValueError as error:
        raise reader.error(kind, str(error)) from None
    _name_count(reader, kind, len(items), limit)
    return _names(reader, kind, items), path


def _fields(reader: _Reader, meta: dict[str, Any], config: Config, *, page: bool = False) -> _Fields:
    """Title, dates, slug, draft, names and URL of a page; `page`: any page (a reference's
    target), not only an article, so a missing date is no error."""
    generator = config.content.generator
    tz = config.site.tz
    path = reader.path
    path_slug, path_date = _slug_from_path(path, config.content.filename_dates)

    title = _text_value(reader, meta, "title")
    if not title and generator != "none":
        title = rules.default_title(generator, path_slug)
        if generator != "jekyll" and not page:
            reader.warnings.append(reader.error("title", f"no title: the file name {title!r} is used"))
    if not title:
        raise reader.error("title", "title is required" if title is None else "title is empty")
    if generator != "none" and _HTML_ELEMENT.search(title):
        title = html_to_text(title)  # shown as text in feeds and search results, not as markup

    raw_date = next((meta[key] for key in rules.date_keys(generator) if meta.get(key) not in (None, "")), path_date)
    if isinstance(raw_date, bool):
        raw_date = path_date
    if raw_date is None and generator == "hexo":
        # Hexo dates such a post by its file; so does feedindex, with a warning, as the date (and
        # a URL made from it) changes when the file is copied or checked out again.
        try:
            raw_date = datetime.fromtimestamp(path.stat().st_mtime, tz).replace(microsecond=0)
        except (OSError, OverflowError, ValueError) as error:  # gone, or an mtime beyond year 9999
            raise reader.error("date", f"no date, and the file's modification time is unusable: {error}") from None
        if not page:
            reader.warnings.append(reader.error("date", "no date: the file's modification time is used, as Hexo does"))
    if raw_date is None:
        if not page:
            raise reader.error("date", "date is required (YYYY-MM-DD or ISO 8601)")
        raw_date = date(1970, 1, 1)
    try:
        published = parse_date(raw_date, tz)
    except ValueError as error:
        loose = rules.loose_date(raw_date) if generator != "none" else None
        if loose is None:
            raise reader.error("date", str(error)) from None
        try:
            published = parse_date(loose, tz)
        except ValueError as loose_error:  # `2022-13-45 10:00` matches the loose form, and is no date
            raise reader.error("date", str(loose_error)) from None

    updated = published
    for key in ("updated", "lastmod", "last_modified_at"):
        if meta.get(key) is not None:
            try:
                updated = max(published, parse_date(meta[key], tz))
            except ValueError as error:
                raise reader.error(key, str(error)) from None
            break

    front_slug = _text_value(reader, meta, "slug") if generator != "hexo" else None  # Hexo ignores it
    slug = _check_slug(reader, front_slug, True) if front_slug else _check_slug(reader, path_slug, False)

    draft = meta.get("draft", False)
    if not isinstance(draft, bool):
        raise reader.error("draft", f"must be true or false, not {shown(draft)}")
    draft = draft or rules.unpublished(generator, meta)

    category_path: tuple[str, ...] = ()
    limit = config.content.max_tags  # each name is a feed of its own
    if generator in ("jekyll", "hexo"):
        found, category_path = _generator_names(reader, meta, "categories", limit)
        categories = _unique(found)
        tags = _unique(_generator_names(reader, meta, "tags", limit)[0])
    else:
        categories = _unique(
            _name_list(reader, meta, "category", limit) + _name_list(reader, meta, "categories", limit)
        )
        _name_count(reader, "categories" if "categories" in meta else "category", len(categories), limit)
        tags = _unique(_name_list(reader, meta, "tags", limit))

    url_key = rules.url_key(generator)
    permalink = _text_value(reader, meta, url_key) if url_key else None
    facts = permalinks.UrlFacts(
        source=reader.rel,
        slug=slug,
        front_slug=front_slug,
        title=title,
        published=published,
        categories=categories,
        category_path=category_path,
        permalink=permalink or None,
    )
    url = permalinks.article_url(config, facts, page=page)
    if generator != "none":
        # The generator's URLs, not file names, are what must differ (Hugo publishes
        # a/skills.md and b/skills.md at two URLs): the URL's path is the article's key.
        slug = unquote(urlsplit(url).path).strip("/") or slug
    return _Fields(" ".join(title.split()), published, updated, slug, draft, categories, tags, url)


def _image(reader: _Reader, meta: Mapping[str, Any], config: Config) -> str | None:
    """The feed image: `image`, or the first of `content.image_keys` (a theme's `cover.image`)."""
    if config.content.image_keys == ("image",) and config.content.generator == "none":
        return _text_value(reader, meta, "image") or None
    for key in config.content.image_keys:
        value = rules.image_value(rules.lookup(meta, key))
        if value:
            return reader.clean(key, value)
    return None


def _summary(reader: _Reader, meta: Mapping[str, Any], config: Config, body: str, body_text: str) -> str:
    """The author's summary (`description`, `summary`/`excerpt`, the text before the excerpt
    separator), else the start of the text; cut at `content.summary_chars`."""
    budget = config.content.summary_chars
    generator = config.content.generator
    for key in rules.summary_keys(generator):
        written = meta.get(key)
        if isinstance(written, str) and written.strip():
            return excerpt(html_to_text(render_markdown(reader.clean(key, written))), budget)
    separator = config.content.excerpt_separator
    if generator == "jekyll" and isinstance(meta.get("excerpt_separator"), str):
        separator = meta["excerpt_separator"]
    head = rules.split_excerpt(body, separator)
    if head is not None and head.strip():
        return excerpt(html_to_text(render_markdown(head)), budget)
    return excerpt(body_text, budget)


# --- reading -------------------------------------------------------------------------------


def _split_front_matter(reader: _Reader, text: str, *, tabs: bool = False) -> tuple[dict[str, Any], str]:
    handler = next((h for h in _HANDLERS if h.detect(text)), None)
    if handler is None:
        raise ContentError(
            reader.rel, "front matter", "no front matter: the file must start with --- (YAML) or +++ (TOML)", 1
        )
    try:
        fm_text, body = handler.split(text)
    except ValueError:
        raise ContentError(
            reader.rel, "front matter", f"front matter is not closed by a {handler.END_DELIMITER} line", 1
        ) from None
    reader.fm_text = fm_text
    reader.fm_first_line = 2 - (1 if fm_text.startswith("\n") else 0)
    if tabs:
        fm_text = rules.untab(fm_text)
    try:
        meta = handler.load(fm_text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = reader.fm_first_line + mark.line if mark is not None else None
        problem = getattr(error, "problem", None) or str(error)
        context, context_mark = getattr(error, "context", None), getattr(error, "context_mark", None)
        if context and context_mark is not None:
            problem += f" ({context} started on line {reader.fm_first_line + context_mark.line})"
        raise ContentError(reader.rel, "front matter", f"YAML does not parse: {problem}", line) from None
    except tomllib.TOMLDecodeError as error:
        at = re.search(r"at line (\d+)", str(error))
        line = reader.fm_first_line + int(at.group(1)) - 1 if at else None
        raise ContentError(reader.rel, "front matter", f"TOML does not parse: {error}", line) from None
    except (ValueError, RecursionError) as error:  # e.g. a constructor failing on odd input
        raise ContentError(reader.rel, "front matter", f"front matter does not parse: {error}") from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise ContentError(
            reader.rel, "front matter", f"front matter must be a mapping of keys, not {type(meta).__name__}", 2
        )
    if _expanded_size(meta, MAX_FRONT_MATTER_VALUES) > MAX_FRONT_MATTER_VALUES:
        raise ContentError(
            reader.rel,
            "front matter",
            f"front matter holds more than {MAX_FRONT_MATTER_VALUES:,} values once its YAML aliases are expanded",
            reader.fm_first_line,
        )
    return meta, body


def _decode(reader: _Reader, data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ContentError(
            reader.rel, "encoding", f"not valid UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start})", line
        ) from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n")


def _front_matter(reader: _Reader, config: Config, text: str) -> tuple[dict[str, Any], str]:
    generator = config.content.generator
    if generator in ("jekyll", "hexo") and not any(handler.detect(text) for handler in _HANDLERS):
        if generator == "hexo" and rules.open_front_matter(text):
            return _split_front_matter(reader, "---\n" + text, tabs=True)
        # A Jekyll or Hexo post needs no front matter: Jekyll takes the date and title from the
        # file name, Hexo from the file (see `_fields`).
        return {}, text
    return _split_front_matter(reader, text, tabs=generator == "hexo")


def _read_bytes(reader: _Reader, config: Config) -> bytes:
    try:
        size = reader.path.stat().st_size
        if size > config.content.max_file_bytes:
            raise ContentError(
                reader.rel,
                "size",
                f"{size:,} bytes is over content.max_file_bytes ({config.content.max_file_bytes:,})",
            )
        return reader.path.read_bytes()
    except OSError as error:
        raise ContentError(reader.rel, "file", f"cannot read: {error.strerror or error}") from None


def page_info(config: Config, rel: str) -> tuple[str, str] | None:
    """(URL, title) of the content file `rel` from its front matter alone (the target of a
    reference from another page); None when it cannot be read or is not published."""
    reader = _Reader(config.paths.content / rel, rel, generator=config.content.generator)
    try:
        meta, _ = _front_matter(reader, config, _decode(reader, _read_bytes(reader, config)))
        if rules.skip_reason(config.content.generator, meta):
            return None
        fields = _fields(reader, meta, config, page=True)
    except ContentError:
        return None
    return fields.url, fields.title


class _OverBudget(Exception):
    """Reading one article used up its CPU time (`content.max_cpu_seconds`)."""


@contextmanager
def _cpu_budget(seconds: float) -> Iterator[None]:
    """Raise _OverBudget once this process has spent `seconds` of CPU time inside the block.

    Python-Markdown takes quadratic time on some hostile text (80 KB of `[a](` costs minutes:
    Python-Markdown issue 798), so each article gets a budget. SIGVTALRM counts this process's
    own CPU time, so a busy machine does not make a normal article fail. Only the main thread
    takes signals: in another thread (a library caller's) there is no limit.
    """
    if not seconds or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise _OverBudget

    previous = signal.signal(signal.SIGVTALRM, expire)
    signal.setitimer(signal.ITIMER_VIRTUAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)


def read_article(path: Path, config: Config, content_dir: Path | None = None) -> tuple[Article, list[ContentError]]:
    """Read, validate and render one Markdown file; returns the article and its warnings.

    Raises `ContentError` naming the file, field and line when the file cannot be published
    (also when reading it costs more than `content.max_cpu_seconds` of CPU time), and
    `NotAnArticle` for a page the generator does not publish as an article.
    """
    root = content_dir or config.paths.content
    rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    reader = _Reader(path, rel, generator=config.content.generator)
    data = _read_bytes(reader, config)
    stage = "front matter"
    try:
        with _cpu_budget(config.content.max_cpu_seconds):
            meta, body = _front_matter(reader, config, _decode(reader, data))
            stage = "body"
            return _article(reader, config, path, rel, data, meta, body)
    except _OverBudget:
        limit = f"{config.content.max_cpu_seconds:g}"
        message = f"reading it took more than content.max_cpu_seconds ({limit} s of CPU time); not published"
        raise reader.error(stage, message) from None


def _article(
    reader: _Reader, config: Config, path: Path, rel: str, data: bytes, meta: dict[str, Any], body: str
) -> tuple[Article, list[ContentError]]:
    reason = rules.skip_reason(config.content.generator, meta)
    if reason:
        raise NotAnArticle(rel, reason)
    fields = _fields(reader, meta, config)

    lang = _text_value(reader, meta, "lang") or config.site.language
    try:
        lang = check_language(lang)
    except ValueError as error:
        if config.content.generator == "none":
            raise reader.error("lang", str(error)) from None
        reader.warnings.append(reader.error("lang", f"{error}; the site's language is used"))
        lang = config.site.language

    description = _text_value(reader, meta, "description") or ""
    image = _image(reader, meta, config)
    reading_time = _text_value(reader, meta, "readingTime") or None
    pinned = _text_value(reader, meta, "id")
    entry_id = unicodedata.normalize("NFC", pinned) if pinned else None  # as slugs: one spelling, one id
    authors = _authors(reader, meta)

    body = reader.clean("body", body)
    if config.content.generator != "none":
        done = preprocess(config, rel, path, body, render_markdown)
        body = done.text
        if done.unknown:
            names = ", ".join(done.unknown)
            message = f"unknown template markup unwrapped (inner text kept): {names}"
            reader.warnings.append(reader.error("body", message))
        for note in done.notes:
            reader.warnings.append(reader.error("body", note))
    body_html = render_markdown(body)
    body_text = html_to_text(body_html)
    article = Article(
        slug=fields.slug,
        title=fields.title,
        summary=description or _summary(reader, meta, config, body, body_text),
        description=description,
        published=fields.published,
        updated=fields.updated,
        tags=fields.tags,
        categories=fields.categories,
        image=image,
        reading_time=reading_time,
        lang=lang,
        draft=fields.draft,
        url=fields.url,
        body_html=body_html,
        body_text=body_text,
        source=rel,
        content_hash=hashlib.sha256(data).hexdigest(),
        entry_id=entry_id,
        authors=authors,
    )
    return article, reader.warnings


def find_sources(content_dir: Path, rules: ScanRules | None = None) -> list[Path]:
    """Every article file under `content_dir`, sorted (see `scan_sources`)."""
    return [content_dir / rel for rel in sorted(scan_sources(content_dir, rules).files)]


def duplicate_losers(candidates: Iterable[tuple[Any, str, str, str | None]]) -> dict[str, ContentError]:
    """The sources that lose their slug or pinned id to another article, with the error to show.

    `candidates` are (order, source, slug, pinned id); the first in `order` keeps a slug or id
    (published before drafts, then oldest first: order is (draft, published, source)). An
    article that loses registers neither its slug nor its id.
    """
    owners: dict[tuple[str, str], str] = {}
    losers: dict[str, ContentError] = {}
    for _, source, slug, entry_id in sorted(candidates, key=lambda candidate: candidate[0]):
        keys = [("slug", slug)] + ([("id", entry_id)] if entry_id else [])
        clash = next(((name, value) for name, value in keys if (name, value) in owners), None)
        if clash is not None:
            name, value = clash
            losers[source] = ContentError(source, name, f"{name} {value!r} is already used by {owners[clash]}")
            continue
        for key in keys:
            owners[key] = source
    return losers


def resolve_duplicates(articles: Iterable[Article]) -> tuple[list[Article], list[ContentError]]:
    """The articles that keep their slug (and pinned id), newest first, and an error for each other."""
    articles = list(articles)
    losers = duplicate_losers(((a.draft, a.published, a.source), a.source, a.slug, a.entry_id) for a in articles)
    kept = [article for article in articles if article.source not in losers]
    errors = [losers[article.source] for article in articles if article.source in losers]
    kept.sort(key=lambda a: (a.published, a.source), reverse=True)
    return kept, errors


def read_articles(config: Config, paths: Iterable[Path] | None = None) -> ContentResult:
    """Read every article of the content folder; bad files become errors, never stop the rest.

    Raises ConfigError when the content folder does not exist.
    """
    content_dir = config.paths.content
    check_content_folder(content_dir, config.source)
    articles: list[Article] = []
    errors: list[ContentError] = []
    warnings: list[ContentError] = []
    skipped: list[NotAnArticle] = []
    if paths is None:
        scan = scan_sources(content_dir, scan_rules(config))
        paths = [content_dir / rel for rel in sorted(scan.files)]
        errors += scan.errors
        warnings += scan.warnings
    for path in paths:
        try:
            article, notes = read_article(path, config, content_dir)
        except ContentError as error:
            errors.append(error)
            continue
        except NotAnArticle as skip:
            skipped.append(skip)
            continue
        articles.append(article)
        warnings.extend(notes)
    kept, duplicates = resolve_duplicates(articles)
    errors += duplicates
    for problem in errors:
        log.info("rejected %s", problem)
    return ContentResult(tuple(kept), tuple(sorted(errors, key=lambda e: e.path)), tuple(warnings), tuple(skipped))

"""An article's fields from its front matter and its place: title, dates, slug, draft, names,
authors, URL, image, summary; each checked, bounded, and an error naming the field when wrong."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from ..config import Config
from .frontmatter import Reader, shown
from .generators import permalinks, rules
from .markdown import excerpt, html_to_text, render_markdown

# Jekyll's post file names: 2025-11-25-my-post.md
_JEKYLL_NAME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(.+)$")
_UNSAFE_SLUG = re.compile(r"[\s/\\?#%\x00-\x1f\x7f]")


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


def text_value(reader: Reader, meta: Mapping[str, Any], key: str) -> str | None:
    """Front-matter `key` as text (a number is text too), cleaned and stripped; None when absent."""
    value = meta.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise reader.error(key, f"must be text, not {type(value).__name__}")
    return reader.clean(key, str(value)).strip()


def _name_count(reader: Reader, key: str, count: int, limit: int) -> None:
    if count > limit:
        raise reader.error(key, f"{count:,} names: at most content.max_tags ({limit:,}) per article")


def _name_list(reader: Reader, meta: Mapping[str, Any], key: str, limit: int) -> list[str]:
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


def _names(reader: Reader, key: str, items: Iterable[Any]) -> list[str]:
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


def article_authors(reader: Reader, meta: Mapping[str, Any]) -> tuple[str, ...]:
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


def _check_slug(reader: Reader, slug: str, from_front_matter: bool) -> str:
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


_HTML_ELEMENT = re.compile(
    r"</?(?:a|abbr|b|big|br|cite|code|del|em|font|i|ins|kbd|mark|q|s|small|span|strong|sub|sup|u|var)\b[^>]*>", re.I
)


@dataclass(frozen=True)
class Fields:
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
    reader: Reader, meta: Mapping[str, Any], kind: str, limit: int
) -> tuple[list[str], tuple[str, ...]]:
    """Jekyll's and Hexo's tags or categories (`kind`), and Hexo's category path for URLs; at
    most `limit` names."""
    try:
        items, path = rules.names(reader.generator, meta, kind, reader.rel)
    except ValueError as error:
        raise reader.error(kind, str(error)) from None
    _name_count(reader, kind, len(items), limit)
    return _names(reader, kind, items), path


def page_fields(reader: Reader, meta: dict[str, Any], config: Config, *, page: bool = False) -> Fields:
    """Title, dates, slug, draft, names and URL of a page; `page`: any page (a reference's
    target), not only an article, so a missing date is no error."""
    generator = config.content.generator
    tz = config.site.tz
    path = reader.path
    path_slug, path_date = _slug_from_path(path, config.content.filename_dates)

    title = text_value(reader, meta, "title")
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

    front_slug = text_value(reader, meta, "slug") if generator != "hexo" else None  # Hexo ignores it
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
    permalink = text_value(reader, meta, url_key) if url_key else None
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
    return Fields(" ".join(title.split()), published, updated, slug, draft, categories, tags, url)


def front_matter_image(reader: Reader, meta: Mapping[str, Any], config: Config) -> str | None:
    """The feed image: `image`, or the first of `content.image_keys` (a theme's `cover.image`)."""
    if config.content.image_keys == ("image",) and config.content.generator == "none":
        return text_value(reader, meta, "image") or None
    for key in config.content.image_keys:
        value = rules.image_value(rules.lookup(meta, key))
        if value:
            return reader.clean(key, value)
    return None


def article_summary(reader: Reader, meta: Mapping[str, Any], config: Config, body: str, body_text: str) -> str:
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

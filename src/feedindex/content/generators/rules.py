"""The generators' publishing rules, as read from one page's front matter and place.

Each function takes the configured generator's name; "none" keeps feedindex's own rules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# Hugo's `layout`-only pages (search, archives) and the like: not articles.
_HUGO_LIST_NEVER = ("never", False, "false")


def skip_reason(generator: str, meta: Mapping[str, Any]) -> str | None:
    """Why a page is not an article the generator lists in its feeds, or None."""
    if generator != "hugo":
        return None
    if meta.get("headless") is True:
        return "a headless bundle (headless: true)"
    for key in ("build", "_build"):
        options = meta.get(key)
        if isinstance(options, Mapping) and (
            options.get("list") in _HUGO_LIST_NEVER or options.get("render") in _HUGO_LIST_NEVER
        ):
            return f"{key}: never listed or rendered"
    if meta.get("layout") and not any(meta.get(key) for key in ("date", "publishDate", "pubdate", "published")):
        return f"a layout page (layout: {str(meta['layout'])[:40]}) without a date"
    return None


def unpublished(generator: str, meta: Mapping[str, Any]) -> bool:
    """Jekyll's and Hexo's `published: false`."""
    return generator in ("jekyll", "hexo") and meta.get("published") is False


def date_keys(generator: str) -> tuple[str, ...]:
    """Front-matter keys holding the date, in order (Hugo falls back to its publish-date keys)."""
    if generator == "hugo":
        return ("date", "publishDate", "pubdate", "publishdate", "published")
    return ("date",)


def url_key(generator: str) -> str | None:
    """The front-matter key whose value is the page's URL path, when it has one."""
    return {"hugo": "url", "jekyll": "permalink", "hexo": "permalink"}.get(generator)


def summary_keys(generator: str) -> tuple[str, ...]:
    """Front-matter keys holding a summary written by the author (after `description`)."""
    return {"hugo": ("summary",), "jekyll": ("excerpt",), "hexo": ("excerpt",)}.get(generator, ())


def default_title(generator: str, slug: str) -> str | None:
    """The title a generator gives a page without one (Jekyll: its name, capitalised)."""
    if generator == "jekyll":
        return " ".join(word.capitalize() for word in slug.split("-"))
    if generator in ("hugo", "hexo"):
        return slug
    return None


def raw_names(generator: str, meta: Mapping[str, Any], kind: str) -> list[Any]:
    """The raw entries of a page's tags (`kind` "tags") or categories, merged from every key the
    generator reads; strings are split as the generator splits them."""
    singular = {"tags": "tag", "categories": "category"}[kind]
    if generator == "jekyll":
        values: list[Any] = []
        for key in (singular, kind):
            value = meta.get(key)
            if isinstance(value, str):
                # Jekyll splits a plural key's string on spaces; a singular key is one name.
                values += value.split() if key == kind else [value]
            elif value is not None:
                values.append(value)
        return values
    if generator == "hexo":
        value = meta.get(kind, meta.get(singular))
        return [value] if isinstance(value, str) else [value] if value is not None else []
    return []  # the default reader handles feedindex's, Hugo's forms


def names(generator: str, meta: Mapping[str, Any], kind: str, source: str) -> tuple[list[Any], tuple[str, ...]]:
    """Jekyll's and Hexo's raw tags or categories (`kind`) as a flat list, and Hexo's category
    path for URLs (the hierarchy holding the last category); ValueError for a value of no use."""
    path: tuple[str, ...] = ()
    items: list[Any] = []
    if generator == "jekyll" and kind == "categories":
        # es/_posts/x.md is in category "es" (not so _posts/es/x.md), before its own categories.
        parts = source.split("/")
        items += parts[: parts.index("_posts")] if "_posts" in parts else []
    for value in raw_names(generator, meta, kind):
        if isinstance(value, list) and generator == "hexo" and kind == "categories":
            # [a, b]: one hierarchy a > b; [[a, b], [c]]: two; the URL uses the last.
            hierarchies = [v for v in value if isinstance(v, list)]
            for entry in value:
                items += entry if isinstance(entry, list) else [entry]
            last = hierarchies[-1] if hierarchies else value
            path = tuple(str(v) for v in last if v not in (None, ""))
        elif isinstance(value, list):
            items += value
        elif isinstance(value, str | int | float) and not isinstance(value, bool):
            items.append(value)
            if generator == "hexo" and kind == "categories":
                path = (str(value),)
        else:
            raise ValueError(f"must be a list or a string, not {type(value).__name__}")
    return items, path


_LOOSE_DATE = re.compile(
    r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$"
)


def loose_date(value: Any) -> str | None:
    """A date Ruby's Time.parse and JavaScript's Date accept and ISO 8601 does not, as generators'
    sites hold them (`2022-1-9 14:09:00 +0800`, `2020/3/7 9:05`), as ISO 8601; else None."""
    match = _LOOSE_DATE.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        return None
    year, month, day, hour, minute, second, offset = match.groups()
    text = f"{int(year):04d}-{int(month):02d}-{int(day):02d}T{int(hour or 0):02d}:{int(minute or 0):02d}"
    return text + f":{int(second or 0):02d}" + (offset or "")


_TAB_INDENT = re.compile(r"\n(\t+)")
# Hexo's front matter may also come without its opening line: `title: x` … `---`, then the body.
_OPEN_FRONT_MATTER = re.compile(r"^((?:[\w-]+:[^\n]*\n(?:[ \t]+[^\n]*\n)*)+)-{3,}[ \t]*(?:\n|$)")


def untab(front_matter: str) -> str:
    """Hexo's YAML: a tab-indented line is indented by two spaces per tab."""
    return _TAB_INDENT.sub(lambda match: "\n" + "  " * len(match.group(1)), front_matter)


def open_front_matter(text: str) -> bool:
    """Whether `text` starts with Hexo's front matter without its opening `---`."""
    return _OPEN_FRONT_MATTER.match(text) is not None


_MORE = re.compile(r"<!--\s*more\s*-->", re.I)


def split_excerpt(text: str, separator: str) -> str | None:
    """The text before the excerpt separator, or None when it is not there."""
    if not separator:
        return None
    if _MORE.fullmatch(separator.strip()):
        match = _MORE.search(text)
        return text[: match.start()] if match else None
    body = text.lstrip("\n")
    head, found, _ = body.partition(separator)
    return head if found else None


def lookup(meta: Mapping[str, Any], dotted: str) -> Any:
    """The value at a dotted key (`cover.image`), or None."""
    value: Any = meta
    for part in dotted.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def image_value(value: Any) -> str | None:
    """An image reference from a front-matter value: text, a list's first item, or a mapping's
    path/src/url/image (jekyll-seo-tag's `image.path`)."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, Mapping):
        value = next((value[key] for key in ("path", "src", "url", "image", "filename") if value.get(key)), None)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None

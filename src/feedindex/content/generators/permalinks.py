"""Article URLs: `[site] article_url` patterns, filled the way each generator fills its own.

A pattern uses feedindex's placeholders (`/{year}/{month}/{slug}/`); `translate` turns a Hugo,
Jekyll or Hexo permalink rule (`/:year/:month/:title/`) into one. What a placeholder holds:

| placeholder | value |
|---|---|
| `{slug}` | front-matter `slug`, else the file's name (a bundle: its folder's; see `content.filename_dates`) |
| `{path}` | the path under the section folder, no extension (a bundle: its folder's); Hexo's `:title` |
| `{dir}` | the folder of the page under the content folder (a bundle: the folder holding it) |
| `{filename}` | the file's name without extension, as it is (a bundle: its folder's name) |
| `{section}` | the first folder under the content folder |
| `{title}` | the title made URL-safe, the generator's way |
| `{slug_or_title}` | front-matter `slug`, else `{title}` (Hugo's `:slug`) |
| `{category}` | the first category (Hexo: the last category's path, as `:category`), else `uncategorized` |
| `{categories}` | every category, `/`-separated (Jekyll's `:categories`); empty when there is none |
| `{hash}` | Hexo's `:hash`: sha1 of `{path}` and the date's Unix time, 12 hex digits |
| `{year}` `{month}` `{day}` `{i_month}` `{i_day}` `{hour}` `{minute}` `{second}` | the date, in the site's time zone |
"""

from __future__ import annotations

import hashlib
import re
import string
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from urllib.parse import quote

from ...config import Config
from ...model import slugify
from ...urls import URL_SAFE, site_url

_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}-(.+)$")
_SLASHES = re.compile(r"/{2,}")


@dataclass(frozen=True)
class UrlFacts:
    """What a URL can be made of: the file's place and the article's fields."""

    source: str  # path relative to the content folder, "/"-separated
    slug: str  # front-matter slug, else from the file name
    front_slug: str | None  # front-matter slug as written
    title: str
    published: datetime
    categories: tuple[str, ...]
    category_path: tuple[str, ...] = ()  # Hexo: the hierarchy holding the last category
    permalink: str | None = None  # a front-matter `url` (Hugo) / `permalink` (Jekyll, Hexo)


# --- each generator's slugs ---------------------------------------------------------------------


def hugo_urlize(text: str) -> str:
    """Hugo's path sanitising: letters, digits, marks and `._/\\#+~-@` stay, spaces become `-`,
    everything else goes."""
    kept: list[str] = []
    hyphen = False
    pending = False
    for char in text:
        category = unicodedata.category(char)
        if char != " " and ((category[0] in "LMN" and category != "No") or char in "./\\_#+~-@%"):
            if pending and char != "-":
                kept.append("-")
            pending = False
            hyphen = char == "-"
            kept.append(char)
        elif kept and not hyphen and char.isspace():
            pending = True
    return "".join(kept)


_JEKYLL_PRETTY = re.compile(r"[^\w.~!$&'()+,;=@]+")


def jekyll_slugify(text: str) -> str:
    """Jekyll's `slugify(mode: "pretty", cased: true)`, as its `:title` uses it."""
    slug = _JEKYLL_PRETTY.sub("-", text)
    return re.sub(r"^-|-$", "", slug)


_HEXO_SPECIAL = re.compile(r"[\s~`!@#$%^&*()\-_+=\[\]{}|\\;:\"'<>,.?/]+")


def hexo_slugize(text: str, lower: bool = False) -> str:
    """hexo-util's `slugize`: punctuation and spaces become one `-`, accents dropped."""
    plain = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    plain = re.sub(r"[\x00-\x1f]", "", plain)
    slug = _HEXO_SPECIAL.sub("-", plain).strip("-")
    return slug.lower() if lower else slug


# --- the values of the placeholders ------------------------------------------------------------


def _section_of(config: Config, source: str) -> str:
    """The configured section folder holding `source` (the longest), else ""."""
    folders = [s for s in config.content.sections if source.startswith(s + "/")]
    return max(folders, key=len) if folders else ""


def _page_path(source: str) -> str:
    """`source` without its extension; a bundle's `index` file stands for its folder."""
    stem = source.rpartition(".")[0] if "." in source.rpartition("/")[2] else source
    folder, _, name = stem.rpartition("/")
    return folder if name == "index" and folder else stem


def _values(config: Config, facts: UrlFacts) -> dict[str, str]:
    """Every placeholder's raw (not yet percent-encoded) value."""
    generator = config.content.generator
    moment = facts.published
    page = _page_path(facts.source)
    section_root = _section_of(config, facts.source)
    path = page[len(section_root) + 1 :] if section_root else page
    folder, _, filename = page.rpartition("/")
    if generator == "hugo":
        make = hugo_urlize
    elif generator == "jekyll":
        make = jekyll_slugify
    elif generator == "hexo":
        make = lambda text: hexo_slugize(text, lower=True)  # noqa: E731  (Hexo's :post_title)
    else:
        make = slugify
    title = make(facts.title)
    if generator == "hexo":
        category = (
            "/".join(hexo_slugize(name) for name in facts.category_path) if facts.category_path else "uncategorized"
        )
        categories = category if facts.category_path else ""
    elif generator == "jekyll":
        category = facts.categories[0].lower() if facts.categories else "uncategorized"
        categories = "/".join(dict.fromkeys(name.lower() for name in facts.categories))
    else:
        category = slugify(facts.categories[0]) if facts.categories else "uncategorized"
        categories = "/".join(slugify(name) for name in facts.categories)
    slug = facts.slug
    if generator == "hugo":
        slug = hugo_urlize(slug)
        folder = "/".join(hugo_urlize(part) for part in folder.split("/"))
    elif generator == "jekyll":
        slug = jekyll_slugify(slug)
    front = facts.front_slug
    return {
        "slug": slug,
        "path": path,
        "dir": folder,
        "filename": filename,
        "section": facts.source.split("/", 1)[0] if "/" in facts.source else "",
        "title": title,
        "slug_or_title": make(front) if front and generator == "hugo" else front or title,
        "category": category,
        "categories": categories,
        "hash": hashlib.sha1(f"{path}{int(moment.timestamp())}".encode()).hexdigest()[:12],
        "year": f"{moment.year:04d}",
        "month": f"{moment.month:02d}",
        "day": f"{moment.day:02d}",
        "i_month": str(moment.month),
        "i_day": str(moment.day),
        "hour": f"{moment.hour:02d}",
        "minute": f"{moment.minute:02d}",
        "second": f"{moment.second:02d}",
    }


def _pattern_for(config: Config, source: str) -> str:
    section = _section_of(config, source) or (source.split("/", 1)[0] if "/" in source else "")
    for folder, pattern in config.site.section_urls:
        if folder == section or source.startswith(folder + "/"):
            return pattern
    return config.site.article_url


def expand(pattern: str, values: Mapping[str, str], *, lowercase: bool = False) -> str:
    """`pattern` filled with `values` (percent-encoded), `//` collapsed, as a path from the site root."""
    encoded = {name: quote(value, safe=URL_SAFE) for name, value in values.items()}
    path = _SLASHES.sub("/", "/" + pattern.format(**encoded).lstrip("/"))
    return path.lower() if lowercase else path


# A page outside the sections holding articles (the target of a reference), as each generator
# publishes one by default.
_PAGE_PATTERNS = {"hugo": "/{dir}/{slug}/", "jekyll": "/{dir}/{filename}.html", "hexo": "/{dir}/{filename}.html"}


def article_url(config: Config, facts: UrlFacts, *, page: bool = False) -> str:
    """The absolute URL the generator publishes the article at (see the table above); `page`:
    the page may be outside the sections holding articles."""
    if config.content.generator == "none":
        return _plain_url(config, facts)
    values = _values(config, facts)
    if facts.permalink:
        path = _front_matter_path(config, facts.permalink, values)
    else:
        pattern = _pattern_for(config, facts.source)
        if page and config.content.sections and not _section_of(config, facts.source):
            pattern = (
                next((p for s, p in config.site.section_urls if facts.source.startswith(s + "/")), None)
                or (_PAGE_PATTERNS[config.content.generator])
            )
        path = expand(pattern, values, lowercase=config.site.lowercase_urls)
    return site_url(config, path)


@lru_cache(maxsize=64)
def _names(pattern: str) -> frozenset[str]:
    return frozenset(name for _, name, _, _ in string.Formatter().parse(pattern) if name)


_PLAIN = frozenset({"slug", "year", "month", "day", "category"})


def _plain_url(config: Config, facts: UrlFacts) -> str:
    """feedindex's own URLs (no generator): the slug encoded whole, as they always were."""
    pattern = _pattern_for(config, facts.source)
    moment = facts.published
    category = slugify(facts.categories[0]) if facts.categories else "uncategorized"
    encoded = {
        "slug": quote(facts.slug, safe=""),
        "year": f"{moment.year:04d}",
        "month": f"{moment.month:02d}",
        "day": f"{moment.day:02d}",
        "category": quote(category, safe=""),
    }
    if not _names(pattern) <= _PLAIN:  # the generators' placeholders, computed only when used
        others = _values(config, facts)
        encoded = {name: quote(value, safe=URL_SAFE) for name, value in others.items()} | encoded
    return site_url(config, pattern.format(**encoded))


def _front_matter_path(config: Config, permalink: str, values: Mapping[str, str]) -> str:
    """A front-matter `url` / `permalink`: used as written, its tokens (if any) filled."""
    generator = config.content.generator
    pattern, _ = translate(generator, permalink.strip())
    path = expand(pattern, values)
    last = path.rpartition("/")[2]
    if generator == "hugo" and last and "." not in last:
        path += "/"  # Hugo publishes `url: /a/b` as /a/b/index.html
    return path


# --- generators' permalink rules as feedindex patterns -------------------------------------------

# Jekyll's and Hexo's date tokens, each feedindex's placeholder of the same name.
_DATE_TOKENS = {name: name for name in ("year", "month", "day", "i_month", "i_day", "hour", "minute", "second")}
_TOKENS: dict[str, dict[str, str]] = {
    "hugo": {
        "year": "year",
        "month": "month",
        "day": "day",
        "section": "section",
        "sections": "section",
        "title": "title",
        "slug": "slug_or_title",
        "slugorfilename": "slug",
        "filename": "filename",
        "contentbasename": "filename",
        "slugorcontentbasename": "slug",
    },
    "jekyll": {
        **_DATE_TOKENS,
        "title": "slug",
        "slug": "slug",
        "name": "filename",
        "categories": "categories",
        "output_ext": "",  # literal ".html" below
    },
    "hexo": {
        **_DATE_TOKENS,
        "title": "path",
        "name": "filename",
        "post_title": "title",
        "category": "category",
        "hash": "hash",
    },
}
_TOKEN = {
    "hugo": re.compile(r":(\w+)"),
    "jekyll": re.compile(r":([a-z_]+)"),
    "hexo": re.compile(r":(\w*[^_\W])"),
}
JEKYLL_STYLES = {
    "none": "/:categories/:title:output_ext",
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
}


def translate(generator: str, rule: str, literals: Mapping[str, str] | None = None) -> tuple[str, list[str]]:
    """A generator's permalink rule as an `article_url` pattern, and the tokens it does not know.

    `literals` fill tokens with fixed text (Hexo's `permalink_defaults`).
    """
    if generator == "none":
        return rule, []
    tokens = _TOKENS[generator]
    unknown: list[str] = []
    escaped = rule.replace("{", "{{").replace("}", "}}")

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if generator == "jekyll" and name == "output_ext":
            return ".html"
        if name in tokens:
            return "{" + tokens[name] + "}"
        if generator == "jekyll" and name.endswith("_") and name[:-1] in tokens:  # "/:month_:day"
            return "{" + tokens[name[:-1]] + "}_"
        if literals and name in literals:
            return literals[name].replace("{", "{{").replace("}", "}}")
        unknown.append(name)
        return match.group(0)

    return _TOKEN[generator].sub(replace, escaped), unknown

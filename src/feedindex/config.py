"""The frozen `Config`, read from `feedindex.toml` and validated against one schema."""

from __future__ import annotations

import importlib.util
import re
import string
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError, ConfigProblem

CONFIG_NAME = "feedindex.toml"
FEED_FILES: dict[str, str] = {"rss": "rss.xml", "atom": "atom.xml", "json": "feed.json"}  # format → file name
FEEDS_PAGE = "feeds.html"  # every feed of the site, for people (feeds_page.py)

# BCP 47 as sites use it: language, optional script, optional region, optional variants.
_BCP47 = re.compile(
    r"^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-(?:[A-Za-z]{2}|[0-9]{3}))?(-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*$"
)
# {slug} {year} {month} {day} {category} for any site; the rest spell the permalink tokens of Hugo,
# Jekyll and Hexo (see generators/permalinks.py for what each one is).
ARTICLE_URL_FIELDS = frozenset(
    {"slug", "year", "month", "day", "category"}
    | {"path", "dir", "filename", "section", "title", "slug_or_title", "categories", "hash"}
    | {"i_month", "i_day", "hour", "minute", "second"}
)
# At least one of these makes the URL differ per article.
_UNIQUE_URL_FIELDS = ("slug", "path", "filename", "title", "slug_or_title", "hash")
GENERATORS = ("none", "hugo", "jekyll", "hexo")


@dataclass(frozen=True)
class SiteConfig:
    """`[site]`: who publishes, where, in which language and time zone."""

    title: str
    base_url: str
    description: str
    language: str
    timezone: str
    author: str
    author_email: str | None
    article_url: str
    tag_url: str
    category_url: str
    image_base: str
    lowercase_urls: bool = False  # Hugo lowercases the paths it makes (not a front-matter `url`)
    section_urls: tuple[tuple[str, str], ...] = ()  # (section folder, article_url pattern) pairs

    @property
    def tz(self) -> ZoneInfo:
        """The site's time zone, applied to naive and date-only front-matter dates."""
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class PathsConfig:
    """`[paths]`: absolute folders for content, output and (optionally) images."""

    content: Path
    out: Path
    images: Path | None = None


@dataclass(frozen=True)
class ContentConfig:
    """`[content]`: limits on what is read, and which generator's conventions the files follow."""

    max_file_bytes: int
    summary_chars: int
    max_tags: int  # more tags (or categories) on one article reject it: each is a feed of its own
    max_cpu_seconds: float  # reading one article costs at most this much CPU time; 0: no limit
    generator: str = "none"  # "hugo", "jekyll", "hexo": their markup, URLs and publishing rules
    sections: tuple[str, ...] = ()  # folders under paths.content that hold articles; () = all
    excerpt_separator: str = ""  # the text before it is the summary (e.g. "<!--more-->")
    filename_dates: bool = True  # a YYYY-MM-DD- file-name prefix is a date, not part of the slug
    image_keys: tuple[str, ...] = ("image",)  # front-matter keys (dotted) holding the feed image


@dataclass(frozen=True)
class FeedsConfig:
    """`[feeds]`: which feeds are written, how big they may be, how entries are identified."""

    items: int
    max_bytes: int
    url: str  # where the output folder is served; feed and stylesheet URLs start here
    formats: tuple[str, ...]
    per_tag: bool
    per_category: bool
    entry_id: str  # "tag": tag: URIs kept in a ledger; "url": the article URL (as Hugo, jekyll-feed)
    websub_hub: str | None
    stylesheet: bool
    iframe_hosts: tuple[str, ...]


@dataclass(frozen=True)
class BuildConfig:
    """`[build]`: how many processes a full build uses, and how much it may unpublish at once."""

    workers: int  # 0: one per core
    # A build that would unpublish more than this share of the published articles refuses (an
    # unmounted or emptied content folder must not empty the site); 1.0 never refuses.
    max_unpublish: float


@dataclass(frozen=True)
class IndexConfig:
    """`[index]`: how long a replaced index generation stays for readers that just opened it."""

    retention_seconds: float


@dataclass(frozen=True)
class SearchConfig:
    """`[search]`: how text is segmented for the index and for queries."""

    segmenter: str
    user_dict: Path | None  # a jieba-format user dictionary (word [freq] [tag] per line)


@dataclass(frozen=True)
class ServerConfig:
    """`[server]`: how `feedindex serve` listens and what it allows."""

    host: str
    port: int
    workers: int
    cors_origins: tuple[str, ...]  # origins allowed to call the API from a browser (none by default)
    time_budget_ms: int  # a query that takes longer returns what it found, flagged `timed_out`
    serve_feeds: bool  # also serve the feeds from the output folder (with conditional GET)


@dataclass(frozen=True)
class Config:
    """Everything a build, a search or the server needs; validated, immutable."""

    site: SiteConfig
    paths: PathsConfig
    content: ContentConfig
    feeds: FeedsConfig
    search: SearchConfig
    index: IndexConfig
    build: BuildConfig
    server: ServerConfig
    source: Path | None = None

    @property
    def index_dir(self) -> Path:
        """Where the search index lives."""
        return self.paths.out / "index"

    @property
    def state_dir(self) -> Path:
        """feedindex's own bookkeeping beside the outputs (entry ids, build state, lock)."""
        return self.paths.out / ".feedindex"


# --- the schema ---------------------------------------------------------------------------
# Each key: (default, check). A check returns the cleaned value or raises ValueError with a
# message for the user. `REQUIRED` marks keys without a default.

REQUIRED = object()
Check = Callable[[Any], Any]


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be a string, not {type(value).__name__}")
    return value


def _nonempty(value: Any) -> str:
    text = _text(value).strip()
    if not text:
        raise ValueError("must not be empty")
    return text


def _optional_text(value: Any) -> str | None:
    return _text(value).strip() or None


def _base_url(value: Any) -> str:
    url = _nonempty(value)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"must be an absolute http(s) URL, got {url!r}")
    if parts.query or parts.fragment:
        raise ValueError("must not have a query or fragment")
    return url if url.endswith("/") else url + "/"


def check_language(value: Any) -> str:
    """A BCP 47 language tag (zh-Hant, zh-TW, en), or ValueError saying what is wrong."""
    tag = _nonempty(value)
    if "_" in tag:
        raise ValueError(f"{tag!r} is not BCP 47: use {tag.replace('_', '-')!r}")
    if not _BCP47.match(tag):
        raise ValueError(f"{tag!r} is not a BCP 47 language tag (e.g. zh-Hant, zh-TW, en)")
    return tag


def _timezone(value: Any) -> str:
    name = _nonempty(value)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not an IANA time zone (e.g. Asia/Taipei)") from None
    return name


def _email(value: Any) -> str | None:
    email = _optional_text(value)
    if email is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise ValueError(f"{email!r} is not an email address")
    return email


def _placeholders(pattern: str) -> set[str]:
    """The `{names}` in a URL pattern; ValueError when the pattern does not parse."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None}
    except ValueError as error:
        raise ValueError(f"is not a valid pattern: {error}") from None


def _article_url(value: Any) -> str:
    pattern = _nonempty(value)
    names = _placeholders(pattern)
    unknown = names - ARTICLE_URL_FIELDS
    if unknown:
        allowed = ", ".join("{" + name + "}" for name in sorted(ARTICLE_URL_FIELDS))
        raise ValueError(f"unknown placeholder(s) {sorted(unknown)}; allowed: {allowed}")
    if not names & set(_UNIQUE_URL_FIELDS):
        others = ", ".join("{" + name + "}" for name in _UNIQUE_URL_FIELDS[1:])
        raise ValueError(f"must contain {{slug}} (or {others}) so every article gets its own URL")
    if urlsplit(pattern).scheme:
        raise ValueError("must be a path under base_url, not an absolute URL")
    return pattern


def _section_urls(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        raise ValueError(f'must be a table of section = "pattern", got {value!r}')
    patterns = []
    for section, pattern in value.items():
        try:
            patterns.append((_section(section), _article_url(pattern)))
        except ValueError as error:
            raise ValueError(f"{section!r}: {error}") from None
    return tuple(patterns)


def _section(value: Any) -> str:
    folder = _nonempty(value).strip("/")
    if not folder or any(part in ("", ".", "..") for part in folder.split("/")) or "\\" in folder:
        raise ValueError(f"{value!r} is not a folder path under paths.content (e.g. posts or blog/_posts)")
    return folder


def _sections(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ValueError(f'must be a list of folders such as ["posts"], got {value!r}')
    return tuple(dict.fromkeys(_section(item) for item in value))


def _key_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(item, str) and item.strip() for item in value):
        raise ValueError(f'must be a non-empty list of keys such as ["image", "cover.image"], got {value!r}')
    return tuple(dict.fromkeys(item.strip() for item in value))


def _page_url(value: Any) -> str:
    pattern = _nonempty(value)
    if _placeholders(pattern) != {"slug"}:
        raise ValueError("must contain {slug} and no other placeholder")
    if urlsplit(pattern).scheme:
        raise ValueError("must be a path under base_url, not an absolute URL")
    return pattern


def _url_path(value: Any) -> str:
    path = _text(value).strip()
    if path and (urlsplit(path).scheme or not path.endswith("/")):
        raise ValueError("must be a path under base_url ending in / (e.g. /images/), or empty")
    return path


def _optional_base_url(value: Any) -> str | None:
    return _base_url(value) if _text(value).strip() else None


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, got {value!r}")
    return value


def _one_of(*choices: str) -> Check:
    def check(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"must be one of {list(choices)}, got {value!r}")
        return str(value)

    return check


def _subset_of(*choices: str) -> Check:
    def check(value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or not value or not all(item in choices for item in value):
            raise ValueError(f"must be a non-empty list of {list(choices)}, got {value!r}")
        return tuple(dict.fromkeys(value))

    return check


def _host_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(
        isinstance(item, str) and re.fullmatch(r"[\w.-]+", item) for item in value
    ):
        raise ValueError(f"must be a list of host names, got {value!r}")
    return tuple(item.lower() for item in value)


def _seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"must be a number of seconds (0 or more), got {value!r}")
    return float(value)


def _port(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 65536:
        raise ValueError(f"must be a port number (1-65535), got {value!r}")
    return value


def _origins(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f'must be a list of origins such as "https://example.org", got {value!r}')
    for origin in value:
        parts = urlsplit(origin)
        if origin != "*" and (parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/")):
            raise ValueError(f"{origin!r} is not an origin (scheme://host[:port]) or *")
    return tuple(origin.rstrip("/") for origin in value)


def _segmenter(value: Any) -> str:
    name: str = _one_of("jieba", "rjieba")(value)
    if name == "rjieba" and importlib.util.find_spec("rjieba") is None:
        raise ValueError('rjieba is not installed: pip install rjieba, or set segmenter = "jieba"')
    return name


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"must be 0 or more, got {value!r}")
    return value


def _share(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError(f"must be a share between 0 and 1 (0.5 is half), got {value!r}")
    return float(value)


def _positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"must be a positive integer, got {value!r}")
    return value


def _path(value: Any) -> str:
    return _nonempty(value)


SCHEMA: dict[str, dict[str, tuple[Any, Check]]] = {
    "site": {
        "title": (REQUIRED, _nonempty),
        "base_url": (REQUIRED, _base_url),
        "description": ("", _text),
        "language": ("zh-Hant", check_language),
        "timezone": ("Asia/Taipei", _timezone),
        "author": ("", _text),
        "author_email": ("", _email),
        "article_url": ("/posts/{slug}/", _article_url),
        "tag_url": ("/tags/{slug}/", _page_url),
        "category_url": ("/categories/{slug}/", _page_url),
        "image_base": ("", _url_path),
        "lowercase_urls": (False, _boolean),
        "section_urls": ({}, _section_urls),
    },
    "paths": {
        "content": ("content", _path),
        "out": ("out", _path),
        "images": ("", _text),
    },
    "content": {
        "max_file_bytes": (5_000_000, _positive_int),
        "summary_chars": (160, _positive_int),
        "max_tags": (100, _positive_int),
        "max_cpu_seconds": (10, _seconds),
        "generator": ("none", _one_of(*GENERATORS)),
        "sections": ([], _sections),
        "excerpt_separator": ("", _text),
        "filename_dates": (True, _boolean),
        "image_keys": (["image"], _key_list),
    },
    "feeds": {
        "items": (20, _positive_int),
        "max_bytes": (1_000_000, _positive_int),
        "url": ("", _optional_base_url),
        "formats": (list(FEED_FILES), _subset_of(*FEED_FILES)),
        "per_tag": (True, _boolean),
        "per_category": (True, _boolean),
        "entry_id": ("tag", _one_of("tag", "url")),
        "websub_hub": ("", _optional_base_url),
        "stylesheet": (True, _boolean),
        # Empty by default: the W3C validator flags every <iframe>; sites that want embedded
        # videos list their hosts (e.g. "www.youtube-nocookie.com").
        "iframe_hosts": ([], _host_list),
    },
    "index": {
        "retention_seconds": (300, _seconds),
    },
    "build": {
        "workers": (0, _count),
        "max_unpublish": (0.5, _share),
    },
    "server": {
        "host": ("127.0.0.1", _nonempty),
        "port": (8000, _port),
        "workers": (1, _positive_int),
        "cors_origins": ([], _origins),
        "time_budget_ms": (500, _positive_int),
        "serve_feeds": (True, _boolean),
    },
    "search": {
        "segmenter": ("rjieba", _segmenter),
        "user_dict": ("", _text),
    },
}


def _validate(raw: Mapping[str, Any]) -> tuple[dict[str, dict[str, Any]], list[ConfigProblem]]:
    """Check every key of `raw` against SCHEMA; collect all problems instead of stopping."""
    problems: list[ConfigProblem] = []
    values: dict[str, dict[str, Any]] = {}
    for section in raw:
        if section not in SCHEMA:
            problems.append(ConfigProblem(section, f"unknown section; known: {sorted(SCHEMA)}"))
    for section, fields in SCHEMA.items():
        given = raw.get(section, {})
        if not isinstance(given, Mapping):
            problems.append(ConfigProblem(section, "must be a table"))
            given = {}
        for key in given:
            if key not in fields:
                problems.append(ConfigProblem(f"{section}.{key}", f"unknown key; known: {sorted(fields)}"))
        values[section] = {}
        for key, (default, check) in fields.items():
            name = f"{section}.{key}"
            if key not in given:
                if default is REQUIRED:
                    problems.append(ConfigProblem(name, "is required"))
                    continue
                values[section][key] = check(default)
                continue
            try:
                values[section][key] = check(given[key])
            except ValueError as error:
                problems.append(ConfigProblem(name, str(error)))
    return values, problems


def _resolve(folder: Path, value: str | Path) -> Path:
    path = Path(value).expanduser()
    return (path if path.is_absolute() else folder / path).resolve()


def config_from_mapping(
    raw: Mapping[str, Any],
    *,
    root: Path,
    source: Path | None = None,
    content: Path | str | None = None,
    out: Path | str | None = None,
) -> Config:
    """Build a `Config` from already-parsed TOML; relative paths are taken from `root`."""
    values, problems = _validate(raw)
    if problems:
        raise ConfigError(problems, source)
    paths = values["paths"]
    cwd = Path.cwd()
    feeds = values["feeds"]
    feeds["url"] = feeds["url"] or values["site"]["base_url"]
    search = values["search"]
    user_dict = _resolve(root, search["user_dict"]) if search["user_dict"].strip() else None
    if user_dict is not None and not user_dict.is_file():
        raise ConfigError([ConfigProblem("search.user_dict", f"file not found: {user_dict}")], source)
    return Config(
        site=SiteConfig(**values["site"]),
        paths=PathsConfig(
            content=_resolve(cwd, content) if content is not None else _resolve(root, paths["content"]),
            out=_resolve(cwd, out) if out is not None else _resolve(root, paths["out"]),
            images=_resolve(root, paths["images"]) if paths["images"].strip() else None,
        ),
        content=ContentConfig(**values["content"]),
        feeds=FeedsConfig(**feeds),
        search=SearchConfig(segmenter=search["segmenter"], user_dict=user_dict),
        index=IndexConfig(**values["index"]),
        build=BuildConfig(**values["build"]),
        server=ServerConfig(**values["server"]),
        source=source,
    )


def load_config(
    path: Path | str | None = None,
    *,
    content: Path | str | None = None,
    out: Path | str | None = None,
) -> Config:
    """Read and validate `feedindex.toml` (default: in the current folder).

    `content` and `out` override `[paths]`; relative overrides are taken from the current folder,
    as on a command line. Raises `ConfigError` listing every problem at once.
    """
    source = Path(path) if path is not None else Path.cwd() / CONFIG_NAME
    try:
        data = source.read_bytes()
    except FileNotFoundError:
        raise ConfigError([ConfigProblem("config", f"file not found: {source}")], source) from None
    except OSError as error:
        raise ConfigError([ConfigProblem("config", f"cannot read: {error}")], source) from None
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise ConfigError([ConfigProblem("config", f"not UTF-8: {error}")], source) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([ConfigProblem("config", f"invalid TOML: {error}")], source) from None
    source = source.resolve()
    return config_from_mapping(raw, root=source.parent, source=source, content=content, out=out)

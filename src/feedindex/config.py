"""The frozen `Config`, read from `feedindex.toml` and validated against one schema."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from . import config_checks as check
from .errors import ConfigError, ConfigProblem
from .paths import FEED_FILES, index_dir, state_dir

CONFIG_NAME = "feedindex.toml"

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
        return index_dir(self.paths.out)

    @property
    def state_dir(self) -> Path:
        """feedindex's own bookkeeping beside the outputs (entry ids, build state, lock)."""
        return state_dir(self.paths.out)


# --- the schema ---------------------------------------------------------------------------
# Each key: (default, check). A check (config_checks.py) returns the cleaned value or raises
# ValueError with a message for the user. `REQUIRED` marks keys without a default.

REQUIRED = object()

SCHEMA: dict[str, dict[str, tuple[Any, check.Check]]] = {
    "site": {
        "title": (REQUIRED, check.nonempty),
        "base_url": (REQUIRED, check.base_url),
        "description": ("", check.any_text),
        "language": ("zh-Hant", check.check_language),
        "timezone": ("Asia/Taipei", check.timezone),
        "author": ("", check.any_text),
        "author_email": ("", check.email),
        "article_url": ("/posts/{slug}/", check.article_url),
        "tag_url": ("/tags/{slug}/", check.page_url),
        "category_url": ("/categories/{slug}/", check.page_url),
        "image_base": ("", check.url_path),
        "lowercase_urls": (False, check.boolean),
        "section_urls": ({}, check.section_urls),
    },
    "paths": {
        "content": ("content", check.path),
        "out": ("out", check.path),
        "images": ("", check.any_text),
    },
    "content": {
        "max_file_bytes": (5_000_000, check.positive_int),
        "summary_chars": (160, check.positive_int),
        "max_tags": (100, check.positive_int),
        "max_cpu_seconds": (10, check.seconds),
        "generator": ("none", check.one_of(*GENERATORS)),
        "sections": ([], check.sections),
        "excerpt_separator": ("", check.any_text),
        "filename_dates": (True, check.boolean),
        "image_keys": (["image"], check.key_list),
    },
    "feeds": {
        "items": (20, check.positive_int),
        "max_bytes": (1_000_000, check.positive_int),
        "url": ("", check.optional_base_url),
        "formats": (list(FEED_FILES), check.subset_of(*FEED_FILES)),
        "per_tag": (True, check.boolean),
        "per_category": (True, check.boolean),
        "entry_id": ("tag", check.one_of("tag", "url")),
        "websub_hub": ("", check.optional_base_url),
        "stylesheet": (True, check.boolean),
        # Empty by default: the W3C validator flags every <iframe>; sites that want embedded
        # videos list their hosts (e.g. "www.youtube-nocookie.com").
        "iframe_hosts": ([], check.host_list),
    },
    "index": {
        "retention_seconds": (300, check.seconds),
    },
    "build": {
        "workers": (0, check.count),
        "max_unpublish": (0.5, check.share),
    },
    "server": {
        "host": ("127.0.0.1", check.nonempty),
        "port": (8000, check.port),
        "workers": (1, check.positive_int),
        "cors_origins": ([], check.origins),
        "time_budget_ms": (500, check.positive_int),
        "serve_feeds": (True, check.boolean),
    },
    "search": {
        "segmenter": ("rjieba", check.segmenter),
        "user_dict": ("", check.any_text),
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
        for key, (default, cleaned) in fields.items():
            name = f"{section}.{key}"
            if key not in given:
                if default is REQUIRED:
                    problems.append(ConfigProblem(name, "is required"))
                    continue
                values[section][key] = cleaned(default)
                continue
            try:
                values[section][key] = cleaned(given[key])
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

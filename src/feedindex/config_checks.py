"""The checks of `feedindex.toml` values: each returns the cleaned value or raises ValueError
with a message for the user (see `config.SCHEMA`, which names the check of every key)."""

from __future__ import annotations

import importlib.util
import re
import string
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# BCP 47 as sites use it: language, optional script, optional region, optional variants.
_BCP47 = re.compile(
    r"^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-(?:[A-Za-z]{2}|[0-9]{3}))?(-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*$"
)
# {slug} {year} {month} {day} {category} for any site; the rest spell the permalink tokens of Hugo,
# Jekyll and Hexo (see content/generators/permalinks.py for what each one is).
ARTICLE_URL_FIELDS = frozenset(
    {"slug", "year", "month", "day", "category"}
    | {"path", "dir", "filename", "section", "title", "slug_or_title", "categories", "hash"}
    | {"i_month", "i_day", "hour", "minute", "second"}
)
# At least one of these makes the URL differ per article.
_UNIQUE_URL_FIELDS = ("slug", "path", "filename", "title", "slug_or_title", "hash")
Check = Callable[[Any], Any]


def any_text(value: Any) -> str:
    """Any string, as written."""
    if not isinstance(value, str):
        raise ValueError(f"must be a string, not {type(value).__name__}")
    return value


def nonempty(value: Any) -> str:
    """A string that is not blank, stripped."""
    text = any_text(value).strip()
    if not text:
        raise ValueError("must not be empty")
    return text


def optional_text(value: Any) -> str | None:
    """A string, stripped; None when blank."""
    return any_text(value).strip() or None


def base_url(value: Any) -> str:
    """An absolute http(s) URL without query or fragment, ending in `/`."""
    url = nonempty(value)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"must be an absolute http(s) URL, got {url!r}")
    if parts.query or parts.fragment:
        raise ValueError("must not have a query or fragment")
    return url if url.endswith("/") else url + "/"


def check_language(value: Any) -> str:
    """A BCP 47 language tag (zh-Hant, zh-TW, en), or ValueError saying what is wrong."""
    tag = nonempty(value)
    if "_" in tag:
        raise ValueError(f"{tag!r} is not BCP 47: use {tag.replace('_', '-')!r}")
    if not _BCP47.match(tag):
        raise ValueError(f"{tag!r} is not a BCP 47 language tag (e.g. zh-Hant, zh-TW, en)")
    return tag


def timezone(value: Any) -> str:
    """An IANA time zone name (Asia/Taipei)."""
    name = nonempty(value)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not an IANA time zone (e.g. Asia/Taipei)") from None
    return name


def email(value: Any) -> str | None:
    """An email address, or None when blank."""
    address = optional_text(value)
    if address is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", address):
        raise ValueError(f"{address!r} is not an email address")
    return address


def _placeholders(pattern: str) -> set[str]:
    """The `{names}` in a URL pattern; ValueError when the pattern does not parse."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None}
    except ValueError as error:
        raise ValueError(f"is not a valid pattern: {error}") from None


def article_url(value: Any) -> str:
    """An article URL pattern: known placeholders, one that makes each URL its own, a path."""
    pattern = nonempty(value)
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


def section_urls(value: Any) -> tuple[tuple[str, str], ...]:
    """A table of section folder → article URL pattern."""
    if not isinstance(value, dict):
        raise ValueError(f'must be a table of section = "pattern", got {value!r}')
    patterns = []
    for folder, pattern in value.items():
        try:
            patterns.append((section(folder), article_url(pattern)))
        except ValueError as error:
            raise ValueError(f"{folder!r}: {error}") from None
    return tuple(patterns)


def section(value: Any) -> str:
    """A folder path under the content folder, without `.` or `..`."""
    folder = nonempty(value).strip("/")
    if not folder or any(part in ("", ".", "..") for part in folder.split("/")) or "\\" in folder:
        raise ValueError(f"{value!r} is not a folder path under paths.content (e.g. posts or blog/_posts)")
    return folder


def sections(value: Any) -> tuple[str, ...]:
    """A list of section folders, each once."""
    if not isinstance(value, list):
        raise ValueError(f'must be a list of folders such as ["posts"], got {value!r}')
    return tuple(dict.fromkeys(section(item) for item in value))


def key_list(value: Any) -> tuple[str, ...]:
    """A non-empty list of front-matter keys (dotted paths), each once."""
    if not isinstance(value, list) or not value or not all(isinstance(item, str) and item.strip() for item in value):
        raise ValueError(f'must be a non-empty list of keys such as ["image", "cover.image"], got {value!r}')
    return tuple(dict.fromkeys(item.strip() for item in value))


def page_url(value: Any) -> str:
    """A tag or category page pattern: a path holding `{slug}` and nothing else."""
    pattern = nonempty(value)
    if _placeholders(pattern) != {"slug"}:
        raise ValueError("must contain {slug} and no other placeholder")
    if urlsplit(pattern).scheme:
        raise ValueError("must be a path under base_url, not an absolute URL")
    return pattern


def url_path(value: Any) -> str:
    """A path under base_url ending in `/`, or empty."""
    path = any_text(value).strip()
    if path and (urlsplit(path).scheme or not path.endswith("/")):
        raise ValueError("must be a path under base_url ending in / (e.g. /images/), or empty")
    return path


def optional_base_url(value: Any) -> str | None:
    """A base URL, or None when blank."""
    return base_url(value) if any_text(value).strip() else None


def boolean(value: Any) -> bool:
    """true or false."""
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, got {value!r}")
    return value


def one_of(*choices: str) -> Check:
    """A check that the value is one of `choices`."""

    def check(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"must be one of {list(choices)}, got {value!r}")
        return str(value)

    return check


def subset_of(*choices: str) -> Check:
    """A check that the value is a non-empty list of `choices` (each kept once)."""

    def check(value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or not value or not all(item in choices for item in value):
            raise ValueError(f"must be a non-empty list of {list(choices)}, got {value!r}")
        return tuple(dict.fromkeys(value))

    return check


def host_list(value: Any) -> tuple[str, ...]:
    """A list of host names, lower-cased."""
    if not isinstance(value, list) or not all(
        isinstance(item, str) and re.fullmatch(r"[\w.-]+", item) for item in value
    ):
        raise ValueError(f"must be a list of host names, got {value!r}")
    return tuple(item.lower() for item in value)


def seconds(value: Any) -> float:
    """A number of seconds, 0 or more."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"must be a number of seconds (0 or more), got {value!r}")
    return float(value)


def port(value: Any) -> int:
    """A TCP port number (1-65535)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 65536:
        raise ValueError(f"must be a port number (1-65535), got {value!r}")
    return value


def origins(value: Any) -> tuple[str, ...]:
    """A list of origins (scheme://host[:port]) or `*`."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f'must be a list of origins such as "https://example.org", got {value!r}')
    for origin in value:
        parts = urlsplit(origin)
        if origin != "*" and (parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/")):
            raise ValueError(f"{origin!r} is not an origin (scheme://host[:port]) or *")
    return tuple(origin.rstrip("/") for origin in value)


def segmenter(value: Any) -> str:
    """`jieba` or `rjieba` (installed)."""
    name: str = one_of("jieba", "rjieba")(value)
    if name == "rjieba" and importlib.util.find_spec("rjieba") is None:
        raise ValueError('rjieba is not installed: pip install rjieba, or set segmenter = "jieba"')
    return name


def count(value: Any) -> int:
    """An integer, 0 or more."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"must be 0 or more, got {value!r}")
    return value


def share(value: Any) -> float:
    """A share between 0 and 1."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError(f"must be a share between 0 and 1 (0.5 is half), got {value!r}")
    return float(value)


def positive_int(value: Any) -> int:
    """An integer, 1 or more."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"must be a positive integer, got {value!r}")
    return value


def path(value: Any) -> str:
    """A path (relative to the configuration file's folder, resolved later)."""
    return nonempty(value)

"""Every URL feedindex writes, from the configuration: pages of the site, feeds, images.

An article's own URL is made by its generator's rules (`content/generators/permalinks.py`) and
put under the site here (`site_url`). Standard library only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote, urljoin, urlsplit

from .paths import FEED_FILES, STYLESHEET, ScopeKind, feed_folder

if TYPE_CHECKING:
    from .config import Config

# Characters kept as they are in a URL path; the rest (CJK included) is percent-encoded.
URL_SAFE = "/:@!$&'()*+,;=-._~"


def site_url(config: Config, path: str) -> str:
    """The absolute URL of `path` (from the site's root; already percent-encoded characters stay)."""
    return config.site.base_url + quote(path.lstrip("/"), safe=URL_SAFE + "%")


def scope_page_url(config: Config, kind: ScopeKind, slug: str = "") -> str:
    """The site's own page of a tag or category (`site.tag_url`, `site.category_url`); the home
    page for the site."""
    if kind == "site":
        return config.site.base_url
    pattern = config.site.tag_url if kind == "tag" else config.site.category_url
    return config.site.base_url + pattern.format(slug=quote(slug, safe="")).lstrip("/")


def feed_folder_url(config: Config, kind: ScopeKind, slug: str = "") -> str:
    """The URL of the folder holding a scope's feed files (`feeds.url` for the site)."""
    return config.feeds.url + quote(feed_folder(kind, slug), safe="/")


def feed_url(folder_url: str, format_: str) -> str:
    """The URL of the feed of `format_` in the feed folder at `folder_url`."""
    return folder_url + FEED_FILES[format_]


def stylesheet_url(config: Config) -> str | None:
    """The stylesheet's URL as feeds name it (a path: browsers apply only same-origin XSLT), or
    None when `feeds.stylesheet` is off."""
    return urlsplit(config.feeds.url).path + STYLESHEET if config.feeds.stylesheet else None


def image_url(config: Config, image: str, article_url: str) -> str:
    """The URL of an article's `image`: as written when absolute, from the site's root when it
    starts with `/`, under `site.image_base` when set, else beside the article."""
    if urlsplit(image).scheme in ("http", "https"):
        return image
    if image.startswith("/"):
        return config.site.base_url + quote(image.lstrip("/"), safe="/%")
    if config.site.image_base:
        return config.site.base_url + quote(config.site.image_base.lstrip("/") + image, safe="/%")
    return urljoin(article_url, quote(image, safe="/%"))

"""Every URL feedindex writes comes from urls.py, and every output name from paths.py."""

from __future__ import annotations

import pytest

from conftest import MakeSite
from feedindex.paths import FEED_FILES, feed_file, scope_of_feed_file
from feedindex.urls import feed_folder_url, feed_url, image_url, scope_page_url, site_url, stylesheet_url


@pytest.mark.parametrize(("kind", "slug"), [("site", ""), ("tag", "開源"), ("category", "c-sharp-1a2b3c4d")])
def test_a_feed_file_names_its_scope(kind: str, slug: str) -> None:
    for format_ in FEED_FILES:
        assert scope_of_feed_file(feed_file(kind, slug, format_)) == (kind, slug)


def test_urls_of_pages_feeds_and_images(make_site: MakeSite) -> None:
    site = make_site({}, {"site": {"base_url": "https://example.org/blog/", "tag_url": "/t/{slug}/"}})
    config = site.config()
    assert site_url(config, "/posts/開源/") == "https://example.org/blog/posts/%E9%96%8B%E6%BA%90/"
    assert site_url(config, "posts/a%20b/") == "https://example.org/blog/posts/a%20b/"  # encoded stays
    assert scope_page_url(config, "site") == "https://example.org/blog/"
    assert scope_page_url(config, "tag", "a/b") == "https://example.org/blog/t/a%2Fb/"
    folder = feed_folder_url(config, "tag", "開源")
    assert folder == "https://example.org/blog/tags/%E9%96%8B%E6%BA%90/"
    assert feed_url(folder, "json") == folder + "feed.json"
    assert stylesheet_url(config) == "/blog/feed.xsl"
    article = "https://example.org/blog/posts/a/"
    assert image_url(config, "https://cdn.example.net/x.png", article) == "https://cdn.example.net/x.png"
    assert image_url(config, "/img/封面.png", article) == "https://example.org/blog/img/%E5%B0%81%E9%9D%A2.png"
    assert image_url(config, "cover.png", article) == "https://example.org/blog/posts/a/cover.png"
    images = make_site({}, {"site": {"image_base": "/images/"}}).config()
    assert image_url(images, "cover.png", "https://blog.example.com/posts/a/") == (
        "https://blog.example.com/images/cover.png"
    )
    assert stylesheet_url(make_site({}, {"feeds": {"stylesheet": False}}).config()) is None

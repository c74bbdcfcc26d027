"""The search page speaks the site's language, in the same script as its feeds and feeds page (the
page as the service serves it: test_web_server.py)."""

from __future__ import annotations

import json

import lxml.html
import pytest

from conftest import MakeSite, article
from feedindex.feeds.page import render_feeds_page
from feedindex.feeds.render import feed_spec
from feedindex.model import Scope
from feedindex.web.page import render_page

SCRIPTS = [
    # (site language, the search page's word for tags, the tag feeds' word for a tag)
    ("zh-MY", "标签", "标签"),  # Malaysia writes Simplified: the page said 標籤 while its feeds said 标签
    ("zh-SG", "标签", "标签"),
    ("zh-CN", "标签", "标签"),
    ("zh-Hans", "标签", "标签"),
    ("zh-Hans-TW", "标签", "标签"),
    ("zh-TW", "標籤", "標籤"),
    ("zh-HK", "標籤", "標籤"),
    ("zh-Hant", "標籤", "標籤"),
    ("zh", "標籤", "標籤"),
    ("en", "Tags", "Tag"),
]


@pytest.mark.parametrize(("language", "page_word", "feed_word"), SCRIPTS)
def test_the_page_the_feeds_and_the_feeds_page_use_one_script(
    make_site: MakeSite, language: str, page_word: str, feed_word: str
) -> None:
    site = make_site({"a.md": article("A", tags=["x"])}, {"site": {"language": language}})
    config = site.config()
    page = lxml.html.fromstring(render_page(config, "", None, None, [], None))
    assert json.loads(page.body.get("data-labels"))["tags"] == page_word
    assert page.get("lang") == language
    spec = feed_spec(config, Scope("tag", "x", "x"), ())
    assert spec.description.endswith(f"{feed_word} x")
    feeds_page = lxml.html.fromstring(render_feeds_page(config, {"tag": {"x": "x"}}))
    assert feeds_page.xpath("//section[@id='tags']//th[@scope='col']/text()")[0] == feed_word

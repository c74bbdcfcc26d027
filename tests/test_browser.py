"""The search page in a real browser: Debian's Chromium, driven headless by Playwright.

Skipped only outside CI when Chromium or Playwright is missing; `.ci/run` installs both and
sets FEEDINDEX_CI=1, so there a missing browser fails the test instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import MakeSite, article

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser_page() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("FEEDINDEX_CI"):
            raise
        pytest.skip("playwright is not installed (pip install playwright)")
    if not Path(CHROMIUM).exists():
        if os.environ.get("FEEDINDEX_CI"):
            pytest.fail("chromium is required in CI (.ci/run installs it with apt-get)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(locale="zh-TW")
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.dialogs = dialogs
        yield page
        browser.close()


def test_typing_zh_hant_and_zh_hans_queries_shows_highlighted_results(
    make_site: MakeSite, serve: Any, browser_page: Any
) -> None:
    site = make_site(
        {
            "qwen.md": article("通義千問：開源模型的天花板", body="在開源模型的戰場上，通義千問打破了局面。"),
            "hans.md": article(
                "中文分词入门", date="2025-10-01", lang="zh-Hans", body="结巴分词把句子切成词语，软件需要内存。"
            ),
            "xss.md": article(
                '<script>alert("x")</script> 危險標題', date="2025-09-01", body="危險 <img src=x onerror=alert(1)> 內容"
            ),
        }
    )
    from feedindex.build import build

    build(site.config())
    base = serve(site)
    page = browser_page
    page.goto(base + "/")
    search_box = page.get_by_label("搜尋", exact=True)  # the label is tied to the input
    search_box.fill("開源模型")  # zh-Hant, typed: results appear without submitting
    page.wait_for_selector("#results li")
    assert page.locator("#results li .title a").all_text_contents() == ["通義千問：開源模型的天花板"]
    assert "開源模型" in "".join(page.locator("#results li .snippet mark").all_text_contents())
    assert "找到 1 篇文章" in page.locator("#status").text_content()
    assert "q=" in page.url  # the address can be shared

    search_box.fill("软件 内存")  # zh-Hans
    # (wait_for_function cannot run here: the page's Content-Security-Policy forbids eval)
    page.locator("#results li .title a", has_text="中文分词入门").wait_for()
    marks = page.locator("#results li .snippet mark").all_text_contents()
    assert "软件" in marks and "内存" in marks

    search_box.fill("危險標題")
    search_box.press("Enter")  # the keyboard works too
    page.locator("#results li .title a", has_text="危險標題").wait_for()
    assert page.locator("#results li .title a").first.text_content() == '<script>alert("x")</script> 危險標題'
    assert page.locator("#results script").count() == 0 and page.locator("#results img").count() == 0
    assert page.dialogs == []


def test_the_page_works_without_javascript(make_site: MakeSite, serve: Any, browser_page: Any) -> None:
    site = make_site({"qwen.md": article("開源模型筆記", body="開源模型與記憶體。")})
    from feedindex.build import build

    build(site.config())
    base = serve(site)
    context = browser_page.context.browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base + "/")
    page.get_by_label("搜尋", exact=True).fill("記憶體")
    page.get_by_role("button", name="搜尋").click()  # a real form submission
    page.wait_for_load_state()
    assert page.locator("#results li .title a").all_text_contents() == ["開源模型筆記"]
    assert page.locator("#results mark").first.text_content() == "記憶體"
    context.close()


def test_the_feeds_page_and_a_feed_opened_in_chromium(make_site: MakeSite, serve: Any, browser_page: Any) -> None:
    """Chromium shows `feeds.html` from `feedindex serve` (no script), and a feed it opens comes
    as a type it displays: its own Accept header prefers HTML, so it gets application/xml."""
    site = make_site(
        {
            "qwen.md": article("開源模型筆記", tags=["AI", "開源"], category="模型"),
            "rss.md": article("Why feeds", date="2025-01-01", lang="en", tags=["RSS"], author="Mei Chen"),
        }
    )
    from feedindex.build import build

    build(site.config())
    base = serve(site)
    page = browser_page
    response = page.goto(base + "/feeds.html")
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert page.locator("html").get_attribute("lang") == "zh-Hant"
    assert page.locator("h1").text_content() == "訂閱 測試站 Test Site"
    assert page.get_by_role("heading", level=2).all_text_contents()[:3] == ["怎麼訂閱", "整個網站", "分類"]
    site_links = page.locator("#site a").evaluate_all("links => links.map(link => link.href)")
    assert site_links == [f"https://blog.example.com/{name}" for name in ("rss.xml", "atom.xml", "feed.json")]
    assert page.locator("#tags tbody th").all_text_contents() == ["AI", "RSS", "開源"]
    assert page.locator("#tags tbody tr", has_text="開源").locator("a").nth(1).get_attribute("href") == (
        "https://blog.example.com/tags/%E9%96%8B%E6%BA%90/rss.xml"
    )
    snippet = page.locator("#head pre code").first.text_content()
    assert snippet.startswith('<link rel="alternate" type="application/rss+xml" title="測試站 Test Site"')
    assert page.locator("script").count() == 0 and page.dialogs == []

    for name, shown_as in [
        ("rss.xml", "application/xml"),
        ("atom.xml", "application/xml"),
        ("feed.json", "application/json"),
    ]:
        response = page.goto(f"{base}/{name}")  # a download would raise here
        assert response.status == 200 and response.headers["content-type"].startswith(shown_as), name
        assert response.headers["vary"] == "Accept"
        assert "開源模型筆記" in page.locator("body").text_content()

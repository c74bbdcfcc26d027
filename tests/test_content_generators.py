"""Beside Hugo, Jekyll and Hexo: `init` reads each site's configuration, feed links are the
generator's URLs, the published set is the generator's, and no template markup is published.

The sites under tests/sites/ were written for these tests in each generator's documented
conventions. The expected URLs are what Hugo 0.111, Jekyll 4.3 and Hexo 7.3 published for those
very trees (run by hand: `hugo`, `jekyll build`, and Hexo's own post list).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from conftest import MakeSite, article
from feedindex.build import build
from feedindex.config import Config, load_config
from feedindex.content.generators import hugo, liquid, preprocess
from feedindex.content.generators.init import init_from_site
from feedindex.content.generators.permalinks import (
    UrlFacts,
    article_url,
    hexo_slugize,
    hugo_urlize,
    jekyll_slugify,
    translate,
)
from feedindex.content.generators.site import detect
from feedindex.content.reading import read_articles
from feedindex.errors import ConfigError
from feedindex.search.searcher import Searcher

SITES = Path(__file__).parent / "sites"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
ATOM = "{http://www.w3.org/2005/Atom}"

# source → the URL the generator published it at (drafts and unpublished posts: not published).
PUBLISHED = {
    "hugo": {
        "posts/first-post.md": "https://hugo.example.org/blog/posts/first-post/",
        "posts/2025-02-03-winter-watercolor/index.md": "https://hugo.example.org/blog/posts/2025-02-03-winter-watercolor/",
        "posts/moved.md": "https://hugo.example.org/blog/special/moved-here/",
        "posts/center-and-x.md": "https://hugo.example.org/blog/posts/center-and-x/",
        "notes/garden.md": "https://hugo.example.org/blog/notes/2024/garden/",
        "notes/Untitled Thoughts.md": "https://hugo.example.org/blog/notes/2024/spaces-in-the-name/",
    },
    "jekyll": {
        "_posts/2024-01-15-welcome.md": "https://jekyll.example.org/site/release%20notes/news/2024/01/15/welcome.html",
        "_posts/2024-03-10-markdown-extension.markdown": "https://jekyll.example.org/site/essays/2024/03/10/markdown-extension.html",
        "_posts/2024-04-01-links.md": "https://jekyll.example.org/site/2024/04/01/links.html",
        "_posts/2024-05-05-own-permalink.md": "https://jekyll.example.org/site/custom/own-permalink/",
        "blog/_posts/2024-06-01-in-a-folder.md": "https://jekyll.example.org/site/blog/2024/06/01/in-a-folder.html",
    },
    "hexo": {
        "_posts/hello-world.md": "https://hexo.example.org/2024/03/27/hello-world/",
        "_posts/links-and-notes.md": "https://hexo.example.org/2024/04/02/links-and-notes/",
        "_posts/mysubdir/volatility.md": "https://hexo.example.org/2020/03/27/mysubdir/volatility/",
    },
}
UNPUBLISHED = {  # read, but not published (draft: true / published: false)
    "hugo": {"posts/draft-idea.md"},
    "jekyll": {"_posts/2024-02-01-not-yet.md"},
    "hexo": {"_posts/unpublished.md"},
}


def _site(generator: str, tmp_path: Path) -> Config:
    """A copy of the generator's test site with the feedindex.toml `init` writes for it."""
    root = tmp_path / "site"
    shutil.copytree(SITES / generator, root)
    result = init_from_site(root, tmp_path / "feedindex.toml")
    assert result.generator == generator
    return load_config(result.config_path)


@pytest.mark.parametrize("generator", sorted(PUBLISHED))
def test_feed_links_and_the_published_set_are_the_generators(generator: str, tmp_path: Path) -> None:
    config = _site(generator, tmp_path)
    result = read_articles(config)
    assert result.errors == ()
    urls = {a.source: a.url for a in result.articles if not a.draft}
    assert urls == PUBLISHED[generator]
    assert {a.source for a in result.articles if a.draft} == UNPUBLISHED[generator]


def test_init_reads_each_generators_own_configuration(tmp_path: Path) -> None:
    hugo = _site("hugo", tmp_path / "h")
    assert (hugo.site.base_url, hugo.site.language, hugo.site.timezone) == (
        "https://hugo.example.org/blog/",
        "zh-TW",
        "Asia/Taipei",
    )
    assert hugo.content.sections == ("posts", "notes")  # params.mainSections
    assert dict(hugo.site.section_urls) == {"notes": "/notes/{year}/{slug_or_title}/"}
    assert hugo.site.lowercase_urls and not hugo.content.filename_dates
    assert hugo.content.excerpt_separator == "<!--more-->" and hugo.content.image_keys[0] == "cover.image"

    jekyll = _site("jekyll", tmp_path / "j")
    assert jekyll.site.base_url == "https://jekyll.example.org/site/"  # url + baseurl
    assert jekyll.site.article_url == "/{categories}/{year}/{month}/{day}/{slug}.html"  # permalink: date
    assert jekyll.content.sections == ("_posts", "blog/_posts")
    assert jekyll.content.excerpt_separator == "\n\n" and jekyll.site.author == "Tester"

    hexo = _site("hexo", tmp_path / "x")
    assert hexo.paths.content == (tmp_path / "x" / "site" / "source").resolve()
    assert (hexo.site.language, hexo.site.timezone) == ("zh-CN", "Asia/Shanghai")
    assert hexo.site.article_url == "/{year}/{month}/{day}/{path}/"


def test_init_refuses_an_unknown_folder_and_an_existing_file(tmp_path: Path) -> None:
    assert detect(tmp_path) is None
    with pytest.raises(ConfigError, match="is not a Hugo"):
        init_from_site(tmp_path, tmp_path / "feedindex.toml")
    (tmp_path / "feedindex.toml").write_text("keep me", encoding="utf-8")
    with pytest.raises(ConfigError, match="already exists"):
        init_from_site(SITES / "hugo", tmp_path / "feedindex.toml")
    assert (tmp_path / "feedindex.toml").read_text(encoding="utf-8") == "keep me"


def test_pages_bundles_resources_and_layouts_are_not_articles(tmp_path: Path) -> None:
    result = read_articles(_site("hugo", tmp_path))
    sources = {a.source for a in result.articles}
    # search.md (a layout page) and about.md are outside the sections; the bundle's notes.md is
    # one of its resources; a headless bundle is skipped without an error.
    assert not sources & {"search.md", "about.md", "posts/2025-02-03-winter-watercolor/notes.md"}
    assert [skip.path for skip in result.skipped] == ["posts/headless/index.md"]


def test_hugo_shortcodes_render_or_keep_their_text(tmp_path: Path) -> None:
    config = _site("hugo", tmp_path)
    result = read_articles(config)
    articles = {a.source: a for a in result.articles}
    first = articles["posts/first-post.md"]
    html = etree.fromstring(f"<div>{first.body_html.replace('<!--more-->', '')}</div>", etree.HTMLParser())
    (code,) = html.xpath("//pre/code")
    assert code.get("class") == "language-html"
    assert code.text.strip() == '<div class="box">盒子 <b>粗體</b></div>'  # the sample stays code
    assert html.xpath("//figure/img/@src") == ["/images/lighthouse.png"]
    assert html.xpath("//iframe/@src") == ["https://www.youtube.com/embed/w7Ft2ymGmfc"]
    assert "{{< youtube abc >}}" in first.body_text  # {{</* */>}} is Hugo's way of writing it as text
    assert first.summary == "這是摘要的第一段，作者在這裡結束摘要。"  # <!--more-->

    center = articles["posts/center-and-x.md"]
    assert center.body_text.split("\n") == ["置中的文字", "Post by @gohugoio on X", "提示：保留內文。"]
    assert center.summary == "作者寫的摘要，不是正文的開頭。"  # front-matter summary
    assert center.title == "自訂短代碼 與 X"  # HTML in a title becomes text
    (warning,) = [w for w in result.warnings if w.path == "posts/center-and-x.md"]
    assert warning.field == "body" and "center, notice" in warning.message

    bundle = articles["posts/2025-02-03-winter-watercolor/index.md"]
    links = etree.fromstring(f"<div>{bundle.body_html}</div>", etree.HTMLParser()).xpath("//a/@href")
    assert links == ["https://hugo.example.org/blog/posts/first-post/", "/blog/notes/2024/garden/"]  # ref, relref
    assert bundle.image == "cover.png"  # PaperMod's cover.image


def test_jekyll_liquid_renders_or_keeps_its_text(tmp_path: Path) -> None:
    articles = {a.source: a for a in read_articles(_site("jekyll", tmp_path)).articles}
    welcome = articles["_posts/2024-01-15-welcome.md"]
    assert "{{ site.title }} and {% if page.title %}a tag{% endif %}" in welcome.body_text  # raw, in code
    assert "Inline raw: {{ page.url }}." in welcome.body_text
    assert welcome.summary == "第一段是摘要：Jekyll 的預設摘要在第一個空行結束。"  # excerpt_separator "\n\n"
    assert welcome.tags == ("jekyll", "liquid")  # a string of tags is split on spaces, as Jekyll does
    links = articles["_posts/2024-04-01-links.md"]
    hrefs = etree.fromstring(f"<div>{links.body_html}</div>", etree.HTMLParser()).xpath("//a/@href")
    # post_url and link give the path with the base URL's (so {{ site.baseurl }}{% link %} doubles it, as in Jekyll)
    assert hrefs == [
        "/site/release%20notes/news/2024/01/15/welcome.html",
        "/site/site/release%20notes/news/2024/01/15/welcome.html",
        "/site/feed.xml",
    ]
    assert "一則附註" in links.body_text and "Unknown tags lose their markers: happy." in links.body_text
    assert links.summary == "A summary written in the front matter."
    assert articles["_posts/2024-03-10-markdown-extension.markdown"].image == "/assets/photo.png"  # image.path


def test_hexo_tags_render_and_code_is_left_alone(tmp_path: Path) -> None:
    result = read_articles(_site("hexo", tmp_path))
    articles = {a.source: a for a in result.articles}
    hello = articles["_posts/hello-world.md"]
    html = etree.fromstring(f"<div>{hello.body_html}</div>", etree.HTMLParser())
    assert html.xpath("//img/@src") == ["lake.png"]  # asset_img: beside the post's URL
    assert html.xpath("//pre/code/text()") == ['<p class="x">代码 <b>保留</b></p>\n']
    assert html.xpath("//blockquote/footer//text()") == ["鲁迅", "呐喊"]
    assert html.xpath("//p/code/text()") == ["{% raw %}"]  # Hexo leaves inline code alone
    assert hello.tags == ("Hexo",) and hello.categories == ("日记", "生活")
    assert ("_posts/hello-world.md", "tags") in {(w.path, w.field) for w in result.warnings}  # the empty `-`
    notes = articles["_posts/links-and-notes.md"]
    assert notes.body_text.startswith("See 你好，世界 and 另一篇.")  # post_link with the post's title
    assert "NexT 主题的提示块：保留内文。" in notes.body_text


def test_hexo_hash_category_and_title_are_hexos(tmp_path: Path) -> None:
    _site("hexo", tmp_path)
    path = tmp_path / "site" / "_config.yml"
    text = path.read_text(encoding="utf-8").replace(
        ":year/:month/:day/:title/", "posts/:hash/:category/:post_title.html"
    )
    path.write_text(text, encoding="utf-8")
    (tmp_path / "feedindex.toml").unlink()
    config = load_config(init_from_site(tmp_path / "site", tmp_path / "feedindex.toml").config_path)
    urls = {a.source: a.url for a in read_articles(config).articles}
    # As Hexo 7.3 published them.
    assert urls["_posts/hello-world.md"] == (
        "https://hexo.example.org/posts/0244567c7fac/%E6%97%A5%E8%AE%B0/%E7%94%9F%E6%B4%BB/"
        "%E4%BD%A0%E5%A5%BD%EF%BC%8C%E4%B8%96%E7%95%8C.html"
    )
    assert (
        urls["_posts/mysubdir/volatility.md"]
        == "https://hexo.example.org/posts/8c8bf37ca5d6/uncategorized/volatility.html"
    )


@pytest.mark.parametrize(
    ("generator", "rule", "pattern"),
    [
        ("hugo", "/:year/:month/:slug/", "/{year}/{month}/{slug_or_title}/"),
        ("hugo", "/:sections/:filename", "/{section}/{filename}"),
        (
            "jekyll",
            "/:categories/:year/:month/:day/:title:output_ext",
            "/{categories}/{year}/{month}/{day}/{slug}.html",
        ),
        ("jekyll", "/:year/:month_:day/", "/{year}/{month}_{day}/"),
        ("hexo", ":year/:title/", "{year}/{path}/"),
        ("hexo", ":lang/:hash", "en/{hash}"),
    ],
)
def test_permalink_rules_translate(generator: str, rule: str, pattern: str) -> None:
    assert translate(generator, rule, {"lang": "en"}) == (pattern, [])


@pytest.mark.parametrize(
    ("permalink", "pattern"),
    [
        ("pretty", "/{categories}/{year}/{month}/{day}/{slug}/"),
        ("none", "/{categories}/{slug}.html"),
        ("/blog/:year/:title/", "/blog/{year}/{slug}/"),
    ],
)
def test_jekyll_permalink_styles(permalink: str, pattern: str, tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(SITES / "jekyll", root)
    config = root / "_config.yml"
    config.write_text(config.read_text(encoding="utf-8") + f"permalink: {permalink}\n", encoding="utf-8")
    result = init_from_site(root, tmp_path / "feedindex.toml")
    assert load_config(result.config_path).site.article_url == pattern


def test_unknown_permalink_tokens_are_reported() -> None:
    assert translate("hugo", "/:weekdayname/:slug/") == ("/:weekdayname/{slug_or_title}/", ["weekdayname"])


def test_slugs_follow_each_generator() -> None:
    assert hugo_urlize("Hello, World! 你好 C++") == "Hello-World-你好-C++"
    assert jekyll_slugify("Hello World: 你好?") == "Hello-World-你好"
    assert hexo_slugize("Hello World，你好", lower=True) == "hello-world，你好"


def test_a_hexo_hash_is_sha1_of_path_and_unix_time(make_site: MakeSite) -> None:
    site = make_site({}, {"content": {"generator": "hexo"}, "site": {"article_url": "/{hash}/"}})
    facts = UrlFacts("a/b.md", "b", None, "B", datetime(2024, 3, 27, 2, tzinfo=UTC), ())
    expected = hashlib.sha1(b"a/b1711504800").hexdigest()[:12]
    assert article_url(site.config(), facts) == f"https://blog.example.com/{expected}/"


def test_no_generator_keeps_feedindex_urls_and_markup(make_site: MakeSite) -> None:
    body = "{{< center >}}x{{< /center >}} {% raw %}y{% endraw %}"
    site = make_site({"posts/2025-01-02-hi.md": article("Hi", body=body, url="/elsewhere/")})
    (found,) = read_articles(site.config()).articles
    assert found.url == "https://blog.example.com/posts/hi/"  # front-matter url is not feedindex's
    assert "{{< center >}}" in found.body_text  # nothing is interpreted
    done = preprocess(site.config(), "posts/2025-01-02-hi.md", site.content / "x.md", body, str)
    assert done.text == body


def test_null_tags_are_dropped_with_a_warning_on_any_site(make_site: MakeSite) -> None:
    site = make_site({"a.md": "---\ntitle: A\ndate: 2025-01-01\ntags: [null, x]\ncategories:\n  -\n---\nbody\n"})
    result = read_articles(site.config())
    (found,) = result.articles
    assert found.tags == ("x",) and found.categories == ()
    assert {(w.path, w.field) for w in result.warnings} == {("a.md", "tags"), ("a.md", "categories")}


def _feed_entries(out: Path) -> list[etree._Element]:
    return etree.parse(str(out / "atom.xml")).getroot().findall(f"{ATOM}entry")


def test_built_feeds_and_index_hold_no_template_markup(tmp_path: Path) -> None:
    config = _site("hugo", tmp_path)
    report = build(config, now=NOW)
    assert report.errors == () and report.published == len(PUBLISHED["hugo"])
    entries = _feed_entries(config.paths.out)
    assert {e.find(f"{ATOM}link").get("href") for e in entries} == set(PUBLISHED["hugo"].values())
    for entry in entries:
        for field in ("summary", "content"):
            text = entry.find(f"{ATOM}{field}").text or ""
            text = text.replace("{{&lt; youtube abc &gt;}}", "").replace("{{< youtube abc >}}", "")
            assert "{{" not in text and "{%" not in text, (field, text)
    bundle = next(e for e in entries if "winter" in e.find(f"{ATOM}link").get("href"))
    # Relative images resolve against the page's real URL; cover.image is the enclosure.
    content = etree.fromstring(bundle.find(f"{ATOM}content").text, etree.HTMLParser())
    base = "https://hugo.example.org/blog/posts/2025-02-03-winter-watercolor/"
    assert content.xpath("//img/@src") == [base + "snow.png"]
    enclosure = bundle.find(f"{ATOM}link[@rel='enclosure']")
    assert enclosure.get("href") == base + "cover.png" and enclosure.get("length") == "8"
    with Searcher(config.index_dir, ZoneInfo("Asia/Taipei")) as searcher:
        assert searcher.search("center").total == 0  # the unknown shortcode's name is not indexed
        (hit,) = searcher.search("置中的文字").hits
        assert hit.title == "自訂短代碼 與 X" and "{{" not in hit.snippet


def test_a_post_that_becomes_headless_leaves_the_feeds(tmp_path: Path) -> None:
    config = _site("hugo", tmp_path)
    build(config, now=NOW)
    post = tmp_path / "site" / "content" / "posts" / "moved.md"
    post.write_text(post.read_text(encoding="utf-8").replace("url:", "headless: true\nurl:"), encoding="utf-8")
    report = build(config, now=NOW)
    assert not report.full and report.errors == ()
    links = {e.find(f"{ATOM}link").get("href") for e in _feed_entries(config.paths.out)}
    assert "https://hugo.example.org/blog/special/moved-here/" not in links and len(links) == 5


def test_hexo_front_matter_forms_and_undated_posts(make_site: MakeSite) -> None:
    site = make_site(
        {
            "_posts/tabs.md": "---\ntitle: Tabs\ndate: 2024-03-24 22:26:14\ntags: \n\t工具\n---\nbody\n",
            "_posts/open.md": "title: Open\ndate: 2024-03-25\n---\nbody\n",
            "_posts/bare.md": "Just text, no front matter.\n",
        },
        {"content": {"generator": "hexo", "sections": ["_posts"]}, "site": {"article_url": "/{year}/{path}/"}},
    )
    stamp = datetime(2022, 7, 15, 9, 20, tzinfo=ZoneInfo("Asia/Taipei")).timestamp()
    os.utime(site.content / "_posts" / "bare.md", (stamp, stamp))
    result = read_articles(site.config())
    articles = {a.source: a for a in result.articles}
    assert articles["_posts/tabs.md"].tags == ("工具",)  # a tab indents like two spaces, as in Hexo
    assert articles["_posts/open.md"].title == "Open"  # front matter without its opening ---
    bare = articles["_posts/bare.md"]
    assert (bare.title, bare.url) == ("bare", "https://blog.example.com/2022/bare/")  # dated by its file
    assert {(w.path, w.field) for w in result.warnings} >= {("_posts/bare.md", "date"), ("_posts/bare.md", "title")}


def test_generator_sites_accept_the_dates_ruby_and_javascript_accept(make_site: MakeSite) -> None:
    text = "---\ntitle: T\ndate: 2022-1-9 14:09:00 +0800\n---\nbody\n"
    site = make_site({"_posts/2022-01-09-t.md": text}, {"content": {"generator": "jekyll", "sections": ["_posts"]}})
    (found,) = read_articles(site.config()).articles
    assert found.published.isoformat() == "2022-01-09T14:09:00+08:00"
    plain = make_site({"t.md": text})
    errors = {e.path: e.field for e in read_articles(plain.config()).errors}
    assert errors["t.md"] == "date"  # feedindex's own rules: unchanged


def test_hexo_category_hierarchies_and_the_last_one_in_urls(make_site: MakeSite) -> None:
    text = "---\ntitle: T\ndate: 2024-01-02\ncategories:\n  - [Code, Python]\n  - [Life]\n---\nbody\n"
    config = {"content": {"generator": "hexo", "sections": ["_posts"]}, "site": {"article_url": "/{category}/{path}/"}}
    site = make_site({"_posts/t.md": text}, config)
    (found,) = read_articles(site.config()).articles
    assert found.categories == ("Code", "Python", "Life")
    assert found.url == "https://blog.example.com/Life/t/"


def _nested_closing(names: list[tuple[str, bool]], opening: int) -> int | None:
    """The definition: the first closing of the same name at nesting level 0 after `opening`."""
    level = 0
    for index in range(opening + 1, len(names)):
        name, closing = names[index]
        if name != names[opening][0]:
            continue
        if closing:
            if level == 0:
                return index
            level -= 1
        else:
            level += 1
    return None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "x"]), st.booleans()), max_size=30))
def test_shortcode_and_tag_pairs_nest_like_brackets(names: list[tuple[str, bool]]) -> None:
    hugo_text = "".join(f"{{{{< {'/' if closing else ''}{name} >}}}}" for name, closing in names)
    liquid_text = "".join(f"{{% {'end' if closing else ''}{name} %}}" for name, closing in names)
    expected = {
        index: close
        for index, (_, closing) in enumerate(names)
        if not closing and (close := _nested_closing(names, index)) is not None
    }
    assert hugo._pairs([hugo._Tag(match) for match in hugo._SHORTCODE.finditer(hugo_text)]) == expected
    assert liquid._pairs(list(liquid._TOKEN.finditer(liquid_text))) == expected


def test_an_opening_without_its_end_looks_ahead_a_bounded_distance() -> None:
    """What keeps hostile text linear: a body never crosses another opening nor _MAX_BODY characters."""
    assert [m.group("body") for m in hugo._SHORTCODE.finditer("{{< a {{< b >}}")] == [" b "]
    assert [m.group("name") for m in liquid._TOKEN.finditer("{% a {% b %}")] == ["b"]
    assert [m.group("expr") for m in liquid._TOKEN.finditer("{{ a {% b %}")] == [None]
    too_long = "y" * (hugo._MAX_BODY + 1)
    assert not list(hugo._SHORTCODE.finditer(f"{{{{< x {too_long} >}}}}"))
    assert not list(liquid._TOKEN.finditer(f"{{% x {too_long} %}}"))

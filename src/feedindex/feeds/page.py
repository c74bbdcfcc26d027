"""`feeds.html`: every feed of the site on one page, for people.

Browsers no longer show feeds as pages (Chromium stopped running `feed.xsl`), so each build also
writes a plain HTML page in the site's language, without script: how to subscribe, the URL of
every feed (the site's, each category's and each tag's) and the `<link rel="alternate">` lines
that let browsers and readers find the feeds from the site's own pages. Deterministic: the same
site gives the same bytes.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path

from ..config import Config
from ..files import write_atomic
from ..model import Scope, language_family
from ..paths import FEED_TYPES, FEEDS_PAGE
from .render import FeedSpec, feed_spec

FORMAT_NAMES = {"rss": "RSS 2.0", "atom": "Atom 1.0", "json": "JSON Feed 1.1"}
SHORT_NAMES = {"rss": "RSS", "atom": "Atom", "json": "JSON Feed"}

TEXT = {
    "zh-hant": {
        "title": "訂閱 {site}",
        "back": "回到網站",
        "how": "怎麼訂閱",
        "how_intro": "用 RSS 閱讀器訂閱，有新文章時閱讀器會自動收到，不必再回來查看。",
        "how_steps": [
            "複製下面任何一個訂閱網址（在連結上按右鍵，選「複製連結網址」）。",
            "在閱讀器（例如 Feedly、Inoreader、NetNewsWire、Thunderbird、newsboat）選「新增訂閱」，貼上網址。",
        ],
        "formats": "三種格式的內容相同：幾乎所有閱讀器都讀得懂 RSS 與 Atom；JSON Feed 是較新的格式。",
        "site": "整個網站",
        "format": "格式",
        "url": "訂閱網址",
        "category": "分類",
        "categories": "分類",
        "tag": "標籤",
        "tags": "標籤",
        "head": "讓瀏覽器與閱讀器自動找到訂閱網址",
        "head_intro": "把下面幾行貼進網站每一頁的 <head>，閱讀器和瀏覽器擴充套件只要有網站網址就能找到訂閱：",
        "head_scope": "分類與標籤的頁面可以改用各自的訂閱，例如「{name}」：",
    },
    "zh-hans": {
        "title": "订阅 {site}",
        "back": "回到网站",
        "how": "怎么订阅",
        "how_intro": "用 RSS 阅读器订阅，有新文章时阅读器会自动收到，不必再回来查看。",
        "how_steps": [
            "复制下面任何一个订阅网址（在链接上点右键，选“复制链接地址”）。",
            "在阅读器（例如 Feedly、Inoreader、NetNewsWire、Thunderbird、newsboat）选“添加订阅”，粘贴网址。",
        ],
        "formats": "三种格式的内容相同：几乎所有阅读器都能读 RSS 与 Atom；JSON Feed 是较新的格式。",
        "site": "整个网站",
        "format": "格式",
        "url": "订阅网址",
        "category": "分类",
        "categories": "分类",
        "tag": "标签",
        "tags": "标签",
        "head": "让浏览器与阅读器自动找到订阅网址",
        "head_intro": "把下面几行粘贴到网站每一页的 <head>，阅读器和浏览器扩展只要有网站网址就能找到订阅：",
        "head_scope": "分类与标签的页面可以改用各自的订阅，例如“{name}”：",
    },
    "en": {
        "title": "Subscribe to {site}",
        "back": "Back to the site",
        "how": "How to subscribe",
        "how_intro": "Subscribe with a feed reader and new articles come to you: no need to check back.",
        "how_steps": [
            "Copy one of the feed addresses below (right-click the link, then “Copy link address”).",
            "In your reader (Feedly, Inoreader, NetNewsWire, Thunderbird, newsboat…) choose “Add feed” or"
            " “Subscribe” and paste it.",
        ],
        "formats": "The three formats carry the same articles: every reader reads RSS and Atom; JSON Feed is newer.",
        "site": "The whole site",
        "format": "Format",
        "url": "Feed address",
        "category": "Category",
        "categories": "Categories",
        "tag": "Tag",
        "tags": "Tags",
        "head": "Let browsers and readers find the feeds",
        "head_intro": "Paste these lines into the <head> of every page of the site: then readers and browser"
        " extensions find the feeds from the site's address alone:",
        "head_scope": "A category's or a tag's page can name its own feeds instead, e.g. “{name}”:",
    },
}

STYLE = (
    'body{font:16px/1.7 system-ui,"Noto Sans CJK TC","Noto Sans CJK SC",sans-serif;max-width:60rem;'
    "margin:1.5rem auto;padding:0 1rem;color:#1f2328;background:#fff}a{color:#0550ae}"
    "a:focus{outline:3px solid #fb8f44;outline-offset:2px}table{border-collapse:collapse;width:100%}"
    "th,td{text-align:left;padding:.3rem .6rem;border-bottom:1px solid #d0d7de;vertical-align:top}"
    "code,pre{background:#f6f8fa;border-radius:4px}code{padding:.1rem .3rem;word-break:break-all}"
    "pre{padding:.75rem 1rem;overflow-x:auto;white-space:pre}pre code{padding:0;word-break:normal}"
)


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _link_lines(spec: FeedSpec, formats: tuple[str, ...]) -> str:
    """The `<link rel="alternate">` elements naming the feeds of `spec`, one per line."""
    return "\n".join(
        f'<link rel="alternate" type="{FEED_TYPES[kind]}" title="{_e(spec.title)}" href="{_e(spec.self_url(kind))}">'
        for kind in formats
    )


def _scope_table(config: Config, kind: str, specs: list[FeedSpec], text: Mapping[str, object]) -> list[str]:
    formats = config.feeds.formats
    plural = "categories" if kind == "category" else "tags"
    head = "".join(f"<th scope=col>{_e(FORMAT_NAMES[name])}</th>" for name in formats)
    parts = [
        f'<section id="{plural}"><h2>{_e(str(text[plural]))}</h2>',
        f"<table><thead><tr><th scope=col>{_e(str(text[kind]))}</th>{head}</tr></thead><tbody>",
    ]
    for spec in specs:
        cells = "".join(f'<td><a href="{_e(spec.self_url(name))}">{SHORT_NAMES[name]}</a></td>' for name in formats)
        parts.append(f'<tr><th scope=row><a href="{_e(spec.home_url)}">{_e(spec.scope.name)}</a></th>{cells}</tr>')
    parts.append("</tbody></table></section>")
    return parts


def render_feeds_page(config: Config, names: Mapping[str, Mapping[str, str]]) -> bytes:
    """The page, for the scopes in `names` ("tag" and "category": slug → display name) whose
    feeds the configuration writes."""
    site, formats = config.site, config.feeds.formats
    text = TEXT[language_family(site.language)]
    site_spec = feed_spec(config, Scope("site"), ())
    kinds = [
        kind for kind, wanted in (("category", config.feeds.per_category), ("tag", config.feeds.per_tag)) if wanted
    ]
    specs = {
        kind: [
            feed_spec(config, Scope(kind, name, slug), ())  # type: ignore[arg-type]
            for slug, name in sorted(names.get(kind, {}).items(), key=lambda item: (item[1].casefold(), item[0]))
        ]
        for kind in kinds
    }
    title = str(text["title"]).format(site=site.title)
    parts = [
        "<!doctype html>",
        f'<html lang="{_e(site.language)}">',
        '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
        _link_lines(site_spec, formats),
        f"<style>{STYLE}</style></head>",
        f'<body><header><h1>{_e(title)}</h1><p><a href="{_e(site.base_url)}">{_e(str(text["back"]))}</a></p></header>',
        "<main>",
        f'<section id="how"><h2>{_e(str(text["how"]))}</h2><p>{_e(str(text["how_intro"]))}</p><ol>',
        *(f"<li>{_e(step)}</li>" for step in text["how_steps"]),
        f"</ol><p>{_e(str(text['formats']))}</p></section>",
        f'<section id="site"><h2>{_e(str(text["site"]))}</h2><table><thead><tr>'
        f"<th scope=col>{_e(str(text['format']))}</th><th scope=col>{_e(str(text['url']))}</th></tr></thead><tbody>",
        *(
            f'<tr><td>{_e(FORMAT_NAMES[kind])}</td><td><a href="{_e(url)}"><code>{_e(url)}</code></a></td></tr>'
            for kind in formats
            for url in [site_spec.self_url(kind)]
        ),
        "</tbody></table></section>",
    ]
    for kind in kinds:
        if specs[kind]:
            parts += _scope_table(config, kind, specs[kind], text)
    parts += [
        f'<section id="head"><h2>{_e(str(text["head"]))}</h2><p>{_e(str(text["head_intro"]))}</p>',
        f"<pre><code>{_e(_link_lines(site_spec, formats))}</code></pre>",
    ]
    example = next((specs[kind][0] for kind in kinds if specs[kind]), None)
    if example is not None:
        parts += [
            f"<p>{_e(str(text['head_scope']).format(name=example.scope.name))}</p>",
            f"<pre><code>{_e(_link_lines(example, formats))}</code></pre>",
        ]
    parts += ["</section></main>", "</body></html>"]
    return ("\n".join(parts) + "\n").encode("utf-8")


def write_feeds_page(config: Config, names: Mapping[str, Mapping[str, str]]) -> bool:
    """Write `feeds.html` into the output folder, atomically; whether its bytes changed."""
    path: Path = config.paths.out / FEEDS_PAGE
    return write_atomic(path, render_feeds_page(config, names))

"""The search page: plain HTML in the site's language, complete without JavaScript.

Everything that comes from articles or the visitor is escaped here; snippets arrive as HTML that
`snippets.py` already escaped (only `<mark>` is markup). `search.js` enhances the page with
results as you type, using the same API and the same markup.
"""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from ..config import Config
from ..model import language_family

if TYPE_CHECKING:
    from ..search.results import SearchResult

# Labels by language family (see model.language_family).
LABELS = {
    "zh-hant": {
        "search": "搜尋",
        "placeholder": "輸入關鍵字，例如：開源模型",
        "found": "找到 {total} 篇文章",
        "none": "沒有符合「{query}」的文章。",
        "suggest": "你是不是要找：",
        "tags": "標籤",
        "categories": "分類",
        "previous": "上一頁",
        "next": "下一頁",
        "pages": "分頁",
        "results": "搜尋結果",
        "filters": "篩選",
        "remove": "移除篩選",
        "timed_out": "搜尋花了太久，以下只是部分結果。",
        "feeds": "訂閱",
    },
    "zh-hans": {
        "search": "搜索",
        "placeholder": "输入关键词，例如：开源模型",
        "found": "找到 {total} 篇文章",
        "none": "没有符合“{query}”的文章。",
        "suggest": "你是不是要找：",
        "tags": "标签",
        "categories": "分类",
        "previous": "上一页",
        "next": "下一页",
        "pages": "分页",
        "results": "搜索结果",
        "filters": "筛选",
        "remove": "移除筛选",
        "timed_out": "搜索花了太久，以下只是部分结果。",
        "feeds": "订阅",
    },
    "en": {
        "search": "Search",
        "placeholder": "Type a few words, e.g. open source models",
        "found": "{total} articles found",
        "none": "No articles match “{query}”.",
        "suggest": "Did you mean:",
        "tags": "Tags",
        "categories": "Categories",
        "previous": "Previous",
        "next": "Next",
        "pages": "Pages",
        "results": "Search results",
        "filters": "Filters",
        "remove": "remove filter",
        "timed_out": "The search took too long; these are partial results.",
        "feeds": "Subscribe",
    },
}

STYLE = """
body{font:16px/1.7 system-ui,"Noto Sans CJK TC","Noto Sans CJK SC",sans-serif;max-width:60rem;margin:1.5rem auto;
padding:0 1rem;color:#1f2328;background:#fff}
header h1{font-size:1.3rem;margin:0 0 1rem}a{color:#0550ae}a:focus,input:focus,button:focus{outline:3px solid #fb8f44;
outline-offset:2px}form{display:flex;gap:.5rem;flex-wrap:wrap;align-items:center}label{font-weight:600}
input[type=search]{flex:1 1 20rem;font-size:1.1rem;padding:.45rem .6rem;border:1px solid #6e7781;border-radius:6px}
button{font-size:1rem;padding:.45rem 1rem;border-radius:6px;border:1px solid #1f883d;background:#1f883d;color:#fff}
.layout{display:grid;grid-template-columns:1fr 14rem;gap:2rem}
@media(max-width:50rem){.layout{grid-template-columns:1fr}}
ol.results{padding-left:1.2rem}ol.results li{margin:1.1rem 0}ol.results h2{font-size:1.1rem;margin:0}
.meta{color:#59636e;font-size:.85rem;margin:.1rem 0}.snippet{margin:.2rem 0}mark{background:#fff8c5;color:inherit;
padding:0 .1em}aside h2{font-size:1rem}aside ul{list-style:none;padding:0}.status{color:#59636e}
.active a{font-weight:600}nav.pages{display:flex;gap:1rem;margin:1.5rem 0}
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _link(query: str, **params: object) -> str:
    pairs: list[tuple[str, str]] = [("q", query)]
    for key, value in params.items():
        if isinstance(value, list | tuple):
            pairs += [(key, str(item)) for item in value]
        elif value is not None and value != "" and not (key == "page" and value == 1):
            pairs.append((key, str(value)))
    return "/?" + urlencode(pairs)


def render_page(
    config: Config,
    query: str,
    result: SearchResult | None,
    error: str | None,
    tags: list[str],
    category: str | None,
) -> str:
    """The whole search page for `query` (and its result, when there is one)."""
    site = config.site
    labels = LABELS[language_family(site.language)]
    parts = [
        "<!doctype html>",
        f'<html lang="{_e(site.language)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(query + ' – ') if query else ''}{_e(labels['search'])} · {_e(site.title)}</title>",
        f'<link rel="alternate" type="application/atom+xml" href="/atom.xml" title="{_e(site.title)}">',
        f"<style>{STYLE}</style>",
        '<script src="/search.js" defer></script>',
        "</head>",
        f'<body data-labels="{_e(_labels_json(labels))}">',
        f'<header><h1><a href="{_e(site.base_url)}">{_e(site.title)}</a></h1>',
        f'<p><a href="/feeds.html">{_e(labels["feeds"])}</a></p>' if config.server.serve_feeds else "",
        "</header>",
        "<main>",
        '<form role="search" method="get" action="/" id="search-form">',
        f'<label for="q">{_e(labels["search"])}</label>',
        f'<input id="q" name="q" type="search" value="{_e(query)}" maxlength="256" autocomplete="off" '
        f'placeholder="{_e(labels["placeholder"])}">',
    ]
    parts += [f'<input type="hidden" name="tag" value="{_e(tag)}">' for tag in tags]
    if category:
        parts.append(f'<input type="hidden" name="category" value="{_e(category)}">')
    parts += [f'<button type="submit">{_e(labels["search"])}</button>', "</form>"]
    parts.append(f'<div class="layout"><section aria-label="{_e(labels["results"])}">')
    parts.append(
        f'<p id="status" class="status" role="status" aria-live="polite">{_status(labels, query, result, error)}</p>'
    )
    suggestion = result.suggestion if result else None
    parts.append(
        '<p id="suggestion">'
        + (f'{_e(labels["suggest"])} <a href="{_e(_link(suggestion))}">{_e(suggestion)}</a>' if suggestion else "")
        + "</p>"
    )
    parts.append('<ol id="results" class="results">')
    for hit in result.hits if result else ():
        published = hit.published.isoformat()
        parts.append(
            f'<li><h3 class="title"><a href="{_e(hit.url)}">{_e(hit.title)}</a></h3>'
            f'<p class="meta"><time datetime="{_e(published)}">{published[:10]}</time></p>'
            f'<p class="snippet">{hit.snippet}</p></li>'
        )
    parts.append("</ol>")
    parts.append(_pages(labels, query, result, tags, category))
    parts.append("</section>")
    parts.append(_facets(labels, query, result, tags, category))
    parts += ["</div>", "</main>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _labels_json(labels: dict[str, str]) -> str:
    return json.dumps(labels, ensure_ascii=False)


def _status(labels: dict[str, str], query: str, result: SearchResult | None, error: str | None) -> str:
    if error:
        return _e(error)
    if result is None:
        return ""
    if not result.total:
        return _e(labels["none"].format(query=query))
    found = _e(labels["found"].format(total=f"{result.total:,}"))
    return found + (" " + _e(labels["timed_out"]) if result.timed_out else "")


def _pages(
    labels: dict[str, str], query: str, result: SearchResult | None, tags: list[str], category: str | None
) -> str:
    if result is None or result.total <= result.per_page:
        return '<nav class="pages" id="pages"></nav>'
    links = []
    if result.page > 1:
        links.append(
            f'<a rel="prev" href="{_e(_link(query, tag=tags, category=category, page=result.page - 1))}">'
            f"{_e(labels['previous'])}</a>"
        )
    if result.page * result.per_page < result.total:
        links.append(
            f'<a rel="next" href="{_e(_link(query, tag=tags, category=category, page=result.page + 1))}">'
            f"{_e(labels['next'])}</a>"
        )
    return f'<nav class="pages" id="pages" aria-label="{_e(labels["pages"])}">{"".join(links)}</nav>'


def _facets(
    labels: dict[str, str], query: str, result: SearchResult | None, tags: list[str], category: str | None
) -> str:
    parts = [f'<aside id="facets" aria-label="{_e(labels["filters"])}">']
    if result is not None:
        for name, label in (("tags", labels["tags"]), ("category", labels["categories"])):
            facets = result.facets.get(name, ())
            if not facets:
                continue
            parts.append(f"<h2>{_e(label)}</h2><ul>")
            for facet in facets[:15]:
                active = (
                    facet.slug in tags or facet.name in tags if name == "tags" else category in (facet.slug, facet.name)
                )
                if name == "tags":
                    chosen = [t for t in tags if t not in (facet.slug, facet.name)] if active else [*tags, facet.name]
                    href = _link(query, tag=chosen, category=category)
                else:
                    href = _link(query, tag=tags, category=None if active else facet.name)
                mark = ' class="active" aria-current="true"' if active else ""
                hint = f' title="{_e(labels["remove"])}"' if active else ""
                parts.append(f'<li{mark}><a href="{_e(href)}"{hint}>{_e(facet.name)}</a> ({facet.count})</li>')
            parts.append("</ul>")
    parts.append("</aside>")
    return "".join(parts)

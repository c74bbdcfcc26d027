"""The search service through FastAPI's test client: API, page, feeds, limits, hostile input."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import lxml.html
import pytest
from fastapi.testclient import TestClient

from conftest import BASE_CONFIG, Site, article, toml_dumps
from feedindex.build import build
from feedindex.config import load_config
from feedindex.web.server import create_app

FILES = {
    "qwen.md": article(
        "通義千問：開源模型",
        date="2025-11-25",
        tags=["AI", "Open Source"],
        category="模型",
        body="在開源大型語言模型的戰場上，通義千問正在打破局面。記憶體需求很高。",
    ),
    "deploy.md": article(
        "本機部署",
        date="2025-10-02",
        tags=["AI", "部署"],
        category="教學",
        body="本機執行大型模型需要足夠的記憶體與顯示卡。",
    ),
    "segment.md": article(
        "中文分词入门", date="2025-09-14", lang="zh-Hans", tags=["中文"], body="结巴分词与搜索引擎，内存够用。"
    ),
    "rss.md": article("Why RSS still matters", date="2025-07-21", lang="en", tags=["RSS"], body="Feed readers poll."),
    "xss.md": article(
        '<script>alert("title")</script> Script title',
        date="2025-06-01",
        lang="en",
        tags=["<img src=x onerror=alert(1)>"],
        body='Hostile <img src=x onerror="alert(2)"> body <script>alert(3)</script> words `<img src=y onerror=z>`.',
    ),
}


def make(root: Path, files: dict[str, str] = FILES, **config: dict[str, object]) -> Site:
    merged = {section: dict(values) for section, values in BASE_CONFIG.items()}
    for section, values in config.items():
        merged.setdefault(section, {}).update(values)
    (root / "feedindex.toml").write_text(toml_dumps(merged), encoding="utf-8")
    site = Site(root, root / "feedindex.toml")
    for name, text in files.items():
        site.write(name, text)
    return site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    site = make(tmp_path_factory.mktemp("server-site"))
    build(site.config())
    return site


@pytest.fixture(scope="module")
def client(site: Site) -> TestClient:
    return TestClient(create_app(site.config()))


# --- the API -------------------------------------------------------------------------------


def test_search_shape(client: TestClient) -> None:
    response = client.get("/api/search", params={"q": "开源模型"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"query", "total", "page", "per_page", "hits", "facets", "suggestion", "stage", "timed_out"}
    (hit,) = body["hits"]
    assert set(hit) == {"slug", "title", "url", "published", "score", "snippet"}
    assert hit["slug"] == "qwen" and "<mark>開源</mark>" in hit["snippet"]
    assert body["facets"]["tags"][0] == {"slug": "ai", "name": "AI", "count": 1}


def test_filters_and_pagination(client: TestClient) -> None:
    def slugs(**params: object) -> list[str]:
        response = client.get("/api/search", params=params)  # type: ignore[arg-type]
        assert response.status_code == 200, response.text
        return [hit["slug"] for hit in response.json()["hits"]]

    assert sorted(slugs(q="記憶體")) == ["deploy", "qwen", "segment"]
    assert sorted(slugs(q="記憶體", tag="AI")) == ["deploy", "qwen"]
    assert slugs(q="記憶體", tag=["ai", "部署"]) == ["deploy"]
    assert slugs(q="記憶體", category="教學") == ["deploy"]
    assert slugs(q="記憶體", lang="zh-Hans") == ["segment"]
    assert slugs(**{"q": "記憶體", "from": "2025-10-01", "to": "2025-10-31"}) == ["deploy"]
    first = slugs(q="記憶體", per_page=2)
    second = slugs(q="記憶體", per_page=2, page=2)
    assert len(first) == 2 and len(second) == 1 and not set(first) & set(second)


@pytest.mark.parametrize(
    "params",
    [
        {"q": "x", "per_page": 0},
        {"q": "x", "per_page": 101},
        {"q": "x", "page": 0},
        {"q": "x", "page": "two"},
        {"q": "x", "from": "yesterday"},
        {"q": "x", "to": "2025-02-30"},
        {"q": "x" * 257},
        {"q": "字 " * 40},
        {"q": "x", "tag": ["t"] * 11},
        {"q": "x", "category": "c" * 101},
    ],
)
def test_bad_parameters_are_422_with_a_message(client: TestClient, params: dict[str, object]) -> None:
    response = client.get("/api/search", params=params)  # type: ignore[arg-type]
    assert response.status_code == 422
    assert response.json()["detail"]


def test_health(client: TestClient, site: Site) -> None:
    body = client.get("/api/health").json()
    assert body["status"] == "ok" and body["articles"] == 5
    assert body["generation"] == (site.out / "index" / "CURRENT").read_text().strip()
    assert body["built"].endswith("GMT")


def test_openapi_schema(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "/api/search" in schema["paths"] and "/api/health" in schema["paths"]
    names = {parameter["name"] for parameter in schema["paths"]["/api/search"]["get"]["parameters"]}
    assert names == {"q", "page", "per_page", "tag", "category", "lang", "from", "to"}


def test_no_index_is_503(tmp_path: Path) -> None:
    site = make(tmp_path, {})
    response = TestClient(create_app(site.config())).get("/api/search", params={"q": "x"})
    assert response.status_code == 503 and "feedindex build" in response.json()["detail"]


# --- the page ------------------------------------------------------------------------------


def test_the_page_renders_results_without_javascript(client: TestClient) -> None:
    response = client.get("/", params={"q": "記憶體", "tag": "AI"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = lxml.html.fromstring(response.text)
    assert page.get("lang") == "zh-Hant"
    assert page.xpath("//label[@for='q']/text()") == ["搜尋"]
    assert page.xpath("//input[@id='q']/@value") == ["記憶體"]
    assert page.xpath("//form[@role='search']/@method") == ["get"]
    assert page.xpath("//input[@name='tag']/@value") == ["AI"]
    titles = page.xpath("//ol[@id='results']/li//a/text()")
    assert sorted(titles) == ["本機部署", "通義千問：開源模型"]
    assert page.xpath("//ol[@id='results']//mark/text()")[0] == "記憶體"
    assert "找到 2 篇文章" in page.xpath("string(//*[@id='status'])")
    assert page.xpath("//script/@src") == ["/search.js"]
    assert page.xpath("//aside//li[@class='active']//a/text()") == ["AI"]


def test_the_page_shows_hostile_titles_as_text(client: TestClient) -> None:
    response = client.get("/", params={"q": "Script title"})
    page = lxml.html.fromstring(response.text)
    assert page.xpath("//script/@src") == ["/search.js"]  # the only script element
    assert not page.xpath("//img") and not page.xpath("//@onerror")
    (title,) = page.xpath("//ol[@id='results']/li//a/text()")
    assert title == '<script>alert("title")</script> Script title'
    assert "script-src 'self'" in response.headers["content-security-policy"]
    api = client.get("/api/search", params={"q": "hostile words"}).json()
    assert "<img" not in api["hits"][0]["snippet"] and "&lt;img" in api["hits"][0]["snippet"]


def test_page_language_follows_the_site(tmp_path: Path) -> None:
    site = make(tmp_path, {"a.md": article("A", body="feed words")}, site={"language": "en"})
    build(site.config())
    page = lxml.html.fromstring(TestClient(create_app(site.config())).get("/", params={"q": "nothing here"}).text)
    assert page.xpath("//label[@for='q']/text()") == ["Search"]
    assert "No articles match" in page.xpath("string(//*[@id='status'])")


def test_page_errors_and_suggestions(client: TestClient) -> None:
    page = lxml.html.fromstring(client.get("/", params={"q": "開元模型"}).text)
    assert page.xpath("//p[@id='suggestion']/a/text()") == ["開源模型"]
    # a query too long for the page: the page again, with a message, not JSON
    response = client.get("/", params={"q": "x" * 300, "tag": "AI"})
    assert response.status_code == 422 and response.headers["content-type"].startswith("text/html")
    page = lxml.html.fromstring(response.text)
    assert "256" in page.xpath("string(//p[@id='status'])")
    assert page.xpath("//input[@id='q']/@value") == ["x" * 256]  # shortened, not echoed whole
    assert page.xpath("//input[@name='tag']/@value") == ["AI"]
    response = client.get("/", params={"q": "模型", "page": "0"})
    assert response.status_code == 422
    assert lxml.html.fromstring(response.text).xpath("string(//p[@id='status'])").startswith("page:")


# --- the feeds -----------------------------------------------------------------------------


def test_feeds_are_served_with_types_and_conditional_get(client: TestClient, site: Site) -> None:
    for path, kind in [
        ("/rss.xml", "application/rss+xml"),
        ("/atom.xml", "application/atom+xml"),
        ("/feed.json", "application/feed+json"),
        ("/feed.xsl", "application/xslt+xml"),
        ("/tags/ai/atom.xml", "application/atom+xml"),
        ("/categories/%E6%A8%A1%E5%9E%8B/rss.xml", "application/rss+xml"),
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith(kind)
        etag, modified = response.headers["etag"], response.headers["last-modified"]
        assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
        assert client.get(path, headers={"If-Modified-Since": modified}).status_code == 304
        assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get("/rss.xml").content == (site.out / "rss.xml").read_bytes()


CHROMIUM_ACCEPT = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,"
    "application/signed-exchange;v=b3;q=0.7"
)
FIREFOX_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize(
    ("accept", "browser"),
    [
        (CHROMIUM_ACCEPT, True),
        (FIREFOX_ACCEPT, True),
        ("text/html", True),
        (None, False),  # most feed readers send nothing, or
        ("*/*", False),
        ("application/rss+xml, application/rdf+xml;q=0.8, application/atom+xml;q=0.6, text/xml;q=0.4", False),
        ("application/atom+xml,application/rss+xml;q=0.9,text/html;q=0.8", False),  # a reader that also takes HTML
        ("text/html, application/rss+xml", False),  # a tie goes to the feed
        ("text/html;q=0.5, */*;q=0.1", True),
        ("text/html;q=oops, */*", False),  # a broken weight counts as 0
        ("TEXT/HTML, APPLICATION/*;Q=0.2", True),
        ("", False),
    ],
)
def test_prefers_html_ranks_what_browsers_and_readers_send(accept: str | None, browser: bool) -> None:
    from feedindex.web.http import prefers_html

    assert prefers_html(accept) is browser


def test_a_browser_gets_feeds_as_a_type_it_shows_and_readers_keep_the_feed_types(
    client: TestClient, site: Site
) -> None:
    for path, reader_type, browser_type in [
        ("/rss.xml", "application/rss+xml", "application/xml"),
        ("/atom.xml", "application/atom+xml", "application/xml"),
        ("/feed.json", "application/feed+json", "application/json"),
        ("/tags/ai/rss.xml", "application/rss+xml", "application/xml"),
    ]:
        as_browser = client.get(path, headers={"Accept": CHROMIUM_ACCEPT})
        as_reader = client.get(path, headers={"Accept": "application/rss+xml, */*;q=0.1"})
        assert as_browser.headers["content-type"].split(";")[0] == browser_type, path
        assert as_reader.headers["content-type"].split(";")[0] == reader_type, path
        assert as_browser.content == as_reader.content  # the same bytes, labelled for each
        assert as_browser.headers["vary"] == as_reader.headers["vary"] == "Accept"  # caches keep both
        assert as_browser.headers["etag"] != as_reader.headers["etag"]
        again = {"Accept": CHROMIUM_ACCEPT, "If-None-Match": as_browser.headers["etag"]}
        assert client.get(path, headers=again).status_code == 304


def test_the_feeds_page_is_served(client: TestClient, site: Site) -> None:
    response = client.get("/feeds.html")
    assert response.status_code == 200 and response.headers["content-type"] == "text/html; charset=utf-8"
    page = lxml.html.fromstring(response.content)
    assert page.xpath("//script") == []
    assert "https://blog.example.com/tags/ai/rss.xml" in page.xpath("//section[@id='tags']//a/@href")
    search_page = lxml.html.fromstring(client.get("/").content)
    assert search_page.xpath("//header//a[text()='訂閱']/@href") == ["/feeds.html"]  # linked from the search page


def test_weak_etags_and_unreadable_dates_in_conditional_gets(client: TestClient) -> None:
    response = client.get("/atom.xml")
    etag = response.headers["etag"]
    assert client.get("/atom.xml", headers={"If-None-Match": "W/" + etag}).status_code == 304
    assert client.get("/atom.xml", headers={"If-None-Match": f'"x", W/{etag}'}).status_code == 304
    assert client.get("/atom.xml", headers={"If-None-Match": "*"}).status_code == 304
    assert client.get("/atom.xml", headers={"If-None-Match": 'W/"other"'}).status_code == 200
    for date in [
        "Fri, 01 Jan 99999 00:00:00 GMT",  # a year datetime cannot hold
        "Sat, 01 Jan 0000 00:00:00 GMT",
        "yesterday",
        "",
        "Mon, 32 Foo 2020 99:99:99 GMT",
        "\x00",
    ]:
        response = client.get("/atom.xml", headers={"If-Modified-Since": date})
        assert response.status_code == 200, date  # an unreadable date is ignored
        assert response.content == client.get("/atom.xml").content


@pytest.mark.parametrize("path", ["/atom.xml", "/tags/ai/rss.xml", "/", "/?q=%E6%A8%A1%E5%9E%8B", "/api/health"])
def test_head_is_get_without_the_body(client: TestClient, path: str) -> None:
    got, head = client.get(path), client.head(path)
    assert (head.status_code, got.status_code) == (200, 200)
    assert head.content == b""
    for name in ("content-type", "etag", "last-modified", "content-security-policy"):
        assert head.headers.get(name) == got.headers.get(name), name
    if "content-length" in got.headers:
        assert head.headers["content-length"] == got.headers["content-length"]
    assert client.head("/api/search", params={"q": "模型"}).status_code == 200
    assert client.head("/no/such/feed.xml").status_code == 404
    assert client.post("/api/health").status_code == 405


def test_the_docs_page_is_off_and_the_schema_served(client: TestClient) -> None:
    # Swagger UI would load its script from a CDN, which the CSP blocks.
    assert client.get("/api/docs").status_code == 404
    assert client.get("/openapi.json").json()["paths"]["/api/search"]["get"]


def test_a_bad_value_is_named_not_echoed(client: TestClient) -> None:
    response = client.get("/api/search", params={"q": "x" * 60_000})  # about what a URL can carry
    assert response.status_code == 422
    assert len(response.content) < 2_000
    (problem,) = response.json()["detail"]
    assert problem["loc"] == ["query", "q"] and problem["input"].startswith("x" * 100)
    assert len(problem["input"]) <= 101


@pytest.mark.parametrize(
    "path",
    [
        "/feedindex.toml",
        "/..%2Ffeedindex.toml",
        "/tags/..%2F..%2F/rss.xml",
        "/tags/%2E%2E/rss.xml",
        "/tags/ai/..%2F..%2F.feedindex%2Fstate.sqlite",
        "/.feedindex/state.sqlite",
        "/index/CURRENT",
        "/tags/ai/notes.txt",
        "/categories/..%00/rss.xml",
        "/static/../../etc/passwd",
    ],
)
def test_no_path_traversal(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_cors_is_off_by_default_and_configurable(client: TestClient, tmp_path: Path, site: Site) -> None:
    response = client.get("/api/search", params={"q": "x"}, headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers
    config = load_config(site.config_path)
    open_site = make(tmp_path, {}, server={"cors_origins": ["https://www.example.org"]})
    allowed = TestClient(create_app(load_config(open_site.config_path, out=config.paths.out)))
    response = allowed.get("/api/search", params={"q": "x"}, headers={"Origin": "https://www.example.org"})
    assert response.headers["access-control-allow-origin"] == "https://www.example.org"
    response = allowed.get("/api/search", params={"q": "x"}, headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers


# --- regeneration --------------------------------------------------------------------------


def test_the_app_follows_new_generations(tmp_path: Path) -> None:
    site = make(tmp_path, {"a.md": article("Alpha", body="first words")})
    build(site.config())
    client = TestClient(create_app(site.config()))
    assert client.get("/api/search", params={"q": "second"}).json()["total"] == 0
    generation = client.get("/api/health").json()["generation"]
    site.write("b.md", article("Beta", body="second words"))
    build(site.config())
    # The new generation is opened and warmed in a thread; meanwhile the old one answers.
    first = client.get("/api/search", params={"q": "second"}).json()
    assert first["total"] in (0, 1)
    wait_for(lambda: client.get("/api/health").json()["generation"] != generation)
    assert client.get("/api/search", params={"q": "second"}).json()["total"] == 1


def wait_for(condition: Callable[[], bool], seconds: float = 30) -> None:
    """Until `condition` holds (it must within `seconds`, which only a hang would exceed)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.02)


# --- hostile queries -------------------------------------------------------------------------

HOSTILE = [
    "*",
    "?",
    "**",
    "a*",
    "*a",
    "te?t",
    "[a-z]",
    "/.*/",
    "\\",
    '"',
    '""',
    '"unbalanced',
    "(",
    ")",
    "((((((",
    "))))",
    "(a OR b",
    "AND",
    "OR",
    "NOT",
    "a AND",
    "OR b",
    "NOT NOT NOT",
    "a AND OR NOT b",
    "title:x",
    "tag:",
    ":",
    "field:value:other",
    "-",
    "--",
    "-開源",
    "+x",
    "~",
    "x~2",
    "x^10",
    "{x TO y}",
    "[0 TO 9]",
    "%",
    "%00",
    "\x00",
    "\x00\x01\x02",
    "\u200b",
    "\ufeff",
    "\ud7ff",
    "\U0010ffff",
    "𠀋𠀌𠀍",
    "😀" * 50,
    "<script>alert(1)</script>",
    "'; DROP TABLE articles; --",
    "${jndi:ldap://x}",
    "{{7*7}}",
    "../../etc/passwd",
    "%2e%2e%2f",
    "開源 AND 模型",
    "开源 OR 模型",
    "開源\n模型",
    "\t\t\t",
    " " * 200,
    "。" * 200,
    "的" * 200,
    "a" * 256,
    "字" * 256,
    "ｑｗｅｎ３",
    "Qwen3-Max-Qwen3-Max-Qwen3-Max",
    "1.2.3.4.5.6.7.8.9",
    "128k 3.1 v2",
    "C++ C# F#",
    "\u3000\u3000",
    "Ｆｅｅｄ　ｒｅａｄｅｒ",
    "مرحبا",
    "Привет мир",
    "こんにちは世界",
    "안녕하세요",
    "ÀÉÎÕÜ",
    "İstanbul",
    "ß",
    "ﬁ",
]
HOSTILE += [f"{word} {op}" for word in ("開源", "feed", "記憶體") for op in ("*", "?", "AND", "(", '"', "-", ":")]
HOSTILE += ["x " * n for n in range(1, 60, 3)]
HOSTILE += [chr(code) * 3 for code in range(0x20, 0x7F)]


def test_at_least_200_hostile_queries_answer_200_or_422_in_time(client: TestClient) -> None:
    assert len(HOSTILE) >= 200
    for query in [*HOSTILE, "字" * 3_414, "x" * 10_240]:  # 10 KB of one character
        started = time.perf_counter()
        response = client.get("/api/search", params={"q": query})
        elapsed = time.perf_counter() - started
        assert response.status_code in (200, 422), (query, response.text)
        assert elapsed < 2.0, (query, elapsed)  # the budget is 0.5 s; the rest is the HTTP round trip
        page = client.get("/", params={"q": query})
        assert page.status_code in (200, 422), query


def test_a_slow_query_returns_a_partial_result_flagged(tmp_path: Path) -> None:
    files = {f"p{n:04d}.md": article(f"P{n}", body="共同 詞語 " * 20 + f"編號{n}") for n in range(1500)}
    site = make(tmp_path, files, server={"time_budget_ms": 1})
    build(site.config())
    body = TestClient(create_app(site.config())).get("/api/search", params={"q": "共同 詞語"}).json()
    assert body["timed_out"] is True
    assert body["total"] < 1500


def test_several_workers_listen_with_nagle_off() -> None:
    # uvicorn binds the socket of several workers with protocol 0, and asyncio then leaves
    # Nagle's algorithm on for each connection (each keep-alive answer waited ~40 ms for a
    # delayed ACK); feedindex's listener says it is TCP, so asyncio turns it off.
    import asyncio
    import socket

    import uvicorn

    from feedindex.web.serve import tcp_listener

    async def nodelay_of_an_accepted_connection(listening: socket.socket) -> int:
        accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                connection = transport.get_extra_info("socket")
                accepted.set_result(connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Probe, sock=listening)
        port = listening.getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            return await asyncio.wait_for(accepted, 10)
        finally:
            writer.close()
            server.close()

    settings = uvicorn.Config("feedindex.web.server:app_from_environment", host="127.0.0.1", port=0, workers=2)
    assert asyncio.run(nodelay_of_an_accepted_connection(tcp_listener(settings))) != 0

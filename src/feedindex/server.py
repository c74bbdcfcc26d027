"""The search service: a JSON API, a search page, and the generated feeds, from `out/`.

`create_app(config)` builds a FastAPI application; `feedindex.server:app_from_environment` is the
factory ASGI servers use (configured by FEEDINDEX_CONFIG and FEEDINDEX_OUT). The application
follows new index generations published by builds without a restart: each request checks the
`CURRENT` pointer (one `stat`). When it names a new generation, a thread opens and warms its
first searcher (tables loaded, the latest queries answered once) while requests keep being
answered from the old one; then new requests go to the new generation, requests in flight
finish on the old one, whose searchers are closed once they are returned.

Searches run in FastAPI's thread pool (plain `def` endpoints), never on the event loop, so
`/api/health` and the feeds answer while a slow search runs. Every route answers HEAD as GET
without a body.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import os
import queue
import socket
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, Response

from . import __version__
from .config import Config, load_config
from .errors import QueryError, SearchIndexError
from .index.generations import current_generation, read_meta
from .page import render_page
from .paths import FEED_FILES, FEEDS_PAGE, POINTER
from .query import MAX_PAGE, MAX_PER_PAGE, MAX_QUERY_CHARS, Filters, GenerationCache, Searcher, SearchResult

log = logging.getLogger(__name__)

STYLESHEET = "feed.xsl"
CACHE_SIZE = 4096  # answers kept per index generation
WARM_QUERIES = 200  # the latest distinct queries a new generation's first searcher answers before going live
ECHO_CHARS = 100  # what a 422 repeats of a bad value
SEARCHES_AT_ONCE = 1  # searches computing at once in one worker process (answers from the cache: any number)
STATIC_TYPES = {
    "rss.xml": "application/rss+xml; charset=utf-8",
    "atom.xml": "application/atom+xml; charset=utf-8",
    "feed.json": "application/feed+json; charset=utf-8",
    STYLESHEET: "application/xslt+xml; charset=utf-8",
    FEEDS_PAGE: "text/html; charset=utf-8",
}
# What a browser gets for a feed when it asks for HTML: types it shows instead of downloading
# (Firefox saves application/rss+xml to disk); as XML, browsers that still run XSLT apply feed.xsl.
BROWSER_TYPES = {
    "rss.xml": "application/xml; charset=utf-8",
    "atom.xml": "application/xml; charset=utf-8",
    "feed.json": "application/json; charset=utf-8",
}
_FEED_RANGES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/xml", "text/xml")
SCRIPT_PATH = Path(__file__).with_name("data") / "search.js"
SECURITY_HEADERS = {
    # No script but our own file can run, whatever an article contains.
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
_SECURITY = [(name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS.items()]


# Query parameters, validated by FastAPI: a bad value is a 422 with a message, never a 500.
QueryText = Annotated[str, Query(max_length=MAX_QUERY_CHARS, description="What the visitor typed.")]
Page = Annotated[int, Query(ge=1, le=MAX_PAGE)]
PerPage = Annotated[int, Query(ge=1, le=MAX_PER_PAGE)]
Tags = Annotated[list[str], Query(max_length=10, description="Tag names or slugs; all are required.")]
Name = Annotated[str | None, Query(max_length=100)]
From = Annotated[date | None, Query(alias="from", description="Published on or after (YYYY-MM-DD).")]
To = Annotated[date | None, Query(alias="to", description="Published on or before (YYYY-MM-DD).")]


@dataclass
class _Live:
    """One index generation as the server uses it: its shared tables, idle searchers, answers."""

    generation: Path
    shared: GenerationCache
    meta: dict[str, Any]
    idle: queue.SimpleQueue[Searcher] = field(default_factory=queue.SimpleQueue)
    # Answers of this generation: popular queries and as-you-type prefixes repeat a lot.
    answers: OrderedDict[Hashable, SearchResult] = field(default_factory=OrderedDict)
    answers_lock: threading.Lock = field(default_factory=threading.Lock)


class SearcherPool:
    """Searchers of the live generation, one per concurrent request, sharing the generation's
    tables; a new generation is opened and warmed before it takes traffic."""

    def __init__(self, index_dir: Path, config: Config) -> None:
        self.index_dir = index_dir
        self.config = config
        self._switching = threading.Lock()  # held while a generation is opened and warmed
        # Searches are CPU-bound Python: threads running several at once only share the GIL, and
        # every search then takes as long as all of them (a slow one, times the connections).
        # One at a time, the others wait their turn, and a worker's p99 is a search, not eight.
        self._running = threading.Semaphore(SEARCHES_AT_ONCE)
        self._pointer_stamp: tuple[int, int] | None = None
        self._live: _Live | None = None

    def cached(self, key: Hashable, compute: Callable[[Searcher], SearchResult]) -> SearchResult:
        """The answer for `key` from the live generation, computed (and kept) when not known yet."""
        live = self.live()
        with live.answers_lock:
            if key in live.answers:
                live.answers.move_to_end(key)
                return live.answers[key]
        with self._running, self.searcher(live) as searcher:
            result = compute(searcher)
        if not result.timed_out:  # a partial answer is not worth repeating
            with live.answers_lock:
                live.answers[key] = result
                while len(live.answers) > CACHE_SIZE:
                    live.answers.popitem(last=False)
        return result

    def _stamp(self) -> tuple[int, int] | None:
        try:
            stat = (self.index_dir / POINTER).stat()
        except FileNotFoundError:
            return None
        return (stat.st_mtime_ns, stat.st_ino)

    def live(self) -> _Live:
        """The live generation; when a build has published a new one, a thread opens and warms
        it while requests are still answered from the old one, then it takes their place."""
        stamp = self._stamp()
        live = self._live
        if live is not None and stamp == self._pointer_stamp:
            return live
        if live is None:
            with self._switching:  # no generation yet: the first requests wait for it
                if self._live is None:
                    self._live = self._open(current_generation(self.index_dir), None)
                    self._pointer_stamp = stamp
                return self._live
        if self._switching.acquire(blocking=False):
            threading.Thread(target=self._switch, args=(stamp,), name="feedindex-warm", daemon=True).start()
        return live

    def _switch(self, stamp: tuple[int, int] | None) -> None:
        """Open and warm the generation CURRENT names, then make it the live one (runs in its own
        thread, holding `_switching`)."""
        try:
            generation = current_generation(self.index_dir)
            old = self._live
            if old is None or generation != old.generation:
                self._live = self._open(generation, old)
                log.info("serving index generation %s", generation.name)
                if old is not None:
                    _close_all(old.idle)
            self._pointer_stamp = stamp
        except Exception:  # the old generation keeps answering; the next request tries again
            log.exception("cannot open the new index generation; still serving the old one")
        finally:
            self._switching.release()

    def _open(self, generation: Path, previous: _Live | None) -> _Live:
        searcher = Searcher(self.index_dir, self.config.site.tz, generation=generation)
        recent: list[str] = []
        if previous is not None:
            with previous.answers_lock:
                keys = list(reversed(previous.answers))
            recent = list(dict.fromkeys(key[0] for key in keys if isinstance(key, tuple) and key))[:WARM_QUERIES]
        ran = searcher.warm(recent)
        log.debug("warmed generation %s with %d queries", generation.name, ran)
        live = _Live(generation, searcher.shared, read_meta(generation))
        live.idle.put(searcher)
        return live

    @contextmanager
    def searcher(self, live: _Live | None = None) -> Iterator[Searcher]:
        """A searcher of the live generation (or of `live`) for one request."""
        live = live or self.live()
        try:
            searcher = live.idle.get_nowait()
        except queue.Empty:
            searcher = Searcher(self.index_dir, self.config.site.tz, generation=live.generation, shared=live.shared)
        try:
            yield searcher
        finally:
            live.idle.put(searcher)
            if self._live is not live:  # replaced while it answered: close what it left
                _close_all(live.idle)

    def close(self) -> None:
        """Close every idle searcher."""
        if self._live is not None:
            _close_all(self._live.idle)


def _close_all(searchers: queue.SimpleQueue[Searcher]) -> None:
    while True:
        try:
            searchers.get_nowait().close()
        except queue.Empty:
            return


def _etag(data: bytes, media_type: str) -> str:
    # The type too: a feed is sent with two types (see prefers_html), each its own representation.
    return '"' + hashlib.sha256(data + media_type.encode()).hexdigest()[:32] + '"'


def prefers_html(accept: str | None) -> bool:
    """Whether an Accept header ranks HTML above every feed type: a browser's does
    (`text/html,…,*/*;q=0.8`); a feed reader's, `*/*` or none does not (a tie goes to the feed)."""
    html, feed = 0.0, 0.0
    for item in (accept or "").split(",")[:50]:
        media_range, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        media_range = media_range.lower()
        if media_range in ("text/html", "application/xhtml+xml"):
            html = max(html, quality)
        elif media_range in _FEED_RANGES or media_range in ("application/*", "*/*"):
            feed = max(feed, quality)
    return html > feed


def _not_modified(request: Request, etag: str, mtime: float) -> bool:
    """Whether a conditional GET may get 304 (RFC 9110 13.1.2-3: If-None-Match compares tags
    weakly and wins over If-Modified-Since; a date that cannot be read is ignored)."""
    if (match := request.headers.get("if-none-match")) is not None:
        tags = [tag.strip().removeprefix("W/") for tag in match.split(",")]
        return etag.removeprefix("W/") in tags or match.strip() == "*"
    if (since := request.headers.get("if-modified-since")) is not None:
        try:
            return int(mtime) <= parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError, OverflowError, IndexError):
            return False
    return False


class _Manners:
    """ASGI middleware: HEAD is answered as GET without the body (same headers, Content-Length
    included), and every response gets the security headers."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"

        async def polite(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in _SECURITY if name not in present]
                message = {**message, "headers": headers}
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"} if head else scope, receive, polite)


def _shortened(value: Any) -> Any:
    if isinstance(value, str) and len(value) > ECHO_CHARS:
        return value[:ECHO_CHARS] + "…"
    if isinstance(value, list | tuple):
        return [_shortened(item) for item in value[:10]]
    if isinstance(value, dict):
        return {key: _shortened(item) for key, item in value.items()}
    return value


def create_app(config: Config) -> FastAPI:
    """The search service for the site described by `config`."""
    app = FastAPI(
        title="feedindex search",
        version=__version__,
        description="Search the articles of " + config.site.title,
        # The interactive docs load their script from a CDN, which the page's own CSP forbids:
        # off. The schema stays at /openapi.json for any OpenAPI viewer.
        docs_url=None,
        redoc_url=None,
    )
    pool = SearcherPool(config.index_dir, config)
    app.state.pool = pool
    budget = config.server.time_budget_ms / 1000
    if config.server.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=list(config.server.cors_origins), allow_methods=["GET"], allow_headers=[]
        )
    app.add_middleware(_Manners)

    @app.exception_handler(SearchIndexError)
    async def no_index(request: Request, error: SearchIndexError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=503)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        # A bad value is named, never repeated at length (a 100 KB query came back whole).
        problems = [_shortened(problem) for problem in error.errors()]
        if request.url.path == "/":  # the search page answers with the page and a message
            message = "; ".join(_problem_text(problem) for problem in problems)
            params = request.query_params
            page = render_page(
                config,
                params.get("q", "")[:MAX_QUERY_CHARS],
                None,
                message,
                [tag[:100] for tag in params.getlist("tag")[:10]],
                (params.get("category") or "")[:100] or None,
            )
            return HTMLResponse(page, status_code=422)
        return JSONResponse({"detail": jsonable_encoder(problems)}, status_code=422)

    def run_search(
        q: str,
        page: int,
        per_page: int,
        tags: list[str],
        category: str | None,
        lang: str | None,
        date_from: date | None,
        date_to: date | None,
    ) -> SearchResult:
        filters = Filters(tuple(tags), category or None, lang or None, date_from, date_to)
        try:
            return pool.cached(
                (q, page, per_page, filters),
                lambda searcher: searcher.search(q, page=page, per_page=per_page, filters=filters, budget=budget),
            )
        except QueryError as error:
            raise HTTPException(status_code=422, detail=str(error)) from None

    # The endpoints are plain `def`: FastAPI runs them in its thread pool, so the event loop
    # stays free for other requests (health, feeds) while a search computes.
    @app.get("/api/search", summary="Search the articles")
    def api_search(
        q: QueryText = "",
        page: Page = 1,
        per_page: PerPage = 10,
        tag: Tags = [],  # noqa: B006 - FastAPI copies defaults
        category: Name = None,
        lang: Name = None,
        date_from: From = None,
        date_to: To = None,
    ) -> dict[str, Any]:
        """Hits (slug, title, url, published, score, snippet), total, facets and a suggestion."""
        return run_search(q, page, per_page, tag, category, lang, date_from, date_to).as_dict()

    @app.get("/api/health", summary="Which index is served")
    def health() -> dict[str, Any]:
        """The live index generation, its article count and when it was built."""
        live = pool.live()
        built = (live.generation / "feedindex.json").stat().st_mtime
        return {
            "status": "ok",
            "generation": live.generation.name,
            "articles": live.meta.get("documents"),
            "built": formatdate(built, usegmt=True),
            "version": __version__,
        }

    @app.get("/", response_class=HTMLResponse, summary="The search page")
    def search_page(
        q: QueryText = "",
        page: Page = 1,
        tag: Tags = [],  # noqa: B006 - FastAPI copies defaults
        category: Name = None,
        lang: Name = None,
        date_from: From = None,
        date_to: To = None,
    ) -> HTMLResponse:
        """A plain search page: it works without JavaScript (results rendered here) and with it."""
        result = None
        error = None
        if q.strip():
            try:
                result = run_search(q, page, 10, tag, category, lang, date_from, date_to)
            except HTTPException as problem:
                error = str(problem.detail)
        return HTMLResponse(render_page(config, q, result, error, tag, category))

    @app.get("/search.js", include_in_schema=False)
    def script(request: Request) -> Response:
        return _static(request, SCRIPT_PATH.read_bytes(), SCRIPT_PATH.stat().st_mtime, "text/javascript; charset=utf-8")

    if config.server.serve_feeds:
        out = config.paths.out.resolve()

        def feed_file(request: Request, relative: str) -> Response:
            try:
                path = (out / relative).resolve()
                found = path.is_relative_to(out) and path.is_file()
            except (OSError, ValueError):  # e.g. a NUL byte in the path
                found = False
            if not found:
                raise HTTPException(status_code=404, detail="no such feed")
            if path.name not in BROWSER_TYPES:
                return _static(request, path.read_bytes(), path.stat().st_mtime, STATIC_TYPES[path.name])
            browser = prefers_html(request.headers.get("accept"))
            media_type = (BROWSER_TYPES if browser else STATIC_TYPES)[path.name]
            response = _static(request, path.read_bytes(), path.stat().st_mtime, media_type)
            response.headers["Vary"] = "Accept"
            return response

        @app.get("/{name}", include_in_schema=False)
        def site_feed(request: Request, name: str) -> Response:
            if name not in STATIC_TYPES:
                raise HTTPException(status_code=404, detail="not found")
            return feed_file(request, name)

        @app.get("/{kind}/{slug}/{name}", include_in_schema=False)
        def scope_feed(request: Request, kind: str, slug: str, name: str) -> Response:
            if kind not in ("tags", "categories") or name not in FEED_FILES.values() or slug in (".", ".."):
                raise HTTPException(status_code=404, detail="not found")
            return feed_file(request, f"{kind}/{slug}/{name}")

    return app


def _problem_text(problem: dict[str, Any]) -> str:
    """One validation problem as a sentence: `q: String should have at most 256 characters`."""
    where = ".".join(str(part) for part in problem.get("loc", ())[1:]) or "request"
    return f"{where}: {problem.get('msg', 'invalid')}"


def _static(request: Request, data: bytes, mtime: float, media_type: str) -> Response:
    """A file with ETag and Last-Modified, answering 304 to a matching conditional GET."""
    etag = _etag(data, media_type)
    headers = {"ETag": etag, "Last-Modified": formatdate(mtime, usegmt=True), "Cache-Control": "no-cache"}
    if _not_modified(request, etag, mtime):
        return Response(status_code=304, headers=headers)
    return Response(data, media_type=media_type, headers=headers)


def app_from_environment() -> FastAPI:
    """The application for `FEEDINDEX_CONFIG` (default ./feedindex.toml) and `FEEDINDEX_OUT`."""
    config = load_config(os.environ.get("FEEDINDEX_CONFIG") or None, out=os.environ.get("FEEDINDEX_OUT") or None)
    return create_app(config)


def serving_line(config: Config, host: str, port: int, workers: int) -> str:
    """What `feedindex serve` says when it starts: where it listens and which index it serves."""
    address = f"[{host}]" if ":" in host else host
    try:
        generation = current_generation(config.index_dir)
        meta = read_meta(generation)
        documents = meta.get("documents", "?")
        index = f"index generation {generation.name} ({documents} article{'' if documents == 1 else 's'})"
    except SearchIndexError as error:
        index = f"no index yet ({error}); searches answer 503 until a build publishes one"
    plural = "s" if workers != 1 else ""
    return f"feedindex serving http://{address}:{port}/ with {workers} worker{plural}: {index}"


def uvicorn_logging(access_log: bool) -> dict[str, Any]:
    """uvicorn's logging configuration with its own messages at warning level and, when asked
    for, its access log (uvicorn's format, on stdout)."""
    from uvicorn.config import LOGGING_CONFIG

    loggers = {name: dict(settings) for name, settings in LOGGING_CONFIG["loggers"].items()}
    loggers["uvicorn"]["level"] = loggers["uvicorn.error"]["level"] = "WARNING"
    loggers["uvicorn.access"]["level"] = "INFO" if access_log else "WARNING"
    return {**LOGGING_CONFIG, "loggers": loggers}


def run(host: str, port: int, workers: int, access_log: bool) -> None:
    """Run the application of `app_from_environment` under uvicorn until stopped (what
    `feedindex serve` does once it has set FEEDINDEX_CONFIG and FEEDINDEX_OUT)."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    settings: dict[str, Any] = {
        "factory": True,
        "host": host,
        "port": port,
        "workers": workers,
        "log_config": uvicorn_logging(access_log),
        "access_log": access_log,
        "proxy_headers": True,
        "server_header": False,
    }
    if workers == 1:
        uvicorn.run("feedindex.server:app_from_environment", **settings)
        return
    server_config = uvicorn.Config("feedindex.server:app_from_environment", **settings)
    sockets = [tcp_listener(server_config)]
    if "target" in inspect.signature(Multiprocess).parameters:  # older uvicorn: the server's run too
        run_server = uvicorn.Server(server_config).run
        Multiprocess(server_config, target=run_server, sockets=sockets).run()  # type: ignore[call-arg]
    else:
        Multiprocess(server_config, sockets=sockets).run()


def tcp_listener(server_config: Any) -> socket.socket:
    """uvicorn's listening socket for several workers, marked as TCP.

    uvicorn binds it with protocol 0, which the accepted connections inherit, and asyncio then
    leaves Nagle's algorithm on (uvicorn issue #3149): every keep-alive response waited about
    40 ms for the client's delayed ACK, so two workers answered 160 requests/s where one answered
    2,000. The same socket, said to be TCP, gets TCP_NODELAY on every connection.
    """
    bound = server_config.bind_socket()
    return socket.socket(bound.family, bound.type, socket.IPPROTO_TCP, fileno=bound.detach())

"""The search service: a JSON API, a search page, and the generated feeds, from `out/`.

`create_app(config)` builds a FastAPI application; `feedindex.server:app_from_environment` is the
factory ASGI servers use (configured by FEEDINDEX_CONFIG and FEEDINDEX_OUT). The application
follows new index generations published by builds without a restart: each request checks the
`CURRENT` pointer (one `stat`), new requests go to the new generation, requests in flight finish
on the old one, whose searchers are closed once they are returned.
"""

from __future__ import annotations

import hashlib
import logging
import os
import queue
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from datetime import date
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, Response

from . import __version__
from .config import FEED_FILES, FEEDS_PAGE, Config, load_config
from .errors import QueryError, SearchIndexError
from .files import POINTER
from .index import current_generation, read_meta
from .page import render_page
from .query import MAX_PAGE, MAX_PER_PAGE, MAX_QUERY_CHARS, Filters, Searcher, SearchResult

log = logging.getLogger(__name__)

STYLESHEET = "feed.xsl"
CACHE_SIZE = 4096  # answers kept per index generation
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


# Query parameters, validated by FastAPI: a bad value is a 422 with a message, never a 500.
QueryText = Annotated[str, Query(max_length=MAX_QUERY_CHARS, description="What the visitor typed.")]
Page = Annotated[int, Query(ge=1, le=MAX_PAGE)]
PerPage = Annotated[int, Query(ge=1, le=MAX_PER_PAGE)]
Tags = Annotated[list[str], Query(max_length=10, description="Tag names or slugs; all are required.")]
Name = Annotated[str | None, Query(max_length=100)]
From = Annotated[date | None, Query(alias="from", description="Published on or after (YYYY-MM-DD).")]
To = Annotated[date | None, Query(alias="to", description="Published on or before (YYYY-MM-DD).")]


class SearcherPool:
    """Searchers of the live generation, one per concurrent request, swapped on a new build."""

    def __init__(self, index_dir: Path, config: Config) -> None:
        self.index_dir = index_dir
        self.config = config
        self._lock = threading.Lock()
        self._pointer_stamp: tuple[int, int] | None = None
        self._generation: Path | None = None
        self._idle: queue.SimpleQueue[Searcher] = queue.SimpleQueue()
        self.meta: dict[str, Any] = {}
        # Answers of the live generation: popular queries and as-you-type prefixes repeat a lot.
        self._answers: OrderedDict[Hashable, SearchResult] = OrderedDict()
        self._answers_lock = threading.Lock()

    def cached(self, key: Hashable, compute: Callable[[Searcher], SearchResult]) -> SearchResult:
        """The answer for `key` from the live generation, computed (and kept) when not known yet."""
        self._follow()
        with self._answers_lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                return self._answers[key]
            answers = self._answers
        with self.searcher() as searcher:
            result = compute(searcher)
        if not result.timed_out:  # a partial answer is not worth repeating
            with self._answers_lock:
                if answers is self._answers:  # still the same generation
                    answers[key] = result
                    while len(answers) > CACHE_SIZE:
                        answers.popitem(last=False)
        return result

    def _stamp(self) -> tuple[int, int] | None:
        try:
            stat = (self.index_dir / POINTER).stat()
        except FileNotFoundError:
            return None
        return (stat.st_mtime_ns, stat.st_ino)

    def _follow(self) -> Path:
        """The live generation, switching to a new one when a build published it."""
        stamp = self._stamp()
        if stamp is not None and stamp == self._pointer_stamp and self._generation is not None:
            return self._generation
        with self._lock:
            generation = current_generation(self.index_dir)  # SearchIndexError when there is none
            if generation != self._generation:
                old = self._idle
                self._idle = queue.SimpleQueue()
                self._generation = generation
                self.meta = read_meta(generation)
                with self._answers_lock:
                    self._answers = OrderedDict()
                log.info("serving index generation %s", generation.name)
                _close_all(old)
            self._pointer_stamp = stamp
            return generation

    @contextmanager
    def searcher(self) -> Iterator[Searcher]:
        """A searcher of the live generation for one request."""
        self._follow()
        idle = self._idle
        try:
            searcher = idle.get_nowait()
        except queue.Empty:
            searcher = Searcher(self.index_dir, self.config.site.tz)
        try:
            yield searcher
        finally:
            if searcher.generation == self._generation and idle is self._idle:
                idle.put(searcher)
            else:
                searcher.close()  # its generation was replaced while it answered

    def close(self) -> None:
        """Close every idle searcher."""
        _close_all(self._idle)


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
    if (match := request.headers.get("if-none-match")) is not None:
        return etag in [tag.strip() for tag in match.split(",")] or match.strip() == "*"
    if (since := request.headers.get("if-modified-since")) is not None:
        try:
            return int(mtime) <= parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError):
            return False
    return False


def create_app(config: Config) -> FastAPI:
    """The search service for the site described by `config`."""
    app = FastAPI(
        title="feedindex search",
        version=__version__,
        description="Search the articles of " + config.site.title,
        docs_url="/api/docs",
        redoc_url=None,
    )
    pool = SearcherPool(config.index_dir, config)
    app.state.pool = pool
    budget = config.server.time_budget_ms / 1000
    if config.server.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=list(config.server.cors_origins), allow_methods=["GET"], allow_headers=[]
        )

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.exception_handler(SearchIndexError)
    async def no_index(request: Request, error: SearchIndexError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=503)

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

    # The endpoints are `async` on purpose: a search is CPU-bound work of a few milliseconds, so
    # each worker process answers one at a time on its event loop. Threads would only fight
    # over the GIL (and each would open its own searcher); use --workers for more cores.
    @app.get("/api/search", summary="Search the articles")
    async def api_search(
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
    async def health() -> dict[str, Any]:
        """The live index generation, its article count and when it was built."""
        generation = pool._follow()
        built = (generation / "feedindex.json").stat().st_mtime
        return {
            "status": "ok",
            "generation": generation.name,
            "articles": pool.meta.get("documents"),
            "built": formatdate(built, usegmt=True),
            "version": __version__,
        }

    @app.get("/", response_class=HTMLResponse, summary="The search page")
    async def search_page(
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

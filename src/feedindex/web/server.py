"""The search service: a JSON API, a search page, and the generated feeds, from `out/`.

`create_app(config)` builds a FastAPI application; `feedindex.web.server:app_from_environment` is
the factory other ASGI servers can use (configured by FEEDINDEX_CONFIG and FEEDINDEX_OUT). The
application follows new index generations published by builds without a restart (see pool.py).

Searches run in FastAPI's thread pool (plain `def` endpoints), never on the event loop, so
`/api/health` and the feeds answer while a slow search runs. Every route answers HEAD as GET
without a body.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from email.utils import formatdate
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, Response

from .._version import __version__
from ..config import Config, load_config
from ..errors import QueryError, SearchIndexError
from ..paths import FEED_FILES, META, SCOPE_FOLDERS
from ..search.parse import MAX_PAGE, MAX_PER_PAGE, MAX_QUERY_CHARS, Filters
from ..search.results import SearchResult
from .http import BROWSER_TYPES, STATIC_TYPES, Manners, prefers_html, problem_text, shortened, static
from .page import render_page
from .pool import SearcherPool

SCRIPT_PATH = Path(__file__).parent.parent / "data" / "search.js"


# Query parameters, validated by FastAPI: a bad value is a 422 with a message, never a 500.
QueryText = Annotated[str, Query(max_length=MAX_QUERY_CHARS, description="What the visitor typed.")]
Page = Annotated[int, Query(ge=1, le=MAX_PAGE)]
PerPage = Annotated[int, Query(ge=1, le=MAX_PER_PAGE)]
Tags = Annotated[list[str], Query(max_length=10, description="Tag names or slugs; all are required.")]
Name = Annotated[str | None, Query(max_length=100)]
From = Annotated[date | None, Query(alias="from", description="Published on or after (YYYY-MM-DD).")]
To = Annotated[date | None, Query(alias="to", description="Published on or before (YYYY-MM-DD).")]


@dataclass(frozen=True)
class Asked:
    """A search as a request asks for it (what the API and the page share)."""

    text: str
    page: int
    filters: Filters
    tags: list[str]  # as given, for the page's links
    category: str | None


def _asked(
    q: QueryText = "",
    page: Page = 1,
    tag: Tags = [],  # noqa: B006 - FastAPI copies defaults
    category: Name = None,
    lang: Name = None,
    date_from: From = None,
    date_to: To = None,
) -> Asked:
    return Asked(q, page, Filters(tuple(tag), category or None, lang or None, date_from, date_to), tag, category)


Search = Annotated[Asked, Depends(_asked)]


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
    app.add_middleware(Manners)

    @app.exception_handler(SearchIndexError)
    async def no_index(request: Request, error: SearchIndexError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=503)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        # A bad value is named, never repeated at length (a 100 KB query came back whole).
        problems = [shortened(problem) for problem in error.errors()]
        if request.url.path == "/":  # the search page answers with the page and a message
            message = "; ".join(problem_text(problem) for problem in problems)
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

    def run_search(asked: Asked, per_page: int) -> SearchResult:
        text, page, filters = asked.text, asked.page, asked.filters
        try:
            return pool.cached(
                (text, page, per_page, filters),
                lambda searcher: searcher.search(text, page=page, per_page=per_page, filters=filters, budget=budget),
            )
        except QueryError as error:
            raise HTTPException(status_code=422, detail=str(error)) from None

    # The endpoints are plain `def`: FastAPI runs them in its thread pool, so the event loop
    # stays free for other requests (health, feeds) while a search computes.
    @app.get("/api/search", summary="Search the articles")
    def api_search(asked: Search, per_page: PerPage = 10) -> dict[str, Any]:
        """Hits (slug, title, url, published, score, snippet), total, facets and a suggestion."""
        return run_search(asked, per_page).as_dict()

    @app.get("/api/health", summary="Which index is served")
    def health() -> dict[str, Any]:
        """The live index generation, its article count and when it was built."""
        live = pool.live()
        built = (live.generation / META).stat().st_mtime
        return {
            "status": "ok",
            "generation": live.generation.name,
            "articles": live.meta.get("documents"),
            "built": formatdate(built, usegmt=True),
            "version": __version__,
        }

    @app.get("/", response_class=HTMLResponse, summary="The search page")
    def search_page(asked: Search) -> HTMLResponse:
        """A plain search page: it works without JavaScript (results rendered here) and with it."""
        result = None
        error = None
        if asked.text.strip():
            try:
                result = run_search(asked, 10)
            except HTTPException as problem:
                error = str(problem.detail)
        return HTMLResponse(render_page(config, asked.text, result, error, asked.tags, asked.category))

    @app.get("/search.js", include_in_schema=False)
    def script(request: Request) -> Response:
        return static(request, SCRIPT_PATH.read_bytes(), SCRIPT_PATH.stat().st_mtime, "text/javascript; charset=utf-8")

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
                return static(request, path.read_bytes(), path.stat().st_mtime, STATIC_TYPES[path.name])
            browser = prefers_html(request.headers.get("accept"))
            media_type = (BROWSER_TYPES if browser else STATIC_TYPES)[path.name]
            response = static(request, path.read_bytes(), path.stat().st_mtime, media_type)
            response.headers["Vary"] = "Accept"
            return response

        @app.get("/{name}", include_in_schema=False)
        def site_feed(request: Request, name: str) -> Response:
            if name not in STATIC_TYPES:
                raise HTTPException(status_code=404, detail="not found")
            return feed_file(request, name)

        @app.get("/{kind}/{slug}/{name}", include_in_schema=False)
        def scope_feed(request: Request, kind: str, slug: str, name: str) -> Response:
            if kind not in SCOPE_FOLDERS.values() or name not in FEED_FILES.values() or slug in (".", ".."):
                raise HTTPException(status_code=404, detail="not found")
            return feed_file(request, f"{kind}/{slug}/{name}")

    return app


def app_from_environment() -> FastAPI:
    """The application for `FEEDINDEX_CONFIG` (default ./feedindex.toml) and `FEEDINDEX_OUT`."""
    config = load_config(os.environ.get("FEEDINDEX_CONFIG") or None, out=os.environ.get("FEEDINDEX_OUT") or None)
    return create_app(config)

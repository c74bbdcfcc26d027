"""HTTP manners of the service: security headers on every response, HEAD as GET, conditional
GET (ETag, Last-Modified, 304), content negotiation for feeds opened in a browser, short echoes of
bad values."""

from __future__ import annotations

import hashlib
from email.utils import formatdate, parsedate_to_datetime
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from ..paths import FEED_FILES, FEED_TYPES, FEEDS_PAGE, STYLESHEET, STYLESHEET_TYPE

ECHO_CHARS = 100  # what a 422 repeats of a bad value
# The type of each file the service sends from the output folder.
STATIC_TYPES = {
    **{FEED_FILES[kind]: f"{FEED_TYPES[kind]}; charset=utf-8" for kind in FEED_FILES},
    STYLESHEET: f"{STYLESHEET_TYPE}; charset=utf-8",
    FEEDS_PAGE: "text/html; charset=utf-8",
}
# What a browser gets for a feed when it asks for HTML: types it shows instead of downloading
# (Firefox saves application/rss+xml to disk); as XML, browsers that still run XSLT apply feed.xsl.
BROWSER_TYPES = {
    FEED_FILES["rss"]: "application/xml; charset=utf-8",
    FEED_FILES["atom"]: "application/xml; charset=utf-8",
    FEED_FILES["json"]: "application/json; charset=utf-8",
}
_FEED_RANGES = (*FEED_TYPES.values(), "application/xml", "text/xml")
SECURITY_HEADERS = {
    # No script but our own file can run, whatever an article contains.
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
_SECURITY = [(name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS.items()]


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


def not_modified(request: Request, etag: str, mtime: float) -> bool:
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


class Manners:
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


def shortened(value: Any) -> Any:
    """`value` (from a validation error) with long strings and lists cut, for echoing."""
    if isinstance(value, str) and len(value) > ECHO_CHARS:
        return value[:ECHO_CHARS] + "…"
    if isinstance(value, list | tuple):
        return [shortened(item) for item in value[:10]]
    if isinstance(value, dict):
        return {key: shortened(item) for key, item in value.items()}
    return value


def problem_text(problem: dict[str, Any]) -> str:
    """One validation problem as a sentence: `q: String should have at most 256 characters`."""
    where = ".".join(str(part) for part in problem.get("loc", ())[1:]) or "request"
    return f"{where}: {problem.get('msg', 'invalid')}"


def static(request: Request, data: bytes, mtime: float, media_type: str) -> Response:
    """A file with ETag and Last-Modified, answering 304 to a matching conditional GET."""
    etag = _etag(data, media_type)
    headers = {"ETag": etag, "Last-Modified": formatdate(mtime, usegmt=True), "Cache-Control": "no-cache"}
    if not_modified(request, etag, mtime):
        return Response(status_code=304, headers=headers)
    return Response(data, media_type=media_type, headers=headers)

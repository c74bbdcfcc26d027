"""Reading articles: one file (`read_article`) or the whole content folder (`read_articles`),
within a CPU budget per article; bad files become errors, never stop the rest."""

from __future__ import annotations

import hashlib
import logging
import signal
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Config
from ..config_checks import check_language
from ..errors import ContentError, NotAnArticle
from ..model import Article
from .fields import article_authors, article_summary, front_matter_image, page_fields, text_value
from .frontmatter import Reader, decode, front_matter
from .generators import preprocess, rules
from .markdown import html_to_text, render_markdown
from .scan import check_content_folder, scan_rules, scan_sources

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ContentResult:
    """Every article read from the content folder, and every file that was rejected."""

    articles: tuple[Article, ...]
    errors: tuple[ContentError, ...]
    warnings: tuple[ContentError, ...] = ()
    skipped: tuple[NotAnArticle, ...] = ()  # pages the generator does not publish as articles


def _read_bytes(reader: Reader, config: Config) -> bytes:
    try:
        size = reader.path.stat().st_size
        if size > config.content.max_file_bytes:
            raise ContentError(
                reader.rel,
                "size",
                f"{size:,} bytes is over content.max_file_bytes ({config.content.max_file_bytes:,})",
            )
        return reader.path.read_bytes()
    except OSError as error:
        raise ContentError(reader.rel, "file", f"cannot read: {error.strerror or error}") from None


def page_info(config: Config, rel: str) -> tuple[str, str] | None:
    """(URL, title) of the content file `rel` from its front matter alone (the target of a
    reference from another page); None when it cannot be read or is not published."""
    reader = Reader(config.paths.content / rel, rel, generator=config.content.generator)
    try:
        meta, _ = front_matter(reader, config, decode(reader, _read_bytes(reader, config)))
        if rules.skip_reason(config.content.generator, meta):
            return None
        fields = page_fields(reader, meta, config, page=True)
    except ContentError:
        return None
    return fields.url, fields.title


class _OverBudget(Exception):
    """Reading one article used up its CPU time (`content.max_cpu_seconds`)."""


@contextmanager
def _cpu_budget(seconds: float) -> Iterator[None]:
    """Raise _OverBudget once this process has spent `seconds` of CPU time inside the block.

    Python-Markdown takes quadratic time on some hostile text (80 KB of `[a](` costs minutes:
    Python-Markdown issue 798), so each article gets a budget. SIGVTALRM counts this process's
    own CPU time, so a busy machine does not make a normal article fail. Only the main thread
    takes signals: in another thread (a library caller's) there is no limit.
    """
    if not seconds or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise _OverBudget

    previous = signal.signal(signal.SIGVTALRM, expire)
    signal.setitimer(signal.ITIMER_VIRTUAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)


Render = Callable[[str], tuple[str, str]]  # Markdown text → (HTML, plain text)


def render_body(text: str) -> tuple[str, str]:
    """Markdown text → (HTML, plain text): what an article's body is read as."""
    body_html = render_markdown(text)
    return body_html, html_to_text(body_html)


def read_article(
    path: Path, config: Config, content_dir: Path | None = None, render: Render = render_body
) -> tuple[Article, list[ContentError]]:
    """Read, validate and render one Markdown file; returns the article and its warnings.

    `render` turns the body's Markdown (after any generator markup) into HTML and plain text
    (a full build passes one that remembers what it rendered: build/cache.py).

    Raises `ContentError` naming the file, field and line when the file cannot be published
    (also when reading it costs more than `content.max_cpu_seconds` of CPU time), and
    `NotAnArticle` for a page the generator does not publish as an article.
    """
    root = content_dir or config.paths.content
    rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    reader = Reader(path, rel, generator=config.content.generator)
    data = _read_bytes(reader, config)
    stage = "front matter"
    try:
        with _cpu_budget(config.content.max_cpu_seconds):
            meta, body = front_matter(reader, config, decode(reader, data))
            stage = "body"
            return _article(reader, config, path, rel, data, meta, body, render)
    except _OverBudget:
        limit = f"{config.content.max_cpu_seconds:g}"
        message = f"reading it took more than content.max_cpu_seconds ({limit} s of CPU time); not published"
        raise reader.error(stage, message) from None


def _article(
    reader: Reader, config: Config, path: Path, rel: str, data: bytes, meta: dict[str, Any], body: str, render: Render
) -> tuple[Article, list[ContentError]]:
    reason = rules.skip_reason(config.content.generator, meta)
    if reason:
        raise NotAnArticle(rel, reason)
    fields = page_fields(reader, meta, config)

    lang = text_value(reader, meta, "lang") or config.site.language
    try:
        lang = check_language(lang)
    except ValueError as error:
        if config.content.generator == "none":
            raise reader.error("lang", str(error)) from None
        reader.warnings.append(reader.error("lang", f"{error}; the site's language is used"))
        lang = config.site.language

    description = text_value(reader, meta, "description") or ""
    image = front_matter_image(reader, meta, config)
    reading_time = text_value(reader, meta, "readingTime") or None
    pinned = text_value(reader, meta, "id")
    entry_id = unicodedata.normalize("NFC", pinned) if pinned else None  # as slugs: one spelling, one id
    authors = article_authors(reader, meta)

    body = reader.clean("body", body)
    if config.content.generator != "none":
        done = preprocess(config, rel, path, body, render_markdown)
        body = done.text
        if done.unknown:
            names = ", ".join(done.unknown)
            message = f"unknown template markup unwrapped (inner text kept): {names}"
            reader.warnings.append(reader.error("body", message))
        for note in done.notes:
            reader.warnings.append(reader.error("body", note))
    body_html, body_text = render(body)
    article = Article(
        slug=fields.slug,
        title=fields.title,
        summary=description or article_summary(reader, meta, config, body, body_text),
        description=description,
        published=fields.published,
        updated=fields.updated,
        tags=fields.tags,
        categories=fields.categories,
        image=image,
        reading_time=reading_time,
        lang=lang,
        draft=fields.draft,
        url=fields.url,
        body_html=body_html,
        body_text=body_text,
        source=rel,
        content_hash=hashlib.sha256(data).hexdigest(),
        entry_id=entry_id,
        authors=authors,
    )
    return article, reader.warnings


def duplicate_losers(candidates: Iterable[tuple[Any, str, str, str | None]]) -> dict[str, ContentError]:
    """The sources that lose their slug or pinned id to another article, with the error to show.

    `candidates` are (order, source, slug, pinned id); the first in `order` keeps a slug or id
    (published before drafts, then oldest first: order is (draft, published, source)). An
    article that loses registers neither its slug nor its id.
    """
    owners: dict[tuple[str, str], str] = {}
    losers: dict[str, ContentError] = {}
    for _, source, slug, entry_id in sorted(candidates, key=lambda candidate: candidate[0]):
        keys = [("slug", slug)] + ([("id", entry_id)] if entry_id else [])
        clash = next(((name, value) for name, value in keys if (name, value) in owners), None)
        if clash is not None:
            name, value = clash
            losers[source] = ContentError(source, name, f"{name} {value!r} is already used by {owners[clash]}")
            continue
        for key in keys:
            owners[key] = source
    return losers


def resolve_duplicates(articles: Iterable[Article]) -> tuple[list[Article], list[ContentError]]:
    """The articles that keep their slug (and pinned id), newest first, and an error for each other."""
    articles = list(articles)
    losers = duplicate_losers(((a.draft, a.published, a.source), a.source, a.slug, a.entry_id) for a in articles)
    kept = [article for article in articles if article.source not in losers]
    errors = [losers[article.source] for article in articles if article.source in losers]
    kept.sort(key=lambda a: (a.published, a.source), reverse=True)
    return kept, errors


def read_articles(config: Config, paths: Iterable[Path] | None = None) -> ContentResult:
    """Read every article of the content folder; bad files become errors, never stop the rest.

    Raises ConfigError when the content folder does not exist.
    """
    content_dir = config.paths.content
    check_content_folder(content_dir, config.source)
    articles: list[Article] = []
    errors: list[ContentError] = []
    warnings: list[ContentError] = []
    skipped: list[NotAnArticle] = []
    if paths is None:
        scan = scan_sources(content_dir, scan_rules(config))
        paths = [content_dir / rel for rel in sorted(scan.files)]
        errors += scan.errors
        warnings += scan.warnings
    for path in paths:
        try:
            article, notes = read_article(path, config, content_dir)
        except ContentError as error:
            errors.append(error)
            continue
        except NotAnArticle as skip:
            skipped.append(skip)
            continue
        articles.append(article)
        warnings.extend(notes)
    kept, duplicates = resolve_duplicates(articles)
    errors += duplicates
    for problem in errors:
        log.info("rejected %s", problem)
    return ContentResult(tuple(kept), tuple(sorted(errors, key=lambda e: e.path)), tuple(warnings), tuple(skipped))

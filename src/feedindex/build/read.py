"""Stage 2, read: the changed articles, one after another; or, in a full build, every article, in
parallel parts (one worker process per part) that also index what they read, streaming.

A worker dies with the build process (PR_SET_PDEATHSIG on Linux, else it checks its parent as it
reads), so a killed build leaves no worker writing into a generation nobody will publish.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ContentError, NotAnArticle
from ..model import Article
from .context import Context
from .plan import Plan, workers
from .state import compress_html

if TYPE_CHECKING:
    from ..analysis import AnalyzerSpec
    from ..config import Config

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # linux/prctl.h
TICK = 50  # files read between two progress reports in this process
POLL_SECONDS = 0.25  # how often the build process looks at how far its workers are


@dataclass(frozen=True)
class Read:
    """What a build read: the articles (in a full build with their HTML apart, compressed), the
    files that did not read, and, in a full build, the generation its parts indexed them into."""

    articles: Mapping[str, Article]  # by source; a full build's carry metadata only (see `html`)
    html: Mapping[str, bytes]  # compressed HTML of a full build's articles
    errors: tuple[ContentError, ...]  # files that could not be read this time
    warnings: tuple[ContentError, ...]
    skipped: tuple[str, ...] = ()  # read again, and no longer articles (a headless bundle)
    indexed: frozenset[str] | None = None  # a full build: the sources its parts indexed
    generation: str | None = None  # a full build: the generation its parts were written into
    parts: int = 0


def run(context: Context, plan: Plan) -> Read:
    """Read what `plan` says changed (everything, in a full build)."""
    return _read_all(context, plan) if plan.full else _read_changed(context, plan.changed)


def _read_changed(context: Context, changed: tuple[str, ...]) -> Read:
    from ..content.reading import read_article

    context.phases.start("reading", total=len(changed))
    articles: dict[str, Article] = {}
    errors: list[ContentError] = []
    warnings: list[ContentError] = []
    skipped: list[str] = []
    content_dir = context.config.paths.content
    for number, rel in enumerate(changed, 1):
        try:
            article, notes = read_article(content_dir / rel, context.config, content_dir)
        except ContentError as error:
            errors.append(error)
        except NotAnArticle as skip:
            log.info("%s", skip)
            skipped.append(rel)  # no longer an article: dropped like a removed file
        else:
            articles[rel] = article
            warnings.extend(notes)
        if number % TICK == 0 or number == len(changed):
            context.phases.advance(number)
    return Read(articles, {}, tuple(errors), tuple(warnings), tuple(skipped))


def _read_all(context: Context, plan: Plan) -> Read:
    """Read and index everything, in parallel parts (one per core), streaming: the articles
    (metadata only), their compressed HTML, the sources indexed, the new generation."""
    from ..index.generations import new_generation

    generation = new_generation(context.config.index_dir)
    paths = [context.config.paths.content / rel for rel in sorted(plan.scanned)]
    chunks = _split(paths, workers(context.config, len(paths)))
    context.phases.start("reading", total=len(paths), workers=len(chunks))
    parts = _run_parts(context, generation, chunks)
    articles: dict[str, Article] = {}
    html: dict[str, bytes] = {}
    indexed: set[str] = set()
    errors: list[ContentError] = []
    warnings: list[ContentError] = []
    for part in parts:
        articles.update((article.source, article) for article in part.articles)
        html.update(part.html)
        indexed.update(part.indexed)
        errors += part.errors
        warnings += part.warnings
    return Read(articles, html, tuple(errors), tuple(warnings), (), frozenset(indexed), generation.name, len(chunks))


@dataclass
class _Part:
    """What one worker read and indexed: metadata, compressed HTML, errors, indexed sources."""

    articles: list[Article] = field(default_factory=list)
    html: dict[str, bytes] = field(default_factory=dict)
    errors: list[ContentError] = field(default_factory=list)
    warnings: list[ContentError] = field(default_factory=list)
    indexed: list[str] = field(default_factory=list)


_done: Any = None  # a shared counter of files read, for the progress (set in each worker)
_parent: int | None = None  # in a worker process: the build process's pid


def _count_in(counter: Any) -> None:
    global _done
    _done = counter


def _start_worker(counter: Any, parent: int) -> None:
    """Set up a worker process: the progress counter, and death with the build process.

    A worker whose build was killed (SIGKILL, out of memory) must not go on at full CPU writing
    into a generation nobody will publish: on Linux the kernel kills it when the build process
    (the thread that forked it, which waits for the workers) dies; elsewhere, and for a parent
    that died before this ran, the worker checks its parent as it reads (`_orphaned`).
    """
    global _parent
    _count_in(counter)
    _parent = parent
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):  # no prctl in this C library: the parent check remains
            log.debug("prctl(PR_SET_PDEATHSIG) is not available")
    if _orphaned():
        os._exit(1)


def _orphaned() -> bool:
    """Whether this worker's build process has died (the worker was handed to another parent)."""
    return _parent is not None and os.getppid() != _parent


def _build_part(
    config: Config,
    spec: AnalyzerSpec,
    generation: Path,
    number: int,
    paths: list[Path],
    now: datetime,
    tick: Callable[[int], None] | None = None,
) -> _Part:
    """Read `paths` and index the published ones as part `number` of `generation`; `tick` is
    told how many files were read so far (in this process; workers count in `_done`).

    Runs in a worker process. Articles stream through: only metadata and compressed HTML are
    kept, so memory stays flat however many articles a part has.
    """
    from ..content.reading import read_article
    from ..index.write import write_part

    part = _Part()

    def published() -> Iterator[Article]:
        for count, path in enumerate(paths, 1):
            if _orphaned():
                # Exit at once: raising would have the pool try to hand the error to a parent
                # that is gone, and block there.
                os._exit(1)
            try:
                article, notes = read_article(path, config, config.paths.content)
            except ContentError as error:
                part.errors.append(error)
                continue
            except NotAnArticle as skip:
                log.info("%s", skip)
                continue
            finally:
                if _done is not None:
                    with _done.get_lock():
                        _done.value += 1
                if tick is not None and (count % TICK == 0 or count == len(paths)):
                    tick(count)
            part.warnings.extend(notes)
            part.html[article.source] = compress_html(article.body_html)
            part.articles.append(replace(article, body_html="", body_text=""))
            if article.is_published(now):
                part.indexed.append(article.source)
                yield article

    write_part(generation, number, published(), spec)
    return part


def _run_parts(context: Context, generation: Path, chunks: list[list[Path]]) -> list[_Part]:
    """Build every part: in worker processes when there are several, else in this process."""
    if len(chunks) == 1:
        return [
            _build_part(context.config, context.spec, generation, 0, chunks[0], context.now, context.phases.advance)
        ]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, wait

    forking = multiprocessing.get_context("fork")
    counter = forking.Value("l", 0)
    with ProcessPoolExecutor(
        len(chunks), mp_context=forking, initializer=_start_worker, initargs=(counter, os.getpid())
    ) as pool:
        futures = [
            pool.submit(_build_part, context.config, context.spec, generation, n, chunk, context.now)
            for n, chunk in enumerate(chunks)
        ]
        while wait(futures, timeout=POLL_SECONDS).not_done:
            context.phases.advance(counter.value)
        context.phases.advance(counter.value)
        return [future.result() for future in futures]


def _split(paths: list[Path], count: int) -> list[list[Path]]:
    """`count` parts dealt round-robin in path order, so each part gets the same mix of kinds of
    article (a folder of poems costs more per byte to index than one of manuals) and the parts
    finish together; the same sources always split the same way."""
    ordered = sorted(paths)
    chunks = [ordered[start::count] for start in range(count)]
    return [chunk for chunk in chunks if chunk] or [[]]

"""Stage 2, read: the changed articles, one after another; or, in a full build, every article, in
parallel parts (one worker process per part, see forked.py) that also index what they read,
streaming."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ContentError, NotAnArticle
from ..model import Article
from .context import Context
from .forked import count_done, orphaned, run_forked
from .plan import Plan, workers
from .spool import HtmlSpool, Offsets, SpooledHtml, spool_folder
from .state import compress_html

if TYPE_CHECKING:
    from ..analysis import AnalyzerSpec
    from ..config import Config

log = logging.getLogger(__name__)

TICK = 50  # files read between two progress reports in this process


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
    reused: int = 0  # a full build: bodies taken from the render cache, not rendered again


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
    from . import cache

    generation = new_generation(context.config.index_dir)
    paths = [context.config.paths.content / rel for rel in sorted(plan.scanned)]
    chunks = _split(paths, workers(context.config, len(paths)))
    context.phases.start("reading", total=len(paths), workers=len(chunks))
    rendered = cache.prepare(context.config.state_dir)
    spools = spool_folder(context.config.state_dir)
    parts = _run_parts(context, generation, chunks, rendered, spools)
    used = {key for part in parts for key in part.cache_used}
    cache.keep_only(rendered, used)
    problems = [problem for part in parts for problem in part.cache_problems]
    if problems:  # one warning for the build, however many workers saw how many
        log.warning("the render cache %s: %s; those articles were rendered again", rendered, problems[0])
    reused = sum(part.cache_hits for part in parts)
    log.info("render cache: %d of %d bodies reused", reused, len(used))
    articles: dict[str, Article] = {}
    html = SpooledHtml([(part.spool, part.html) for part in parts])
    indexed: set[str] = set()
    errors: list[ContentError] = []
    warnings: list[ContentError] = []
    for part in parts:
        articles.update((article.source, article) for article in part.articles)
        indexed.update(part.indexed)
        errors += part.errors
        warnings += part.warnings
    return Read(
        articles, html, tuple(errors), tuple(warnings), (), frozenset(indexed), generation.name, len(chunks), reused
    )


@dataclass
class _Part:
    """What one worker read and indexed: metadata, where its compressed HTML is, errors, indexed sources."""

    spool: Path  # the file of the articles' compressed HTML
    articles: list[Article] = field(default_factory=list)
    html: Offsets = field(default_factory=dict)  # where each article's HTML is in `spool`
    errors: list[ContentError] = field(default_factory=list)
    warnings: list[ContentError] = field(default_factory=list)
    indexed: list[str] = field(default_factory=list)
    cache_used: set[str] = field(default_factory=set)  # keys of the render cache this part needed
    cache_hits: int = 0
    cache_problems: list[str] = field(default_factory=list)


def _build_part(
    config: Config,
    spec: AnalyzerSpec,
    generation: Path,
    number: int,
    paths: list[Path],
    now: datetime,
    rendered: Path | None,
    spools: Path,
    tick: Callable[[int], None] | None = None,
) -> _Part:
    """Read `paths` and index the published ones as part `number` of `generation`; `tick` is
    told how many files were read so far (in this process; workers count in `_done`). Bodies are
    rendered through the render cache at `rendered` (None: none); their compressed HTML goes to a
    file in the folder `spools`.

    Runs in a worker process. Articles stream through: only their metadata is kept, so memory
    stays flat however many articles a part has.
    """
    from ..content.reading import read_article
    from ..index.write import write_part
    from .cache import RenderCache

    spool = HtmlSpool(spools / f"P{number}.html")
    part = _Part(spool.path)
    renders = RenderCache(rendered)

    def published() -> Iterator[Article]:
        for count, path in enumerate(paths, 1):
            if orphaned():
                # Exit at once: raising would have the pool try to hand the error to a parent
                # that is gone, and block there.
                os._exit(1)
            try:
                article, notes = read_article(path, config, config.paths.content, renders.render)
            except ContentError as error:
                part.errors.append(error)
                continue
            except NotAnArticle as skip:
                log.info("%s", skip)
                continue
            finally:
                count_done()
                if tick is not None and (count % TICK == 0 or count == len(paths)):
                    tick(count)
            part.warnings.extend(notes)
            spool.add(article.source, compress_html(article.body_html))
            part.articles.append(replace(article, body_html="", body_text=""))
            if article.is_published(now):
                part.indexed.append(article.source)
                yield article

    try:
        write_part(generation, number, published(), spec)
    finally:
        renders.close()
        spool.close()
    part.html = spool.offsets
    part.cache_used, part.cache_hits, part.cache_problems = renders.used, renders.hits, renders.problems
    return part


def _run_parts(
    context: Context, generation: Path, chunks: list[list[Path]], rendered: Path | None, spools: Path
) -> list[_Part]:
    """Build every part: in worker processes when there are several, else in this process."""
    config, spec, now = context.config, context.spec, context.now
    if len(chunks) == 1:
        return [_build_part(config, spec, generation, 0, chunks[0], now, rendered, spools, context.phases.advance)]
    _preload(spec)
    arguments = [(config, spec, generation, n, chunk, now, rendered, spools) for n, chunk in enumerate(chunks)]
    return run_forked(_build_part, arguments, context.phases)


def _preload(spec: AnalyzerSpec) -> None:
    """Load, before the workers fork, what each of them only reads: the segmenter with its
    dictionary (about 64 MB with jieba-rs), the synonym table, OpenCC, and the modules that
    read, render and index. Forked workers then share these pages instead of each loading its
    own copy (and the time to load them is spent once)."""
    from ..analysis import fold, index_synonyms, segmenter
    from ..content import reading  # noqa: F401  (Markdown, YAML)
    from ..index import write  # noqa: F401  (Whoosh)

    segmenter(spec)
    index_synonyms()
    fold("預先載入")  # OpenCC's converter


def _split(paths: list[Path], count: int) -> list[list[Path]]:
    """`count` parts dealt round-robin in path order, so each part gets the same mix of kinds of
    article (a folder of poems costs more per byte to index than one of manuals) and the parts
    finish together; the same sources always split the same way."""
    ordered = sorted(paths)
    chunks = [ordered[start::count] for start in range(count)]
    return [chunk for chunk in chunks if chunk] or [[]]

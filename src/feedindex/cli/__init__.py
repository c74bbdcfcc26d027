"""The `feedindex` command: each command parses options, calls one library function, prints
(show.py: how it looks on a terminal).

Library modules are imported inside the commands so `feedindex --help` stays fast.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, TypeVar

import click

from .._version import __version__
from ..errors import (
    ConfigError,
    FeedindexError,
    LockError,
    OutputError,
    QueryError,
    SearchIndexError,
    UnpublishError,
    printable,
)
from .show import PhaseDisplay, print_hits

if TYPE_CHECKING:
    from ..build import BuildReport
    from ..config import Config

# docs/scheduled-job.md ("Exit codes") documents each; only 0 and 1 mean the site was built.
EXIT_OK = 0
EXIT_REJECTED = 1  # built, but some articles were rejected (or `check` found problems)
EXIT_USAGE = 2  # configuration or usage error (a missing content folder too): nothing written
EXIT_INDEX = 3  # no usable index to search
EXIT_LOCKED = 4  # another build holds the lock (after --wait seconds)
EXIT_OUTPUT = 5  # the output folder could not be written (disk full, read-only): the old output stays
EXIT_UNPUBLISH = 6  # refused to unpublish more than build.max_unpublish at once (see --allow-unpublish)
EXIT_INTERNAL = 70  # an unexpected error, a bug (sysexits' EX_SOFTWARE): never 1, which means "built"
EXIT_INTERRUPTED = 130  # stopped with Ctrl-C (SIGINT), as shells report it

F = TypeVar("F", bound=Callable[..., Any])


def _option_config(func: F) -> F:
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Configuration file (default: ./feedindex.toml).",
    )(func)


def _option_content(func: F) -> F:
    return click.option(
        "--content", type=click.Path(file_okay=False, path_type=Path), help="Override [paths] content."
    )(func)


def _option_out(func: F) -> F:
    return click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Override [paths] out.")(func)


def _load(config_path: Path | None, content: Path | None = None, out: Path | None = None) -> Config:
    from ..config import load_config

    return load_config(config_path, content=content, out=out)


def _message(error: FeedindexError) -> str:
    """What to print of `error`: a configuration error lists one problem per line, each already
    made printable; any other message is one line, whatever file names or values it quotes."""
    return str(error) if isinstance(error, ConfigError) else printable(str(error))


def _fail(error: FeedindexError, code: int) -> NoReturn:
    click.echo(f"error: {_message(error)}", err=True)
    sys.exit(code)


def _reports_errors(func: F) -> F:
    """Turn library errors into a message on stderr and the documented exit code."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except FeedindexError as error:
            code = next((code for kind, code in _EXIT_CODES if isinstance(error, kind)), EXIT_USAGE)
            _fail(error, code)

    return wrapper  # type: ignore[return-value]


# The exit code of each kind of library error; any other FeedindexError is a usage error.
_EXIT_CODES: tuple[tuple[type[FeedindexError], int], ...] = (
    (ConfigError, EXIT_USAGE),
    (QueryError, EXIT_USAGE),
    (SearchIndexError, EXIT_INDEX),
    (LockError, EXIT_LOCKED),
    (OutputError, EXIT_OUTPUT),
    (UnpublishError, EXIT_UNPUBLISH),
)


class _Formatter(logging.Formatter):
    """Log records on one line each, control characters in names and values made visible (a
    file name holding a newline cannot forge a second record); tracebacks follow as they are."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return printable(super().formatMessage(record))


class _Main(click.Group):
    """The command group, and the last line of defence: an unexpected exception (a bug) is one
    line on stderr (its traceback too with -v) and exit code 70, never a bare traceback and never
    1, which a scheduler reads as "built, some articles rejected"."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except Exception as error:
            if ctx.params.get("verbose"):
                import traceback

                click.echo("".join(traceback.format_exception(error)).rstrip(), err=True)
            what = printable(f"{type(error).__name__}: {error}", 300)
            hint = "" if ctx.params.get("verbose") else " (run with -v for the traceback)"
            click.echo(f"error: unexpected {what}: this is a bug in feedindex{hint}", err=True)
            sys.exit(EXIT_INTERNAL)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="feedindex")
@click.option("-v", "--verbose", count=True, help="Log more (-v info, -vv debug).")
def main(verbose: int) -> None:
    """Feeds and Chinese-first search for a folder of Markdown articles."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])


def _print_report(report: BuildReport, quiet: bool) -> None:
    for error in report.errors:
        click.echo(f"rejected: {error}", err=True)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    if (images := report.missing_images_warning()) is not None:
        click.echo(f"warning: {images}", err=True)
    if not quiet:
        click.echo(report.summary())


@main.command()
@_option_config
@_option_content
@_option_out
@click.option("--full", is_flag=True, help="Rebuild everything, not only what changed.")
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=0,
    show_default=True,
    help="Seconds to wait for another running build before giving up (exit code 4).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary line (errors still shown).")
@click.option("--json", "as_json", is_flag=True, help="Print the build report as one JSON object.")
@click.option(
    "--allow-unpublish",
    is_flag=True,
    help="Let this build unpublish more than [build] max_unpublish of the published articles (exit code 6 without).",
)
@_reports_errors
def build(
    config_path: Path | None,
    content: Path | None,
    out: Path | None,
    full: bool,
    wait: float,
    quiet: bool,
    as_json: bool,
    allow_unpublish: bool,
) -> None:
    """Bring the search index and the feeds up to date with the articles.

    Only what changed since the last build is redone (--full: everything). Exit code 0 when every
    article was published, 1 when some were rejected (the rest are still published), 2 for a
    configuration or usage error such as a missing content folder (nothing written), 4 when
    another build holds the lock, 5 when the output folder cannot be written (disk full,
    read-only), 6 when the build would unpublish more than [build] max_unpublish of the site,
    70 for an unexpected error. With 2, 4, 5, 6 and 70 the previous output is still served.
    """
    from ..build import build as run_build

    config = _load(config_path, content, out)
    progress = PhaseDisplay() if sys.stderr.isatty() and not quiet and not as_json else None
    try:
        report = run_build(config, full=full, wait=wait, progress=progress, allow_unpublish=allow_unpublish)
    finally:
        if progress is not None:
            progress.close()
    if as_json:
        click.echo(_one_line_json(report.as_dict(Path.cwd())))
    else:
        _print_report(report, quiet)
    sys.exit(EXIT_REJECTED if report.errors else EXIT_OK)


def _one_line_json(value: Any) -> str:
    """JSON on one line: json escapes C0 controls, and here also the characters that some
    readers take for line breaks (U+0085, U+2028, U+2029)."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("\x85", "\\u0085").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


@main.command()
@_option_config
@_option_content
@_option_out
@click.option(
    "--debounce", type=click.FloatRange(min=0), default=1.0, show_default=True, help="Quiet seconds before a build."
)
@click.option("--quiet", "-q", is_flag=True, help="No summary lines (errors still shown).")
@_reports_errors
def watch(config_path: Path | None, content: Path | None, out: Path | None, debounce: float, quiet: bool) -> None:
    """Build, then rebuild whenever an article or the configuration changes (Ctrl-C stops).

    Changes are debounced: a build starts once the files have been quiet for --debounce seconds.
    """
    from ..build.watch import reloader
    from ..build.watch import watch as run_watch

    config = _load(config_path, content, out)
    if not quiet:
        click.echo(f"watching {printable(str(config.paths.content))} (Ctrl-C to stop)", err=True)

    def on_error(error: FeedindexError) -> None:
        click.echo(f"error: {_message(error)}", err=True)

    with contextlib.suppress(KeyboardInterrupt):
        run_watch(
            config,
            debounce=debounce,
            on_report=lambda report: _print_report(report, quiet),
            on_error=on_error,
            reload=reloader(config, content, out),
        )


@main.command()
@_option_config
@_option_content
@_reports_errors
def check(config_path: Path | None, content: Path | None) -> None:
    """Read and validate every article; report every bad file at once and write nothing.

    Exit code 0 when all articles are valid, 1 when some are not, 2 for a configuration error.
    """
    from ..content.reading import read_articles

    config = _load(config_path, content)
    result = read_articles(config)
    for error in result.errors:
        click.echo(f"error: {error}")
    for warning in result.warnings:
        click.echo(f"warning: {warning}")
    skipped = f", {len(result.skipped)} pages skipped (not articles)" if result.skipped else ""
    click.echo(f"{len(result.articles)} articles valid, {len(result.errors)} rejected{skipped}")
    sys.exit(EXIT_REJECTED if result.errors else EXIT_OK)


@main.command()
@click.option(
    "--from",
    "site_dir",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The Hugo, Jekyll or Hexo site's folder.",
)
@_option_config
@click.option("--force", is_flag=True, help="Replace the configuration file if it exists.")
@_reports_errors
def init(site_dir: Path, config_path: Path | None, force: bool) -> None:
    """Write a feedindex.toml for a Hugo, Jekyll or Hexo site, from the site's own configuration.

    The generator is detected; its base URL, title, language, time zone, permalinks, excerpt
    separator and post folders become the configuration (--config, default ./feedindex.toml).
    What should be checked by hand is printed. Exit code 2 when the site is not recognised or
    the file exists (without --force).
    """
    from ..content.generators.init import init_from_site

    result = init_from_site(site_dir, config_path, force=force)
    for note in result.notes:
        click.echo(f"check: {note}", err=True)
    click.echo(
        f"wrote {result.config_path} for a {result.generator} site; try: feedindex check --config {result.config_path}"
    )


@main.command()
@click.argument("query", required=False)
@_option_config
@_option_out
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True, help="Hits per page.")
@click.option("--page", type=click.IntRange(1, 100), default=1, show_default=True, help="Page of hits.")
@click.option("--tag", "tags", multiple=True, help="Only articles with this tag (repeatable: all of them).")
@click.option("--category", help="Only articles in this category.")
@click.option("--lang", help="Only articles in this language (BCP 47, e.g. zh-Hant).")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), help="Published on or after (YYYY-MM-DD).")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), help="Published on or before (YYYY-MM-DD).")
@click.option("--syntax", is_flag=True, help='Understand "phrases", -exclusions, tag:, category:, lang:.')
@click.option(
    "--batch",
    type=click.File("r", encoding="utf-8"),
    help="Read one query per line from FILE (- for stdin); print one JSON object per line.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@_reports_errors
def search(
    query: str | None,
    config_path: Path | None,
    out: Path | None,
    limit: int,
    page: int,
    tags: tuple[str, ...],
    category: str | None,
    lang: str | None,
    date_from: datetime | None,
    date_to: datetime | None,
    syntax: bool,
    batch: TextIO | None,
    as_json: bool,
) -> None:
    """Search the index for QUERY and print the best hits.

    Every word must match; a phrase in order ranks higher. With --batch, queries are read one per
    line and answered with the index and dictionaries loaded once. Exit code 2 for a bad query or
    configuration, 3 when there is no index yet.
    """
    from ..search import search
    from ..search.batch import search_each
    from ..search.parse import Filters

    if (query is None) == (batch is None):
        raise click.UsageError("give either QUERY or --batch FILE")
    config = _load(config_path, out=out)
    filters = Filters(
        tags=tags,
        category=category,
        lang=lang,
        date_from=date_from.date() if date_from else None,
        date_to=date_to.date() if date_to else None,
    )
    options: dict[str, Any] = {"page": page, "filters": filters, "syntax": syntax, "tz": config.site.tz}
    if batch is not None:
        lines = (line.rstrip("\r\n") for line in batch)
        for text, answer in search_each(config.index_dir, lines, per_page=limit, **options):
            shown = {"query": text, "error": str(answer)} if isinstance(answer, QueryError) else answer.as_dict()
            click.echo(json.dumps(shown, ensure_ascii=False))
        return
    assert query is not None
    result = search(config.index_dir, query, limit=limit, **options).as_dict()
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
    else:
        print_hits(result)


@main.command()
@_option_config
@_option_out
@click.option("--host", help="Address to listen on (default: [server] host, 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default: [server] port, 8000).")
@click.option("--workers", type=click.IntRange(1, 64), help="Worker processes (default: [server] workers, 1).")
@click.option("--access-log", is_flag=True, help="Log every request on stdout, in uvicorn's access log format.")
@_reports_errors
def serve(
    config_path: Path | None,
    out: Path | None,
    host: str | None,
    port: int | None,
    workers: int | None,
    access_log: bool,
) -> None:
    """Serve the search API, the search page and the feeds from the output folder.

    The server follows new index generations published by `feedindex build` without a restart.
    Put it behind a reverse proxy for TLS; several workers share one index.
    """
    from ..web.serve import serve as run_server

    config = _load(config_path, out=out)
    run_server(config, host=host, port=port, workers=workers, access_log=access_log, on_start=click.echo)

"""Stage 1, plan: what this build must do. Scan the content folder (one `stat` per file, compared
whole with the last build's), hash the files whose size or mtime changed, and decide between
nothing to do, an incremental build of the changed files, and a full build (and why)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .._version import __version__
from ..content.scan import Scan, Stat, scan_rules, scan_sources
from ..errors import ContentError
from ..model import ARTICLE_FORMAT
from ..paths import FEEDS_PAGE, POINTER, site_feeds
from .context import Context
from .meta import BuildMeta
from .state import FileStat, State

if TYPE_CHECKING:
    from ..analysis import AnalyzerSpec
    from ..config import Config

log = logging.getLogger(__name__)

MIN_PART = 100  # a full build uses one worker process per this many articles, up to the workers


@dataclass(frozen=True)
class Plan:
    """What a build must do: the files it found, which of them to read again, and whether it
    rebuilds everything (and why)."""

    full: bool
    reason: str | None  # why everything is rebuilt ("configuration changed", ...), None when not
    scan: Scan  # what the scan found, and could not read
    scanned: Mapping[str, Stat]  # every article file (those of unlistable folders as they were)
    files: Mapping[str, FileStat]  # the file rows to record
    changed: tuple[str, ...]  # sources to read again, sorted
    removed: tuple[str, ...]  # sources gone since the last build
    carried: tuple[ContentError, ...]  # errors of files that failed before and are not read again
    meta: BuildMeta  # what the last build recorded
    nothing_to_do: bool = False  # nothing changed, nothing became due, same configuration
    # Only `[feeds]` changed since the last build: every feed is rendered again, and no article
    # is read or indexed again for it (what they hold does not depend on those settings).
    refeed: bool = False


def analyzer_spec(config: Config) -> AnalyzerSpec:
    """The analyzer the configuration asks for."""
    from ..analysis import AnalyzerSpec

    user_dict = config.search.user_dict
    return AnalyzerSpec(segmenter=config.search.segmenter, user_dict=str(user_dict) if user_dict else None)


def config_identity(config: Config, without: tuple[str, ...] = ()) -> str:
    """A digest of everything in the configuration (and feedindex's version) the outputs depend on
    (but the sections `without`).

    The server's settings, the index retention and the number of build workers do not change
    what a build writes, so editing them does not cost a full rebuild.
    """
    values = asdict(config)
    for name in ("source", "server", "index", "build", *without):
        values.pop(name, None)
    values["paths"].pop("out", None)
    values["version"] = __version__
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


def content_identity(config: Config) -> str:
    """A digest of the configuration the articles and the index depend on: all of
    `config_identity` but `[feeds]`, which only the feeds (and the feeds page) depend on."""
    return config_identity(config, without=("feeds",))


def workers(config: Config, articles: int) -> int:
    """How many worker processes a full build of `articles` uses (a part per MIN_PART)."""
    count = config.build.workers or os.cpu_count() or 1
    return max(1, min(count, articles // MIN_PART))


def run(context: Context, state: State, full: bool) -> Plan:
    """What this build must do (`full`: everything, as the operator asked)."""
    context.phases.start("scanning")
    meta = state.meta()
    reason = _full_reason(context, meta, full)
    scan, scanned = _scan(context.config, state)
    carried: tuple[ContentError, ...] = ()
    refeed = reason is None and meta.config != config_identity(context.config)
    if refeed:
        log.info("only [feeds] changed: every feed is rendered again, the index stays")
    if reason is None:
        files, changed, removed = _changes(context.config, state, scanned, state.stats())
        files, changed, carried = _retry_failed(meta.errors, scanned, files, changed)
        due = meta.next_due is not None and context.now >= meta.next_due
        if not changed and not removed and not due and not refeed:
            context.phases.advance(len(scanned))
            return Plan(False, None, scan, scanned, files, (), (), carried, meta, nothing_to_do=True)
        if workers(context.config, len(scanned)) > 1 and _merge_due(context.config, len(changed), len(removed)):
            # Small segments or deleted documents have grown past their share: rather than let
            # Whoosh merge the whole index in one process, rebuild it on every core.
            log.info("the index is due a full merge: building everything again, in parallel")
            reason = "index due a full merge"
    if reason is not None:
        files, changed, removed = _changes(context.config, state, scanned, {})
        carried = ()
    context.phases.advance(len(scanned))
    full = reason is not None
    return Plan(
        full, reason, scan, scanned, files, tuple(changed), tuple(removed), carried, meta, refeed=refeed and not full
    )


def _full_reason(context: Context, meta: BuildMeta, asked: bool) -> str | None:
    """Why this build must rebuild everything, or None when it can be incremental."""
    config = context.config
    if asked:
        return "asked for with --full"
    if meta.config is None:
        return "no earlier build"
    if meta.config != config_identity(config) and meta.content_config != content_identity(config):
        return "configuration changed"  # (only [feeds] changed: every feed again, see Plan.refeed)
    if meta.analyzer != context.spec.identity():
        return "analyzer changed"
    if meta.article_format != ARTICLE_FORMAT:
        return "article format changed"
    if not (config.index_dir / POINTER).is_file():
        return "index missing"
    site = [*site_feeds(config.paths.out, config.feeds.formats), config.paths.out / FEEDS_PAGE]
    if not all(path.is_file() for path in site):
        return "site feeds missing"
    return None


def _scan(config: Config, state: State) -> tuple[Scan, dict[str, Stat]]:
    """The scan, and the article files of the content folder: those under a folder that could
    not be listed this time are taken as they were (unknown is not gone: nothing is unpublished
    for it)."""
    scan = scan_sources(config.paths.content, scan_rules(config))
    scanned = scan.files
    if scan.unlisted:
        prefixes = tuple(scan.unlisted)
        stored = state.stats()
        scanned = dict(scanned) | {
            rel: stat for rel, stat in stored.items() if rel.startswith(prefixes) and rel not in scanned
        }
    return scan, scanned


def _changes(
    config: Config, state: State, scanned: Mapping[str, Stat], stored: Mapping[str, Stat]
) -> tuple[dict[str, FileStat], list[str], list[str]]:
    """The file rows to record, the sources to read again (sorted), the sources gone."""
    if scanned == stored:  # the common case, decided in one comparison
        return {}, [], []
    candidates = [rel for rel, stat in scanned.items() if stored.get(rel) != stat]
    removed = sorted(rel for rel in stored if rel not in scanned)
    known = state.hashes(candidates) if stored else {}
    files: dict[str, FileStat] = {}
    changed: list[str] = []
    for rel in candidates:
        size, mtime_ns = scanned[rel]
        digest = _hash_file(config.paths.content / rel) if rel in known else None
        if digest is not None and digest == known[rel]:
            files[rel] = FileStat(size, mtime_ns, digest)  # touched, not changed
            continue
        files[rel] = FileStat(size, mtime_ns, digest or "")
        changed.append(rel)
    return files, sorted(changed), removed


def _retry_failed(
    earlier: tuple[ContentError, ...], scanned: Mapping[str, Stat], files: dict[str, FileStat], changed: list[str]
) -> tuple[dict[str, FileStat], list[str], tuple[ContentError, ...]]:
    """A file that could not be read last time (it vanished mid-build, a disk error) is read
    again, whatever its size and mtime: once it reads, it is no longer an error. The errors of
    the files not read again still stand (carried): reported every run."""
    failed = {error.path for error in earlier if error.field == "file"}
    pending = set(changed) if failed else set()
    retry = sorted(rel for rel in failed if rel in scanned and rel not in pending)
    files = dict(files) | {rel: FileStat(*scanned[rel], "") for rel in retry}
    changed = sorted([*changed, *retry])
    reread = set(changed)
    carried = tuple(error for error in earlier if error.path in scanned and error.path not in reread)
    return files, changed, carried


def _merge_due(config: Config, changed: int, removed: int) -> bool:
    from ..index.merge import merge_due

    return merge_due(config.index_dir, deleting=changed + removed, adding=changed)


def _hash_file(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None

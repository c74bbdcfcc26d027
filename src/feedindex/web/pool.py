"""The searchers of the live index generation, shared by the requests of one worker process: a
new generation published by a build is opened and warmed in a thread while requests are still
answered from the old one, then takes over; answers are cached per generation."""

from __future__ import annotations

import logging
import queue
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Config
from ..index.generations import current_generation, read_meta
from ..paths import POINTER
from ..search.cache import GenerationCache
from ..search.results import SearchResult
from ..search.searcher import Searcher

log = logging.getLogger(__name__)

CACHE_SIZE = 4096  # answers kept per index generation
WARM_QUERIES = 200  # the latest distinct queries a new generation's first searcher answers before going live
SEARCHES_AT_ONCE = 1  # searches computing at once in one worker process (answers from the cache: any number)


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

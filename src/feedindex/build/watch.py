"""`watch`: rebuild whenever the content folder or the configuration changes, debounced."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..config import Config, load_config
from ..content.scan import check_content_folder
from ..errors import FeedindexError
from . import BuildReport, build

log = logging.getLogger(__name__)

_CHANGES = frozenset({"created", "deleted", "modified", "moved", "closed"})


def watch(
    config: Config,
    *,
    debounce: float = 1.0,
    on_report: Callable[[BuildReport], None] = lambda report: None,
    on_error: Callable[[FeedindexError], None] = lambda error: None,
    stop: threading.Event | None = None,
    reload: Callable[[], Config] | None = None,
) -> None:
    """Build now, then again each time files under the content folder (or the config file)
    change and then stay quiet for `debounce` seconds; until `stop` is set.

    An edit of the configuration is picked up through `reload` (default: read the same
    config file again with the same overrides); a bad configuration is reported and the
    previous one kept. Raises ConfigError when the content folder does not exist.
    """
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers import Observer

    check_content_folder(config.paths.content, config.source)  # nothing to watch: a configuration error
    stop = stop or threading.Event()
    changed = threading.Event()
    out = config.paths.out.resolve()

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            # Reads (opened, closed without writing) are events too: the build's own reads
            # must not trigger the next build.
            if event.event_type not in _CHANGES or (event.is_directory and event.event_type == "modified"):
                return
            path = Path(str(event.src_path)).resolve()
            if path.is_relative_to(out) or (
                config.source and path.parent == config.source.parent and path != config.source
            ):
                return  # our own output, or a neighbour of the config file
            changed.set()

    def run_build() -> None:
        nonlocal config
        try:
            if reload is not None:
                config = reload()
            report = build(config, wait=60)
        except FeedindexError as error:
            on_error(error)
        else:
            on_report(report)

    observer: Any = Observer()
    handler = Handler()
    observer.schedule(handler, str(config.paths.content), recursive=True)
    if config.source is not None:
        observer.schedule(handler, str(config.source.parent), recursive=False)
    observer.start()
    try:
        run_build()
        while not stop.is_set():
            if not changed.wait(timeout=0.2):
                continue
            # Debounce: wait until the tree has been quiet for `debounce` seconds.
            changed.clear()
            while changed.wait(timeout=debounce) and not stop.is_set():
                changed.clear()
            if not stop.is_set():
                run_build()
    finally:
        observer.stop()
        observer.join()


def reloader(config: Config, content: Path | None, out: Path | None) -> Callable[[], Config]:
    """A function reading `config`'s file again with the same command-line overrides."""
    return lambda: load_config(config.source, content=content, out=out) if config.source else config

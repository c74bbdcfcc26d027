"""Writing feed files: one scope after another, atomically, only the feeds whose entries changed;
removing the feeds of scopes that are gone."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from importlib import resources
from pathlib import Path

from ..config import Config
from ..files import write_atomic
from ..model import Scope
from ..paths import STYLESHEET, feed_file
from .entries import Contents, Entry, Loader
from .render import FeedSpec, feed_spec, render_within


def _stylesheet() -> bytes:
    return resources.files("feedindex").joinpath("data", STYLESHEET).read_bytes()


class FeedWriter:
    """Writes the feed files of one scope after another, atomically, file by file.

    A scope whose signature equals the one in `previous` (from the last build) and whose files
    exist is not rendered again (unless `force`). Entry contents are loaded with `load` only
    for the feeds being written.
    """

    def __init__(
        self, config: Config, load: Loader, previous: Mapping[str, str] | None = None, force: bool = False
    ) -> None:
        self.config = config
        self.contents = Contents(config, load)
        self.previous = previous
        self.force = force
        self.signatures: dict[str, str] = {}  # feed file (relative to the output folder) → signature
        self.written = 0

    def write(self, scope: Scope, entries: Sequence[Entry]) -> None:
        """The feeds of `scope` from `entries` (newest first; only the newest `feeds.items` count)."""
        out = self.config.paths.out
        spec = feed_spec(self.config, scope, entries)
        signature = spec.signature()
        complete: FeedSpec | None = None
        for kind in self.config.feeds.formats:
            name = feed_file(scope.kind, scope.slug, kind)
            path = out / name
            self.signatures[name] = signature
            if not self.force and self.previous is not None and self.previous.get(name) == signature and path.is_file():
                continue
            complete = complete or replace(spec, entries=self.contents.complete(spec.entries))
            self.written += write_atomic(path, render_within(complete, kind, self.config.feeds.max_bytes))

    def finish(self, stale: Iterable[str]) -> int:
        """Write the stylesheet and delete the `stale` feed files (of scopes that are gone, relative
        to the output folder); the number of files removed."""
        out = self.config.paths.out
        if self.config.feeds.stylesheet:
            self.written += write_atomic(out / STYLESHEET, _stylesheet())
        return _remove_stale(out, stale)


def _remove_stale(out: Path, names: Iterable[str]) -> int:
    """Delete feed files an earlier build wrote and this one did not, and folders left empty."""
    removed = 0
    for name in sorted(names):
        path = out / name
        if ".." in Path(name).parts or not path.is_file():
            continue
        path.unlink()
        removed += 1
        for folder in path.parents:
            if folder == out or not folder.is_relative_to(out) or any(folder.iterdir()):
                break
            folder.rmdir()
    return removed

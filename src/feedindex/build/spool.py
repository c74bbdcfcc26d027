"""The compressed HTML of a full build's articles, spooled to files by the workers instead of
held in memory and handed to the build process: at 50,000 articles that is a few hundred MB the
workers and the build process no longer hold, and no longer pickle, at once.

Each part appends its articles' compressed HTML to its own file in the state folder and hands
back only where each one is; the build process opens the files, removes their names at once (the
data lives until the files are closed, so nothing is left behind however the build ends), and
reads an article's HTML when it needs it (recording it in the state, writing a feed). Forked
feed workers inherit the open files.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import weakref
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import BinaryIO

Offsets = dict[str, tuple[int, int]]  # source → (offset, size) in a part's spool file

SPOOL_FOLDER = "parts"  # in the state folder, during a full build


def spool_folder(state_dir: Path) -> Path:
    """An empty folder for this build's spool files (what a killed build left there is removed)."""
    folder = state_dir / SPOOL_FOLDER
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class HtmlSpool:
    """A part's spool file, as its worker writes it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.file: BinaryIO = path.open("wb")
        self.offsets: Offsets = {}

    def add(self, source: str, data: bytes) -> None:
        """Append the compressed HTML `data` of `source`."""
        self.offsets[source] = (self.file.tell(), len(data))
        self.file.write(data)

    def close(self) -> None:
        """Flush and close the file (the build process reads it next)."""
        self.file.close()


def _close_all(descriptors: list[int]) -> None:
    for descriptor in descriptors:
        with contextlib.suppress(OSError):
            os.close(descriptor)


class SpooledHtml(Mapping[str, bytes]):
    """source → compressed HTML, read from the parts' spool files when asked for."""

    def __init__(self, spools: list[tuple[Path, Offsets]]) -> None:
        self._where: dict[str, tuple[int, int, int]] = {}  # source → (descriptor, offset, size)
        descriptors: list[int] = []
        # Closed when this is collected (the build is over): the files have no name any more.
        weakref.finalize(self, _close_all, descriptors)
        for path, offsets in spools:
            descriptor = os.open(path, os.O_RDONLY)
            descriptors.append(descriptor)
            path.unlink()
            self._where.update((source, (descriptor, *where)) for source, where in offsets.items())
        folders = {path.parent for path, _ in spools}
        for folder in folders:
            with contextlib.suppress(OSError):  # not empty: a file of someone else's
                folder.rmdir()

    def __getitem__(self, source: str) -> bytes:
        descriptor, offset, size = self._where[source]
        data = os.pread(descriptor, size, offset)
        if len(data) != size:
            raise OSError(f"the spooled HTML of {source} is cut short ({len(data)} of {size} bytes)")
        return data

    def __contains__(self, source: object) -> bool:
        return source in self._where

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)

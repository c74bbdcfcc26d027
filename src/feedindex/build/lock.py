"""One build at a time on an output folder, and what a failed build leaves: every published file
is the old one or the new one, the state claims nothing that was not published, and the
generation it was writing is removed at once (a full disk is not kept full by failed builds)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from ..errors import LockError, OutputError, printable
from ..index.generations import remove_abandoned_generations
from ..paths import LOCK_FILE, STATE_FILE

if TYPE_CHECKING:
    from ..config import Config

NOTHING_HALF_WRITTEN = "nothing half-written was published, and the next build completes the work"


@contextmanager
def build_lock(config: Config, wait: float = 0.0) -> Iterator[None]:
    """Hold the output folder's build lock; LockError when another build keeps it past `wait` s.

    The lock is an OS file lock: a build killed with SIGKILL releases it with its process, so a
    stale lock never blocks the next run.
    """
    from filelock import FileLock, Timeout

    config.state_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(config.state_dir / LOCK_FILE), timeout=wait)
    try:
        lock.acquire()
    except Timeout:
        raise LockError(f"another build is running on {config.paths.out} (waited {wait:g} s)") from None
    try:
        yield
    finally:
        lock.release()


@contextmanager
def guarded(config: Config, wait: float = 0.0) -> Iterator[None]:
    """Hold the build lock for a build; remove the generations a killed build left before it and
    this build's own if it fails; an OSError or SQLite error becomes an OutputError naming the
    path and the cause."""
    try:
        with build_lock(config, wait):
            remove_abandoned_generations(config.index_dir)  # left by a build killed before this one
            try:
                yield
            except BaseException:
                remove_abandoned_generations(config.index_dir)  # this build's, at once: a full disk stays full
                raise
    except OSError as error:
        raise OutputError(_output_problem(config, error)) from error
    except sqlite3.Error as error:
        state = printable(str(config.state_dir / STATE_FILE))
        raise OutputError(f"cannot write {state}: {printable(str(error))}; {NOTHING_HALF_WRITTEN}") from error


def _output_problem(config: Config, error: OSError) -> str:
    """One line naming the path and the cause of a failure to write the output folder."""
    where = f"to {config.paths.out}" if error.filename is None else str(error.filename)
    cause = error.strerror or str(error) or type(error).__name__
    return f"cannot write {printable(where)}: {printable(cause)}; {NOTHING_HALF_WRITTEN}"

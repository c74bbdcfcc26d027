"""Worker processes of a build: forked, so they share what the build process holds (the
configuration, the loaded segmenter, what was read), counted for the progress, and dying with
the build process.

A worker dies with the build process (PR_SET_PDEATHSIG on Linux, else it checks its parent as it
works: `orphaned`), so a killed build leaves no worker writing into a generation or an output
folder nobody will publish.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from .phases import Phases

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # linux/prctl.h
POLL_SECONDS = 0.25  # how often the build process looks at how far its workers are

Result = TypeVar("Result")

_done: Any = None  # a shared counter of items done, for the progress (set in each worker)
_parent: int | None = None  # in a worker process: the build process's pid


def count_done(items: int = 1) -> None:
    """Add `items` to the progress of the phase the workers run (nothing outside a worker)."""
    if _done is not None:
        with _done.get_lock():
            _done.value += items


def orphaned() -> bool:
    """Whether this worker's build process has died (the worker was handed to another parent)."""
    return _parent is not None and os.getppid() != _parent


def _start_worker(counter: Any, parent: int) -> None:
    """Set up a worker process: the progress counter, and death with the build process.

    A worker whose build was killed (SIGKILL, out of memory) must not go on at full CPU: on
    Linux the kernel kills it when the build process (the thread that forked it, which waits
    for the workers) dies; elsewhere, and for a parent that died before this ran, the worker
    checks its parent as it works (`orphaned`).
    """
    global _done, _parent
    _done = counter
    _parent = parent
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):  # no prctl in this C library: the parent check remains
            log.debug("prctl(PR_SET_PDEATHSIG) is not available")
    if orphaned():
        os._exit(1)


def run_forked(task: Callable[..., Result], arguments: Sequence[tuple[Any, ...]], phases: Phases) -> list[Result]:
    """`task(*arguments[n])` for every n, each in its own forked worker process, at once; their
    results in order. The running phase advances as the workers `count_done`.

    Forked, not spawned: the workers start with everything the build process holds (nothing is
    pickled on the way in but `arguments`), and pages nobody writes to stay shared. An exception
    in a worker is raised here.
    """
    import gc
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, wait

    forking = multiprocessing.get_context("fork")
    counter = forking.Value("l", 0)
    # The collector of each worker would write into the header of every object it inherited,
    # copying pages it otherwise only reads: the objects of this process are left out of it
    # while the workers run (and only then: a long-lived caller's garbage is collected again).
    gc.freeze()
    try:
        with ProcessPoolExecutor(
            len(arguments), mp_context=forking, initializer=_start_worker, initargs=(counter, os.getpid())
        ) as pool:
            futures = [pool.submit(task, *args) for args in arguments]
            while wait(futures, timeout=POLL_SECONDS).not_done:
                phases.advance(counter.value)
            phases.advance(counter.value)
            return [future.result() for future in futures]
    finally:
        gc.unfreeze()

"""The phases of a build as they run: each named, timed (wall time) and counted, told as it goes
to whoever shows progress, and kept for the report (`feedindex build --json`: `phases`)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Phase:
    """One phase of a build: its name, its wall time so far (all of it once `finished`), how
    many items it did of how many (files read, feeds looked at; None: not counted), and how many
    processes ran it at once."""

    name: str
    seconds: float = 0.0
    done: int = 0
    total: int | None = None
    workers: int = 1
    finished: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The phase as `feedindex build --json` prints it."""
        return {
            "name": self.name,
            "seconds": round(self.seconds, 3),
            "done": self.done,
            "total": self.total,
            "workers": self.workers,
        }


Progress = Callable[[Phase], None]  # told of each phase as it starts, advances and finishes


class Phases:
    """The phases of one build, one after another: `start` ends the phase running (if any) and
    starts the next; `advance` counts what the running phase did; `finish` ends it."""

    def __init__(self, progress: Progress | None = None) -> None:
        self.progress = progress
        self.finished: list[Phase] = []
        self.current: Phase | None = None
        self._started = 0.0

    def start(self, name: str, total: int | None = None, workers: int = 1) -> None:
        """Begin the phase `name` (of `total` items, run by `workers` processes)."""
        self.finish()
        self._started = time.perf_counter()
        self.current = Phase(name, total=total, workers=workers)
        self._tell(self.current)

    def advance(self, done: int, total: int | None = None) -> None:
        """The running phase has done `done` items (of `total`, when it has learnt how many)."""
        if self.current is None:
            return
        total = self.current.total if total is None else total
        self.current = replace(self.current, done=done, total=total, seconds=time.perf_counter() - self._started)
        self._tell(self.current)

    def finish(self) -> None:
        """End the running phase, if any."""
        if self.current is None:
            return
        phase = replace(self.current, seconds=time.perf_counter() - self._started, finished=True)
        self.current = None
        self.finished.append(phase)
        log.info("%s: %.2f s", phase.name, phase.seconds)
        self._tell(phase)

    def done(self) -> tuple[Phase, ...]:
        """Every phase, once the last one is finished."""
        self.finish()
        return tuple(self.finished)

    def _tell(self, phase: Phase) -> None:
        if self.progress is not None:
            self.progress(phase)

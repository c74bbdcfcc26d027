"""A query's time budget: every long loop of a search looks at its `Deadline`."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


class OutOfTime(Exception):
    """The query's deadline has passed."""


@dataclass(frozen=True)
class Deadline:
    """A moment of `clock` (time.monotonic) after which a query stops; None: never."""

    at: float | None = None
    clock: Callable[[], float] = time.monotonic

    @classmethod
    def after(cls, seconds: float | None) -> Deadline:
        """The deadline `seconds` from now (None: no deadline)."""
        return cls(None if seconds is None else time.monotonic() + seconds)

    def passed(self) -> bool:
        """Whether the deadline has passed."""
        return self.at is not None and self.clock() > self.at

    def check(self) -> None:
        """Raise OutOfTime when the deadline has passed."""
        if self.at is not None and self.clock() > self.at:
            raise OutOfTime

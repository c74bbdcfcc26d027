"""`Context`: what every stage of one build knows."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from .phases import Phases

if TYPE_CHECKING:
    from ..analysis import AnalyzerSpec
    from ..config import Config


@dataclass(frozen=True)
class Context:
    """What every stage of one build knows: the configuration, the moment that decides which
    dated articles are due, the analyzer, and the phases it reports."""

    config: Config
    now: datetime
    spec: AnalyzerSpec
    phases: Phases
    allow_unpublish: bool = False
    started: float = 0.0  # time.perf_counter() when the build started

    def seconds(self) -> float:
        """Wall time since the build started."""
        return time.perf_counter() - self.started

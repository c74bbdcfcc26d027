"""The exceptions feedindex raises; every one is a FeedindexError."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


class FeedindexError(Exception):
    """Base class of every error feedindex reports on purpose."""


@dataclass(frozen=True)
class ConfigProblem:
    """One bad or unknown key in the configuration."""

    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.key}: {self.message}"


class ConfigError(FeedindexError):
    """The configuration is unusable; `problems` lists every bad key found at once."""

    def __init__(self, problems: list[ConfigProblem], source: Path | None = None) -> None:
        self.problems = tuple(problems)
        self.source = source
        where = f" in {source}" if source else ""
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"{len(self.problems)} configuration problem(s){where}:\n{lines}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (ConfigError, (list(self.problems), self.source))


class ContentError(FeedindexError):
    """One article could not be read; names the file, the front-matter field and the line."""

    def __init__(self, path: Path | str, field: str | None, message: str, line: int | None = None):
        self.path = str(path)
        self.field = field
        self.line = line
        self.message = message
        where = self.path + (f":{line}" if line else "")
        about = f" [{field}]" if field else ""
        super().__init__(f"{where}{about}: {message}")

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from its fields when it comes back from a worker process.
        return (ContentError, (self.path, self.field, self.message, self.line))

    def as_dict(self) -> dict[str, str | int | None]:
        """The error as the JSON object the CLI reports."""
        return {"path": self.path, "field": self.field, "line": self.line, "message": self.message}


class SearchIndexError(FeedindexError):
    """The search index is missing, unreadable or could not be written.

    Not called `IndexError`: that name would shadow the builtin everywhere it is imported.
    """


class QueryError(FeedindexError):
    """A search query or its filters are invalid."""


class LockError(FeedindexError):
    """Another build holds the lock on the output folder."""


class NotAnArticle(FeedindexError):
    """A content file the generator does not publish as an article (a headless bundle, a layout
    page): skipped, not an error."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: not an article: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (NotAnArticle, (self.path, self.reason))

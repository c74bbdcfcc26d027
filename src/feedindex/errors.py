"""The exceptions feedindex raises; every one is a FeedindexError."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_MESSAGE = 500  # characters of an error message kept, stored and shown; the rest is cut
# Characters that would break a message out of its line or hide part of it when printed or
# logged: C0/C1 controls and DEL, line and paragraph separators (str.splitlines splits on them),
# bidirectional overrides, surrogates.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")


def printable(text: str, limit: int | None = None) -> str:
    """`text` on one line with every control character made visible (`\\n`, `\\x1b`, `\\u202e`),
    cut to `limit` characters (with "…") when given; for every name and value printed or logged."""
    return _UNPRINTABLE.sub(_escape, text if limit is None else shorten(text, limit))


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return {9: "\\t", 10: "\\n", 13: "\\r"}.get(code) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def shorten(text: str, limit: int = MAX_MESSAGE) -> str:
    """`text` cut to `limit` characters (with "…"): nothing unbounded is stored or printed."""
    return text if len(text) <= limit else text[:limit] + "…"


class FeedindexError(Exception):
    """Base class of every error feedindex reports on purpose."""


@dataclass(frozen=True)
class ConfigProblem:
    """One bad or unknown key in the configuration."""

    key: str
    message: str

    def __str__(self) -> str:
        return f"{printable(self.key, 100)}: {printable(self.message, MAX_MESSAGE)}"


class ConfigError(FeedindexError):
    """The configuration is unusable; `problems` lists every bad key found at once."""

    def __init__(self, problems: list[ConfigProblem], source: Path | None = None) -> None:
        self.problems = tuple(problems)
        self.source = source
        where = f" in {printable(str(source))}" if source else ""
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"{len(self.problems)} configuration problem(s){where}:\n{lines}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (ConfigError, (list(self.problems), self.source))


class ContentError(FeedindexError):
    """One article could not be read; names the file, the front-matter field and the line.

    The message is cut to MAX_MESSAGE characters, and its text form (what is printed and logged)
    shows control characters in the path and message escaped, so one problem is one line.
    """

    def __init__(self, path: Path | str, field: str | None, message: str, line: int | None = None):
        self.path = str(path)
        self.field = field
        self.line = line
        self.message = shorten(message)
        where = printable(self.path) + (f":{line}" if line else "")
        about = f" [{field}]" if field else ""
        super().__init__(f"{where}{about}: {printable(self.message)}")

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


class OutputError(FeedindexError):
    """The output folder could not be written (disk full, read-only, no permission); what was
    published before is still served."""


class UnpublishError(FeedindexError):
    """A build would have unpublished more than `build.max_unpublish` of the published articles
    at once, and was not allowed to; nothing was written."""

    def __init__(self, unpublished: int, published: int, share: float) -> None:
        self.unpublished = unpublished
        self.published = published
        self.share = share
        super().__init__(
            f"refusing to unpublish {unpublished:,} of the {published:,} published articles at once (more than "
            f"build.max_unpublish = {share:g}); nothing was written and the previous output is still served. "
            "If this is intended, run `feedindex build --allow-unpublish` once"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (UnpublishError, (self.unpublished, self.published, self.share))


class NotAnArticle(FeedindexError):
    """A content file the generator does not publish as an article (a headless bundle, a layout
    page): skipped, not an error."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: not an article: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (NotAnArticle, (self.path, self.reason))

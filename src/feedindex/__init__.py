"""feedindex: RSS, Atom and JSON Feed files and Chinese-first search for Markdown articles.

The public API is imported lazily so that `feedindex --help` and a no-op build stay fast, except
`build` and `search`: each is also the name of the package that holds it (`feedindex.build`,
`feedindex.search`), and importing a submodule binds the submodule's name on its package. So
the two packages are imported here, once (their `__init__` imports nothing heavy), and the names
are then bound to the functions: importing any of their modules later does not change them.
(Import their modules with `from feedindex.build import plan` or `from
feedindex.search.searcher import Searcher`, not `import feedindex.build.plan`.)
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .build import BuildReport, build
from .search import search

_EXPORTS = {
    "load_config": "config",
    "Config": "config",
    "Article": "model",
    "read_articles": "content.reading",
    "Hit": "search.results",
    "SearchResult": "search.results",
    "FeedindexError": "errors",
    "ConfigError": "errors",
    "ContentError": "errors",
    "QueryError": "errors",
    "SearchIndexError": "errors",
}

__all__ = [
    "Article",
    "BuildReport",
    "Config",
    "ConfigError",
    "ContentError",
    "FeedindexError",
    "Hit",
    "QueryError",
    "SearchIndexError",
    "SearchResult",
    "__version__",
    "build",
    "load_config",
    "read_articles",
    "search",
]

if TYPE_CHECKING:
    from .config import Config, load_config
    from .content.reading import read_articles
    from .errors import ConfigError, ContentError, FeedindexError, QueryError, SearchIndexError
    from .model import Article
    from .search.results import Hit, SearchResult


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'feedindex' has no attribute {name!r}")
    return getattr(import_module(f".{module}", __name__), name)

"""feedindex: RSS, Atom and JSON Feed files and Chinese-first search for Markdown articles.

The public API is imported lazily so that `feedindex --help` and a no-op build stay fast, except
`build`: it is also the name of the package that holds it (`feedindex.build`), and importing a
submodule binds the submodule's name on its package. So the package is imported here, once (its
modules import nothing heavy), and `build` is then bound to the function: importing any of
`feedindex.build`'s modules later does not change it. (Import its modules with `from
feedindex.build import plan` or `from feedindex.build.plan import …`, not `import
feedindex.build.plan`.)
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .build import BuildReport, build

_EXPORTS = {
    "load_config": "config",
    "Config": "config",
    "Article": "model",
    "read_articles": "content.reading",
    "search": "query",
    "Hit": "query",
    "SearchResult": "query",
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
    from .query import Hit, SearchResult, search


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'feedindex' has no attribute {name!r}")
    return getattr(import_module(f".{module}", __name__), name)

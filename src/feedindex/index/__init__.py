"""The search index: the Whoosh schema (`schema`), feedindex's codec (`codec`, `postings`), how
segments are merged (`merge`), generations and their atomic switch (`generations`), and writing
them (`write`). Imports nothing heavy: `generations` is what a build with nothing to do uses.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    # Whoosh pickles the codec into every table of contents under the name it had when the index
    # was one module, `feedindex.index._Codec`; unpickling looks it up here.
    if name == "_Codec":
        from .codec import _Codec

        return _Codec
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""`AnalyzerSpec`: which segmenter and dictionary analyse the text, and the identity an index records."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from .synonyms import synonyms_digest

# Bump when the tokens produced for the same text change: the index is rebuilt.
ANALYZER_VERSION = 4
# Bump when the index's fields change (index.schema.make_schema): the index is rebuilt too.
INDEX_SCHEMA = 3


@dataclass(frozen=True)
class AnalyzerSpec:
    """Which segmenter and user dictionary the analyzer uses; small, hashable, picklable."""

    segmenter: str = "rjieba"
    user_dict: str | None = None  # absolute path of a jieba-format user dictionary
    hmm: bool = False  # jieba's HMM guesses new words, differently in short queries and long texts

    def identity(self) -> dict[str, str]:
        """What the index records: a change means the index must be rebuilt."""
        user_dict = Path(self.user_dict).read_bytes() if self.user_dict else b""
        return {
            "analyzer": str(ANALYZER_VERSION),
            "schema": str(INDEX_SCHEMA),
            "segmenter": f"{self.segmenter} {version(self.segmenter)}" + (" hmm" if self.hmm else ""),
            "opencc": version("opencc"),
            "synonyms": synonyms_digest(),
            "user_dict": hashlib.sha256(user_dict).hexdigest()[:16],
        }

"""Text analysis for the index: width folding, jieba segmentation, the Whoosh analyzer.

The only module that imports jieba. Tokens carry ordinal positions (so phrase queries work)
and character offsets into the original text (so highlights land on what the author wrote).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from typing import Any

from whoosh.analysis import Composable, LowercaseFilter, StemFilter, Token, Tokenizer

log = logging.getLogger(__name__)

# Han ideographs (BMP blocks and extension A); everything else is handled without jieba.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(rf"([{_HAN}]+)|([^\W_]+)")

# Full-width ASCII (U+FF01..U+FF5E) and the ideographic space fold to ASCII, one character for
# one character, so offsets into the folded text are offsets into the original.
_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

_jieba_lock = threading.Lock()
_jieba_ready = False


def fold_width(text: str) -> str:
    """Full-width ASCII to ASCII; the result has the same length as `text`."""
    return text.translate(_WIDTH)


def _segmenter() -> Any:
    """jieba, with its dictionary loaded once per process (it costs ~0.7 s)."""
    global _jieba_ready
    import jieba

    if not _jieba_ready:
        with _jieba_lock:
            if not _jieba_ready:
                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba_ready = True
    return jieba


def segment(text: str) -> Iterator[tuple[str, int, int]]:
    """(word, start, end) for each word of `text`: jieba for Han runs, letters/digits otherwise.

    Punctuation and spaces produce no word. Offsets index into `text`.
    """
    folded = fold_width(text)
    for match in _RUNS.finditer(folded):
        if match.group(1):
            base = match.start()
            for word, start, end in _segmenter().tokenize(match.group(1), HMM=True):
                yield word, base + start, base + end
        else:
            yield match.group(0), match.start(), match.end()


class ChineseTokenizer(Tokenizer):  # type: ignore[misc]
    """Whoosh tokenizer over `segment`: ordinal positions, offsets into the original text.

    Holds no state, so Whoosh can pickle it inside the schema.
    """

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = value
            token.boost = 1.0
            token.pos = start_pos
            token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        for position, (word, start, end) in enumerate(segment(value)):
            token.text = word
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = start_pos + position
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


def chinese_analyzer() -> Composable:
    """The analyzer used for every text field, at index and at query time."""
    return ChineseTokenizer() | LowercaseFilter() | StemFilter(lang="en", cachesize=50000)


def analyze(text: str) -> list[str]:
    """The index terms of `text`, in order (for tests and query building)."""
    return [token.text for token in chinese_analyzer()(text)]

"""Text analysis: folding, segmentation, synonyms and the Whoosh tokenizers.

The only module that imports jieba and OpenCC. Every text (index and query) goes through the
same steps:

1. **Fold**: full-width to ASCII, then OpenCC `t2s` character by character. Both keep the
   length, so offsets into the folded text are offsets into the original: highlights land on
   the Traditional text the author wrote.
2. **Split** into Han runs (segmented by jieba, precise mode) and Latin/digit words.
3. **Latin words** are lower-cased and stemmed (English); letter/digit runs are split
   (`Qwen3-Max` → `qwen3` = `qwen` `3`, `max`), versions (`3.1`) and sizes (`128k`) kept whole.
4. **At index time** each long Chinese word also yields its dictionary sub-words, and each word
   its Taiwan/mainland vocabulary synonym (軟體/软件), at the same position.

Positions are ordinal (one per word, one per part of a compound), so phrase queries work.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from importlib.metadata import version
from pathlib import Path
from typing import Any

from whoosh.analysis import Token, Tokenizer
from whoosh.lang.porter import stem as porter_stem

log = logging.getLogger(__name__)

# Bump when the tokens produced for the same text change: the index is rebuilt.
ANALYZER_VERSION = 2
SEGMENTERS = ("jieba",)

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_WORDS = re.compile(
    rf"(?P<han>[{_HAN}]+)"
    r"|(?P<sym>[A-Za-z](?:\+\+|#)(?![A-Za-z0-9#+]))"  # c++ c# f#
    r"|(?P<latin>[A-Za-z0-9]+(?:\.[0-9]+[A-Za-z0-9]*)*)"  # qwen3 128k 3.1 v2.5.1
    r"|(?P<other>[^\W_]+)"  # kana, hangul, accented letters…
)
_PARTS = re.compile(r"[a-z]+|[0-9]+")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# Full-width ASCII (U+FF01..U+FF5E) and the ideographic space fold to ASCII, one for one.
_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


# --- folding -------------------------------------------------------------------------------


@cache
def _opencc(config: str) -> Any:
    import opencc

    return opencc.OpenCC(config)


def fold_width(text: str) -> str:
    """Full-width ASCII to ASCII; the result has the same length as `text`."""
    return text.translate(_WIDTH)


def fold(text: str) -> str:
    """Width-fold, then Traditional → Simplified character by character; same length as `text`.

    OpenCC `t2s` maps characters one to one; should a conversion ever change the length, the
    text is converted character by character instead so offsets stay true.
    """
    folded: str = _opencc("t2s").convert(fold_width(text))
    if len(folded) != len(text):
        convert = _opencc("t2s").convert
        folded = "".join(char if len(simple := convert(char)) != 1 else simple for char in fold_width(text))
    return folded


def to_traditional(text: str) -> str:
    """Simplified → Traditional (character level), for showing a suggestion in the user's script."""
    return str(_opencc("s2t").convert(text))


def lower_ascii(text: str) -> str:
    """ASCII letters lower-cased, nothing else touched (so the length never changes)."""
    return text.translate(_ASCII_LOWER)


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """English stem of a lower-case ASCII word; other words unchanged."""
    return porter_stem(word) if word.isascii() and word.isalpha() and len(word) > 2 else word


# --- synonyms ------------------------------------------------------------------------------


def _read_pairs(name: str) -> list[tuple[str, str]]:
    text = resources.files("feedindex").joinpath("data", name).read_text(encoding="utf-8")
    pairs = []
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            mainland, taiwan = line.split("\t")[:2]
            pairs.append((mainland.strip(), taiwan.strip()))
    return pairs


@cache
def synonyms() -> dict[str, tuple[str, ...]]:
    """Folded word → its vocabulary synonyms across the strait (both directions)."""
    table: dict[str, list[str]] = {}
    for mainland, taiwan in _read_pairs("synonyms.tsv"):
        a, b = fold(mainland), fold(taiwan)
        if a != b:
            table.setdefault(a, []).append(b)
            table.setdefault(b, []).append(a)
    return {word: tuple(dict.fromkeys(others)) for word, others in table.items()}


def synonyms_digest() -> str:
    """A hash of the synonym table, part of the analyzer's identity."""
    data = resources.files("feedindex").joinpath("data", "synonyms.tsv").read_bytes()
    return hashlib.sha256(data).hexdigest()[:16]


# --- segmentation --------------------------------------------------------------------------


@dataclass(frozen=True)
class AnalyzerSpec:
    """Which segmenter and user dictionary the analyzer uses; small, hashable, picklable."""

    segmenter: str = "jieba"
    user_dict: str | None = None  # absolute path of a jieba-format user dictionary
    hmm: bool = False  # jieba's HMM guesses new words, differently in short queries and long texts

    def identity(self) -> dict[str, str]:
        """What the index records: a change means the index must be rebuilt."""
        user_dict = Path(self.user_dict).read_bytes() if self.user_dict else b""
        return {
            "analyzer": str(ANALYZER_VERSION),
            "segmenter": f"{self.segmenter} {version(self.segmenter)}" + (" hmm" if self.hmm else ""),
            "opencc": version("opencc"),
            "synonyms": synonyms_digest(),
            "user_dict": hashlib.sha256(user_dict).hexdigest()[:16],
        }


class Segmenter:
    """jieba with its dictionary loaded once, plus the synonym words and the user dictionary."""

    def __init__(self, spec: AnalyzerSpec) -> None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        self.hmm = spec.hmm
        self.freq: dict[str, int] = self._jieba.FREQ
        # Taiwan words such as 記憶體 (folded 记忆体) must be cut whole to meet their synonyms.
        for word, others in synonyms().items():
            if not self.freq.get(word):
                known = [self.freq.get(other, 0) for other in others]
                self._jieba.add_word(word, freq=min(max([*known, 50]), 50_000))
        if spec.user_dict:
            self._load_user_dict(Path(spec.user_dict))

    def _load_user_dict(self, path: Path) -> None:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            fields = line.split()
            if not fields or fields[0].startswith("#"):
                continue
            word = fold(fields[0])
            freq = int(fields[1]) if len(fields) > 1 and fields[1].isdigit() else None
            self._jieba.add_word(word, freq=freq)
            log.debug("user dictionary %s:%d: %s", path, number, word)

    def cut(self, text: str) -> list[str]:
        """Words of a run of Han characters, precise mode."""
        return list(self._jieba.cut(text, HMM=self.hmm))

    def has_word(self, word: str) -> bool:
        """Whether `word` is in the dictionary."""
        return bool(self.freq.get(word))

    def subwords(self, word: str) -> list[str]:
        """Dictionary words strictly inside `word` (for recall of short queries)."""
        found = []
        for size in range(2, len(word)):
            for start in range(len(word) - size + 1):
                piece = word[start : start + size]
                if self.freq.get(piece):
                    found.append(piece)
        return found


_segmenters: dict[AnalyzerSpec, Segmenter] = {}
_segmenters_lock = threading.Lock()


def segmenter(spec: AnalyzerSpec) -> Segmenter:
    """The process's segmenter for `spec`, built on first use (jieba's dictionary: ~0.7 s)."""
    found = _segmenters.get(spec)
    if found is None:
        with _segmenters_lock:
            found = _segmenters.get(spec)
            if found is None:
                found = _segmenters[spec] = Segmenter(spec)
    return found


def segmenter_loaded() -> bool:
    """Whether any segmenter (and so jieba) has been initialised in this process."""
    return bool(_segmenters)


# --- words ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    """One word of analysed text: its index form, its parts, where it stands in the original."""

    text: str  # folded, lower-cased, stemmed: the term in the index
    parts: tuple[str, ...]  # the atomic terms, one position each (just `text` for most words)
    start: int  # offsets into the original text
    end: int
    han: bool


def _latin(word: str, start: int, end: int) -> Word:
    lowered = word.lower()
    if "+" in lowered or "#" in lowered:
        return Word(lowered, (lowered,), start, end, False)
    parts = tuple(stem(part) for part in _PARTS.findall(lowered))
    whole = stem(lowered) if len(parts) == 1 else lowered
    return Word(whole, parts or (whole,), start, end, False)


def words(text: str, spec: AnalyzerSpec) -> list[Word]:
    """The words of `text` in order; punctuation and spaces produce none."""
    folded = fold(text)
    found: list[Word] = []
    for match in _WORDS.finditer(folded):
        start, end = match.span()
        if match.lastgroup == "han":
            position = start
            for piece in segmenter(spec).cut(match.group()):
                found.append(Word(piece, (piece,), position, position + len(piece), True))
                position += len(piece)
        elif match.lastgroup == "other":
            lowered = match.group().lower()
            found.append(Word(lowered, (lowered,), start, end, False))
        else:
            found.append(_latin(match.group(), start, end))
    return found


def index_terms(word: Word, spec: AnalyzerSpec) -> list[str]:
    """Extra terms the index stores at a word's position: sub-words and synonyms."""
    extra = [word.text] if len(word.parts) > 1 else []
    if word.han:
        inner = segmenter(spec).subwords(word.text) if len(word.text) > 2 else []
        extra += inner
        table = synonyms()
        for term in (word.text, *inner):
            extra += table.get(term, ())
    return list(dict.fromkeys(term for term in extra if term not in word.parts))


def bigrams(text: str) -> Iterator[tuple[str, int, int]]:
    """(term, start, end): overlapping Han bigrams (a lone character alone) and Latin words.

    The fallback field: it finds a phrase whatever the segmenter made of it. Latin words are kept
    unstemmed, whole and, for compounds, also in parts (`qwen3` → `qwen3`, `qwen`, `3`), which
    gives "did you mean" real words to propose.
    """
    folded = fold(text)
    for match in _WORDS.finditer(folded):
        start, end = match.span()
        run = match.group()
        if match.lastgroup != "han":
            lowered = run.lower()
            yield lowered, start, end
            parts = _PARTS.findall(lowered) if match.lastgroup == "latin" else []
            for part in parts if len(parts) > 1 else ():
                yield part, start, end
        elif len(run) == 1:
            yield run, start, end
        else:
            for offset in range(len(run) - 1):
                yield run[offset : offset + 2], start + offset, start + offset + 2


# --- Whoosh tokenizers ---------------------------------------------------------------------


class _SpecTokenizer(Tokenizer):  # type: ignore[misc]
    """A Whoosh tokenizer that holds only its AnalyzerSpec, so Whoosh can pickle the schema."""

    def __init__(self, spec: AnalyzerSpec) -> None:
        self.spec = spec

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _SpecTokenizer) and type(other) is type(self) and other.spec == self.spec

    def __hash__(self) -> int:
        return hash((type(self), self.spec))

    def terms(self, value: str) -> Iterator[tuple[str, int, int, int]]:
        """(term, position, start, end) of each token of `value`."""
        raise NotImplementedError

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        start_pos: int = 0,
        start_char: int = 0,
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, **{key: kwargs[key] for key in ("removestops", "mode") if key in kwargs})
        for text, position, start, end in self.terms(value):
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = start_pos + position
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


class ChineseTokenizer(_SpecTokenizer):
    """The text fields' tokenizer: words, parts, sub-words and synonyms with ordinal positions."""

    def terms(self, value: str) -> Iterator[tuple[str, int, int, int]]:
        position = 0
        for word in words(value, self.spec):
            for offset, part in enumerate(word.parts):
                yield part, position + offset, word.start, word.end
            for extra in index_terms(word, self.spec):
                yield extra, position, word.start, word.end
            position += len(word.parts)


class BigramTokenizer(_SpecTokenizer):
    """The fallback field's tokenizer: Han bigrams and Latin words, ordinal positions."""

    def terms(self, value: str) -> Iterator[tuple[str, int, int, int]]:
        return ((text, number, start, end) for number, (text, start, end) in enumerate(bigrams(value)))


def chinese_analyzer(spec: AnalyzerSpec | None = None) -> ChineseTokenizer:
    """The analyzer of every text field (a tokenizer alone: folding and stemming are inside)."""
    return ChineseTokenizer(spec or AnalyzerSpec())


def bigram_analyzer(spec: AnalyzerSpec | None = None) -> BigramTokenizer:
    """The analyzer of the fallback bigram field."""
    return BigramTokenizer(spec or AnalyzerSpec())


def analyze(text: str, spec: AnalyzerSpec | None = None) -> list[str]:
    """The index terms of `text` in order (for tests and tools)."""
    return [token.text for token in chinese_analyzer(spec)(text)]

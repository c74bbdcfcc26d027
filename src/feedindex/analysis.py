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
   its Taiwan/mainland vocabulary synonym (軟體/软件) with the synonym's own sub-words (演练 also
   gives 逐步解说, 逐步, 解说), at the same position; a few synonyms go
   one way only (a Taiwan text's 建置 also gives 生成, a mainland 生成 gives no 建置: it may mean
   "generate").

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
ANALYZER_VERSION = 4
# The weight (term frequency) of a synonym the index stores beside a word, against 1 for the word
# as written and its sub-words: a match through a vocabulary bridge (选择 → 选取) is weaker
# evidence than the word itself, so an article that says what the visitor typed ranks first.
SYNONYM_WEIGHT = 0.25
# Bump when the index's fields change (index.make_schema): the index is rebuilt too.
INDEX_SCHEMA = 3
SEGMENTERS = ("jieba", "rjieba")

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_WORDS = re.compile(
    rf"(?P<han>[{_HAN}]+)"
    r"|(?P<sym>[A-Za-z](?:\+\+|#)(?![A-Za-z0-9#+]))"  # c++ c# f#
    r"|(?P<latin>[A-Za-z0-9]+(?:\.[0-9]+[A-Za-z0-9]*)*)"  # qwen3 128k 3.1 v2.5.1
    r"|(?P<other>[^\W_]+)"  # kana, hangul, accented letters…
)
_PARTS = re.compile(r"[a-z]+|[0-9]+")
# Full-width ASCII (U+FF01..U+FF5E) and the ideographic space fold to ASCII, one for one.
_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_FULL_WIDTH = re.compile("[\uff01-\uff5e\u3000]+")
_UPPER_ASCII = re.compile("[A-Z]+")


# --- folding -------------------------------------------------------------------------------


@cache
def _opencc(config: str) -> Any:
    import opencc

    return opencc.OpenCC(config)


def fold_width(text: str) -> str:
    """Full-width ASCII to ASCII; the result has the same length as `text`."""
    # Translating only the runs that need it: 4x faster than translating every character.
    return _FULL_WIDTH.sub(lambda run: run.group().translate(_WIDTH), text)


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
    if text.isascii():
        return text.lower()
    return _UPPER_ASCII.sub(lambda run: run.group().lower(), text)  # 2x faster than translate


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """English stem of a lower-case ASCII word; other words unchanged."""
    return porter_stem(word) if word.isascii() and word.isalpha() and len(word) > 2 else word


# --- synonyms ------------------------------------------------------------------------------


# The optional third column of synonyms.tsv: which text gets the other word (absent: both).
INTO_MAINLAND = "into-mainland"  # only mainland text gets the Taiwan word
INTO_TAIWAN = "into-taiwan"  # only Taiwan text gets the mainland word


def _read_pairs(name: str) -> list[tuple[str, str, str]]:
    text = resources.files("feedindex").joinpath("data", name).read_text(encoding="utf-8")
    pairs = []
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            fields = [field.strip() for field in line.split("\t")]
            pairs.append((fields[0], fields[1], fields[2] if len(fields) > 2 else ""))
    return pairs


def _table(one_way: bool) -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {}
    for mainland, taiwan, direction in _read_pairs("synonyms.tsv"):
        a, b = fold(mainland), fold(taiwan)
        if a == b:
            continue
        if not one_way or direction != INTO_TAIWAN:
            table.setdefault(a, []).append(b)
        if not one_way or direction != INTO_MAINLAND:
            table.setdefault(b, []).append(a)
    return {word: tuple(dict.fromkeys(others)) for word, others in table.items()}


@cache
def synonyms() -> dict[str, tuple[str, ...]]:
    """Folded word → its vocabulary synonyms across the strait, in both directions (what a query
    word may have matched: for highlighting)."""
    return _table(one_way=False)


@cache
def index_synonyms() -> dict[str, tuple[str, ...]]:
    """Folded word → the synonyms the index stores beside it (one-way pairs only one way)."""
    return _table(one_way=True)


def synonyms_digest() -> str:
    """A hash of the synonym table, part of the analyzer's identity."""
    data = resources.files("feedindex").joinpath("data", "synonyms.tsv").read_bytes()
    return hashlib.sha256(data).hexdigest()[:16]


# --- segmentation --------------------------------------------------------------------------


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


class Segmenter:
    """jieba (or jieba-rs) with its dictionary loaded once, the synonym words and the user dictionary.

    `segmenter = "rjieba"` (the default) uses jieba-rs through the rjieba binding: the same
    dictionary and algorithm as jieba, compiled; `"jieba"` uses jieba itself. Both are used
    without HMM, so they cut the same way but for rare edge cases (equal scores on the search
    quality benchmark); the index records which one built it.
    """

    def __init__(self, spec: AnalyzerSpec) -> None:
        self._extras: dict[str, tuple[tuple[str, float], ...]] = {}
        self._engine = _RustJieba(spec.hmm) if spec.segmenter == "rjieba" else _Jieba(spec.hmm)
        self.has_word = self._engine.has_word
        # Taiwan words such as 記憶體 (folded 记忆体) must be cut whole to meet their synonyms.
        for word, others in synonyms().items():
            if not self.has_word(word):
                known = [self._engine.frequency(other) for other in others]
                self._engine.add_word(word, min(max([*known, 50]), 50_000))
        if spec.user_dict:
            for word, count in _user_words(Path(spec.user_dict)):
                self._engine.add_word(word, count)

    def cut(self, text: str) -> list[str]:
        """Words of a run of Han characters, precise mode."""
        return self._engine.cut(text)

    def subwords(self, word: str) -> list[str]:
        """Dictionary words strictly inside `word` (for recall of short queries)."""
        found = []
        for size in range(2, len(word)):
            for start in range(len(word) - size + 1):
                piece = word[start : start + size]
                if self.has_word(piece):
                    found.append(piece)
        return found

    def extras(self, word: str) -> tuple[str, ...]:
        """What the index stores at a Chinese word's position besides it: its sub-words and the
        synonyms of it and of them."""
        return tuple(term for term, _ in self.weighted_extras(word))

    def weighted_extras(self, word: str) -> tuple[tuple[str, float], ...]:
        """`extras` with their weights: 1 for a sub-word, SYNONYM_WEIGHT for a synonym and the
        synonym's own sub-words (a mainland 演练 is indexed as if it also said 逐步解说, so the
        query 逐步 finds it as it finds a Taiwan 逐步解說). Cached: words repeat a lot."""
        found = self._extras.get(word)
        if found is None:
            inner = self.subwords(word) if len(word) > 2 else []
            table = index_synonyms()
            weights = dict.fromkeys(inner, 1.0)
            for term in (word, *inner):
                for synonym in table.get(term, ()):
                    for extra in (synonym, *(self.subwords(synonym) if len(synonym) > 2 else ())):
                        weights.setdefault(extra, SYNONYM_WEIGHT)
            found = self._extras[word] = tuple((term, weight) for term, weight in weights.items() if term != word)
        return found


class _Jieba:
    """jieba (pure Python)."""

    def __init__(self, hmm: bool) -> None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        self.hmm = hmm
        self.tokenizer = jieba.Tokenizer()
        self.tokenizer.initialize()
        self.freq: dict[str, int] = self.tokenizer.FREQ

    def cut(self, text: str) -> list[str]:
        return list(self.tokenizer.cut(text, HMM=self.hmm))

    def has_word(self, word: str) -> bool:
        return bool(self.freq.get(word))

    def frequency(self, word: str) -> int:
        return self.freq.get(word, 0)

    def add_word(self, word: str, frequency: int | None) -> None:
        self.tokenizer.add_word(word, frequency)


class _RustJieba:
    """jieba-rs through the rjieba binding: the same dictionary and algorithm, compiled."""

    def __init__(self, hmm: bool) -> None:
        import rjieba

        self.hmm = hmm
        self.engine = rjieba.Jieba()

    def cut(self, text: str) -> list[str]:
        return list(self.engine.cut(text, hmm=self.hmm))

    def has_word(self, word: str) -> bool:
        return bool(self.engine.has_word(word))

    def frequency(self, word: str) -> int:
        return SYNONYM_FREQUENCY if self.engine.has_word(word) else 0  # jieba-rs does not tell

    def add_word(self, word: str, frequency: int | None) -> None:
        self.engine.add_word(word, frequency, None)


SYNONYM_FREQUENCY = 1000  # the frequency a synonym gets where the segmenter cannot tell its own


def _user_words(path: Path) -> Iterator[tuple[str, int | None]]:
    """(folded word, frequency or None) of each line of a jieba-format user dictionary."""
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split()
        if fields and not fields[0].startswith("#"):
            yield fold(fields[0]), int(fields[1]) if len(fields) > 1 and fields[1].isdigit() else None


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


@lru_cache(maxsize=100_000)
def latin_forms(word: str) -> tuple[str, tuple[str, ...]]:
    """A Latin/digit word's index form and its parts: `Qwen3` → (`qwen3`, (`qwen`, `3`))."""
    lowered = word.lower()
    if "+" in lowered or "#" in lowered:
        return lowered, (lowered,)
    parts = tuple(stem(part) for part in _PARTS.findall(lowered))
    whole = stem(lowered) if len(parts) == 1 else lowered
    return whole, parts or (whole,)


def _latin(word: str, start: int, end: int) -> Word:
    whole, parts = latin_forms(word)
    return Word(whole, parts, start, end, False)


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
    """Extra terms the index stores at a word's position: the whole of a compound, sub-words and
    synonyms."""
    if word.han:
        return list(segmenter(spec).extras(word.text))
    return [word.text] if len(word.parts) > 1 else []


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

    def terms(self, value: str) -> Iterator[tuple[str, int, int, int, float]]:
        """(term, position, start, end, weight) of each token of `value`."""
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
        for text, position, start, end, weight in self.terms(value):
            token.text = text
            token.boost = weight  # Whoosh sums the boosts of a term's tokens into its weight
            token.stopped = False
            if positions:
                token.pos = start_pos + position
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


class ChineseTokenizer(_SpecTokenizer):
    """The text fields' tokenizer: words, parts, sub-words and synonyms with ordinal positions.

    The same terms as `words` + `index_terms`, produced without building a Word per token:
    this runs over every article at every full build.
    """

    def terms(self, value: str) -> Iterator[tuple[str, int, int, int, float]]:
        folded = fold(value)
        cutter = segmenter(self.spec)
        position = 0
        for match in _WORDS.finditer(folded):
            kind = match.lastgroup
            start, end = match.span()
            if kind == "han":
                for piece in cutter.cut(match.group()):
                    stop = start + len(piece)
                    yield piece, position, start, stop, 1.0
                    for extra, weight in cutter.weighted_extras(piece):
                        yield extra, position, start, stop, weight
                    position += 1
                    start = stop
            elif kind == "other":
                yield match.group().lower(), position, start, end, 1.0
                position += 1
            else:
                whole, parts = latin_forms(match.group())
                for offset, part in enumerate(parts):
                    yield part, position + offset, start, end, 1.0
                if len(parts) > 1:
                    yield whole, position, start, end, 1.0
                position += len(parts)


class BigramTokenizer(_SpecTokenizer):
    """The fallback field's tokenizer: Han bigrams and Latin words, ordinal positions."""

    def terms(self, value: str) -> Iterator[tuple[str, int, int, int, float]]:
        return ((text, number, start, end, 1.0) for number, (text, start, end) in enumerate(bigrams(value)))


def chinese_analyzer(spec: AnalyzerSpec | None = None) -> ChineseTokenizer:
    """The analyzer of every text field (a tokenizer alone: folding and stemming are inside)."""
    return ChineseTokenizer(spec or AnalyzerSpec())


def bigram_analyzer(spec: AnalyzerSpec | None = None) -> BigramTokenizer:
    """The analyzer of the fallback bigram field."""
    return BigramTokenizer(spec or AnalyzerSpec())


def analyze(text: str, spec: AnalyzerSpec | None = None) -> list[str]:
    """The index terms of `text` in order (for tests and tools)."""
    return [token.text for token in chinese_analyzer(spec)(text)]

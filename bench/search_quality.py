"""Known-item search quality: feedindex against a stock jieba + Whoosh index, on the same corpus.

What it measures
    Every query is made from one article (its target) and matches that article only, so the right
    answer is known. Each system answers with its top 10 slugs; per query type and overall the
    benchmark reports MRR@10 (1/rank of the target, 0 when it is not in the top 10) and recall@10
    (target in the top 10), the median and p95 query latency, and the time to build each index.
    Two systems run in one process over the same texts (`read_articles`, published articles only):

    * feedindex: `feedindex.build` into a scratch folder (the time includes reading the
      content and writing the feeds), then one open `feedindex.search.searcher.Searcher` answers every query.
    * baseline, "the home-made jieba+Whoosh script": Whoosh with slug=ID, title and body TEXT
      fields analysed by `jieba.analyse.ChineseAnalyzer`, queries parsed by
      `MultifieldParser(["title", "body"])` (every word required) and searched with limit=10.
      The index is opened once; each query gets its own searcher. Parser errors count as misses.

How queries are made (seeded, deterministic: same corpus + seed = same queries)
    Text is normalised for every check: full width folded to ASCII, lowercased, Traditional folded
    to Simplified character by character (OpenCC t2s), whitespace removed (which can only make a
    check stricter). "Unique" means: a phrase is a substring of the target's title + body and of no
    other article's; a word combination has every word in the target and no other article holds
    them all. Word frequencies (df) are counted the same way (articles containing the word).

    * phrase: 4-12 characters (at least 4 Han, a few Latin allowed) copied from one clause of the
      body, cut at jieba word boundaries (dictionary words, HMM off), unique.
    * keywords: 2-3 jieba words of the body with df <= 1 % of the corpus, not adjacent in the text
      and not parts of each other, joined by spaces; unique in combination.
    * title: a piece of the title (a substring of 4-16 characters cut at word boundaries, or 2-3 of
      its words joined by spaces), unique.
    * other_script: a phrase, keywords or title query (in turn) converted to the other script with
      OpenCC's character-level configs: t2s for a Traditional article, s2tw for a Simplified one
      (by which kind of script-specific characters the article has more of); the converted text
      must differ from the original and be unique too.
    * english: 1-3 English words (3+ letters, no stop words, df <= 5 %), either consecutive (a
      phrase as written) or separate; unique in combination.
    * mixed: one Chinese word (df <= 1 %) and one English word (df <= 5 %) of the article, in
      random order; unique in combination.
    * salient: 2-3 words the article is about, drawn in proportion to tf * idf from its body
      words that other articles use too (2 <= df <= 5 %); NOT unique: up to 20 articles may hold
      them all, so ranking decides (known-item query simulation after Azzopardi et al., 2007).
    * translated_title: only with --translations (or CORPUS/translations.json): the title of the
      same page in the other locale (zh-CN for a zh-TW page and back), whole when short, else a
      piece of it or 2-3 of its words, punctuation typed away; the target must NOT contain it as
      written (only vocabulary bridges such as 项目/專案 find it) and no other article's title may.
      `bench/make_heldout.py` writes these pairs for the held-out corpus and the tuning corpus.

    Queries made only of very common words (df > 5 %, English stop words, single characters) are
    skipped. Targets are drawn at random without repetition per type until --per-type queries
    exist; a type that runs out of usable articles reports fewer.

How to run
    python bench/search_quality.py /tmp/corpus/real-zh-5k [--per-type 200] [--seed 7] [--out DIR] [--json FILE]
        [--translations FILE]
    python bench/search_quality.py /tmp/heldout-1k --per-type 150     # the held-out corpus (make_heldout.py)

    The corpus folder is `../shared/corpus/real-zh-5k.tar.xz` unpacked (`tar -xJf ... -C /tmp/corpus`).
    --out keeps the built indexes in DIR/feedindex and DIR/baseline (replaced if they exist);
    without it they go to a temporary folder. --json writes every query with both systems' top 10.
    The table goes to stdout, progress to stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import operator
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import jieba
import opencc
from jieba.analyse import ChineseAnalyzer
from whoosh import index as whoosh_index
from whoosh.fields import ID, TEXT, Schema
from whoosh.qparser import MultifieldParser

from feedindex.build import BuildReport, build
from feedindex.config import Config, config_from_mapping
from feedindex.content.reading import read_articles
from feedindex.search.searcher import Searcher as FeedindexSearcher

TOP_K = 10
KINDS = ("phrase", "keywords", "salient", "title", "other_script", "english", "mixed", "translated_title")
BASE_KINDS = ("phrase", "keywords", "title")  # what other_script queries are made from, in turn
TRIES_PER_ARTICLE = 12
COMMON_DF = 0.05  # a word in more than this share of the articles is "very common"
RARE_DF = 0.01  # keyword and mixed-query Chinese words are in at most this share
SALIENT_MAX_MATCHES = 20  # a salient-words query may match up to this many articles (the target among them)
PHRASE_CHARS = (4, 12)
PHRASE_MIN_HAN = 4
PHRASE_MAX_LATIN = 8
TITLE_CHARS = (4, 16)
WHOLE_TITLE_MAX = 8  # a title this short may be used whole as its own "piece"
WHOLE_TRANSLATED_MAX = 12  # a translated title this short (without spaces) is typed whole
FAILURES_SHOWN = 10
SAMPLES_SHOWN = 3

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAN_CHAR = re.compile(f"[{HAN}]")
HAN_WORD = re.compile(f"[{HAN}]{{2,}}")
ASCII_WORD = re.compile(r"[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*")
LATIN_CHAR = re.compile(r"[A-Za-z0-9]")
SPAN_PART = re.compile(f"[{HAN}]+|[A-Za-z0-9]+| ")  # what a copied phrase may hold: no punctuation
ENGLISH_WORD = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z]{3,}(?![A-Za-z0-9_])")
ENGLISH_RUN = re.compile(r"(?<![A-Za-z0-9_.])[A-Za-z]{3,}(?: [A-Za-z]{3,})*(?![A-Za-z0-9_])")
WHITESPACE = re.compile(r"\s+")
# What a visitor leaves out when typing a title: brackets, quotes, CJK punctuation, separators.
TYPED_AWAY = re.compile(r"[()（）\[\]【】「」『』《》〈〉“”‘’\"'、，,。：:；;！!？?|｜/\\·•—–]+")
WIDTH = {code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)} | {0x3000: " "}
_STOP_WORDS = """
a about after all also an and any are as at be been before but by can could did do does each for from get has have
how if in into is it its may more most must new no not of on one only or other our out over same see set should so some
such than that the their them then there these they this those to two use used uses using via was we were what when
where which who why will with would yet you your
"""
ENGLISH_STOP_WORDS = frozenset(_STOP_WORDS.split())

log = logging.getLogger("search_quality")
_started = time.perf_counter()


def progress(message: str) -> None:
    """One progress line on stderr, with the seconds since the start."""
    print(f"[{time.perf_counter() - _started:7.1f} s] {message}", file=sys.stderr, flush=True)


# --- text: folding, normalising, which articles contain what --------------------------------


class Folder:
    """Length-preserving folding (full width to ASCII, Traditional to Simplified per character)."""

    def __init__(self) -> None:
        self._t2s = opencc.OpenCC("t2s")
        self._s2tw = opencc.OpenCC("s2tw")
        self._table: dict[int, str] = dict(WIDTH)
        self._traditional: set[str] = set()  # characters t2s changes
        self._simplified: set[str] = set()  # characters s2tw changes
        self._seen: set[str] = set()

    def _learn(self, text: str) -> None:
        for char in set(text) - self._seen:
            self._seen.add(char)
            if char < "\u2e80":
                continue
            simplified = self._t2s.convert(char)
            if simplified != char and len(simplified) == 1:
                self._table[ord(char)] = simplified
                self._traditional.add(char)
            if self._s2tw.convert(char) != char:
                self._simplified.add(char)

    def fold(self, text: str) -> str:
        """`text` with full width folded and Traditional characters made Simplified; same length."""
        self._learn(text)
        return text.translate(self._table)

    def normalise(self, text: str) -> str:
        """The form every uniqueness and frequency check compares: folded, lowercased, no whitespace."""
        return WHITESPACE.sub("", self.fold(text).lower())

    def conversion(self, text: str) -> str:
        """The OpenCC config that takes `text` to the other script: "t2s" or "s2tw"."""
        self._learn(text)
        traditional = sum(1 for char in text if char in self._traditional)
        simplified = sum(1 for char in text if char in self._simplified)
        return "t2s" if traditional >= simplified and traditional else "s2tw"


class CorpusIndex:
    """Which articles contain a (normalised) string: bigram postings, then a substring check."""

    def __init__(self, texts: Sequence[str]) -> None:
        self._texts = texts
        self._postings: defaultdict[str, list[int]] = defaultdict(list)
        for number, text in enumerate(texts):
            for bigram in set(map(operator.add, text, text[1:])):
                self._postings[bigram].append(number)
        self._found: dict[str, frozenset[int]] = {}

    def __len__(self) -> int:
        return len(self._texts)

    def containing(self, term: str) -> frozenset[int]:
        """The numbers of the articles whose text contains `term`."""
        found = self._found.get(term)
        if found is None:
            found = self._found[term] = frozenset(n for n in self._candidates(term) if term in self._texts[n])
        return found

    def _candidates(self, term: str) -> Iterable[int]:
        if len(term) < 2:
            return range(len(self._texts))
        lists = sorted((self._postings.get(term[i : i + 2], []) for i in range(len(term) - 1)), key=len)
        if len(lists) > 1 and len(lists[0]) > 64:
            return set(lists[0]).intersection(lists[1])
        return lists[0]


# --- queries ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Doc:
    """The texts the index sees for one article."""

    slug: str
    title: str
    body: str


@dataclass(frozen=True)
class Word:
    """One jieba token: as written, and folded (same length)."""

    text: str
    folded: str


@dataclass(frozen=True)
class Candidate:
    """A query being considered: a phrase (substring check) or a combination of its words."""

    text: str
    combination: bool


@dataclass(frozen=True)
class KnownItemQuery:
    """A query and the slug of the one article it was made from."""

    kind: str
    text: str
    target: str
    base_kind: str  # other_script: the kind it was made as before conversion; else `kind`
    original: str  # other_script: the text before conversion; else `text`


class QueryMaker:
    """Makes candidate queries from one article and keeps those that only that article matches."""

    def __init__(self, docs: Sequence[Doc], translations: dict[str, str] | None = None) -> None:
        self.docs = docs
        self.translations = translations or {}  # slug -> the other locale's title of the same page
        self.folder = Folder()
        self.normalised = [self.folder.normalise(f"{doc.title}\n{doc.body}") for doc in docs]
        self.normalised_titles = [self.folder.normalise(doc.title) for doc in docs]
        self.corpus = CorpusIndex(self.normalised)
        self.common_df = max(2, int(COMMON_DF * len(docs)))
        self.rare_df = max(2, int(RARE_DF * len(docs)))
        self._converters = {name: opencc.OpenCC(name) for name in ("t2s", "s2tw")}
        self._body_words: dict[int, list[Word]] = {}
        self._han_pools: dict[int, list[str]] = {}
        self._english: dict[int, tuple[list[str], list[str]]] = {}

    # -- checks

    def df(self, word: str) -> int:
        """In how many articles `word` occurs (normalised substring)."""
        return len(self.corpus.containing(self.folder.normalise(word)))

    def matches(self, candidate: Candidate) -> frozenset[int]:
        """The articles that contain the candidate's phrase, or all of its words."""
        if not candidate.combination:
            return self.corpus.containing(self.folder.normalise(candidate.text))
        sets = sorted((self.corpus.containing(self.folder.normalise(w)) for w in candidate.text.split()), key=len)
        return sets[0].intersection(*sets[1:])

    def unique(self, candidate: Candidate, number: int) -> bool:
        """Whether article `number` is the only one the candidate matches."""
        return self.matches(candidate) == {number}

    def distinctive(self, words: Iterable[str]) -> bool:
        """Whether at least one of `words` is a content word that is not very common."""
        return any(self._content_word(word) and self.df(word) <= self.common_df for word in words)

    def _content_word(self, word: str) -> bool:
        folded = self.folder.fold(word)
        if HAN_WORD.fullmatch(folded):
            return True
        return len(folded) >= 3 and bool(ASCII_WORD.fullmatch(folded)) and folded.lower() not in ENGLISH_STOP_WORDS

    @staticmethod
    def _title_word(folded: str) -> bool:
        if HAN_WORD.fullmatch(folded):
            return True
        return len(folded) >= 2 and bool(ASCII_WORD.fullmatch(folded)) and folded.lower() not in ENGLISH_STOP_WORDS

    # -- pieces of an article

    def segment(self, text: str) -> list[Word]:
        """jieba's words of `text` (segmented in folded form, returned as written)."""
        folded = self.folder.fold(text)
        return [Word(text[start:end], word) for word, start, end in jieba.tokenize(folded, HMM=False)]

    def body_words(self, number: int) -> list[Word]:
        """The words of an article's body (cached)."""
        if number not in self._body_words:
            self._body_words[number] = self.segment(self.docs[number].body)
        return self._body_words[number]

    def han_pool(self, number: int) -> list[str]:
        """The article's distinct Chinese words with df <= RARE_DF, in order of first use."""
        if number not in self._han_pools:
            distinct = dict.fromkeys(w.text for w in self.body_words(number) if HAN_WORD.fullmatch(w.folded))
            self._han_pools[number] = [word for word in distinct if self.df(word) <= self.rare_df]
        return self._han_pools[number]

    def salient(self, number: int, rng: random.Random) -> Candidate | None:
        """2-3 words the article is about: drawn in proportion to tf * idf among its body words
        that other articles use too (df 2 .. COMMON_DF); NOT unique, up to SALIENT_MAX_MATCHES
        articles may hold them all (known-item queries after Azzopardi et al. 2007)."""
        words, weights = self._salient_pool(number)
        if len(words) < 2:
            return None
        for _ in range(TRIES_PER_ARTICLE):
            size = min(len(words), rng.choice((2, 3)))
            chosen: list[str] = []
            while len(chosen) < size:
                word = rng.choices(words, weights)[0]
                if word not in chosen:
                    chosen.append(word)
            if self._overlapping(chosen):
                continue
            candidate = Candidate(" ".join(chosen), combination=True)
            if len(self.matches(candidate)) <= SALIENT_MAX_MATCHES:
                return candidate
        return None

    def _salient_pool(self, number: int) -> tuple[list[str], list[float]]:
        counts = Counter(
            w.text
            for w in self.body_words(number)
            if HAN_WORD.fullmatch(w.folded) or (len(w.folded) >= 3 and ENGLISH_WORD.fullmatch(w.folded))
        )
        words, weights = [], []
        for word, tf in sorted(counts.items()):
            if word.lower() in ENGLISH_STOP_WORDS:
                continue
            df = self.df(word)
            if 2 <= df <= self.common_df:
                words.append(word)
                weights.append(tf * math.log(len(self.docs) / df))
        return words, weights

    def english(self, number: int) -> tuple[list[str], list[str]]:
        """The article's English runs (consecutive words) and its distinct not-common English words."""
        if number not in self._english:
            folded = self.folder.fold(self.docs[number].body)
            runs = [match.group(0) for match in ENGLISH_RUN.finditer(folded)]
            distinct = {match.group(0).lower(): match.group(0) for match in ENGLISH_WORD.finditer(folded)}
            pool = [
                word
                for key, word in distinct.items()
                if key not in ENGLISH_STOP_WORDS and self.df(key) <= self.common_df
            ]
            self._english[number] = (runs, pool)
        return self._english[number]

    def random_span(self, words: Sequence[Word], rng: random.Random, chars: tuple[int, int]) -> list[Word] | None:
        """Consecutive words without punctuation, starting and ending on a non-space, `chars` long."""
        starts = [i for i, word in enumerate(words) if word.folded != " " and SPAN_PART.fullmatch(word.folded)]
        if not starts:
            return None
        first = rng.choice(starts)
        ends, length = [], 0
        for last in range(first, len(words)):
            folded = words[last].folded
            length += len(folded)
            if length > chars[1] or not SPAN_PART.fullmatch(folded):
                break
            if folded != " " and length >= chars[0]:
                ends.append(last)
        return list(words[first : rng.choice(ends) + 1]) if ends else None

    # -- the query types

    def phrase(self, number: int, rng: random.Random) -> Candidate | None:
        """A run of 4-12 characters of mostly Chinese text from the body, unique."""
        words = self.body_words(number)
        for _ in range(TRIES_PER_ARTICLE):
            span = self.random_span(words, rng, PHRASE_CHARS)
            if span is None:
                return None
            text = "".join(word.text for word in span)
            if len(HAN_CHAR.findall(text)) < PHRASE_MIN_HAN or len(LATIN_CHAR.findall(text)) > PHRASE_MAX_LATIN:
                continue
            candidate = Candidate(text, combination=False)
            if self.distinctive(word.text for word in span) and self.unique(candidate, number):
                return candidate
        return None

    def keywords(self, number: int, rng: random.Random) -> Candidate | None:
        """2-3 rare Chinese words of the body, not adjacent, unique in combination."""
        pool = self.han_pool(number)
        if len(pool) < 2:
            return None
        for _ in range(TRIES_PER_ARTICLE):
            chosen = rng.sample(pool, min(len(pool), rng.choice((2, 3))))
            if self._overlapping(chosen) or self._adjacent(number, chosen):
                continue
            candidate = Candidate(" ".join(chosen), combination=True)
            if self.unique(candidate, number):
                return candidate
        return None

    def _overlapping(self, words: Sequence[str]) -> bool:
        forms = [self.folder.normalise(word) for word in words]
        return any(a in b for i, a in enumerate(forms) for j, b in enumerate(forms) if i != j)

    def _adjacent(self, number: int, words: Sequence[str]) -> bool:
        forms = [self.folder.normalise(word) for word in words]
        text = self.normalised[number]
        return any(a + b in text for i, a in enumerate(forms) for j, b in enumerate(forms) if i != j)

    def title(self, number: int, rng: random.Random) -> Candidate | None:
        """A piece of the title: a substring of 4+ characters or 2-3 of its words; unique."""
        title = self.docs[number].title
        words = self.segment(title)
        for _ in range(TRIES_PER_ARTICLE):
            if rng.random() < 0.5:
                candidate, parts = self._title_piece(title, words, rng)
            else:
                candidate, parts = self._title_words(words, rng)
            if candidate and self.distinctive(parts) and self.unique(candidate, number):
                return candidate
        return None

    def _title_piece(
        self, title: str, words: Sequence[Word], rng: random.Random, whole: bool = False
    ) -> tuple[Candidate | None, list[str]]:
        span = self.random_span(words, rng, TITLE_CHARS)
        if span is None:
            return None, []
        text = "".join(word.text for word in span)
        if text == title.strip() and len(text) > WHOLE_TITLE_MAX and not whole:
            return None, []
        return Candidate(text, combination=False), [word.text for word in span]

    def _title_words(self, words: Sequence[Word], rng: random.Random) -> tuple[Candidate | None, list[str]]:
        distinct = list(dict.fromkeys(w.text for w in words if self._title_word(w.folded)))
        if len(distinct) < 2:
            return None, []
        chosen = sorted(rng.sample(distinct, min(len(distinct), rng.choice((2, 3)))), key=distinct.index)
        if self._overlapping(chosen):
            return None, []
        return Candidate(" ".join(chosen), combination=True), chosen

    def english_query(self, number: int, rng: random.Random) -> Candidate | None:
        """1-3 English words, consecutive as written or separate; unique in combination."""
        runs, pool = self.english(number)
        if not pool:
            return None
        for _ in range(TRIES_PER_ARTICLE):
            if runs and rng.random() < 1 / 3:
                run = rng.choice(runs).split(" ")
                size = rng.randint(1, min(3, len(run)))
                start = rng.randrange(len(run) - size + 1)
                chosen = run[start : start + size]
            else:
                chosen = rng.sample(pool, min(len(pool), rng.choice((1, 2, 3))))
            if len({word.lower() for word in chosen}) < len(chosen) or not self.distinctive(chosen):
                continue
            candidate = Candidate(" ".join(chosen), combination=True)
            if self.unique(candidate, number):
                return candidate
        return None

    def mixed(self, number: int, rng: random.Random) -> Candidate | None:
        """One rare Chinese word and one English word of the article; unique in combination."""
        han, (_, english) = self.han_pool(number), self.english(number)
        if not han or not english:
            return None
        for _ in range(TRIES_PER_ARTICLE):
            chosen = [rng.choice(han), rng.choice(english)]
            rng.shuffle(chosen)
            candidate = Candidate(" ".join(chosen), combination=True)
            if self.unique(candidate, number):
                return candidate
        return None

    def translated_title(self, number: int, rng: random.Random) -> Candidate | None:
        """The other locale's title of the page (or a piece of it) as a visitor types it; the target
        must not contain it as written (only vocabulary bridges find it), no other article's title
        may contain it."""
        other = self.translations.get(self.docs[number].slug)
        if not other:
            return None
        typed = " ".join(TYPED_AWAY.sub(" ", other).split())
        words = self.segment(typed)
        for attempt in range(TRIES_PER_ARTICLE):
            if attempt == 0 and len(typed.replace(" ", "")) <= WHOLE_TRANSLATED_MAX:
                candidate, parts = Candidate(typed, combination=True), [w.text for w in words]
            elif rng.random() < 0.5:
                candidate, parts = self._title_piece(typed, words, rng, whole=True)
            else:
                candidate, parts = self._title_words(words, rng)
            if not candidate or not HAN_CHAR.search(candidate.text) or not self.distinctive(parts):
                continue
            if number in self.matches(candidate) or self._in_other_title(candidate, number):
                continue
            return candidate
        return None

    def _in_other_title(self, candidate: Candidate, number: int) -> bool:
        words = candidate.text.split() if candidate.combination else [candidate.text]
        forms = [self.folder.normalise(word) for word in words]
        return any(
            all(form in title for form in forms)
            for other, title in enumerate(self.normalised_titles)
            if other != number
        )

    def converted(self, number: int, candidate: Candidate) -> Candidate | None:
        """The candidate in the article's other script, if that changes it and it is still unique."""
        doc = self.docs[number]
        config = self.folder.conversion(f"{doc.title}\n{doc.body}")
        text = self._converters[config].convert(candidate.text)
        if text == candidate.text:
            return None
        other = Candidate(text, candidate.combination)
        return other if self.unique(other, number) else None

    def make(self, kind: str, number: int, rng: random.Random) -> Candidate | None:
        """A candidate of `kind` (not other_script) from article `number`, or None."""
        makers: dict[str, Callable[[int, random.Random], Candidate | None]] = {
            "phrase": self.phrase,
            "keywords": self.keywords,
            "salient": self.salient,
            "title": self.title,
            "english": self.english_query,
            "mixed": self.mixed,
            "translated_title": self.translated_title,
        }
        return makers[kind](number, rng)


def draw_queries(maker: QueryMaker, kind: str, wanted: int, seed: int) -> list[KnownItemQuery]:
    """Up to `wanted` queries of `kind`, each from a different article, in a seeded order."""
    rng = random.Random(f"{seed}:{kind}")
    order = list(range(len(maker.docs)))
    rng.shuffle(order)
    queries: list[KnownItemQuery] = []
    for number in order:
        if len(queries) >= wanted:
            break
        slug = maker.docs[number].slug
        if kind != "other_script":
            candidate = maker.make(kind, number, rng)
            if candidate:
                original = maker.translations[slug] if kind == "translated_title" else candidate.text
                queries.append(KnownItemQuery(kind, candidate.text, slug, kind, original))
            continue
        base = BASE_KINDS[len(queries) % len(BASE_KINDS)]
        native = maker.make(base, number, rng)
        other = maker.converted(number, native) if native else None
        if native and other:
            queries.append(KnownItemQuery(kind, other.text, slug, base, native.text))
    return queries


def make_queries(maker: QueryMaker, per_type: int, seed: int) -> list[KnownItemQuery]:
    """The whole query set, type by type."""
    queries: list[KnownItemQuery] = []
    for kind in KINDS:
        if kind == "translated_title" and not maker.translations:
            continue  # no --translations: the type cannot be made
        made = draw_queries(maker, kind, per_type, seed)
        progress(f"queries: {len(made):4d} {kind}")
        queries.extend(made)
    return queries


# --- the two systems ---------------------------------------------------------------------------

Searcher = Callable[[str], list[str]]


def feedindex_config(corpus: Path, out_dir: Path, segmenter: str = "rjieba") -> Config:
    """A minimal feedindex configuration that reads `corpus` and writes into `out_dir`."""
    raw = {
        "site": {"title": "bench", "base_url": "https://example.org/"},
        "paths": {"content": str(corpus), "out": str(out_dir)},
        "search": {"segmenter": segmenter},
    }
    return config_from_mapping(raw, root=out_dir)


def read_docs(config: Config) -> list[Doc]:
    """The published articles as the index sees them."""
    content = read_articles(config)
    if content.errors:
        progress(f"read_articles rejected {len(content.errors)} files, e.g. {content.errors[0]}")
    now = datetime.now(config.site.tz)
    return [Doc(a.slug, a.title, a.body_text) for a in content.articles if a.is_published(now)]


def read_translations(path: Path) -> dict[str, str]:
    """slug -> the other locale's title, from a translations.json (none when the file is absent)."""
    if not path.is_file():
        return {}
    entries = json.loads(path.read_text(encoding="utf-8"))
    progress(f"{len(entries)} translated titles from {path}")
    return {slug: entry["title"] for slug, entry in entries.items() if entry.get("title")}


def build_feedindex(config: Config) -> tuple[float, BuildReport]:
    """Build feedindex's index (and feeds); the seconds it took and its report."""
    started = time.perf_counter()
    report = build(config)
    return time.perf_counter() - started, report


def feedindex_searcher(index_dir: Path) -> Searcher:
    """Slugs of feedindex's top 10 for a query, from one open Searcher (as the search server
    keeps one), snippets and facets included."""
    searcher = FeedindexSearcher(index_dir)

    def run(text: str) -> list[str]:
        return [hit.slug for hit in searcher.search(text, per_page=TOP_K).hits]

    return run


def build_baseline(docs: Sequence[Doc], index_dir: Path) -> float:
    """Build the stock jieba + Whoosh index; the seconds it took."""
    started = time.perf_counter()
    schema = Schema(
        slug=ID(stored=True, unique=True),
        title=TEXT(analyzer=ChineseAnalyzer()),
        body=TEXT(analyzer=ChineseAnalyzer()),
    )
    index_dir.mkdir(parents=True, exist_ok=True)
    writer = whoosh_index.create_in(str(index_dir), schema).writer(limitmb=256)
    for doc in docs:
        writer.add_document(slug=doc.slug, title=doc.title, body=doc.body)
    writer.commit()
    return time.perf_counter() - started


def baseline_searcher(index_dir: Path) -> Searcher:
    """Slugs of the baseline's top 10 for a query (MultifieldParser, AND of the words)."""
    ix = whoosh_index.open_dir(str(index_dir))
    parser = MultifieldParser(["title", "body"], ix.schema)

    def run(text: str) -> list[str]:
        query = parser.parse(text)
        with ix.searcher() as searcher:
            return [hit["slug"] for hit in searcher.search(query, limit=TOP_K)]

    return run


# --- running and scoring ---------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """One system's answer to one query."""

    rank: int | None  # 1-based rank of the target in the top 10, None when absent
    top: tuple[str, ...]
    ms: float
    error: str | None = None


@dataclass(frozen=True)
class Score:
    """Quality of a group of outcomes."""

    queries: int
    mrr: float
    recall: float
    errors: int


def ask(searcher: Searcher, query: KnownItemQuery) -> Outcome:
    """Run one query; an exception is recorded as an error (and a miss)."""
    started = time.perf_counter()
    try:
        top = tuple(searcher(query.text))
        error = None
    except Exception as exc:  # a failing query is a result to report, not a reason to stop
        top, error = (), f"{type(exc).__name__}: {exc}"
    ms = (time.perf_counter() - started) * 1000
    rank = top.index(query.target) + 1 if query.target in top else None
    return Outcome(rank, top, ms, error)


def run_all(name: str, searcher: Searcher, queries: Sequence[KnownItemQuery]) -> list[Outcome]:
    """Every query through one system (after one untimed warm-up query)."""
    if queries:
        ask(searcher, queries[0])
    outcomes = []
    for count, query in enumerate(queries, 1):
        outcomes.append(ask(searcher, query))
        if count % 200 == 0 or count == len(queries):
            progress(f"{name}: {count}/{len(queries)} queries")
    return outcomes


def score(outcomes: Sequence[Outcome]) -> Score:
    """MRR@10 and recall@10 of `outcomes`."""
    count = len(outcomes)
    if not count:
        return Score(0, 0.0, 0.0, 0)
    mrr = sum(1 / o.rank for o in outcomes if o.rank) / count
    recall = sum(1 for o in outcomes if o.rank) / count
    return Score(count, mrr, recall, sum(1 for o in outcomes if o.error))


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (share in 0..1)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else 0.0


# --- reporting -------------------------------------------------------------------------------


def ratio(feedindex: float, baseline: float) -> str:
    """feedindex / baseline, as text."""
    if baseline == 0:
        return "—" if feedindex == 0 else "inf"
    return f"{feedindex / baseline:.2f}x"


def groups(queries: Sequence[KnownItemQuery]) -> dict[str, list[int]]:
    """Query positions by type, plus "overall"."""
    by_kind: dict[str, list[int]] = {kind: [] for kind in KINDS}
    for position, query in enumerate(queries):
        by_kind[query.kind].append(position)
    by_kind = {kind: positions for kind, positions in by_kind.items() if positions}
    by_kind["overall"] = list(range(len(queries)))
    return by_kind


def summary(queries: Sequence[KnownItemQuery], results: dict[str, list[Outcome]]) -> dict[str, dict[str, Score]]:
    """Score per type (and overall) per system."""
    return {
        group: {name: score([outcomes[i] for i in positions]) for name, outcomes in results.items()}
        for group, positions in groups(queries).items()
    }


def print_table(
    scores: dict[str, dict[str, Score]], results: dict[str, list[Outcome]], timings: dict[str, float]
) -> None:
    """Quality per type, then latency and build time, both systems side by side with ratios."""
    print(f"\n{'':17}{'':>6}  {'MRR@10':^32}  {'recall@10':^32}")
    head = f"{'feedindex':>10} {'baseline':>10} {'ratio':>10}"
    print(f"{'type':17}{'n':>6}  {head}  {head}")
    for group, by_system in scores.items():
        ours, theirs = by_system["feedindex"], by_system["baseline"]
        if group == "overall":
            print("-" * 87)
        print(
            f"{group:17}{ours.queries:6d}  {ours.mrr:10.3f} {theirs.mrr:10.3f} {ratio(ours.mrr, theirs.mrr):>10}"
            f"  {ours.recall:10.3f} {theirs.recall:10.3f} {ratio(ours.recall, theirs.recall):>10}"
        )
    print(f"\n{'':24}{head}")
    rows = {
        "latency median (ms)": {name: statistics.median([o.ms for o in out]) for name, out in results.items()},
        "latency p95 (ms)": {name: percentile([o.ms for o in out], 0.95) for name, out in results.items()},
        "index build (s)": {"feedindex": timings["feedindex_build"], "baseline": timings["baseline_build"]},
    }
    for label, values in rows.items():
        print(f"{label:24}{values['feedindex']:10.1f} {values['baseline']:10.1f} {ratio(**values):>10}")
    errors = {name: sum(1 for o in out if o.error) for name, out in results.items()}
    print(f"{'query errors':24}{errors['feedindex']:10d} {errors['baseline']:10d}")
    print(
        "\nfeedindex build = read + index + feeds; baseline build = indexing only "
        f"(reading took {timings['read']:.1f} s)."
        f" Query generation took {timings['generate']:.1f} s."
    )
    print_errors(results)


def print_errors(results: dict[str, list[Outcome]]) -> None:
    """The commonest error messages of each system, if any query failed."""
    for name, outcomes in results.items():
        for message, count in Counter(o.error for o in outcomes if o.error).most_common(3):
            print(f"  {name} error x{count}: {message}")


def print_samples(queries: Sequence[KnownItemQuery]) -> None:
    """A few queries of each type with their targets."""
    print("\nSample queries")
    for kind, positions in groups(queries).items():
        if kind == "overall":
            continue
        for position in positions[:SAMPLES_SHOWN]:
            query = queries[position]
            source = f"  (from {query.base_kind} {query.original!r})" if query.kind == "other_script" else ""
            if query.kind == "translated_title":
                source = f"  (from the title {query.original!r})"
            print(f"  {kind:16} {query.text!r} -> {query.target}{source}")


def print_failures(queries: Sequence[KnownItemQuery], results: dict[str, list[Outcome]]) -> None:
    """Up to FAILURES_SHOWN feedindex misses per type, with the baseline's rank for comparison."""
    print(f"\nfeedindex misses (up to {FAILURES_SHOWN} per type)")
    for kind, positions in groups(queries).items():
        if kind == "overall":
            continue
        misses = [i for i in positions if results["feedindex"][i].rank is None]
        print(f"  {kind}: {len(misses)} of {len(positions)} missed")
        for position in misses[:FAILURES_SHOWN]:
            query, ours, theirs = queries[position], results["feedindex"][position], results["baseline"][position]
            got = ours.error or (
                ", ".join(ours.top[:3]) + (" …" if len(ours.top) > 3 else "") if ours.top else "nothing"
            )
            print(f"    {query.text!r} -> {query.target}; got {got}; baseline rank {theirs.rank or '-'}")


def write_json(path: Path, report: dict[str, Any]) -> None:
    """Write the full report (settings, scores, every query) as JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    progress(f"wrote {path}")


def json_report(
    args: argparse.Namespace,
    queries: Sequence[KnownItemQuery],
    results: dict[str, list[Outcome]],
    scores: dict[str, dict[str, Score]],
    timings: dict[str, float],
) -> dict[str, Any]:
    """Everything needed to inspect a run afterwards."""
    return {
        "corpus": str(args.corpus),
        "translations": str(args.translations) if args.translations else None,
        "seed": args.seed,
        "per_type": args.per_type,
        "timings_s": {key: round(value, 3) for key, value in timings.items()},
        "scores": {group: {name: asdict(s) for name, s in by.items()} for group, by in scores.items()},
        "queries": [
            {**asdict(query), **{name: asdict(outcomes[i]) for name, outcomes in results.items()}}
            for i, query in enumerate(queries)
        ],
    }


# --- main --------------------------------------------------------------------------------------


def positive(text: str) -> int:
    """An integer of at least 1, for argparse."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("corpus", type=Path, help="folder of Markdown articles (e.g. /tmp/corpus/real-zh-5k)")
    parser.add_argument("--per-type", type=positive, default=200, help="queries per type (default 200)")
    parser.add_argument("--seed", type=int, default=7, help="random seed for query generation (default 7)")
    parser.add_argument("--out", type=Path, help="keep the indexes in DIR/feedindex and DIR/baseline")
    parser.add_argument("--json", type=Path, help="write every query and both systems' answers to FILE")
    parser.add_argument(
        "--translations",
        type=Path,
        help="JSON of slug -> {title: the other locale's title} for translated_title queries"
        " (default: CORPUS/translations.json when it exists; see bench/make_heldout.py)",
    )
    parser.add_argument(
        "--segmenter",
        choices=["jieba", "rjieba"],
        default="rjieba",
        help="feedindex's [search] segmenter (default rjieba, feedindex's default)",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="with --out: reuse the indexes already there instead of building them"
    )
    return parser.parse_args(argv)


def prepare(path: Path, reuse: bool = False) -> Path:
    """An empty folder at `path` (a previous run's folder there is removed unless `reuse`)."""
    if reuse and path.exists():
        return path
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def benchmark(args: argparse.Namespace, work: Path) -> None:
    """Read, make queries, build both indexes, run every query, report."""
    timings: dict[str, float] = {}
    reuse = bool(args.reuse and args.out and (work / "feedindex").exists() and (work / "baseline").exists())
    config = feedindex_config(args.corpus.resolve(), prepare(work / "feedindex", reuse), args.segmenter)
    started = time.perf_counter()
    docs = read_docs(config)
    timings["read"] = time.perf_counter() - started
    progress(f"read {len(docs)} published articles in {timings['read']:.1f} s")
    started = time.perf_counter()
    translations = read_translations(args.translations or args.corpus / "translations.json")
    queries = make_queries(QueryMaker(docs, translations), args.per_type, args.seed)
    timings["generate"] = time.perf_counter() - started
    if reuse:
        progress(f"reusing the indexes in {work}")
        timings["feedindex_build"] = timings["baseline_build"] = float("nan")
    else:
        progress("building the feedindex index")
        timings["feedindex_build"], report = build_feedindex(config)
        progress(f"feedindex: {report.published} articles indexed in {timings['feedindex_build']:.1f} s")
        timings["baseline_build"] = build_baseline(docs, prepare(work / "baseline"))
        progress(f"baseline: indexed in {timings['baseline_build']:.1f} s")
    results = {
        "feedindex": run_all("feedindex", feedindex_searcher(config.index_dir), queries),
        "baseline": run_all("baseline", baseline_searcher(work / "baseline"), queries),
    }
    scores = summary(queries, results)
    print(f"Known-item search quality: {args.corpus} ({len(docs)} articles), seed {args.seed}, top {TOP_K}")
    print_table(scores, results, timings)
    print_samples(queries)
    print_failures(queries, results)
    if args.json:
        write_json(args.json, json_report(args, queries, results, scores, timings))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 2 when the corpus folder is missing."""
    args = parse_args(argv)
    if not args.corpus.is_dir():
        print(f"no corpus folder at {args.corpus}", file=sys.stderr)
        return 2
    jieba.setLogLevel(logging.WARNING)
    if args.out:
        benchmark(args, args.out)
    else:
        with tempfile.TemporaryDirectory(prefix="feedindex-bench-") as work:
            benchmark(args, Path(work))
    progress("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())

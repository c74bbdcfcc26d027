"""The matching stages and the ranking, as Whoosh queries.

A query is a plain search box: no Whoosh syntax, no wildcards. Matching runs in stages, each
only when the one before found too little:

1. **all words** (`all_words`): every word required (in the title, tags, summary or body; a
   compound such as `qwen3` also matches `Qwen 3`), with a bonus when the words stand in order
   as a phrase (`in_order`); for a query of three words or more, an article whose title holds
   all of them but at most one Chinese word also matches, and its score gets a title bonus
   (`title_match`);
2. **bigrams** (`fallback`): every Chinese bigram of the query in the fallback field, which finds
   a phrase whatever the segmenter made of it; hits are added after those of stage 1;
3. **any word** (`any_word`): when nothing matched at all.

With `syntax=True`, `"quoted phrases"`, `-exclusions` (`excluded`) and `tag:`, `category:`,
`lang:` filters (`filter_query`) are understood.

The ranking is defined here and only here: these builders with the field weights
(`index.schema.FIELD_BOOSTS`), PHRASE_BOOST and TITLE_MATCH_WEIGHT, scored by Whoosh's BM25F.
`scoring.Scorer` evaluates those queries term at a time, fast and with every match;
`search(..., exhaustive=True)` lets Whoosh's own matchers score them instead, the reference a
change of ranking can be checked against.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from datetime import time as clock_time

from whoosh.query import And, DateRange, NullQuery, Phrase, Query, Require, Term
from whoosh.query import Or as WhooshOr

from ..analysis import Word, bigrams
from ..index.schema import FALLBACK_FIELD, FIELD_BOOSTS, utc_naive
from ..model import slugify
from .parse import Filters, ParsedQuery

PHRASE_BOOST = 6.0  # the words in order score this much more (tuned on real-zh-5k: bench/README.md)
TITLE_MATCH_WORDS = 3  # a query of this many words or more also matches titles lacking one Chinese word
TITLE_MATCH_WEIGHT = 0.3  # ... and such a title adds this share of its words' score
PHRASE_FIELDS = ("title", "body")


class Or(WhooshOr):  # type: ignore[misc]
    """Whoosh's Or, always as a tree of union matchers.

    On indexes of up to 5,000 documents Whoosh preloads every posting of every branch into arrays,
    which for a word such as 的 (in every article) costs more than the rest of the query; a tree
    lets the enclosing And skip to the few candidate documents instead.
    """

    matcher_type = WhooshOr.DEFAULT_MATCHER


def _word_query(word: Word, field_name: str, boost: float) -> Query:
    if len(word.parts) == 1:
        return Term(field_name, word.text, boost=boost)
    return Or([Term(field_name, word.text), Phrase(field_name, list(word.parts))], boost=boost)


def _any_field(word: Word) -> Query:
    return Or([_word_query(word, name, boost) for name, boost in FIELD_BOOSTS.items()])


def _phrase_anywhere(group: tuple[Word, ...], boost: float = 1.0) -> Query:
    atoms = [part for word in group for part in word.parts]
    if len(atoms) == 1:
        return _any_field(group[0])
    return Or([Phrase(name, atoms, boost=boost * FIELD_BOOSTS[name]) for name in PHRASE_FIELDS])


def _narrowing(parsed: ParsedQuery, common: frozenset[str]) -> list[Word]:
    """The query's distinct words (a word typed twice counts once), but the `common` ones."""
    distinct = list({word.text: word for word in reversed(parsed.words)}.values())[::-1]
    return [word for word in distinct if word.text not in common] or distinct


def every_word(parsed: ParsedQuery, common: frozenset[str] = frozenset()) -> Query | None:
    """Every word required (but `common` ones, which only count in the phrase bonus)."""
    required = [_any_field(word) for word in _narrowing(parsed, common)]
    required += [_phrase_anywhere(group) for group in parsed.phrases]
    return And(required) if required else None


def title_match(parsed: ParsedQuery, common: frozenset[str]) -> Query | None:
    """For a query of TITLE_MATCH_WORDS words or more: the articles whose title holds all of them
    but at most one Chinese word, scored TITLE_MATCH_WEIGHT times the words they have anywhere.
    Added to the first stage's score, it is a bonus for an article with every word, and a match
    of its own for one that lacks a word.

    A title typed from memory, or as the other locale words it, often has a Chinese word the
    article lacks (至, 配置 for 組態, a word cut differently); the article whose title holds the
    rest is more often the one wanted than an article that has every word somewhere in its body.
    A Latin word is spelled the same in both locales, so it is never the one let go (on the
    tuning set, letting English words go only moved English queries down).
    """
    narrowing = _narrowing(parsed, common)
    if parsed.phrases or len(narrowing) < TITLE_MATCH_WORDS:
        return None
    in_title = [_word_query(word, "title", 1.0) for word in narrowing]
    skippable = [skip for skip, word in enumerate(narrowing) if word.han]  # Latin is spelled alike
    if not skippable:
        return None
    all_but_one = Or([And(in_title[:skip] + in_title[skip + 1 :]) for skip in skippable])
    return Require(Or([_any_field(word) for word in narrowing], boost=TITLE_MATCH_WEIGHT), all_but_one)


def all_words(parsed: ParsedQuery, common: frozenset[str] = frozenset()) -> tuple[Query | None, Query | None]:
    """The first stage's query (`every_word`, plus `title_match`), and its `every_word` part."""
    every = every_word(parsed, common)
    title = title_match(parsed, common) if every is not None else None
    return (Or([every, title]) if title is not None else every), every


def in_order(parsed: ParsedQuery) -> list[Phrase]:
    """The bonus of the first stage: all the words as a phrase, in the title or the body (each
    adds its score times PHRASE_BOOST)."""
    atoms = [part for word in parsed.words for part in word.parts]
    if len(atoms) < 2:
        return []
    return [Phrase(name, atoms, boost=PHRASE_BOOST) for name in PHRASE_FIELDS]


def fallback(parsed: ParsedQuery) -> Query | None:
    """The second stage: every bigram (and Latin word) of the query in the fallback field."""
    terms = list(dict.fromkeys(term for term, _, _ in bigrams(parsed.text)))
    if not any(len(term) == 2 and not term.isascii() for term in terms):
        return None  # nothing Chinese: the bigram field would only repeat stage 1
    return And([Term(FALLBACK_FIELD, term) for term in terms])


def any_word(parsed: ParsedQuery) -> Query | None:
    """The last stage: any of the words or phrases."""
    groups = [_any_field(word) for word in dict.fromkeys(parsed.words)]
    groups += [_phrase_anywhere(group) for group in parsed.phrases]
    return Or(groups) if groups else None


def excluded(parsed: ParsedQuery) -> Query | None:
    """The articles the query's `-exclusions` rule out (None: no exclusion)."""
    if not parsed.excluded:
        return None
    return Or([_phrase_anywhere(group) for group in parsed.excluded])


def filter_query(filters: Filters, tz: tzinfo) -> Query | None:
    """The articles `filters` let through (None: all); dates are days in the site's zone `tz`."""
    clauses: list[Query] = [Term("tags", slugify(tag)) for tag in filters.tags]
    if filters.category:
        clauses.append(Term("category", slugify(filters.category)))
    if filters.lang:
        clauses.append(Term("lang", filters.lang.lower()))
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        clauses.append(NullQuery)  # an empty range: nothing matches
    # Bounds far outside any article (0001-01-01, 9999-12-31) mean "no bound": converted to
    # UTC they would leave the range datetime can hold.
    low = filters.date_from if filters.date_from and filters.date_from.year > 1900 else None
    high = filters.date_to if filters.date_to and filters.date_to.year < 9000 else None
    if low or high:
        start = utc_naive(datetime.combine(low, clock_time.min, tz)) if low else None
        end = utc_naive(datetime.combine(high, clock_time.max, tz)) if high else None
        clauses.append(DateRange("published", start, end))
    return And(clauses) if clauses else None

"""Answer site-search queries: ranked hits, highlighted snippets, filters, facets, suggestions.

A query is a plain search box: no Whoosh syntax, no wildcards. Matching runs in stages, each
only when the one before found too little:

1. **all words**: every word required (in the title, tags, summary or body; a compound such
   as `qwen3` also matches `Qwen 3`), with a bonus when the words stand in order as a phrase;
   for a query of three words or more, an article whose title holds all of them but at most
   one Chinese word also matches, and its score gets a title bonus;
2. **bigrams**: every Chinese bigram of the query in the fallback field, which finds a phrase
   whatever the segmenter made of it; hits are added after those of stage 1;
3. **any word**: when nothing matched at all.

With `syntax=True`, `"quoted phrases"`, `-exclusions` and `tag:`, `category:`, `lang:` filters
are understood.

The ranking is defined here and only here, as Whoosh queries: the builders below (`_all_words`
with `_every_word` and `_title_match`, `_in_order`, `_fallback`, `_any_word`) with the field
weights (`index.FIELD_BOOSTS`), PHRASE_BOOST and TITLE_MATCH_WEIGHT, scored by Whoosh's BM25F.
`feedindex.scoring` evaluates those queries term at a time, fast and with every match;
`search(..., exhaustive=True)` lets Whoosh's own matchers score them instead, the reference a
change of ranking can be checked against.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, tzinfo
from datetime import time as clock_time
from itertools import chain
from pathlib import Path
from typing import Any

from whoosh.query import And, AndMaybe, DateRange, NullQuery, Phrase, Query, Require, Term
from whoosh.query import Or as WhooshOr

from .analysis import Word, bigrams, fold, lower_ascii, synonyms, words
from .errors import QueryError
from .index.generations import current_generation, open_generation, read_meta
from .index.schema import FALLBACK_FIELD, FIELD_BOOSTS, index_spec
from .index.schema import utc_naive as _utc_naive
from .index.suggestions import load_table
from .scoring import BoundedCache, Deadline, OutOfTime, Scorer, Scores, best, whoosh_scores
from .snippets import snippet
from .suggest import latin_words, suggest

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 256
MAX_WORDS = 32
MAX_PER_PAGE = 100
MAX_PAGE = 100
PHRASE_BOOST = 6.0  # the words in order score this much more (tuned on real-zh-5k: bench/README.md)
TITLE_MATCH_WORDS = 3  # a query of this many words or more also matches titles lacking one Chinese word
TITLE_MATCH_WEIGHT = 0.3  # ... and such a title adds this share of its words' score
PHRASE_FIELDS = ("title", "body")
FACET_FIELDS = ("tags", "category")
TOP_UP_BELOW = 3  # fewer matches than this from a stage: top up from the next one
COMMON_SHARE = 0.5  # a word in more than this share of the articles does not narrow a search
SCORES_BUDGET = 1_500_000  # postings (document, score) a generation's score cache holds: ~150 MB
TEXTS_BUDGET = 10_000_000  # characters of folded article text kept for snippets
WARM_SECONDS = 0.5  # what warming a new generation's first searcher may take
_SYNTAX = re.compile(r'(?P<neg>-)?(?:"(?P<phrase>[^"]*)"?|(?P<field>tag|category|lang):(?P<value>\S+)|(?P<word>\S+))')


@dataclass(frozen=True)
class Filters:
    """Restrictions on which articles may match."""

    tags: tuple[str, ...] = ()  # tag names or slugs; an article must carry all of them
    category: str | None = None
    lang: str | None = None
    date_from: date | None = None  # inclusive, in the site's time zone
    date_to: date | None = None

    def merged(self, other: Filters) -> Filters:
        """These filters plus `other`'s (from the query text in syntax mode)."""
        return Filters(
            tags=self.tags + other.tags,
            category=other.category or self.category,
            lang=other.lang or self.lang,
            date_from=self.date_from,
            date_to=self.date_to,
        )


@dataclass(frozen=True)
class Hit:
    """One matching article."""

    slug: str
    title: str
    url: str
    published: datetime
    score: float
    snippet: str  # HTML: text escaped, matches wrapped in <mark>

    def as_dict(self) -> dict[str, Any]:
        """The hit as the JSON object the CLI and the API return."""
        return {
            "slug": self.slug,
            "title": self.title,
            "url": self.url,
            "published": self.published.isoformat(),
            "score": round(self.score, 4),
            "snippet": self.snippet,
        }


@dataclass(frozen=True)
class Facet:
    """How many matching articles carry one tag or category."""

    slug: str
    name: str
    count: int


@dataclass(frozen=True)
class SearchResult:
    """One page of hits, best first, with the total, facets and a possible suggestion."""

    query: str
    total: int
    page: int
    per_page: int
    hits: tuple[Hit, ...]
    facets: dict[str, tuple[Facet, ...]] = field(default_factory=dict)
    suggestion: str | None = None
    stage: str = "none"  # which stage matched: "all", "bigram", "any" or "none"
    timed_out: bool = False  # the time budget ran out: the hits are what was found until then

    def as_dict(self) -> dict[str, Any]:
        """The result as the JSON object the CLI and the API return."""
        return {
            "query": self.query,
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "hits": [hit.as_dict() for hit in self.hits],
            "facets": {
                name: [{"slug": f.slug, "name": f.name, "count": f.count} for f in facets]
                for name, facets in self.facets.items()
            },
            "suggestion": self.suggestion,
            "stage": self.stage,
            "timed_out": self.timed_out,
        }


@dataclass(frozen=True)
class ParsedQuery:
    """A query split into required words, required phrases, exclusions and filters."""

    words: tuple[Word, ...]
    phrases: tuple[tuple[Word, ...], ...] = ()
    excluded: tuple[tuple[Word, ...], ...] = ()
    filters: Filters = Filters()
    text: str = ""  # the words and phrases, for the fallback stages


# --- building Whoosh queries ---------------------------------------------------------------


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


def _every_word(parsed: ParsedQuery, common: frozenset[str] = frozenset()) -> Query | None:
    """Every word required (but `common` ones, which only count in the phrase bonus)."""
    required = [_any_field(word) for word in _narrowing(parsed, common)]
    required += [_phrase_anywhere(group) for group in parsed.phrases]
    return And(required) if required else None


def _title_match(parsed: ParsedQuery, common: frozenset[str]) -> Query | None:
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


def _all_words(parsed: ParsedQuery, common: frozenset[str] = frozenset()) -> tuple[Query | None, Query | None]:
    """The first stage's query (`_every_word`, plus `_title_match`), and its `_every_word` part."""
    every = _every_word(parsed, common)
    title = _title_match(parsed, common) if every is not None else None
    return (Or([every, title]) if title is not None else every), every


def _in_order(parsed: ParsedQuery) -> list[Phrase]:
    """The bonus of the first stage: all the words as a phrase, in the title or the body (each
    adds its score times PHRASE_BOOST)."""
    atoms = [part for word in parsed.words for part in word.parts]
    if len(atoms) < 2:
        return []
    return [Phrase(name, atoms, boost=PHRASE_BOOST) for name in PHRASE_FIELDS]


def _fallback(parsed: ParsedQuery) -> Query | None:
    terms = list(dict.fromkeys(term for term, _, _ in bigrams(parsed.text)))
    if not any(len(term) == 2 and not term.isascii() for term in terms):
        return None  # nothing Chinese: the bigram field would only repeat stage 1
    return And([Term(FALLBACK_FIELD, term) for term in terms])


def _any_word(parsed: ParsedQuery) -> Query | None:
    groups = [_any_field(word) for word in dict.fromkeys(parsed.words)]
    groups += [_phrase_anywhere(group) for group in parsed.phrases]
    return Or(groups) if groups else None


def _excluded(parsed: ParsedQuery) -> Query | None:
    if not parsed.excluded:
        return None
    return Or([_phrase_anywhere(group) for group in parsed.excluded])


# --- the searcher --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Text:
    """An article's stored fields with its body and summary folded for snippets (folding is
    most of a snippet's cost: done once per article and generation)."""

    fields: dict[str, Any]
    folded_body: str
    folded_summary: str

    def __len__(self) -> int:
        return len(self.folded_body) + len(self.folded_summary)


class GenerationCache:
    """What the searchers of one index generation share in a process, all bounded: term and
    phrase scores, field lengths, facet values, folded article text, the suggestion tables.

    The search server gives one to every searcher of the live generation, so a word looked up
    by one request is known to the next; values are never changed once stored.
    """

    def __init__(self, generation: Path) -> None:
        self.generation = generation
        self.scores: BoundedCache[Hashable, Any] = BoundedCache(SCORES_BUDGET)
        self.texts: BoundedCache[int, _Text] = BoundedCache(TEXTS_BUDGET)
        self.facets: dict[str, list[tuple[str, ...]]] = {}
        self.homophones: dict[str, str] | None = None
        self.latin: list[str] | None = None


@dataclass(frozen=True)
class _Found:
    """The matches of a query: the best `needed` in order, and the count and facets of all."""

    ranked: list[tuple[int, float]]
    total: int
    counts: dict[str, Counter[str]]
    stage: str
    timed_out: bool
    every_word: bool  # some match has every word (not only near matches)


class Searcher:
    """An open index generation: analyse queries as it was built, search, highlight, suggest.

    Keep one per process and call `refresh()` to follow new generations (the search server
    keeps one per concurrent request, sharing one `GenerationCache`); a Searcher keeps answering
    from its generation while a build publishes another.
    """

    def __init__(
        self,
        index_dir: Path,
        tz: tzinfo = UTC,
        *,
        generation: Path | None = None,
        shared: GenerationCache | None = None,
    ) -> None:
        self.index_dir = index_dir
        self.tz = tz
        self._open(generation, shared)

    def _open(self, generation: Path | None = None, shared: GenerationCache | None = None) -> None:
        self.generation = generation or current_generation(self.index_dir)
        self._index = open_generation(self.generation)
        self.spec = index_spec(self._index)
        self.meta = read_meta(self.generation)
        self._searcher = self._index.searcher()
        usable = shared is not None and shared.generation == self.generation
        self.shared: GenerationCache = shared if shared is not None and usable else GenerationCache(self.generation)
        self._scorer = Scorer(self._searcher, self.shared.scores)
        names = self.meta.get("names", {})
        self._names: dict[str, dict[str, str]] = {name: names.get(name, {}) for name in FACET_FIELDS}

    def refresh(self) -> bool:
        """Switch to the live generation if a build published a new one; True when it did."""
        if current_generation(self.index_dir) == self.generation:
            return False
        old = self._searcher
        self._open()
        old.close()
        return True

    def close(self) -> None:
        """Release the index files."""
        self._searcher.close()

    def __enter__(self) -> Searcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def documents(self) -> int:
        """How many articles the open generation holds."""
        return int(self._searcher.doc_count())

    def warm(self, queries: Iterable[str] = (), budget: float = WARM_SECONDS) -> int:
        """Load what a first query would (the segmenter, field lengths, facets, suggestion tables), then run
        `queries` until `budget` seconds have passed; returns how many ran. The server warms a
        new generation's first searcher before it takes traffic."""
        deadline = Deadline.after(budget)
        words("預熱 warm", self.spec)  # loads the segmenter's dictionary (a second or so)
        for name in (*FIELD_BOOSTS, FALLBACK_FIELD):
            self._scorer.load_lengths(name)
        for facet in FACET_FIELDS:
            self._facet_values(facet)
        self._suggestion_tables()
        ran = 0
        for text in queries:
            if deadline.passed():
                break
            with contextlib.suppress(QueryError):
                self.search(text, budget=budget)
                ran += 1
        return ran

    # -- parsing --

    def parse(self, text: str, syntax: bool = False) -> ParsedQuery:
        """Split the query into words (and, with `syntax`, phrases, exclusions, filters)."""
        if len(text) > MAX_QUERY_CHARS:
            raise QueryError(f"the query is longer than {MAX_QUERY_CHARS} characters")
        if not syntax:
            found = tuple(words(text, self.spec))
            self._check_size(found)
            return ParsedQuery(found, text=text)
        plain: list[Word] = []
        phrases: list[tuple[Word, ...]] = []
        excluded: list[tuple[Word, ...]] = []
        tags: list[str] = []
        category = lang = None
        kept: list[str] = []
        for match in _SYNTAX.finditer(text):
            if match.group("field"):
                value = match.group("value")
                if match.group("field") == "tag":
                    tags.append(value)
                elif match.group("field") == "category":
                    category = value
                else:
                    lang = value
                continue
            chunk = match.group("phrase") if match.group("phrase") is not None else match.group("word")
            offset = match.start("phrase") if match.group("phrase") is not None else match.start("word")
            group = tuple(replace(w, start=w.start + offset, end=w.end + offset) for w in words(chunk, self.spec))
            if not group:
                continue
            if match.group("neg"):
                excluded.append(group)
            elif match.group("phrase") is not None and len(group) > 1:
                phrases.append(group)
                kept.append(chunk)
            else:
                plain.extend(group)
                kept.append(chunk)
        self._check_size((*plain, *(w for g in phrases + excluded for w in g)))
        filters = Filters(tags=tuple(tags), category=category, lang=lang)
        return ParsedQuery(tuple(plain), tuple(phrases), tuple(excluded), filters, " ".join(kept))

    @staticmethod
    def _check_size(found: tuple[Word, ...]) -> None:
        if len(found) > MAX_WORDS:
            raise QueryError(f"the query has more than {MAX_WORDS} words")

    def _filter(self, filters: Filters) -> Query | None:
        from .model import slugify

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
            start = _utc_naive(datetime.combine(low, clock_time.min, self.tz)) if low else None
            end = _utc_naive(datetime.combine(high, clock_time.max, self.tz)) if high else None
            clauses.append(DateRange("published", start, end))
        return And(clauses) if clauses else None

    # -- searching --

    def search(
        self,
        text: str,
        *,
        page: int = 1,
        per_page: int = 10,
        filters: Filters | None = None,
        syntax: bool = False,
        budget: float | None = None,
        deadline: Deadline | None = None,
        exhaustive: bool = False,
    ) -> SearchResult:
        """Search for `text`; see the module docstring for how matching works.

        The total and the facets count every match, whatever the page; pages 1, 2, ... list
        each match once, in one order. With a `budget` (seconds), every stage (matching,
        ranking, snippets, the suggestion) stops when it runs out and the result says
        `timed_out=True`: what was complete by then, never a hang (`deadline` instead of
        `budget`: a moment, e.g. shared by several calls). `exhaustive=True` scores
        every match with Whoosh's own matchers instead (slow; the reference the fast path is
        checked against).
        """
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise QueryError(f"per_page must be between 1 and {MAX_PER_PAGE}")
        if not 1 <= page <= MAX_PAGE:
            raise QueryError(f"page must be between 1 and {MAX_PAGE}")
        parsed = self.parse(text, syntax)
        filters = (filters or Filters()).merged(parsed.filters)
        needed = page * per_page
        deadline = deadline or Deadline.after(budget)
        found = self._ranked(parsed, filters, needed, deadline, exhaustive)
        timed_out = found.timed_out
        needles = self._needles(parsed, found.stage)
        hits = []
        for docnum, score in found.ranked[needed - per_page : needed]:
            hit, complete = self._hit(docnum, score, needles, deadline)
            hits.append(hit)
            timed_out = timed_out or not complete
        suggestion = None
        if not found.every_word and not timed_out:  # nothing matched every word: a suggestion may help
            try:
                suggestion = self._suggestion(text, parsed, filters, deadline)
            except OutOfTime:
                timed_out = True
        facets = {
            facet: tuple(
                Facet(slug, self._names[facet].get(slug, slug), count)
                for slug, count in sorted(found.counts[facet].items(), key=lambda item: (-item[1], item[0]))
            )
            for facet in FACET_FIELDS
        }
        return SearchResult(text, found.total, page, per_page, tuple(hits), facets, suggestion, found.stage, timed_out)

    def _ranked(
        self, parsed: ParsedQuery, filters: Filters, needed: int, deadline: Deadline, exhaustive: bool = False
    ) -> _Found:
        """The stages of the module docstring: every match of each stage that runs, the best
        `needed` of them in order (a later stage's after an earlier one's)."""
        ranked: list[tuple[int, float]] = []
        counts: dict[str, Counter[str]] = {name: Counter() for name in FACET_FIELDS}
        matched: set[int] = set()  # every match so far: a later stage only adds new articles
        stage, timed_out, every_word = "none", False, False
        try:
            restrict = self._filter(filters)
            allowed = self._scorer.docs(restrict, deadline) if restrict is not None else None
            excluded = _excluded(parsed)
            if excluded is not None:
                allowed = allowed if allowed is not None else set(range(self._searcher.doc_count_all()))
                allowed -= self._scorer.docs(excluded, deadline)
            first, every = _all_words(parsed, self._common(parsed))
            stages = [("all", first)]
            if not parsed.phrases:  # quoted phrases ask for exactly that: no looser stages
                stages += [("bigram", _fallback(parsed)), ("any", _any_word(parsed))]
            for name, query in stages:
                if query is None or (name == "any" and matched):
                    continue
                bonus = _in_order(parsed) if name == "all" else []
                scores = self._matches(query, bonus, deadline, exhaustive)
                new = {d: s for d, s in scores.items() if d not in matched and (allowed is None or d in allowed)}
                if not new:
                    continue
                if stage == "none":
                    stage = name
                if name == "all" and every is not None:
                    every_word = query is every or self._any_has_all(new, every, deadline)
                wanted = max(0, needed - len(matched))  # this stage's hits come after all earlier matches
                if exhaustive:
                    ranked += best(new, wanted)
                else:
                    phrases = [self._scorer.phrase(phrase, deadline) for phrase in bonus]
                    ranked += self._scorer.top(new, phrases, wanted, deadline)
                matched.update(new)
                for facet in FACET_FIELDS:
                    counts[facet].update(chain.from_iterable(map(self._facet_values(facet).__getitem__, new)))
                if len(matched) >= TOP_UP_BELOW:
                    break
        except OutOfTime:
            timed_out = True
        return _Found(ranked, len(matched), counts, stage, timed_out, every_word)

    def _any_has_all(self, docs: Iterable[int], every: Query, deadline: Deadline) -> bool:
        """Whether one of `docs` matches `every` (an And of cached tables), not only a near match."""
        tables = [self._scorer.scores(sub, deadline) for sub in every.subqueries]
        return any(all(docnum in table for table in tables) for docnum in docs)

    def _matches(self, query: Query, bonus: list[Phrase], deadline: Deadline, exhaustive: bool) -> Scores:
        """Every match of `query` with its score (with `exhaustive`, the bonus included)."""
        if exhaustive:
            return whoosh_scores(self._searcher, AndMaybe(query, Or(bonus)) if bonus else query)
        return self._scorer.scores(query, deadline)

    def _common(self, parsed: ParsedQuery) -> frozenset[str]:
        """Words so frequent (的, 和, the) that requiring them narrows nothing but costs a lot."""
        limit = COMMON_SHARE * max(1, self.documents)
        return frozenset(
            word.text for word in parsed.words if len(word.parts) == 1 and self._body_frequency(word.text) > limit
        )

    def _body_frequency(self, text: str) -> int:
        """Whoosh's document frequency of a word in the body (deleted documents included)."""
        key = ("body frequency", text)
        cached: tuple[int] | None = self.shared.scores.get(key)
        if cached is None:
            cached = (int(self._searcher.reader().doc_frequency("body", text)),)
            self.shared.scores.put(key, cached)
        return cached[0]

    def _facet_values(self, facet: str) -> list[tuple[str, ...]]:
        """The slugs of `facet` each document carries (by document number), read once per
        generation from the postings (Whoosh's own facets walk every term's postings on every
        query: 90% of query time)."""
        cached = self.shared.facets.get(facet)
        if cached is None:
            found: list[tuple[str, ...]] = [()] * self._searcher.doc_count_all()
            reader = self._searcher.reader()
            for term in reader.field_terms(facet):
                for docnum in reader.postings(facet, term).all_ids():
                    found[docnum] += (term,)
            cached = self.shared.facets[facet] = found
        return cached

    def _needles(self, parsed: ParsedQuery, stage: str) -> list[str]:
        """What to highlight: the query's words as typed (folded), their index forms and synonyms."""
        all_words = [*parsed.words, *(w for group in parsed.phrases for w in group)]
        needles = []
        table = synonyms()
        for word in all_words:
            typed = lower_ascii(fold(parsed.text[word.start : word.end])) if parsed.text else word.text
            needles += [word.text, typed, *word.parts, *table.get(word.text, ())]
        if stage == "bigram":
            needles += [term for term, _, _ in bigrams(parsed.text)]
        return list(dict.fromkeys(needle for needle in needles if needle))

    def _text(self, docnum: int) -> _Text:
        cached = self.shared.texts.get(docnum)
        if cached is None:
            fields = self._searcher.stored_fields(docnum)
            cached = _Text(fields, lower_ascii(fold(fields["body"])), lower_ascii(fold(fields["summary"])))
            self.shared.texts.put(docnum, cached)
        return cached

    def _hit(self, docnum: int, score: float, needles: list[str], deadline: Deadline) -> tuple[Hit, bool]:
        """The hit for `docnum`, and whether its snippet is complete (past the deadline it is
        the summary, which costs nothing)."""
        text = self._text(docnum)
        fields = text.fields
        complete = not deadline.passed()
        found = None
        if complete:
            found = snippet(fields["body"], needles, folded=text.folded_body) or snippet(
                fields["summary"], needles, folded=text.folded_summary
            )
        hit = Hit(
            slug=fields["slug"],
            title=fields["title"],
            url=fields["url"],
            published=datetime.fromisoformat(fields["published_iso"]),
            score=score,
            snippet=found or _escape(fields["summary"]),
        )
        return hit, complete

    def _suggestion_tables(self) -> tuple[dict[str, str], list[str]]:
        """The generation's homophone table and Latin words, loaded once."""
        shared = self.shared
        if shared.homophones is None:
            shared.homophones = load_table(self.generation)
        if shared.latin is None:
            shared.latin = latin_words(self._searcher.reader())
        return shared.homophones, shared.latin

    def _suggestion(self, text: str, parsed: ParsedQuery, filters: Filters, deadline: Deadline) -> str | None:
        """A corrected query whose words all match (within the filters), or None. Never applied."""
        if not parsed.words or parsed.phrases or parsed.excluded:
            return None
        homophones, latin = self._suggestion_tables()
        deadline.check()
        restrict = self._filter(filters)
        allowed = self._scorer.docs(restrict, deadline) if restrict is not None else None
        for option in suggest(text, list(parsed.words), self._searcher.reader(), homophones, latin):
            query = _every_word(ParsedQuery(tuple(words(option, self.spec)), text=option))
            if query is None:
                continue
            found = self._scorer.scores(query, deadline)
            if any(allowed is None or docnum in allowed for docnum in found):
                return option
        return None


def _escape(text: str) -> str:
    import html

    return html.escape(text)


def search(
    index_dir: Path,
    text: str,
    *,
    limit: int = 10,
    page: int = 1,
    filters: Filters | None = None,
    syntax: bool = False,
    tz: tzinfo = UTC,
) -> SearchResult:
    """Search the live index generation at `index_dir` once (opens and closes it)."""
    if not 1 <= limit <= MAX_PER_PAGE:
        raise QueryError(f"limit must be between 1 and {MAX_PER_PAGE}")
    with Searcher(index_dir, tz) as searcher:
        return searcher.search(text, page=page, per_page=limit, filters=filters, syntax=syntax)

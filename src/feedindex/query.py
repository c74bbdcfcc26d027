"""Answer site-search queries: ranked hits, highlighted snippets, filters, facets, suggestions.

A query is a plain search box: no Whoosh syntax, no wildcards. Matching runs in stages, each
only when the one before found too little:

1. **all words**: every word required (in the title, tags, summary or body; a compound such
   as `qwen3` also matches `Qwen 3`), with a bonus when the words stand in order as a phrase;
2. **bigrams**: every Chinese bigram of the query in the fallback field, which finds a phrase
   whatever the segmenter made of it; hits are added after those of stage 1;
3. **any word**: when nothing matched at all.

With `syntax=True`, `"quoted phrases"`, `-exclusions` and `tag:`, `category:`, `lang:` filters
are understood.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, tzinfo
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from whoosh.collectors import FilterCollector, TimeLimit, WrappingCollector
from whoosh.query import And, AndMaybe, DateRange, Not, NullQuery, Phrase, Query, Term
from whoosh.query import Or as WhooshOr

from .analysis import Word, bigrams, fold, lower_ascii, synonyms, words
from .errors import QueryError
from .index import FALLBACK_FIELD, FIELD_BOOSTS, current_generation, index_spec, open_index, read_meta
from .snippets import snippet
from .suggest import load_table, suggest

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 256
MAX_WORDS = 32
MAX_PER_PAGE = 100
MAX_PAGE = 100
PHRASE_BOOST = 3.0
PHRASE_FIELDS = ("title", "body")
FACET_FIELDS = ("tags", "category")
RERANK = 50  # for broad queries, the best this many articles get the bonus for words in order
BROAD_MATCHES = 500  # a query whose rarest word is in more articles than this is broad
TOP_UP_BELOW = 3  # fewer hits than this from a stage: top up from the next one
COMMON_SHARE = 0.5  # a word in more than this share of the articles does not narrow a search
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


def _all_words(parsed: ParsedQuery, common: frozenset[str] = frozenset()) -> Query | None:
    """Every word required (but `common` ones, which only count in the phrase bonus)."""
    distinct = list(dict.fromkeys(parsed.words))
    narrowing = [word for word in distinct if word.text not in common] or distinct
    required = [_any_field(word) for word in narrowing]
    required += [_phrase_anywhere(group) for group in parsed.phrases]
    return And(required) if required else None


def _in_order(parsed: ParsedQuery) -> Query | None:
    """The bonus query: all the words as a phrase, in the title or the body."""
    atoms = [part for word in parsed.words for part in word.parts]
    if len(atoms) < 2:
        return None
    return Or([Phrase(name, atoms, boost=PHRASE_BOOST) for name in PHRASE_FIELDS])


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


def _with_exclusions(query: Query | None, excluded: Query | None) -> Query | None:
    if query is None or excluded is None:
        return query
    return And([query, Not(excluded)])


# --- the searcher --------------------------------------------------------------------------


class _Deadline(WrappingCollector):  # type: ignore[misc]
    """Records every document it is handed (`matched`: the total and the facets come from it) and
    stops collecting (raises TimeLimit) once `deadline` (time.monotonic) has passed.

    Recording here, in the one pass that scores, replaces Whoosh's `Results.docs()`, which runs
    the query's matchers a second time (a third of a query's time). The deadline is checked every
    few documents, in whatever thread runs the search (Whoosh's TimeLimitCollector relies on
    SIGALRM, which only the main thread receives).
    """

    def __init__(self, child: Any, deadline: float | None) -> None:
        super().__init__(child)
        self.deadline = deadline
        self.timed_out = False
        self.matched: set[int] = set()

    def collect(self, sub_docnum: int) -> Any:
        matched = self.matched
        matched.add(self.offset + sub_docnum)
        if self.deadline is not None and len(matched) % 16 == 0 and time.monotonic() > self.deadline:
            self.timed_out = True
            raise TimeLimit
        return self.child.collect(sub_docnum)


def _utc_naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


class Searcher:
    """An open index generation: analyse queries as it was built, search, highlight, suggest.

    Keep one per process and call `refresh()` to follow new generations (the search server
    does); a Searcher keeps answering from its generation while a build publishes another.
    """

    def __init__(self, index_dir: Path, tz: tzinfo = UTC) -> None:
        self.index_dir = index_dir
        self.tz = tz
        self._open()

    def _open(self) -> None:
        self.generation = current_generation(self.index_dir)
        self._index = open_index(self.index_dir)
        self.spec = index_spec(self._index)
        self.meta = read_meta(self.generation)
        self._searcher = self._index.searcher()
        self._homophones: dict[str, str] | None = None
        self._facets: dict[str, dict[int, tuple[str, ...]]] = {}
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
    ) -> SearchResult:
        """Search for `text`; see the module docstring for how matching works.

        With a `budget` (seconds), a search that runs out of time stops and returns what it
        found so far with `timed_out=True` (no later stages, no suggestion), never hangs.
        """
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise QueryError(f"per_page must be between 1 and {MAX_PER_PAGE}")
        if not 1 <= page <= MAX_PAGE:
            raise QueryError(f"page must be between 1 and {MAX_PAGE}")
        parsed = self.parse(text, syntax)
        filters = (filters or Filters()).merged(parsed.filters)
        needed = page * per_page
        deadline = time.monotonic() + budget if budget is not None else None
        ranked, total, facets, stage, timed_out = self._ranked(parsed, filters, needed, deadline)
        hits = tuple(self._hit(docnum, score, parsed, stage) for docnum, score in ranked[needed - per_page : needed])
        suggestion = None
        if stage != "all" and not timed_out:  # nothing matched every word: a suggestion may help
            suggestion = self._suggestion(text, parsed, filters, 0)
        return SearchResult(text, total, page, per_page, hits, facets, suggestion, stage, timed_out)

    def _run(self, query: Query, needed: int, restrict: Query | None, mask: set[int], deadline: float | None) -> Any:
        """Whoosh results for `query`, stopped at `deadline` (then `.timed_out` is set)."""
        # optimize=False: every match reaches the collector (none skipped by block quality), so
        # `matched` is complete.
        timed = _Deadline(self._searcher.collector(limit=needed, optimize=False), deadline)
        # The filter goes outside the deadline: Whoosh's own TimeLimitCollector, wrapped around a
        # filtering collector, skips the filter.
        collector = FilterCollector(timed, allow=restrict, restrict=mask or None) if restrict or mask else timed
        with contextlib.suppress(TimeLimit):  # the partial results are still in the collector
            self._searcher.search_with_collector(query, collector)
        results = collector.results()
        results.timed_out = timed.timed_out
        results.matched = timed.matched
        return results

    def _ranked(
        self, parsed: ParsedQuery, filters: Filters, needed: int, deadline: float | None = None
    ) -> tuple[list[tuple[int, float]], int, dict[str, tuple[Facet, ...]], str, bool]:
        restrict = self._filter(filters)
        excluded = _excluded(parsed)
        ranked: list[tuple[int, float]] = []
        counts: dict[str, Counter[str]] = {name: Counter() for name in FACET_FIELDS}
        total, stage, timed_out = 0, "none", False
        stages = [("all", _all_words(parsed, self._common(parsed)))]
        if not parsed.phrases:  # quoted phrases ask for exactly that: no looser stages
            stages += [("bigram", _fallback(parsed)), ("any", None)]
        for name, query in stages:
            if name == "any":
                if total:
                    break
                query = _any_word(parsed)
            query = _with_exclusions(query, excluded)
            if query is None:
                continue
            seen = {docnum for docnum, _ in ranked}  # a later stage only adds articles not found yet
            bonus = _in_order(parsed) if name == "all" else None
            rerank = bonus is not None and self._broad(parsed)
            if bonus is not None and not rerank:
                query = AndMaybe(query, bonus)  # few candidates: score the phrase on each of them
            results = self._run(query, max(needed, RERANK) if rerank else needed, restrict, seen, deadline)
            timed_out = results.timed_out
            # every match, once: the total and the facets come from it (only what was found in time)
            matched = results.matched
            if matched and stage == "none":
                stage = name
            found = [(hit.docnum, float(hit.score)) for hit in results]
            ranked += self._rerank(found, bonus) if rerank and bonus is not None else found
            total += len(matched)
            for facet in FACET_FIELDS:
                values = self._facet_values(facet)
                counts[facet].update(slug for docnum in matched for slug in values.get(docnum, ()))
            if total >= min(needed, TOP_UP_BELOW) or timed_out:
                break
        facets = {
            facet: tuple(
                Facet(slug, self._names[facet].get(slug, slug), count)
                for slug, count in sorted(counts[facet].items(), key=lambda item: (-item[1], item[0]))
            )
            for facet in FACET_FIELDS
        }
        return ranked, total, facets, stage, timed_out

    def _broad(self, parsed: ParsedQuery) -> bool:
        """Whether even the rarest required word is in many articles (then the phrase bonus is
        given to the best RERANK candidates only, instead of scored on every match)."""
        reader = self._searcher.reader()
        frequencies = [reader.doc_frequency("body", word.text) for word in parsed.words if len(word.parts) == 1]
        return bool(frequencies) and min(frequencies) > BROAD_MATCHES

    def _rerank(self, found: list[tuple[int, float]], bonus: Query) -> list[tuple[int, float]]:
        """`found` with the score of `bonus` added where it matches, best first.

        Evaluated only on these candidates (by skipping its matcher to each), not on every
        article that contains the words: a phrase of frequent words costs nothing extra.
        """
        extra: dict[int, float] = {}
        context = self._searcher.context(needs_current=True)
        for sub, offset in self._searcher.leaf_searchers():
            local = sorted(docnum - offset for docnum, _ in found if offset <= docnum < offset + sub.doc_count_all())
            if not local:
                continue
            matcher = bonus.matcher(sub, context)
            for docnum in local:
                if not matcher.is_active():
                    break
                if matcher.id() < docnum:
                    matcher.skip_to(docnum)
                if matcher.is_active() and matcher.id() == docnum:
                    extra[docnum + offset] = float(matcher.score())
        return sorted(((docnum, score + extra.get(docnum, 0.0)) for docnum, score in found), key=lambda hit: -hit[1])

    def _common(self, parsed: ParsedQuery) -> frozenset[str]:
        """Words so frequent (的, 和, the) that requiring them narrows nothing but costs a lot."""
        reader, limit = self._searcher.reader(), COMMON_SHARE * max(1, self.documents)
        return frozenset(
            word.text
            for word in parsed.words
            if len(word.parts) == 1 and reader.doc_frequency("body", word.text) > limit
        )

    def _facet_values(self, facet: str) -> dict[int, tuple[str, ...]]:
        """docnum → the slugs of `facet` it carries, read once per generation from the postings
        (Whoosh's own facets walk every term's postings on every query: 90% of query time)."""
        cached = self._facets.get(facet)
        if cached is None:
            found: dict[int, list[str]] = {}
            reader = self._searcher.reader()
            for term in reader.field_terms(facet):
                for docnum in reader.postings(facet, term).all_ids():
                    found.setdefault(docnum, []).append(term)
            cached = self._facets[facet] = {docnum: tuple(slugs) for docnum, slugs in found.items()}
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
        return [needle for needle in needles if needle]

    def _hit(self, docnum: int, score: float, parsed: ParsedQuery, stage: str) -> Hit:
        fields = self._searcher.stored_fields(docnum)
        needles = self._needles(parsed, stage)
        text = snippet(fields["body"], needles) or snippet(fields["summary"], needles)
        return Hit(
            slug=fields["slug"],
            title=fields["title"],
            url=fields["url"],
            published=datetime.fromisoformat(fields["published_iso"]),
            score=score,
            snippet=text or _escape(fields["summary"]),
        )

    def _suggestion(self, text: str, parsed: ParsedQuery, filters: Filters, total: int) -> str | None:
        """A corrected query that finds more (all words matching), or None. Never applied."""
        if not parsed.words or parsed.phrases or parsed.excluded:
            return None
        if self._homophones is None:
            self._homophones = load_table(self.generation)
        restrict = self._filter(filters)
        for option in suggest(text, list(parsed.words), self._searcher.reader(), self._homophones):
            query = _all_words(ParsedQuery(tuple(words(option, self.spec)), text=option))
            if query is not None and len(self._searcher.search(query, limit=1, filter=restrict)) > total:
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

"""`Searcher`: an open index generation that answers queries: the stages of `stages` run in
order, ranked (`scoring`), counted into facets, cut into pages of hits with snippets, with a
"did you mean" (`suggest`) when nothing had every word."""

from __future__ import annotations

import contextlib
import html
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from itertools import chain
from pathlib import Path

from whoosh.query import AndMaybe, Phrase, Query

from ..analysis import fold, lower_ascii, words
from ..errors import QueryError
from ..index.generations import current_generation, open_generation, read_meta
from ..index.schema import FALLBACK_FIELD, FIELD_BOOSTS, index_spec
from ..index.suggestions import load_table
from .cache import ArticleText, GenerationCache
from .deadline import Deadline, OutOfTime
from .parse import Filters, ParsedQuery, check_page, parse
from .results import Facet, Hit, SearchResult
from .scoring import Scorer
from .snippets import needles, snippet
from .stages import Or, all_words, any_word, every_word, excluded, fallback, filter_query, in_order
from .suggest import latin_words, suggest
from .tables import Scores, best, whoosh_scores

log = logging.getLogger(__name__)

FACET_FIELDS = ("tags", "category")
TOP_UP_BELOW = 3  # fewer matches than this from a stage: top up from the next one
COMMON_SHARE = 0.5  # a word in more than this share of the articles does not narrow a search
WARM_SECONDS = 0.5  # what warming a new generation's first searcher may take


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

    def parse(self, text: str, syntax: bool = False) -> ParsedQuery:
        """Split the query into words (and, with `syntax`, phrases, exclusions, filters)."""
        return parse(text, self.spec, syntax)

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
        check_page(page, per_page)
        parsed = self.parse(text, syntax)
        filters = (filters or Filters()).merged(parsed.filters)
        needed = page * per_page
        deadline = deadline or Deadline.after(budget)
        found = self._ranked(parsed, filters, needed, deadline, exhaustive)
        timed_out = found.timed_out
        highlighted = needles(parsed, found.stage)
        hits = []
        for docnum, score in found.ranked[needed - per_page : needed]:
            hit, complete = self._hit(docnum, score, highlighted, deadline)
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
            restrict = filter_query(filters, self.tz)
            allowed = self._scorer.docs(restrict, deadline) if restrict is not None else None
            ruled_out = excluded(parsed)
            if ruled_out is not None:
                allowed = allowed if allowed is not None else set(range(self._searcher.doc_count_all()))
                allowed -= self._scorer.docs(ruled_out, deadline)
            first, every = all_words(parsed, self._common(parsed))
            stages = [("all", first)]
            if not parsed.phrases:  # quoted phrases ask for exactly that: no looser stages
                stages += [("bigram", fallback(parsed)), ("any", any_word(parsed))]
            for name, query in stages:
                if query is None or (name == "any" and matched):
                    continue
                bonus = in_order(parsed) if name == "all" else []
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

    def _text(self, docnum: int) -> ArticleText:
        cached = self.shared.texts.get(docnum)
        if cached is None:
            fields = self._searcher.stored_fields(docnum)
            cached = ArticleText(fields, lower_ascii(fold(fields["body"])), lower_ascii(fold(fields["summary"])))
            self.shared.texts.put(docnum, cached)
        return cached

    def _hit(self, docnum: int, score: float, highlighted: list[str], deadline: Deadline) -> tuple[Hit, bool]:
        """The hit for `docnum`, and whether its snippet is complete (past the deadline it is
        the summary, which costs nothing)."""
        text = self._text(docnum)
        fields = text.fields
        complete = not deadline.passed()
        found = None
        if complete:
            found = snippet(fields["body"], highlighted, folded=text.folded_body) or snippet(
                fields["summary"], highlighted, folded=text.folded_summary
            )
        hit = Hit(
            slug=fields["slug"],
            title=fields["title"],
            url=fields["url"],
            published=datetime.fromisoformat(fields["published_iso"]),
            score=score,
            snippet=found or html.escape(fields["summary"]),
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
        restrict = filter_query(filters, self.tz)
        allowed = self._scorer.docs(restrict, deadline) if restrict is not None else None
        for option in suggest(text, list(parsed.words), self._searcher.reader(), homophones, latin):
            query = every_word(ParsedQuery(tuple(words(option, self.spec)), text=option))
            if query is None:
                continue
            found = self._scorer.scores(query, deadline)
            if any(allowed is None or docnum in allowed for docnum in found):
                return option
        return None

"""Whoosh queries scored term at a time: Whoosh's BM25F score for every match, without its matchers.

Whoosh scores a query document by document, through a tree of matcher objects in Python: each
matching document costs dozens of method calls, and building the tree costs several term-table
reads per term, field and segment. Here each term's postings are read once per index generation
(`feedindex.index.postings`) into a table {document: score} scored by Whoosh's own BM25F
scorer (the same statistics, the same formula), kept in a cache every searcher of the generation
shares, and a query is evaluated on those tables: `Or` adds them up, `And` keeps the documents
all of them have, `Phrase` keeps the documents whose words stand in order (read from their
positions), boosts multiply. The result is every match, so counts and facets are exact.

The scores are Whoosh's up to the order of additions: Whoosh adds a document's term scores in a
tree shaped by each segment's term counts, this module in the query's order, so a score may
differ in its last bit or two (relative 1e-15), never more. `tests/test_search_scoring.py` compares
both on random indexes and queries.

`Scorer.top` ranks with a bonus (a phrase of the query's words in order) without checking word
positions in every match: a document's bonus is at most the score of the phrase's words in it,
known from the tables, so positions are read only for the best candidates until no other
document can reach the top.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from math import log
from typing import Any

from whoosh.codec.whoosh3 import W3TermsReader
from whoosh.query import And, Phrase, Query, Require, Term
from whoosh.query import Or as WhooshOr
from whoosh.query.qcore import _NullQuery
from whoosh.scoring import BM25F, WeightingModel

from ..index.codec import field_lengths
from ..index.postings import info_doc_frequency, info_postings, raw_term_info
from .cache import BoundedCache
from .deadline import Deadline
from .tables import Scores, add, best, best_docs, intersection, times, union, whoosh_scores

CHECK_EVERY = 4096  # postings or documents between two looks at the clock
FIRST_CANDIDATES = 16  # candidates beyond the page checked for the bonus in a first round


@dataclass(frozen=True)
class PhraseBonus:
    """A bonus phrase and, for each document holding all its words, its score there if the words
    stand in order (Whoosh scores a phrase as the sum of its words' scores, times its boost)."""

    field: str
    words: tuple[bytes, ...]
    scores: Scores


class Scorer:
    """Evaluates Whoosh queries (Term, Or, And, Phrase) on one open Whoosh searcher, with the
    tables of `cache` (shared by the searchers of one index generation; never change its values).

    Queries of other kinds are handed to Whoosh (`whoosh_scores`).
    """

    def __init__(self, searcher: Any, cache: BoundedCache[Hashable, Any]) -> None:
        self.searcher = searcher
        self.cache = cache
        self.leaves = [(sub.reader(), offset) for sub, offset in searcher.leaf_searchers()]
        self._starts = [offset for _, offset in self.leaves]
        weighting = searcher.weighting
        # Whoosh's default weighting read straight from the term tables; anything else through
        # Whoosh's own scorer objects.
        self._bm25f = (
            type(weighting) is BM25F
            and type(weighting).idf is WeightingModel.idf
            and all(isinstance(reader._terms, W3TermsReader) for reader, _ in self.leaves)
        )

    # -- one term --

    def term(self, fieldname: str, text: str | bytes, deadline: Deadline) -> Scores:
        """Whoosh's unboosted score of every live document holding the term."""
        btext = self._bytes(fieldname, text)
        if btext is None:
            return {}
        key = ("term", fieldname, btext)
        cached: Scores | None = self.cache.get(key)
        if cached is not None:
            return cached
        deadline.check()
        scores: Scores = {}
        if not self._bm25f:
            self._whoosh_term(fieldname, btext, scores, deadline)
        else:
            found = [
                (leaf, info)
                for leaf, (reader, _) in enumerate(self.leaves)
                if (info := raw_term_info(reader, fieldname, btext))
            ]
            if found:
                score = self._bm25(fieldname, sum(info_doc_frequency(info) for _, info in found))
                for leaf, info in found:
                    self._score_postings(score, leaf, fieldname, info, scores, deadline)
        self.cache.put(key, scores)
        return scores

    def _bytes(self, fieldname: str, text: str | bytes) -> bytes | None:
        if fieldname not in self.searcher.schema:
            return None
        try:
            btext: bytes = text if isinstance(text, bytes) else self.searcher.schema[fieldname].to_bytes(text)
        except ValueError:
            return None
        return btext

    def _bm25(self, fieldname: str, doc_frequency: int) -> Callable[[float, int | None], float] | None:
        """The score of a posting (weight, field length) of a term found in `doc_frequency`
        documents: Whoosh's BM25FScorer with its statistics (`idf` as `WeightingModel.idf`), and
        `bm25()` written out with the same operations in the same order, so the same bits. None
        for a field that is not scored (Whoosh's WeightScorer: the weight itself)."""
        if not self.searcher.schema[fieldname].scorable:
            return None
        weighting = self.searcher.weighting
        idf = log(self.searcher.doc_count_all() / (doc_frequency + 1)) + 1
        avgfl = self.searcher.avg_field_length(fieldname) or 1
        b = weighting._field_B.get(fieldname, weighting.B)
        k1 = weighting.K1
        k1_plus_1, one_minus_b = k1 + 1, 1 - b
        return lambda tf, fl: idf * ((tf * k1_plus_1) / (tf + k1 * (one_minus_b + b * fl / avgfl)))

    def _score_postings(
        self,
        score: Callable[[float, int | None], float] | None,
        leaf: int,
        fieldname: str,
        info: bytes,
        scores: Scores,
        deadline: Deadline,
    ) -> None:
        reader, offset = self.leaves[leaf]
        deleted = reader.deleted_docs_set if reader.has_deletions() else frozenset()
        postings = info_postings(reader, fieldname, info)
        if score is None:
            for docnum, weight, _ in postings:
                if docnum not in deleted:
                    scores[offset + docnum] = weight
            return
        lengths = self._lengths(leaf, fieldname)
        for count, (docnum, weight, _) in enumerate(postings, 1):
            if docnum not in deleted:
                scores[offset + docnum] = score(weight, lengths[docnum])
            if count % CHECK_EVERY == 0:
                deadline.check()

    def _whoosh_term(self, fieldname: str, btext: bytes, scores: Scores, deadline: Deadline) -> None:
        """The same table through Whoosh's matchers and scorer objects (other weightings, codecs)."""
        if (fieldname, btext) not in self.searcher.reader():
            return
        for sub, offset in self.searcher.leaf_searchers():
            if (fieldname, btext) in sub.reader():
                matcher = sub.postings(fieldname, btext)
                while matcher.is_active():
                    scores[offset + matcher.id()] = matcher.score()
                    matcher.next()
                deadline.check()

    def load_lengths(self, fieldname: str) -> None:
        """Decode `fieldname`'s lengths in every segment now (a first query would)."""
        for leaf in range(len(self.leaves)):
            self._lengths(leaf, fieldname)

    def _lengths(self, leaf: int, fieldname: str) -> list[int | None]:
        """Each document's length of `fieldname` in segment `leaf`, decoded once per generation."""
        key = ("lengths", leaf, fieldname)
        cached: list[int | None] | None = self.cache.get(key)
        if cached is None:
            reader = self.leaves[leaf][0]
            length = field_lengths(reader, fieldname)
            cached = [length(docnum) for docnum in range(reader.doc_count_all())]
            self.cache.put(key, cached)
        return cached

    def _positions(self, fieldname: str, btext: bytes, deadline: Deadline) -> dict[int, Any]:
        """Each live document's encoded positions of a term (decode with the field's format),
        read once per generation: checking a phrase then costs a lookup per word and document."""
        key = ("positions", fieldname, btext)
        cached: dict[int, Any] | None = self.cache.get(key)
        if cached is not None:
            return cached
        deadline.check()
        table: dict[int, Any] = {}
        for reader, offset in self.leaves:
            if self._bm25f:
                info = raw_term_info(reader, fieldname, btext)
                postings = info_postings(reader, fieldname, info) if info else iter(())
            elif (fieldname, btext) in reader:
                matcher = reader.postings(fieldname, btext)
                postings = iter(list(_matcher_items(matcher)))
            else:
                continue
            deleted = reader.deleted_docs_set if reader.has_deletions() else frozenset()
            for docnum, _, value in postings:
                if docnum not in deleted:
                    table[offset + docnum] = value
        self.cache.put(key, table)
        return table

    # -- queries --

    def scores(self, query: Query, deadline: Deadline) -> Scores:
        """Every document `query` matches, with its score. The result may be a cached table:
        read it, never change it."""
        if isinstance(query, Term):
            scores = self.term(query.fieldname, query.text, deadline)
            return scores if query.boost == 1.0 else times(scores, query.boost)
        if not _reusable(query):
            return self._evaluate(query, deadline)
        # A word's alternatives over the fields, a phrase: the same in many queries.
        key = _key(query)
        cached: Scores | None = self.cache.get(key)
        if cached is None:
            cached = self._evaluate(query, deadline)
            self.cache.put(key, cached)
        return cached

    def _evaluate(self, query: Query, deadline: Deadline) -> Scores:
        deadline.check()
        if isinstance(query, _NullQuery):
            return {}
        if isinstance(query, WhooshOr | And) and len(query.subqueries) == 1:
            return self.scores(query.subqueries[0], deadline)  # Whoosh ignores the boost here too
        if isinstance(query, WhooshOr) and not query.scale and not query.minmatch:
            either = union([self.scores(sub, deadline) for sub in query.subqueries])
            return either if query.boost == 1.0 else times(either, query.boost)
        if isinstance(query, And):
            both = intersection([self.scores(sub, deadline) for sub in query.subqueries])
            return both if query.boost == 1.0 else times(both, query.boost)
        if isinstance(query, Phrase) and query.slop == 1:
            bonus = self.phrase(query, deadline)
            in_order = self.in_order(bonus.field, bonus.words, bonus.scores, deadline)
            return {docnum: score for docnum, score in bonus.scores.items() if docnum in in_order}
        if isinstance(query, Require):  # a's scores, for the documents b matches
            return self._restricted(query.a, self.docs(query.b, deadline), deadline)
        return whoosh_scores(self.searcher, query)

    def _restricted(self, query: Query, docs: set[int], deadline: Deadline) -> Scores:
        """The scores of `query` for those of `docs` it matches: for an `Or`, only these
        documents' entries of its tables are added (in the same order as `_sum`, so the same bits)."""
        if isinstance(query, WhooshOr) and len(query.subqueries) > 1 and not query.scale and not query.minmatch:
            tables = [self.scores(sub, deadline) for sub in query.subqueries]
            found: Scores = {}
            for docnum in docs:
                values = [table[docnum] for table in tables if docnum in table]
                if values:
                    found[docnum] = add(values)
            return found if query.boost == 1.0 else times(found, query.boost)
        return {docnum: score for docnum, score in self.scores(query, deadline).items() if docnum in docs}

    def docs(self, query: Query, deadline: Deadline) -> set[int]:
        """The documents `query` matches (a filter: no scores needed)."""
        if isinstance(query, And):
            found = [self.docs(sub, deadline) for sub in query.subqueries]
            return set.intersection(*found) if found else set()
        if isinstance(query, WhooshOr):
            if _reusable(query):  # its table is cached (or will be, for the next query)
                return set(self.scores(query, deadline))
            return set().union(*(self.docs(sub, deadline) for sub in query.subqueries))
        if isinstance(query, Require):
            return self.docs(query.b, deadline) & self.docs(query.a, deadline)
        if isinstance(query, Term | Phrase | _NullQuery):
            return set(self.scores(query, deadline))
        return set(self.searcher.docs_for_query(query))

    # -- phrases --

    def phrase(self, query: Phrase, deadline: Deadline) -> PhraseBonus:
        """The documents holding all the words of `query`, scored as if they stood in order."""
        field = self.searcher.schema[query.fieldname]
        words = tuple(word if isinstance(word, bytes) else field.to_bytes(word) for word in query.words)
        tables = [self.term(query.fieldname, word, deadline) for word in words]
        scores = intersection(tables) if tables else {}
        if query.boost != 1.0:
            scores = times(scores, query.boost)
        return PhraseBonus(query.fieldname, words, scores)

    def in_order(self, fieldname: str, words: tuple[bytes, ...], docs: Iterable[int], deadline: Deadline) -> set[int]:
        """Those of `docs` (all holding every word) where the words stand next to each other in
        this order: Whoosh's Phrase with slop 1, read from each word's positions."""
        decode = self.searcher.schema[fieldname].format.decode_positions
        tables = [self._positions(fieldname, word, deadline) for word in words]
        found: set[int] = set()
        for count, docnum in enumerate(docs, 1):
            if _consecutive(docnum, tables, decode):
                found.add(docnum)
            if count % 256 == 0:
                deadline.check()
        return found

    def top(self, base: Scores, bonus: list[PhraseBonus], count: int, deadline: Deadline) -> list[tuple[int, float]]:
        """The best `count` documents of `base`, best first (ties: lower document number first),
        each scored base + the scores of the bonus phrases found in order in it: exactly what
        scoring every document with the bonus would rank first.

        A document's bonus is at most the sum of its phrases' scores (`PhraseBonus.scores`), so
        its final score is at most base + that sum. Candidates are checked best bound first, in
        rounds, until the bound of every unchecked document is below the `count`-th final score.
        """
        if count <= 0 or not base:
            return []
        potential: Scores = union([{d: s for d, s in phrase.scores.items() if d in base} for phrase in bonus])
        if not potential:
            return best(base, count)
        bound = {docnum: base[docnum] + extra for docnum, extra in potential.items()}
        final: Scores = {}
        wanted = count + FIRST_CANDIDATES
        while True:
            candidates = best_docs(base, bound, wanted)
            unchecked = [docnum for docnum in candidates if docnum not in final]
            found = [
                self.in_order(phrase.field, phrase.words, [d for d in unchecked if d in phrase.scores], deadline)
                for phrase in bonus
            ]
            for docnum in unchecked:
                extras = [p.scores[docnum] for p, hits in zip(bonus, found, strict=True) if docnum in hits]
                final[docnum] = base[docnum] + add(extras) if extras else base[docnum]
            ranked = best(final, count)
            if len(candidates) == len(base):
                return ranked
            lowest_bound = bound.get(candidates[-1], base[candidates[-1]])
            if len(ranked) == count and lowest_bound < ranked[-1][1]:
                return ranked
            wanted *= 4


def _key(query: Query) -> Hashable:
    """A cache key for `query` (Whoosh's query hashes cancel out: a word's Or over four fields
    hashes the same for every word)."""
    if isinstance(query, Term):
        return ("term", query.fieldname, query.text, query.boost)
    if isinstance(query, Phrase):
        return ("phrase", query.fieldname, tuple(query.words), query.boost, query.slop)
    if isinstance(query, WhooshOr | And):
        return (type(query).__name__, query.boost, tuple(_key(sub) for sub in query.subqueries))
    if isinstance(query, Require):
        return (type(query).__name__, _key(query.a), _key(query.b))
    return ("query", repr(query))


def _reusable(query: Query) -> bool:
    """Whether `query`'s table is worth keeping for other queries: a term, a phrase, or a word's
    alternatives over the fields (an `Or` of those, one level deep); not a whole query's matches."""
    if isinstance(query, Term | Phrase):
        return True
    return isinstance(query, WhooshOr) and all(
        isinstance(sub, Term | Phrase)
        or (isinstance(sub, WhooshOr) and all(isinstance(leaf, Term | Phrase) for leaf in sub.subqueries))
        for sub in query.subqueries
    )


def _matcher_items(matcher: Any) -> Iterator[tuple[int, float, Any]]:
    while matcher.is_active():
        yield matcher.id(), matcher.weight(), matcher.value()
        matcher.next()


def _consecutive(docnum: int, tables: list[dict[int, Any]], decode: Callable[[Any], list[int]]) -> bool:
    """Whether the words of `tables` (each word's encoded positions by document) stand next to
    each other in `docnum`, in order. Words are decoded one by one, until no start is left: most
    candidates fail at the second word."""
    try:
        starts = set(decode(tables[0][docnum]))
        for offset, table in enumerate(tables[1:], 1):
            starts.intersection_update([position - offset for position in decode(table[docnum])])
            if not starts:
                return False
    except KeyError:  # (a document lacking a word: callers never pass one)
        return False
    return True

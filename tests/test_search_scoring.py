"""The term-at-a-time scorer against Whoosh's own matchers, on indexes of several segments with
deleted documents: the same matches, the same scores (to the last bits of the additions), the
same top N with the phrase bonus; the shared cache stays within its budget."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh.query import And, AndMaybe, Or, Phrase, Query, Require, Term

from conftest import indexed_article
from feedindex.analysis import AnalyzerSpec
from feedindex.index.generations import new_generation, open_index
from feedindex.index.write import assemble, update_index, write_part
from feedindex.model import Article
from feedindex.search.cache import BoundedCache
from feedindex.search.deadline import Deadline, OutOfTime
from feedindex.search.scoring import PhraseBonus, Scorer
from feedindex.search.tables import whoosh_scores

WORDS = ["開源", "模型", "搜尋", "索引", "資料", "alpha", "bravo", "charlie", "delta", "共同"]
FIELDS = ["title", "body", "summary", "tags_text"]
INDEXED = ["开源", "模型", "搜寻", "索引", "资料", "alpha", "bravo", "charli", "delta", "共同"]  # as analysed
START = datetime(2025, 1, 1, tzinfo=UTC)


def make_article(number: int, rng: random.Random) -> Article:
    def text(count: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(count))

    return indexed_article(
        number,
        START + timedelta(days=number),
        text(rng.randint(3, 40)),
        title=text(rng.randint(1, 4)),
        summary=text(rng.randint(0, 6)),
        tags=tuple(rng.sample(WORDS, rng.randint(0, 2))),
    )


@pytest.fixture(scope="module")
def fragmented(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """An index of three segments (two build parts, one update) with deleted documents."""
    rng = random.Random(5)
    index_dir = tmp_path_factory.mktemp("scoring") / "index"
    generation = new_generation(index_dir)
    articles = [make_article(number, rng) for number in range(90)]
    names: dict[str, dict[str, str]] = {"tags": {}, "category": {}}
    for part in range(2):
        write_part(generation, part, articles[part:80:2], AnalyzerSpec())
    removed = [f"a{number}.md" for number in (0, 4, 5, 11, 30, 31, 47)]
    assemble(index_dir, generation, 2, AnalyzerSpec(), names, remove=removed, retention=0)
    update_index(index_dir, ["a12.md", "a13.md"], articles[80:], AnalyzerSpec(), names, retention=0)
    searcher = open_index(index_dir).searcher()
    assert len(searcher.leaf_searchers()) >= 3 and searcher.reader().has_deletions()
    yield searcher
    searcher.close()


def terms_of(searcher: Any, field: str) -> list[str]:
    return sorted(term for term in searcher.reader().field_terms(field) if term)


@st.composite
def queries(draw: st.DrawFn, depth: int = 2) -> Query:
    field = draw(st.sampled_from(FIELDS))
    boost = draw(st.sampled_from([1.0, 1.5, 2.5, 4.0]))
    kinds = ["term", "phrase"] + (["or", "and", "require"] if depth else [])
    kind = draw(st.sampled_from(kinds))
    word = st.sampled_from(INDEXED)
    if kind == "term":
        return Term(field, draw(word), boost=boost)
    if kind == "phrase":
        return Phrase(
            draw(st.sampled_from(["title", "body"])), draw(st.lists(word, min_size=2, max_size=3)), boost=boost
        )
    if kind == "require":  # the scores of one query, for the documents another matches
        return Require(draw(queries(depth - 1)), draw(queries(depth - 1)))
    subs = draw(st.lists(queries(depth - 1), min_size=1, max_size=4))
    return Or(subs, boost=boost) if kind == "or" else And(subs, boost=boost)


def assert_same_scores(mine: dict[int, float], whoosh: dict[int, float]) -> None:
    assert mine.keys() == whoosh.keys()
    for docnum, score in whoosh.items():
        assert math.isclose(mine[docnum], score, rel_tol=1e-12), (docnum, mine[docnum], score)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=queries())
def test_scores_are_whooshs_for_every_match(fragmented: Any, query: Query) -> None:
    scorer = Scorer(fragmented, BoundedCache(1_000_000))
    assert_same_scores(scorer.scores(query, Deadline()), whoosh_scores(fragmented, query))
    # again, from the cache
    assert_same_scores(scorer.scores(query, Deadline()), whoosh_scores(fragmented, query))


def test_the_vocabulary_is_in_the_index(fragmented: Any) -> None:
    # the generated queries must find things, or the property above proves little
    body = set(terms_of(fragmented, "body"))
    assert {"开源", "模型", "alpha", "共同"} <= body
    assert whoosh_scores(fragmented, Phrase("body", ["alpha", "bravo"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    required=st.lists(st.sampled_from(["开源", "模型", "alpha", "bravo", "共同", "delta"]), min_size=1, max_size=3),
    atoms=st.lists(st.sampled_from(["开源", "模型", "alpha", "bravo", "共同"]), min_size=2, max_size=3),
    count=st.integers(1, 40),
)
def test_top_with_the_bonus_is_exhaustive_scoring(
    fragmented: Any, required: list[str], atoms: list[str], count: int
) -> None:
    base_query = And(
        [
            Or([Term(field, word, boost=boost) for field, boost in zip(FIELDS, [4, 1, 1.5, 2.5], strict=True)])
            for word in required
        ]
    )
    bonus = [Phrase(field, atoms, boost=3.0) for field in ("title", "body")]
    scorer = Scorer(fragmented, BoundedCache(1_000_000))
    base = scorer.scores(base_query, Deadline())
    phrases = [scorer.phrase(phrase, Deadline()) for phrase in bonus]
    mine = scorer.top(base, phrases, count, Deadline())
    every = whoosh_scores(fragmented, AndMaybe(base_query, Or(bonus)))
    reference = sorted(every.items(), key=lambda item: (-item[1], item[0]))[:count]
    assert len(mine) == len(reference)
    for (docnum, score), (_, expected) in zip(mine, reference, strict=True):
        # the same score at each rank; a document may trade places only with an equal score
        assert math.isclose(score, expected, rel_tol=1e-12)
        assert math.isclose(every[docnum], score, rel_tol=1e-12)


def test_top_checks_positions_only_for_the_best_candidates(fragmented: Any) -> None:
    scorer = Scorer(fragmented, BoundedCache(1_000_000))
    base = scorer.scores(Term("body", "共同"), Deadline())
    phrase = scorer.phrase(Phrase("body", ["共同", "alpha"], boost=3.0), Deadline())
    checked: list[int] = []
    in_order = scorer.in_order

    def counting(field: str, words: tuple[bytes, ...], docs: Any, deadline: Deadline) -> set[int]:
        docs = list(docs)
        checked.extend(docs)
        return in_order(field, words, docs, deadline)

    scorer.in_order = counting  # type: ignore[method-assign]
    top = scorer.top(base, [phrase], 3, Deadline())
    assert len(top) == 3
    assert 0 < len(checked) < len(phrase.scores)


def test_a_passed_deadline_stops_matching_and_ranking(fragmented: Any) -> None:
    scorer = Scorer(fragmented, BoundedCache(1_000_000))
    query = And([Term("body", "共同"), Or([Term("title", "alpha"), Term("body", "alpha")])])
    passed = Deadline(0.0)
    with pytest.raises(OutOfTime):
        scorer.scores(query, passed)
    base = scorer.scores(query, Deadline())
    phrase = scorer.phrase(Phrase("body", ["共同", "alpha"], boost=3.0), Deadline())
    scorer.cache = BoundedCache(1_000_000)  # positions not read yet: the bonus check reads them
    with pytest.raises(OutOfTime):
        scorer.top(base, [phrase], 5, passed)


def test_the_cache_keeps_to_its_budget() -> None:
    cache: BoundedCache[str, list[int]] = BoundedCache(10)
    cache.put("a", [1] * 4)
    cache.put("b", [1] * 4)
    assert cache.get("a") is not None  # a is now the most recently used
    cache.put("c", [1] * 4)
    assert cache.get("b") is None and cache.get("a") is not None and cache.get("c") is not None
    assert len(cache) == 8
    cache.put("huge", [1] * 11)  # larger than the whole budget: not kept
    assert cache.get("huge") is None and len(cache) == 8


def test_phrase_bonus_scores_are_the_words_scores_times_the_boost(fragmented: Any) -> None:
    scorer = Scorer(fragmented, BoundedCache(1_000_000))
    bonus = scorer.phrase(Phrase("body", ["共同", "alpha"], boost=3.0), Deadline())
    assert isinstance(bonus, PhraseBonus)
    found = scorer.in_order(bonus.field, bonus.words, bonus.scores, Deadline())
    reference = whoosh_scores(fragmented, Phrase("body", ["共同", "alpha"], boost=3.0))
    assert found == set(reference)
    for docnum in found:
        assert math.isclose(bonus.scores[docnum], reference[docnum], rel_tol=1e-12)


def test_a_query_restricted_to_the_documents_of_another_is_whooshs_require(fragmented: Any) -> None:
    # the shape of the title match: the words' scores anywhere, for titles holding all but one
    words = ["开源", "模型", "alpha"]
    anywhere = Or([Or([Term(field, word) for field in FIELDS]) for word in words], boost=0.7)
    all_but_one = Or([And([Term("title", w) for w in words if w != skipped]) for skipped in words])
    query = Require(anywhere, all_but_one)
    scorer = Scorer(fragmented, BoundedCache(1_000_000))
    mine = scorer.scores(query, Deadline())
    assert mine  # the vocabulary finds some
    assert_same_scores(mine, whoosh_scores(fragmented, query))
    assert scorer.docs(query, Deadline()) == set(mine)

"""Where the right article lands, and why: a report on a search_quality.py run.

Reads the `--json` file of `bench/search_quality.py` and the feedindex index it built (`--out DIR`
keeps it in `DIR/feedindex/out/index`), asks every query again with a deeper page (top 100), and
prints, per query type:

* the rank distribution of the target: 1, 2, 3, 4-5, 6-10, 11-100, not found; and which matching
  stage answered (all words / bigram fallback / any word);
* for each query whose target is not first, a diagnosis: every analysed query word, in which
  fields of the target it is found (title, tags, summary, body; "syn" when only through an
  index-time extra: a synonym or a sub-word, not as written), which words the target lacks (then
  the stage-1 AND cannot match it), and the score of each field for the target and for the article
  ranked first (each field's Or of the query words, Whoosh's BM25F with feedindex's field boosts).

    python bench/quality_report.py /tmp/sq.json --index /tmp/sq/feedindex/out/index [--kinds translated_title]
        [--examples 8] [--markdown]

Only the index and public feedindex functions are used; nothing is written.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh.query import Or, Term

from feedindex.analysis import fold, lower_ascii, words
from feedindex.index.generations import open_index
from feedindex.index.schema import FIELD_BOOSTS
from feedindex.search.searcher import Searcher

DEEP = 100
BUCKETS = (("1", 1, 1), ("2", 2, 2), ("3", 3, 3), ("4-5", 4, 5), ("6-10", 6, 10), ("11-100", 11, DEEP))
FIELDS = ("title", "tags_text", "summary", "body")
SHORT = {"title": "title", "tags_text": "tags", "summary": "summary", "body": "body"}


@dataclass(frozen=True)
class Diagnosis:
    """One query whose target is not ranked first."""

    kind: str
    text: str
    target: str
    rank: int | None
    stage: str
    top: str
    words: list[str]
    where: dict[str, list[str]]  # word -> fields of the target holding it ("title", "body+syn" …)
    missing: list[str]
    target_scores: dict[str, float]
    top_scores: dict[str, float]


class Inspector:
    """Per-field presence and scores of query words in documents of one index generation."""

    def __init__(self, index_dir: Path) -> None:
        self.searcher = Searcher(index_dir)
        self.index = open_index(index_dir)
        self.whoosh = self.index.searcher()
        self.reader = self.whoosh.reader()
        self.docnums = {fields["slug"]: docnum for docnum, fields in self.reader.iter_docs()}

    def rank(self, text: str, target: str) -> tuple[int | None, str, str]:
        """(rank of target in the top DEEP, stage, slug ranked first)."""
        result = self.searcher.search(text, per_page=DEEP)
        slugs = [hit.slug for hit in result.hits]
        rank = slugs.index(target) + 1 if target in slugs else None
        return rank, result.stage, slugs[0] if slugs else "-"

    def _has(self, field: str, term: str, docnum: int) -> bool:
        if not self.reader.doc_frequency(field, term):
            return False
        postings = self.reader.postings(field, term)
        postings.skip_to(docnum)
        return bool(postings.is_active() and postings.id() == docnum)

    def where(self, term: str, docnum: int) -> list[str]:
        """Fields of `docnum` whose index holds `term`; "+syn" when the stored text does not
        contain it as written (an index-time synonym or sub-word matched)."""
        stored = self.reader.stored_fields(docnum)
        found = []
        for field in FIELDS:
            if self._has(field, term, docnum):
                text = stored.get(field)
                literal = text is None or term.isascii() or term in lower_ascii(fold(text))  # Latin terms are stems
                found.append(SHORT[field] + ("" if literal else "+syn"))
        return found

    def scores(self, terms: Sequence[str], docnum: int) -> dict[str, float]:
        """Score of each field's Or of `terms` for `docnum` (0 when absent), boosts applied."""
        found = {}
        context = self.whoosh.context(needs_current=True)
        for field in FIELDS:
            query = Or([Term(field, term) for term in terms], boost=FIELD_BOOSTS[field])
            matcher = query.matcher(self.whoosh, context)
            score = 0.0
            if matcher.is_active():
                matcher.skip_to(docnum)
                if matcher.is_active() and matcher.id() == docnum:
                    score = float(matcher.score())
            found[SHORT[field]] = round(score, 2)
        return found

    def diagnose(self, query: dict[str, Any], rank: int | None, stage: str, top: str) -> Diagnosis:
        """Why the target of `query` is not first."""
        docnum = self.docnums.get(query["target"])
        analysed = [w.text for w in words(query["text"], self.searcher.spec)]
        terms = list(dict.fromkeys(analysed))
        where = {term: self.where(term, docnum) for term in terms} if docnum is not None else {}
        missing = [term for term in terms if not where.get(term)]
        top_doc = self.docnums.get(top)
        return Diagnosis(
            kind=query["kind"],
            text=query["text"],
            target=query["target"],
            rank=rank,
            stage=stage,
            top=top,
            words=terms,
            where=where,
            missing=missing,
            target_scores=self.scores(terms, docnum) if docnum is not None else {},
            top_scores=self.scores(terms, top_doc) if top_doc is not None and top != query["target"] else {},
        )


def bucket(rank: int | None) -> str:
    """The rank bucket of a rank."""
    for name, low, high in BUCKETS:
        if rank is not None and low <= rank <= high:
            return name
    return "none"


def main(argv: list[str] | None = None) -> int:
    """Print the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("json", type=Path, help="the --json file of a search_quality.py run")
    parser.add_argument("--index", type=Path, required=True, help="feedindex's index folder of that run")
    parser.add_argument("--kinds", nargs="*", help="only these query types")
    parser.add_argument("--examples", type=int, default=8, help="diagnosed examples per type (default 8)")
    args = parser.parse_args(argv)

    run = json.loads(args.json.read_text(encoding="utf-8"))
    inspector = Inspector(args.index)
    by_kind: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    for query in run["queries"]:
        if not args.kinds or query["kind"] in args.kinds:
            by_kind[query["kind"]].append(query)

    header = "| type | n | " + " | ".join(name for name, _, _ in BUCKETS) + " | none | stage all / bigram / any |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    diagnoses: dict[str, list[Diagnosis]] = {}
    for kind, queries in by_kind.items():
        ranks: Counter[str] = Counter()
        stages: Counter[str] = Counter()
        diagnoses[kind] = []
        for query in queries:
            rank, stage, top = inspector.rank(query["text"], query["target"])
            ranks[bucket(rank)] += 1
            stages[stage] += 1
            if rank != 1:
                diagnoses[kind].append(inspector.diagnose(query, rank, stage, top))
        cells = " | ".join(str(ranks[name]) for name, _, _ in BUCKETS)
        print(
            f"| {kind} | {len(queries)} | {cells} | {ranks['none']} "
            f"| {stages['all']} / {stages['bigram']} / {stages['any']} |"
        )

    for kind, found in diagnoses.items():
        missing = Counter(term for d in found for term in d.missing)
        lacking = sum(1 for d in found if d.missing)
        print(f"\n## {kind}: {len(found)} not first; {lacking} lack a query word in every field")
        if missing:
            print("words the targets lack most: " + ", ".join(f"{w} ({n})" for w, n in missing.most_common(15)))
        for d in found[: args.examples]:
            placed = "; ".join(f"{w}: {'+'.join(f) if f else 'MISSING'}" for w, f in d.where.items())
            print(f"- `{d.text}` → {d.target}: rank {d.rank or '>100'} (stage {d.stage}; first: {d.top})")
            print(f"  - words: {placed}")
            if d.top_scores:
                print(f"  - scores target {d.target_scores} / first {d.top_scores}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

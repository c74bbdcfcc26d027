"""Query latency in-process: feedindex's search against a bare Whoosh query on the same index.

On a site that was built (a config file whose output folder holds an index: the work folder of
`bench/regen.py`, or of `bench/peers.py`, which builds the 50k replica), runs search-box queries
made from the indexed titles (the same generator as `bench/load.py`: pieces of Chinese titles and
English words), each once, through

1. `feedindex.search.searcher.Searcher.search` (what the server and `feedindex search` run: folding,
   segmentation, synonyms, staged matching, facets, snippets, suggestions), and
2. the baseline, in the same run and on the same index: Whoosh alone, the query's words (as
   feedindex's analyzer cuts them) OR-ed over the body field, top 10 with BM25 and stored fields
   read. It is the least any Whoosh search over this index costs, so the ratio is what feedindex
   adds to it.

Before measuring, a warm-up pass of 200 other queries loads the dictionaries and opens the
segments. Prints the machine (cores, load average, versions) and the index (articles, segments),
p50, p95, p99 and max in milliseconds and the ratios, and the targets (5k: p50 ≤ 6 ms, p99 ≤ 30 ms;
50k: p50 ≤ 20 ms, p99 ≤ 100 ms).

Then, unless `--no-exhaustive`, the same queries once more with `exhaustive=True`: every match
scored by Whoosh's own matchers (the phrase bonus included), the ranking the fast path must give.
Prints the mean overlap of the two top-10 sets and how many queries have the same top 10 in the
same order (any difference is listed).

    python bench/latency.py /tmp/regen5k/feedindex.toml
    python bench/latency.py /tmp/peers-50k/feedindex.toml --queries 2000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import machine, make_queries

from feedindex.analysis import words
from feedindex.config import load_config
from feedindex.index.generations import open_index
from feedindex.search.searcher import Searcher

TARGETS = {5_000: {"p50": 6.0, "p99": 30.0}, 50_000: {"p50": 20.0, "p99": 100.0}}


def percentiles(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)

    def at(share: float) -> float:
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    return {"p50": statistics.median(ordered), "p95": at(0.95), "p99": at(0.99), "max": ordered[-1]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("config", type=Path, help="feedindex.toml of a site that was built")
    parser.add_argument("--queries", type=int, default=2000, help="measured queries (default 2000)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--no-exhaustive", action="store_true", help="skip the comparison with exhaustive scoring")
    args = parser.parse_args()

    config = load_config(args.config)
    queries = make_queries(args.config, args.queries + 200, args.seed)
    warm, measured = queries[:200], queries[200:]

    from whoosh.query import Or, Term

    searcher = Searcher(config.index_dir, config.site.tz)
    bare = open_index(config.index_dir).searcher()
    spec = searcher.spec

    def feedindex_search(query: str) -> int:
        return searcher.search(query).total

    def whoosh_search(query: str) -> int:
        terms = [Term("body", word.text) for word in words(query, spec)]
        results = bare.search(Or(terms), limit=10) if terms else []
        for hit in results:
            hit.fields()
        return len(results)

    systems = {"feedindex": feedindex_search, "whoosh (body OR)": whoosh_search}
    for run in systems.values():
        for query in warm:
            run(query)
    times: dict[str, list[float]] = {name: [] for name in systems}
    for query in measured:  # the systems take turns, so a slow patch of the machine hits both
        for name, run in systems.items():
            started = time.perf_counter()
            run(query)
            times[name].append((time.perf_counter() - started) * 1000)

    documents = bare.doc_count()
    print(f"machine: {machine()}")
    segments = len(bare.leaf_searchers())
    print(f"{len(measured)} distinct queries, each once, on {documents:,} documents in {segments} segment(s)")
    print(f"index: {config.index_dir}")
    print(f"{'system':<20} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    figures = {name: percentiles(values) for name, values in times.items()}
    for name, row in figures.items():
        print(f"{name:<20} " + " ".join(f"{row[key]:8.1f}" for key in ("p50", "p95", "p99", "max")))
    mine, base = figures["feedindex"], figures["whoosh (body OR)"]
    print("ratio feedindex/whoosh: " + ", ".join(f"{key} {mine[key] / base[key]:.2f}" for key in ("p50", "p99")))
    size, target = min(TARGETS.items(), key=lambda item: abs(item[0] - documents))
    met = all(mine[key] <= limit for key, limit in target.items())
    verdict = "met" if met else "not met"
    print(f"target at {size:,} articles: p50 ≤ {target['p50']:.0f} ms, p99 ≤ {target['p99']:.0f} ms: {verdict}")
    if not args.no_exhaustive:
        compare_with_exhaustive(searcher, measured)
    return 0


def compare_with_exhaustive(searcher: Searcher, queries: list[str]) -> None:
    """Top 10 of the fast path against exhaustive scoring (Whoosh's matchers, every match)."""
    overlaps, same, differences = [], 0, []
    started = time.perf_counter()
    for query in queries:
        fast = [hit.slug for hit in searcher.search(query).hits]
        reference = [hit.slug for hit in searcher.search(query, exhaustive=True).hits]
        overlaps.append(len(set(fast) & set(reference)) / max(1, len(reference)) if reference or fast else 1.0)
        if fast == reference:
            same += 1
        else:
            differences.append((query, fast, reference))
    elapsed = time.perf_counter() - started
    print(
        f"top 10 against exhaustive scoring ({len(queries)} queries, {elapsed:.0f} s): mean overlap "
        f"{statistics.mean(overlaps):.4f}, same top 10 in the same order {same} of {len(queries)}"
    )
    for query, fast, reference in differences[:20]:
        print(f"  differs: {query!r}: {fast} vs {reference}")


if __name__ == "__main__":
    raise SystemExit(main())

"""Query latency in-process: feedindex's search against a bare Whoosh query on the same index.

On a site that was built (a config file whose output folder holds an index: the work folder of
`bench/regen.py`, or of `bench/peers.py`, which builds the 50k replica), runs search-box queries
made from the indexed titles (the same generator as `bench/load.py`: pieces of Chinese titles and
English words), each once, through

1. `feedindex.query.Searcher.search` (what the server and `feedindex search` run: folding,
   segmentation, synonyms, staged matching, facets, snippets, suggestions), and
2. the baseline, in the same run and on the same index: Whoosh alone, the query's words (as
   feedindex's analyzer cuts them) OR-ed over the body field, top 10 with BM25 and stored fields
   read. It is the least any Whoosh search over this index costs, so the ratio is what feedindex
   adds to it.

Before measuring, a warm-up pass of 200 other queries loads the dictionaries and opens the
segments. Prints p50, p95, p99 and max in milliseconds and the ratios, and the issue's target
(p50 ≤ 5 ms, p99 ≤ 30 ms at 50k articles).

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

from load import make_queries

from feedindex.analysis import words
from feedindex.config import load_config
from feedindex.index import open_index
from feedindex.query import Searcher

TARGET = {"p50": 5.0, "p99": 30.0}


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
    print(f"{len(measured)} distinct queries, each once, on {documents:,} documents ({config.index_dir})")
    print(f"{'system':<20} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    figures = {name: percentiles(values) for name, values in times.items()}
    for name, row in figures.items():
        print(f"{name:<20} " + " ".join(f"{row[key]:8.1f}" for key in ("p50", "p95", "p99", "max")))
    mine, base = figures["feedindex"], figures["whoosh (body OR)"]
    print("ratio feedindex/whoosh: " + ", ".join(f"{key} {mine[key] / base[key]:.2f}" for key in ("p50", "p99")))
    met = all(mine[key] <= limit for key, limit in TARGET.items())
    print(f"target p50 ≤ {TARGET['p50']:.0f} ms, p99 ≤ {TARGET['p99']:.0f} ms: {'met' if met else 'not met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

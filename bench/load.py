"""Load on the search service: requests/s and latency from a separate process over loopback.

Starts `feedindex serve` on an existing site (a config file whose output folder holds an index,
e.g. the work folder of `bench/regen.py`), then drives it with Debian's `wrk` (one thread, on the
same machine) for each worker count, quietly and again while a rebuild loop edits 10 articles and
runs `feedindex build` (each build publishes a new index generation under the server):

    python bench/regen.py /tmp/corpus/real-zh-5k --work /tmp/regen5k      # makes the 5k site
    python bench/load.py /tmp/site1k/feedindex.toml --workers 1 2 --duration 20

Queries are made from the indexed articles' titles (Chinese pieces and English words). Two
streams are measured:

- `distinct`: every request a different query (the server's answer cache never helps: the
  worst case); the pool holds as many distinct queries as `--distinct` asks, and the table says
  how many requests the run made (more requests than queries: some repeat);
- `zipf`: queries drawn from a pool of `--zipf-pool` (5,000) distinct queries with Zipf
  popularity (s = 1), as site-search logs are.

With `--baseline`, the same streams also go to a bare Whoosh service on the same index and the
same stack (uvicorn, FastAPI, one endpoint: the query's words OR-ed over the body field, top 10,
stored fields read, as `bench/latency.py`'s baseline), one worker, quiet: the machine's speed in
the same run, for ratios. Prints the machine (cores, load average, versions), requests/s, p50/p99
latency, errors and builds during each run, and the targets (distinct >= 150 requests/s with p99
<= 100 ms; zipf >= 300 requests/s with p99 <= 50 ms; 0 errors).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from feedindex.config import load_config
from feedindex.index.generations import open_index

LUA = """
paths = {%s}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
"""


def make_queries(config_path: Path, count: int, seed: int) -> list[str]:
    """Search-box queries from the indexed titles: pieces of Chinese titles and English words."""
    config = load_config(config_path)
    rng = random.Random(seed)
    with open_index(config.index_dir).searcher() as searcher:
        titles = [fields["title"] for fields in searcher.all_stored_fields()]
    queries: list[str] = []
    while len(queries) < count:
        title = rng.choice(titles)
        han = re.findall(r"[\u4e00-\u9fff]{2,}", title)
        latin = re.findall(r"[A-Za-z]{3,}", title)
        if han and (not latin or rng.random() < 0.7):
            run = rng.choice(han)
            start = rng.randrange(0, max(1, len(run) - 1))
            queries.append(run[start : start + rng.randint(2, 6)])
        elif latin:
            queries.append(" ".join(rng.sample(latin, min(len(latin), rng.randint(1, 2)))))
    return queries


def start_server(config: Path, port: int, workers: int, baseline: bool = False) -> subprocess.Popen[bytes]:
    """A `feedindex serve` process (or, with `baseline`, the bare Whoosh service), once it answers."""
    if baseline:
        here = str(Path(__file__).resolve().parent)
        command = [sys.executable, "-m", "uvicorn", "--app-dir", here, "--factory", "load:bare_app"]
        command += ["--port", str(port), "--log-level", "warning"]
        environment = {**os.environ, "FEEDINDEX_CONFIG": str(config)}
    else:
        command = [sys.executable, "-m", "feedindex", "serve", "--config", str(config), "--port", str(port)]
        command += ["--workers", str(workers)]
        environment = None
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the server did not start")


def bare_app() -> Any:
    """The baseline service: bare Whoosh on the same index (FEEDINDEX_CONFIG), on the same stack."""
    import threading

    from fastapi import FastAPI
    from whoosh.query import Or, Term

    from feedindex.analysis import words
    from feedindex.index.generations import open_index
    from feedindex.index.schema import index_spec

    config = load_config(Path(os.environ["FEEDINDEX_CONFIG"]))
    index = open_index(config.index_dir)
    spec = index_spec(index)
    local = threading.local()
    app = FastAPI()

    @app.get("/api/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/search")
    def search(q: str = "") -> dict[str, Any]:
        if not hasattr(local, "searcher"):
            local.searcher = index.searcher()
        terms = [Term("body", word.text) for word in words(q, spec)]
        hits = local.searcher.search(Or(terms), limit=10) if terms else []
        return {"total": len(hits), "hits": [hit.fields()["slug"] for hit in hits]}

    return app


def machine() -> str:
    """What the figures depend on: cores, load, versions, time."""
    import platform

    import whoosh

    import feedindex

    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"{os.cpu_count()} cores, load average {load}, Python {platform.python_version()}, "
        f"feedindex {feedindex.__version__}, whoosh {'.'.join(map(str, whoosh.__version__))}, "
        f"{time.strftime('%Y-%m-%d %H:%M:%S')}"
    )


def warm_up(port: int, queries: list[str]) -> None:
    """Load the dictionaries and open the searchers before the measurement."""
    for query in queries * 4:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search?q={urllib.parse.quote(query)}", timeout=30):
            pass


def run_wrk(port: int, paths: list[str], duration: int, connections: int, threads: int) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False, encoding="utf-8") as script:
        script.write(LUA % ", ".join('"' + path.replace('"', "%22") + '"' for path in paths))
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        "-s",
        script.name,
        f"http://127.0.0.1:{port}",
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    Path(script.name).unlink()

    def latency(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        if not match:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    requests = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    errors += sum(int(n) for n in socket_errors.groups()) if socket_errors else 0
    total = re.search(r"(\d+) requests in", output)
    return {
        "rps": requests,
        "p50": latency("50"),
        "p99": latency("99"),
        "errors": errors,
        "requests": float(total.group(1)) if total else float("nan"),
    }


def rebuild_loop(config: Path, stop: threading.Event, counter: list[int], niceness: int) -> None:
    """Edit 10 articles and run `feedindex build` (at `niceness`), again and again, until `stop`.

    The builds' warnings (the same every time) are not printed: the table is what this reports."""
    content = load_config(config).paths.content
    files = sorted(content.rglob("*.md"))
    rng = random.Random(3)
    while not stop.is_set():
        for path in rng.sample(files, 10):
            with path.open("a", encoding="utf-8") as handle:
                handle.write(f"\n\n負載測試時的修改 {rng.randrange(10**9)}。\n")
        command = [sys.executable, "-m", "feedindex", "build", "--config", str(config), "--quiet"]
        if niceness:
            command = ["nice", "-n", str(niceness), *command]
        subprocess.run(command, stderr=subprocess.DEVNULL, check=False)
        counter[0] += 1


def distinct_queries(config: Path, count: int, seed: int) -> list[str]:
    """Up to `count` different queries (fewer when the titles do not hold that many)."""
    found: dict[str, None] = {}
    for attempt in range(8):
        found.update(dict.fromkeys(make_queries(config, count * 2, seed + attempt)))
        if len(found) >= count:
            break
    return list(found)[:count]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("config", type=Path, help="feedindex.toml of a site that was built")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--duration", type=int, default=20, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--distinct", type=int, default=10_000, help="queries of the distinct stream")
    parser.add_argument("--zipf-pool", type=int, default=5_000, help="distinct queries of the Zipf stream")
    parser.add_argument("--zipf-s", type=float, default=1.0)
    parser.add_argument("--streams", nargs="+", default=["distinct", "zipf"], choices=["distinct", "zipf"])
    parser.add_argument("--no-rebuild", action="store_true", help="quiet runs only")
    parser.add_argument("--no-quiet", action="store_true", help="runs while rebuilding only")
    parser.add_argument("--rebuild-nice", type=int, default=0, help="run the rebuilds under `nice -n N`")
    parser.add_argument("--baseline", action="store_true", help="also run the streams against bare Whoosh")
    parser.add_argument("--port", type=int, default=8790)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2
    config = load_config(args.config)
    with open_index(config.index_dir).searcher() as searcher:
        documents, segments = searcher.doc_count(), len(searcher.leaf_searchers())
    distinct = distinct_queries(args.config, args.distinct, seed=5)
    zipf_pool = distinct_queries(args.config, args.zipf_pool, seed=17)
    rng = random.Random(9)
    weights = [1 / rank**args.zipf_s for rank in range(1, len(zipf_pool) + 1)]
    streams = {
        "distinct": ["/api/search?q=" + urllib.parse.quote(query) for query in distinct],
        "zipf": ["/api/search?q=" + urllib.parse.quote(q) for q in rng.choices(zipf_pool, weights, k=100_000)],
    }
    print(f"machine: {machine()}", flush=True)
    print(
        f"site: {args.config}, {documents:,} articles in {segments} index segment(s); distinct stream "
        f"{len(distinct):,} queries; zipf stream s = {args.zipf_s} over {len(zipf_pool):,} queries; "
        f"{args.connections} connections, {args.duration} s each, wrk (1 thread) on the same machine",
        flush=True,
    )
    header = f"{'system':>9} {'workers':>7} {'stream':>9} {'while':>11} {'requests/s':>11} {'p50 ms':>8} {'p99 ms':>8}"
    print(f"{header} {'errors':>7} {'requests':>9} {'builds':>7} {'load':>6}", flush=True)
    runs = [("feedindex", workers, rebuilding) for workers in args.workers for rebuilding in (False, True)]
    runs = [run for run in runs if not (args.no_rebuild and run[2]) and not (args.no_quiet and not run[2])]
    if args.baseline:
        runs = [("whoosh", 1, False), *runs]
    for system, workers, rebuilding in runs:
        for stream in args.streams:
            # A fresh server for each run: no answer of an earlier run is cached.
            server = start_server(args.config, args.port, workers, baseline=system == "whoosh")
            stop, builds = threading.Event(), [0]
            rebuilder = threading.Thread(target=rebuild_loop, args=(args.config, stop, builds, args.rebuild_nice))
            try:
                warm_up(args.port, ["開源", "模型", "Visual Studio"])
                load = os.getloadavg()[0]
                if rebuilding:
                    rebuilder.start()
                figures = run_wrk(args.port, streams[stream], args.duration, args.connections, threads=1)
            finally:
                stop.set()
                if rebuilding:
                    rebuilder.join()
                server.terminate()
                server.wait()
            label = "rebuilding" if rebuilding else "quiet"
            print(
                f"{system:>9} {workers:>7} {stream:>9} {label:>11} {figures['rps']:>11.0f} {figures['p50']:>8.1f} "
                f"{figures['p99']:>8.1f} {figures['errors']:>7.0f} {figures['requests']:>9.0f} {builds[0]:>7} "
                f"{load:>6.2f}",
                flush=True,
            )
    print("targets (1,000-article site): distinct >= 150 requests/s with p99 <= 100 ms; zipf >= 300 requests/s")
    print("with p99 <= 50 ms; 0 errors, quiet and while rebuilding; requests/s growing with workers up to the cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())

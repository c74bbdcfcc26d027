"""Load on the search service: requests/s and latency from a separate process over loopback.

Starts `feedindex serve` on an existing site (a config file whose output folder holds an index,
e.g. the work folder of `bench/regen.py`), then drives it with Debian's `wrk` for each worker
count, quietly and again while a rebuild loop edits articles and runs `feedindex build`:

    python bench/regen.py /tmp/corpus/real-zh-5k --work /tmp/regen5k      # makes the 5k site
    python bench/load.py /tmp/regen5k/feedindex.toml --workers 1 2 --duration 20

Queries are made from the indexed articles' titles (Chinese pieces and English words). Two
streams are measured: `distinct`, where every request in a run is a different query (the
server's answer cache never helps: the worst case), and `zipf`, where queries are drawn from the
same pool with Zipf-distributed popularity (s = 1.1), as site-search logs are. Prints requests/s,
p50/p99 latency, errors, and the target (≥ 300 requests/s, p99 ≤ 50 ms, 0 errors).
"""

from __future__ import annotations

import argparse
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

from feedindex.config import load_config
from feedindex.index import open_index

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


def start_server(config: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "feedindex", "serve", "--config", str(config), "--port", str(port)]
    process = subprocess.Popen([*command, "--workers", str(workers)], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the server did not start")


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
    return {"rps": requests, "p50": latency("50"), "p99": latency("99"), "errors": errors}


def rebuild_loop(config: Path, stop: threading.Event, counter: list[int]) -> None:
    """Edit 10 articles and run `feedindex build`, again and again, until `stop`."""
    content = load_config(config).paths.content
    files = sorted(content.rglob("*.md"))
    rng = random.Random(3)
    while not stop.is_set():
        for path in rng.sample(files, 10):
            with path.open("a", encoding="utf-8") as handle:
                handle.write(f"\n\n負載測試時的修改 {rng.randrange(10**9)}。\n")
        subprocess.run([sys.executable, "-m", "feedindex", "build", "--config", str(config), "--quiet"], check=False)
        counter[0] += 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("config", type=Path, help="feedindex.toml of a site that was built")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--duration", type=int, default=20, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--port", type=int, default=8790)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2
    pool = make_queries(args.config, args.queries, seed=5)
    rng = random.Random(9)
    weights = [1 / rank**1.1 for rank in range(1, len(pool) + 1)]
    streams = {
        "distinct": ["/api/search?q=" + urllib.parse.quote(query) for query in pool],
        "zipf": ["/api/search?q=" + urllib.parse.quote(query) for query in rng.choices(pool, weights, k=20_000)],
    }
    rows = []
    for workers in args.workers:
        for stream, paths in streams.items():
            for rebuilding in (False, True):
                # A fresh server for each run: no answer of an earlier run is cached.
                server = start_server(args.config, args.port, workers)
                stop, builds = threading.Event(), [0]
                rebuilder = threading.Thread(target=rebuild_loop, args=(args.config, stop, builds))
                try:
                    warm_up(args.port, ["開源", "模型", "Visual Studio"])
                    if rebuilding:
                        rebuilder.start()
                    figures = run_wrk(args.port, paths, args.duration, args.connections, threads=1)
                finally:
                    stop.set()
                    if rebuilding:
                        rebuilder.join()
                    server.terminate()
                    server.wait()
                rows.append((workers, stream, "rebuilding" if rebuilding else "quiet", figures, builds[0]))
    print(
        f"Search service load: {args.config}, a pool of {len(pool)} queries, {args.connections} connections, "
        f"{args.duration} s each, wrk on the same 2-core machine"
    )
    header = f"{'workers':>7} {'stream':>9} {'while':>11} {'requests/s':>11} {'p50 ms':>8} {'p99 ms':>8}"
    print(f"{header} {'errors':>7} {'builds':>7}")
    for workers, stream, label, figures, builds in rows:
        print(
            f"{workers:>7} {stream:>9} {label:>11} {figures['rps']:>11.0f} {figures['p50']:>8.1f} "
            f"{figures['p99']:>8.1f} {figures['errors']:>7.0f} {builds:>7}"
        )
    print("target: >= 300 requests/s with p99 <= 50 ms and 0 errors")
    return 0


if __name__ == "__main__":
    sys.exit(main())

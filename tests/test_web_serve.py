"""One real `feedindex serve` process on 127.0.0.1, rebuilt under it while a client keeps asking."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from typing import Any

import pytest

from conftest import MakeSite, article, free_port

pytestmark = pytest.mark.slow


def get_json(url: str) -> tuple[int, Any]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, json.loads(response.read())


def test_a_rebuild_while_serving_fails_no_request_and_shows_the_change(make_site: MakeSite, serve: Any) -> None:
    site = make_site({f"p{n}.md": article(f"文章 {n}", body=f"開源模型 第 {n} 篇 feed readers") for n in range(30)})
    subprocess.run([sys.executable, "-m", "feedindex", "build", "--config", str(site.config_path)], check=True)
    base = serve(site, "--workers", "2")

    status, body = get_json(base + "/api/search?q=" + urllib.parse.quote("開源模型"))
    assert status == 200 and body["total"] == 30

    failures: list[str] = []
    answered = 0
    seen_change = threading.Event()
    stop = threading.Event()

    def client() -> None:
        nonlocal answered
        queries = ["開源模型", "feed readers", "獨角鯨", "第 7 篇"]
        while not stop.is_set():
            query = queries[answered % len(queries)]
            try:
                status, body = get_json(base + "/api/search?q=" + urllib.parse.quote(query))
            except Exception as error:  # every failure counts, whatever its kind
                failures.append(f"{query}: {error!r}")
                continue
            answered += 1
            if status != 200:
                failures.append(f"{query}: HTTP {status}")
            elif query == "獨角鯨" and body["total"] == 1:
                seen_change.set()

    threads = [threading.Thread(target=client) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(0.5)
        site.write("p3.md", article("文章 3", body="這一篇改寫了，提到獨角鯨。"))
        for extra in range(3):  # several generation switches while the clients ask
            site.write(f"new{extra}.md", article(f"新文章 {extra}", body="開源模型 feed readers"))
            subprocess.run([sys.executable, "-m", "feedindex", "build", "--config", str(site.config_path)], check=True)
        assert seen_change.wait(timeout=30), "the rebuilt article never became visible"
        time.sleep(0.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert failures == []
    assert answered > 50
    status, body = get_json(base + "/api/search?q=" + urllib.parse.quote("開源模型"))
    assert body["total"] == 32  # 30 - the rewritten one + 3 new ones


def test_health_answers_while_a_slow_search_runs(make_site: MakeSite, serve: Any) -> None:
    # 32 words (the most a query may have) in every article, never in the query's order: every
    # article matches and the phrase bonus must be checked in each. Searches run in a thread
    # pool, so health does not wait for it (it did: the endpoints were async, on the loop).
    words = [f"w{chr(97 + n // 26)}{chr(97 + n % 26)}q" for n in range(32)]
    body = " ".join(reversed(words)) * 10
    files = {f"p{n}.md": article(f"文章 {n}", body=f"{body} 編號{n}") for n in range(1500)}
    site = make_site(files, {"server": {"time_budget_ms": 60_000}})
    subprocess.run([sys.executable, "-m", "feedindex", "build", "--config", str(site.config_path)], check=True)
    base = serve(site)
    finished: dict[str, float] = {}

    def slow_search() -> None:
        status, body = get_json(base + "/api/search?q=" + urllib.parse.quote(" ".join(words)))
        finished["search"] = time.monotonic()
        assert status == 200 and body["total"] == 1500 and not body["timed_out"]

    searching = threading.Thread(target=slow_search)
    searching.start()
    time.sleep(0.05)  # the search has started (it takes about 0.3 s)
    status, body = get_json(base + "/api/health")
    finished["health"] = time.monotonic()
    searching.join(timeout=120)
    assert status == 200 and body["status"] == "ok"
    assert finished["health"] < finished["search"], "health waited for the search"


def test_serve_says_where_it_listens_and_logs_requests_when_asked(make_site: MakeSite) -> None:
    site = make_site({"a.md": article("Alpha", body="first words")})
    subprocess.run([sys.executable, "-m", "feedindex", "build", "--config", str(site.config_path)], check=True)
    port = free_port()
    command = [sys.executable, "-m", "feedindex", "serve", "--config", str(site.config_path), "--port", str(port)]
    process = subprocess.Popen([*command, "--access-log"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        generation = (site.out / "index" / "CURRENT").read_text().strip()
        assert first.strip() == (
            f"feedindex serving http://127.0.0.1:{port}/ with 1 worker: index generation {generation} (1 article)"
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                get_json(f"http://127.0.0.1:{port}/api/search?q=first")
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not come up"
                time.sleep(0.1)
        logged = process.stdout.readline()
        assert '"GET /api/search?q=first HTTP/1.1" 200' in logged
    finally:
        process.terminate()
        process.wait(timeout=10)

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

from conftest import MakeSite, article

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

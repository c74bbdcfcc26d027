"""Shared fixtures: `make_site` writes a small site (config + content files) into tmp_path."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from feedindex.analysis import AnalyzerSpec
from feedindex.config import Config, load_config
from feedindex.model import Article

BASE_CONFIG: dict[str, dict[str, Any]] = {
    "site": {
        "title": "測試站 Test Site",
        "base_url": "https://blog.example.com/",
        "description": "A site for tests",
        "language": "zh-Hant",
        "timezone": "Asia/Taipei",
        "author": "Tester",
    },
    "paths": {"content": "content", "out": "out"},
    "feeds": {"items": 20},
}


def toml_dumps(data: Mapping[str, Mapping[str, Any]]) -> str:
    """A small TOML writer for flat tables of strings, numbers, booleans and string lists."""

    def value(item: Any) -> str:
        if isinstance(item, bool):
            return "true" if item else "false"
        if isinstance(item, int | float):
            return repr(item)
        if isinstance(item, list):
            return "[" + ", ".join(value(x) for x in item) + "]"
        # A JSON string is a TOML basic string, once DEL (which TOML forbids raw) is escaped.
        return json.dumps(str(item), ensure_ascii=False).replace("\x7f", "\\u007f")

    lines = []
    for section, table in data.items():
        lines.append(f"[{section}]")
        lines.extend(f"{key} = {value(item)}" for key, item in table.items())
        lines.append("")
    text = "\n".join(lines)
    tomllib.loads(text)  # the writer must produce what tomllib reads
    return text


@dataclass
class Site:
    """A site written into a temporary folder."""

    root: Path
    config_path: Path

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def out(self) -> Path:
        return self.root / "out"

    def config(self) -> Config:
        return load_config(self.config_path)

    def write(self, name: str, text: str | bytes) -> Path:
        path = self.content / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path


MakeSite = Callable[..., Site]


@pytest.fixture
def make_site(tmp_path: Path) -> MakeSite:
    """Write `files` (content-relative path → text or bytes) and a feedindex.toml; return the Site."""

    def make(files: Mapping[str, str | bytes], config: Mapping[str, Mapping[str, Any]] | None = None) -> Site:
        merged = {section: dict(values) for section, values in BASE_CONFIG.items()}
        for section, values in (config or {}).items():
            merged.setdefault(section, {}).update(values)
        config_path = tmp_path / "feedindex.toml"
        config_path.write_text(toml_dumps(merged), encoding="utf-8")
        site = Site(tmp_path, config_path)
        site.content.mkdir(exist_ok=True)
        for name, text in files.items():
            site.write(name, text)
        return site

    return make


def article(title: str, date: str = "2025-11-25", body: str = "Body text.", **fields: Any) -> str:
    """A Markdown article with YAML front matter built from keyword fields."""
    lines = ["---", f"title: {json.dumps(title, ensure_ascii=False)}", f"date: {json.dumps(date)}"]
    for key, value in fields.items():
        lines.append(f"{key}: {json.dumps(value, ensure_ascii=False)}")
    lines += ["---", "", body, ""]
    return "\n".join(lines)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-goldens", action="store_true", help="rewrite tests/golden/ from the current output")


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def serve() -> Any:
    """Start `feedindex serve` for a site as a real process; yields a function returning its URL."""
    import subprocess
    import sys
    import time
    import urllib.request

    processes: list[subprocess.Popen[bytes]] = []

    def start(site: Site, *args: str) -> str:
        port = free_port()
        command = [sys.executable, "-m", "feedindex", "serve", "--config", str(site.config_path), "--port", str(port)]
        process = subprocess.Popen([*command, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        processes.append(process)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url + "/api/health", timeout=2) as response:
                    if response.status == 200:
                        return url
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError(process.stderr.read().decode() if process.stderr else "server exited") from None
                time.sleep(0.1)
        raise RuntimeError("the server did not come up within 30 s")

    yield start
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def write_generation(
    index_dir: Path,
    articles: Iterable[Article],
    spec: AnalyzerSpec | None = None,
    names: dict[str, dict[str, str]] | None = None,
    parts: int = 1,
) -> Path:
    """Index `articles` as a full build does (`parts` written by `write_part`, joined and published
    by `assemble`); the new live generation. Replaced generations are removed at once."""
    from feedindex.index.generations import new_generation
    from feedindex.index.write import assemble, write_part

    spec = spec or AnalyzerSpec()
    articles = list(articles)
    generation = new_generation(index_dir)
    for part in range(parts):
        write_part(generation, part, articles[part::parts], spec)
    assemble(index_dir, generation, parts, spec, names or {"tags": {}, "category": {}}, retention=0)
    return generation


def indexed_article(number: int, published: datetime, body_text: str, **fields: Any) -> Article:
    """An Article as the index takes it (no HTML, no file behind it): `a<number>` at
    https://example.org/a<number>/ from a<number>.md; `fields` override the rest."""
    values: dict[str, Any] = {
        "slug": f"a{number}",
        "title": f"Article {number}",
        "summary": "",
        "description": "",
        "published": published,
        "updated": published,
        "tags": (),
        "categories": (),
        "image": None,
        "reading_time": None,
        "lang": "zh-Hant",
        "draft": False,
        "url": f"https://example.org/a{number}/",
        "body_html": "",
        "body_text": body_text,
        "source": f"a{number}.md",
        "content_hash": "",
    }
    return Article(**(values | fields))

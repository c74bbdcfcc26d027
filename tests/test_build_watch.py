"""`watch`: builds at start, then once per burst of changes (debounced), picks up config edits."""

from __future__ import annotations

import queue
import threading
import time

import pytest
from lxml import etree

from conftest import MakeSite, article
from feedindex.build import BuildReport
from feedindex.build.watch import reloader, watch
from feedindex.errors import ConfigError, FeedindexError


def test_watch_rebuilds_once_per_burst_of_changes(make_site: MakeSite) -> None:
    site = make_site({"a.md": article("Alpha")})
    config = site.config()
    reports: queue.Queue[BuildReport] = queue.Queue()
    errors: queue.Queue[FeedindexError] = queue.Queue()
    stop = threading.Event()
    thread = threading.Thread(
        target=watch,
        kwargs={
            "config": config,
            "debounce": 0.5,
            "on_report": reports.put,
            "on_error": errors.put,
            "stop": stop,
            "reload": reloader(config, None, None),
        },
    )
    thread.start()
    try:
        first = reports.get(timeout=30)
        assert first.full and first.published == 1
        for n in range(5):  # a burst: one build after it, not five
            site.write(f"new-{n}.md", article(f"New {n}"))
            time.sleep(0.05)
        burst = reports.get(timeout=30)
        assert (burst.changed, burst.published) == (5, 6)
        assert reports.empty()
        text = site.config_path.read_text(encoding="utf-8")
        site.config_path.write_text(text.replace("items = 20", "items = 3"), encoding="utf-8")
        edited = reports.get(timeout=30)
        # The configuration is read again: a change of [feeds] renders every feed again (no full build).
        assert edited.feeds_reason is not None and not edited.full
        assert len(etree.parse(site.out / "rss.xml").findall("./channel/item")) == 3
        site.config_path.write_text(text.replace("[site]", "[site]\ncolour = 1"), encoding="utf-8")
        error = errors.get(timeout=30)
        assert "site.colour" in str(error)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()


def test_watching_a_missing_content_folder_is_a_configuration_error(make_site: MakeSite) -> None:
    site = make_site({})
    site.content.rmdir()
    with pytest.raises(ConfigError):
        watch(site.config(), stop=threading.Event())
    assert not site.out.exists()

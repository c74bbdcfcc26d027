"""One build at a time on an output folder: a second build waits or exits with the lock code; a
killed build's lock never blocks the next one."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from conftest import MakeSite, Site, article
from feedindex.build import build
from feedindex.build.lock import build_lock
from feedindex.cli import EXIT_LOCKED, main
from feedindex.errors import LockError

NOW = datetime(2026, 1, 1, tzinfo=ZoneInfo("Asia/Taipei"))


@pytest.fixture
def site(make_site: MakeSite) -> Site:
    site = make_site({"a.md": article("Alpha", date="2025-01-01", body="alpha words")})
    build(site.config(), now=NOW)
    return site


def test_a_second_build_waits_or_exits_with_the_lock_code(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(site.root)
    with build_lock(site.config()):
        result = CliRunner().invoke(main, ["build"])
        assert result.exit_code == EXIT_LOCKED
        assert "another build is running" in result.stderr
        with pytest.raises(LockError):
            build(site.config(), wait=0.2)
    holder = threading.Thread(target=lambda: _hold_lock(site, 1.0))
    holder.start()
    time.sleep(0.2)
    result = CliRunner().invoke(main, ["build", "--wait", "10"])
    holder.join()
    assert result.exit_code == 0, result.output


def _hold_lock(site: Site, seconds: float) -> None:
    with build_lock(site.config()):
        time.sleep(seconds)


def test_a_stale_lock_from_a_killed_process_does_not_block(site: Site) -> None:
    code = (
        "import time\nfrom feedindex.config import load_config\nfrom feedindex.build.lock import build_lock\n"
        f"with build_lock(load_config({str(site.config_path)!r})):\n"
        "    print('locked', flush=True)\n    time.sleep(60)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    with pytest.raises(LockError):
        build(site.config(), now=NOW)
    holder.kill()
    holder.wait()
    assert build(site.config(), now=NOW).changed == 0

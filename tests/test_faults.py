"""Real faults under real `feedindex build` processes: a full disk (a small tmpfs), a read-only
remount, content removed in the middle of a build, folders and files that cannot be read, a bind
mount, and SIGKILL of the build while its workers run.

Mounting needs root (CI runs as root); where the kernel refuses, the test says so and skips.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest

from conftest import BASE_CONFIG, article, toml_dumps
from feedindex.index.generations import generations

pytestmark = pytest.mark.slow

KNOWN = "獨角鯨"


def make_site(root: Path, count: int, **sections: dict[str, object]) -> Path:
    """A site of `count` articles under `root`; the path of its configuration."""
    config = {name: dict(values) for name, values in BASE_CONFIG.items()} | sections
    config_path = root / "feedindex.toml"
    config_path.write_text(toml_dumps(config), encoding="utf-8")
    content = root / "content"
    content.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        body = f"{KNOWN} 開源模型 第{number}號" if number == 0 else f"開源模型 搜尋 第{number}號 " * 40
        when = f"2025-{1 + number % 12:02d}-{1 + number % 28:02d}"
        (content / f"a{number:03d}.md").write_text(article(f"文章 {number}", date=when, body=body), encoding="utf-8")
    return config_path


def feedindex(config_path: Path, *args: str, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    command = [*prefix, sys.executable, "-m", "feedindex", "build", "--config", str(config_path), "--quiet", *args]
    return subprocess.run(command, capture_output=True, text=True, env=os.environ, timeout=600)


def published(out: Path) -> dict[str, bytes]:
    """What readers see: every feed file and the index pointer."""
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*.xml")) if p.is_file()}
    files |= {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("feed.json"))}
    return files | {"index/CURRENT": (out / "index" / "CURRENT").read_bytes()}


def check_valid(out: Path) -> None:
    for name, data in published(out).items():
        if name.endswith(".xml"):
            assert feedparser.parse(data).bozo == 0, name
        elif name.endswith(".json"):
            json.loads(data)
    from feedindex.search.searcher import Searcher

    with Searcher(out / "index") as searcher:
        assert [hit.slug for hit in searcher.search(KNOWN).hits] == ["a000"]


def one_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.fixture
def mount(tmp_path: Path) -> Iterator[list[Path]]:
    """Mount points to unmount after the test."""
    mounted: list[Path] = []
    yield mounted
    for point in reversed(mounted):
        subprocess.run(["mount", "-o", "remount,rw", str(point)], capture_output=True)
        subprocess.run(["umount", str(point)], capture_output=True)


def tmpfs(point: Path, size: str, mounted: list[Path]) -> None:
    point.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"the kernel refused to mount a tmpfs here: {done.stderr.decode().strip()}")
    mounted.append(point)


def free_bytes(path: Path) -> int:
    status = os.statvfs(path)
    return status.f_bavail * status.f_frsize


def test_a_full_disk_exits_5_keeps_what_was_published_and_leaves_no_generation(
    tmp_path: Path, mount: list[Path]
) -> None:
    config_path = make_site(tmp_path, 30)
    out = tmp_path / "out"
    tmpfs(out, "16m", mount)
    assert feedindex(config_path).returncode == 0
    before = published(out)
    filler = out / "filler"
    with filler.open("wb") as file:  # leave 64 KB: too little for a new generation
        file.write(b"\0" * (free_bytes(out) - 64 * 1024))
    free_before = free_bytes(out)

    failed = feedindex(config_path, "--full")
    assert failed.returncode == 5
    line = one_line(failed.stderr)
    assert line.startswith("error: cannot write ") and "No space left on device" in line
    assert published(out) == before
    check_valid(out)
    assert [path.name for path in generations(out / "index")] == ["g000001"]  # the failed one is gone
    assert free_bytes(out) >= free_before - 16 * 1024  # and its space is back

    filler.unlink()
    assert feedindex(config_path, "--full").returncode == 0
    check_valid(out)


def test_a_read_only_output_exits_5_and_the_next_build_completes(tmp_path: Path, mount: list[Path]) -> None:
    config_path = make_site(tmp_path, 10)
    out = tmp_path / "out"
    tmpfs(out, "32m", mount)
    assert feedindex(config_path).returncode == 0
    before = published(out)
    (tmp_path / "content" / "a005.md").write_text(article("改過的文章", body="edited"), encoding="utf-8")
    remount = subprocess.run(["mount", "-o", "remount,ro", str(out)], capture_output=True)
    if remount.returncode != 0:
        pytest.skip(f"the kernel refused to remount read-only: {remount.stderr.decode().strip()}")
    failed = feedindex(config_path)
    assert failed.returncode == 5
    assert "Read-only file system" in one_line(failed.stderr)
    assert published(out) == before
    subprocess.run(["mount", "-o", "remount,rw", str(out)], check=True)
    assert feedindex(config_path).returncode == 0
    titles = [entry.title for entry in feedparser.parse((out / "atom.xml").read_bytes()).entries]
    assert "改過的文章" in titles


def test_a_full_state_folder_exits_5_and_the_next_build_completes(tmp_path: Path, mount: list[Path]) -> None:
    config_path = make_site(tmp_path, 10)
    assert feedindex(config_path).returncode == 0
    state_dir = tmp_path / "out" / ".feedindex"
    kept = tmp_path / "kept-state"
    shutil.copytree(state_dir, kept)
    tmpfs(state_dir, "4m", mount)  # the build state alone on a small disk, which then fills up
    shutil.copytree(kept, state_dir, dirs_exist_ok=True)
    filler = state_dir / "filler"
    with filler.open("wb") as file:
        file.write(b"\0" * free_bytes(state_dir))
    (tmp_path / "content" / "a005.md").write_text(article("改過的文章", body="edited"), encoding="utf-8")
    failed = feedindex(config_path)
    assert failed.returncode == 5
    line = one_line(failed.stderr)
    assert "state.sqlite" in line or "ids.json" in line, line
    assert "database or disk is full" in line or "No space left on device" in line, line
    check_valid(tmp_path / "out")
    filler.unlink()
    assert feedindex(config_path).returncode == 0
    titles = [entry.title for entry in feedparser.parse((tmp_path / "out" / "atom.xml").read_bytes()).entries]
    assert "改過的文章" in titles


def test_content_removed_in_the_middle_of_a_build_is_read_again_when_it_is_back(tmp_path: Path) -> None:
    config_path = make_site(tmp_path, 400, build={"workers": 2})
    content, away = tmp_path / "content", tmp_path / "away"
    assert feedindex(config_path).returncode == 0
    for attempt in range(3):  # the folder must go while files are being read: retry if it missed
        command = [sys.executable, "-m", "feedindex", "build", "--config", str(config_path), "--full", "--json"]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while len(workers_of(process.pid)) < 2 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.02)  # the workers read as soon as they start
        time.sleep(0.2 + 0.4 * attempt)
        content.rename(away)
        time.sleep(0.5)
        away.rename(content)
        stdout, stderr = process.communicate(timeout=600)
        assert process.returncode in (0, 1), stderr
        report = json.loads(stdout)
        unread = [error for error in report["errors"] if error["field"] == "file"]
        if unread:
            break
    else:
        pytest.skip("the content folder never went away while the build was reading (machine too fast or slow)")
    assert report["published"] == 400  # every unread file kept its last good version
    assert all("last good version" in error["message"] for error in unread)
    again = feedindex(config_path, "--json")
    assert again.returncode == 0, again.stdout
    assert json.loads(again.stdout)["errors"] == []
    assert feedindex(config_path).returncode == 0
    check_valid(tmp_path / "out")


def without_root_powers() -> tuple[str, ...]:
    """A command prefix that runs as root without the power to read what root may not (so a
    folder with mode 000 cannot be listed), or a skip."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to take away the power to read any file")
    return ("setpriv", "--bounding-set", "-dac_override,-dac_read_search")


def test_a_folder_or_file_that_cannot_be_read_keeps_its_articles(tmp_path: Path) -> None:
    prefix = without_root_powers()
    config_path = make_site(tmp_path, 6)
    content = tmp_path / "content"
    locked = content / "locked"
    locked.mkdir()
    for number in range(3):
        (locked / f"l{number}.md").write_text(article(f"鎖住 {number}", date="2025-03-01"), encoding="utf-8")
    assert feedindex(config_path, prefix=prefix).returncode == 0
    before = published(tmp_path / "out")
    (content / "a003.md").write_text(article("改過", date="2025-03-01"), encoding="utf-8")  # to be read again
    locked.chmod(0)
    (content / "a003.md").chmod(0)
    try:
        failed = feedindex(config_path, "--json", prefix=prefix)
    finally:
        locked.chmod(0o755)
        (content / "a003.md").chmod(0o644)
    assert failed.returncode == 1
    report = json.loads(failed.stdout)
    assert sorted((error["path"], error["field"]) for error in report["errors"]) == [
        ("a003.md", "file"),
        ("locked", "file"),
    ]
    assert report["published"] == 9 and report["removed"] == 0
    assert published(tmp_path / "out") == before
    again = feedindex(config_path, "--json", prefix=prefix)
    assert again.returncode == 0 and json.loads(again.stdout)["errors"] == []
    titles = [entry.title for entry in feedparser.parse((tmp_path / "out" / "atom.xml").read_bytes()).entries]
    assert "改過" in titles and "鎖住 0" in titles


def test_a_bind_mounted_folder_is_read_once(tmp_path: Path, mount: list[Path]) -> None:
    config_path = make_site(tmp_path, 4)
    content = tmp_path / "content"
    (content / "posts").mkdir()
    (content / "posts" / "p.md").write_text(article("Posted"), encoding="utf-8")
    mirror = content / "zz-mirror"  # the folder is read under the first of its names in name order
    mirror.mkdir()
    if os.geteuid() != 0:
        pytest.skip("a bind mount needs root")
    done = subprocess.run(["mount", "--bind", str(content / "posts"), str(mirror)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"the kernel refused a bind mount here: {done.stderr.decode().strip()}")
    mount.append(mirror)
    result = feedindex(config_path, "--json")
    assert result.returncode == 0, result.stdout
    report = json.loads(result.stdout)
    assert report["published"] == 5 and report["errors"] == []
    assert [(w["path"], w["field"]) for w in report["warnings"]] == [("zz-mirror", "file")]


def workers_of(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [int(child) for child in children.read_text().split()]
    except OSError:
        return []


def alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped is dead)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads worker pids from /proc (Linux)")
def test_workers_die_with_a_killed_build_and_the_next_build_cleans_up(tmp_path: Path) -> None:
    config_path = make_site(tmp_path, 400, build={"workers": 2})
    command = [sys.executable, "-m", "feedindex", "build", "--config", str(config_path), "--quiet"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while len(workers) < 2 and time.monotonic() < deadline and process.poll() is None:
        workers = workers_of(process.pid)
        time.sleep(0.05)
    assert len(workers) == 2, "the build never started its two workers"
    time.sleep(0.2)  # let them read and index for a while
    assert process.poll() is None, "the build finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 5
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    survivors = [pid for pid in workers if alive(pid)]
    for pid in survivors:  # never leave them running, even when the test fails
        os.kill(pid, signal.SIGKILL)
    assert not survivors, "a worker outlived its build by 5 s"
    index_dir = tmp_path / "out" / "index"
    assert generations(index_dir), "the killed build had started a generation"
    assert not (index_dir / "CURRENT").exists()
    finished = feedindex(config_path)
    assert finished.returncode == 0, finished.stderr
    assert [path.name for path in generations(index_dir)] == ["g000001"]
    check_valid(tmp_path / "out")

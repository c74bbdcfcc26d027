"""The spooled HTML of a full build: written by the parts, read by the build process, leaving no
file behind."""

from __future__ import annotations

import gc
import os
import zlib
from pathlib import Path

import pytest

from conftest import MakeSite, article
from feedindex.build import build
from feedindex.build.spool import SPOOL_FOLDER, HtmlSpool, SpooledHtml, spool_folder


def test_what_the_parts_spool_the_build_process_reads_and_no_file_stays(tmp_path: Path) -> None:
    (tmp_path / SPOOL_FOLDER).mkdir()
    (tmp_path / SPOOL_FOLDER / "P0.html").write_bytes(b"left by a killed build")
    folder = spool_folder(tmp_path)
    assert list(folder.iterdir()) == []  # what a killed build left is gone
    spools = []
    for number, texts in enumerate([{"a.md": "<p>甲</p>", "b.md": ""}, {"c.md": "<p>丙</p>" * 1000}]):
        spool = HtmlSpool(folder / f"P{number}.html")
        for source, text in texts.items():
            spool.add(source, zlib.compress(text.encode()))
        spool.close()
        spools.append((spool.path, spool.offsets))
    html = SpooledHtml(spools)
    assert not folder.exists()  # names removed at once, the data stays while open
    assert sorted(html) == ["a.md", "b.md", "c.md"] and len(html) == 3 and "d.md" not in html
    assert zlib.decompress(html["c.md"]).decode() == "<p>丙</p>" * 1000
    assert zlib.decompress(html["b.md"]) == b"" and html.get("d.md") is None
    with pytest.raises(KeyError):
        html["d.md"]


def test_a_parallel_full_build_leaves_no_spool_file(make_site: MakeSite) -> None:
    files = {f"p{n:03d}.md": article(f"文章 {n}", body=f"開源模型 第{n}號") for n in range(240)}
    site = make_site(files, {"build": {"workers": 2}})
    report = build(site.config(), full=True)
    assert report.published == 240
    assert not (site.out / ".feedindex" / SPOOL_FOLDER).exists()
    gc.collect()
    fds = Path(f"/proc/{os.getpid()}/fd")
    if fds.is_dir():  # the spool files are closed once the build is over
        open_spools = [link for link in fds.iterdir() if f"/{SPOOL_FOLDER}/" in str(_target(link))]
        assert open_spools == []


def _target(link: Path) -> str:
    try:
        return str(link.readlink())
    except OSError:  # closed since it was listed
        return ""

"""The phases of a build: named, in order, timed, counted; in `feedindex build --json` and on a
terminal (the TTY display is tested in test_cli.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import MakeSite, Site, article
from feedindex.build import Phase, build
from feedindex.build.phases import Phases
from feedindex.build.report import BuildReport
from feedindex.cli import main

FULL = ["scanning", "reading", "deciding", "joining", "suggestions", "feeds", "publishing"]
INCREMENTAL = ["scanning", "reading", "deciding", "indexing", "suggestions", "feeds", "publishing"]


@pytest.fixture
def site(make_site: MakeSite, monkeypatch: pytest.MonkeyPatch) -> Site:
    files = {
        f"p{number}.md": article(
            f"文章 {number}", date=f"2025-01-{number + 1:02d}", body="開源模型", tags=[f"t{number % 3}"]
        )
        for number in range(6)
    }
    site = make_site(files)
    monkeypatch.chdir(site.root)
    return site


def json_build(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["build", "--json", *args])
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def test_json_lists_each_phase_with_its_wall_time(site: Site) -> None:
    report = json_build()
    phases = report["phases"]
    assert [phase["name"] for phase in phases] == FULL
    assert all(phase["seconds"] >= 0 and phase["workers"] >= 1 for phase in phases)
    assert sum(phase["seconds"] for phase in phases) <= report["seconds"] + 0.01
    by_name = {phase["name"]: phase for phase in phases}
    assert by_name["scanning"]["done"] == 6
    assert (by_name["reading"]["done"], by_name["reading"]["total"]) == (6, 6)
    # The site's feeds and one feed per tag (t0, t1, t2), each looked at once.
    assert (by_name["feeds"]["done"], by_name["feeds"]["total"]) == (4, 4)


def test_an_incremental_build_indexes_and_a_no_op_build_only_scans(site: Site) -> None:
    json_build()
    site.write("p1.md", article("文章 1 edited", date="2025-01-02", body="開源模型", tags=["t1"]))
    report = json_build()
    assert [phase["name"] for phase in report["phases"]] == INCREMENTAL
    by_name = {phase["name"]: phase for phase in report["phases"]}
    assert (by_name["reading"]["done"], by_name["reading"]["total"]) == (1, 1)
    assert by_name["feeds"]["total"] == 2  # the site and t1
    assert [phase["name"] for phase in json_build()["phases"]] == ["scanning"]


def test_progress_is_told_of_every_phase_as_it_runs(site: Site) -> None:
    told: list[Phase] = []
    report = build(site.config(), progress=told.append)
    assert [phase.name for phase in told if phase.finished] == FULL
    assert tuple(phase for phase in told if phase.finished) == report.phases
    reading = [phase for phase in told if phase.name == "reading"]
    assert reading[0].done == 0 and not reading[0].finished  # told when it starts
    assert reading[-1].finished and reading[-1].done == 6
    started = [phase.name for phase in told if not phase.finished and phase.done == 0]
    assert started == FULL  # each phase starts once, after the one before it finished


def test_phases_time_one_phase_after_another() -> None:
    phases = Phases()
    phases.start("a", total=3, workers=2)
    phases.advance(2)
    phases.start("b")  # ends "a"
    phases.advance(5, total=7)
    done = phases.done()
    assert [(p.name, p.done, p.total, p.workers, p.finished) for p in done] == [
        ("a", 2, 3, 2, True),
        ("b", 5, 7, 1, True),
    ]
    assert phases.done() == done  # nothing runs any more
    assert done[0].as_dict() == {"name": "a", "seconds": round(done[0].seconds, 3), "done": 2, "total": 3, "workers": 2}


def test_json_says_how_much_of_the_build_ran_in_parallel(site: Site) -> None:
    report = json_build()
    phases = report["phases"]
    parallel = sum(phase["seconds"] for phase in phases if phase["workers"] > 1)
    assert report["parallel_seconds"] == pytest.approx(parallel, abs=0.01)
    assert report["serial_seconds"] == pytest.approx(report["seconds"] - report["parallel_seconds"], abs=0.01)
    assert 0 <= report["parallel_share"] <= 1
    # Six articles are read in this process: nothing ran in parallel.
    assert report["parallel_share"] == 0 and report["serial_seconds"] == pytest.approx(report["seconds"], abs=0.01)


def test_the_parallel_share_counts_the_phases_of_several_workers() -> None:
    phases = (Phase("scanning", 0.5), Phase("reading", 6.0, workers=2), Phase("feeds", 2.0, workers=2))
    report = BuildReport(0, 0, (), (), (), 0, Path("index"), seconds=10.0, phases=phases)
    assert report.parallel_seconds == 8.0 and report.parallel_share == pytest.approx(0.8)
    shown = report.as_dict()
    assert (shown["parallel_seconds"], shown["serial_seconds"], shown["parallel_share"]) == (8.0, 2.0, 0.8)

"""The locks in requirements/ agree with pyproject.toml (refresh them with `bash scripts/lock.sh`).

A dependency added to or removed from one but not the other, a pin outside pyproject's range, a
runtime pin that differs between the run and test locks, or a pin without a hash fails here.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)")
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}")
VIA_PROJECT = "feedindex (pyproject.toml)"


@dataclass
class Pin:
    """One `name==version` entry of a lock, with what the resolver says pulled it in."""

    version: Version
    hashes: int = 0
    via: list[str] = field(default_factory=list)


def read_lock(name: str) -> dict[str, Pin]:
    pins: dict[str, Pin] = {}
    current: Pin | None = None
    for line in (ROOT / "requirements" / name).read_text(encoding="utf-8").splitlines():
        if match := PIN.match(line):
            current = pins[canonicalize_name(match["name"])] = Pin(Version(match["version"]))
        elif current is None or not line.strip():
            continue
        current.hashes += len(HASH.findall(line))
        comment = line.strip().removeprefix("#").strip()
        if line.strip().startswith("#"):
            current.via.append(comment.removeprefix("via").strip())
    return pins


def declared(extras: bool) -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    texts = list(project["dependencies"])
    if extras:
        texts += project["optional-dependencies"]["test"]
    requirements = [Requirement(text) for text in texts]
    return {canonicalize_name(requirement.name): requirement for requirement in requirements}


@pytest.mark.parametrize(("lock", "extras"), [("run.txt", False), ("test.txt", True), ("lowest.txt", True)])
def test_every_declared_dependency_is_pinned_inside_its_range(lock: str, extras: bool) -> None:
    pins = read_lock(lock)
    for name, requirement in declared(extras).items():
        assert name in pins, f"{name} is in pyproject.toml but not in requirements/{lock}: run scripts/lock.sh"
        assert requirement.specifier.contains(pins[name].version, prereleases=True), (
            f"requirements/{lock} pins {name}=={pins[name].version}, outside pyproject's {requirement}"
        )


@pytest.mark.parametrize(("lock", "extras"), [("run.txt", False), ("test.txt", True), ("lowest.txt", True)])
def test_the_lock_holds_no_direct_dependency_pyproject_dropped(lock: str, extras: bool) -> None:
    direct = {name for name, pin in read_lock(lock).items() if VIA_PROJECT in pin.via}
    assert direct == set(declared(extras)), f"requirements/{lock} is stale: run scripts/lock.sh"


def test_the_test_lock_tests_the_runtime_lock_with_hashes() -> None:
    run, test = read_lock("run.txt"), read_lock("test.txt")
    assert {name: pin.version for name, pin in run.items()} == {name: test[name].version for name in run}
    assert all(pin.hashes for pin in [*run.values(), *test.values()])


def test_the_lowest_lock_is_at_the_lower_bounds() -> None:
    """Each lower bound in pyproject.toml is the release `.ci/run` tests (not an older, untested one)."""

    def head(version: Version) -> tuple[int, ...]:
        return (*version.release, 0, 0)[:3]

    pins = read_lock("lowest.txt")
    for name, requirement in declared(extras=True).items():
        floors = [Version(spec.version) for spec in requirement.specifier if spec.operator in (">=", "==")]
        assert floors, f"{requirement} in pyproject.toml has no lower bound"
        tested = pins[name].version
        assert head(tested) == head(max(floors)), f"lowest.txt tests {name}=={tested}, not {requirement}"

"""The import layers of pyproject.toml's [tool.importlinter] hold: no module imports a module of a
layer above its own (import-linter reads every import, those inside functions and under
TYPE_CHECKING too), and a violation fails the suite."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = "from importlinter.cli import lint_imports_command; lint_imports_command()"


def lint(config: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", LINT, "--config", str(config), "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
    )


def test_no_module_imports_a_higher_layer() -> None:
    done = lint(ROOT / "pyproject.toml", ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout


@pytest.fixture
def package_with_an_upward_import(tmp_path: Path) -> Path:
    """A copy of feedindex in which the model (a core module) imports the build."""
    copy = tmp_path / "src" / "feedindex"
    for path in (ROOT / "src" / "feedindex").rglob("*.py"):
        target = copy / path.relative_to(ROOT / "src" / "feedindex")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    model = copy / "model.py"
    model.write_text(model.read_text(encoding="utf-8") + "\n\ndef _up() -> None:\n    from .build import plan\n")
    return tmp_path


def test_an_upward_import_breaks_the_check(package_with_an_upward_import: Path) -> None:
    # Run from the copy's src folder: import-linter finds `feedindex` there before the installed one.
    done = lint(ROOT / "pyproject.toml", package_with_an_upward_import / "src")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "feedindex.model -> feedindex.build.plan" in done.stdout

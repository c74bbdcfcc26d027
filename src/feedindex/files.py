"""Publishing a file atomically: readers see the old bytes or the new, never half a file; the
index's generation folders (standard library only: every build, even one with nothing to do,
cleans up what a failed or killed build left)."""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

POINTER = "CURRENT"  # in the index folder: the name of the live generation (see index.py)
GENERATION = re.compile(r"^g(\d{6,})$")  # a generation folder's name: g000042


def write_atomic(path: Path, data: bytes) -> bool:
    """Write `data` to `path` via a temporary file in the same folder, fsync and rename.

    Returns False, touching nothing, when `path` already holds exactly `data`, so unchanged
    outputs keep their mtime (web servers and feed readers then answer 304).
    """
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        temporary.chmod(0o644)  # mkstemp creates 0600; published files must be world-readable
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return True


def generations(index_dir: Path) -> list[Path]:
    """The generation folders in `index_dir`, oldest first."""
    if not index_dir.is_dir():
        return []
    found = [path for path in index_dir.iterdir() if GENERATION.match(path.name) and path.is_dir()]
    return sorted(found, key=lambda path: int(path.name[1:]))


def remove_abandoned_generations(index_dir: Path) -> list[str]:
    """Delete the generations that never became the live one (written by a build that failed
    or was killed, or by its orphaned workers); their names. Call only while holding the build
    lock: no reader opens a generation that was never published.

    Without a published generation (no `CURRENT`) every generation folder is abandoned; when
    `CURRENT` cannot be read or names no generation, nothing is deleted.
    """
    try:
        name = (index_dir / POINTER).read_text(encoding="ascii").strip()
    except FileNotFoundError:
        name = "g0"
    except (OSError, UnicodeDecodeError):
        return []
    match = GENERATION.match(name)
    if match is None and name != "g0":
        return []
    live = int(match.group(1)) if match else 0
    removed = []
    for path in generations(index_dir):
        if int(path.name[1:]) > live:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    if removed:
        log.info("removed index generation(s) a failed or killed build left: %s", ", ".join(removed))
    return removed

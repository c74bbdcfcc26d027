"""Index generations: each a complete Whoosh index in its own folder, published atomically.

Layout of the index folder (names in paths.py)::

    index/
      CURRENT          the name of the live generation (replaced atomically)
      retired.json     when each replaced generation stopped being the live one
      g000001/         one complete Whoosh index plus feedindex.json and suggest.json
      g000002/

Readers resolve CURRENT once and keep using that generation; a build writes a new generation
beside it and only then replaces CURRENT, so a reader sees the old or the new index, never a mix.
Standard library only (Whoosh is imported to open a generation): every build, even one with
nothing to do, cleans up here what a failed or killed build left.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import SearchIndexError
from ..files import write_atomic
from ..paths import GENERATION, META, POINTER, RETIRED, generation_name

if TYPE_CHECKING:
    from whoosh.index import Index

log = logging.getLogger(__name__)

RETENTION_SECONDS = 300.0  # how long a replaced generation stays for readers that just opened it


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


def current_generation(index_dir: Path) -> Path:
    """The folder of the live generation; SearchIndexError when there is none."""
    pointer = index_dir / POINTER
    try:
        name = pointer.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise SearchIndexError(f"no index at {index_dir}: run `feedindex build` first") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SearchIndexError(f"cannot read {pointer}: {error}") from None
    if not GENERATION.match(name) or not (index_dir / name).is_dir():
        raise SearchIndexError(f"{pointer} names a missing generation {name!r}")
    return index_dir / name


def open_index(index_dir: Path) -> Index:
    """Open the live generation of the index at `index_dir`."""
    return open_generation(current_generation(index_dir))


def open_generation(generation: Path) -> Index:
    """Open the index of one generation folder."""
    from whoosh import index as whoosh_index

    try:
        return whoosh_index.open_dir(str(generation))
    except Exception as error:  # Whoosh raises many kinds on a damaged index
        raise SearchIndexError(f"cannot open the index at {generation}: {error}") from error


def new_generation(index_dir: Path) -> Path:
    """An empty folder for the next generation (not live until `publish` switches to it)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    existing = generations(index_dir)
    number = int(existing[-1].name[1:]) + 1 if existing else 1
    generation = index_dir / generation_name(number)
    generation.mkdir()
    return generation


def write_meta(generation: Path, meta: dict[str, Any]) -> None:
    """Write a generation's feedindex.json (see `read_meta`)."""
    write_atomic(generation / META, json.dumps(meta, sort_keys=True, ensure_ascii=False).encode())


def publish(index_dir: Path, generation: Path, retention: float = RETENTION_SECONDS) -> None:
    """Make `generation` the live one: replace CURRENT atomically, then retire the generation it
    replaces and remove those no reader can still be opening. Call only while holding the build lock."""
    try:
        previous: Path | None = current_generation(index_dir)
    except SearchIndexError:
        previous = None
    write_atomic(index_dir / POINTER, generation.name.encode("ascii") + b"\n")
    if previous is not None:
        _retire(index_dir, previous)
    remove_old_generations(index_dir, retention)


def read_meta(generation: Path) -> dict[str, Any]:
    """The feedindex.json of a generation (documents, analyzer identity, display names)."""
    try:
        meta: dict[str, Any] = json.loads((generation / META).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SearchIndexError(f"cannot read {generation / META}: {error}") from None
    return meta


def _retired(index_dir: Path) -> dict[str, float]:
    try:
        data = json.loads((index_dir / RETIRED).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(name): float(when) for name, when in data.items()} if isinstance(data, dict) else {}


def _retire(index_dir: Path, generation: Path) -> None:
    retired = _retired(index_dir)
    retired.setdefault(generation.name, time.time())
    write_atomic(index_dir / RETIRED, json.dumps(retired, sort_keys=True).encode())


def remove_old_generations(index_dir: Path, retention: float = RETENTION_SECONDS) -> None:
    """Delete generations no reader can still be opening; call only while holding the build lock.

    A generation replaced less than `retention` seconds ago is kept, so a reader that resolved
    CURRENT just before the switch still finds it. A generation newer than the live one was left
    by a build that was killed before publishing it, and goes at once.
    """
    try:
        live = current_generation(index_dir)
    except SearchIndexError:
        return
    retired = _retired(index_dir)
    now = time.time()
    for path in generations(index_dir):
        if path == live:
            continue
        abandoned = int(path.name[1:]) > int(live.name[1:])
        if abandoned or now - retired.setdefault(path.name, now) >= retention:
            shutil.rmtree(path, ignore_errors=True)
            retired.pop(path.name, None)
    retired = {name: when for name, when in retired.items() if (index_dir / name).is_dir()}
    write_atomic(index_dir / RETIRED, json.dumps(retired, sort_keys=True).encode())

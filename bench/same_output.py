"""Whether two output folders of feedindex hold the same outputs: the proof that a change to how a
build runs did not change what it writes.

    python bench/same_output.py OUT_BEFORE OUT_AFTER

Compares, byte for byte, every file under the two folders, with three allowances that are not
differences of output:

- the live index generation (`index/CURRENT`) is compared with the other's live generation,
  whatever the folders are called; other generations (retired ones still kept) are left out. A
  build numbers its generations and the segment files are named after the generation, so two
  cold builds (both `g000001`) are compared file by file; generations of different names are
  compared by content instead, through Whoosh: every stored document, and every term of every
  field with its statistics and postings (documents, weights, positions);
- the generation's `feedindex.json` is compared as JSON, without its `built` time if it has one;
  `index/retired.json` by the generations it names, not the times they were retired;
- the build's state folder is left out but for the entry-id ledger (`.feedindex/ids.json`): the
  state, the lock and the render cache record when and how the build ran.

Prints a summary per kind of file (feeds, feeds page, stylesheet, index, suggestion table, entry
ids) and every file that differs or exists on one side only; exits 1 when anything differs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterator
from itertools import zip_longest
from pathlib import Path
from typing import Any

KEPT_STATE = {".feedindex/ids.json"}  # of the state folder, the one file that is output (entry ids)
VOLATILE_META = ("built",)  # keys of feedindex.json that say when, not what


def live_files(out: Path) -> dict[str, Path]:
    """Every output file by a name common to both folders: the live generation's as `index/LIVE/...`."""
    live = (out / "index" / "CURRENT").read_text(encoding="utf-8").strip()
    found: dict[str, Path] = {}
    for path in sorted(out.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(out).as_posix()
        if name.startswith(".feedindex/") and name not in KEPT_STATE:
            continue
        parts = name.split("/")
        if parts[0] == "index" and len(parts) > 2:
            if parts[1] != live:
                continue  # a retired generation
            name = "/".join(["index", "LIVE", *parts[2:]])
        found[name] = path
    return found


def kind_of(name: str) -> str:
    """The kind of an output file, for the summary."""
    if name.startswith("index/LIVE/"):
        if name.endswith("suggest.json"):
            return "suggestion table"
        if name.endswith("feedindex.json"):
            return "index meta"
        return "index files"
    if name.startswith("index/"):
        return "index pointer"
    if name.endswith("feeds.html"):
        return "feeds page"
    if name.endswith(".xsl"):
        return "stylesheet"
    if name.startswith(".feedindex/"):
        return "entry ids"
    return "feeds"


def same(name: str, before: Path, after: Path) -> bool:
    if name.endswith("feedindex.json"):
        old, new = (json.loads(path.read_text(encoding="utf-8")) for path in (before, after))
        for key in VOLATILE_META:
            old.pop(key, None)
            new.pop(key, None)
        return bool(old == new)
    if name == "index/retired.json":  # generation → when it was retired
        return bool(json.loads(before.read_bytes()).keys() == json.loads(after.read_bytes()).keys())
    return before.read_bytes() == after.read_bytes()


def index_content(generation: Path) -> Iterator[tuple[Any, ...]]:
    """What an index generation holds, item by item: its stored documents, then each field's
    terms with their statistics and postings, in order."""
    from whoosh.fields import NUMERIC
    from whoosh.index import open_dir

    from feedindex.paths import MAIN_INDEX

    with open_dir(str(generation), indexname=MAIN_INDEX).reader() as reader:
        yield ("documents", reader.doc_count_all(), reader.doc_count())
        for number, stored in enumerate(reader.all_stored_fields()):
            yield ("stored", number, sorted(stored.items()))
        for field in sorted(reader.indexed_field_names()):
            if isinstance(reader.schema[field], NUMERIC):  # dates: in the stored documents
                continue
            for term, info in reader.iter_field(field):
                yield ("term", field, term, info.weight(), info.doc_frequency(), info.min_length(), info.max_length())
                postings = reader.postings(field, term)
                yield ("postings", field, term, list(postings.all_items()))


def same_index(before: Path, after: Path) -> bool:
    return all(old == new for old, new in zip_longest(index_content(before), index_content(after)))


def live(out: Path) -> Path:
    return out / "index" / (out / "index" / "CURRENT").read_text(encoding="utf-8").strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args()
    before, after = live_files(args.before), live_files(args.after)
    equal: Counter[str] = Counter()
    differing: list[str] = []
    if live(args.before).name != live(args.after).name:  # segment names differ: compare the contents
        same_content = same_index(live(args.before), live(args.after))
        print(f"index content      {'identical' if same_content else 'DIFFERS'} (generations of different names)")
        if not same_content:
            differing.append("index content")
        # The pointer names the generation, and a later generation retires the one before it.
        for files in (before, after):
            for name in [name for name in files if kind_of(name) in ("index files", "index pointer")]:
                del files[name]
    for name in sorted(before.keys() & after.keys()):
        if same(name, before[name], after[name]):
            equal[kind_of(name)] += 1
        else:
            differing.append(name)
    only = sorted(before.keys() ^ after.keys())
    for kind in sorted({kind_of(name) for name in before.keys() | after.keys()}):
        differ = sum(kind_of(name) == kind for name in differing)
        print(f"{kind:18} {equal[kind]:6,} identical {differ:6,} differ")
    for name in differing:
        print(f"differs: {name}")
    for name in only:
        print(f"only in {'before' if name in before else 'after'}: {name}")
    print("same outputs" if not differing and not only else "outputs differ")
    return 0 if not differing and not only else 1


if __name__ == "__main__":
    sys.exit(main())

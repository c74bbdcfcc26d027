"""Run the W3C Feed Validation Service's rules over every RSS and Atom file of a built site, offline.

The validator is not on PyPI: take a checkout of https://github.com/w3c/feedvalidator (outside
this repository) and a Python with its three dependencies, then point this script at its `src`:

    python3.11 -m venv /tmp/fv-venv && /tmp/fv-venv/bin/pip install html5lib rdflib lxml
    /tmp/fv-venv/bin/python scripts/validate_feeds.py --validator /tmp/feedvalidator/src out/

Each feed is validated as the online service does ("AA": errors and warnings), with its own
`rel="self"` URL as the address it was fetched from. Prints one line per kind of problem (how
many feeds have it, one example) and exits 1 when any feed has an error. JSON Feed files are not
covered (the validator does not read them; the tests check them against the JSON Feed schema).
"""

from __future__ import annotations

import argparse
import collections
import re
import sys
from pathlib import Path
from typing import Any

_SELF = re.compile(rb'<(?:atom:)?link\b[^>]*\brel="self"[^>]*>')
_HREF = re.compile(rb'\bhref="([^"]*)"')


def self_url(data: bytes) -> str:
    """The feed's `rel="self"` link (the address readers fetch it from), or ""."""
    link = _SELF.search(data)
    href = _HREF.search(link.group(0)) if link else None
    return href.group(1).decode("utf-8").replace("&amp;", "&") if href else ""


def validate(path: Path) -> list[Any]:
    """The errors and warnings the online validator would show for the feed at `path`."""
    import feedvalidator
    from feedvalidator import compatibility

    data = path.read_bytes()
    try:
        events = feedvalidator.validateString(data, firstOccurrenceOnly=1, base=self_url(data))["loggedEvents"]
    except feedvalidator.logging.ValidationFailure as failure:
        events = [failure.event]
    return list(compatibility.AA(events))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path, help="the output folder of a build")
    parser.add_argument("--validator", type=Path, required=True, help="the `src` folder of a feedvalidator checkout")
    parser.add_argument("--limit", type=int, default=0, help="validate at most this many feeds (0: all)")
    args = parser.parse_args()
    sys.path.insert(0, str(args.validator.resolve()))
    from feedvalidator.logging import Error

    feeds = sorted(p for name in ("rss.xml", "atom.xml") for p in args.out.rglob(name) if "index" not in p.parts)
    feeds = feeds[: args.limit] if args.limit else feeds
    kinds: collections.Counter[tuple[str, str]] = collections.Counter()
    example: dict[tuple[str, str], str] = {}
    failed = 0
    for path in feeds:
        seen = set()
        for event in validate(path):
            kind = ("error" if isinstance(event, Error) else "warning", type(event).__name__)
            if kind not in seen:
                seen.add(kind)
                kinds[kind] += 1
                params = {k: v for k, v in event.params.items() if k in ("element", "parent", "attr", "value", "line")}
                example.setdefault(kind, f"{path.relative_to(args.out)} {params}")
        failed += any(kind == "error" for kind, _ in seen)
    errors = sum(count for (kind, _), count in kinds.items() if kind == "error")
    warnings = sum(count for (kind, _), count in kinds.items() if kind == "warning")
    print(f"{len(feeds)} feeds: {failed} with errors; {errors} error kinds x feeds, {warnings} warning kinds x feeds")
    for (kind, name), count in sorted(kinds.items()):
        print(f"  {kind:7} {name:32} in {count:5} feeds, e.g. {example[(kind, name)][:160]}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Entry ids that survive edits: pinned in front matter, else fixed at first publication.

A feed reader shows an entry again whenever its id changes, so the id must not depend on
anything an author edits (title, slug, URL, date). feedindex gives each article a `tag:` URI
(RFC 4151) built from its source path and date *at first publication*, and keeps it in a ledger
(`out/.feedindex/ids.json`). A later edit of the title, slug, URL or date keeps the id. A file
moved to a new path keeps its id when its content is unchanged (same hash); otherwise the author
pins the old id with `id:` in the front matter.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Collection, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from ..config import Config
from ..files import write_atomic
from ..model import Article

log = logging.getLogger(__name__)

LEDGER_NAME = "ids.json"
_MARKDOWN_SUFFIX = re.compile(r"\.(?:md|markdown|mdown|mkdown|mkdn|mkd)$")  # every generator's
LEDGER_VERSION = 1


def tag_uri(base_url: str, article: Article) -> str:
    """A new tag: URI for `article`: host, publication date and source path."""
    host = urlsplit(base_url).hostname or "localhost"
    # NFC, as slugs: a path spelt in NFD (macOS) and in NFC is one id, not two.
    path = unicodedata.normalize("NFC", _MARKDOWN_SUFFIX.sub("", article.source))
    return f"tag:{host},{article.published.date().isoformat()}:{quote(path, safe='/-._~')}"


def _read_ledger(path: Path) -> dict[str, dict[str, str]]:
    try:
        data: Any = json.loads(path.read_bytes())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        # Losing the ledger would give every entry a new id; refuse to guess silently.
        log.warning("cannot read %s (%s): entry ids are derived afresh", path, error)
        return {}
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        return {}
    if all(
        type(entry) is dict and type(entry.get("id")) is str and type(entry.get("hash")) is str
        for entry in entries.values()
    ):
        return entries  # as written: checked without copying 50,000 entries
    return {
        source: {"id": str(entry["id"]), "hash": str(entry.get("hash", ""))}
        for source, entry in entries.items()
        if isinstance(entry, dict) and isinstance(entry.get("id"), str)
    }


def assign_ids(
    config: Config, articles: Sequence[Article], present: Collection[str] | None = None
) -> Mapping[str, str]:
    """The ledger's entry id of every article it knows (by source path), after recording ids
    for `articles` (those new or changed since the last build).

    `present` is every published article's source (default: those of `articles`): a ledger
    entry whose file is not present offers its id to a moved file with the same content. An
    article's pinned `id:` wins over the ledger's (see `prepare_entries`); with
    `feeds.entry_id = "url"` there is no ledger and the map is empty.
    """
    if config.feeds.entry_id == "url":
        return {}
    ledger_path = config.state_dir / LEDGER_NAME
    ledger = _read_ledger(ledger_path)
    before = dict(ledger)
    present = {article.source for article in articles} if present is None else present
    moved_from: dict[str, str] | None = None
    for article in sorted(articles, key=lambda a: a.source):
        known = ledger.get(article.source)
        if known is None and not article.entry_id and moved_from is None:
            # Ledger entries whose file is gone, by content hash: a moved file inherits its id.
            moved_from = {e["hash"]: source for source, e in ledger.items() if source not in present and e["hash"]}
        if known:
            entry_id = known["id"]
        elif article.entry_id:
            entry_id = article.entry_id
        elif moved_from and article.content_hash in moved_from:
            entry_id = ledger[moved_from.pop(article.content_hash)]["id"]
        else:
            entry_id = tag_uri(config.site.base_url, article)
        ledger[article.source] = {"id": entry_id, "hash": article.content_hash}
    # Keep ids of files that are gone: a file that comes back gets its old id again.
    if ledger != before or not ledger_path.exists():
        # One call to json's C encoder (indent= would use its Python one: a second at 50,000).
        payload = {"version": LEDGER_VERSION, "entries": dict(sorted(ledger.items()))}
        write_atomic(ledger_path, json.dumps(payload, ensure_ascii=False).encode() + b"\n")
    return _LedgerIds(ledger)


class _LedgerIds(Mapping[str, str]):
    """source → entry id, read from the ledger as asked (no copy of 50,000 entries)."""

    def __init__(self, ledger: dict[str, dict[str, str]]) -> None:
        self._ledger = ledger

    def __getitem__(self, source: str) -> str:
        return self._ledger[source]["id"]

    def __iter__(self) -> Iterator[str]:
        return iter(self._ledger)

    def __len__(self) -> int:
        return len(self._ledger)

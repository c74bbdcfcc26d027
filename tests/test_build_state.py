"""The build state: what a build records about itself (BuildMeta) reads back as it was written,
and a state an earlier feedindex wrote (the same keys, untyped) reads as a BuildMeta."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from feedindex.build.meta import BuildMeta
from feedindex.build.state import open_state
from feedindex.errors import ContentError


def test_build_meta_reads_back_as_written(tmp_path: Path) -> None:
    meta = BuildMeta(
        config="c0ffee",
        analyzer={"analyzer": "3", "segmenter": "rjieba 0.2"},
        article_format=2,
        errors=(ContentError("a.md", "date", "bad date", 3),),
        duplicates=(ContentError("b.md", "slug", "slug 'x' is already used by c.md"),),
        next_due=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        articles=10,
        published=8,
        drafts=1,
        feed_files=30,
        generation="g000007",
        feeds_page="beef",
    )
    with closing(open_state(tmp_path)) as state:
        assert state.meta() == BuildMeta()  # before the first build
        with state.transaction():
            state.put_meta(meta)
    with closing(open_state(tmp_path)) as state:
        read = state.meta()
    assert [error.as_dict() for error in read.errors] == [error.as_dict() for error in meta.errors]
    assert [error.as_dict() for error in read.duplicates] == [error.as_dict() for error in meta.duplicates]
    assert (read.config, read.analyzer, read.next_due, read.generation, read.feed_files) == (
        "c0ffee",
        meta.analyzer,
        meta.next_due,
        "g000007",
        30,
    )


def test_a_state_written_before_build_meta_reads_as_one(tmp_path: Path) -> None:
    with closing(open_state(tmp_path)):
        pass  # the schema
    values = {
        "config": "c0ffee",
        "errors": [{"path": "a.md", "field": "file", "line": None, "message": "cannot read"}],
        "next_due": "2026-01-02T03:04:05+00:00",
        "published": 8,
        "duplicates": None,
    }
    with closing(sqlite3.connect(tmp_path / "state.sqlite")) as db, db:
        db.executemany(
            "INSERT OR REPLACE INTO meta VALUES (?, ?)",
            [(key, json.dumps(value, sort_keys=True)) for key, value in values.items()],
        )
    with closing(open_state(tmp_path)) as state:
        meta = state.meta()
    assert meta.config == "c0ffee" and meta.published == 8 and meta.duplicates == ()
    assert [(error.path, error.field) for error in meta.errors] == [("a.md", "file")]
    assert meta.next_due == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

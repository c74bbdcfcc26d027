"""The homophone table of "did you mean": pypinyin's character readings, loaded without its phrase
dictionary; the most frequent term of each sound, built with the index, updated with it."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from whoosh.filedb.filestore import FileStorage

from conftest import indexed_article, write_generation
from feedindex.index.suggestions import _load_pinyin_dict, load_table, pinyin_key, update_table
from feedindex.paths import MAIN_INDEX, SUGGESTIONS

START = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("term", "key"),
    [
        ("開源模型", "kai yuan mo xing"),
        ("开源模型", "kai yuan mo xing"),  # simplified and traditional sound the same
        ("綠茶", "lu cha"),  # ü as u
        ("重慶", "zhong qing"),  # the first reading
        ("AI模型", "A I mo xing"),  # a character without a reading stands for itself
        ("〇", "ling"),
        ("𠀀", "he"),  # beyond the Basic Multilingual Plane
    ],
)
def test_pinyin_key(term: str, key: str) -> None:
    assert pinyin_key(term) == key


def test_the_table_loaded_from_its_file_is_pypinyins() -> None:
    from pypinyin.pinyin_dict import pinyin_dict

    assert _load_pinyin_dict() == pinyin_dict


def test_pinyin_keys_do_not_import_the_pypinyin_package() -> None:
    code = (
        "import sys\nfrom feedindex.index.suggestions import pinyin_key\n"
        "print(pinyin_key('開源'), 'pypinyin' in sys.modules, 'pypinyin.phrases_dict' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["kai", "yuan", "False", "False"]


def write_homophones(index_dir: Path, common: str, rare: str) -> Path:
    """A generation in which `common` is in three articles and `rare`, which sounds the same, in one
    (index terms are folded to Simplified, so the words are written so)."""
    texts = [f"{common}軟體", f"{common}社群", f"談{common}", f"{rare}年間"]
    return write_generation(index_dir, [indexed_article(n, START, text) for n, text in enumerate(texts)])


def test_the_table_keeps_the_most_frequent_term_of_a_sound(tmp_path: Path) -> None:
    generation = write_homophones(tmp_path / "index", "开源", "开元")
    assert pinyin_key("开源") == pinyin_key("开元")
    assert load_table(generation)["kai yuan"] == "开源"
    generation = write_homophones(tmp_path / "other", "开元", "开源")
    assert load_table(generation)["kai yuan"] == "开元"


def test_an_update_takes_in_a_term_only_where_it_wins(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    live = write_homophones(index_dir, "开源", "开元")
    table = load_table(live)
    with FileStorage(str(live)).open_index(MAIN_INDEX).reader() as reader:
        assert update_table(table, reader, ["开元", "年間"]) == table  # 開元 is rarer
        added = update_table(table, reader, ["咖啡", "x"])  # a new sound; not a Han word
        assert added == dict(sorted((table | {"ka fei": "咖啡"}).items()))
        assert list(added) == sorted(added)


def test_a_missing_table_means_no_suggestions(tmp_path: Path) -> None:
    assert load_table(tmp_path) == {}
    (tmp_path / SUGGESTIONS).write_text("{", encoding="utf-8")
    assert load_table(tmp_path) == {}

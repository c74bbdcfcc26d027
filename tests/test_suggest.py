"""Homophone keys: pypinyin's character readings, loaded without its phrase dictionary."""

from __future__ import annotations

import subprocess
import sys

import pytest

from feedindex.suggest import _load_pinyin_dict, pinyin_key


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
        "import sys\nfrom feedindex.suggest import pinyin_key\n"
        "print(pinyin_key('開源'), 'pypinyin' in sys.modules, 'pypinyin.phrases_dict' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["kai", "yuan", "False", "False"]

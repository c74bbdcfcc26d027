"""The analyzer: segmentation, folding, positions and offsets; never raises on any text."""

from __future__ import annotations

import pickle

from hypothesis import given, settings
from hypothesis import strategies as st

from feedindex.analysis import analyze, chinese_analyzer, fold_width, segment


def test_chinese_is_segmented_into_words() -> None:
    assert analyze("開源模型的性能") == ["開源", "模型", "的", "性能"]
    assert analyze("结巴分词") == ["结巴", "分词"]


def test_english_is_lowercased_and_stemmed() -> None:
    assert analyze("Feed Readers polling") == ["feed", "reader", "poll"]


def test_full_width_folds_to_ascii_with_the_same_length() -> None:
    assert fold_width("ＡＢＣ１２３　！") == "ABC123 !"
    assert analyze("ＲＳＳ") == ["rss"]


def test_positions_are_ordinal_and_offsets_point_at_the_original() -> None:
    text = "通義千問 Qwen，開源！"
    tokens = [(t.text, t.pos, t.startchar, t.endchar) for t in chinese_analyzer()(text, positions=True, chars=True)]
    assert [t[1] for t in tokens] == list(range(len(tokens)))
    for word, _, start, end in tokens:
        assert fold_width(text[start:end]).lower().startswith(word[:2])


def test_the_analyzer_pickles() -> None:
    analyzer = pickle.loads(pickle.dumps(chinese_analyzer()))
    assert [t.text for t in analyzer("開源模型")] == ["開源", "模型"]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_segment_never_raises_and_offsets_stay_inside(text: str) -> None:
    for word, start, end in segment(text):
        assert 0 <= start < end <= len(text)
        assert fold_width(text[start:end]) == word


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("開源模型软件記憶體 Qwen3-Max ３．１ 128k，。！\x00\u3000é")))
def test_analyzer_never_raises_on_mixed_text(text: str) -> None:
    for token in chinese_analyzer()(text, positions=True, chars=True):
        assert 0 <= token.startchar < token.endchar <= len(text)

"""The analyzer: folding, segmentation, Latin splitting, sub-words, synonyms; never raises."""

from __future__ import annotations

import io
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedindex.analysis import (
    SYNONYM_WEIGHT,
    AnalyzerSpec,
    analyze,
    bigrams,
    chinese_analyzer,
    fold,
    fold_width,
    index_synonyms,
    index_terms,
    lower_ascii,
    segmenter,
    synonyms,
    words,
)
from feedindex.index.schema import make_schema

SPEC = AnalyzerSpec()


def texts(text: str) -> list[str]:
    return [word.text for word in words(text, SPEC)]


def test_traditional_folds_to_simplified_with_the_same_length() -> None:
    assert fold("開源模型與記憶體") == "开源模型与记忆体"
    assert fold("ＡＢＣ１２３　！") == "ABC123 !"
    assert fold_width("ＲＳＳ") == "RSS"
    text = "後來著名的頭髮理髮乾燥瞭解"
    assert len(fold(text)) == len(text)


def test_both_scripts_segment_to_the_same_words() -> None:
    assert texts("開源模型的性能") == texts("开源模型的性能") == ["开源", "模型", "的", "性能"]
    assert texts("结巴分词") == ["结巴", "分词"]


def test_latin_words_are_lowercased_stemmed_and_split_into_parts() -> None:
    assert texts("Feed Readers polling") == ["feed", "reader", "poll"]
    (qwen, maximum) = words("Qwen3-Max", SPEC)
    assert (qwen.text, qwen.parts) == ("qwen3", ("qwen", "3"))
    assert (maximum.text, maximum.parts) == ("max", ("max",))
    assert [(w.text, w.parts) for w in words("v3.1 128k 7B", SPEC)] == [
        ("v3.1", ("v", "3", "1")),
        ("128k", ("128", "k")),
        ("7b", ("7", "b")),
    ]
    assert texts("C++ 與 C# 和 F#") == ["c++", "与", "c#", "和", "f#"]
    assert texts("3 個 1") == ["3", "个", "1"]  # single digits are kept


def test_index_tokens_have_ordinal_positions_parts_and_wholes() -> None:
    tokens = [(t.text, t.pos) for t in chinese_analyzer(SPEC)("Qwen3 Max 開源", positions=True)]
    assert tokens == [("qwen", 0), ("3", 1), ("qwen3", 0), ("max", 2), ("开源", 3)]


@pytest.mark.parametrize("text", ["通義千問（Qwen）的記憶體", "類別階層架構的執行長，冒泡排序與原始程式碼"])
def test_offsets_point_at_the_original_traditional_text(text: str) -> None:
    spans = {(word.start, word.end): word for word in words(text, SPEC)}
    for token in chinese_analyzer(SPEC)(text, chars=True):
        word = spans[token.startchar, token.endchar]  # every token covers exactly one word of the text
        original = text[token.startchar : token.endchar]
        assert fold(original).lower() == word.text or word.parts != (word.text,)
        if token.text not in (word.text, *word.parts):
            # a sub-word of it, or a synonym (and its sub-words) of it or of one of its sub-words
            assert token.text in index_terms(word, SPEC)
            assert token.text in word.text or any(
                token.text in synonym
                for term in [word.text, *segmenter(SPEC).subwords(word.text)]
                for synonym in synonyms().get(term, ())
            )


def test_long_words_also_yield_their_dictionary_subwords() -> None:
    (word,) = words("中华人民共和国", SPEC)
    extra = index_terms(word, SPEC)
    assert {"中华", "人民", "共和国"} <= set(extra)
    assert "中华人民共和国" not in extra


def test_taiwan_and_mainland_vocabulary_are_synonyms() -> None:
    for taiwan, mainland in [("軟體", "软件"), ("記憶體", "内存"), ("資料", "数据"), ("影片", "视频")]:
        assert mainland in analyze(taiwan), taiwan
        assert fold(taiwan) in analyze(mainland), mainland


def test_documentation_vocabulary_mined_from_parallel_pages_is_synonymous() -> None:
    pairs = [("對話方塊", "对话框"), ("索引標籤", "选项卡"), ("中斷點", "断点"), ("運算式", "表达式")]
    pairs.append(("工作", "任务"))  # MSBuild's tasks: one way before, now on evidence both ways
    for taiwan, mainland in pairs:
        assert mainland in analyze(taiwan), taiwan
        assert fold(taiwan) in analyze(mainland), mainland


def test_vocabulary_mined_from_the_cpp_documentation_is_synonymous() -> None:
    # synonyms-mined-cpp.tsv: the C++ docs, a third source in neither benchmark corpus
    for taiwan, mainland in [
        ("階層架構", "层次结构"),
        ("述詞", "谓词"),
        ("原始程式碼", "源代码"),
        ("平行演算法", "并行算法"),
    ]:
        assert mainland in analyze(taiwan), taiwan
        assert fold(taiwan) in analyze(mainland), mainland
    # one way, as mined: a mainland 赋值 is always 指派 (assignment), a Taiwan 指派 also assigns work
    assert "指派" in analyze("变量赋值")
    assert "赋值" not in analyze("指派工作")
    assert "赋值" in synonyms()["指派"]  # highlighting knows it both ways


def test_opencc_phrase_pairs_join_unless_a_side_is_a_common_word() -> None:
    # synonyms-opencc.tsv: OpenCC's TWPhrases beyond what the documents attest
    for taiwan, mainland in [("執行長", "首席执行官"), ("氣泡排序", "冒泡排序"), ("乙太網路", "以太网络")]:
        assert mainland in analyze(taiwan), taiwan
        assert fold(taiwan) in analyze(mainland), mainland
    # 模拟 (simulate, analog) and 万象 (everything; Vientiane) are common words: their table sense
    # (類比, 永珍) would be injected into every text that uses them in another sense
    assert "类比" not in synonyms().get("模拟", ())
    assert "永珍" not in synonyms().get("万象", ())


def test_one_way_synonyms_are_stored_in_one_locale_only() -> None:
    # A Taiwan 建置 is always a mainland 生成 ("build"), but a mainland 生成 is often "generate"
    # (Taiwan 產生): only the Taiwan text gets the other word.
    assert "生成" in analyze("建置專案")
    assert "建置" not in analyze("生成随机数")
    assert "建置" in synonyms()["生成"]  # highlighting still knows the pair, both ways
    assert "建置" not in index_synonyms().get("生成", ())


def test_a_synonym_brings_its_own_subwords() -> None:
    # a mainland 演练 is indexed as if it also said 逐步解說, so the piece 逐步 finds it too
    tokens = [(t.text, t.pos, t.boost) for t in chinese_analyzer(SPEC)("演练", positions=True)]
    assert ("逐步解说", 0, SYNONYM_WEIGHT) in tokens and ("逐步", 0, SYNONYM_WEIGHT) in tokens
    assert ("解说", 0, SYNONYM_WEIGHT) in tokens


def test_synonym_tokens_share_the_position_of_their_word() -> None:
    tokens = [(t.text, t.pos) for t in chinese_analyzer(SPEC)("新的記憶體", positions=True)]
    assert ("记忆体", 2) in tokens and ("内存", 2) in tokens and ("的", 1) in tokens


def test_bigrams_for_the_fallback_field() -> None:
    assert [term for term, _, _ in bigrams("開源模型 GPU")] == ["开源", "源模", "模型", "gpu"]
    assert [term for term, _, _ in bigrams("字")] == ["字"]


def test_user_dictionary_changes_segmentation(tmp_path: Path) -> None:
    plain = texts("我們測試飛天魔毯科技的產品")
    user_dict = tmp_path / "user.txt"
    user_dict.write_text("# company names\n飛天魔毯科技 100 nt\n", encoding="utf-8")
    spec = AnalyzerSpec(user_dict=str(user_dict))
    assert "飞天魔毯科技" not in plain
    assert "飞天魔毯科技" in [word.text for word in words("我們測試飛天魔毯科技的產品", spec)]
    assert spec.identity()["user_dict"] != SPEC.identity()["user_dict"]
    assert segmenter(spec) is not segmenter(SPEC)


def test_the_analyzer_pickles_with_its_spec() -> None:
    analyzer = pickle.loads(pickle.dumps(chinese_analyzer(SPEC)))
    assert analyzer == chinese_analyzer(SPEC)
    assert [t.text for t in analyzer("開源模型")] == ["开源", "模型"]


def test_the_names_pickled_into_every_index_do_not_move() -> None:
    # Whoosh pickles the schema (the tokenizers and their AnalyzerSpec) into each index it writes:
    # an index published by an earlier release must still open, whatever module the code is in.
    found: list[tuple[str, str]] = []

    class Recording(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> Any:
            found.append((module, name))
            return super().find_class(module, name)

    loaded = Recording(io.BytesIO(pickle.dumps(make_schema(SPEC), -1))).load()
    assert loaded["body"].analyzer == chinese_analyzer(SPEC)
    ours = {(module, name) for module, name in found if module.startswith("feedindex")}
    assert ours == {
        ("feedindex.analysis", "AnalyzerSpec"),
        ("feedindex.analysis", "ChineseTokenizer"),
        ("feedindex.analysis", "BigramTokenizer"),
    }


INDEXED_OR_QUERIED = st.lists(
    st.sampled_from(
        [
            *("開源", "模型", "软件", "記憶體", "演練", "建置", "生成", "中华人民共和国", "的", "字"),
            *("Qwen3-Max", "v3.1", "３．１", "128k", "C++", "c#", "subscriptions", "é", "カナ"),
            *(" ", "\u3000", "，", "。", "-"),
        ]
    )
    | st.characters(codec="utf-8"),
    max_size=24,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(INDEXED_OR_QUERIED)
def test_the_index_side_stores_what_the_query_side_looks_up(text: str) -> None:
    """The tokenizer (index side) and `words` + `index_terms` (query side) agree: each word's
    parts at consecutive positions, its index terms at its first, its span as offsets; nothing
    else. A query looks a word up as its `text` (a term) or its `parts` (a phrase)."""
    tokens = [(t.text, t.pos, t.startchar, t.endchar) for t in chinese_analyzer(SPEC)(text, positions=True, chars=True)]
    expected = []
    position = 0
    for word in words(text, SPEC):
        expected += [(part, position + offset, word.start, word.end) for offset, part in enumerate(word.parts)]
        expected += [(term, position, word.start, word.end) for term in index_terms(word, SPEC)]
        assert word.text in (word.parts[0], *index_terms(word, SPEC))  # the whole is stored too
        position += len(word.parts)
    assert sorted(tokens) == sorted(expected)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_words_never_raise_and_offsets_stay_inside(text: str) -> None:
    for word in words(text, SPEC):
        assert 0 <= word.start < word.end <= len(text)
        assert word.parts


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("開源模型软件記憶體 Qwen3-Max ３．１ 128k，。！\x00\u3000é𠀋C++#")))
def test_tokens_never_raise_and_offsets_point_inside_the_original(text: str) -> None:
    for token in chinese_analyzer(SPEC)(text, positions=True, chars=True):
        assert 0 <= token.startchar < token.endchar <= len(text)
        assert token.pos >= 0 and token.text
    for _, start, end in bigrams(text):
        assert 0 <= start < end <= len(text)


@pytest.mark.slow
def test_the_synonym_table_is_what_its_script_makes() -> None:
    """synonyms.tsv is generated (jieba + OpenCC + mined pairs + overrides): no hand edits."""
    script = Path(__file__).resolve().parent.parent / "scripts" / "make_synonyms.py"
    result = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr


@given(
    st.text(alphabet=st.characters(codec="utf-8"))
    | st.text(alphabet="Aa Zz，。：\u3000！～ＡＺａｚ０９開源abcXYZ\uff5f\uff00")
)
def test_width_and_case_folding_change_characters_one_for_one(text: str) -> None:
    # the definitions, character by character (the functions translate runs, for speed)
    width = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
    assert fold_width(text) == text.translate(width)
    assert lower_ascii(text) == text.translate(
        str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
    )

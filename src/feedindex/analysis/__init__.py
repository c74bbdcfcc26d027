"""Text analysis: folding, segmentation, synonyms and the Whoosh tokenizers.

The only package that imports jieba (or rjieba) and OpenCC. Every text, indexed or queried, goes
through the same steps:

1. **Fold** (`folding`): full-width to ASCII, then OpenCC `t2s` character by character. Both
   keep the length, so offsets into the folded text are offsets into the original: highlights
   land on the Traditional text the author wrote.
2. **Split** (`words`) into Han runs (segmented by jieba, precise mode: `segmentation`) and
   Latin/digit words.
3. **Latin words** are lower-cased and stemmed (English); letter/digit runs are split
   (`Qwen3-Max` → `qwen3` = `qwen` `3`, `max`), versions (`3.1`) and sizes (`128k`) kept whole.
4. **At index time** (`tokenizers`) each long Chinese word also yields its dictionary sub-words,
   and each word its Taiwan/mainland vocabulary synonym (軟體/软件, `synonyms`) with the
   synonym's own sub-words (演练 also gives 逐步解说, 逐步, 解说), at the same position; a few
   synonyms go one way only (a Taiwan text's 建置 also gives 生成, a mainland 生成 gives no 建置:
   it may mean "generate").

Positions are ordinal (one per word, one per part of a compound), so phrase queries work.
`spec` holds `AnalyzerSpec`, what an index records of the analyzer that built it.
"""

from __future__ import annotations

from .folding import fold, fold_width, lower_ascii, to_traditional
from .segmentation import SYNONYM_WEIGHT, Segmenter, segmenter
from .spec import ANALYZER_VERSION, INDEX_SCHEMA, AnalyzerSpec
from .synonyms import index_synonyms, synonyms, synonyms_digest
from .tokenizers import BigramTokenizer, ChineseTokenizer, analyze, bigram_analyzer, chinese_analyzer
from .words import Word, bigrams, index_terms, latin_forms, stem, words

__all__ = [
    "ANALYZER_VERSION",
    "INDEX_SCHEMA",
    "SYNONYM_WEIGHT",
    "AnalyzerSpec",
    "BigramTokenizer",
    "ChineseTokenizer",
    "Segmenter",
    "Word",
    "analyze",
    "bigram_analyzer",
    "bigrams",
    "chinese_analyzer",
    "fold",
    "fold_width",
    "index_synonyms",
    "index_terms",
    "latin_forms",
    "lower_ascii",
    "segmenter",
    "stem",
    "synonyms",
    "synonyms_digest",
    "to_traditional",
    "words",
]

# Whoosh pickles the schema, tokenizers and AnalyzerSpec included, into every index it writes:
# the names stored must not change when the code moves between modules, or a published index
# would no longer open. They are these, as when analysis was one module.
for _pickled in (AnalyzerSpec, ChineseTokenizer, BigramTokenizer):
    _pickled.__module__ = __name__

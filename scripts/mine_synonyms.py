"""Mine Taiwan ↔ mainland term pairs from parallel documents and OpenCC's phrase tables.

Writes ``src/feedindex/data/synonyms-mined.tsv``, which ``scripts/make_synonyms.py`` merges into
the search synonym table. Two sources, each filtered with evidence from the same documents:

1. **Parallel documents**: the Visual Studio documentation in zh-TW and zh-CN
   (``MicrosoftDocs/visualstudio-docs.zh-tw`` and ``noctwolf/visualstudio-docs.zh-cn``: the
   source of the TUNING corpus real-zh-5k, never of the held-out one). Pages with the same path
   in both repositories whose Chinese lines (outside code blocks) are equal in number are aligned
   line by line; both lines are folded as the index folds them and cut by jieba-rs with its own
   dictionary (the index's cut before the synonym table adds its Taiwan words, so mining does not
   depend on the table it extends); a word-level diff (difflib) of each line pair gives the
   replaced runs between shared words: one mainland word against 1-3 Taiwan words, 2-6 Han
   characters on each side (对话框 ↔ 对话 方块 → 对话框/对话方块).
2. **OpenCC's phrase tables** ``TWPhrases`` (mainland → Taiwan, s2twp's vocabulary step) and
   ``TWPhrasesRev``, read from the installed ``opencc`` package's dictionaries with its own
   ``opencc_dict`` tool (or, with ``--opencc-data DIR``, from the text files of a BYVoid/OpenCC
   checkout's ``data/dictionary``), folded with t2s.

Evidence, counted over the aligned line pairs and over every Chinese line of both documentation
sets (a "side" is a word or run of words, matched as whole words):

* ``aligned``: line pairs where the diff replaced one side by the other; ``pages``: their pages.
* ``follow_cn`` / ``follow_tw``: of the aligned line pairs whose mainland line holds the mainland
  side, the share whose Taiwan line holds the Taiwan side (and the reverse): does one side really
  translate into the other, or was it a one-off rewording?
* ``own_cn`` / ``own_tw``: how much each side belongs to its own locale: lines per million of the
  mainland side in the mainland docs against the Taiwan docs (and the reverse), as a share: 1.0
  when the other locale never writes it. Words both locales use (建立, 支持) are synonyms of
  nothing.

The index injects a synonym into a text at the position of its word, so each direction is
decided on its own (the ``inject`` column):

* ``into-mainland`` (mainland text also gets the Taiwan word) when ``follow_cn >= MIN_FOLLOW``
  (the mainland word is translated by the Taiwan word) and ``own_tw >= MIN_OWN`` (mainland
  writers do not use the Taiwan word themselves, so their own queries are not disturbed), or
  when ``follow_cn >= STRONG_FOLLOW`` and ``own_tw >= STRONG_OWN``: a translation this regular
  (任务 → 工作 in 90 % of the lines) is worth a synonym even though mainland text also writes
  工作 ("work"); it weighs a quarter of a word, and Taiwan readers' 工作 finds the 任务 pages;
* ``into-taiwan`` the same the other way round (``follow_tw``, ``own_cn``);
* ``both`` when both hold; a Taiwan side of several words (对话 方块) only both ways: one way, it
  is a piece of a sentence (当您 执行 → 运行). 生成 → 建置 is one way: 建置 is always 生成, but 生成 is also 产生
  ("generate"), so a Taiwan page's 建置 gets 生成 and a mainland page's 生成 gets nothing.

A parallel pair needs ``pages >= MIN_PAGES`` and ``sentences >= MIN_CONTEXTS`` (boilerplate
repeats one sentence on hundreds of pages); an OpenCC pair needs to be attested: aligned at least
once, or each side seen in at least ``MIN_SEEN`` lines of its own locale (its ``follow`` is then
not required). Unattested OpenCC entries (names of people, diseases, chemistry) are left out: no
evidence, no pair. ``synonyms-override.tsv`` still removes pairs by hand afterwards.

Run (needs the two snapshots, brought with the project's ``fetch`` tool into /work/.mirror)::

    python scripts/mine_synonyms.py                 # write src/feedindex/data/synonyms-mined.tsv
    python scripts/mine_synonyms.py --all           # also print every candidate with its evidence
    python scripts/make_synonyms.py                 # then regenerate synonyms.tsv

The output is sorted and has no timestamp: the same snapshots, packages and thresholds give the
same bytes, whatever the synonym table holds.
"""

from __future__ import annotations

import argparse
import difflib
import re
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import opencc

from feedindex.analysis import fold

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from make_heldout import Snapshot  # noqa: E402  (the one reader of fetched snapshots)

DATA = ROOT / "src" / "feedindex" / "data"


@dataclass(frozen=True)
class Parallel:
    """A documentation set published in zh-TW and zh-CN, and the file its pairs are written to."""

    name: str
    title: str  # what the documents are, for the output's header
    taiwan: str  # owner/name of the zh-TW repository (a snapshot brought by `fetch`)
    mainland: str
    output: Path


PARALLEL = {
    source.name: source
    for source in (
        # the source of the TUNING corpus real-zh-5k
        Parallel(
            "visualstudio",
            "Visual Studio docs",
            "MicrosoftDocs/visualstudio-docs.zh-tw",
            "noctwolf/visualstudio-docs.zh-cn",
            DATA / "synonyms-mined.tsv",
        ),
        # a third source, in neither corpus: copies of MicrosoftDocs/cpp-docs.zh-tw and .zh-cn
        Parallel(
            "cpp",
            "C++ docs, copies of MicrosoftDocs/cpp-docs.zh-tw and .zh-cn",
            "wjcx-zh/cpp-docs.zh-tw",
            "yuanzhoucq/cpp-docs.zh-cn",
            DATA / "synonyms-mined-cpp.tsv",
        ),
    )
}
OPENCC_OUTPUT = DATA / "synonyms-opencc.tsv"
OPENCC_TABLES = ("TWPhrases", "TWPhrasesRev")  # mainland→Taiwan, and Taiwan→mainland

MAX_SIDE_WORDS = 3
SIDE_CHARS = (2, 6)
MIN_PAGES = 5  # a parallel pair seen on fewer pages is an accident of one page's wording
MIN_CONTEXTS = 5  # ... or in fewer distinct sentences (boilerplate repeats one sentence on many pages)
MIN_FOLLOW = 0.4  # at least this share of the lines with one side have the other side opposite
MIN_OWN = 0.85  # a side the other locale writes more than 15 % as often (per line) is not locale vocabulary
# ... unless the side is translated the same way this often (工作 for 任务 in 90 % of the lines),
# when a share of at least STRONG_OWN is enough: mainland text also says 工作 ("work"), but a
# quarter-weight synonym costs its readers little, and a Taiwan reader's 工作 finds the 任务 pages
STRONG_FOLLOW = 0.8
STRONG_OWN = 0.6
MIN_SEEN = 3  # an OpenCC pair needs each side in at least this many lines of its own locale
# OpenCC pairs the documents cannot judge join when neither side is a common word: from this jieba
# frequency on, a word has several senses and the table's IT or name sense is one of them (高级 →
# 高阶, 模拟 → 类比, 奔驰 → 宾士, 万象 → 永珍); see synonyms-opencc.tsv and docs/search.md.
MAX_COMMON = 50

# A run of several words that starts or ends with one of these is a piece of a sentence (添加到 ↔
# 新增至, 调用此 ↔ 呼叫这个), not a term.
_FUNCTION_WORDS = """
    的 了 到 至 此 这 这个 该 在 为 与 和 及 中 一个 个 是 将 对 于 从 以 所 其 您 你 它 本 已 被 把 由 时 后 前
    上 下 再 并 或 也 都 就 会 可 能 请 如 则 而 即 等 之 这些 那些 某些 所有 每个 各 来 去 要 让 使 用
    地 得 着 过 们 式 性 如果 若要 通过 因为 所以 但是 然后 以便
    """
FUNCTION_WORDS = frozenset(_FUNCTION_WORDS.split())
COUNTED = re.compile(r"^[一二两三四五六七八九十几多每各该此这那某]")  # 一台 计算机, 一条 消息: a count, not a term
HAN_TEXT = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
TOKEN = re.compile(r"(?P<han>[\u3400-\u4dbf\u4e00-\u9fff]+)|(?P<latin>[A-Za-z0-9]+)")
FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\n.*?\n---[ \t]*\n", re.S)
FENCE = re.compile(r"^\s*(```|~~~)")
MARKUP = re.compile(r"<[^>]+>|\]\([^)]*\)|!\[|\[!INCLUDE[^\]]*\]|\[!|[*_`#>|\[\]]")


# --- reading the documents -------------------------------------------------------------------


def chinese_lines(text: str) -> list[str]:
    """The lines of a page that hold Chinese text, outside front matter and code blocks, markup removed."""
    text = FRONT_MATTER.sub("", text)
    found, code = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            code = not code
            continue
        if not code and HAN_TEXT.search(line):
            found.append(MARKUP.sub(" ", line))
    return found


# --- words -----------------------------------------------------------------------------------


class Cutter:
    """Folds as the index does (width, t2s) and cuts Han runs with jieba-rs and its own dictionary,
    precise mode, no HMM: the index's segmentation BEFORE the synonym table adds its Taiwan words,
    so that mining does not depend on the table it extends. Latin words become markers (~word)
    that still anchor the diff."""

    def __init__(self) -> None:
        import rjieba

        self.engine = rjieba.Jieba()

    def words(self, line: str) -> list[str]:
        """The words of a line, in order."""
        found: list[str] = []
        for match in TOKEN.finditer(fold(line)):
            if match.lastgroup == "han":
                found += self.engine.cut(match.group(), hmm=False)
            else:
                found.append(f"~{match.group().lower()}")
        return found


def runs(line: tuple[str, ...]) -> set[str]:
    """Every run of 1..MAX_SIDE_WORDS consecutive words of a line, space-separated."""
    return {" ".join(line[i : i + n]) for n in range(1, MAX_SIDE_WORDS + 1) for i in range(len(line) - n + 1)}


def replaced_runs(mainland: tuple[str, ...], taiwan: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """(mainland run, Taiwan run) of every replacement of a word-level diff that is Han on both
    sides and short; runs are returned joined (对话 方块 → 对话方块) and space-separated."""
    matcher = difflib.SequenceMatcher(None, mainland, taiwan, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op != "replace" or a2 - a1 > MAX_SIDE_WORDS or b2 - b1 > MAX_SIDE_WORDS:
            continue
        left, right = mainland[a1:a2], taiwan[b1:b2]
        if any(word.startswith("~") for word in left + right):
            continue
        if len(left) == 1 and _term(left) and _term(right):
            yield " ".join(left), " ".join(right)


def _term(run: tuple[str, ...]) -> bool:
    """Whether a replaced run can be a term: 2-6 characters; several words only when they do not
    start or end with a function word or a count. The caller takes the mainland side as one word
    only: jieba's dictionary is mainland vocabulary, so a mainland term is one word, while a
    Taiwan term it does not know falls apart (对话方块 → 对话 方块); several mainland words are a
    sentence fragment (如果 你 选中 ↔ 选取) or two pairs side by side (创建 项目 ↔ 建立 专案)."""
    if not SIDE_CHARS[0] <= len("".join(run)) <= SIDE_CHARS[1]:
        return False
    if len(run) == 1:
        return True
    return run[0] not in FUNCTION_WORDS and run[-1] not in FUNCTION_WORDS and not COUNTED.match(run[0])


# --- evidence --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """What the documents say about one candidate pair."""

    mainland: str  # joined (no spaces)
    taiwan: str
    taiwan_words: int  # how many words the index cuts the Taiwan side into (对话方块: 对话 方块, 2)
    source: str  # "parallel", "opencc" or "opencc+parallel"
    aligned: int
    pages: int
    contexts: int  # distinct aligned sentence pairs
    follow_cn: float
    follow_tw: float
    own_cn: float
    own_tw: float
    seen_cn: int  # lines of the mainland docs holding the mainland side
    seen_tw: int

    def inject(self) -> str | None:
        """Which texts get the other side as a synonym: "both", "into-mainland", "into-taiwan",
        or None when the evidence supports neither direction (see the module docstring)."""
        if "parallel" in self.source and self.pages >= MIN_PAGES and self.contexts >= MIN_CONTEXTS:
            into_mainland = _directed(self.follow_cn, self.own_tw)
            into_taiwan = _directed(self.follow_tw, self.own_cn)
        elif "opencc" in self.source and (self.aligned >= 1 or (self.seen_cn >= MIN_SEEN and self.seen_tw >= MIN_SEEN)):
            into_mainland, into_taiwan = self.own_tw >= MIN_OWN, self.own_cn >= MIN_OWN
        else:
            return None
        if into_mainland and into_taiwan:
            return "both"
        if self.taiwan_words > 1:
            return None  # a run of words one way only is a piece of a sentence (当您 执行 → 运行)
        return "into-mainland" if into_mainland else "into-taiwan" if into_taiwan else None

    def judged(self) -> bool:
        """Whether the documents say enough about an OpenCC pair to decide it (as inject() does)."""
        return self.aligned >= 1 or (self.seen_cn >= MIN_SEEN and self.seen_tw >= MIN_SEEN)

    def row(self) -> str:
        """The TSV line."""
        return (
            f"{self.mainland}\t{self.taiwan}\t{self.inject() or '-'}\t{self.source}"
            f"\t{self.aligned}\t{self.pages}\t{self.contexts}\t{self.follow_cn:.2f}"
            f"\t{self.follow_tw:.2f}\t{self.own_cn:.2f}\t{self.own_tw:.2f}\t{self.seen_cn}\t{self.seen_tw}"
        )


def _directed(follow: float, own: float) -> bool:
    """Whether the evidence supports injecting a side into the other locale's text."""
    return (follow >= MIN_FOLLOW and own >= MIN_OWN) or (follow >= STRONG_FOLLOW and own >= STRONG_OWN)


class Corpus:
    """Both documentation sets as word sequences, aligned where possible."""

    def __init__(self, cutter: Cutter, source: Parallel) -> None:
        self.cutter = cutter
        self.source = source
        taiwan, mainland = Snapshot(source.taiwan), Snapshot(source.mainland)
        self.commits = {source.taiwan: taiwan.commit, source.mainland: mainland.commit}
        tw_paths = sorted(path for path in taiwan.blobs if path.endswith(".md"))
        cn_paths = sorted(path for path in mainland.blobs if path.endswith(".md"))
        self.tw_lines = {path: self._lines(taiwan.read(path) or "") for path in tw_paths}
        self.cn_lines = {path: self._lines(mainland.read(path) or "") for path in cn_paths}
        taiwan.close()
        mainland.close()
        Line = tuple[str, ...]
        self.pairs: list[tuple[str, Line, Line]] = []  # (page, mainland line, Taiwan line)
        for path in sorted(self.tw_lines.keys() & self.cn_lines.keys()):
            tw, cn = self.tw_lines[path], self.cn_lines[path]
            if tw and len(tw) == len(cn):
                self.pairs += [(path, a, b) for a, b in zip(cn, tw, strict=True)]
        self.cn_all = [line for lines in self.cn_lines.values() for line in lines]
        self.tw_all = [line for lines in self.tw_lines.values() for line in lines]
        print(
            f"{len(self.pairs)} aligned line pairs from {len({p for p, _, _ in self.pairs})} pages;"
            f" {len(self.cn_all)} mainland and {len(self.tw_all)} Taiwan lines",
            file=sys.stderr,
        )

    def _lines(self, text: str) -> list[tuple[str, ...]]:
        return [tuple(self.cutter.words(line)) for line in chinese_lines(text)]

    def candidates(self) -> tuple[Counter[tuple[str, str]], dict[tuple[str, str], set[str]], Counter[tuple[str, str]]]:
        """Replaced runs over all aligned line pairs: counts, pages and distinct line pairs."""
        counts: Counter[tuple[str, str]] = Counter()
        pages: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
        contexts: defaultdict[tuple[str, str], set[int]] = defaultdict(set)
        for page, cn, tw in self.pairs:
            for pair in set(replaced_runs(cn, tw)):
                counts[pair] += 1
                pages[pair].add(page)
                contexts[pair].add(hash((cn, tw)))
        return counts, pages, Counter({pair: len(found) for pair, found in contexts.items()})


def count_lines(lines: list[tuple[str, ...]], needles: set[str]) -> Counter[str]:
    """In how many of `lines` each needle (a run of words, space-separated) occurs."""
    found: Counter[str] = Counter()
    for line in lines:
        found.update(runs(line) & needles)
    return found


def evidence(corpus: Corpus, candidates: dict[tuple[str, str], str]) -> list[Evidence]:
    """Evidence for each (mainland run, Taiwan run) → source, from one documentation set."""
    counts, pages, contexts = corpus.candidates()
    sides_cn = {cn for cn, _ in candidates}
    sides_tw = {tw for _, tw in candidates}
    needles = sides_cn | sides_tw
    in_cn, in_tw = count_lines(corpus.cn_all, needles), count_lines(corpus.tw_all, needles)
    # follow: among aligned line pairs whose mainland line has the mainland side, how often the
    # Taiwan line has the Taiwan side, and the reverse
    has_cn: defaultdict[str, list[int]] = defaultdict(list)
    has_tw: defaultdict[str, list[int]] = defaultdict(list)
    for number, (_, cn, tw) in enumerate(corpus.pairs):
        for needle in runs(cn) & sides_cn:
            has_cn[needle].append(number)
        for needle in runs(tw) & sides_tw:
            has_tw[needle].append(number)
    total_cn, total_tw = max(1, len(corpus.cn_all)), max(1, len(corpus.tw_all))
    found = []
    for (cn, tw), source in sorted(candidates.items()):
        a, b = cn, tw
        with_cn, with_tw = set(has_cn[a]), set(has_tw[b])
        both = len(with_cn & with_tw)
        rate = {side: (in_cn[side] / total_cn, in_tw[side] / total_tw) for side in (a, b)}
        own_cn = rate[a][0] / (rate[a][0] + rate[a][1]) if any(rate[a]) else 0.0
        own_tw = rate[b][1] / (rate[b][0] + rate[b][1]) if any(rate[b]) else 0.0
        found.append(
            Evidence(
                mainland=cn.replace(" ", ""),
                taiwan=tw.replace(" ", ""),
                taiwan_words=tw.count(" ") + 1,
                source=source,
                aligned=counts[cn, tw],
                pages=len(pages[cn, tw]),
                contexts=contexts[cn, tw],
                follow_cn=both / len(with_cn) if with_cn else 0.0,
                follow_tw=both / len(with_tw) if with_tw else 0.0,
                own_cn=own_cn,
                own_tw=own_tw,
                seen_cn=in_cn[a],
                seen_tw=in_tw[b],
            )
        )
    return found


# --- OpenCC's phrase tables --------------------------------------------------------------------


def opencc_tables(data: Path | None) -> dict[str, list[tuple[str, list[str]]]]:
    """The entries of OPENCC_TABLES: (key, values) per line."""
    tables = {}
    with tempfile.TemporaryDirectory() as scratch:
        for name in OPENCC_TABLES:
            if data is not None:
                text = (data / f"{name}.txt").read_text(encoding="utf-8")
            else:
                text = _dump_installed(name, Path(scratch))
            entries = []
            for line in text.splitlines():
                if "\t" in line and not line.startswith("#"):
                    key, values = line.split("\t", 1)
                    entries.append((key.strip(), values.split()))
            tables[name] = entries
    return tables


def _dump_installed(name: str, scratch: Path) -> str:
    """A compiled dictionary of the installed opencc package as text, through its opencc_dict."""
    clib = Path(opencc.__file__).parent / "clib"
    tool, source = clib / "bin" / "opencc_dict", clib / "share" / "opencc" / f"{name}.ocd2"
    if not tool.exists() or not source.exists():
        raise SystemExit(f"{tool} or {source} not found: pass --opencc-data with OpenCC's data/dictionary")
    target = scratch / f"{name}.txt"
    library = next((str(p) for p in (clib / "lib64", clib / "lib") if p.exists()), "")
    env = {"LD_LIBRARY_PATH": library, "DYLD_LIBRARY_PATH": library}
    subprocess.run([str(tool), "-i", str(source), "-o", str(target), "-f", "ocd2", "-t", "text"], check=True, env=env)
    return target.read_text(encoding="utf-8")


def opencc_entries(tables: dict[str, list[tuple[str, list[str]]]]) -> Iterator[tuple[str, str, str]]:
    """(table, mainland, Taiwan) of every all-Han entry, both sides folded, that folding does not merge."""
    t2s = opencc.OpenCC("t2s")
    for name, entries in tables.items():
        for key, values in entries:
            for value in values:
                mainland, taiwan = (key, value) if name == "TWPhrases" else (value, key)
                a, b = t2s.convert(mainland), t2s.convert(taiwan)
                if a != b and HAN_TEXT.fullmatch(a) and HAN_TEXT.fullmatch(b):
                    yield name, a, b


def opencc_pairs(tables: dict[str, list[tuple[str, list[str]]]], cutter: Cutter) -> set[tuple[str, str]]:
    """(mainland run, Taiwan run) of every entry, cut as the index cuts them."""
    return {(" ".join(cutter.words(a)), " ".join(cutter.words(b))) for _, a, b in opencc_entries(tables)}


# --- main ------------------------------------------------------------------------------------


def render(kept: list[Evidence], corpus: Corpus) -> str:
    """The output file."""
    source = corpus.source
    header = [
        "# feedindex: Taiwan <-> mainland term pairs mined by scripts/mine_synonyms.py, merged into synonyms.tsv",
        "# by scripts/make_synonyms.py. Do not edit: rerun the script (or remove pairs in synonyms-override.tsv).",
        "# Both sides folded to Simplified characters (OpenCC t2s), as the index stores them.",
        f"# Parallel documents: {source.taiwan}@{corpus.commits[source.taiwan][:12]} and"
        f" {source.mainland}@{corpus.commits[source.mainland][:12]} ({source.title}, CC BY 4.0).",
        f"# OpenCC {version('opencc')} {' and '.join(OPENCC_TABLES)}; jieba segmentation as feedindex's analyzer.",
        f"# Kept: parallel pages >= {MIN_PAGES} and sentences >= {MIN_CONTEXTS}; OpenCC pairs attested (aligned, or"
        f" seen >= {MIN_SEEN} lines each); into one locale's text when follow >= {MIN_FOLLOW} (OpenCC: not"
        f" needed) and own >= {MIN_OWN} of the injected word, or follow >= {STRONG_FOLLOW} and own >= {STRONG_OWN}.",
        "# Columns: mainland, taiwan, inject (both, into-mainland, into-taiwan), source, aligned line pairs, pages,"
        " distinct sentences, follow_cn, follow_tw,"
        " own_cn, own_tw,"
        " lines seen (mainland docs), lines seen (Taiwan docs).",
        f"# Pairs: {len(kept)}",
    ]
    return "\n".join([*header, *(e.row() for e in kept)]) + "\n"


# --- OpenCC's phrase tables beyond the documents ----------------------------------------------


@dataclass(frozen=True)
class Phrase:
    """One pair of OpenCC's phrase tables, with what decides whether it joins without the documents."""

    mainland: str  # folded, joined
    taiwan: str
    tables: str  # TWPhrases, TWPhrasesRev, or both
    freq_cn: int  # jieba dictionary frequency of the mainland side (0: not a jieba word)
    freq_tw: int  # ... of the Taiwan side, folded (a mainland dictionary writing the Taiwan word)
    docs: str  # what the parallel documents said: "kept", "rejected" or "-" (too rare to judge)

    def reason(self) -> str | None:
        """Why the pair is left out, or None when it joins both ways."""
        if self.docs != "-":
            return f"documents: {self.docs}"  # evidence from real text beats a dictionary entry
        if min(len(self.mainland), len(self.taiwan)) < 2:
            return "single character"
        if self.freq_cn >= MAX_COMMON or self.freq_tw >= MAX_COMMON:
            return "common word"
        return None

    def row(self) -> str:
        """The TSV line."""
        inject = "-" if self.reason() else "both"
        return (
            f"{self.mainland}\t{self.taiwan}\t{inject}\t{self.tables}\t{self.freq_cn}\t{self.freq_tw}"
            f"\t{self.reason() or 'kept'}"
        )


def jieba_frequencies() -> dict[str, int]:
    """word → frequency of jieba's dictionary (the one the index cuts with), folded."""
    import jieba

    found: dict[str, int] = {}
    text = (Path(jieba.__file__).parent / "dict.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 2 and fields[1].isdigit():
            word = fold(fields[0])
            found[word] = max(found.get(word, 0), int(fields[1]))
    return found


def phrases(tables: dict[str, list[tuple[str, list[str]]]], judged: dict[tuple[str, str], str]) -> list[Phrase]:
    """Every all-Han pair of OpenCC's phrase tables that folding does not already merge."""
    frequency = jieba_frequencies()
    seen: dict[tuple[str, str], set[str]] = defaultdict(set)
    for name, a, b in opencc_entries(tables):
        seen[a, b].add(name)
    return [
        Phrase(
            a,
            b,
            "both" if len(names) > 1 else names.pop(),
            frequency.get(a, 0),
            frequency.get(b, 0),
            judged.get((a, b), "-"),
        )
        for (a, b), names in sorted(seen.items())
    ]


def render_phrases(found: list[Phrase]) -> str:
    """The OpenCC output file."""
    kept = sum(1 for phrase in found if not phrase.reason())
    header = [
        "# feedindex: pairs of OpenCC's phrase tables (s2twp's vocabulary), written by scripts/mine_synonyms.py,",
        "# merged into synonyms.tsv by scripts/make_synonyms.py (only where no documentation file decided the pair).",
        f"# OpenCC {version('opencc')} {' and '.join(OPENCC_TABLES)}; jieba {version('jieba')} dictionary frequencies.",
        "# Both sides folded (OpenCC t2s). Left out: pairs the parallel documents judged (kept there, or rejected),",
        f"# a side of one character, a side with jieba frequency >= {MAX_COMMON} (a common word of many senses).",
        "# Columns: mainland, taiwan, inject (both or -), OpenCC table (TWPhrases, TWPhrasesRev, both),",
        "# jieba frequency of the mainland side, of the Taiwan side, kept or why not.",
        f"# Pairs: {len(found)}, kept: {kept}",
    ]
    return "\n".join([*header, *(phrase.row() for phrase in found)]) + "\n"


# --- main ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Mine each parallel source, then OpenCC's tables; filter; write."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--opencc-data", type=Path, help="folder with OpenCC's TWPhrases.txt and TWPhrasesRev.txt")
    parser.add_argument("--all", action="store_true", help="print every candidate with its evidence to stdout")
    args = parser.parse_args(argv)

    cutter = Cutter()
    tables = opencc_tables(args.opencc_data)
    from_opencc = opencc_pairs(tables, cutter)
    judged: dict[tuple[str, str], str] = {}
    corpora = [Corpus(cutter, source) for source in PARALLEL.values()]
    for corpus in corpora:
        source = corpus.source
        counts, _, _ = corpus.candidates()
        candidates: dict[tuple[str, str], str] = {pair: "parallel" for pair, n in counts.items() if n >= MIN_PAGES}
        for pair in from_opencc:
            candidates[pair] = "opencc+parallel" if pair in candidates else "opencc"
        found = evidence(corpus, candidates)
        kept = sorted(
            {(e.mainland, e.taiwan): e for e in found if e.inject()}.values(), key=lambda e: (e.mainland, e.taiwan)
        )
        for item in found:
            if "opencc" in item.source and (item.inject() or item.judged()):
                pair = (item.mainland, item.taiwan)
                judged[pair] = "kept" if item.inject() or judged.get(pair) == "kept" else "rejected"
        if args.all:
            for item in sorted(found, key=lambda e: -e.aligned):
                print(f"{source.name} " + ("+ " if item.inject() else "- ") + item.row())
        source.output.write_text(render(kept, corpus), encoding="utf-8")
        print(f"{source.output.relative_to(ROOT)}: {len(kept)} of {len(found)} candidates kept", file=sys.stderr)
    found_phrases = phrases(tables, judged)
    OPENCC_OUTPUT.write_text(render_phrases(found_phrases), encoding="utf-8")
    print(
        f"{OPENCC_OUTPUT.relative_to(ROOT)}: {sum(1 for p in found_phrases if not p.reason())}"
        f" of {len(found_phrases)} pairs kept",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

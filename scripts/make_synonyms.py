"""Generate src/feedindex/data/synonyms.tsv, the mainland ↔ Taiwan vocabulary table of the search index.

The analyzer folds all text to Simplified Chinese with OpenCC ``t2s`` before jieba segments it, so a
Taiwan text's 軟體 is indexed as 软体 while a mainland text says 软件. The table lists such pairs,
one ``mainland<TAB>taiwan_folded`` per line (软件→软体, 内存→记忆体, 数据→资料, …), and the index
injects each side as a synonym of the other.

How the pairs are found:

1. Every word of jieba's own dictionary (``dict.txt`` inside the jieba package, ``word freq tag``
   per line) made of 2-6 Han characters, with a frequency of at least ``--threshold``, and already
   in folded form (t2s leaves it unchanged: the index never sees anything else).
2. ``tw = OpenCC("s2twp").convert(word)``; ``folded = OpenCC("t2s").convert(tw)``. The pair
   ``(word, folded)`` is a candidate when ``folded != word``; the lengths may differ (内存→记忆体).
3. A candidate is dropped when the plain character conversion ``s2tw`` already folds to the same
   text, i.e. s2twp's Taiwan *phrase* table played no part: 随着→隨著→随著 only swaps 着/著, a
   variant character t2s does not fold back. That is not a vocabulary difference. A candidate whose
   Taiwan side is not all Han (乙肝→B肝) is dropped too: the analyzer splits "B" from "肝", so it
   could never match.
4. The pairs of ``src/feedindex/data/synonyms-mined.tsv`` (Visual Studio docs) and
   ``synonyms-mined-cpp.tsv`` (C++ docs) are added: mined by ``scripts/mine_synonyms.py`` from
   the zh-TW / zh-CN versions of each documentation set (aligned sentences) and OpenCC's phrase
   tables, each kept on evidence from those documents. A mined pair may work one way only (third
   column): ``into-taiwan`` means only Taiwan text gets the mainland word as a synonym (建置 is
   always 生成, but 生成 is also "generate"), ``into-mainland`` the reverse; a pair goes each way
   that either documentation set supports. Then the pairs of ``synonyms-opencc.tsv`` that no
   documentation file holds: OpenCC's phrase tables, filtered by the same script without the
   documents (no single characters, no common words: see its header). A pair found by both
   steps 1-3 and the miner works both ways.
5. The hand-edited ``src/feedindex/data/synonyms-override.tsv`` is applied last: ``- a<TAB>b``
   removes a generated or mined pair, ``+ a<TAB>b`` adds one (both ways), ``#`` starts a comment,
   blank lines are ignored. Both sides of every pair must be Han text in folded form.

The output has a ``#`` header (source versions, threshold, pair count; no timestamp, so running the
script twice gives identical bytes) and the pairs sorted and deduplicated, one
``mainland<TAB>taiwan`` per line, with a third column ``into-taiwan`` / ``into-mainland`` for the
one-way pairs.

Run it from anywhere (Python 3.11+, with jieba and opencc installed)::

    python scripts/make_synonyms.py                # regenerate the table
    python scripts/make_synonyms.py --stats        # also print pair counts at several thresholds
    python scripts/make_synonyms.py --check        # exit 1 if the table is out of date (for CI)
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from importlib.metadata import version
from pathlib import Path

import opencc

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "src" / "feedindex" / "data"
TABLE = DATA / "synonyms.tsv"
OVERRIDE = DATA / "synonyms-override.tsv"
# Pairs mined from parallel documentation (scripts/mine_synonyms.py), one file per documentation set,
# then OpenCC's phrase tables (the pairs no documentation file decided, filtered by the same script).
MINED = (DATA / "synonyms-mined.tsv", DATA / "synonyms-mined-cpp.tsv")
OPENCC = DATA / "synonyms-opencc.tsv"
BOTH = "both"
ONE_WAY = ("into-mainland", "into-taiwan")

# Almost half of jieba's 349k dictionary entries have the floor frequency 3, and so do 2k of the 3.3k
# candidate pairs: mostly ad-hoc compounds (网络邮盘, 影视频道→影影片道) too many and too noisy to
# review. 5 leaves ~1.1k candidates, skipping that floor and the barely attested 4s; the few useful
# computing words down there (线程, 固件, 哈希) are added by hand in the override file. See --stats.
DEFAULT_THRESHOLD = 5
STATS_THRESHOLDS = (3, 4, 5, 10, 20, 50, 100)

# Same Han ranges as feedindex.analysis.words (BMP blocks and extension A).
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD = re.compile(rf"[{_HAN}]{{2,6}}")
_HAN_TEXT = re.compile(rf"[{_HAN}]+")

Pair = tuple[str, str]
Table = dict[Pair, str]  # pair -> BOTH or one of ONE_WAY


@dataclass(frozen=True)
class Entry:
    """One line of jieba's dict.txt."""

    word: str
    freq: int


@dataclass(frozen=True)
class Overrides:
    """The parsed override file."""

    remove: frozenset[Pair]
    add: frozenset[Pair]


class Converters:
    """The three OpenCC configurations the table depends on."""

    def __init__(self) -> None:
        self.s2twp = opencc.OpenCC("s2twp")
        self.s2tw = opencc.OpenCC("s2tw")
        self.t2s = opencc.OpenCC("t2s")

    def fold(self, text: str) -> str:
        """What the analyzer indexes for `text`."""
        return str(self.t2s.convert(text))

    def taiwan_folded(self, word: str) -> str:
        """`word` in Taiwan vocabulary (s2twp), folded back to Simplified characters."""
        return self.fold(self.s2twp.convert(word))

    def characters_only(self, word: str) -> str:
        """`word` through s2tw (characters and variants, no vocabulary), folded back."""
        return self.fold(self.s2tw.convert(word))


def jieba_dict() -> str:
    """The text of the dictionary shipped inside the jieba package."""
    return (resources.files("jieba") / "dict.txt").read_text(encoding="utf-8")


def read_entries(text: str) -> Iterator[Entry]:
    """Entries of a jieba dictionary: ``word freq [tag]`` per line."""
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) < 2 or not fields[1].isdigit():
            raise ValueError(f"jieba dict.txt line {number}: expected 'word freq [tag]': {line!r}")
        yield Entry(fields[0], int(fields[1]))


@dataclass
class Candidates:
    """The pairs of steps 1-3 with their jieba frequency (no threshold yet), and what was skipped."""

    pairs: dict[Pair, int] = field(default_factory=dict)
    variant_only: dict[Pair, int] = field(default_factory=dict)
    not_han: dict[Pair, int] = field(default_factory=dict)


def candidates(entries: Iterable[Entry], cc: Converters) -> Candidates:
    """Convert every eligible dictionary word; keep the pairs that differ in vocabulary."""
    found = Candidates()
    for entry in entries:
        word = entry.word
        if not _WORD.fullmatch(word) or cc.fold(word) != word:
            continue
        folded = cc.taiwan_folded(word)
        if folded == word:
            continue
        if folded == cc.characters_only(word):
            target = found.variant_only
        elif not _HAN_TEXT.fullmatch(folded):
            target = found.not_han  # 乙肝→B肝: the analyzer splits "B" from "肝", so the pair never matches
        else:
            target = found.pairs
        target[word, folded] = max(entry.freq, target.get((word, folded), 0))
    return found


def read_overrides(path: Path, cc: Converters) -> Overrides:
    """Parse the override file; malformed lines and unfolded text are errors."""
    remove: set[Pair] = set()
    add: set[Pair] = set()
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].rstrip()
        if not line:
            continue
        where = f"{path.name} line {number}"
        sign, _, rest = line.partition(" ")
        parts = rest.strip().split("\t")
        if sign not in ("+", "-") or len(parts) != 2:
            raise ValueError(f"{where}: expected '+ a<TAB>b' or '- a<TAB>b': {raw!r}")
        a, b = (part.strip() for part in parts)
        for side in (a, b):
            if not _HAN_TEXT.fullmatch(side):
                raise ValueError(f"{where}: not Han text: {side!r}")
            if cc.fold(side) != side:
                raise ValueError(f"{where}: {side!r} is not in folded form, write {cc.fold(side)!r}")
        if a == b:
            raise ValueError(f"{where}: both sides are {a!r}")
        target = add if sign == "+" else remove
        if (a, b) in target:
            raise ValueError(f"{where}: duplicate {sign} {a}\t{b}")
        target.add((a, b))
    both = remove & add
    if both:
        raise ValueError(f"{path.name}: both added and removed: {sorted(both)}")
    return Overrides(frozenset(remove), frozenset(add))


def at_threshold(pairs: dict[Pair, int], threshold: int) -> set[Pair]:
    """The pairs whose word has at least `threshold` frequency."""
    return {pair for pair, freq in pairs.items() if freq >= threshold}


def read_mined(path: Path, cc: Converters) -> Table:
    """The mined pairs and their direction (columns 1-3 of synonyms-mined.tsv); "-" rows (left out,
    kept in the file as evidence) are skipped."""
    mined: Table = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        where = f"{path.name} line {number}"
        if len(fields) < 3 or fields[2] not in (BOTH, *ONE_WAY, "-"):
            raise ValueError(f"{where}: expected 'mainland<TAB>taiwan<TAB>both|into-mainland|into-taiwan|-'")
        a, b = fields[0], fields[1]
        if not (_HAN_TEXT.fullmatch(a) and _HAN_TEXT.fullmatch(b)) or cc.fold(a) != a or cc.fold(b) != b or a == b:
            raise ValueError(f"{where}: not two different folded Han words: {a!r}, {b!r}")
        if fields[2] != "-":
            mined[a, b] = fields[2]
    return mined


def merge_mined(documents: list[Table], dictionary: Table) -> Table:
    """The documentation files' pairs, a pair going each way that any documentation set supports
    (one-way into-taiwan in one set and into-mainland in another is both ways); then the OpenCC
    pairs that no documentation file decided."""
    merged: Table = {}
    for table in documents:
        for pair, direction in table.items():
            known = merged.get(pair)
            merged[pair] = direction if known in (None, direction) else BOTH
    for pair, direction in dictionary.items():
        merged.setdefault(pair, direction)
    return merged


def build(
    found: dict[Pair, int], threshold: int, overrides: Overrides, mined: Table | None = None
) -> tuple[Table, list[str]]:
    """The final table (pair -> direction), and warnings about override lines that changed nothing."""
    generated = at_threshold(found, threshold)
    table: Table = dict(mined or {})
    table.update(dict.fromkeys(generated, BOTH))  # found by s2twp too: both ways
    known = set(table)
    warnings = [f"- {a}\t{b}: not generated or mined, nothing removed" for a, b in sorted(overrides.remove - known)]
    warnings += [f"+ {a}\t{b}: already generated" for a, b in sorted(overrides.add & generated)]
    for pair in overrides.remove:
        table.pop(pair, None)
    table.update(dict.fromkeys(overrides.add, BOTH))
    return dict(sorted(table.items())), warnings


def render(pairs: Table, threshold: int) -> str:
    """The table file: header, then one pair per line."""
    header = [
        "# feedindex search synonyms: mainland word <TAB> Taiwan word, folded to Simplified characters (OpenCC t2s).",
        "# The index treats the two sides of a line as synonyms, so 软件 finds 軟體 (indexed as 软体).",
        "# Generated by scripts/make_synonyms.py; do not edit: edit synonyms-override.tsv and rerun the script.",
        f"# Source: jieba {version('jieba')} dict.txt words of 2-6 Han characters with frequency >= {threshold},",
        f"#   converted with OpenCC {opencc.__version__} s2twp and folded back with t2s;",
        "#   pairs where s2tw alone gives the same result (variant characters only) or the Taiwan side",
        "#   is not all Han characters are skipped; synonyms-mined.tsv and synonyms-mined-cpp.tsv add the pairs",
        "#   mined from parallel zh-TW/zh-CN documents, synonyms-opencc.tsv those of OpenCC's TWPhrases no",
        "#   document decided; then synonyms-override.tsv removes and adds pairs.",
        "# A third column makes a pair one-way: into-taiwan = only Taiwan text gets the mainland word as a",
        "#   synonym, into-mainland = only mainland text gets the Taiwan word.",
        f"# Pairs: {len(pairs)} ({sum(1 for d in pairs.values() if d != BOTH)} one-way)",
    ]
    lines = (f"{a}\t{b}" if direction == BOTH else f"{a}\t{b}\t{direction}" for (a, b), direction in pairs.items())
    return "\n".join([*header, *lines]) + "\n"


def print_stats(found: Candidates, overrides: Overrides) -> None:
    """Pair counts at several thresholds: skipped by rule, generated, removed/added by overrides, final."""
    print("threshold  variant-only  not-Han  generated  removed  added  final", file=sys.stderr)
    for threshold in STATS_THRESHOLDS:
        generated = at_threshold(found.pairs, threshold)
        final = (generated - overrides.remove) | overrides.add
        print(
            f"{threshold:>9}  {len(at_threshold(found.variant_only, threshold)):>12}"
            f"  {len(at_threshold(found.not_han, threshold)):>7}  {len(generated):>9}"
            f"  {len(generated & overrides.remove):>7}  {len(overrides.add - generated):>5}  {len(final):>5}",
            file=sys.stderr,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--threshold", type=int, default=DEFAULT_THRESHOLD, help="minimum jieba frequency")
    parser.add_argument("--stats", action="store_true", help="print pair counts at several thresholds")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if the table is out of date")
    args = parser.parse_args(argv)

    cc = Converters()
    found = candidates(read_entries(jieba_dict()), cc)
    overrides = read_overrides(OVERRIDE, cc) if OVERRIDE.exists() else Overrides(frozenset(), frozenset())
    documents = [read_mined(path, cc) for path in MINED if path.exists()]
    mined = merge_mined(documents, read_mined(OPENCC, cc) if OPENCC.exists() else {})
    pairs, warnings = build(found.pairs, args.threshold, overrides, mined)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.stats:
        print_stats(found, overrides)

    text = render(pairs, args.threshold)
    current = TABLE.read_bytes() if TABLE.exists() else b""
    if args.check:
        if current != text.encode("utf-8"):
            print(f"{TABLE.relative_to(ROOT)} is out of date: run python scripts/make_synonyms.py", file=sys.stderr)
            return 1
        return 0
    if current != text.encode("utf-8"):
        TABLE.write_bytes(text.encode("utf-8"))
    print(f"{TABLE.relative_to(ROOT)}: {len(pairs)} pairs", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Search-result snippets: the passage with the most query words, highlighted on the original.

Matches are found by plain substring search in the folded text (width- and script-folded, ASCII
lower-cased), which has the same length as the original, so a match for 开源 lands on the 開源
the author wrote. No segmentation is needed, so even a 200 KB article costs microseconds.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from ..analysis import bigrams, fold, lower_ascii, synonyms
from ..model import is_spaced_letter
from .parse import ParsedQuery

_GAP_TO_MERGE = " \t\u3000"  # what may stand between two matches shown as one


def _is_word_char(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _whole_words(text: str, start: int, end: int, first: int, last: int) -> tuple[int, int]:
    """`start` moved forward and `end` back out of any word they cut, never past the matches
    (`first`, `last`), which begin and end on word boundaries."""
    if 0 < start < first and is_spaced_letter(text[start - 1]) and is_spaced_letter(text[start]):
        while start < first and is_spaced_letter(text[start]):
            start += 1
    if last < end < len(text) and is_spaced_letter(text[end - 1]) and is_spaced_letter(text[end]):
        while end > last and is_spaced_letter(text[end - 1]):
            end -= 1
    return start, end


def match_spans(text: str, needles: Iterable[str], folded: str | None = None) -> list[tuple[int, int, str]]:
    """(start, end, needle) of every occurrence of each needle in `text`, sorted.

    Needles are folded, lower-case terms. A Latin needle must start at a word boundary and is
    extended to the end of its word, so the stem `subscript` marks `subscriptions`. `folded` is
    `lower_ascii(fold(text))` when the caller has it already.
    """
    haystack = folded if folded is not None else lower_ascii(fold(text))
    spans = []
    for needle in set(needles):
        if not needle:
            continue
        latin = _is_word_char(needle[0])
        start = haystack.find(needle)
        while start != -1:
            end = start + len(needle)
            if not latin or start == 0 or not _is_word_char(haystack[start - 1]):
                if latin:
                    while end < len(haystack) and _is_word_char(haystack[end]):
                        end += 1
                spans.append((start, end, needle))
            start = haystack.find(needle, start + 1)
    return sorted(spans)


def _merge(spans: list[tuple[int, int, str]], text: str) -> list[tuple[int, int]]:
    """Overlapping, touching or space-separated matches become one highlighted run."""
    merged: list[tuple[int, int]] = []
    for start, end, _ in spans:
        if merged and (start <= merged[-1][1] or not text[merged[-1][1] : start].strip(_GAP_TO_MERGE)):
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _best_window(spans: list[tuple[int, int, str]], width: int) -> tuple[int, int]:
    """The `width`-character window holding the most distinct needles (earliest on ties)."""
    best, best_count, first = (0, width), -1, 0
    for last in range(len(spans)):
        while spans[last][1] - spans[first][0] > width:
            first += 1
        count = len({needle for _, _, needle in spans[first : last + 1]})
        if count > best_count:
            best_count = count
            best = (spans[first][0], spans[last][1])
    return best


def snippet(text: str, needles: Iterable[str], width: int = 160, folded: str | None = None) -> str | None:
    """An HTML snippet of `text` around the best cluster of matches, or None without a match.

    The text is escaped; each run of matches is wrapped in <mark>; line breaks become spaces;
    "…" marks a cut at either end, which never falls inside a word of Latin (spaced) text.
    `folded`: as for `match_spans`.
    """
    spans = match_spans(text, needles, folded)
    if not spans:
        return None
    first, last = _best_window(spans, width)
    slack = max(0, width - (last - first))
    start = max(0, first - slack // 3)
    end = min(len(text), max(last, start + width))
    start, end = _whole_words(text, start, end, first, last)
    runs = [(max(a, start), min(b, end)) for a, b in _merge(spans, text) if b > start and a < end]
    pieces, cursor = [], start
    for a, b in runs:
        pieces.append(html.escape(text[cursor:a]))
        pieces.append(f"<mark>{html.escape(text[a:b])}</mark>")
        cursor = b
    pieces.append(html.escape(text[cursor:end]))
    body = " ".join("".join(pieces).split())
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")


def needles(parsed: ParsedQuery, stage: str) -> list[str]:
    """What to highlight for a query that matched in `stage`: its words as typed (folded), their
    index forms and synonyms (and its bigrams, when the bigram stage matched)."""
    found = []
    table = synonyms()
    for word in [*parsed.words, *(w for group in parsed.phrases for w in group)]:
        typed = lower_ascii(fold(parsed.text[word.start : word.end])) if parsed.text else word.text
        found += [word.text, typed, *word.parts, *table.get(word.text, ())]
    if stage == "bigram":
        found += [term for term, _, _ in bigrams(parsed.text)]
    return list(dict.fromkeys(needle for needle in found if needle))

"""Search-result snippets: where they are cut, parsed as the HTML they are."""

from __future__ import annotations

import re

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedindex.search.snippets import snippet

BM25 = (
    "BM25 scores a document by term frequency saturation and document length normalisation. " * 3
    + "The saturation parameter k1 controls how quickly repeated terms stop adding to the score of a passage."
)
LATIN = re.compile(r"[^\W_]", re.ASCII)


def visible(html: str) -> str:
    """The text a visitor sees: the snippet's HTML parsed, marks and entities resolved."""
    return str(lxml.html.fragment_fromstring(html, create_parent="div").text_content())


def cut_inside_a_word(text: str, html: str) -> bool:
    """Whether the snippet begins or ends (at a "…") in the middle of a Latin word of `text`."""
    shown = visible(html)
    body = shown.strip("…")
    at = " ".join(text.split()).find(body)
    assert at >= 0, "the snippet is a passage of the text"
    flat = " ".join(text.split())
    starts_inside = shown.startswith("…") and at > 0 and bool(LATIN.match(flat[at - 1])) and bool(LATIN.match(body[0]))
    end = at + len(body)
    ends_inside = (
        shown.endswith("…") and end < len(flat) and bool(LATIN.match(flat[end])) and bool(LATIN.match(body[-1]))
    )
    return starts_inside or ends_inside


@pytest.mark.parametrize("needle", ["k1", "saturation", "passage", "bm25"])
def test_latin_snippets_start_and_end_on_whole_words(needle: str) -> None:
    html = snippet(BM25, [needle], 120)
    assert html is not None and not cut_inside_a_word(BM25, html)
    assert needle in visible(html).lower()


@pytest.mark.parametrize(
    ("width", "before", "after"),
    [
        (30, "…uency saturation, so that the…", "…saturation, so that the…"),
        (
            60,
            "…term frequency saturation, so that the tenth repeat of a wo…",
            "…term frequency saturation, so that the tenth repeat of a…",
        ),
    ],
)
def test_the_reported_cut_inside_a_word_is_gone(width: int, before: str, after: str) -> None:
    """`…quency saturation` (issue 16): the window started inside "frequency"; `before` is what
    was shown then."""
    text = (
        "Okapi BM25 ranks documents with two ideas: term frequency saturation, so that the tenth repeat"
        " of a word adds little, and length normalisation, so that long documents do not win by size."
    )
    assert visible(snippet(text, ["saturation"], width) or "") == after != before


def test_cjk_may_be_cut_anywhere_and_keeps_its_width() -> None:
    text = "在開源模型的戰場上" * 20 + "通义千问打破了局面" + "開源軟體與記憶體" * 20
    html = snippet(text, ["通义千问"], 60)
    assert html is not None
    shown = visible(html)
    assert shown.startswith("…") and shown.endswith("…") and len(shown) == 62  # 60 characters and two "…"


def test_a_word_longer_than_the_window_is_not_dropped_around_a_cjk_match() -> None:
    text = "x" * 300 + "中文" + "y" * 300
    shown = visible(snippet(text, ["中文"], 40) or "")
    assert shown == "…中文…"  # the words around it cannot be shown whole: only the match


words = st.sampled_from(
    ["saturation", "BM25", "k1", "frequency", "開源", "模型", "記憶體", "naïve", "Ελληνικά", "-", ","]
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(words, min_size=1, max_size=80),
    st.sampled_from(["saturation", "k1", "开源", "naïve"]),
    st.integers(10, 80),
)
def test_no_snippet_cuts_a_latin_word(parts: list[str], needle: str, width: int) -> None:
    text = " ".join(parts)
    html = snippet(text, [needle], width)
    if html is not None:
        assert not cut_inside_a_word(text, html)

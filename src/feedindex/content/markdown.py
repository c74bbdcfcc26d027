"""Markdown to HTML (python-markdown with SuperFences: fenced code also inside lists and
blockquotes), HTML to plain text, and excerpts that never cut a Latin word."""

from __future__ import annotations

import html
import re
from typing import Any

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markdown.util import HTML_PLACEHOLDER

from ..model import is_spaced_letter

MARKDOWN_EXTENSIONS = ["tables", "pymdownx.superfences", "sane_lists"]


def _code_block(source: str, language: str, class_name: str, options: object, md: object, **kwargs: object) -> str:
    """A fenced block as python-markdown's own fenced_code writes it (and GitHub does):
    `<pre><code class="language-xml">`, no highlighting markup that feed readers cannot style."""
    escaped = source.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    attribute = f' class="language-{html.escape(language)}"' if language else ""
    return f"<pre><code{attribute}>{escaped}\n</code></pre>"


def _any_options(language: str, inputs: dict[str, str], options: object, attrs: object, md: object) -> bool:
    """Accept a fence whatever follows its language (`hl_lines="3"`, `title="x.py"`), as
    CommonMark does with an info string: the options are ignored, never a reason to print the
    fence as text."""
    return True


_PLACEHOLDER_LINE = re.compile("^" + re.escape(HTML_PLACEHOLDER).replace("%s", r"\d+") + "$")


class _FencesOutOfParagraphs(Treeprocessor):
    """Lift a fence out of the paragraph it directly follows or precedes (no blank line between).

    SuperFences leaves such a fence inside the paragraph (`<p>Text:<pre>…</pre></p>`, which HTML
    cannot hold); CommonMark and GitHub end the paragraph there, and so does this.
    """

    def run(self, root: Any) -> None:
        for parent in list(root.iter()):
            for index in reversed(range(len(parent))):
                paragraph = parent[index]
                if paragraph.tag != "p" or len(paragraph) or not paragraph.text or "\n" not in paragraph.text:
                    continue
                lines = paragraph.text.split("\n")
                if not any(_PLACEHOLDER_LINE.match(line.strip()) for line in lines):
                    continue
                pieces: list[list[str]] = []
                for line in lines:
                    alone = _PLACEHOLDER_LINE.match(line.strip()) is not None
                    if alone or not pieces or _PLACEHOLDER_LINE.match(pieces[-1][0].strip()):
                        pieces.append([line.strip() if alone else line])
                    else:
                        pieces[-1].append(line)
                parent.remove(paragraph)
                for offset, piece in enumerate(pieces):
                    block = paragraph.makeelement("p", {})
                    block.text = "\n".join(piece)
                    parent.insert(index + offset, block)


class _FencesOutOfParagraphsExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # Before the inline patterns (priority 20), while a paragraph is still plain text.
        md.treeprocessors.register(_FencesOutOfParagraphs(md), "fences_out_of_paragraphs", 25)


# SuperFences (pymdown-extensions) finds fences inside list items and blockquotes and fences
# holding fences, which python-markdown's fenced_code leaves as text. Every fence goes through
# `_code_block` (no Pygments); indented code blocks stay python-markdown's own.
MARKDOWN_CONFIGS: dict[str, dict[str, Any]] = {
    "pymdownx.superfences": {
        "custom_fences": [{"name": "*", "class": "", "format": _code_block, "validator": _any_options}]
    },
}
_md = markdown.Markdown(
    extensions=[*MARKDOWN_EXTENSIONS, _FencesOutOfParagraphsExtension()],
    extension_configs=MARKDOWN_CONFIGS,
    output_format="html",
)

_BLOCK_TAGS = (
    "address|article|aside|blockquote|br|dd|details|div|dl|dt|figcaption|figure|footer|h[1-6]|"
    "header|hr|li|main|nav|ol|p|pre|section|summary|table|td|th|tr|ul"
)
_DROP = re.compile(r"<(script|style|template)\b.*?</\1\s*>|<!--.*?-->", re.S | re.I)
_BLOCK = re.compile(rf"</?(?:{_BLOCK_TAGS})\b[^>]*>", re.I)
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def render_markdown(text: str) -> str:
    """Markdown (tables, fenced code, also inside lists and blockquotes) to HTML."""
    _md.reset()
    return _md.convert(text)


def html_to_text(body_html: str) -> str:
    """Plain text of rendered HTML: blocks become lines, tags go, entities are decoded."""
    text = _DROP.sub("", body_html)
    text = _BLOCK.sub("\n", text)
    text = html.unescape(_TAG.sub("", text))
    text = _SPACES.sub(" ", text)
    lines = (line.strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n", "\n".join(line for line in lines if line)).strip()


def excerpt(text: str, budget: int) -> str:
    """The start of `text` cut at `budget` characters (not words, so it works for Chinese), never
    inside a word of Latin (spaced) text."""
    flat = " ".join(text.split())
    if len(flat) <= budget:
        return flat
    cut = flat[:budget]
    # End on a sentence or clause boundary when one falls in the last third of the budget.
    for marks in ("。！？.!?", "，；、,;", " "):
        end = max(cut.rfind(mark) for mark in marks)
        if end >= budget * 2 // 3:
            cut = cut[: end + 1] if marks != " " else cut[:end]
            break
    else:
        # No boundary near the end (Chinese, or one long word): drop a Latin word cut in two,
        # unless it is all there is.
        word = len(cut)
        while word > 0 and is_spaced_letter(cut[word - 1]):
            word -= 1
        if is_spaced_letter(flat[len(cut)]) and word > 0:
            cut = cut[:word]
    return cut.rstrip(" ，,；;、") + "…"

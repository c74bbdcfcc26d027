"""What the pre-processors share: the page being read, arguments, code fences, HTML snippets."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ...config import Config
    from .links import Links

MAX_DEPTH = 8  # nesting of shortcodes, tags and includes; deeper markup is left as text


@dataclass
class Page:
    """The article being pre-processed, and what its markup may ask about."""

    config: Config
    source: str  # relative to the content folder
    path: Path
    links: Links
    render: Callable[[str], str]  # Markdown → HTML, for markup whose inner text is Markdown
    unknown: dict[str, None] = field(default_factory=dict)  # names of unknown markup, in order
    notes: list[str] = field(default_factory=list)  # other problems worth a warning


@dataclass(frozen=True)
class Args:
    """A shortcode's or tag's arguments: positional and named."""

    positional: tuple[str, ...]
    named: dict[str, str]

    def get(self, name: str, position: int | None = None, default: str = "") -> str:
        """A named argument, else the positional one at `position`."""
        if name in self.named:
            return self.named[name]
        if position is not None and position < len(self.positional):
            return self.positional[position]
        return default


class Walk:
    """A walk over the markup found in a text, in order: the text between is copied to the
    output; a tag that takes an inner text (up to its closing tag) skips past that closing tag."""

    def __init__(self, text: str, spans: Sequence[tuple[int, int]]) -> None:
        self.text = text
        self.spans = spans  # (start, end) of each tag in `text`
        self.out: list[str] = []
        self.position = 0
        self.index = 0

    def __iter__(self) -> Iterator[int]:
        """The index of each tag still to be seen (the text before it is copied first)."""
        while self.index < len(self.spans):
            index = self.index
            start, end = self.spans[index]
            self.out.append(self.text[self.position : start])
            self.position, self.index = end, index + 1
            yield index

    def inner(self, close: int) -> str:
        """The text between the tag just seen and the tag at `close`; the walk goes on after it."""
        inner = self.text[self.spans[self.index - 1][1] : self.spans[close][0]]
        self.position, self.index = self.spans[close][1], close + 1
        return inner

    def result(self) -> str:
        """The output, with the text after the last tag."""
        return "".join(self.out) + self.text[self.position :]


_ARG = re.compile(r"""\s*(?:([\w-]+)=)?("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`|[^\s"'`]+)""", re.S)


def parse_args(text: str, named: bool = True) -> Args:
    """`a "b c" key="d"` → positional (a, b c), named {key: d}. Quotes may be ", ' or `."""
    positional: list[str] = []
    names: dict[str, str] = {}
    for match in _ARG.finditer(text):
        key, value = match.group(1), match.group(2)
        if value[:1] in "\"'`" and value[-1:] == value[:1] and len(value) >= 2:
            value = value[1:-1]
            if match.group(2)[0] != "`":
                value = re.sub(r"\\(.)", r"\1", value)
        if key and named:
            names[key] = value
        else:
            positional.append(((key + "=") if key else "") + value)
    return Args(tuple(positional), names)


def code_block(code: str, language: str = "") -> str:
    """`code` as a fenced Markdown code block: kept as code, whatever it holds."""
    code = code.strip("\n")
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    language = re.sub(r"[^\w+#.-]", "", language)
    return f"\n\n{fence}{language}\n{code}\n{fence}\n\n"


def escape(text: str) -> str:
    """Text for an HTML attribute or element."""
    return html.escape(text, quote=True)


def block(html_text: str) -> str:
    """An HTML block on lines of its own, so Markdown passes it through whole."""
    return f"\n\n{html_text}\n\n"


def link(url: str, text: str) -> str:
    """An HTML link."""
    return f'<a href="{escape(url)}">{escape(text)}</a>'


def video(embed: str, watch: str, title: str) -> str:
    """An embedded video (kept only where `feeds.iframe_hosts` allows it) with a link to watch it."""
    frame = f'<iframe src="{escape(embed)}" title="{escape(title)}" allowfullscreen></iframe>'
    return block(f"<div>{frame}<p>{link(watch, title)}</p></div>")


# Private-use characters mark protected spans (code that tags must not touch) while tags are
# processed; they are put back before Markdown sees the text.
_HOLD = "\ue000{}\ue001"
_HELD = re.compile("\ue000(\\d+)\ue001")


class Held:
    """Spans of text set aside while markup is processed, then put back."""

    def __init__(self) -> None:
        self.spans: list[str] = []

    def hold(self, text: str) -> str:
        """A placeholder for `text`."""
        self.spans.append(text)
        return _HOLD.format(len(self.spans) - 1)

    def restore(self, text: str) -> str:
        """`text` with every placeholder replaced by what it holds (nested ones too)."""
        for _ in range(MAX_DEPTH):
            if "\ue000" not in text:
                break
            text = _HELD.sub(lambda match: self.spans[int(match.group(1))], text)
        return text


_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})[^\n]*\n.*?^ {0,3}\2[`~]*[ \t]*$", re.S | re.M)
_INLINE_CODE = re.compile(r"(?<![`\\])(`+)(?!`)((?:(?!\n[ \t]*\n).)+?)(?<!`)\1(?!`)", re.S)


def hold_code(text: str, held: Held) -> str:
    """Fenced code blocks and inline code set aside (Hexo does not render tags inside code)."""
    text = _FENCE.sub(lambda match: held.hold(match.group(0)), text)
    return _INLINE_CODE.sub(lambda match: held.hold(match.group(0)), text)

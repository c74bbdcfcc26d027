"""Beside Hugo, Jekyll and Hexo: their markup, URLs and publishing rules (`[content] generator`).

`preprocess` turns a page's template markup into Markdown and HTML before Markdown is rendered;
`permalinks` makes the URLs the generator publishes; `rules` holds what decides which pages are
articles; `site` reads a generator's own configuration for `feedindex init --from`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ...config import Config


@dataclass(frozen=True)
class Preprocessed:
    """A page's Markdown with its template markup rendered, and what could not be."""

    text: str
    unknown: tuple[str, ...]  # names of shortcodes or tags that were unwrapped
    notes: tuple[str, ...]  # references that did not resolve, includes not found


def preprocess(config: Config, source: str, path: Path, text: str, render: Callable[[str], str]) -> Preprocessed:
    """Render the generator's markup in `text` (a page's body): known shortcodes and tags become
    what the generator publishes, unknown ones keep only their inner text."""
    from . import hugo, liquid
    from .links import Links
    from .markup import Page

    generator = config.content.generator
    if generator == "none":
        return Preprocessed(text, (), ())
    page = Page(config, source, path, Links(config), render)
    out = hugo.render(text, page) if generator == "hugo" else liquid.render(text, page, generator)
    return Preprocessed(out, tuple(page.unknown), tuple(page.notes))

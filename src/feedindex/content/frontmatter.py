"""Front matter: YAML (`---`) or TOML (`+++`), parsed in bounded time and memory, every problem
an error naming the file, the field and the line."""

from __future__ import annotations

import re
import reprlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from frontmatter.default_handlers import BaseHandler, YAMLHandler

from ..config import Config
from ..errors import ContentError
from ..model import has_illegal_chars, strip_illegal_chars
from .generators import rules


class _TomlHandler(BaseHandler):
    """Hugo's `+++` TOML front matter, parsed with the standard library's tomllib."""

    FM_BOUNDARY = re.compile(r"^\+{3,}\s*$", re.MULTILINE)
    START_DELIMITER = END_DELIMITER = "+++"

    def load(self, fm: str, **kwargs: object) -> Any:
        return tomllib.loads(fm)


class _YamlLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader (libyaml's C one when available: several times faster)."""


class _PythonYamlLoader(yaml.SafeLoader):
    """PyYAML's pure-Python safe loader, for front matter that may nest deeply (see `_load_yaml`)."""


def _timestamp_or_text(loader: Any, node: Any) -> Any:
    # PyYAML raises a bare ValueError on `date: 2025-13-45`; keep the text so the date check
    # reports it with its field and line like any other bad date.
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        return loader.construct_scalar(node)


for _loader in (_YamlLoader, _PythonYamlLoader):
    _loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)

# libyaml builds nested collections by C recursion (a front matter nested ~30,000 deep crashes
# the process) and tracks nesting in a way that costs time quadratic in the depth. A collection
# needs one of these characters per level, so front matter with fewer of them is safe for the C
# loader; anything else goes through the pure-Python loader, which stops at Python's recursion
# limit (reported as front matter that does not parse).
NESTING_MARKS = "[{-?:"
MAX_NESTING_MARKS = 2000
# Values front matter may hold once YAML aliases are expanded: nine nested levels of nine
# aliases are 387 million values and no site needs a tenth of a million.
MAX_FRONT_MATTER_VALUES = 100_000


def _load_yaml(text: str) -> Any:
    fast = sum(text.count(mark) for mark in NESTING_MARKS) <= MAX_NESTING_MARKS
    return yaml.load(text, Loader=_YamlLoader if fast else _PythonYamlLoader)


class _FastYamlHandler(YAMLHandler):
    """YAML front matter through `_YamlLoader`."""

    def load(self, fm: str, **kwargs: object) -> Any:
        return _load_yaml(fm)


def _expanded_size(value: Any, limit: int) -> int:
    """How many values `value` holds with YAML aliases expanded, counting no further than just
    past `limit` (an alias bomb or a self-referencing list is never walked whole)."""
    count = 0
    pending = [value]
    while pending and count <= limit:
        item = pending.pop()
        count += 1
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return count


# A value shown in a message: containers to two levels and a few items, long text cut short.
_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxdict, _REPR.maxstring, _REPR.maxother, _REPR.maxlong = 2, 5, 5, 60, 60, 40


def shown(value: Any) -> str:
    """`repr(value)` bounded in size and in the work to make it, for error messages."""
    return _REPR.repr(value)


_HANDLERS: tuple[BaseHandler, ...] = (_FastYamlHandler(), _TomlHandler())


@dataclass
class Reader:
    """State for reading one file: where it is, its front matter text, warnings so far."""

    path: Path
    rel: str
    generator: str = "none"
    fm_text: str = ""
    fm_first_line: int = 2
    warnings: list[ContentError] = field(default_factory=list)

    def error(self, field_name: str | None, message: str) -> ContentError:
        """A ContentError about `field_name` of this file, at its line in the front matter."""
        return ContentError(self.rel, field_name, message, self.line_of(field_name))

    def line_of(self, key: str | None) -> int | None:
        """The line of `key:` (YAML) or `key =` (TOML) in the front matter, counted in the file."""
        if not key or not self.fm_text:
            return None
        pattern = re.compile(rf"^\s*['\"]?{re.escape(key)}['\"]?\s*[:=]")
        for number, line in enumerate(self.fm_text.splitlines()):
            if pattern.match(line):
                return self.fm_first_line + number
        return None

    def clean(self, field_name: str, text: str) -> str:
        """Drop characters XML cannot carry, with a warning naming the field."""
        if has_illegal_chars(text):
            self.warnings.append(self.error(field_name, "control characters removed"))
            return strip_illegal_chars(text)
        return text


def _split_front_matter(reader: Reader, text: str, *, tabs: bool = False) -> tuple[dict[str, Any], str]:
    handler = next((h for h in _HANDLERS if h.detect(text)), None)
    if handler is None:
        raise ContentError(
            reader.rel, "front matter", "no front matter: the file must start with --- (YAML) or +++ (TOML)", 1
        )
    try:
        fm_text, body = handler.split(text)
    except ValueError:
        raise ContentError(
            reader.rel, "front matter", f"front matter is not closed by a {handler.END_DELIMITER} line", 1
        ) from None
    reader.fm_text = fm_text
    reader.fm_first_line = 2 - (1 if fm_text.startswith("\n") else 0)
    if tabs:
        fm_text = rules.untab(fm_text)
    try:
        meta = handler.load(fm_text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = reader.fm_first_line + mark.line if mark is not None else None
        problem = getattr(error, "problem", None) or str(error)
        context, context_mark = getattr(error, "context", None), getattr(error, "context_mark", None)
        if context and context_mark is not None:
            problem += f" ({context} started on line {reader.fm_first_line + context_mark.line})"
        raise ContentError(reader.rel, "front matter", f"YAML does not parse: {problem}", line) from None
    except tomllib.TOMLDecodeError as error:
        at = re.search(r"at line (\d+)", str(error))
        line = reader.fm_first_line + int(at.group(1)) - 1 if at else None
        raise ContentError(reader.rel, "front matter", f"TOML does not parse: {error}", line) from None
    except (ValueError, RecursionError) as error:  # e.g. a constructor failing on odd input
        raise ContentError(reader.rel, "front matter", f"front matter does not parse: {error}") from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise ContentError(
            reader.rel, "front matter", f"front matter must be a mapping of keys, not {type(meta).__name__}", 2
        )
    if _expanded_size(meta, MAX_FRONT_MATTER_VALUES) > MAX_FRONT_MATTER_VALUES:
        raise ContentError(
            reader.rel,
            "front matter",
            f"front matter holds more than {MAX_FRONT_MATTER_VALUES:,} values once its YAML aliases are expanded",
            reader.fm_first_line,
        )
    return meta, body


def decode(reader: Reader, data: bytes) -> str:
    """A file's bytes as text: UTF-8 (an error naming the offset otherwise), no BOM, LF line ends."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ContentError(
            reader.rel, "encoding", f"not valid UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start})", line
        ) from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n")


def front_matter(reader: Reader, config: Config, text: str) -> tuple[dict[str, Any], str]:
    """The front matter (a mapping) and the body of a file's text, as its generator reads them."""
    generator = config.content.generator
    if generator in ("jekyll", "hexo") and not any(handler.detect(text) for handler in _HANDLERS):
        if generator == "hexo" and rules.open_front_matter(text):
            return _split_front_matter(reader, "---\n" + text, tabs=True)
        # A Jekyll or Hexo post needs no front matter: Jekyll takes the date and title from the
        # file name, Hexo from the file (see `page_fields`).
        return {}, text
    return _split_front_matter(reader, text, tabs=generator == "hexo")

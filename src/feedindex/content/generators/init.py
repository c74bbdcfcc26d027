"""`feedindex init --from SITE_DIR`: write the `feedindex.toml` that publishes what a Hugo, Jekyll
or Hexo site publishes (its settings read by site.py), checked before it is written."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...config import CONFIG_NAME, config_from_mapping
from ...errors import ConfigError, ConfigProblem
from ...files import write_atomic
from .site import SiteSettings, read_site


def _relative(target: Path, config_dir: Path) -> str:
    """`target` relative to the configuration's folder when it is inside it, else absolute."""
    return target.relative_to(config_dir).as_posix() if target.is_relative_to(config_dir) else target.as_posix()


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml(str(k))} = {_toml(v)}" for k, v in value.items()) + " }"
    # A JSON string is a TOML basic string once DEL (which TOML forbids raw) is escaped.
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")


def render_toml(settings: SiteSettings, config_dir: Path) -> str:
    """`settings` as a commented `feedindex.toml` whose paths are relative to `config_dir`."""
    paths = {
        key: _relative(value, config_dir) if isinstance(value, Path) else value for key, value in settings.paths.items()
    }
    paths.setdefault("out", "_feedindex" if settings.generator == "jekyll" else "feedindex-out")
    content = {"generator": settings.generator, **settings.content}
    tables = {"site": settings.site, "paths": paths, "content": content, "feeds": settings.feeds}
    lines = [
        f"# Written by `feedindex init --from {settings.root}`",
        f"# from the {settings.generator.title()} site's own configuration.",
        "# Every key is documented in feedindex's docs/reference/configuration.md (and docs/generators.md).",
    ]
    lines += [f"# check: {note}" for note in settings.notes]
    for name, table in tables.items():
        if not table:
            continue
        lines += ["", f"[{name}]"]
        lines += [f"{key} = {_toml(value)}" for key, value in table.items()]
    text = "\n".join(lines) + "\n"
    tomllib.loads(text)  # what is written must read back
    return text


@dataclass(frozen=True)
class InitResult:
    """What `init` wrote and what the operator should check."""

    generator: str
    config_path: Path
    notes: tuple[str, ...]


def init_from_site(root: Path, config_path: Path | None = None, *, force: bool = False) -> InitResult:
    """Write a `feedindex.toml` (default: in the current folder) for the site in `root`.

    Raises ConfigError when the site is not recognised, or the file exists and `force` is false.
    """
    root = root.resolve()
    target = (config_path or Path.cwd() / CONFIG_NAME).resolve()
    settings = read_site(root)
    if target.exists() and not force:
        raise ConfigError([ConfigProblem("--config", f"{target} already exists (use --force to replace it)")])
    text = render_toml(settings, target.parent)
    config_from_mapping(tomllib.loads(text), root=target.parent, source=target)  # valid before it is written
    write_atomic(target, text.encode("utf-8"))
    return InitResult(settings.generator, target, tuple(settings.notes))

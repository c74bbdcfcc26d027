"""Read a Hugo, Jekyll or Hexo site's own configuration: the settings of the `feedindex.toml` that
publishes the same URLs, from the same posts (written by init.py: `feedindex init --from`)."""

from __future__ import annotations

import json
import os
import tomllib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ...config_checks import check_language
from ...errors import ConfigError, ConfigProblem
from ..scan import SUFFIXES
from .permalinks import JEKYLL_STYLES, translate

_HUGO_CONFIGS = (
    "hugo.toml",
    "hugo.yaml",
    "hugo.yml",
    "hugo.json",
    "config.toml",
    "config.yaml",
    "config.yml",
    "config.json",
)
_SKIP_FOLDERS = {"_site", "node_modules", "vendor", "public", "resources", "themes", ".git"}
_MAX_CONFIG_BYTES = 1_000_000
# Front-matter keys themes keep their post images under, most specific first.
IMAGE_KEYS = {
    "hugo": ["cover.image", "image", "images", "featured_image", "featuredImage", "feature", "thumbnail", "banner"],
    "jekyll": ["image", "header.image", "header.overlay_image", "header.teaser", "cover", "thumbnail", "feature"],
    "hexo": ["cover", "thumbnail", "index_img", "banner_img", "top_img", "banner", "image", "photos"],
}


@dataclass
class SiteSettings:
    """What `init` learnt from a site: the feedindex configuration, and what to check by hand."""

    generator: str
    root: Path
    site: dict[str, Any] = field(default_factory=dict)
    paths: dict[str, Any] = field(default_factory=dict)
    content: dict[str, Any] = field(default_factory=dict)
    feeds: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def detect(root: Path) -> str | None:
    """The generator a site folder is built with: "hugo", "jekyll", "hexo", or None."""
    has_config = any((root / name).is_file() for name in ("_config.yml", "_config.yaml"))
    if has_config and (root / "source").is_dir() and ((root / "source" / "_posts").is_dir() or _is_hexo(root)):
        return "hexo"
    if has_config and any(True for _ in _jekyll_post_folders(root)):
        return "jekyll"
    if any((root / name).is_file() for name in _HUGO_CONFIGS) or (root / "config" / "_default").is_dir():
        return "hugo"
    return None


def _is_hexo(root: Path) -> bool:
    try:
        package = json.loads((root / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(package, dict) and "hexo" in (package.get("dependencies") or {})


def _jekyll_post_folders(root: Path) -> list[str]:
    """Every `_posts` folder of a Jekyll site (`_posts`, `blog/_posts`), relative to it."""
    found = []
    for folder, folders, _ in os.walk(root):
        rel = Path(folder).relative_to(root).as_posix()
        folders[:] = sorted(
            name for name in folders if name not in _SKIP_FOLDERS and not name.startswith(".") and rel.count("/") < 4
        )
        if "_posts" in folders:
            found.append(f"{rel}/_posts" if rel != "." else "_posts")
            folders.remove("_posts")
    return found


def _load(path: Path) -> dict[str, Any]:
    """A generator's configuration file (TOML, YAML or JSON) as a mapping."""
    import yaml

    try:
        data = path.read_bytes()[:_MAX_CONFIG_BYTES].decode("utf-8-sig")
        if path.suffix == ".toml":
            loaded: Any = tomllib.loads(data)
        elif path.suffix == ".json":
            loaded = json.loads(data)
        else:
            loaded = yaml.safe_load(data)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as error:
        raise ConfigError([ConfigProblem(path.name, f"cannot read the generator's configuration: {error}")]) from None
    return loaded if isinstance(loaded, dict) else {}


def _table(mapping: Mapping[str, Any], key: str) -> dict[str, Any]:
    """`mapping[key]` when it is a table, else an empty one."""
    value = mapping.get(key)
    return value if isinstance(value, dict) else {}


def _lower_keys(value: Any) -> Any:
    """Hugo's configuration keys are case-insensitive."""
    if isinstance(value, dict):
        return {str(key).lower(): _lower_keys(item) for key, item in value.items()}
    return value


def _language(value: Any, settings: SiteSettings) -> None:
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, str) or not value.strip() or value == "default":
        return
    tag = value.strip().replace("_", "-")
    parts = tag.split("-")
    tag = "-".join(
        [parts[0].lower()] + [p.upper() if len(p) == 2 else p.title() if len(p) == 4 else p for p in parts[1:]]
    )
    try:
        settings.site["language"] = check_language(tag)
    except ValueError:
        settings.notes.append(f"language {value!r} is not BCP 47: set [site] language by hand")


def _timezone(value: Any, settings: SiteSettings, default: str, why: str) -> None:
    if isinstance(value, str) and value.strip():
        try:
            ZoneInfo(value.strip())
            settings.site["timezone"] = value.strip()
            return
        except (ZoneInfoNotFoundError, ValueError):
            settings.notes.append(f"time zone {value!r} is not an IANA name")
    settings.site["timezone"] = default
    settings.notes.append(f"no time zone set: {default} is used ({why}); set [site] timezone if that is wrong")


def _base_url(value: Any, settings: SiteSettings, path: str = "") -> None:
    url = value.strip() if isinstance(value, str) else ""
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        settings.site["base_url"] = "https://example.org/"
        settings.notes.append(f"no absolute base URL found ({value!r}): set [site] base_url")
        return
    url = url.rstrip("/") + "/" + path.strip("/")
    settings.site["base_url"] = url.rstrip("/") + "/"


def _pattern(generator: str, rule: str, settings: SiteSettings, literals: Mapping[str, str] | None = None) -> str:
    pattern, unknown = translate(generator, rule, literals)
    if unknown:
        settings.notes.append(f"permalink {rule!r}: {', '.join(':' + name for name in unknown)} not supported")
    return "/" + pattern.lstrip("/")


# --- Hugo ---------------------------------------------------------------------------------------


def _hugo_config(root: Path) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for name in _HUGO_CONFIGS:
        if (root / name).is_file():
            config = _lower_keys(_load(root / name))
            break
    default = root / "config" / "_default"
    if default.is_dir():
        for path in sorted(default.iterdir()):
            if path.suffix not in (".toml", ".yaml", ".yml", ".json"):
                continue
            loaded = _lower_keys(_load(path))
            if path.stem in ("hugo", "config"):
                config = {**loaded, **config}
            else:
                config.setdefault(path.stem.lower(), loaded)
    return config


def read_hugo(root: Path) -> SiteSettings:
    """The settings of a Hugo site."""
    config = _hugo_config(root)
    settings = SiteSettings("hugo", root)
    _base_url(config.get("baseurl"), settings)
    settings.site["title"] = str(config.get("title") or root.name)
    params = _table(config, "params")
    description = params.get("description") if isinstance(params, dict) else None
    if isinstance(description, str):
        settings.site["description"] = description
    _language(config.get("languagecode") or config.get("defaultcontentlanguage"), settings)
    _timezone(config.get("timezone"), settings, "UTC", "Hugo reads dates without an offset as UTC")
    if isinstance(config.get("languages"), dict) and len(config["languages"]) > 1:
        settings.notes.append("a multilingual site: only the default language's URLs are made")
    content = root / str(config.get("contentdir") or "content")
    settings.paths["content"] = content
    if (root / "static").is_dir():
        settings.paths["images"] = root / "static"

    mains = params.get("mainsections") if isinstance(params, dict) else None
    if isinstance(mains, str):
        mains = [mains]
    sections = [str(s) for s in mains] if isinstance(mains, list) and mains else _biggest_section(content)
    settings.content["sections"] = sections

    ugly = config.get("uglyurls") is True
    settings.site["article_url"] = "/{dir}/{slug}.html" if ugly else "/{dir}/{slug}/"
    section_urls: dict[str, str] = {}
    permalinks = _table(config, "permalinks")
    rules = {**permalinks, **_table(permalinks, "page")}
    for section, rule in rules.items():
        if isinstance(rule, str) and section not in ("page", "section", "taxonomy", "term"):
            section_urls[section.strip("/")] = _pattern("hugo", rule, settings)
    if len(sections) == 1 and sections[0] in section_urls:
        settings.site["article_url"] = section_urls.pop(sections[0])
    if section_urls:
        settings.site["section_urls"] = section_urls
    settings.site["lowercase_urls"] = config.get("disablepathtolower") is not True
    frontmatter = _table(config, "frontmatter")
    settings.content["filename_dates"] = ":filename" in json.dumps(frontmatter.get("date", []))
    settings.content["excerpt_separator"] = "<!--more-->"
    settings.content["image_keys"] = IMAGE_KEYS["hugo"]
    return settings


def _biggest_section(content: Path) -> list[str]:
    """Hugo's default main section: the one with the most pages."""
    counts: Counter[str] = Counter()
    suffixes = SUFFIXES["hugo"]
    for folder, folders, files in os.walk(content):
        folders[:] = [name for name in folders if not name.startswith(".")]
        rel = Path(folder).relative_to(content).as_posix()
        if rel != ".":
            counts[rel.split("/")[0]] += sum(
                1 for name in files if name.endswith(suffixes) and not name.startswith("_")
            )
    return [counts.most_common(1)[0][0]] if counts else []


# --- Jekyll -------------------------------------------------------------------------------------


def read_jekyll(root: Path) -> SiteSettings:
    """The settings of a Jekyll site."""
    name = "_config.yml" if (root / "_config.yml").is_file() else "_config.yaml"
    config = _load(root / name)
    settings = SiteSettings("jekyll", root)
    baseurl = config["baseurl"] if isinstance(config.get("baseurl"), str) else ""
    _base_url(config.get("url"), settings, baseurl)
    settings.site["title"] = str(config.get("title") or root.name)
    if isinstance(config.get("description"), str):
        settings.site["description"] = config["description"]
    author = config.get("author")
    if isinstance(author, dict):
        author = author.get("name")
    if isinstance(author, str):
        settings.site["author"] = author
    _language(config.get("lang") or config.get("locale") or config.get("language"), settings)
    _timezone(config.get("timezone"), settings, "UTC", "Jekyll uses the building machine's, UTC on GitHub Pages")
    settings.paths["content"] = root
    settings.content["sections"] = _jekyll_post_folders(root)

    style = "date"
    for scope in config.get("defaults") or []:
        if not isinstance(scope, dict) or not isinstance(scope.get("values"), dict):
            continue
        target = _table(scope, "scope")
        if (
            target.get("type") in ("posts", None)
            and target.get("path", "") in ("", "_posts")
            and scope["values"].get("permalink")
        ):
            style = str(scope["values"]["permalink"])
    collections = _table(config, "collections")
    posts = _table(collections, "posts")
    rule = str(posts.get("permalink") or config.get("permalink") or style)
    rule = JEKYLL_STYLES.get(rule.lstrip(":"), rule)
    settings.site["article_url"] = _pattern("jekyll", rule, settings)
    separator = config.get("excerpt_separator", "\n\n")
    settings.content["excerpt_separator"] = separator if isinstance(separator, str) else "\n\n"
    settings.content["filename_dates"] = True
    settings.content["image_keys"] = IMAGE_KEYS["jekyll"]
    return settings


# --- Hexo ---------------------------------------------------------------------------------------


def read_hexo(root: Path) -> SiteSettings:
    """The settings of a Hexo site."""
    config = _load(root / "_config.yml")
    settings = SiteSettings("hexo", root)
    _base_url(config.get("url"), settings)
    settings.site["title"] = str(config.get("title") or root.name)
    description = config.get("subtitle") or config.get("description")
    if isinstance(description, str):
        settings.site["description"] = description
    if isinstance(config.get("author"), str):
        settings.site["author"] = config["author"]
    _language(config.get("language"), settings)
    language = str(settings.site.get("language", ""))
    guess = (
        "Asia/Shanghai"
        if language in ("zh-CN", "zh-Hans", "zh")
        else "Asia/Taipei"
        if language.startswith(("zh-TW", "zh-Hant", "zh-HK"))
        else "UTC"
    )
    _timezone(config.get("timezone"), settings, guess, "Hexo uses the building machine's; guessed from the language")
    settings.paths["content"] = root / str(config.get("source_dir") or "source")
    settings.content["sections"] = ["_posts"]

    rule = str(config.get("permalink") or ":year/:month/:day/:title/")
    pretty = _table(config, "pretty_urls")
    if pretty.get("trailing_index") is False:
        rule = rule.removesuffix("index.html")
    if pretty.get("trailing_html") is False and not rule.endswith("index.html"):
        rule = rule.removesuffix(".html")
    defaults = _table(config, "permalink_defaults")
    settings.site["article_url"] = _pattern("hexo", rule, settings, {str(k): str(v) for k, v in defaults.items()})
    if config.get("category_map") and "{category}" in settings.site["article_url"]:
        settings.notes.append("category_map is not applied to :category in URLs")
    if config.get("filename_case") not in (None, 0):
        settings.notes.append("filename_case is not applied to URLs")
    new_post_name = str(config.get("new_post_name") or ":title.md")
    settings.content["filename_dates"] = new_post_name.startswith(":year-:month-:day-")
    settings.content["excerpt_separator"] = "<!-- more -->"
    settings.content["image_keys"] = IMAGE_KEYS["hexo"]
    feed = _table(config, "feed")
    if isinstance(feed.get("limit"), int) and feed["limit"] > 0:
        settings.feeds["items"] = feed["limit"]
    return settings


READERS = {"hugo": read_hugo, "jekyll": read_jekyll, "hexo": read_hexo}


def read_site(root: Path) -> SiteSettings:
    """The settings of the site in `root`; ConfigError when no generator is recognised."""
    generator = detect(root)
    if generator is None:
        problem = ConfigProblem(
            "--from",
            f"{root} is not a Hugo (hugo.toml, config.toml), Jekyll (_config.yml and _posts/) or Hexo"
            " (_config.yml and source/_posts/) site",
        )
        raise ConfigError([problem])
    return READERS[generator](root)

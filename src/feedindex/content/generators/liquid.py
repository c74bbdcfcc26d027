"""Jekyll's Liquid and Hexo's tag plugins (`{% name args %}`, `{{ expression }}`) rendered before
Markdown.

Jekyll: highlight, raw, link, post_url, include (and include_relative), comment, and the
`site.url` / `site.baseurl` values with the `relative_url` / `absolute_url` filters. Hexo:
codeblock (code), blockquote, pullquote, asset_img, asset_link, asset_path, img, link, post_link,
post_path, iframe, youtube, vimeo, raw; Hexo leaves code blocks and inline code alone, as here.
Any other tag loses its markers and keeps its inner text, and its name is reported; an unknown
`{{ expression }}` renders as nothing, as Liquid renders an undefined variable.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from .markup import MAX_DEPTH, Args, Held, Page, Walk, block, code_block, escape, hold_code, link, parse_args, video

# A tag's arguments or an expression never hold another opening and are at most _MAX_BODY
# characters, so an opening without its end costs a short look ahead (hostile text stays linear).
_MAX_BODY = 2000
_BODY = rf"(?:(?!\{{[%{{#]).){{0,{_MAX_BODY}}}?"
_TOKEN = re.compile(
    rf"\{{%-?\s*(?P<name>\w+)(?P<args>{_BODY})-?%\}}|\{{\{{-?(?P<expr>{_BODY})-?\}}\}}|\{{#{_BODY}#\}}", re.S
)
_MAX_INCLUDE_BYTES = 200_000

Renderer = Callable[[Args, str, "str | None", Page, int], str]
# Tags that always take a body up to {% end<name> %}; others take one only when it is there.
_BLOCKS = {"raw", "highlight", "codeblock", "code", "blockquote", "pullquote", "comment", "capture"}


def _highlight(args: Args, raw: str, inner: str | None, page: Page, depth: int) -> str:
    return code_block(inner or "", args.get("lang", 0))


def _codeblock(args: Args, raw: str, inner: str | None, page: Page, depth: int) -> str:
    language = next((arg[5:] for arg in args.positional if arg.startswith("lang:")), "")
    return code_block(inner or "", language)


def _quote(args: Args, raw: str, inner: str | None, page: Page, depth: int) -> str:
    footer = ""
    words = [arg for arg in args.positional]
    url = next((word for word in words if re.match(r"https?://", word)), "")
    if url:
        at = words.index(url)
        author, title = " ".join(words[:at]), " ".join(words[at + 1 :])
        footer = f"<strong>{escape(author)}</strong>" if author else ""
        footer += f"<cite>{link(url, title or url)}</cite>"
    elif words:
        author, _, title = " ".join(words).partition(",")
        footer = f"<strong>{escape(author.strip())}</strong>"
        footer += f"<cite>{escape(title.strip())}</cite>" if title else ""
    body = page.render(inner or "")
    return block(f"<blockquote>{body}" + (f"<footer>{footer}</footer>" if footer else "") + "</blockquote>")


def _pullquote(args: Args, raw: str, inner: str | None, page: Page, depth: int) -> str:
    return block(f"<blockquote>{page.render(inner or '')}</blockquote>")


def _image(asset: bool) -> Renderer:
    def render(args: Args, raw: str, inner: str | None, page: Page, depth: int) -> str:
        words = list(parse_args(raw, named=False).positional)
        # [class names] src [width [height]] [title [alt]]: the source is the first word that
        # looks like a file or URL.
        at = next((i for i, word in enumerate(words) if "." in word or "/" in word), 0 if words else None)
        if at is None:
            return ""
        src = words[at]
        rest = [word for word in words[at + 1 :] if not re.fullmatch(r"\d+(px|%)?", word)]
        title = rest[0] if rest else ""
        alt = rest[1] if len(rest) > 1 else title
        title_attr = f' title="{escape(title)}"' if title else ""
        return f'<img src="{escape(src)}" alt="{escape(alt)}"{title_attr}>'

    return render


def _asset_link(args: Args, raw: str, inner: str | None, page: Page, depth: int) -> str:
    words = parse_args(raw, named=False).positional
    if not words:
        return ""
    return link(words[0], " ".join(words[1:]) or words[0])


def _asset_path(args: Args, raw: str, inner: str | None, page: Page, depth: int) -> str:
    words = parse_args(raw, named=False).positional
    return words[0] if words else ""


def _link(args: Args, raw: str, inner: str | None, page: Page, depth: int) -> str:
    words = list(parse_args(raw, named=False).positional)
    url = next((word for word in words if re.match(r"(https?:)?//|/", word)), words[-1] if words else "")
    text = " ".join(word for word in words if word != url and word not in ("true", "false")) or url
    return link(url, text)


def _post_link(path_only: bool) -> Renderer:
    def render(args: Args, raw: str, inner: str | None, page: Page, depth: int) -> str:
        words = list(parse_args(raw, named=False).positional)
        if not words:
            return ""
        slug, _, anchor = words[0].partition("#")
        found = page.links.hexo_post(slug)
        if found is None:
            page.notes.append(f"post_link {slug!r}: no such post")
            return "" if path_only else escape(" ".join(words[1:]) or slug)
        url, title = found
        url += f"#{anchor}" if anchor else ""
        if path_only:
            return url
        text = " ".join(word for word in words[1:] if word not in ("true", "false")) or title
        return link(url, text)

    return render


def _iframe(args: Args, raw: str, inner: str | None, page: Page, depth: int) -> str:
    url = args.get("url", 0)
    return block(f'<div><iframe src="{escape(url)}"></iframe><p>{link(url, url)}</p></div>')


def _youtube(args: Args, raw: str, inner: str | None, page: Page, depth: int) -> str:
    video_id = args.get("id", 0)
    watch = f"https://www.youtube.com/watch?v={video_id}"
    return video(f"https://www.youtube.com/embed/{video_id}", watch, "YouTube video")


def _vimeo(args: Args, raw: str, inner: str | None, page: Page, depth: int) -> str:
    video_id = args.get("id", 0)
    return video(f"https://player.vimeo.com/video/{video_id}", f"https://vimeo.com/{video_id}", "Vimeo video")


def _raw(args: Args, raw: str, inner: str | None, page: Page, depth: int) -> str:
    return inner or ""


def _nothing(args: Args, raw: str, inner: str | None, page: Page, depth: int) -> str:
    return ""


def _url_path(page: Page, url: str | None, target: str, problem: str) -> str:
    """The path of `url` (Jekyll 4 gives the path with the base URL's path, no host), or when
    it was not found `target` as written, with a note."""
    if url is None:
        page.notes.append(problem)
        return target
    return urlsplit(url).path


def _jekyll_link(args: Args, raw: str, inner: str | None, page: Page, depth: int) -> str:
    target = raw.strip()
    return _url_path(page, page.links.jekyll_link(target), target, f"link {target!r}: no such file")


def _post_url(args: Args, raw: str, inner: str | None, page: Page, depth: int) -> str:
    name = raw.strip()
    return _url_path(page, page.links.jekyll_post_url(name), name, f"post_url {name!r}: no such post")


def _include(relative: bool) -> Renderer:
    def render(args: Args, raw: str, inner: str | None, page: Page, depth: int) -> str:
        words = raw.strip().split(None, 1)
        if not words:
            return ""
        name = words[0]
        params = parse_args(words[1] if len(words) > 1 else "").named
        root = page.path.parent if relative else page.config.paths.content / "_includes"
        file = (root / name).resolve()
        if not file.is_relative_to(page.config.paths.content.resolve()) or not file.is_file():
            page.notes.append(f"include {name!r}: no such file")
            return ""
        if file.stat().st_size > _MAX_INCLUDE_BYTES or depth >= MAX_DEPTH:
            page.notes.append(f"include {name!r}: too big or nested too deep")
            return ""
        text = file.read_text(encoding="utf-8", errors="replace")
        return _render(text, page, JEKYLL, depth + 1, {f"include.{key}": value for key, value in params.items()})

    return render


JEKYLL: dict[str, Renderer] = {
    "raw": _raw,
    "highlight": _highlight,
    "link": _jekyll_link,
    "post_url": _post_url,
    "include": _include(False),
    "include_relative": _include(True),
    "comment": _nothing,
}
HEXO: dict[str, Renderer] = {
    "raw": _raw,
    "codeblock": _codeblock,
    "code": _codeblock,
    "blockquote": _quote,
    "quote": _quote,
    "pullquote": _pullquote,
    "asset_img": _image(True),
    "img": _image(False),
    "image": _image(False),
    "asset_link": _asset_link,
    "asset_path": _asset_path,
    "link": _link,
    "post_link": _post_link(False),
    "post_path": _post_link(True),
    "iframe": _iframe,
    "youtube": _youtube,
    "vimeo": _vimeo,
}


def render(text: str, page: Page, generator: str) -> str:
    """`text` with Liquid (Jekyll) or Hexo tags rendered or unwrapped (see the module's docstring)."""
    if "{%" not in text and "{{" not in text and "{#" not in text:
        return text
    if generator == "hexo":
        held = Held()
        return held.restore(_render(hold_code(text, held), page, HEXO, 0, {}))
    return _render(text, page, JEKYLL, 0, {})


def _value(expression: str, page: Page, variables: dict[str, str]) -> str | None:
    """The value of a `{{ … }}` expression feedindex knows, else None."""
    value, *filters = (part.strip() for part in expression.split("|"))
    base = urlsplit(page.config.site.base_url)
    base_path = base.path.rstrip("/")
    literal = re.fullmatch(r"""(["'])(.*)\1""", value)
    if literal:
        text = literal.group(2)
    elif value in ("site.baseurl", "site.root"):
        text = base_path
    elif value == "site.url":
        text = f"{base.scheme}://{base.netloc}"
    elif value in variables:
        text = variables[value]
    else:
        return None
    for name in filters:
        if name == "relative_url":
            text = base_path + "/" + text.lstrip("/")
        elif name == "absolute_url":
            text = page.config.site.base_url + text.lstrip("/")
        elif name not in ("escape", "strip", "url_encode", "uri_escape"):
            return None
    return text


def _render(text: str, page: Page, tags: dict[str, Renderer], depth: int, variables: dict[str, str]) -> str:
    tokens = list(_TOKEN.finditer(text))
    closing = _pairs(tokens)
    walk = Walk(text, [token.span() for token in tokens])
    out = walk.out
    for index in walk:
        token = tokens[index]
        if token.group(0).startswith("{#"):
            continue  # a Nunjucks comment
        if token.group("expr") is not None:
            value = _value(token.group("expr").strip(), page, variables)
            if value is None:
                page.unknown["{{ " + token.group("expr").strip()[:40] + " }}"] = None
            out.append(value or "")
            continue
        name, raw = token.group("name"), token.group("args")
        if name.startswith("end"):
            continue  # the end of a block whose opening was unknown or missing
        if name == "assign" and tags is JEKYLL:
            variable, _, expression = raw.partition("=")
            value = _value(expression.strip(), page, variables)
            if value is not None and re.fullmatch(r"\s*[\w.]+\s*", variable):
                variables[variable.strip()] = value
                continue
        close = closing.get(index)
        inner: str | None = None
        if close is not None and (name in _BLOCKS or name not in tags):
            inner = walk.inner(close)
        renderer = tags.get(name)
        if renderer is None:
            page.unknown[name] = None
            if inner is not None and depth < MAX_DEPTH:
                out.append(_render(inner, page, tags, depth + 1, variables))
            continue
        if inner is not None and name not in ("raw", "comment") and depth < MAX_DEPTH:
            inner = _render(inner, page, tags, depth + 1, variables)
        out.append(renderer(parse_args(raw), raw, inner, page, depth))
    return walk.result()


def _pairs(tokens: list[re.Match[str]]) -> dict[int, int]:
    """opening index → the index of the `{% end<name> %}` closing it, counting nested ones.

    One pass with a stack per name, so thousands of unclosed tags cost linear time.
    """
    pairs: dict[int, int] = {}
    open_by_name: dict[str, list[int]] = {}
    for index, token in enumerate(tokens):
        name = token.group("name")
        if name is None:
            continue
        if name.startswith("end"):
            waiting = open_by_name.get(name[3:])
            if waiting:
                pairs[waiting.pop()] = index
        else:
            open_by_name.setdefault(name, []).append(index)
    return pairs

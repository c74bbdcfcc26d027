"""Hugo shortcodes (`{{< name args >}}`, `{{% name %}}…{{% /name %}}`) rendered before Markdown.

The built-ins an article commonly uses become what Hugo would publish (figure, highlight,
youtube, vimeo, ref, relref, x, tweet, gist, instagram, details); any other shortcode loses its
markers and keeps its inner text, and its name is reported. `{{</* name */>}}` is Hugo's way of
writing a shortcode as text, and stays text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from .markup import MAX_DEPTH, Args, Page, Walk, block, code_block, escape, link, parse_args, video

# A body never holds another `{{` and is at most _MAX_BODY characters, so an opening without its
# `>}}` costs a short look ahead, not a scan to the end of the file (hostile text stays linear).
_MAX_BODY = 2000
_BODY = rf"(?:(?!\{{\{{).){{0,{_MAX_BODY}}}?"
_SHORTCODE = re.compile(rf"\{{\{{(?:(?P<delim><)(?P<body>{_BODY})>|(?P<pdelim>%)(?P<pbody>{_BODY})%)\}}\}}", re.S)
_NAME = re.compile(r"^(/)?\s*([\w./-]+)(.*?)(/)?$", re.S)


class _Tag:
    """One `{{< … >}}` token."""

    def __init__(self, match: re.Match[str]) -> None:
        self.match = match
        self.delim = match.group("delim") or match.group("pdelim")
        self.body = match.group("body") if match.group("delim") else match.group("pbody")
        body = self.body.strip()
        self.comment = body.startswith("/*") and body.endswith("*/")
        parts = _NAME.match(body) if not self.comment else None
        self.closing = bool(parts and parts.group(1))
        self.name = parts.group(2) if parts else ""
        self.args = parts.group(3) if parts else ""
        self.self_closing = bool(parts and parts.group(4))


Renderer = Callable[[Args, "str | None", Page], str]


def _highlight(args: Args, inner: str | None, page: Page) -> str:
    return code_block(inner or "", args.get("lang", 0))


def _figure(args: Args, inner: str | None, page: Page) -> str:
    src = args.get("src", 0)
    image = f'<img src="{escape(src)}" alt="{escape(args.get("alt") or args.get("caption") or "")}">'
    if args.get("link"):
        image = f'<a href="{escape(args.get("link"))}">{image}</a>'
    caption = ""
    if args.get("title"):
        caption += f"<h4>{escape(args.get('title'))}</h4>"
    if args.get("caption") or args.get("attr"):
        text = page.render(args.get("caption")).strip().removeprefix("<p>").removesuffix("</p>")
        attribution = args.get("attr")
        if attribution:
            text += " " + (link(args.get("attrlink"), attribution) if args.get("attrlink") else escape(attribution))
        caption += f"<p>{text.strip()}</p>"
    return block(f"<figure>{image}" + (f"<figcaption>{caption}</figcaption>" if caption else "") + "</figure>")


def _youtube(args: Args, inner: str | None, page: Page) -> str:
    video_id = args.get("id", 0)
    title = args.get("title") or "YouTube video"
    return video(f"https://www.youtube.com/embed/{video_id}", f"https://www.youtube.com/watch?v={video_id}", title)


def _vimeo(args: Args, inner: str | None, page: Page) -> str:
    video_id = args.get("id", 0)
    title = args.get("title") or "Vimeo video"
    return video(f"https://player.vimeo.com/video/{video_id}", f"https://vimeo.com/{video_id}", title)


def _ref(relative: bool) -> Renderer:
    def render(args: Args, inner: str | None, page: Page) -> str:
        target = args.get("path", 0)
        url = page.links.hugo_ref(target, page.source)
        if url is None:
            page.notes.append(f"{'relref' if relative else 'ref'} {target!r}: no such page")
            return target
        if relative:  # the path from the host, as Hugo's relref gives it
            parts = urlsplit(url)
            return parts.path + (f"#{parts.fragment}" if parts.fragment else "")
        return url

    return render


def _post(args: Args, inner: str | None, page: Page) -> str:
    user, post_id = args.get("user"), args.get("id", 0 if "user" not in args.named else None)
    url = f"https://x.com/{user or 'i'}/status/{post_id}"
    text = f"Post by @{user} on X" if user else "Post on X"
    return block(f"<blockquote><p>{link(url, text)}</p></blockquote>")


def _gist(args: Args, inner: str | None, page: Page) -> str:
    url = f"https://gist.github.com/{args.get('user', 0)}/{args.get('id', 1)}"
    return block(f"<p>{link(url, url)}</p>")


def _instagram(args: Args, inner: str | None, page: Page) -> str:
    url = f"https://www.instagram.com/p/{args.get('id', 0)}/"
    return block(f"<p>{link(url, url)}</p>")


def _details(args: Args, inner: str | None, page: Page) -> str:
    summary = escape(args.get("summary") or "Details")
    opened = " open" if args.get("open") in ("true", "open") else ""
    return block(f"<details{opened}><summary>{summary}</summary>{page.render(inner or '')}</details>")


BUILT_INS: dict[str, Renderer] = {
    "highlight": _highlight,
    "figure": _figure,
    "youtube": _youtube,
    "vimeo": _vimeo,
    "ref": _ref(False),
    "relref": _ref(True),
    "x": _post,
    "tweet": _post,
    "gist": _gist,
    "instagram": _instagram,
    "details": _details,
}


def render(text: str, page: Page, depth: int = 0) -> str:
    """`text` with every shortcode rendered or unwrapped (see the module's docstring)."""
    if "{{" not in text:
        return text
    tags = [_Tag(match) for match in _SHORTCODE.finditer(text)]
    closing = _pairs(tags)
    walk = Walk(text, [tag.match.span() for tag in tags])
    for index in walk:
        tag = tags[index]
        if tag.comment:  # {{</* name */>}} is Hugo's way of writing {{< name >}} as text
            body = tag.body.strip()[2:-2]
            walk.out.append("{{" + tag.delim + body + (">" if tag.delim == "<" else "%") + "}}")
            continue
        if tag.closing or not tag.name:
            continue  # a closing marker without its opening
        close = closing.get(index)
        inner = walk.inner(close) if close is not None else None
        if depth < MAX_DEPTH and inner is not None:
            inner = render(inner, page, depth + 1)
        walk.out.append(_one(tag, inner, page))
    return walk.result()


def _pairs(tags: list[_Tag]) -> dict[int, int]:
    """opening index → the index of the tag closing it, counting nested ones of the same name.

    One pass with a stack per name, so thousands of unclosed shortcodes cost linear time.
    """
    pairs: dict[int, int] = {}
    open_by_name: dict[str, list[int]] = {}
    for index, tag in enumerate(tags):
        if tag.comment or not tag.name:
            continue
        if tag.closing:
            waiting = open_by_name.get(tag.name)
            if waiting:
                pairs[waiting.pop()] = index
        elif not tag.self_closing:
            open_by_name.setdefault(tag.name, []).append(index)
    return pairs


def _one(tag: _Tag, inner: str | None, page: Page) -> str:
    renderer = BUILT_INS.get(tag.name)
    if renderer is None:
        page.unknown[tag.name] = None
        return inner or ""
    return renderer(parse_args(tag.args), inner, page)

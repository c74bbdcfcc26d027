"""Markdown to HTML (fenced code wherever real documentation puts it), HTML to plain text, excerpts."""

from __future__ import annotations

import pytest

from feedindex.content.markdown import excerpt, html_to_text, render_markdown


def test_plain_text_keeps_blocks_apart_and_drops_markup() -> None:
    text = html_to_text(
        "<h2>標題</h2><p>One <em>two</em> &amp; three</p><script>alert(1)</script><ul><li>a</li><li>b</li></ul>"
    )
    assert text.split("\n") == ["標題", "One two & three", "a", "b"]


def test_excerpt_keeps_short_text_whole() -> None:
    assert excerpt("short\ntext", 100) == "short text"
    assert excerpt("word " * 100, 40).endswith("word…")


@pytest.mark.parametrize(
    ("text", "budget", "expected"),
    [
        (
            "在開源大型語言模型的戰場上Meta的Llama系列長期佔據主導地位",
            22,
            "在開源大型語言模型的戰場上Meta的…",
        ),  # not "Llam…"
        ("在開源大型語言模型的戰場上長期佔據主導地位", 10, "在開源大型語言模型的…"),  # Chinese: cut anywhere
        ("x" * 50, 10, "x" * 10 + "…"),  # one word longer than the budget: cut, not emptied
    ],
)
def test_an_excerpt_never_ends_inside_a_latin_word(text: str, budget: int, expected: str) -> None:
    assert excerpt(text, budget) == expected


# --- fenced code: the patterns real documentation uses ----------------------------------------


def blocks(body: str) -> list[tuple[str, str | None, str]]:
    """(path of the <pre> from the top, its <code>'s language class, its text) of every code
    block in the rendered `body`, parsed."""
    import lxml.html

    root = lxml.html.fragment_fromstring(render_markdown(body), create_parent="div")
    found = []
    for pre in root.iter("pre"):
        path = "/".join(element.tag for element in reversed(list(pre.iterancestors())) if element is not root)
        code = pre.find("code")
        found.append((f"{path}/pre".lstrip("/"), code.get("class"), code.text_content()))
    return found


FENCE_CASES = [
    (  # the most common real pattern: a fence indented 3 under "7." (python-markdown's lists want 4)
        '7. Replace the code:\n\n   ```xml\n   <a href="x">&amp;</a>\n   ```\n\n8. Build.\n',
        [("pre", "language-xml", '<a href="x">&amp;</a>\n')],
    ),
    (  # indented 4: inside the list item
        "1. Open:\n\n    ``` cs\n    using System;\n    ```\n\n2. Run.\n",
        [("ol/li/pre", "language-cs", "using System;\n")],
    ),
    ("- Run:\n\n    ```\n    make\n    ```\n", [("ul/li/pre", None, "make\n")]),
    ("> ```cpp\n> int x = 1;\n> ```\n", [("blockquote/pre", "language-cpp", "int x = 1;\n")]),
    ("1. Note:\n\n    > ```js\n    > let q;\n    > ```\n", [("ol/li/blockquote/pre", "language-js", "let q;\n")]),
    ("~~~\ntildes\n~~~\n", [("pre", None, "tildes\n")]),
    (  # options after the language (MkDocs, Hugo) are ignored, never a reason to print text
        '~~~python title="x.py"\nprint(1)\n~~~\n\n```bash hl_lines="3 4"\necho 1\n```\n',
        [("pre", "language-python", "print(1)\n"), ("pre", "language-bash", "echo 1\n")],
    ),
    (
        "```cpp#\nint a;\n```\n\n```C++\nint b;\n```\n",
        [("pre", "language-cpp#", "int a;\n"), ("pre", "language-C++", "int b;\n")],
    ),
    (  # a fence inside a longer fence is text of the outer one
        "````markdown\n```python\nnested\n```\n````\n",
        [("pre", "language-markdown", "```python\nnested\n```\n")],
    ),
    (  # no blank line around the fence: it still ends the paragraph (CommonMark)
        "Text:\n```js\ncode\n```\nafter\n",
        [("pre", "language-js", "code\n")],
    ),
    ("    indented code\n", [("pre", None, "indented code\n")]),  # indented code blocks as before
    # Backticks in the info string: not a fence but inline code (CommonMark), as a real article has it.
    ("Copy to:\n\n```<VS folder>\\Team Tools\\Collector\\```\n\nThen run.\n", []),
    ("```python\nnever closed\n", []),
]


@pytest.mark.parametrize(("body", "expected"), FENCE_CASES)
def test_fenced_code_in_lists_blockquotes_and_fences_is_a_code_block(
    body: str, expected: list[tuple[str, str | None, str]]
) -> None:
    assert blocks(body) == expected


def test_a_fence_never_leaves_its_markers_or_a_paragraph_around_it() -> None:
    import lxml.html

    body = "7. Replace:\n\n   ```xml\n   <a/>\n   ```\n\n8. Next.\n\nText:\n```js\ncode\n```\nafter\n"
    root = lxml.html.fragment_fromstring(render_markdown(body), create_parent="div")
    assert [p.text_content() for p in root.iter("p")] == ["Text:", "after"]
    assert root.xpath("//p//pre") == []
    assert not any("```" in text for text in root.xpath("//text()[not(ancestor::pre)]"))
    assert [ol.get("start") for ol in root.iter("ol")] == ["7", "8"]  # the numbering carries on

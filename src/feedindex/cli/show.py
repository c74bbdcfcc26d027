"""How results look on a terminal (rich): a build's phases while they run, and search hits as a
table with the matches highlighted."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..build import Phase


class PhaseDisplay:
    """A build's phases on a terminal (rich), one line each: its progress while it runs, then its
    time. Shown from the first phase after scanning (a build with nothing to do shows nothing);
    gone when the build ends, which the summary line follows."""

    def __init__(self, console: Any = None) -> None:
        self.console = console or terminal(stderr=True)
        self.display: Any = None
        self.tasks: dict[str, Any] = {}
        self.waiting: list[Phase] = []  # told before the display started

    def __call__(self, phase: Phase) -> None:
        if self.display is None:
            self.waiting.append(phase)
            if phase.name == "scanning":
                return
            self._start()
            for earlier in self.waiting:
                self._show(earlier)
            return
        self._show(phase)

    def _start(self) -> None:
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.display = Progress(
            SpinnerColumn(finished_text="[green]✓[/]"),
            TextColumn("{task.description:<12}"),
            BarColumn(),
            TextColumn("{task.fields[count]:>15}"),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
        )
        self.display.start()

    def _show(self, phase: Phase) -> None:
        count = (
            f"{phase.done:,}/{phase.total:,}" if phase.total is not None else f"{phase.done:,}" if phase.done else ""
        )
        if phase.name not in self.tasks:
            self.tasks[phase.name] = self.display.add_task(phase.name, total=phase.total, count=count)
        task = self.tasks[phase.name]
        if phase.finished:
            done = max(phase.done, phase.total or 0, 1)
            self.display.update(task, total=done, completed=done, count=count)
            self.display.stop_task(task)
        else:
            self.display.update(task, total=phase.total, completed=phase.done, count=count)

    def close(self) -> None:
        """Take the display off the terminal."""
        if self.display is not None:
            self.display.stop()


def print_hits(result: dict[str, Any]) -> None:
    """A search result (`SearchResult.as_dict()`) as a table on stdout, with "Did you mean …?"."""
    from rich.table import Table
    from rich.text import Text

    console = terminal()
    if result["suggestion"]:
        console.print(f"Did you mean [bold]{_escape(result['suggestion'])}[/bold]?")
    if not result["hits"]:
        console.print(f"No articles match [bold]{_escape(result['query'])}[/bold].")
        return
    pages = -(-result["total"] // result["per_page"])
    title = f"{result['total']} match(es) for {_escape(result['query'])} — page {result['page']} of {pages}"
    table = Table(title=title, show_lines=True)
    table.add_column("#", justify="right")
    table.add_column("article")
    table.add_column("published")
    first = (result["page"] - 1) * result["per_page"] + 1
    for number, hit in enumerate(result["hits"], first):
        cell = Text.assemble((hit["title"], "bold"), "\n", hit["url"], "\n", snippet_text(hit["snippet"]))
        table.add_row(str(number), cell, hit["published"][:10])
    console.print(table)


def snippet_text(snippet: str) -> Any:
    """A snippet's HTML (escaped text, `<mark>` around what matched) as rich Text, the matches
    highlighted."""
    from html.parser import HTMLParser

    from rich.text import Text

    text = Text()

    class Marks(HTMLParser):
        depth = 0

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.depth += tag == "mark"

        def handle_endtag(self, tag: str) -> None:
            self.depth -= tag == "mark" and self.depth > 0

        def handle_data(self, data: str) -> None:
            text.append(data, style="bold yellow" if self.depth else None)

    parser = Marks(convert_charrefs=True)
    parser.feed(snippet)
    parser.close()
    return text


def terminal(stderr: bool = False) -> Any:
    """A rich console on stdout (or stderr)."""
    from rich.console import Console

    return Console(stderr=stderr)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)

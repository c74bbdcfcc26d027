"""The documentation covers the program, and its links lead somewhere.

Every command and flag is in the command-line reference under its command, every configuration key
is in the configuration reference with its real default, every exit code is in the exit-code table,
every page of docs/ is in the site's nav, the README names every command, and the README's links
(and bench/'s and scripts/'s) lead to files and headings that exist. The "How it is built" page
names every module of src/feedindex, lists the layers of the import check, and its diagram's
arrows are the imports between the package's parts. `mkdocs build --strict` in .ci/run checks the
links between the pages themselves.
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import click
import markdown
import pytest

from feedindex import cli
from feedindex.cli import main
from feedindex.config import REQUIRED, SCHEMA, config_from_mapping

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
CLI_PAGE = DOCS / "reference" / "cli.md"
CONFIG_PAGE = DOCS / "reference" / "configuration.md"
EXIT_CODES_PAGE = DOCS / "scheduled-job.md"  # the "Exit codes" section
ARCHITECTURE_PAGE = DOCS / "architecture.md"
PACKAGE = ROOT / "src" / "feedindex"
LINKED_FROM = [ROOT / "README.md", ROOT / "bench" / "README.md", ROOT / "scripts" / "readers" / "README.md"]
LINK = re.compile(r"\[[^\]]*\]\(([^()\s]+)\)")
FENCE = re.compile(r"^```.*?^```$", re.M | re.S)


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def sections(path: Path) -> dict[str, str]:
    """A page's text by `## heading` (up to the next one); the text before the first is under ""."""
    parts = re.split(r"^## (.+)$", read(path), flags=re.M)
    return {"": parts[0]} | {heading.strip(): body for heading, body in zip(parts[1::2], parts[2::2], strict=True)}


def flags(command: click.Command) -> Iterator[str]:
    """Every option name a command takes (`--quiet`, `-q`), `--help` included."""
    for param in command.get_params(click.Context(command)):
        if isinstance(param, click.Option):
            yield from param.opts
            yield from param.secondary_opts


def named(flag: str, text: str) -> bool:
    """`flag` appears in `text` as itself: `-q` is not found in `--quiet`."""
    return re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", text) is not None


@pytest.fixture(scope="module")
def site() -> Any:
    """mkdocs.yml, as MkDocs reads it."""
    from mkdocs.config import load_config

    return load_config(str(ROOT / "mkdocs.yml"))


def anchors(site: Any, path: Path) -> set[str]:
    """The ids of a page's headings, made with the site's own Markdown extensions and slugs."""
    renderer = markdown.Markdown(extensions=site["markdown_extensions"], extension_configs=site["mdx_configs"])
    renderer.convert(read(path))

    def ids(tokens: list[Any]) -> Iterator[str]:
        for token in tokens:
            yield token["id"]
            yield from ids(token["children"])

    return set(ids(renderer.toc_tokens))  # type: ignore[attr-defined]  # set by the toc extension


def test_the_command_line_reference_has_a_section_per_command() -> None:
    documented = set(re.findall(r"^## `feedindex (\S+)`$", read(CLI_PAGE), re.M))
    assert documented == set(main.commands)


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_flag_is_in_its_command_s_section(name: str) -> None:
    section = sections(CLI_PAGE)[f"`feedindex {name}`"]
    help_flags = set(flags(main)) - {"--version", "-v", "--verbose"}
    for flag in set(flags(main.commands[name])) - help_flags:
        assert named(flag, section), f"`{flag}` of `feedindex {name}` is not in {CLI_PAGE.name}, `feedindex {name}`"


def test_the_options_before_the_command_are_in_the_introduction() -> None:
    introduction = sections(CLI_PAGE)[""]
    for flag in flags(main):
        assert named(flag, introduction), f"`feedindex {flag}` is not in the introduction of {CLI_PAGE.name}"


def documented_configuration() -> dict[str, dict[str, Any]]:
    """The ```toml blocks of the configuration reference, read as TOML: one table per section."""
    tables: dict[str, dict[str, Any]] = {}
    for block in re.findall(r"^```toml\n(.*?)^```$", read(CONFIG_PAGE), re.M | re.S):
        for section, table in tomllib.loads(block).items():
            assert section not in tables, f"[{section}] is in {CONFIG_PAGE.name} twice"
            tables[section] = table
    return tables


def test_every_config_key_is_in_the_reference_with_its_default(tmp_path: Path) -> None:
    documented = documented_configuration()
    assert set(documented) == set(SCHEMA)
    for section, fields in SCHEMA.items():
        assert set(documented[section]) == set(fields), f"[{section}] in {CONFIG_PAGE.name}"
        for key, (default, _check) in fields.items():
            if default is not REQUIRED:
                assert documented[section][key] == default, f"{section}.{key}: the default is {default!r}"
    config_from_mapping(documented, root=tmp_path)  # and together they are a valid configuration


def test_every_exit_code_is_in_the_table() -> None:
    codes = {value for name, value in vars(cli).items() if name.startswith("EXIT_")}
    table = sections(EXIT_CODES_PAGE)["Exit codes"]
    assert {int(code) for code in re.findall(r"^\| (\d+) \|", table, re.M)} == codes


def test_every_page_is_in_the_nav_once(site: Any) -> None:
    def pages(nav: Any) -> Iterator[str]:
        for item in nav:
            entry = next(iter(item.values())) if isinstance(item, dict) else item
            yield from pages(entry) if isinstance(entry, list) else [entry]

    listed = list(pages(site["nav"]))
    assert sorted(listed) == sorted(page.relative_to(DOCS).as_posix() for page in DOCS.rglob("*.md"))


@pytest.mark.parametrize("name", sorted(main.commands))
def test_the_readme_names_every_command(name: str) -> None:
    assert re.search(rf"feedindex {name}\b", read(ROOT / "README.md")), f"`feedindex {name}` is not in README.md"


@pytest.mark.parametrize("page", LINKED_FROM, ids=lambda page: page.relative_to(ROOT).as_posix())
def test_links_lead_to_files_and_headings_that_exist(site: Any, page: Path) -> None:
    for target in LINK.findall(FENCE.sub("", read(page))):
        if re.match(r"[a-z]+:", target):
            continue  # https:, mailto:
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        assert linked.exists(), f"{page.name} links to {target}, which does not exist"
        assert not anchor or anchor in anchors(site, linked), f"{page.name} links to {target}: no such heading"


def test_the_architecture_page_names_every_module() -> None:
    # The map's first column: `search/parse`, a package as `search/` (its __init__), `errors`.
    table = sections(ARCHITECTURE_PAGE)["The modules"]
    named_modules = set(re.findall(r"^\| (?:\*\*)?`([^`]+)`(?:\*\*)? \|", table, re.M))
    modules = set()
    for path in PACKAGE.rglob("*.py"):
        name = path.relative_to(PACKAGE).with_suffix("").as_posix()
        modules.add(name.removesuffix("__init__") if name.endswith("/__init__") else name)
    assert sorted(modules - named_modules) == [], "modules the page does not name"
    assert sorted(named_modules - modules) == [], "names on the page that are no module"


def module_parts() -> dict[str, str]:
    """Each module's dotted name → its part: a subpackage of feedindex, else "core"."""
    packages = {path.parent.name for path in PACKAGE.glob("*/__init__.py")}
    found = {}
    for path in PACKAGE.rglob("*.py"):
        names = ["feedindex", *path.relative_to(PACKAGE).with_suffix("").parts]
        if names[-1] == "__init__":
            names.pop()
        if len(names) > 1 and names[1] != "__main__":  # the package itself and `python -m` are no part
            found[".".join(names)] = names[1] if names[1] in packages else "core"
    return found


def imports_between_parts() -> set[tuple[str, str]]:
    """(importer, imported) of every import from one part to another, wherever it stands."""
    parts = module_parts()
    found = set()
    for path in PACKAGE.rglob("*.py"):
        names = ["feedindex", *path.relative_to(PACKAGE).with_suffix("").parts]
        package = names[:-1]  # what a relative import starts from (a package's __init__ too)
        importer = parts.get(".".join(names[:-1] if names[-1] == "__init__" else names))
        if importer is None:
            continue
        for node in ast.walk(ast.parse(read(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = ".".join(package[: len(package) - node.level + 1]) if node.level else ""
                module = ".".join(filter(None, [base, node.module]))
                targets = [module] if node.module else [f"{module}.{alias.name}" for alias in node.names]
            else:
                continue
            for target in targets:
                while target and target not in parts:  # `feedindex.search.parse.Filters` → its module
                    target = target.rpartition(".")[0]
                if target and parts[target] != importer:
                    found.add((importer, parts[target]))
    return found


def diagram_arrows() -> set[tuple[str, str]]:
    """The arrows of the page's mermaid diagram (`a & b --> c`: a → c, b → c), by node id."""
    (diagram,) = re.findall(r"^```mermaid\n(.*?)^```$", read(ARCHITECTURE_PAGE), re.M | re.S)
    arrows = set()
    for line in diagram.splitlines():
        steps = [[node.strip() for node in step.split("&")] for step in re.sub(r"\[[^]]*\]", "", line).split("-->")]
        for sources, targets in pairwise(steps):
            arrows |= {(source, target) for source in sources for target in targets}
    return arrows


def test_the_architecture_diagram_is_the_imports_between_the_parts() -> None:
    drawn, made = diagram_arrows(), imports_between_parts()
    assert sorted(made - drawn) == [], "imports the diagram does not draw"
    assert sorted(drawn - made) == [], "arrows the code does not import"


def test_the_architecture_page_lists_the_layers_of_the_import_check() -> None:
    contract = tomllib.loads(read(ROOT / "pyproject.toml"))["tool"]["importlinter"]["contracts"][0]
    checked = [layer.replace("feedindex.", "") for layer in contract["layers"]]
    (listing,) = re.findall(r"^```text\n(cli .*?)^```$", sections(ARCHITECTURE_PAGE)["The layers"], re.M | re.S)
    assert [line.split("  ")[0].strip() for line in listing.splitlines()] == checked

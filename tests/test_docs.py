"""README documents every command and every option the CLI has."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from feedindex.cli import main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_command_and_option_is_in_the_readme(name: str) -> None:
    assert re.search(rf"feedindex {name}\b", README), f"`feedindex {name}` is not documented"
    command = main.commands[name]
    for param in command.params:
        if isinstance(param, click.Option):
            for flag in param.opts:
                if flag.startswith("--") and flag != "--help":
                    assert flag in README, f"`{flag}` of `feedindex {name}` is not documented"


def test_every_config_key_is_in_the_readme() -> None:
    from feedindex.config import SCHEMA

    for section, fields in SCHEMA.items():
        assert f"[{section}]" in README
        for key in fields:
            assert re.search(rf"^\s*{key}\s*=", README, re.M), f"{section}.{key} is not documented"

"""Config: defaults, overrides, every bad value, all problems reported together."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedindex.config import load_config
from feedindex.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "feedindex.toml"
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = '[site]\ntitle = "T"\nbase_url = "https://example.org"\n'


def test_defaults_fill_every_optional_key(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL))
    assert config.site.title == "T"
    assert config.site.base_url == "https://example.org/"  # a trailing slash is added
    assert config.site.language == "zh-Hant"
    assert config.site.timezone == "Asia/Taipei"
    assert config.site.article_url == "/posts/{slug}/"
    assert config.site.author_email is None
    assert config.paths.content == (tmp_path / "content").resolve()
    assert config.paths.out == (tmp_path / "out").resolve()
    assert config.index_dir == (tmp_path / "out" / "index").resolve()
    assert config.feeds.items == 20
    assert config.feeds.max_bytes == 1_000_000
    assert config.feeds.url == "https://example.org/"  # defaults to base_url
    assert config.feeds.formats == ("rss", "atom", "json")
    assert config.feeds.entry_id == "tag" and config.feeds.iframe_hosts == ()
    assert config.feeds.websub_hub is None and config.paths.images is None
    assert config.source == (tmp_path / "feedindex.toml").resolve()
    assert config.content.max_tags == 100 and config.build.max_unpublish == 0.5


def test_paths_are_relative_to_the_config_file_not_the_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, MINIMAL + '[paths]\ncontent = "posts"\nout = "/srv/site/out"\n')
    monkeypatch.chdir("/")
    config = load_config(path)
    assert config.paths.content == (tmp_path / "posts").resolve()
    assert config.paths.out == Path("/srv/site/out")


def test_command_line_overrides_are_relative_to_the_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, MINIMAL)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    config = load_config(path, content="articles", out="public")
    assert config.paths.content == elsewhere / "articles"
    assert config.paths.out == elsewhere / "public"


def test_default_config_file_is_found_in_the_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, MINIMAL)
    monkeypatch.chdir(tmp_path)
    assert load_config().site.title == "T"


@pytest.mark.parametrize(
    ("section", "key", "value", "message"),
    [
        ("site", "base_url", '"example.org"', "absolute http(s) URL"),
        ("site", "base_url", '"ftp://example.org/"', "absolute http(s) URL"),
        ("site", "base_url", '"https://example.org/?x=1"', "query or fragment"),
        ("site", "language", '"zh_TW"', "use 'zh-TW'"),
        ("site", "language", '"chinese traditional"', "not a BCP 47"),
        ("site", "timezone", '"Taipei"', "not an IANA time zone"),
        ("site", "timezone", '"../../etc/passwd"', "not an IANA time zone"),
        ("site", "title", '""', "must not be empty"),
        ("site", "title", "3", "must be a string"),
        ("site", "article_url", '"/posts/{id}/"', "unknown placeholder"),
        ("site", "article_url", '"/posts/{year}/"', "must contain {slug}"),
        ("site", "article_url", '"/posts/{slug"', "not a valid pattern"),
        ("site", "author_email", '"nobody"', "not an email"),
        ("feeds", "items", "0", "positive integer"),
        ("feeds", "items", '"20"', "positive integer"),
        ("feeds", "items", "true", "positive integer"),
        ("content", "max_file_bytes", "-1", "positive integer"),
        ("site", "tag_url", '"/tags/"', "must contain {slug}"),
        ("site", "category_url", '"/c/{slug}/{year}/"', "no other placeholder"),
        ("site", "image_base", '"images"', "ending in /"),
        ("feeds", "max_bytes", "0", "positive integer"),
        ("feeds", "url", '"feeds.example.org"', "absolute http(s) URL"),
        ("feeds", "formats", '["rss", "rdf"]', "non-empty list"),
        ("feeds", "formats", "[]", "non-empty list"),
        ("feeds", "per_tag", '"yes"', "true or false"),
        ("feeds", "entry_id", '"uuid"', "must be one of"),
        ("feeds", "websub_hub", '"hub"', "absolute http(s) URL"),
        ("feeds", "iframe_hosts", '["https://youtube.com/"]', "list of host names"),
        ("content", "max_tags", "0", "positive integer"),
        ("build", "max_unpublish", "1.5", "share between 0 and 1"),
        ("build", "max_unpublish", "-0.1", "share between 0 and 1"),
        ("build", "max_unpublish", '"half"', "share between 0 and 1"),
    ],
)
def test_each_bad_value_is_named(tmp_path: Path, section: str, key: str, value: str, message: str) -> None:
    tables = {"site": {"title": '"T"', "base_url": '"https://example.org/"'}}
    tables.setdefault(section, {})[key] = value
    text = "".join(f"[{name}]\n" + "".join(f"{k} = {v}\n" for k, v in keys.items()) for name, keys in tables.items())
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    problems = caught.value.problems
    assert [problem.key for problem in problems] == [f"{section}.{key}"]
    assert message in problems[0].message


def test_all_problems_are_reported_together(tmp_path: Path) -> None:
    text = (
        '[site]\nbase_url = "nope"\nlanguage = "en_US"\ncolour = "red"\n'
        '[feeds]\nitems = -3\nformat = "rss"\n'
        "[extras]\nx = 1\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    keys = {problem.key for problem in caught.value.problems}
    assert keys == {
        "site.title",
        "site.base_url",
        "site.language",
        "site.colour",
        "feeds.items",
        "feeds.format",
        "extras",
    }
    for key in keys:
        assert key in str(caught.value)


def test_missing_file_and_invalid_toml_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(write(tmp_path, "[site\ntitle = 1"))
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(b'[site]\ntitle = "caf\xe9"\n')
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(bad)


def test_a_section_that_is_not_a_table(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, "feeds = 3\n" + MINIMAL))
    assert [problem.key for problem in caught.value.problems] == ["feeds"]

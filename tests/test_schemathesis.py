"""Schemathesis against the app's own OpenAPI schema: no generated request gets a 5xx."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from conftest import BASE_CONFIG, article, toml_dumps
from feedindex.build import build
from feedindex.config import load_config
from feedindex.web.server import create_app


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> schemathesis.BaseSchema:
    root: Path = tmp_path_factory.mktemp("schemathesis-site")
    (root / "feedindex.toml").write_text(toml_dumps(BASE_CONFIG), encoding="utf-8")
    (root / "content").mkdir()
    texts = {
        "zh.md": article("開源模型", tags=["AI", "開源"], category="模型", body="通義千問 記憶體 軟體 Qwen3-Max 128k"),
        "hans.md": article("中文分词", date="2025-10-01", lang="zh-Hans", tags=["中文"], body="结巴 分词 内存 软件"),
        "en.md": article("Feeds", date="2025-09-01", lang="en", tags=["RSS"], body="Feed readers poll publishers."),
    }
    for name, text in texts.items():
        (root / "content" / name).write_text(text, encoding="utf-8")
    config = load_config(root / "feedindex.toml")
    build(config)
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(config))


def test_no_server_errors(api_schema: schemathesis.BaseSchema) -> None:
    """Positive and negative cases for every operation; none gets a 5xx.

    Built from each operation's own Hypothesis strategy (schemathesis' documented API for use with
    `@given`) rather than its lazy pytest loader, which reaches into pytest's private node attributes.
    """
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {operation.path for operation in operations} >= {"/api/search", "/api/health"}
    for operation in operations:
        cases = st.one_of(*(operation.as_strategy(mode) for mode in GenerationMode))

        @given(case=cases)
        @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def no_server_error(case: schemathesis.Case) -> None:
            response = case.call()
            assert response.status_code < 500, (case.path, case.query, response.text)
            case.validate_response(response, checks=[schemathesis.checks.not_a_server_error])

        no_server_error()

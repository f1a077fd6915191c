"""Schemathesis over the app's own OpenAPI document: generated requests never produce a server error, and the
answers match the documented statuses, content types and response schemas."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks as st_checks

from helpers.web_support import small_ledger
from llmflation.web import WebSettings, create_app

TOKEN = "schemathesis-token-0123456789"
CHECKS = [
    st_checks.not_a_server_error,
    st_checks.status_code_conformance,
    st_checks.content_type_conformance,
    st_checks.response_schema_conformance,
]

read_app = create_app(WebSettings(), ledger=small_ledger())
read_schema = schemathesis.openapi.from_asgi("/openapi.json", read_app)


def _write_app() -> object:
    home = Path(tempfile.mkdtemp(prefix="llmflation-st-"))
    return create_app(WebSettings(ledger_path=home / "ledger.duckdb", api_token=TOKEN, max_upload_bytes=256 * 1024))


write_schema = schemathesis.openapi.from_asgi("/openapi.json", _write_app()).include(path_regex="^/api/(user|usage)/")


@read_schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_read_api_never_fails(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=CHECKS)


@pytest.mark.slow
@write_schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_write_api_never_fails(case: schemathesis.Case) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"}, checks=CHECKS)

"""`llmflation.__all__` is the public API: every name is importable and documented in README's Python API section."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import llmflation

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_api_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("### Python API")
    end = text.index("\n## ", start)
    return text[start:end]


@pytest.mark.parametrize("name", llmflation.__all__)
def test_public_name_is_importable_and_documented(name: str) -> None:
    assert getattr(llmflation, name) is not None
    assert re.search(rf"`{re.escape(name)}`|llmflation\.{re.escape(name)}\b", _python_api_section()), (
        f"{name} is in llmflation.__all__ but not documented in README's Python API section")


def test_all_is_the_lazy_exports() -> None:
    assert sorted(llmflation.__all__) == sorted(["__version__", "open_ledger", *llmflation._EXPORTS])


def test_star_import_and_dir() -> None:
    namespace: dict[str, object] = {}
    exec("from llmflation import *", namespace)
    assert set(llmflation.__all__) <= set(namespace)
    assert set(llmflation.__all__) <= set(dir(llmflation))
    with pytest.raises(AttributeError):
        llmflation.no_such_name  # noqa: B018


def test_import_is_light() -> None:
    """`import llmflation` loads no heavy library (the names load when used)."""
    code = ("import sys, llmflation; heavy = [m for m in ('duckdb', 'ibis', 'pyarrow', 'numpy', 'pydantic', 'fastapi')"
            " if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

"""A small hand-written ledger for importer tests (the package's bundled data is swapped for it,
nothing else)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from subprocess import CompletedProcess

from helpers.ledger_data import fixture_texts

EXTRA_MODELS = """\
openai/gpt-4o-2024-08-06,GPT-4o (2024-08-06),,openai,2024-08-06,false,,,128000,false,,,,,,,https://example.org/4o-0806,official,fixture
openai/gpt-4o-mini-2024-07-18,GPT-4o mini,gpt-4o-mini,openai,2024-07-18,false,,,128000,false,,,,,,,https://example.org/mini,official,fixture
google/gemini-1.5-flash-001,Gemini 1.5 Flash (001),gemini-1.5-flash,google,2024-05-14,false,,,1000000,false,,,,,,,https://example.org/flash,official,fixture
deepseek/deepseek-v3,DeepSeek-V3,deepseek-chat,deepseek,2024-12-26,true,671,37,64000,false,,,,,256,8,https://example.org/v3,official,fixture
anthropic/claude-3-haiku-20240307,Claude 3 Haiku,claude-3-haiku,anthropic,2024-03-07,false,,,200000,false,,,,,,,https://example.org/haiku,official,fixture
"""

EXTRA_PRICES = """\
openai/gpt-4o-2024-08-06,openai,standard,2024-08-06,2024-10-01,2.5,10,1.25,,0.5,,,,,https://example.org/p4o2,official,
deepseek/deepseek-v3,deepseek,standard,2024-12-26,2025-02-08,0.14,0.28,,,,,,,,https://example.org/ds1,official,promo
anthropic/claude-3-haiku-20240307,anthropic,standard,2024-03-07,,0.3,1.5,,,,,,,,https://example.org/haiku,estimated,guess
"""


def texts() -> dict[str, str]:
    t = fixture_texts()
    t["models.csv"] += EXTRA_MODELS
    t["prices.csv"] += EXTRA_PRICES
    return t


def patch() -> None:
    """Make the package's bundled data this ledger (used in-process and by CLI subprocesses)."""
    import llmflation.ledger.loading as loading

    data = texts()
    loading.bundled_texts = lambda: dict(data)


BOOT = (
    "import sys; sys.path.insert(0, {tests!r}); from helpers import importer_data; importer_data.patch(); "
    "from llmflation.cli.main import main; sys.argv = ['llmflation', *sys.argv[1:]]; main()"
)


def run_cli(*args: str, home: Path, extra_path: str = "", env: dict[str, str] | None = None) -> CompletedProcess[str]:
    """The real CLI in a subprocess over this ledger (the bundled data swapped, nothing else)."""
    full = {**os.environ, "LLMFLATION_HOME": str(home), "COLUMNS": "200", **(env or {})}
    if extra_path:
        full["PYTHONPATH"] = extra_path + os.pathsep + full.get("PYTHONPATH", "")
    tests = str(Path(__file__).parents[1])  # tests/, so `helpers` imports as in the suite
    return subprocess.run([sys.executable, "-c", BOOT.format(tests=tests), *args], capture_output=True, text=True,
                          env=full, timeout=120)

"""The `llmflation` CLI (in-process, one test in a real subprocess); only the bundled data is swapped for the
importer test ledger."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.cli import run_cli
from helpers.importer_data import texts
from helpers.litellm_repo import build

TESTS = Path(__file__).parent
FIXTURES = TESTS / "fixtures" / "importers"
BOOT = (
    "import sys; sys.path.insert(0, {tests!r}); from helpers import importer_data; importer_data.patch(); "
    "from llmflation.cli.main import main; sys.argv = ['llmflation', *sys.argv[1:]]; main()"
)


def run(*args: str, home: Path, extra_path: str = "") -> subprocess.CompletedProcess[str]:
    """The CLI in-process with the bundled data swapped for the importer test ledger; with `extra_path` (a fake
    installed package on sys.path) a real subprocess, so the path change cannot leak into other tests."""
    if not extra_path:
        import llmflation.ledger.loading as loading

        saved = loading.bundled_texts
        data = texts()
        loading.bundled_texts = lambda: dict(data)
        try:
            return run_cli(*args, home=home)
        finally:
            loading.bundled_texts = saved
    env = {**os.environ, "LLMFLATION_HOME": str(home), "COLUMNS": "200"}
    env["PYTHONPATH"] = extra_path + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run(
        [sys.executable, "-c", BOOT.format(tests=str(TESTS)), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A private data directory per test: each test builds the state it needs (tests run in any order, on any
    xdist worker)."""
    return tmp_path / "home"


def import_litellm_file(home: Path) -> subprocess.CompletedProcess[str]:
    return run(
        "import", "litellm", str(FIXTURES / "litellm_map.json"), "--date", "2025-01-15", "--json", home=home
    )


def test_import_litellm_file_json_report(home: Path) -> None:
    r = import_litellm_file(home)
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    assert rep["kind"] == "litellm" and rep["seen_on"] == "2025-01-15"
    assert rep["unmatched_count"] == 1 and rep["unmatched"][0]["key"] == "mystery-model-9000"
    assert rep["rows_written"] == 8 and rep["conflict_count"] == 2
    assert {"entries", "matched", "skipped", "shadowed", "flagged", "conflicts", "import_id"} <= rep.keys()


def test_import_history_then_diff_status_conflicts(home: Path, tmp_path: Path) -> None:
    first = import_litellm_file(home)  # the file import the status below lists before the history import
    assert first.returncode == 0, first.stderr
    repo = build(tmp_path / "litellm")
    r = run("import", "litellm-history", str(repo.path), "--json", home=home)
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    assert rep["commits"] == 12 and len(rep["skipped_commits"]) == 1 and len(rep["dropped_typos"]) == 1
    assert rep["source"] == "github:BerriAI/litellm"
    assert {e["label"] for e in rep["events"]} == {"first seen", "price change first seen", "last seen"}

    d = run("data", "diff", "--since", "2024-01-01", "--json", home=home)
    assert d.returncode == 0, d.stderr
    diff = json.loads(d.stdout)
    assert set(diff) == {
        "since",
        "new_models",
        "new_offers",
        "price_cuts",
        "price_increases",
        "restructured",
        "ended",
        "first_sightings",
        "name_moves",
    }
    up = next(m for m in diff["price_increases"] if m["provider"] == "together")
    assert up["input_change_pct"] == "18.2" and up["factor"] == "1.18"

    s = run("data", "status", "--json", home=home)
    assert s.returncode == 0, s.stderr
    st = json.loads(s.stdout)
    assert {"stale", "disagreements", "imports", "stale_after_days"} <= st.keys()
    assert [i["kind"] for i in st["imports"]] == ["litellm", "litellm-history"]

    c = run("data", "conflicts", "--csv", home=home)
    assert c.returncode == 0, c.stderr
    assert c.stdout.splitlines()[0].startswith("model,provider,tier,from,to,winner")
    assert "openai/gpt-4-0314" in c.stdout


def test_installed_litellm_package_is_read_without_importing_it(tmp_path: Path) -> None:
    pkg = tmp_path / "site" / "litellm"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("raise RuntimeError('litellm must not be imported')\n")
    shutil.copy(FIXTURES / "litellm_map.json", pkg / "model_prices_and_context_window_backup.json")
    dist = tmp_path / "site" / "litellm-1.99.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: litellm\nVersion: 1.99.0\n")
    r = run(
        "import",
        "litellm",
        "--date",
        "2025-02-01",
        "--json",
        home=tmp_path / "h",
        extra_path=str(tmp_path / "site"),
    )
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    assert rep["source"] == "litellm:1.99.0:model_prices_and_context_window_backup.json"
    assert rep["rows_written"] == 8


def test_errors_and_usage(tmp_path: Path) -> None:
    missing = run("import", "openrouter", str(tmp_path / "nope.json"), home=tmp_path)
    assert missing.returncode == 1 and "File not found" in missing.stderr
    usage = run("import", "genai-prices", home=tmp_path)
    assert usage.returncode == 2
    bad_date = run("data", "diff", "--since", "yesterday", home=tmp_path)
    assert bad_date.returncode == 2 and "not a date" in bad_date.stderr

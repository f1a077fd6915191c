from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"

# Every test process talks to loopback only, and never to the user's real data directory.
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")


def _hypothesis_profiles() -> str:
    """Property and schema tests (Hypothesis, Schemathesis) explore freely on a developer's machine and run a
    fixed, derandomized set of examples in CI (CI=true, as `.ci/run` sets), so a red or green run never depends
    on chance. A failure found by exploration is pinned as an explicit @example. HYPOTHESIS_PROFILE overrides."""
    from hypothesis import settings

    settings.register_profile("ci", derandomize=True, database=None, print_blob=True, deadline=None)
    settings.register_profile("dev", print_blob=True)
    on_ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    name = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if on_ci else "dev")
    settings.load_profile(name)
    return name


HYPOTHESIS_PROFILE = _hypothesis_profiles()


def pytest_report_header(config: pytest.Config) -> str:
    return f"hypothesis profile: {HYPOTHESIS_PROFILE} (CI=true selects the derandomized 'ci' profile)"


@pytest.fixture(scope="session")
def shared_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One store built from the bundled data, shared by read-only tests."""
    home = tmp_path_factory.mktemp("llmflation-home")
    os.environ["LLMFLATION_HOME"] = str(home)
    from llmflation.ledger.store import Store

    Store(home / "ledger.duckdb").ensure_current()
    return home


@pytest.fixture
def ledger(shared_home: Path):
    from llmflation.ledger.ledger import open_ledger

    return open_ledger(shared_home / "ledger.duckdb")


@pytest.fixture
def fresh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private, empty data directory for tests that write to the store."""
    monkeypatch.setenv("LLMFLATION_HOME", str(tmp_path))
    return tmp_path


def run_cli(*args: str, home: Path, input: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real `llmflation` entry point in a subprocess, as a user would."""
    env = {**os.environ, "LLMFLATION_HOME": str(home), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "llmflation.cli.main", *args],
        capture_output=True, text=True, env=env, input=input, timeout=120,
    )


@pytest.fixture
def cli(shared_home: Path):
    def _run(*args: str) -> subprocess.CompletedProcess[str]:
        return run_cli(*args, home=shared_home)

    return _run


def fixture_texts() -> dict[str, str]:
    base = FIXTURES / "ledger"
    return {n: (base / n).read_text() for n in ("models.csv", "prices.csv", "scores.csv")}

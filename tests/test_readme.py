"""The README runs: every shell example in README.md is executed, in order, against the bundled data (as
sqlite-utils checks its docs). Only commands on the explicit allow-list below are skipped, each with its reason,
and every allow-list entry must still match something in the README (so the list cannot rot)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SHELL_LANGS = {"bash", "sh", "shell", "console"}

# pattern (searched in the command) → why it is not run here
NOT_RUN: dict[str, str] = {
    r"^python3 -m venv \.venv": "set-up: creates a virtual environment and installs from package registries",
    r"^bash \.ci/run": "the test suite itself",
    r"^pip install examples/": "installs an example plugin into the environment (its tests install it on a "
                               "temporary path)",
    r"\bllmflation serve\b": "starts a long-running server (tests/test_web_*.py run it against real uvicorn)",
    r"^python -m venv /tmp/litellm-venv": "installs LiteLLM from PyPI (network)",
    r"^(PYTHONPATH=src )?python benchmarks/(?!gen_usage)": "benchmarks run for minutes (see Benchmarks)",
    r"--engine spark": "starts a Spark JVM or needs a cluster (the spark-marked tests cover this engine)",
    r"^llmflation import litellm-history": "needs a local clone of BerriAI/litellm (tests mine a synthetic one)",
    r"^llmflation import (litellm|openrouter|vercel|genai-prices)\b": "needs a price file downloaded from the "
                                                                       "source (network); tests import the fixtures",
    r"\b(WORKLOAD|BEFORE|AFTER)\.toml\b": "synopsis line with placeholders",
    r"^llmflation data update\b": "fetches current prices from the sources (network; --offline documents its exit 1); "
                                  "tests/test_data_update*.py serve fixtures on 127.0.0.1",
}


def shell_commands(text: str) -> list[str]:
    """Commands of the README's shell blocks: continuations joined, comments and optional [..] groups removed."""
    commands: list[str] = []
    for lang, body in re.findall(r"^```(\w*)\n(.*?)^```", text, flags=re.S | re.M):
        if lang not in SHELL_LANGS:
            continue
        current = ""
        for line in body.splitlines():
            if line.rstrip().endswith("\\"):
                current += line.rstrip()[:-1] + " "
                continue
            current += line
            command = re.sub(r"\s+#\s.*$", "", current).strip()  # a trailing "  # comment"
            current = ""
            if command and not command.startswith("#"):
                commands.append(command)
    return commands


def runnable(command: str) -> str:
    """The command as run: synopsis brackets ([--json], [--at 2025-01-01]) dropped."""
    previous = None
    while previous != command:
        previous, command = command, re.sub(r"\s*\[[^\[\]]*\]", "", command)
    return command


def skip_reason(command: str) -> str | None:
    """Why the README command is not run (None: it runs), judged on the command as run."""
    command = runnable(command)
    return next((why for pattern, why in NOT_RUN.items() if re.search(pattern, command)), None)


def test_readme_fences_are_closed() -> None:
    fences = [line for line in README.read_text().splitlines() if line.startswith("```")]
    assert len(fences) % 2 == 0, "an unclosed code fence renders the rest of the README as code"


def test_every_allow_list_entry_is_used() -> None:
    commands = shell_commands(README.read_text())
    for pattern in NOT_RUN:
        assert any(re.search(pattern, runnable(c)) for c in commands), f"allow-list entry matches nothing: {pattern}"


def test_every_file_the_examples_name_ships() -> None:
    for command in shell_commands(README.read_text()):
        if skip_reason(command):
            continue
        for token in re.findall(r"\bexamples/[\w./*-]+", command):
            assert list(ROOT.glob(token)), f"{token} (named in the README) is not in the repository"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch directory where the examples' relative paths resolve and their outputs land."""
    work = tmp_path_factory.mktemp("readme")
    for name in ("examples", "benchmarks"):
        (work / name).symlink_to(ROOT / name)
    return work


def _env(home: Path) -> dict[str, str]:
    bindir = str(Path(sys.executable).parent)
    src = str(ROOT / "src")
    return {**os.environ, "LLMFLATION_HOME": str(home), "COLUMNS": "120",
            "PATH": bindir + os.pathsep + os.environ.get("PATH", ""),
            "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}


@pytest.mark.slow
def test_every_shell_example_runs(workdir: Path, tmp_path: Path) -> None:
    commands = shell_commands(README.read_text())
    assert len(commands) > 40
    env = _env(tmp_path / "home")
    ran, skipped, failures = 0, 0, []
    first_jevons = next(c for c in commands if c.startswith("llmflation jevons"))
    for command in commands:
        if skip_reason(command):
            skipped += 1
            continue
        r = subprocess.run(["bash", "-c", runnable(command)], cwd=workdir, env=env, capture_output=True, text=True,
                           timeout=300)
        ran += 1
        if r.returncode != 0 or "Traceback" in r.stderr:
            failures.append(f"$ {command}\n  exit {r.returncode}: {r.stderr.strip()[-600:]}")
        elif command == first_jevons and "no price in effect" in r.stdout:
            failures.append(f"$ {command}\n  the first Jevons example prints months with no price in effect")
        elif command.startswith("llmflation jevons") and r.stdout.count("no price in effect") > 2:
            failures.append(f"$ {command}\n  unpriced months are not collapsed into one row per policy")
    assert not failures, "\n".join(failures)
    assert ran > skipped


def test_parser_joins_continuations_and_drops_comments() -> None:
    text = "```bash\nllmflation a \\\n    --b c   # note\n# only a comment\nllmflation d [--e [--f]] g\n```\n"
    assert [" ".join(c.split()) for c in shell_commands(text)] == ["llmflation a --b c", "llmflation d [--e [--f]] g"]
    assert runnable("llmflation d [--e [--f]] g") == "llmflation d g"
    assert skip_reason("llmflation bill WORKLOAD.toml") == "synopsis line with placeholders"
    assert skip_reason("llmflation bill examples/chat-assistant.toml") is None

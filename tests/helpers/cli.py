"""Running the `llmflation` CLI from tests.

`run_cli` runs it in-process through Typer's CliRunner, exactly as the console entry point does (a deliberate
LlmflationError becomes "Error: …" on stderr and exit 1, usage errors exit 2): no interpreter start and no
re-import per call, so a CLI test costs what its command costs. `run_cli_process` spawns the real entry point for
the few tests that must see a real process (start-up, signals, a server).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path


def run_cli(*args: str, home: Path, input: str | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `llmflation ARGS` in-process with LLMFLATION_HOME=home; the result looks like subprocess.run's."""
    from click.testing import CliRunner

    from llmflation.cli.main import command, describe_error
    from llmflation.errors import LlmflationError
    from llmflation.format import text

    runner = CliRunner()
    result = runner.invoke(command(), list(args), input=input, catch_exceptions=True, prog_name="llmflation",
                           env={"LLMFLATION_HOME": str(home), "COLUMNS": "200", **(env or {})})
    stderr = result.stderr
    code = result.exit_code
    exc = result.exception
    if isinstance(exc, LlmflationError):
        stderr += f"Error: {text(describe_error(exc))}\n"
        code = 1
    elif exc is not None and not isinstance(exc, SystemExit):
        raise exc  # a crash is a test failure with its traceback, as a subprocess's traceback would be
    return subprocess.CompletedProcess(["llmflation", *args], code, result.stdout, stderr)


def run_cli_process(args: Sequence[str], home: Path, input: str | None = None,
                    extra_env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the real entry point in a subprocess, as a user would."""
    env = {**os.environ, "LLMFLATION_HOME": str(home), "COLUMNS": "200", **(extra_env or {})}
    return subprocess.run([sys.executable, "-m", "llmflation.cli.main", *args],
                          capture_output=True, text=True, env=env, input=input, timeout=timeout)

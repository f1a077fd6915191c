"""CI runs property and schema tests on a fixed, derandomized example set (tests/conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _profile_under(env_ci: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "HYPOTHESIS_PROFILE")}
    if env_ci is not None:
        env["CI"] = env_ci
    code = ("import sys; sys.path.insert(0, 'tests'); import conftest; from hypothesis import settings; "
            "print(conftest.HYPOTHESIS_PROFILE, settings.default.derandomize, settings.default.database)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_ci_selects_the_derandomized_profile() -> None:
    assert _profile_under("true") == "ci True None"
    assert _profile_under("1") == "ci True None"


def test_local_runs_explore() -> None:
    name, derandomize, _ = _profile_under(None).split(" ", 2)
    assert (name, derandomize) == ("dev", "False")


def test_ci_script_sets_ci() -> None:
    assert 'export CI="${CI:-true}"' in (ROOT / ".ci" / "run").read_text()


def test_ci_script_runs_the_suite_on_both_cores() -> None:
    script = (ROOT / ".ci" / "run").read_text()
    assert "parallel=(-n 2 --dist loadgroup)" in script
    assert 'python -m pytest -q -p no:cacheprovider ${parallel[@]+"${parallel[@]}"} "$@"' in script


@pytest.mark.timed
def test_a_grouped_test_is_one_scheduling_unit_under_xdist(request: pytest.FixtureRequest) -> None:
    """Under `.ci/run` (`-n 2 --dist loadgroup`) a test marked timed, spark or browser carries its group in its id,
    the unit xdist schedules on one worker (tests/conftest.py); elsewhere its id is the plain one."""
    grouped = bool(getattr(request.config.option, "loadgroup", False))
    assert request.node.nodeid.endswith("::test_a_grouped_test_is_one_scheduling_unit_under_xdist@timed") == grouped


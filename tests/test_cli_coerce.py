"""The pydantic-free value conversion of cli/coerce.py agrees with Typer's own, value for value and error for error.

Every parameter type the CLI uses is built by the real Typer; each value is converted twice, by Typer's runtime
parameter (a pydantic TypeAdapter) and by `FastRuntimeParam`, and both must return the same value of the same type
or raise the same message. Hypothesis adds arbitrary strings (derandomized in CI).
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
import typer.main
from hypothesis import given
from hypothesis import strategies as st
from typer._click import Context
from typer._click.exceptions import BadParameter
from typer._coercion import build_runtime_param

from llmflation.cli import coerce

app = typer.Typer()


@app.command()
def sample(
    text: str | None = typer.Option(None, "--text"),
    count: int = typer.Option(10, "--count", min=1, max=1000),
    depth: int = typer.Option(3, "--depth"),
    share: float = typer.Option(0.5, "--share", min=0.0, max=1.0),
    ratio: float = typer.Option(1.5, "--ratio"),
    flag: bool = typer.Option(False, "--flag"),
    where: Path | None = typer.Option(None, "--where"),
    names: list[str] | None = typer.Option(None, "--name"),
    files: list[Path] | None = typer.Argument(None),
) -> None:
    """A command with every parameter type the CLI uses."""


@app.command()
def other() -> None:
    """A second command, so the app is a group."""


def _params() -> tuple[Any, dict[str, Any]]:
    group = typer.main.get_command(app)
    cmd = group.commands["sample"]  # type: ignore[attr-defined]
    return cmd, {p.name: p for p in cmd.params}


def _outcome(runtime: Any, value: Any, param: Any, ctx: Any) -> tuple[str, Any]:
    try:
        out = runtime.coerce(value, param=param, ctx=ctx)
    except BadParameter as exc:
        return "error", exc.format_message()
    # repr: nan equals nan, -0.0 differs from 0.0, and a list's item types count
    return "value", (type(out), [type(x) for x in out] if isinstance(out, list) else None, repr(out))


def _agree(name: str, value: Any) -> None:
    cmd, params = _params()
    param = params[name]
    ctx = Context(cmd)
    typers = build_runtime_param(param.type_descriptor)
    ours = coerce.FastRuntimeParam(parameter_info=param.type_descriptor.parameter_info,
                                   annotation=param.type_descriptor.annotation)
    assert _outcome(ours, value, param, ctx) == _outcome(typers, value, param, ctx), (name, value)


NUMBERS = ["0", "1", "10", "1000", "1001", "-1", "-0", "007", "1_000", " 5", "5 ", "+5", "1e3", "0x10", "", "abc",
           "١٢", "99999999999999999999999", "1.5", "0.0", "1.0", ".5", "5.", "-0.5", "nan", "inf", "1e-3",
           "0.30000000000000004", "123456789012345.123456789012345", 7, 0, 2000, 0.25, -1.0, float("nan"), True]
TEXTS = ["gpt-4o", "", " spaced ", "ünïcode", "a\x00b", "bad\udcff", "\U0001f600", "--at", 5, b"bytes"]
PATHS = ["examples/coding-agent.toml", "no/such/file.toml", "", ".", "a\x00b", "bad\udcff", "~/x",
         Path("examples"), "-"]


@pytest.mark.parametrize("value", NUMBERS, ids=repr)
@pytest.mark.parametrize("name", ["count", "depth", "share", "ratio"])
def test_numbers_convert_as_typer_does(name: str, value: Any) -> None:
    _agree(name, value)


@pytest.mark.parametrize("value", TEXTS, ids=repr)
def test_text_converts_as_typer_does(value: Any) -> None:
    _agree("text", value)


@pytest.mark.parametrize("value", PATHS, ids=repr)
def test_paths_convert_as_typer_does(value: Any) -> None:
    _agree("where", value)


@pytest.mark.parametrize("value", [(), ("a", "b"), ["x"], ("ok", "bad\udcff"), "single", (1, "a")], ids=repr)
def test_lists_convert_as_typer_does(value: Any) -> None:
    _agree("names", value)
    _agree("files", tuple(str(v) if isinstance(v, int) else v for v in value) if not isinstance(value, str)
           else value)


@pytest.mark.parametrize("value", [True, False, "yes", "0", 1], ids=repr)
def test_flags_convert_as_typer_does(value: Any) -> None:
    _agree("flag", value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_an_unreadable_path_fails_as_typer_does(tmp_path: Path) -> None:
    locked = tmp_path / "locked.toml"
    locked.write_text("x")
    locked.chmod(0)
    try:
        _agree("where", str(locked))
    finally:
        locked.chmod(stat.S_IRUSR | stat.S_IWUSR)


@given(st.text(max_size=12))
def test_any_string_converts_as_typer_does(value: str) -> None:
    for name in ("text", "count", "share", "where"):
        _agree(name, value)


def test_every_cli_parameter_gets_the_fast_conversion() -> None:
    """The CLI's own parameters are all of the plain types handled here (a new type would silently cost start-up:
    this names it)."""
    from llmflation.cli.main import command

    missing: list[str] = []

    def walk(cmd: Any, path: str) -> None:
        for p in cmd.params:
            if getattr(p, "type_descriptor", None) is not None and p._runtime_param is None:
                missing.append(f"{path} {p.name}: {p.type_descriptor.annotation}")
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, f"{path} {name}")

    walk(command(), "llmflation")
    assert not missing, "parameters converted through pydantic at start-up:\n" + "\n".join(missing)


def test_price_runs_without_pydantic_or_duckdb(tmp_path: Path) -> None:
    """`llmflation price` (the start-up benchmark's command) imports neither pydantic nor, once the store exists,
    DuckDB: the import graph that keeps it fast, checked in a real process (timings live in benchmarks/)."""
    env = {**os.environ, "LLMFLATION_HOME": str(tmp_path), "COLUMNS": "200"}
    first = subprocess.run([sys.executable, "-m", "llmflation.cli.main", "price", "gpt-4o"], capture_output=True,
                           text=True, env=env, timeout=300)
    assert first.returncode == 0, first.stderr
    probe = ("import sys\nsys.argv = ['llmflation', 'price', 'gpt-4o']\nfrom llmflation.cli.main import main\n"
             "try:\n    main()\nfinally:\n"
             "    heavy = sorted(m for m in ('pydantic', 'duckdb') if m in sys.modules)\n"
             "    sys.stderr.write('HEAVY ' + ' '.join(heavy))\n")
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "openai" in run.stdout and "$2.50/M" in run.stdout
    assert run.stderr.rstrip().endswith("HEAVY"), run.stderr


@pytest.mark.parametrize(("name", "value"), [("count", "10"), ("count", 10), ("depth", "-3"), ("share", "0.25"),
                                             ("ratio", 1.5), ("text", "gpt-4o"), ("where", "examples"),
                                             ("where", "no/such/file"), ("flag", True)])
def test_plain_values_take_the_fast_path(name: str, value: Any) -> None:
    """The agreement above would hold trivially if everything fell through to Typer: plain values must not."""
    cmd, params = _params()
    desc = params[name].type_descriptor
    out = coerce._convert(desc.annotation, value, desc.parameter_info, params[name], Context(cmd))
    assert out is not coerce._MISS

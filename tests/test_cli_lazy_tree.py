"""A run of one known command builds only the command modules behind it (cli/main.py `COMMANDS`): each command's
tree built that way must be the full tree's (the same subcommands, options, arguments, defaults and help), every
top-level command must be in the table, and anything else (no command, root help, a misspelt name, completion)
must get the full tree."""

from __future__ import annotations

import ast
import inspect
import os
import subprocess
import sys
from typing import Any

import pytest

from llmflation.cli.main import COMMAND_MODULES, COMMANDS, command, modules_for


def signature(cmd: Any) -> Any:
    """What a user can type and read of a Click command, recursively."""
    params = tuple((p.name, tuple(p.opts), tuple(p.secondary_opts), p.param_type_name, repr(p.default), p.required,
                    p.nargs, p.metavar, getattr(p, "help", None), getattr(p, "is_flag", None),
                    repr(getattr(getattr(p, "type_descriptor", None), "annotation", None)))
                   for p in cmd.params)
    subs = getattr(cmd, "commands", None)
    return (cmd.name, cmd.help, params,
            None if subs is None else tuple(sorted((name, signature(sub)) for name, sub in subs.items())))


FULL = command()


def test_every_top_level_command_is_in_the_table_and_nothing_else() -> None:
    assert set(FULL.commands) == set(COMMANDS)
    assert {m for ms in COMMANDS.values() for m in ms} == set(COMMAND_MODULES)


ALONE = """
import sys
from llmflation.cli.main import command
name = sys.argv[1]
alone = command([name, "--help"])
print(repr((sorted(alone.commands), signature(alone.commands[name]), signature(alone)[2])))
"""


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_command_built_alone_is_the_full_trees_command(name: str) -> None:
    """Built in a fresh process, where only its modules are imported (a module can add subcommands to a group
    another module defines, as import_cmds does to `data`: only a fresh process shows a missing one)."""
    code = "from typing import Any\n" + inspect.getsource(signature) + ALONE  # not this module: it builds the full tree
    run = subprocess.run([sys.executable, "-c", code, name], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    names, sub, root = ast.literal_eval(run.stdout)
    assert name in names
    assert sub == signature(FULL.commands[name])
    assert root == signature(FULL)[2]  # the root keeps its own options (--wide, --version) whatever was built


@pytest.mark.parametrize(("argv", "want"), [
    (None, COMMAND_MODULES),
    ([], COMMAND_MODULES),
    (["--help"], COMMAND_MODULES),
    (["-h", "bill"], COMMAND_MODULES),
    (["--version"], COMMAND_MODULES),
    (["bil", "x.toml"], COMMAND_MODULES),  # misspelt: Click lists every command and suggests `bill`
    (["", "bill"], COMMAND_MODULES),
    (["bill", "examples/coding-agent.toml"], ("llmflation.cli.workload_cmds",)),
    (["--wide", "bill"], ("llmflation.cli.workload_cmds",)),
    (["--wide", "--wide", "usage", "report"], ("llmflation.cli.usage_cmds", "llmflation.cli.index_cmds")),
    (["data", "update"], ("llmflation.cli.ledger_cmds", "llmflation.cli.import_cmds")),
    (["--wide"], COMMAND_MODULES),
])
def test_the_modules_a_run_needs(argv: list[str] | None, want: Any) -> None:
    assert tuple(modules_for(argv)) == tuple(want)


def test_shell_completion_gets_every_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_LLMFLATION_COMPLETE", "bash_complete")
    assert tuple(modules_for(["bill"])) == tuple(COMMAND_MODULES)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    probe = ("import sys\nsys.argv = ['llmflation', *sys.argv[1:]]\nfrom llmflation.cli.main import main\n"
             "try:\n    main()\nfinally:\n"
             "    sys.stderr.write('LOADED ' + ' '.join(sorted(m.rsplit('.', 1)[1] for m in sys.modules "
             "if m.startswith('llmflation.cli.') and m.endswith('_cmds'))))\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("_LLMFLATION_COMPLETE")} | {"COLUMNS": "200"}
    return subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, env=env, timeout=120)


def test_a_real_run_loads_only_its_commands_module_and_a_typo_still_gets_a_suggestion() -> None:
    run = _run("bill", "--help")
    assert run.returncode == 0, run.stderr
    assert "--floor" in run.stdout and "Usage: llmflation bill" in run.stdout
    assert run.stderr.rstrip().endswith("LOADED workload_cmds"), run.stderr

    typo = _run("bil", "examples/coding-agent.toml")
    assert typo.returncode == 2
    assert "No such command 'bil'" in typo.stderr and "bill" in typo.stderr.split("No such command")[1]

    root = _run("--help")
    assert root.returncode == 0 and all(name in root.stdout for name in ("bill", "usage", "serve", "selfhost"))


def test_building_trees_again_registers_nothing_twice() -> None:
    """index_cmds adds `usage index` to usage_cmds' group: building more trees (each run, each test) must not add it
    again."""
    from llmflation.cli.usage_cmds import app as usage_app

    for argv in (None, ["usage"], ["index"], None):
        command(argv)
    names = [c.name for c in usage_app.registered_commands]
    assert "index" in names and len(names) == len(set(names))

"""Entry point. Keep imports here light: every command imports its heavy libraries when it runs."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any

import typer
import typer.main


def _version(value: bool) -> None:
    if value:
        from llmflation import __version__

        sys.stdout.write(f"llmflation {__version__}\n")
        raise typer.Exit()


def _root(
    version: bool = typer.Option(False, "--version", "-V", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
    wide: bool = typer.Option(False, "--wide", help="Tables show every column whole, however wide the terminal "
                                                    "(default: fit the terminal, dropping low-priority columns)."),
) -> None:
    """What LLM inference costs, why it is falling, where it is going, and what it means for your bill."""
    if wide:
        from llmflation.cli.output import set_wide

        set_wide(True)


# Each module defines register(app). One line per capability keeps merges trivial.
COMMAND_MODULES = [
    "llmflation.cli.ledger_cmds",
    "llmflation.cli.import_cmds",
    "llmflation.cli.trends_cmds",
    "llmflation.cli.workload_cmds",
    "llmflation.cli.serving_cmds",
    "llmflation.cli.usage_cmds",
    "llmflation.cli.web_cmds",
    "llmflation.cli.index_cmds",
    "llmflation.cli.plot_cmds",
]

# The modules behind each top-level command: a run of one known command loads and builds only those, not the other
# commands' modules and Click objects (on the 2-core machine, median of 15: `price gpt-4o` 0.39 → 0.34 s, `bill`
# 0.63 → 0.61 s). `data` and `usage` take subcommands from two modules each. tests/test_cli_lazy_tree.py checks
# that each command's tree built from these equals the full tree's.
COMMANDS: dict[str, tuple[str, ...]] = {
    **{c: ("llmflation.cli.ledger_cmds",) for c in ("models", "price", "history", "scores", "user")},
    "data": ("llmflation.cli.ledger_cmds", "llmflation.cli.import_cmds"),
    "import": ("llmflation.cli.import_cmds",),
    **{c: ("llmflation.cli.trends_cmds",) for c in ("trend", "forecast", "claims", "report")},
    **{c: ("llmflation.cli.workload_cmds",) for c in ("bill", "jevons")},
    "selfhost": ("llmflation.cli.serving_cmds",),
    "usage": ("llmflation.cli.usage_cmds", "llmflation.cli.index_cmds"),
    "serve": ("llmflation.cli.web_cmds",),
    "index": ("llmflation.cli.index_cmds",),
    "plot": ("llmflation.cli.plot_cmds",),
}
_ROOT_FLAGS = ("--wide",)  # root options that may come before the command name and take no value


def _app(modules: Sequence[str]) -> typer.Typer:
    """The Typer app with the commands of `modules` registered."""
    app = typer.Typer(
        name="llmflation",
        help="What LLM inference costs, why it is falling, where it is going, and what it means for your bill.",
        no_args_is_help=True,
        add_completion=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(_root)
    for name in modules:
        importlib.import_module(name).register(app)
    return app


def modules_for(argv: Sequence[str] | None) -> Sequence[str]:
    """The command modules a run with these arguments (after the program's name) needs: those behind its command
    when it names a known one; every module otherwise (no command, root help, an unknown or misspelt name that
    Click answers with the list of commands, shell completion)."""
    if argv is None or os.environ.get("_LLMFLATION_COMPLETE"):
        return COMMAND_MODULES
    args = list(argv)
    while args and args[0] in _ROOT_FLAGS:
        args.pop(0)
    return COMMANDS.get(args[0], COMMAND_MODULES) if args else COMMAND_MODULES


def _readable_metavars(command: Any) -> None:
    """Help reads `--provider PROVIDER` and `MODEL`, not Typer's `<str>` / `<list[str]>` / `{model}`."""
    for param in command.params:
        if param.metavar is not None or getattr(param, "is_flag", False) or getattr(param, "count", False):
            continue
        desc = getattr(param, "type_descriptor", None)
        if desc is not None and getattr(desc, "is_choice", False):
            continue
        name = (param.name or "value").upper()
        param.metavar = name + ("..." if param.nargs == -1 else "")
        if getattr(param, "param_type_name", "") == "argument":
            # Typer would add "<str>" after the name and wrap it in braces in the usage line
            usage = param.metavar if param.required else f"[{param.metavar}]"
            param.display_type_rich = lambda ctx: None
            param.get_usage_pieces = lambda ctx, usage=usage: [usage]
    for sub in getattr(command, "commands", {}).values():
        _readable_metavars(sub)


def _evaluate_annotations(typer_app: typer.Typer) -> None:
    """Typer reads each command function's type hints twice while it builds the command tree, and with
    `from __future__ import annotations` every read evaluates each annotation string again: about a third of
    building the tree (measured, start-up). Evaluate them once, in place; the hints themselves are unchanged."""
    import typing

    infos: list[Any] = [*typer_app.registered_commands, typer_app.registered_callback]
    for info in infos:
        fn = info.callback if info is not None else None
        if fn is not None and any(isinstance(a, str) for a in getattr(fn, "__annotations__", {}).values()):
            fn.__annotations__ = typing.get_type_hints(fn, include_extras=True)
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            _evaluate_annotations(group.typer_instance)


def command(argv: Sequence[str] | None = None) -> Any:
    """The Click command behind the CLI, with readable metavars and pydantic-free value conversion (cli/coerce.py):
    every command, or, given the arguments of a run, only what that run's command needs (`modules_for`)."""
    from llmflation.cli import coerce

    app = _app(modules_for(argv))
    _evaluate_annotations(app)
    cmd = typer.main.get_command(app)
    _readable_metavars(cmd)
    coerce.install(cmd)
    return cmd


def describe_error(exc: BaseException) -> str:
    """A domain error in the CLI's words: the domain's message plus the next step spelled as a command or flag.

    The domain error carries the data (the date to try, the model); only here do flag names appear, so the web API
    can word the same error for its own clients (web.errors.api_hint).
    """
    from llmflation.errors import (
        FormatError,
        InputError,
        NameNotInEffectError,
        NoPriceError,
        ShutDownError,
        UnknownModelError,
    )

    text = str(exc)
    if isinstance(exc, FormatError):
        choices = f"Pass --format one of {', '.join(exc.formats)}" if exc.formats else "Pass --format"
        mapping = " (generic with --map ts=COLUMN --map model=COLUMN --map input=COLUMN …)" if exc.mapping else ""
        return f"{text} {choices}{mapping}."
    if isinstance(exc, InputError) and exc.field and not exc.field.startswith("-"):
        # a field-named message ("tp 16 is not possible", "percent: …") names the flag: tp → --tp
        for sep in (" ", ":"):
            if text.startswith(exc.field + sep):
                return "--" + exc.field.replace("_", "-") + text[len(exc.field):]
    if isinstance(exc, NameNotInEffectError):
        text += " Pass --at inside one of those intervals, or the model id itself."
    if isinstance(exc, UnknownModelError):
        return f"{text} Run `llmflation models --search TEXT` to list matching models."
    if isinstance(exc, ShutDownError) and exc.successor:
        return (f"{text} Try `llmflation price {exc.successor} --provider {exc.provider} --at {exc.at}`, or an "
                "earlier --at.")
    if isinstance(exc, NoPriceError) and exc.model is not None:
        if exc.first_priced is not None:
            return f"{text} Try --at {exc.first_priced}."
        if exc.ended is None:
            return f"{text} Run `llmflation history {exc.model}` to see the recorded intervals."
        return f"{text} Run `llmflation data update` to fetch newer prices, or pass an earlier --at."
    return text


def main() -> None:
    """Run the CLI; LlmflationError → message on stderr and exit 1 (usage errors exit 2 via Click)."""
    from llmflation.errors import LlmflationError

    try:
        command(sys.argv[1:])(prog_name="llmflation")
    except LlmflationError as exc:
        from llmflation.format import text

        # user input echoed in messages carries no escape sequences
        sys.stderr.write(f"Error: {text(describe_error(exc))}\n")
        sys.exit(1)


if __name__ == "__main__":
    main()

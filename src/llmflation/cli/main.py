"""Entry point. Keep imports here light: every command imports its heavy libraries when it runs."""

from __future__ import annotations

import importlib
import sys

import typer

app = typer.Typer(
    name="llmflation",
    help="What LLM inference costs, why it is falling, where it is going, and what it means for your bill.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

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
]

for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(app)


def main() -> None:
    """Run the CLI; LlmflationError → message on stderr and exit 1 (usage errors exit 2 via Click)."""
    from llmflation.errors import LlmflationError

    try:
        app()
    except LlmflationError as exc:
        sys.stderr.write(f"Error: {exc}\n")
        sys.exit(1)


if __name__ == "__main__":
    main()

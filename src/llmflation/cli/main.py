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
]

for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(app)


def describe_error(exc: BaseException) -> str:
    """A domain error in the CLI's words: the domain's message plus the next step spelled as a command or flag.

    The domain error carries the data (the date to try, the model); only here do flag names appear, so the web API
    can word the same error for its own clients (web.errors.api_hint).
    """
    from llmflation.errors import InputError, NoPriceError, UnknownModelError

    text = str(exc)
    if isinstance(exc, InputError) and exc.field and not exc.field.startswith("-"):
        # a field-named message ("tp 16 is not possible", "percent: …") names the flag: tp → --tp
        for sep in (" ", ":"):
            if text.startswith(exc.field + sep):
                return "--" + exc.field.replace("_", "-") + text[len(exc.field):]
    if isinstance(exc, UnknownModelError):
        return f"{text} Run `llmflation models --search TEXT` to list matching models."
    if isinstance(exc, NoPriceError) and exc.model is not None:
        if exc.first_priced is not None:
            return f"{text} Try --at {exc.first_priced}."
        if exc.ended is None:
            return f"{text} Run `llmflation history {exc.model}` to see the recorded intervals."
    return text


def main() -> None:
    """Run the CLI; LlmflationError → message on stderr and exit 1 (usage errors exit 2 via Click)."""
    from llmflation.errors import LlmflationError

    try:
        app()
    except LlmflationError as exc:
        sys.stderr.write(f"Error: {describe_error(exc)}\n")
        sys.exit(1)


if __name__ == "__main__":
    main()

"""One error root for everything llmflation raises on purpose.

Each message says what went wrong; the data behind it (the model, the date, the suggestions, the field) rides on
the exception as attributes, and each front end words its own next step from them: the CLI says
"Try --at 2024-05-13", the web API says "try at=2024-05-13" (see `cli.main.describe_error` and
`web.errors.api_hint`). So domain text never names a CLI flag that an API client cannot pass.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from datetime import date


class LlmflationError(Exception):
    """Root of every error llmflation raises deliberately."""


class UnknownModelError(LlmflationError):
    """A model name that matches no id, alias or display name; `suggestions` holds the close matches."""

    def __init__(self, name: str, suggestions: Sequence[str]) -> None:
        self.name = name
        self.suggestions = list(suggestions)
        hint = f" Did you mean: {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"Unknown model {name!r}.{hint}")


class NameNotInEffectError(UnknownModelError):
    """A model name the ledger knows, but not on the date asked (it started later or was retired before).

    `spans` are the intervals the name is on record for; the front ends say how to ask for a date inside one."""

    def __init__(self, name: str, at: object, spans: Sequence[str], suggestions: Sequence[str]) -> None:
        self.name = name
        self.suggestions = list(suggestions)
        self.spans = list(spans)
        hint = f" Did you mean: {', '.join(self.suggestions)}?" if self.suggestions else ""
        LlmflationError.__init__(
            self, f"Model name {name!r} meant nothing on {at}; it is on record {'; '.join(self.spans)}.{hint}")


class UnknownNameError(LlmflationError):
    """A provider, benchmark, GPU or other named thing that is not known."""

    def __init__(self, kind: str, name: str, known: Iterable[str], message: str | None = None) -> None:
        self.kind = kind
        self.name = name
        self.known = sorted(set(known))
        if message is None:
            close = difflib.get_close_matches(name.lower(), [k.lower() for k in self.known], n=3, cutoff=0.5)
            hint = f" Did you mean: {', '.join(close)}?" if close else ""
            listing = ", ".join(self.known[:40]) + (" …" if len(self.known) > 40 else "")
            message = f"Unknown {kind} {name!r}.{hint} Known: {listing}."
        super().__init__(message)


class NoPriceError(LlmflationError):
    """No price in effect for a model (and provider) at a date.

    `model` and `at` say what was asked; `first_priced` is the first date with a price on record when the date asked
    for is before it (the front ends suggest that date), `ended` the end of the last price when the model was
    retired. Raised with a message only (the attributes None) where no single date would help.
    """

    def __init__(self, message: str, *, model: str | None = None, at: date | None = None,
                 first_priced: date | None = None, ended: date | None = None) -> None:
        self.model = model
        self.at = at
        self.first_priced = first_priced
        self.ended = ended
        super().__init__(message)


class ShutDownError(NoPriceError):
    """The offer was shut down by the vendor before the date asked; the message names the date and successor.

    `successor` and `provider` let a front end suggest the next step in its own words."""

    def __init__(self, message: str, *, model: str | None = None, at: date | None = None,
                 successor: str | None = None, provider: str | None = None) -> None:
        self.successor = successor
        self.provider = provider
        super().__init__(message, model=model, at=at)


class DataError(LlmflationError):
    """Bundled or user data that fails validation; carries every problem found, with line numbers."""

    def __init__(self, what: str, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        shown = "\n  ".join(self.problems[:50])
        more = f"\n  … and {len(self.problems) - 50} more" if len(self.problems) > 50 else ""
        super().__init__(f"{what}: {len(self.problems)} problem(s); nothing was written.\n  {shown}{more}")


class InputError(LlmflationError):
    """A user-supplied value (flag, field, file) that is invalid; the message names the field.

    `field` (when set) is the neutral name of the value (`percent`, `valid_to`, `tolerance`), which a front end
    may map to its own spelling (`--percent`, `?percent=`).
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)


class FormatError(InputError):
    """A usage file whose format could not be told from its fields, or that does not fit the format asked.

    `formats` are the formats to choose from; `mapping` says the generic format with a column mapping is the way
    for this file. The message says what was found; each front end words how to name the format (the CLI's
    `--format`/`--map`, the upload form's `format`)."""

    def __init__(self, message: str, *, formats: Sequence[str] = (), mapping: bool = False) -> None:
        self.formats = list(formats)
        self.mapping = mapping
        super().__init__(message, field="format")


def suggest(name: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """Close matches for a mistyped name, case-insensitive, returned in their original spelling."""
    by_lower: dict[str, str] = {}
    for c in candidates:
        by_lower.setdefault(c.lower(), c)
    lowered = name.lower()
    hits = difflib.get_close_matches(lowered, list(by_lower), n=n, cutoff=0.55)
    # substring matches catch "gpt4o" vs "gpt-4o" style misses that difflib ranks low
    compact = lowered.replace("-", "").replace(" ", "").replace(".", "")
    for key in by_lower:
        if len(hits) >= n:
            break
        k = key.replace("-", "").replace(" ", "").replace(".", "")
        if compact and (compact in k or k in compact) and key not in hits:
            hits.append(key)
    return [by_lower[h] for h in hits[:n]]

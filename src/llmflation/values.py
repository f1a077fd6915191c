"""Value parsers shared by every front end: CLI flags, query strings, form fields and TOML files.

One rule per kind of value, so `--at 20240601` and `/api/price?at=20240601` mean the same day, and
`bill --floor mmlu=80`, `usage reprice --floor mmlu:80` and `/api/bill?floor=mmlu>=80` the same floor.

Every parser raises `InputError` naming the field (`exc.field` carries the neutral name; the CLI turns it into a
usage error on its flag, exit 2; the API into a 422). Every number has bounds: a value outside them is refused
before any computation sees it, so no input can make a command loop for minutes or exhaust memory (a tolerance of
`1e999999999`, a confidence level of `0.99999999`, a date in the year 9999, a count of a billion).

Stdlib only: the CLI imports this module at start-up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from llmflation.errors import InputError

__all__ = [
    "DATE_PATTERN",
    "FLOOR_PATTERN",
    "LIMITS",
    "MAX_DATE",
    "MIN_DATE",
    "WORKLOAD_FIELDS",
    "Bound",
    "Floor",
    "NumberField",
    "bounds_problem",
    "parse_date",
    "parse_decimal",
    "parse_floor",
    "parse_int",
    "parse_level",
    "parse_share",
    "parse_share_range",
    "parse_tolerance",
]

# Dates the ledger can meaningfully talk about: no LLM API price before 1990, and nothing projects past 2100.
# A window of months between these is at most ~1,330 steps, so a loop over months always ends quickly.
MIN_DATE = date(1990, 1, 1)
MAX_DATE = date(2100, 12, 31)
_MAX_TEXT = 64  # a number or date longer than this is a typo or an attack, not a value

_DATE_FORMS = "YYYY-MM-DD, YYYYMMDD, YYYY-MM or YYYY"


def _date_pattern() -> str:
    """Exactly the texts `parse_date` accepts (no surrounding spaces): the four forms, real calendar days only
    (29 February in leap years), years MIN_DATE … MAX_DATE; empty means "not given". Published in the API's
    OpenAPI document so generated clients (and schema fuzzers) know which dates are valid."""
    assert (MIN_DATE.year, MAX_DATE.year) == (1990, 2100) and (MIN_DATE.month, MIN_DATE.day) == (1, 1)
    year = r"(?:199\d|20\d\d|2100)"
    leap = r"(?:199[26]|20(?:[02468][048]|[13579][26]))"  # 2000 is a leap year, 2100 is not
    month = r"(?:0[1-9]|1[0-2])"

    def day(sep: str) -> str:
        return (rf"(?:{year}{sep}(?:{month}{sep}(?:0[1-9]|1\d|2[0-8])|(?:0[13-9]|1[0-2]){sep}(?:29|30)"
                rf"|(?:0[13578]|1[02]){sep}31)|{leap}{sep}02{sep}29)")

    return rf"^(?:{day('-')}|{day('')}|{year}-{month}|{year})?$"


DATE_PATTERN = _date_pattern()


def parse_date(value: str | date | None, field: str = "date", *, low: date = MIN_DATE,
               high: date = MAX_DATE) -> date | None:
    """A day from `2024-06-01`, `20240601`, `2024-06` or `2024` (month/year → its first day); empty → None."""
    if value is None or isinstance(value, date):
        d = value
    else:
        text = value.strip()
        if not text:
            return None
        d = _date_of(text)
        if d is None:
            raise InputError(f"{field}: {value[:_MAX_TEXT]!r} is not a date; use {_DATE_FORMS}", field=field)
    if d is not None and not low <= d <= high:
        raise InputError(f"{field}: {d} is outside {low} … {high}", field=field)
    return d


def _date_of(text: str) -> date | None:
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
        if re.fullmatch(r"\d{8}", text):
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        if re.fullmatch(r"\d{4}-\d{2}", text):
            return date(int(text[:4]), int(text[5:]), 1)
        if re.fullmatch(r"\d{4}", text):
            return date(int(text), 1, 1)
    except ValueError:
        return None
    return None


def bounds_problem(v: Decimal, low: Decimal | None, high: Decimal | None, *, open_low: bool = False,
                   open_high: bool = False) -> str | None:
    """Why `v` is out of bounds ("must be at most 1 (got 1.5)"), or None when it is inside."""
    if not v.is_finite():
        return f"must be a finite number (got {v})"
    if low is not None and open_low and v <= low:
        return f"must be above {low} (got {v})"
    if low is not None and v < low:
        return f"must be at least {low} (got {v})"
    if high is not None and open_high and v >= high:
        return f"must be below {high} (got {v})"
    if high is not None and v > high:
        typo = ": is that a typo?" if high > 1 else ""
        return f"must be at most {high:,} (got {v}{typo})"
    return None


def parse_decimal(value: object, field: str, *, low: Decimal | int | str | None = None,
                  high: Decimal | int | str | None = None, open_low: bool = False,
                  open_high: bool = False) -> Decimal:
    """An exact number from text (or int/Decimal; floats through their repr), within bounds."""
    if isinstance(value, bool):
        raise InputError(f"{field}: expected a number, got {value!r}", field=field)
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, float):
        d = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip().replace("_", "")
        if len(text) > _MAX_TEXT:
            raise InputError(f"{field}: {value[:20]!r}… is too long for a number", field=field)
        try:
            d = Decimal(text)
        except InvalidOperation:
            raise InputError(f"{field}: {value!r} is not a number", field=field) from None
    else:
        raise InputError(f"{field}: expected a number, got {type(value).__name__}", field=field)
    problem = bounds_problem(d, None if low is None else Decimal(low), None if high is None else Decimal(high),
                             open_low=open_low, open_high=open_high)
    if problem:
        raise InputError(f"{field}: {problem}", field=field)
    return d


def parse_int(value: object, field: str, *, low: int, high: int) -> int:
    """A whole number within [low, high]."""
    if isinstance(value, int) and not isinstance(value, bool):
        n = value
    else:
        d = parse_decimal(value, field)
        if d != d.to_integral_value():
            raise InputError(f"{field}: {value!r} is not a whole number", field=field)
        if not low <= d <= high:
            raise InputError(f"{field}: must be between {low:,} and {high:,} (got {d})", field=field)
        n = int(d)
    if not low <= n <= high:
        raise InputError(f"{field}: must be between {low:,} and {high:,} (got {n})", field=field)
    return n


def parse_share(value: object, field: str) -> Decimal:
    """A share of something: a fraction in [0, 1] (0.25 = 25%)."""
    return parse_decimal(value, field, low=0, high=1)


def parse_share_range(text: str, field: str) -> tuple[Decimal, Decimal]:
    """`FROM:TO` shares, e.g. `0.1:0.6`."""
    a, sep, b = text.partition(":")
    if not sep:
        raise InputError(f"{field}: {text!r}: write FROM:TO shares, e.g. 0.1:0.6", field=field)
    return parse_share(a, field), parse_share(b, field)


# -- capability floors --------------------------------------------------------------------------------------

FLOOR_SCORE_BOUND = Decimal(10_000)  # benchmark scores are percentages or Elo-like ratings, never beyond this


@dataclass(frozen=True)
class Floor:
    """A capability floor: only models whose best score on `benchmark` reaches `minimum` qualify."""

    benchmark: str
    minimum: Decimal

    @staticmethod
    def parse(text: str, field: str = "floor") -> Floor:
        return parse_floor(text, field)

    def __str__(self) -> str:
        return f"{self.benchmark}>={self.minimum}"


_FLOOR = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9_.\-]*)\s*(?:>=|=|:)\s*(\S.*?)\s*")
# The floors parse_floor accepts, in plain decimal notation within ±FLOOR_SCORE_BOUND (published in the API schema).
FLOOR_PATTERN = (r"^[A-Za-z0-9][A-Za-z0-9_.\-]*(?:>=|=|:)-?(?:\d{1,4}(?:\.\d{1,9})?|10000(?:\.0{1,9})?)$")


def parse_floor(text: str, field: str = "floor") -> Floor:
    """`mmlu>=80`, `mmlu=80` or `mmlu:80` → Floor("mmlu", 80)."""
    m = _FLOOR.fullmatch(text[:_MAX_TEXT * 2])
    if m is None:
        raise InputError(f"{field}: {text[:_MAX_TEXT]!r}: write BENCHMARK>=MIN (or BENCHMARK=MIN), e.g. mmlu>=80",
                         field=field)
    minimum = parse_decimal(m.group(2), field, low=-FLOOR_SCORE_BOUND, high=FLOOR_SCORE_BOUND)
    return Floor(m.group(1).lower(), minimum)


# -- the workload's numeric fields ---------------------------------------------------------------------------

@dataclass(frozen=True)
class NumberField:
    """One numeric field of a workload: its bounds, its default and what it means.

    The one list of workload fields: the TOML file, the CLI flags (`--tasks-per-month`), the web form and the
    /api/bill query parameters are all spelled from it.
    """

    name: str
    low: Decimal
    high: Decimal
    label: str
    description: str
    open_low: bool = False
    required: bool = False
    default: Decimal | None = None

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def problem(self, v: Decimal) -> str | None:
        return bounds_problem(v, self.low, self.high, open_low=self.open_low)

    def parse(self, value: object) -> Decimal:
        return parse_decimal(value, self.name, low=self.low, high=self.high, open_low=self.open_low)


def _f(name: str, low: int | str, high: int | str, label: str, description: str, **kw: object) -> NumberField:
    return NumberField(name, Decimal(low), Decimal(high), label, description, **kw)  # type: ignore[arg-type]


# Limits that catch typos rather than real workloads: at most 10 million input tokens per call (the largest
# context window on record), 1 million output and 10 million reasoning tokens per call, 10,000 calls per task,
# 10^12 tasks per month, a reasoning multiplier of at most 1,000, monthly growth between -100% and +1,000%.
WORKLOAD_FIELDS: dict[str, NumberField] = {f.name: f for f in (
    _f("tasks_per_month", 0, 10**12, "Tasks per month", "Tasks per month.", open_low=True, required=True),
    _f("calls_per_task", 0, 10_000, "LLM calls per task", "LLM calls per task (default 1; agents make many).",
       open_low=True, default=Decimal(1)),
    _f("input_tokens", 0, 10_000_000, "Input tokens per call", "Prompt tokens per call (the whole prompt).",
       required=True),
    _f("output_tokens", 0, 1_000_000, "Output tokens per call", "Visible output tokens per call.", required=True),
    _f("reasoning_tokens", 0, 10_000_000, "Reasoning tokens per call",
       "Hidden reasoning tokens per call (or give reasoning_multiplier; not both)."),
    _f("reasoning_multiplier", 0, 1000, "Reasoning × output",
       "Reasoning tokens as a multiple of output tokens (or give reasoning_tokens; not both)."),
    _f("cached_input_share", 0, 1, "Cached input share",
       "Share of input read from the prompt cache (0–1; with the two cache-write shares at most 1).",
       default=Decimal(0)),
    _f("cache_write_share", 0, 1, "Cache write share",
       "Share of input written to the prompt cache (0–1; with the other cache shares at most 1).",
       default=Decimal(0)),
    _f("batch_share", 0, 1, "Batch share", "Share of calls sent through the batch API (0–1).", default=Decimal(0)),
    _f("long_context_share", 0, 1, "Long-context share", "Share of calls above the long-context threshold (0–1).",
       default=Decimal(0)),
    _f("cache_write_1h_share", 0, 1, "1-hour cache write share",
       "Share of input written to a 1-hour cache (0–1; with the other cache shares at most 1).",
       default=Decimal(0)),
    _f("off_peak_share", 0, 1, "Off-peak share", "Share of calls in the offer's off-peak UTC window (0–1).",
       default=Decimal(0)),
    _f("input_audio_share", 0, 1, "Audio input share", "Share of uncached input that is audio (0–1).",
       default=Decimal(0)),
    _f("output_audio_share", 0, 1, "Audio output share", "Share of output that is audio (0–1).", default=Decimal(0)),
    _f("regional_share", 0, 1, "Regional share", "Share of calls to regional (not global) endpoints (0–1).",
       default=Decimal(0)),
    _f("monthly_growth", -1, 10, "Monthly growth", "Monthly growth of tasks (0.05 = 5%).", open_low=True,
       default=Decimal(0)),
    _f("revenue_per_task", 0, 10**9, "Revenue per task (USD)", "USD earned per task (for margin)."),
)}


# -- bounds on the other numeric options ---------------------------------------------------------------------

@dataclass(frozen=True)
class Bound:
    """The accepted range of one numeric option, shared by its CLI flag and its query parameter."""

    low: int | float
    high: int | float
    open_low: bool = False

    @property
    def min_max(self) -> dict[str, Any]:
        """{"min": low, "max": high}: splat into a typer.Option (`**LIMITS["isl"].min_max`)."""
        return {"min": self.low, "max": self.high}

    def parse(self, value: object, field: str) -> Decimal:
        return parse_decimal(value, field, low=Decimal(str(self.low)), high=Decimal(str(self.high)),
                             open_low=self.open_low)


# Generous for any real use, tight enough that no value can make a command run for minutes or fill memory.
LIMITS: dict[str, Bound] = {
    "isl": Bound(1, 1_000_000),  # input tokens per request
    "osl": Bound(1, 100_000),  # output tokens per request
    "count": Bound(1, 1024),  # GPUs in a deployment
    "tp": Bound(1, 64),  # tensor-parallel degree
    "concurrency": Bound(1, 100_000),
    "spec_k": Bound(0, 16),
    "spec_alpha": Bound(0.0, 0.99),
    "rate": Bound(0.001, 1e9),  # output tokens/s to sustain
    "usd_per_gpu_hour": Bound(0, 1000, open_low=True),
    "utilisation": Bound(0, 1, open_low=True),
    "top": Bound(1, 100_000),  # rows shown
    "limit": Bound(0, 10_000_000),  # rows listed (0 = all)
    "days": Bound(1, 36_500),
    "seed": Bound(0, 2**32 - 1),
    "ttft": Bound(0, 3600, open_low=True),  # seconds to first token
    "tpot": Bound(0, 60, open_low=True),  # seconds per output token
    "level": Bound(0.5, 0.99),  # interval level: beyond 0.99 the bootstrap tails hold too few samples to mean much
    "tolerance": Bound(0, 100),  # relative difference (1 = 100%)
}


def parse_level(value: object, field: str = "level") -> float:
    """An interval level in [0.5, 0.99] (0.9 = 90%)."""
    return float(LIMITS["level"].parse(value, field))


def parse_tolerance(value: object, field: str = "tolerance") -> Decimal:
    """A relative tolerance in [0, 100] (0.01 = 1%)."""
    return LIMITS["tolerance"].parse(value, field)

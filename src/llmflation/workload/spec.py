"""The workload spec: what one task of your product consumes, how many tasks a month, and what a task earns.

A workload is written as a TOML file (see `examples/`) or assembled from CLI flags, and validated here with
Pydantic v2. Every number is a `Decimal` (TOML floats are parsed as Decimal, so `0.1` stays exactly 0.1).
Invalid input raises `InputError` whose message names the offending field, e.g. `cached_input_share: must be
at most 1 (got 1.5)`.

Token counts are averages **per call** and the buckets are disjoint:

* `input_tokens` is the whole prompt of a call; `cached_input_share` of it is read from the provider's prompt
  cache, `cache_write_share` of it is written to the cache, the rest is uncached input.
* `output_tokens` is the visible answer; hidden reasoning is extra: either `reasoning_tokens` per call, or
  `reasoning_multiplier` × `output_tokens` (give one or neither).

The numeric fields, their bounds and their defaults are listed once, in `llmflation.values.WORKLOAD_FIELDS`
(shared with the CLI flags and the web's query parameters). Limits catch typos rather than real workloads
("absurd" values): at most 10 million input tokens per call (the largest context window on record), 1 million
output tokens and 10 million reasoning tokens per call, 10,000 calls per task, 10^12 tasks per month, a reasoning
multiplier of at most 1,000, monthly growth between -100% and +1,000%.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from llmflation.errors import InputError, UnknownModelError, UnknownNameError, suggest
from llmflation.values import WORKLOAD_FIELDS

if TYPE_CHECKING:
    from llmflation.ledger.ledger import Ledger

MAX_INPUT_TOKENS = WORKLOAD_FIELDS["input_tokens"].high
MAX_OUTPUT_TOKENS = WORKLOAD_FIELDS["output_tokens"].high
MAX_REASONING_TOKENS = WORKLOAD_FIELDS["reasoning_tokens"].high
MAX_CALLS_PER_TASK = WORKLOAD_FIELDS["calls_per_task"].high
MAX_TASKS_PER_MONTH = WORKLOAD_FIELDS["tasks_per_month"].high
MAX_REASONING_MULTIPLIER = WORKLOAD_FIELDS["reasoning_multiplier"].high

_STRICT = ConfigDict(extra="forbid", frozen=True)


def _dec(v: Any) -> Any:
    """Accept ints, Decimals and numeric strings; floats go through their repr (what the user typed)."""
    if isinstance(v, bool):
        raise ValueError("expected a number, got a boolean")
    if isinstance(v, float):
        return Decimal(repr(v))
    if isinstance(v, str):
        return v.strip().replace("_", "")
    return v


class Floor(BaseModel):
    """The capability floor: only models scoring at least `min` on `benchmark` qualify."""

    model_config = _STRICT
    benchmark: str = Field(min_length=1)
    min: Decimal

    @field_validator("min", mode="before")
    @classmethod
    def _num(cls, v: Any) -> Any:
        return _dec(v)

    @field_validator("benchmark")
    @classmethod
    def _lower(cls, v: str) -> str:
        return v.strip().lower()


class ModelShare(BaseModel):
    """One model in the workload's current mix; `share` of calls go to it (shares sum to 1)."""

    model_config = _STRICT
    model: str = Field(min_length=1)
    provider: str | None = None
    share: Decimal = Decimal(1)

    @field_validator("share", mode="before")
    @classmethod
    def _num(cls, v: Any) -> Any:
        return _dec(v)

    @field_validator("share")
    @classmethod
    def _share(cls, v: Decimal) -> Decimal:
        if not (0 < v <= 1):
            raise ValueError(f"must be above 0 and at most 1 (got {v})")
        return v

    @field_validator("provider")
    @classmethod
    def _prov(cls, v: str | None) -> str | None:
        return None if v is None else v.strip().lower()


_DECIMALS = tuple(WORKLOAD_FIELDS)


class Workload(BaseModel):
    """A validated workload. Build one with `load_workload(path | dict)`; instances are immutable."""

    model_config = _STRICT

    name: str = "workload"
    description: str = ""
    tasks_per_month: Decimal
    calls_per_task: Decimal = Decimal(1)
    input_tokens: Decimal
    output_tokens: Decimal
    reasoning_tokens: Decimal | None = None
    reasoning_multiplier: Decimal | None = None
    cached_input_share: Decimal = Decimal(0)
    cache_write_share: Decimal = Decimal(0)
    batch_share: Decimal = Decimal(0)
    long_context_share: Decimal = Decimal(0)
    # pricing dimensions (see ledger/tariff.py): 1-hour cache writes (share of input), calls in the offer's
    # off-peak UTC window, audio (share of uncached input / of output), calls to regional endpoints, service tier
    cache_write_1h_share: Decimal = Decimal(0)
    off_peak_share: Decimal = Decimal(0)
    input_audio_share: Decimal = Decimal(0)
    output_audio_share: Decimal = Decimal(0)
    regional_share: Decimal = Decimal(0)
    service_tier: str = "standard"
    monthly_growth: Decimal = Decimal(0)
    revenue_per_task: Decimal | None = None
    floor: Floor | None = None
    models: tuple[ModelShare, ...] = ()

    @field_validator(*_DECIMALS, mode="before")
    @classmethod
    def _num(cls, v: Any) -> Any:
        return _dec(v)

    @field_validator(*_DECIMALS)
    @classmethod
    def _bounds(cls, v: Decimal | None, info: ValidationInfo) -> Decimal | None:
        if v is None:
            return None
        assert info.field_name is not None
        problem = WORKLOAD_FIELDS[info.field_name].problem(v)
        if problem:
            raise ValueError(problem)
        return v

    @field_validator("service_tier")
    @classmethod
    def _tier(cls, v: str) -> str:
        from llmflation.ledger.tariff import SERVICE_TIERS

        t = v.strip().lower()
        if t not in SERVICE_TIERS:
            raise ValueError(f"must be one of {', '.join(SERVICE_TIERS)} (got {v!r}); off-peak hours are "
                             "off_peak_share")
        return t

    @model_validator(mode="after")
    def _consistent(self) -> Workload:
        if self.reasoning_tokens is not None and self.reasoning_multiplier is not None:
            raise ValueError("reasoning_tokens: give reasoning_tokens or reasoning_multiplier, not both")
        if self.cached_input_share + self.cache_write_share + self.cache_write_1h_share > 1:
            raise ValueError(
                f"cache_write_share: cached_input_share + cache_write_share + cache_write_1h_share must be at most 1 "
                f"(got {self.cached_input_share} + {self.cache_write_share} + {self.cache_write_1h_share})")
        if self.models:
            total = sum((m.share for m in self.models), Decimal(0))
            if total != 1:
                raise ValueError(f"models: the shares must sum to 1 (got {total})")
            keys = [(m.model.lower(), m.provider) for m in self.models]
            if len(set(keys)) != len(keys):
                raise ValueError("models: the same model and provider is listed twice")
        return self

    # -- derived quantities ---------------------------------------------------------------------------------
    @property
    def reasoning_per_call(self) -> Decimal:
        """Hidden reasoning tokens per call: the explicit count, or multiplier × output tokens, or 0."""
        if self.reasoning_tokens is not None:
            return self.reasoning_tokens
        if self.reasoning_multiplier is not None:
            return self.reasoning_multiplier * self.output_tokens
        return Decimal(0)

    @property
    def calls_per_month(self) -> Decimal:
        return self.tasks_per_month * self.calls_per_task

    @property
    def tokens_per_call(self) -> Decimal:
        """All tokens of one call: input (cached or not) + output + reasoning."""
        return self.input_tokens + self.output_tokens + self.reasoning_per_call

    @property
    def tokens_per_month(self) -> Decimal:
        return self.tokens_per_call * self.calls_per_month

    def replace(self, **changes: Any) -> Workload:
        """A validated copy with some fields changed (scenarios use this)."""
        data = self.model_dump()
        data.update(changes)
        return load_workload(data, where=f"workload {self.name!r}")

    def check_against(self, ledger: Ledger) -> None:
        """Fail with the field named when the floor's benchmark or a listed model/provider is unknown."""
        if self.floor is not None:
            known = ledger.benchmarks
            if self.floor.benchmark not in known:
                close = suggest(self.floor.benchmark, known)
                hint = f" Did you mean: {', '.join(close)}?" if close else ""
                raise InputError(f"floor.benchmark: unknown benchmark {self.floor.benchmark!r}.{hint} "
                                 f"Known: {', '.join(known) or '(no scores loaded)'}.")
        from llmflation.errors import NameNotInEffectError

        for i, share in enumerate(self.models):
            try:
                model = ledger.resolve(share.model)
            except NameNotInEffectError:
                continue  # a dated name (retired or not yet current): resolved per billing date
            except UnknownModelError as exc:
                raise InputError(f"models[{i}].model: {exc}") from None
            if share.provider is not None:
                providers = sorted({p.provider for p in ledger.history(model.id)})
                if share.provider not in providers:
                    err = UnknownNameError(f"provider for {model.id}", share.provider,
                                           providers or ["(none: no prices on record)"])
                    raise InputError(f"models[{i}].provider: {err}")


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


def _format_errors(exc: ValidationError, where: str) -> str:
    lines = []
    for err in exc.errors():
        field = _loc(err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        # model-level errors carry their field at the front of the message ("models: ...")
        if not field and ": " in msg:
            field, msg = msg.split(": ", 1)
        if err["type"] == "extra_forbidden":
            msg = f"unknown field (known: {', '.join(Workload.model_fields)})"
        elif err["type"] == "missing":
            msg = "required field is missing"
        lines.append(f"{field or '(workload)'}: {msg}")
    return f"{where}: " + "; ".join(lines)


def load_workload(source: str | Path | Mapping[str, Any], *, where: str | None = None,
                  overrides: Mapping[str, Any] | None = None) -> Workload:
    """Read and validate a workload from a TOML path or a dict (keys as in the TOML file).

    `overrides` (e.g. from CLI flags) replace the file's values before validation; None values are ignored.
    Raises InputError naming the field on any problem.
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        where = where or str(path)
        try:
            with path.open("rb") as fh:
                data: dict[str, Any] = tomllib.load(fh, parse_float=Decimal)
        except FileNotFoundError:
            raise InputError(f"{path}: no such workload file (see examples/ for templates)") from None
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{path}: not valid TOML: {exc}") from None
        data.setdefault("name", path.stem)
    else:
        data = dict(source)
        where = where or "workload"
    for key, value in (overrides or {}).items():
        if value is not None:
            data[key] = value
    try:
        return Workload.model_validate(data)
    except ValidationError as exc:
        raise InputError(_format_errors(exc, where)) from None

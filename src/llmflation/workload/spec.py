"""The workload spec: what one task of your product consumes, how many tasks a month, and what a task earns.

A workload is written as a TOML file (see `examples/`) or assembled from CLI flags, and validated here, every
problem at once. Every number is a `Decimal` (TOML floats are parsed as Decimal, so `0.1` stays exactly 0.1) read by
the one number parser, `llmflation.values.parse_decimal`. Invalid input raises `InputError` whose message names
the offending field, e.g. `cached_input_share: must be at most 1 (got 1.5)`. Stdlib only: `bill` imports this at
start-up, and a schema library would add a sixth of a second to every run.

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

from llmflation.errors import InputError, UnknownModelError, UnknownNameError, suggest
from llmflation.values import FLOOR_SCORE_BOUND, WORKLOAD_FIELDS, parse_decimal, parse_floor

if TYPE_CHECKING:
    from llmflation.ledger.ledger import Ledger

MAX_INPUT_TOKENS = WORKLOAD_FIELDS["input_tokens"].high
MAX_OUTPUT_TOKENS = WORKLOAD_FIELDS["output_tokens"].high
MAX_REASONING_TOKENS = WORKLOAD_FIELDS["reasoning_tokens"].high
MAX_CALLS_PER_TASK = WORKLOAD_FIELDS["calls_per_task"].high
MAX_TASKS_PER_MONTH = WORKLOAD_FIELDS["tasks_per_month"].high
MAX_REASONING_MULTIPLIER = WORKLOAD_FIELDS["reasoning_multiplier"].high


class _Problems:
    """Every problem of one input, each as `location: message`, collected so a user fixes them in one go."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.lines.append(f"{where}: {message}")

    def number(self, value: object, where: str, **bounds: Any) -> Decimal | None:
        try:
            return parse_decimal(value, where, **bounds)
        except InputError as exc:
            self.lines.append(str(exc))
            return None

    def text(self, value: object, where: str, *, lower: bool = False, required: bool = False) -> str | None:
        if not isinstance(value, str):
            self.add(where, f"expected text, got {type(value).__name__}")
            return None
        out = value.strip().lower() if lower else value
        if required and not out.strip():
            self.add(where, "must not be empty")
            return None
        return out

    def unknown(self, data: Mapping[str, Any], known: tuple[str, ...], where: str = "") -> None:
        for key in data:
            if key not in known:
                self.add(f"{where}{key}", f"unknown field (known: {', '.join(known)})")


class _Frozen:
    """An immutable record of `_fields`: equal and hashed by its values, as the records it replaces were."""

    __slots__: tuple[str, ...] = ()
    _fields: tuple[str, ...] = ()

    def _set(self, values: Mapping[str, Any]) -> None:
        for f in self._fields:
            object.__setattr__(self, f, values[f])

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; make a new one (Workload.replace)")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f) for f in self._fields)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._values()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{f}={getattr(self, f)!r}' for f in self._fields)})"

    def to_dict(self) -> dict[str, Any]:
        """The fields as plain values (nested records as dicts), in their order: what `load_workload` reads back."""
        return {f: _plain(getattr(self, f)) for f in self._fields}

    def __reduce__(self) -> tuple[Any, ...]:  # pickle and copy: rebuilt from the values, past the immutability guard
        return _restore, (type(self), self._values())


def _restore(cls: type[_Frozen], values: tuple[Any, ...]) -> _Frozen:
    obj = object.__new__(cls)
    obj._set(dict(zip(cls._fields, values, strict=True)))
    return obj


def _plain(v: Any) -> Any:
    if isinstance(v, _Frozen):
        return v.to_dict()
    if type(v) is tuple:
        return tuple(_plain(x) for x in v)
    return v


class Floor(_Frozen):
    """The capability floor: only models scoring at least `min` on `benchmark` qualify."""

    __slots__ = ("benchmark", "min")
    _fields = ("benchmark", "min")
    benchmark: str
    min: Decimal

    def __init__(self, benchmark: str, min: Decimal) -> None:
        self._set({"benchmark": benchmark, "min": min})

    @classmethod
    def parse(cls, value: object, where: str, problems: _Problems) -> Floor | None:
        """A floor from its table ({benchmark, min}), its text (`mmlu>=80`, as the CLI flag) or a Floor."""
        if isinstance(value, Floor):
            return value
        if isinstance(value, str):
            try:
                f = parse_floor(value, where)
            except InputError as exc:
                problems.lines.append(str(exc))
                return None
            return cls(f.benchmark, f.minimum)
        if not isinstance(value, Mapping):
            problems.add(where, f"expected a table {{benchmark, min}} or text like mmlu>=80, got "
                                f"{type(value).__name__}")
            return None
        problems.unknown(value, cls._fields, f"{where}.")
        if "benchmark" not in value or "min" not in value:
            for key in ("benchmark", "min"):
                if key not in value:
                    problems.add(f"{where}.{key}", "required field is missing")
            return None
        bench = problems.text(value["benchmark"], f"{where}.benchmark", lower=True, required=True)
        low = problems.number(value["min"], f"{where}.min", low=-FLOOR_SCORE_BOUND, high=FLOOR_SCORE_BOUND)
        return None if bench is None or low is None else cls(bench, low)


class ModelShare(_Frozen):
    """One model in the workload's current mix; `share` of calls go to it (shares sum to 1)."""

    __slots__ = ("model", "provider", "share")
    _fields = ("model", "provider", "share")
    model: str
    provider: str | None
    share: Decimal

    def __init__(self, model: str, provider: str | None = None, share: Decimal = Decimal(1)) -> None:
        self._set({"model": model, "provider": provider, "share": share})

    @classmethod
    def parse(cls, value: object, where: str, problems: _Problems) -> ModelShare | None:
        if isinstance(value, ModelShare):
            return value
        if not isinstance(value, Mapping):
            problems.add(where, f"expected a table {{model, provider, share}}, got {type(value).__name__}")
            return None
        problems.unknown(value, cls._fields, f"{where}.")
        if "model" not in value:
            problems.add(f"{where}.model", "required field is missing")
            return None
        before = len(problems.lines)
        model = problems.text(value["model"], f"{where}.model", required=True)
        provider = value.get("provider")
        if provider is not None:
            provider = problems.text(provider, f"{where}.provider", lower=True, required=True)
        share = problems.number(value.get("share", 1), f"{where}.share", low=0, high=1, open_low=True)
        if model is None or share is None or len(problems.lines) > before:  # a field of this entry is invalid
            return None
        return cls(model, provider, share)


_TEXTS = {"name": "workload", "description": ""}


def _field_order() -> tuple[str, ...]:
    """The workload's fields in the order of its JSON shape: name, description, the numbers (WORKLOAD_FIELDS) with
    the service tier after the last share, the floor and the model mix."""
    numbers = list(WORKLOAD_FIELDS)
    cut = numbers.index("regional_share") + 1
    return ("name", "description", *numbers[:cut], "service_tier", *numbers[cut:], "floor", "models")


class Workload(_Frozen):
    """A validated workload. Build one with `load_workload(path | dict)` (or `Workload(**fields)`, validated the
    same way); instances are immutable."""

    FIELDS = _field_order()
    __slots__ = FIELDS
    _fields = FIELDS

    name: str
    description: str
    tasks_per_month: Decimal
    calls_per_task: Decimal
    input_tokens: Decimal
    output_tokens: Decimal
    reasoning_tokens: Decimal | None
    reasoning_multiplier: Decimal | None
    cached_input_share: Decimal
    cache_write_share: Decimal
    batch_share: Decimal
    long_context_share: Decimal
    # pricing dimensions (see ledger/tariff.py): 1-hour cache writes (share of input), calls in the offer's
    # off-peak UTC window, audio (share of uncached input / of output), calls to regional endpoints, service tier
    cache_write_1h_share: Decimal
    off_peak_share: Decimal
    input_audio_share: Decimal
    output_audio_share: Decimal
    regional_share: Decimal
    service_tier: str
    monthly_growth: Decimal
    revenue_per_task: Decimal | None
    floor: Floor | None
    models: tuple[ModelShare, ...]

    def __init__(self, **fields: Any) -> None:
        self._set(_validated(fields, "workload"))

    @classmethod
    def _trusted(cls, values: Mapping[str, Any]) -> Workload:
        w = object.__new__(cls)
        w._set(values)
        return w

    def with_values(self, **changes: Any) -> Workload:
        """A copy with some fields changed, NOT validated again: for callers that change only values they have
        already checked (the timeline's monthly volumes and mixes). Anything else: `replace`."""
        unknown = [k for k in changes if k not in self._fields]
        if unknown:
            raise TypeError(f"Workload has no field {', '.join(unknown)}")
        return self._trusted({**{f: getattr(self, f) for f in self._fields}, **changes})

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
        data = self.to_dict()
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


def _validated(data: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The workload's fields from `data` (keys as in the TOML file), each parsed by the one rule for its kind; every
    problem is reported at once (`where: field: message; field: message`) as one InputError."""
    problems = _Problems()
    problems.unknown(data, Workload.FIELDS)
    out: dict[str, Any] = {}
    for key, default in _TEXTS.items():
        out[key] = problems.text(data[key], key) if key in data else default
    for key, f in WORKLOAD_FIELDS.items():
        if key not in data:
            if f.required:
                problems.add(key, "required field is missing")
            out[key] = f.default
        elif data[key] is None and not f.required and f.default is None:
            out[key] = None
        else:
            out[key] = problems.number(data[key], key, low=f.low, high=f.high, open_low=f.open_low)
    out["service_tier"] = _service_tier(data.get("service_tier", "standard"), problems)
    floor = data.get("floor")
    out["floor"] = None if floor is None else Floor.parse(floor, "floor", problems)
    out["models"] = _model_shares(data.get("models", ()), problems)
    if not problems.lines:  # the rules across fields, once each field is valid on its own
        _consistent(out, problems)
    if problems.lines:
        raise InputError(f"{where}: " + "; ".join(problems.lines))
    return out


def _service_tier(value: object, problems: _Problems) -> str | None:
    from llmflation.ledger.tariff import SERVICE_TIERS

    tier = problems.text(value, "service_tier", lower=True)
    if tier is not None and tier not in SERVICE_TIERS:
        problems.add("service_tier", f"must be one of {', '.join(SERVICE_TIERS)} (got {value!r}), as off-peak "
                                     "hours are a share of calls (off_peak_share)")
        return None
    return tier


def _model_shares(value: object, problems: _Problems) -> tuple[ModelShare, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (list, tuple)):
        problems.add("models", f"expected a list of tables {{model, provider, share}}, got {type(value).__name__}")
        return ()
    got = [ModelShare.parse(v, f"models[{i}]", problems) for i, v in enumerate(value)]
    return tuple(m for m in got if m is not None)


def _consistent(w: Mapping[str, Any], problems: _Problems) -> None:
    if w["reasoning_tokens"] is not None and w["reasoning_multiplier"] is not None:
        problems.add("reasoning_tokens", "give reasoning_tokens or reasoning_multiplier, not both")
    cached, write, write_1h = w["cached_input_share"], w["cache_write_share"], w["cache_write_1h_share"]
    if cached + write + write_1h > 1:
        problems.add("cache_write_share", "cached_input_share + cache_write_share + cache_write_1h_share must be at "
                                          f"most 1 (got {cached} + {write} + {write_1h})")
    models = w["models"]
    if models:
        total = sum((m.share for m in models), Decimal(0))
        if total != 1:
            problems.add("models", f"the shares must sum to 1 (got {total})")
        keys = [(m.model.lower(), m.provider) for m in models]
        if len(set(keys)) != len(keys):
            problems.add("models", "the same model and provider is listed twice")


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
    return Workload._trusted(_validated(data, where))

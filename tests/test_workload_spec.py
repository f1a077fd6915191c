"""The workload spec's validation (stdlib only, no schema library): every problem reported at once with its field,
nested floors and model mixes located, the record immutable and equal by value, and what it writes read back."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmflation.errors import InputError
from llmflation.values import WORKLOAD_FIELDS
from llmflation.workload.spec import Floor, ModelShare, Workload, load_workload

BASE: dict[str, Any] = {"tasks_per_month": 100, "input_tokens": 1000, "output_tokens": 200}


def _problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(InputError) as exc:
        load_workload(data, where="w.toml")
    text = str(exc.value)
    assert text.startswith("w.toml: ")
    return text.removeprefix("w.toml: ").split("; ")


def test_every_problem_is_reported_at_once_each_with_its_field() -> None:
    got = _problems({"input_tokens": "lots", "batch_share": 2, "colour": "blue", "name": 5,
                     "service_tier": "gold", "floor": {"benchmark": "", "min": "x", "extra": 1},
                     "models": [{"model": "a", "share": 0}, "b", {"provider": "p"}]})
    fields = [p.split(": ", 1)[0] for p in got]
    assert fields == ["colour", "name", "tasks_per_month", "input_tokens", "output_tokens", "batch_share",
                      "service_tier", "floor.extra", "floor.benchmark", "floor.min", "models[0].share", "models[1]",
                      "models[2].model"]
    assert "colour: unknown field (known: name, description, tasks_per_month," in "; ".join(got)
    assert "floor.extra: unknown field (known: benchmark, min)" in got
    assert "tasks_per_month: required field is missing" in got
    assert "input_tokens: 'lots' is not a number" in got
    assert "batch_share: must be at most 1 (got 2)" in got
    assert "name: expected text, got int" in got
    assert any(p.startswith("service_tier: must be one of standard, flex, priority (got 'gold')") for p in got)
    assert "models[0].share: must be above 0 (got 0)" in got


@pytest.mark.parametrize("value, message", [
    (True, "expected a number, got True"),
    ([1], "expected a number, got list"),
    (None, "expected a number, got NoneType"),
    ("nan", "must be a finite number"),
    ("Infinity", "must be a finite number"),
    ("1" * 80, "too long for a number"),
    ("", "'' is not a number"),
])
def test_numbers_are_read_by_the_one_number_parser(value: object, message: str) -> None:
    got = _problems({**BASE, "input_tokens": value})
    assert len(got) == 1 and got[0].startswith("input_tokens: ") and message in got[0]


def test_optional_numbers_may_be_null_and_the_rest_have_their_defaults() -> None:
    w = load_workload({**BASE, "reasoning_tokens": None, "revenue_per_task": None})
    assert w.reasoning_tokens is None and w.revenue_per_task is None
    for name, f in WORKLOAD_FIELDS.items():
        if not f.required and f.default is not None:
            assert getattr(w, name) == f.default
    assert (w.name, w.description, w.service_tier, w.floor, w.models) == ("workload", "", "standard", None, ())


def test_cross_field_rules_run_once_every_field_is_valid() -> None:
    assert _problems({**BASE, "reasoning_tokens": 1, "reasoning_multiplier": 2}) == [
        "reasoning_tokens: give reasoning_tokens or reasoning_multiplier, not both"]
    # a field problem first: the cross-field rules wait (their message would quote an invalid value)
    assert _problems({**BASE, "cached_input_share": 2, "cache_write_share": D("0.5")}) == [
        "cached_input_share: must be at most 1 (got 2)"]
    both = _problems({**BASE, "cached_input_share": D("0.7"), "cache_write_share": D("0.4"),
                      "models": [{"model": "a", "share": D("0.5")}, {"model": "b", "share": D("0.25")}]})
    assert both == ["cache_write_share: cached_input_share + cache_write_share + cache_write_1h_share must be at "
                    "most 1 (got 0.7 + 0.4 + 0)", "models: the shares must sum to 1 (got 0.75)"]
    assert _problems({**BASE, "models": [{"model": "a", "share": D("0.5")}, {"model": "A", "share": D("0.5")}]}) \
        == ["models: the same model and provider is listed twice"]


def test_floor_is_a_table_or_the_flag_text() -> None:
    table = load_workload({**BASE, "floor": {"benchmark": " GPQA_Diamond ", "min": "40.5"}}).floor
    text = load_workload({**BASE, "floor": "gpqa_diamond>=40.5"}).floor
    assert table == text == Floor("gpqa_diamond", D("40.5"))
    assert _problems({**BASE, "floor": "gpqa"})[0].startswith("floor: 'gpqa': write BENCHMARK>=MIN")
    assert _problems({**BASE, "floor": 80}) == [
        "floor: expected a table {benchmark, min} or text like mmlu>=80, got int"]
    assert _problems({**BASE, "floor": {"benchmark": "mmlu", "min": 10**6}}) == [
        "floor.min: must be at most 10,000 (got 1000000: is that a typo?)"]
    assert _problems({**BASE, "floor": {"min": 1}}) == ["floor.benchmark: required field is missing"]


def test_model_mix_entries_are_located() -> None:
    w = load_workload({**BASE, "models": [{"model": "x/a", "provider": " OpenAI ", "share": "0.25"},
                                          {"model": "x/b", "share": D("0.75")}]})
    assert w.models == (ModelShare("x/a", "openai", D("0.25")), ModelShare("x/b", None, D("0.75")))
    assert load_workload({**BASE, "models": [{"model": "x/a"}]}).models[0].share == 1
    assert _problems({**BASE, "models": "x/a"}) == [
        "models: expected a list of tables {model, provider, share}, got str"]
    assert _problems({**BASE, "models": [{"model": "x/a", "provider": 3}]}) == [
        "models[0].provider: expected text, got int"]
    assert _problems({**BASE, "models": [{"model": " "}]}) == ["models[0].model: must not be empty"]


def test_a_workload_is_immutable_and_equal_by_value() -> None:
    a, b = load_workload(BASE), load_workload(dict(BASE))
    assert a == b and hash(a) == hash(b) and a is not b
    assert a != load_workload({**BASE, "output_tokens": 201}) and a != BASE
    with pytest.raises(AttributeError, match="immutable"):
        a.output_tokens = D(5)  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        del a.name
    assert "output_tokens=Decimal('200')" in repr(a)
    import copy
    import pickle

    nested = load_workload({**BASE, "floor": "mmlu>=70", "models": [{"model": "x/a", "share": 1}]})
    for again in (pickle.loads(pickle.dumps(nested)), copy.deepcopy(nested), copy.copy(nested)):
        assert again == nested and type(again.floor) is Floor and again.models[0] == nested.models[0]
    import json

    from llmflation import jsonable

    mixed = load_workload({**BASE, "floor": "mmlu>=70", "models": [{"model": "x/a"}]})
    assert jsonable(mixed) == jsonable(mixed.to_dict())
    assert json.loads(json.dumps(jsonable(mixed)))["floor"] == {"benchmark": "mmlu", "min": "70"}
    assert jsonable(mixed)["models"] == [{"model": "x/a", "provider": None, "share": "1"}]


def test_the_constructor_validates_and_with_values_does_not() -> None:
    assert Workload(**BASE) == load_workload(BASE)
    with pytest.raises(InputError, match="workload: output_tokens: required field is missing"):
        Workload(tasks_per_month=1, input_tokens=1)
    w = load_workload(BASE)
    grown = w.with_values(tasks_per_month=D(10) ** 15)  # past the spec's sanity bound: the timeline's own doing
    assert grown.tasks_per_month == D(10) ** 15 and w.tasks_per_month == 100
    with pytest.raises(TypeError, match="no field colour"):
        w.with_values(colour="blue")
    with pytest.raises(InputError, match=r"workload 'workload': batch_share: must be at most 1"):
        w.replace(batch_share=3)


def test_a_toml_file_reports_all_its_problems_under_its_path(tmp_path: Path) -> None:
    f = tmp_path / "agent.toml"
    f.write_text("tasks_per_month = 0\ninput_tokens = 100\noutput_tokens = 10\nbatch_share = 1.5\n"
                 "[floor]\nbenchmark = 'mmlu'\n")
    with pytest.raises(InputError) as exc:
        load_workload(f)
    assert str(exc.value) == (f"{f}: tasks_per_month: must be above 0 (got 0); batch_share: must be at most 1 "
                              "(got 1.5); floor.min: required field is missing")


_share = st.decimals(min_value=0, max_value=1, places=3)


@settings(max_examples=200, derandomize=True)
@given(tasks=st.integers(1, 10**9), calls=st.integers(1, 100), i=st.integers(0, 10**6), o=st.integers(0, 10**5),
       r=st.one_of(st.none(), st.integers(0, 10**5)), cached=_share, batch=_share,
       tier=st.sampled_from(["standard", "flex", "priority"]), floor=st.booleans(), mix=st.booleans())
def test_what_a_workload_writes_reads_back_the_same(tasks: int, calls: int, i: int, o: int, r: int | None,
                                                     cached: D, batch: D, tier: str, floor: bool, mix: bool) -> None:
    data: dict[str, Any] = {"tasks_per_month": tasks, "calls_per_task": calls, "input_tokens": i, "output_tokens": o,
                            "reasoning_tokens": r, "cached_input_share": cached, "batch_share": batch,
                            "service_tier": tier.upper()}
    if floor:
        data["floor"] = {"benchmark": "MMLU", "min": "70"}
    if mix:
        data["models"] = [{"model": "x/a", "share": D("0.4")}, {"model": "x/b", "provider": "p", "share": "0.6"}]
    w = load_workload(data)
    again = load_workload(w.to_dict())
    assert again == w and again.to_dict() == w.to_dict()
    assert list(w.to_dict()) == list(Workload.FIELDS)
    assert w.service_tier == tier and (w.floor is None or w.floor.benchmark == "mmlu")


def test_bill_jevons_and_price_runs_never_import_a_schema_library(shared_home: Path) -> None:
    """The spec is stdlib only so that a `bill` run does not pay for Pydantic (about a sixth of a second): a real
    run in a fresh process bills the example and leaves pydantic unimported; the web app still imports it."""
    import json
    import os
    import subprocess
    import sys

    probe = ("import json, sys\nsys.argv = ['llmflation', *sys.argv[1:]]\nfrom llmflation.cli.main import main\n"
             "try:\n    main()\nfinally:\n"
             "    sys.stderr.write('\\nSCHEMA ' + json.dumps(sorted(m for m in ('pydantic', 'pydantic_core') "
             "if m in sys.modules)))\n")
    env = {**os.environ, "LLMFLATION_HOME": str(shared_home)}
    for args in (["bill", "examples/coding-agent.toml", "--json"], ["jevons", "examples/coding-agent.toml", "--json"],
                 ["price", "gpt-4o", "--json"]):
        run = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, env=env,
                             timeout=120, cwd=Path(__file__).parents[1])
        assert run.returncode == 0, run.stderr
        assert run.stderr.rstrip().endswith("SCHEMA []"), run.stderr[-300:]
        answer = json.loads(run.stdout)
        assert answer["workload"]["tasks_per_month"] == "20000" if args[0] != "price" else answer


_any_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**15, 10**15), st.floats(allow_nan=True),
              st.decimals(allow_nan=True, allow_infinity=True), st.text(max_size=12),
              st.sampled_from(["0.5", "1e3", " 7 ", "1_000", "mmlu>=80", "standard", "Flex", "-1", "NaN", "sNaN"])),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(["model", "provider", "share", "benchmark", "min", "x"]),
                                            inner, max_size=4)),
    max_leaves=8)


@settings(max_examples=400, derandomize=True)
@given(st.dictionaries(st.sampled_from([*Workload.FIELDS, "colour"]), _any_value, max_size=8))
def test_any_input_gives_a_workload_or_an_input_error_naming_fields(data: dict[str, Any]) -> None:
    """Whatever a file or a form holds: a valid workload, or one InputError whose every part names a field (never
    another exception, never a value let through unparsed)."""
    try:
        w = load_workload({**BASE, **data}, where="w.toml")
    except InputError as exc:
        text = str(exc)
        assert text.startswith("w.toml: ")
        known = ("(workload)", *Workload.FIELDS, "colour")
        assert all(part.split(": ", 1)[0].split(".")[0].split("[")[0] in known
                   for part in text.removeprefix("w.toml: ").split("; ")), text
        return
    assert all(type(getattr(w, f)) is D or (getattr(w, f) is None and not WORKLOAD_FIELDS[f].required
                                            and WORKLOAD_FIELDS[f].default is None) for f in WORKLOAD_FIELDS)
    assert all(getattr(w, f).is_finite() for f in WORKLOAD_FIELDS if getattr(w, f) is not None)
    assert w.floor is None or (type(w.floor.min) is D and w.floor.benchmark == w.floor.benchmark.strip().lower())
    assert sum((m.share for m in w.models), D(0)) in (0, 1)
    assert load_workload(w.to_dict()) == w
